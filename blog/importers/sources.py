"""Which parser reads a file: chosen by the caller or sniffed from its first bytes."""

from pathlib import Path

from blog.importers import text_archive, wxr
from blog.importers.records import ArchiveError

FORMATS = ("auto", "text", "wxr")


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
        return wxr.parse_wxr(path, time_zone=time_zone)
    return iter(text_archive.parse_text_archive(path, time_zone=time_zone))
