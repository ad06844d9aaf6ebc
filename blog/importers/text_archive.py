"""Saved blog listing pages, as plain text, turned into post records.

A page is the site's blurb, then entries newest first, each ending with a share line
("Print Friendly…"), then a footer. An entry is a title line, a date line ("Month D,
YYYY by", the author's name was lost; sometimes missing), and its teaser paragraphs.
"""

import calendar
import html
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from blog.importers import detect
from blog.importers.records import ArchiveError, PostRecord

MONTHS = list(calendar.month_name)[1:]  # English names, as the pages print them
DATE_LINE = re.compile(rf"^({'|'.join(MONTHS)}) (\d{{1,2}}), (\d{{4}})(?:\s+by\b.*)?$")
SHARE_LINE = re.compile(r"^Print Friendly(?:, PDF & Email)?$")
MORE = re.compile(r"\s*\(more(?:…|\.\.\.)\)\s*$")
BLURB_LINES = (
    re.compile(r"\bis an online resource\b", re.I),
    re.compile(r"^a project of$", re.I),
    re.compile(r"\blogo$", re.I),
)
BULLET = re.compile(r"^\s*[•·▪●◦‣\-*]\s+")
NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+")
SENTENCE_END = re.compile(r"[.!?:;…]['’\"”)]*$")
STRAY_IMAGE_TEXT = re.compile(r"Screen ?Shot \d{4}-\d{2}-\d{2}|\.(?:jpe?g|png|gif)$", re.I)
HEADING_MAX = 90


def looks_like_text_archive(head):
    return bool(SHARE_LINE.search(head) or DATE_LINE.search(head))


def parse_text_archive(path, *, time_zone):
    """Records for the entries of one saved listing page, in page order."""
    path = Path(path)
    lines = read_lines(path)
    entries = split_entries(path, lines)
    if not entries:
        raise ArchiveError(
            path, "no entries found: each post should end with a 'Print Friendly' line"
        )
    parsed = [parse_entry(path, entry) for entry in entries]
    assign_dates(path, parsed, ZoneInfo(time_zone))
    return [record for record, _ in parsed]


def read_lines(path):
    raw = path.read_bytes()
    if not raw.strip():
        raise ArchiveError(path, "the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ArchiveError(path, f"not UTF-8 text (byte {error.start})", line) from None
    if "\x00" in text:
        raise ArchiveError(
            path, "binary data, not a text archive page", text[: text.index("\x00")].count("\n") + 1
        )
    return [(number, line.rstrip()) for number, line in enumerate(text.splitlines(), start=1)]


def split_entries(path, lines):
    """[(first line number, [(number, text), …])] for each entry, without blurb or footer."""
    entries, current = [], []
    for number, line in lines:
        if SHARE_LINE.match(line.strip()):
            entries.append(current)
            current = []
        elif line.strip():
            current.append((number, line.strip()))
    # Whatever follows the last share line is the footer.
    if entries:
        entries[0] = [(n, text) for n, text in entries[0] if not is_blurb(text)]
    return [entry for entry in entries if entry]


def is_blurb(text):
    return any(pattern.search(text) for pattern in BLURB_LINES)


def parse_entry(path, entry):
    (title_line, title), *rest = entry
    record = PostRecord(import_key="", title=title, source=f"{path.name}, line {title_line}")
    entry_date = None
    if rest and (match := DATE_LINE.match(rest[0][1])):
        month, day, year = match.groups()
        try:
            entry_date = date(int(year), MONTHS.index(month) + 1, int(day))
        except ValueError:
            raise ArchiveError(path, f"impossible date {rest[0][1]!r}", rest[0][0]) from None
        rest = rest[1:]
    lines = [text for _, text in rest]
    if lines and MORE.search(lines[-1]):
        record.excerpt_only = True
        lines[-1] = MORE.sub("", lines[-1])
        if not lines[-1]:
            lines.pop()
    recover_front_matter(record, lines)
    record.series = detect.find_series(title, lines[:3])
    record.body = render_body(lines, record)
    return record, entry_date  # dates are settled once the whole page is read


def recover_front_matter(record, lines):
    """Image alt text, cross-post notice and standalone captions at the top of the text."""
    if not lines:
        return
    alt, lines[0] = detect.split_glued_alt(lines[0])
    notes = 0  # lines kept above the captions: what was left of the cross-post sentence
    if crosspost := detect.find_crosspost(lines[0]):
        record.crosspost_source, record.crosspost_date, remainder = crosspost
        if remainder:
            lines[0], notes = remainder, 1
        else:
            lines.pop(0)
    caption_alt, caption, consumed = detect.standalone_captions(lines[notes:])
    del lines[notes : notes + consumed]
    record.image_alt = alt or caption_alt
    record.caption = caption
    if alt and caption_alt:
        record.warnings.append(f"second image text {caption_alt!r} not kept")


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
            text = html.escape(line)
            if STRAY_IMAGE_TEXT.search(line) and len(line) < HEADING_MAX:
                record.warnings.append(f"dropped image file text {line!r}")
            elif is_heading(line) and index + 1 < len(lines):
                blocks.append(f"<h3>{text}</h3>")
            else:
                blocks.append(f"<p>{text}</p>")
    close_list()
    return "".join(blocks)


def is_heading(line):
    return len(line) <= HEADING_MAX and not SENTENCE_END.search(line) and len(line.split()) <= 12


def assign_dates(path, parsed, zone):
    """Fill missing dates from the neighbours (the page is newest first); keep page order."""
    dates = [entry_date for _, entry_date in parsed]
    dated = [index for index, entry_date in enumerate(dates) if entry_date]
    if not dated:
        raise ArchiveError(path, "no entry has a date line ('Month D, YYYY by')")
    for index, (record, entry_date) in enumerate(parsed):
        if entry_date is None:
            newer = [i for i in dated if i < index]
            dates[index] = dates[newer[-1] if newer else dated[0]]
            record.date_inferred = True
            record.warnings.append("date missing; taken from the entry above it on the page")
    # Noon local time, a minute earlier per entry on the same day, so page order is kept.
    for index, (record, _) in enumerate(parsed):
        day = dates[index]
        earlier_same_day = dates[:index].count(day)
        moment = datetime.combine(day, time(12)) - timedelta(minutes=earlier_same_day)
        record.published_at = moment.replace(tzinfo=zone)
        record.import_key = f"text:{day.isoformat()}:{slugify(record.title)[:150]}"
