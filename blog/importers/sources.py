"""Which parser reads a file: chosen by the caller or sniffed from its first bytes."""

import codecs
import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
from itertools import islice
from pathlib import Path

from blog.importers import detect, text_archive, wxr
from blog.importers.records import ArchiveError, ready

FORMATS = ("auto", "text", "wxr")
BATCH = 200
AHEAD = 5  # batches the reading process may hold ready: memory stays flat


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
    try:
        with open(path, "rb") as source:
            head = source.read(4096)
    except OSError as error:
        raise ArchiveError(path, f"cannot be read: {error.strerror or error}") from None
    if head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):  # UTF-16, with a mark or without
        head = head.decode("utf-16-le", "replace").encode()
    elif head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        head = head.decode("utf-16-be", "replace").encode()
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or b"<rss" in head[:1024]:
        return "wxr"
    return "text"


def records_from(path, *, source_format, time_zone):
    """Post records and skipped items of one file, in source order, with cross-posts and
    series recognised the same way in every format."""
    path = check_path(path)
    if source_format == "auto":
        source_format = sniff(path)
    if source_format == "wxr":
        return in_parallel(path, recognised_wxr, time_zone=time_zone)
    return recognised(text_archive.text_archive_records(path, time_zone=time_zone))


def recognised_wxr(path, *, time_zone):
    """A WXR file's items, recognised in the reading process, which leaves the importing one
    only the writing."""
    return recognised(wxr.parse_wxr(path, time_zone=time_zone))


def recognised(items):
    """Items with cross-posts and series recognised, ready for the loader."""
    return (ready(detect.recognise(item)) for item in items)


def in_parallel(path, parse, **options):
    """Run `parse` in a child process, so reading the XML and writing posts use two cores.

    Records come over a pipe in batches: memory stays flat, and an ArchiveError in the child
    is raised here, where the transaction can roll back. The child is spawned, not forked,
    so it never holds this process's database connection; it ends with this process, and
    if it dies first the pipe closes and the run fails with a message instead of waiting.
    """
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(
        target=produce, args=(writer, os.getpid(), parse, path, options), daemon=True
    )
    child.start()
    writer.close()  # the child holds the only writing end now
    try:
        while True:
            try:
                kind, payload = reader.recv()
            except EOFError:
                child.join()
                raise ArchiveError(
                    path,
                    "the WordPress file reader stopped unexpectedly while reading it "
                    f"(exit code {child.exitcode}); was the machine out of memory?",
                ) from None
            if kind == "error":
                raise payload
            if kind == "done":
                return
            yield from payload
    finally:
        reader.close()
        if child.is_alive():
            child.terminate()
        child.join()


def produce(writer, parent, parse, path, options):
    """In the child: send batches of records, then ("done", None) or ("error", ArchiveError).

    A thread sends while reading goes on, up to AHEAD batches ahead: sending waits whenever
    the import is busy writing, and reading in those waits is what keeps both cores busy."""
    end_with_parent(parent)
    outbox = queue.Queue(maxsize=AHEAD)
    sender = threading.Thread(target=send_each, args=(writer, outbox), daemon=True)
    sender.start()
    try:
        for batch in batched(parse(path, **options), BATCH):
            outbox.put(("items", batch))
        outbox.put(("done", None))
    except ArchiveError as error:
        outbox.put(("error", error))
    except Exception as error:  # anything unexpected still names the file
        outbox.put(("error", ArchiveError(path, f"could not be read ({error!r})")))
    outbox.put(None)
    sender.join()


def send_each(writer, outbox):
    with writer, contextlib.suppress(BrokenPipeError):  # the import has stopped listening
        while (message := outbox.get()) is not None:
            writer.send(message)


def end_with_parent(parent):
    """Linux ends this process when the import is killed; elsewhere the next send fails.

    Ctrl-C reaches the whole process group: the import stops this process itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the import ended before the signal was asked for
        os._exit(1)
