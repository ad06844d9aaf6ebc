"""Saved blog listing pages, as plain text, turned into post records.

A page is the site's blurb, then entries newest first, each ending with a share line
("Print Friendly…"), then a footer. An entry is a title line, a date line ("Month D,
YYYY by", the author's name was lost; sometimes missing), and its teaser paragraphs.
"""

import calendar
import codecs
import html
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from blog.importers import detect
from blog.importers.records import ArchiveError, PostRecord

MONTHS = list(calendar.month_name)[1:]  # English names, as the pages print them
DATE_LINE = re.compile(rf"^({'|'.join(MONTHS)}) (\d{{1,2}}), (\d{{4}})(?:\s+by\b.*)?$")
SHARE_LINE = re.compile(r"^Print Friendly(?:, PDF & Email)?$")
MORE = re.compile(r"\(more(?:…|\.\.\.)\)$")  # on stripped lines: no \s* to backtrack over
BLURB_LINES = (
    re.compile(r"\bis an online resource\b", re.I),
    re.compile(r"^a project of$", re.I),
    re.compile(r"\blogo$", re.I),
)
BULLET = re.compile(r"^\s*[•·▪●◦‣\-*]\s+")
NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+")
SENTENCE_END = re.compile(r"[.!?:;…]['’\"”)]*$")
HEADING_MAX = 90
# A listing page shows teasers, a few KB each; far more text without a share line means the
# file is not a listing page, and reading on would hold all of it in memory.
MAX_ENTRY_CHARS = 1_000_000


def looks_like_text_archive(head):
    return bool(SHARE_LINE.search(head) or DATE_LINE.search(head))


def parse_text_archive(path, *, time_zone):
    """Records for the entries of one saved listing page, in page order."""
    return list(text_archive_records(path, time_zone=time_zone))


def text_archive_records(path, *, time_zone):
    """The records of parse_text_archive, yielded as the file is read: memory stays flat."""
    path = Path(path)
    parsed = (parse_entry(path, entry) for entry in split_entries(path, read_lines(path)))
    yield from assign_dates(path, parsed, ZoneInfo(time_zone))


def read_lines(path):
    """(number, stripped text) for each line of the file, read as it streams."""
    try:
        with open(path, "rb") as source:
            for number, line in enumerate(decoded_lines(path, source), start=1):
                yield number, line.strip()
    except OSError as error:
        raise ArchiveError(path, f"cannot be read: {error.strerror or error}") from None


def decoded_lines(path, source):
    number = 0
    for raw in source:
        if number == 0:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ArchiveError(
                path, f"not UTF-8 text (byte {error.start + 1} of the line)", number + 1
            ) from None
        # Line breaks as str.splitlines sees them (old Mac pages end lines with "\r" alone).
        for line in text.splitlines() or [""]:
            number += 1
            if "\x00" in line:
                raise ArchiveError(path, "binary data, not a text archive page", number)
            yield line


def split_entries(path, lines):
    """Each entry as [(number, text), …], without blurb or footer, as the lines come."""
    current, size, first, blank = [], 0, True, True
    found = False
    for number, line in lines:
        if SHARE_LINE.match(line):
            if first:
                current = [(n, text) for n, text in current if not is_blurb(text)]
                first = False
            if current:
                found = True
                yield current
            current, size = [], 0
        elif line:
            blank = False
            size += len(line)
            if size > MAX_ENTRY_CHARS:
                raise ArchiveError(
                    path,
                    f"more than {MAX_ENTRY_CHARS:,} characters without a 'Print Friendly' "
                    "line; is it a saved listing page?",
                    current[0][0] if current else number,
                )
            current.append((number, line))
    # Whatever follows the last share line is the footer.
    if blank:
        raise ArchiveError(path, "the file is empty")
    if not found:
        raise ArchiveError(
            path, "no entries found: each post should end with a 'Print Friendly' line"
        )


def is_blurb(text):
    return any(pattern.search(text) for pattern in BLURB_LINES)


def parse_entry(path, entry):
    (title_line, title), *rest = entry
    record = PostRecord(import_key="", title=title, source=f"{path.name}, line {title_line}")
    entry_date = read_date(path, entry)
    if entry_date:
        rest = rest[1:]
    lines = [text for _, text in rest]
    if lines and MORE.search(lines[-1]):
        record.excerpt_only = True
        lines[-1] = MORE.sub("", lines[-1]).rstrip()
        if not lines[-1]:
            lines.pop()
    recover_front_matter(record, lines)
    drop_empty_trailing_headings(record, lines)
    record.body = render_body(lines, record)  # cross-post and series: detect.recognise
    return record, entry_date  # missing dates are settled from the neighbours


