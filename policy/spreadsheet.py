"""Rows of a policy spreadsheet (CSV), checked before anything is written.

Columns (a header row names them; order is free): state, title, kind, identifier, session,
year, status, introduced_on, enacted_on, effective_on, topics, summary, source_url,
source_title, tags. The site's own CSV export has the same columns, so an export can be
edited in a spreadsheet and imported back.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from taggit.models import Tag

from policy.models import PolicyEntry, Source

REQUIRED = ("state", "title", "kind", "year", "status", "summary")
KNOWN = (
    *REQUIRED, "identifier", "session", "introduced_on", "enacted_on", "effective_on",
    "topics", "source_url", "source_title", "tags", "url",
)  # fmt: skip
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y")
FORMULA_MARK = ("'=", "'+", "'-", "'@")
LIMITS = {  # what the columns hold; a longer cell is reported, never cut
    "title": PolicyEntry._meta.get_field("title").max_length,
    "identifier": PolicyEntry._meta.get_field("identifier").max_length,
    "session": PolicyEntry._meta.get_field("session").max_length,
    "source_url": Source._meta.get_field("url").max_length,
    "source_title": Source._meta.get_field("title").max_length,
}
TAG_LIMIT = Tag._meta.get_field("name").max_length


class SpreadsheetError(Exception):
    """Every problem found, each naming its row, so staff can fix the file in one pass."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class EntryRow:
    number: int
    state: str
    title: str
    kind: str
    year: int
    status: str
    summary: str
    identifier: str = ""
    session: str = ""
    introduced_on: date | None = None
    enacted_on: date | None = None
    effective_on: date | None = None
    topics: list[str] | None = None  # None: the file has no such column, keep what is there
    tags: list[str] | None = None
    source_url: str = ""
    source_title: str = ""


def choice(value, choices):
    """A choices value from its value or label, any case: "Budget provision" -> "budget"."""
    wanted = value.strip().casefold().replace("-", " ").replace("_", " ")
    for stored, label in choices:
        if wanted in (stored.replace("_", " "), str(label).casefold()):
            return stored
    return None


def parse_date(value):
    value = value.strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date {value!r} is not YYYY-MM-DD")


def numbered(reader, problems):
    """(row number, row) for each data row; a row the csv module cannot read ends the list
    with a problem naming it."""
    number = 1
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(f"row {number}: {csv_problem(error)}")
            return
        yield number, row


def csv_problem(error):
    if "field larger than field limit" in str(error):
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    return f"not readable as CSV ({error})"


def cell(row, name):
    value = (row.get(name) or "").strip()
    # Undo the quote the export puts before text a spreadsheet would run as a formula.
    return value[1:] if value.startswith(FORMULA_MARK) else value


def read_rows(text, *, states, kinds, statuses, topics):
    """EntryRow per data row; raises SpreadsheetError listing every bad row.

    `states`: set of codes; `kinds`/`statuses`: choices; `topics`: {slug or lowercased name: slug}.
    """
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise SpreadsheetError([f"row 1: {csv_problem(error)}"]) from None
    reader.fieldnames = header
    problems = []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise SpreadsheetError([f"row 1: missing column(s): {', '.join(missing)}"])
    unknown = [name for name in header if name and name not in KNOWN]
    if unknown:
        problems.append(f"row 1: unknown column(s) ignored: {', '.join(unknown)}")
    rows = []
    for number, row in numbered(reader, problems):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        errors = []
        state = cell(row, "state").upper()
        if state not in states:
            errors.append(f"unknown state {state!r}")
        kind = choice(cell(row, "kind"), kinds)
        if kind is None:
            errors.append(f"unknown kind {cell(row, 'kind')!r}")
        status = choice(cell(row, "status"), statuses)
        if status is None:
            errors.append(f"unknown status {cell(row, 'status')!r}")
        try:
            year = int(cell(row, "year"))
            if not 1900 <= year <= 2100:
                raise ValueError
        except ValueError:
            errors.append(f"year {cell(row, 'year')!r} is not a year")
            year = 0
        dates = {}
        for name in ("introduced_on", "enacted_on", "effective_on"):
            try:
                dates[name] = parse_date(cell(row, name))
            except ValueError as error:
                errors.append(f"{name}: {error}")
        topic_slugs = []
        for name in filter(None, (part.strip() for part in cell(row, "topics").split(";"))):
            slug = topics.get(name.casefold())
            if slug is None:
                errors.append(f"unknown topic {name!r}")
            else:
                topic_slugs.append(slug)
        for name in ("title", "summary"):
            if not cell(row, name):
                errors.append(f"{name} is empty")
        errors.extend(
            f"{name} is longer than {limit} characters"
            for name, limit in LIMITS.items()
            if len(cell(row, name)) > limit
        )
        tags = [t.strip() for t in cell(row, "tags").split(";") if t.strip()]
        if any(len(tag) > TAG_LIMIT for tag in tags):
            errors.append(f"a tag is longer than {TAG_LIMIT} characters")
        source_url = cell(row, "source_url")
        if source_url and not source_url.startswith(("http://", "https://")):
            errors.append(f"source_url {source_url!r} is not a web address")
        if errors:
            problems.extend(f"row {number}: {error}" for error in errors)
            continue
        rows.append(
            EntryRow(
                number=number, state=state, title=cell(row, "title"), kind=kind, year=year,
                status=status, summary=cell(row, "summary"), identifier=cell(row, "identifier"),
                session=cell(row, "session"),
                topics=topic_slugs if "topics" in header else None,
                tags=tags if "tags" in header else None,
                source_url=source_url,
                source_title=cell(row, "source_title") or source_url[: LIMITS["source_title"]],
                **dates,
            )
        )  # fmt: skip
    keys = {}
    for row in rows:
        key = (row.state, row.identifier or row.title.casefold(), row.session or str(row.year))
        if key in keys:
            problems.append(f"row {row.number}: same entry as row {keys[key]}")
        keys[key] = row.number
    blocking = [problem for problem in problems if "ignored" not in problem]
    if blocking:
        raise SpreadsheetError(problems)
    return rows, problems
