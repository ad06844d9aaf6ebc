"""Which parser reads a file: chosen by the caller or sniffed from its first bytes."""

import multiprocessing
from itertools import islice
from pathlib import Path

from blog.importers import text_archive, wxr
from blog.importers.records import ArchiveError

FORMATS = ("auto", "text", "wxr")
BATCH = 200
QUEUE_BATCHES = 8


def batched(items, size):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def check_path(path):
    path = Path(path)
    if not path.exists():
        raise ArchiveError(path, "no such file")
    if path.is_dir():
        raise ArchiveError(path, "is a directory; name the files to import")
    return path


def sniff(path):
    with open(path, "rb") as source:
        head = source.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or b"<rss" in head[:1024]:
        return "wxr"
    return "text"


def records_from(path, *, source_format, time_zone):
    """Post records and skipped items of one file, in source order."""
    path = check_path(path)
    if source_format == "auto":
        source_format = sniff(path)
    if source_format == "wxr":
        return in_parallel(path, wxr.parse_wxr, time_zone=time_zone)
    return text_archive.text_archive_records(path, time_zone=time_zone)


def in_parallel(path, parse, **options):
    """Run `parse` in a child process, so reading the XML and writing posts use two cores.

    Records come over a bounded queue in batches: memory stays flat, and an ArchiveError
    in the child is raised here, where the transaction can roll back.
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=QUEUE_BATCHES)

    def produce():
        try:
            for batch in batched(parse(path, **options), BATCH):
                queue.put(("items", batch))
            queue.put(("done", None))
        except ArchiveError as error:
            queue.put(("error", error))
        except Exception as error:  # anything unexpected still names the file
            queue.put(("error", ArchiveError(path, f"could not be read ({error!r})")))

    child = context.Process(target=produce, daemon=True)
    child.start()
    try:
        while True:
            kind, payload = queue.get()
            if kind == "error":
                raise payload
            if kind == "done":
                return
            yield from payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