def read_date(path, entry):
    """The date on the line after the entry's title ("Month D, YYYY by"), or None."""
    if len(entry) < 2 or not (match := DATE_LINE.match(entry[1][1])):
        return None
    month, day, year = match.groups()
    try:
        return date(int(year), MONTHS.index(month) + 1, int(day))
    except ValueError:
        raise ArchiveError(path, f"impossible date {entry[1][1]!r}", entry[1][0]) from None


def recover_front_matter(record, lines):
    """Image alt text and standalone caption and credit lines at the top of the text; they
    may follow a cross-post notice, which stays for detect.recognise to read."""
    if not lines:
        return
    alt, lines[0] = detect.split_glued_alt(lines[0])
    notes = 1 if detect.find_crosspost(lines[0]) else 0  # lines kept above the captions
    caption_alt, caption, credit, consumed = detect.standalone_captions(lines[notes:])
    del lines[notes : notes + consumed]
    record.image_alt = alt or caption_alt
    record.caption = caption
    record.credit = credit
    if alt and caption_alt:
        record.warnings.append(f"second image text {caption_alt!r} not kept")


def drop_empty_trailing_headings(record, lines):
    """A heading with nothing under it ends the teaser: what it opened was not saved."""
    while len(lines) > 1 and is_heading(lines[-1]) and detect.is_title(lines[-1]):
        record.warnings.append(f"dropped heading {lines.pop()!r}: no text under it")


def render_body(lines, record):
    """Plain lines to HTML: lists, short heading lines, paragraphs; all text escaped."""
    blocks, items, list_tag = [], [], None

    def close_list():
        nonlocal items, list_tag
        if items:
            blocks.append(
                f"<{list_tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{list_tag}>"
            )
        items, list_tag = [], None

    for index, line in enumerate(lines):
        for pattern, tag in ((BULLET, "ul"), (NUMBERED, "ol")):
            if match := pattern.match(line):
                if list_tag != tag:
                    close_list()
                list_tag = tag
                items.append(html.escape(line[match.end() :]))
                break
        else:
            close_list()
            if len(line) < HEADING_MAX and (found := detect.split_image_file_name(line)):
                line, file_name = found  # "NewsScreen Shot 2014-…": the heading stays
                record.warnings.append(f"dropped image file name {file_name!r}")
                if not line:
                    continue
            text = html.escape(line)
            if is_heading(line) and index + 1 < len(lines):
                blocks.append(f"<h3>{text}</h3>")
            else:
                blocks.append(f"<p>{text}</p>")
    close_list()
    return "".join(blocks)


def is_heading(line):
    return len(line) <= HEADING_MAX and not SENTENCE_END.search(line) and len(line.split()) <= 12


def assign_dates(path, parsed, zone):
    """Dated records in page order. A missing date is the entry above's (the page is newest
    first); entries above the first date line take that first date."""
    previous = first = None
    same_day = Counter()
    for record, entry_date in parsed:
        if entry_date is None:
            record.date_inferred = True
            if previous is None:
                first = first or first_date(path)
                entry_date = first
                record.warnings.append("date missing; taken from the first dated entry below it")
            else:
                entry_date = previous
                record.warnings.append("date missing; taken from the entry above it on the page")
        else:
            previous = entry_date
        yield dated(record, entry_date, same_day, zone)


def first_date(path):
    """The first date line of the page, read ahead in a second pass so nothing is held."""
    for entry in split_entries(path, read_lines(path)):
        if entry_date := read_date(path, entry):
            return entry_date
    raise ArchiveError(path, "no entry has a date line ('Month D, YYYY by')")


def dated(record, day, same_day, zone):
    """Noon local time, a minute earlier per earlier entry of the same day: page order kept."""
    moment = datetime.combine(day, time(12)) - timedelta(minutes=same_day[day])
    same_day[day] += 1
    record.published_at = moment.replace(tzinfo=zone)
    record.import_key = f"text:{day.isoformat()}:{slugify(record.title)[:150]}"
    return record
