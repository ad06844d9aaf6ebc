"""Filtered lists as CSV and JSON downloads: each body built once per filter and content
version, with a bounded number of builds at a time across processes, so downloads never take
every worker. The policy list, the blog and the library share this machinery."""

import csv
import gzip
import hashlib
import io
import json
from contextlib import contextmanager
from decimal import Decimal
from time import monotonic, sleep

from django.core.cache import cache
from django.db.models import Aggregate, Model, Subquery, TextField
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.views import View

from competencyworks.clients import client_ip
from competencyworks.pagecache import current_version
from competencyworks.pagecache.middleware import ACCEPTS_GZIP
from competencyworks.pagecache.store import guarded

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
EXPORT_CHUNK_ROWS = 2000
EXPORT_CHUNK_BYTES = 64 * 1024
EXPORT_GZIP_LEVEL = 6
# Requests building (or waiting for) an export at once, across processes and lists: the rest
# of the workers keep serving pages.
EXPORT_SLOTS = 2
# Longer than any request may run (the app server's timeout is 30 s), so a killed worker's slot
# frees.
EXPORT_SLOT_SECONDS = 60
EXPORT_WAIT_SECONDS = 20
EXPORT_POLL_SECONDS = 0.1
EXPORT_RETRY_SECONDS = 10
EXPORT_CACHE_SECONDS = 60 * 60  # a new content version makes new keys; this only frees space


class Joined(Aggregate):
    """Values joined with the unit separator (no name contains it), for a list column read
    in the export's one query: GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, char(31))"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, chr(31))",
            **extra_context,
        )


def split(joined):
    """The values of a Joined column."""
    return joined.split("\x1f") if joined else []


def joined(rows, group, field):
    """A subquery joining `field` of `rows` (filtered on OuterRef("pk")), grouped by `group`."""
    return Subquery(rows.order_by().values(group).values(joined=Joined(field)))


def matching(filters):
    """The rows a filtered list shows. Like the page (FilterView is strict), an invalid filter
    matches nothing, so "Download this list" never hands over more than the list showed."""
    return filters.qs if filters.is_valid() else filters.queryset.none()


def compressed(pieces):
    """Text pieces joined into one gzip body."""
    buffer = io.BytesIO()
    # Level 6 (zlib's default) compresses about as well as 9 in a fraction of the time.
    with gzip.open(buffer, "wt", EXPORT_GZIP_LEVEL, encoding="utf-8", newline="") as body:
        body.writelines(pieces)
    return buffer.getvalue()


def csv_lines(rows, fields):
    """CSV lines of `rows` (dicts); list values are joined with semicolons."""
    buffer = _Line()
    writer = csv.writer(buffer)
    yield writer.writerow(fields)
    for row in rows:
        yield writer.writerow(
            [
                spreadsheet_safe(";".join(map(str, row[field])))
                if isinstance(row[field], list)
                else spreadsheet_safe(row[field])
                for field in fields
            ]
        )


def json_chunks(rows, name):
    yield f'{{"{name}": ['
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"


def spreadsheet_safe(value):
    """Text a spreadsheet will not run as a formula (=, +, -, @ and control characters)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_key(prefix, request, filters, export_format):
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
    return f"{prefix}-export:{current_version()}:{digest.hexdigest()}"


def key_value(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return sorted(key_value(item) for item in value)
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def export_slot_names():
    return [f"export-slot:{number}" for number in range(EXPORT_SLOTS)]


def client_slot_names(address):
    return [f"export-client:{address}"]


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


class ExportView(View):
    """A filtered list as CSV or JSON, built once per filter and content version.

    A body is built with one query into a gzip blob in the cache; every later request for
    it, in any process, streams that blob (as is to gzip readers) without touching the
    rows. Requests that must build (or wait for another building the same body) take one
    of EXPORT_SLOTS places and one per client, so exports never occupy every worker.

    Subclasses name the list (`name`: cache keys and file name), its `filterset_class`, the
    rows it may show (`get_queryset`) and how a body is built (`build`).
    """

    name = None
    filterset_class = None

    def get_queryset(self):
        raise NotImplementedError

    def build(self, request, filters, export_format):
        raise NotImplementedError

    def get(self, request, export_format):
        filters = self.filterset_class(request.GET, queryset=self.get_queryset())
        key = export_key(self.name, request, filters, export_format)
        body = stored(key)
        if body is None:
            with taken_slot(client_slot_names(client_ip(request))) as mine:
                if not mine:
                    return busy(429, "You are already downloading an export; wait for it.")
                with taken_slot(export_slot_names()) as slot:
                    if not slot:
                        return busy(503, "Exports are busy; please try again shortly.")
                    body = built_or_awaited(
                        key, lambda: self.build(request, filters, export_format)
                    )
            if body is None:
                return busy(503, "The export is taking long to prepare; try again shortly.")
        return self.serve(request, body, export_format)

    def serve(self, request, body, export_format):
        content_type = CONTENT_TYPES[export_format]
        if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
            response = StreamingHttpResponse(chunked(body), content_type=content_type)
            response["Content-Encoding"] = "gzip"
            response["Content-Length"] = len(body)
        else:
            response = StreamingHttpResponse(gunzipped(body), content_type=content_type)
        patch_vary_headers(response, ["Accept-Encoding"])
        response["Content-Disposition"] = f'attachment; filename="{self.name}.{export_format}"'
        return response


class _Line:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, line):
        return line
