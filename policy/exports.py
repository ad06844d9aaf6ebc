"""Policy exports: each body built once per filter and content version, with a bounded number
of builds at a time across processes, so downloads never take every worker."""

import csv
import gzip
import hashlib
import io
import json
from contextlib import contextmanager
from decimal import Decimal
from time import monotonic, sleep

from django.core.cache import cache
from django.db.models import Model
from django.http import HttpResponse
from django.urls import reverse

from competencyworks.pagecache import current_version
from competencyworks.pagecache.store import guarded

EXPORT_FIELDS = [
    "state", "title", "kind", "identifier", "session", "year", "status", "introduced_on",
    "enacted_on", "effective_on", "topics", "summary", "url",
]  # fmt: skip
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
EXPORT_CHUNK_ROWS = 2000
EXPORT_CHUNK_BYTES = 64 * 1024
EXPORT_GZIP_LEVEL = 6
# Requests building (or waiting for) an export at once, across processes: the rest of the
# workers keep serving pages.
EXPORT_SLOTS = 2
# Longer than any request may run (gunicorn's timeout is 30 s), so a killed worker's slot frees.
EXPORT_SLOT_SECONDS = 60
EXPORT_WAIT_SECONDS = 20
EXPORT_POLL_SECONDS = 0.1
EXPORT_RETRY_SECONDS = 10
EXPORT_CACHE_SECONDS = 60 * 60  # a new content version makes new keys; this only frees space


def build(request, filters, export_format):
    """The export's body, gzip-compressed, read from the database with one query."""
    # Like the page (FilterView is strict): an invalid filter matches nothing, so
    # "Download this list" never hands over more than the list showed.
    entries = filters.qs if filters.is_valid() else filters.queryset.none()
    # reverse() once, not per row: it cost more than the rest of a row. Slugs need no
    # quoting, so an entry's address is this prefix, its slug and a slash.
    entry_url = request.build_absolute_uri(reverse("policy:entry", args=["0"]))[:-2]
    rows = (
        export_row(entry_url, entry)
        for entry in entries.for_export().iterator(chunk_size=EXPORT_CHUNK_ROWS)
    )
    pieces = csv_lines(rows) if export_format == "csv" else json_chunks(rows)
    buffer = io.BytesIO()
    # Level 6 (zlib's default) compresses about as well as 9 in a fraction of the time.
    with gzip.open(buffer, "wt", EXPORT_GZIP_LEVEL, encoding="utf-8", newline="") as body:
        body.writelines(pieces)
    return buffer.getvalue()


def export_row(entry_url, entry):
    """An entry as exports show it, from a for_export() row."""
    return {
        "state": entry["state_code"],
        "title": entry["title"],
        "kind": entry["kind"],
        "identifier": entry["identifier"],
        "session": entry["session"],
        "year": entry["year"],
        "status": entry["policy_status"],
        **{
            field: entry[field].isoformat() if entry[field] else None
            for field in ("introduced_on", "enacted_on", "effective_on")
        },
        "topics": sorted(entry["topic_slugs"].split(",")) if entry["topic_slugs"] else [],
        "summary": entry["summary"],
        "url": f"{entry_url}{entry['slug']}/",
    }


def csv_lines(rows):
    buffer = _Line()
    writer = csv.writer(buffer)
    yield writer.writerow(EXPORT_FIELDS)
    for row in rows:
        row["topics"] = ";".join(row["topics"])
        yield writer.writerow([spreadsheet_safe(row[field]) for field in EXPORT_FIELDS])


def json_chunks(rows):
    yield '{"entries": ['
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"


def spreadsheet_safe(value):
    """Text a spreadsheet will not run as a formula (=, +, -, @ and control characters)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_key(request, filters, export_format):
    """The cache key of one export: content version, site address, format and the filters.

    Filters count as the filter set understood them, so unknown parameters and other
    spellings of the same choice share one entry, and every invalid query shares another.
    """
    chosen = "invalid"
    if filters.is_valid():
        chosen = {
            name: key_value(value)
            for name, value in filters.form.cleaned_data.items()
            if value not in (None, "", [])
        }
    address = request.build_absolute_uri("/")  # rows carry absolute links
    digest = hashlib.sha256(json.dumps([address, export_format, chosen], sort_keys=True).encode())
    return f"policy-export:{current_version()}:{digest.hexdigest()}"


def key_value(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return sorted(key_value(item) for item in value)
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def export_slot_names():
    return [f"policy-export-slot:{number}" for number in range(EXPORT_SLOTS)]


def client_slot_names(address):
    return [f"policy-export-client:{address}"]


# While the cache server is down exports are built uncoordinated, as pages are served
# uncached: slower for a while, never an error.
def stored(key):
    return guarded(lambda: cache.get(key))


def kept(key, body):
    guarded(lambda: cache.set(key, body, EXPORT_CACHE_SECONDS))
    return body


def claimed(name):
    return guarded(lambda: cache.add(name, True, EXPORT_SLOT_SECONDS), default=True)


def released(name):
    guarded(lambda: cache.delete(name))


@contextmanager
def taken_slot(names):
    """The first of `names` free in the cache (shared by every process), held until the block
    ends; None if all are taken. Slots expire on their own should a worker be killed."""
    for name in names:
        if claimed(name):
            try:
                yield name
            finally:
                released(name)
            return
    yield None


def built_or_awaited(key, build):
    """The body at `key`, built here or by the request already building it; None on timeout."""
    deadline = monotonic() + EXPORT_WAIT_SECONDS
    while monotonic() < deadline:
        body = stored(key)
        if body is not None:
            return body
        if claimed(f"{key}:building"):
            try:
                body = build()
                return kept(key, body)
            finally:
                released(f"{key}:building")
        sleep(EXPORT_POLL_SECONDS)
    return None


def chunked(body):
    view = memoryview(body)
    return (view[i : i + EXPORT_CHUNK_BYTES] for i in range(0, len(body), EXPORT_CHUNK_BYTES))


def gunzipped(body):
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
        while chunk := stream.read(EXPORT_CHUNK_BYTES):
            yield chunk


def busy(status, message):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = EXPORT_RETRY_SECONDS
    return response


class _Line:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, line):
        return line
