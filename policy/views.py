import csv
import gzip
import hashlib
import io
import json
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from time import monotonic, sleep

from django.core.cache import cache
from django.db.models import Model
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView
from taggit.models import Tag

from blog.models import Post
from competencyworks.cache import ACCEPTS_GZIP, current_version
from competencyworks.clients import client_ip
from competencyworks.feeds import AtomMixin, Feed
from competencyworks.views import PreviewMixin
from policy import map as state_map
from policy.filters import EntryFilter
from policy.models import Event, PolicyEntry, StageChange, State, stages_on
from wiki.models import Resource

ENTRIES_PER_PAGE = 25
FIRST_MAP_YEAR = 2000
EXPORT_FIELDS = [
    "state", "title", "kind", "identifier", "session", "year", "status", "introduced_on",
    "enacted_on", "effective_on", "topics", "summary", "url",
]  # fmt: skip
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


def map_year(request):
    """The year the map shows: ?year= within range, else today."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("map_year", this_year))
    except ValueError:
        return this_year
    return min(max(year, FIRST_MAP_YEAR), this_year)


class PolicyIndexView(FilterView):
    """The map, as of any year, and the filterable list of entries."""

    template_name = "policy/index.html"
    filterset_class = EntryFilter
    paginate_by = ENTRIES_PER_PAGE
    context_object_name = "entries"

    def get_queryset(self):
        return PolicyEntry.objects.published().for_list()

    def get_context_data(self, **kwargs):
        year = map_year(self.request)
        day = timezone.localdate() if year == timezone.localdate().year else date(year, 12, 31)
        states = list(State.objects.all())
        return super().get_context_data(
            map_year=year,
            map_years=range(timezone.localdate().year, FIRST_MAP_YEAR - 1, -1),
            map_states=state_map.map_entries(states, stages_on(day)),
            view_box=state_map.shapes()["viewBox"],
            legend=state_map.legend(),
            **kwargs,
        )


class StateView(DetailView):
    template_name = "policy/state.html"
    context_object_name = "state"

    def get_object(self, queryset=None):
        return get_object_or_404(State, code=self.kwargs["code"].upper())

    def get_context_data(self, **kwargs):
        state = self.object
        entries = (
            PolicyEntry.objects.published()
            .about(state)
            .prefetch_related("events", "topics")
            .order_by("-year", "title")
        )
        # Content about the state: tagged with its name, or linked from its entries.
        # Only published entries count: a draft entry must not reveal what it links to.
        state_tag = Tag.objects.filter(name__iexact=state.name).first()
        public_entries = PolicyEntry.objects.published().about(state)
        posts = Post.objects.published().filter(policy_entries__in=public_entries)
        resources = Resource.objects.published().filter(policy_entries__in=public_entries)
        if state_tag:
            posts = posts | Post.objects.published().filter(tags=state_tag)
            resources = resources | Resource.objects.published().filter(tags=state_tag)
        stages = StageChange.objects.filter(state=state).order_by("-effective_from")
        return super().get_context_data(
            stage_history=stages,
            current=stages_on(timezone.localdate()).get(state.pk),
            entries=entries,
            posts=posts.distinct().order_by("-publish_at")[:10],
            resources=resources.distinct().order_by("title")[:10],
            definitions=state_map.legend(),
            **kwargs,
        )


class EntryView(PreviewMixin, DetailView):
    model = PolicyEntry
    template_name = "policy/entry.html"
    context_object_name = "entry"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("state")
            .prefetch_related("events", "sources", "provisions", "topics", "tags")
        )

    def get_context_data(self, **kwargs):
        entry = self.object
        return super().get_context_data(
            related_posts=entry.related_posts.published().order_by("-publish_at"),
            related_resources=entry.related_resources.published().order_by("title"),
            **kwargs,
        )


def spreadsheet_safe(value):
    """Text a spreadsheet will not run as a formula (=, +, -, @ and control characters)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class ExportView(View):
    """The filtered list as CSV or JSON, built once per filter and content version.

    A body is built with one query into a gzip blob in the cache; every later request for
    it, in any process, streams that blob (as is to gzip readers) without touching the
    entries. Requests that must build (or wait for another building the same body) take one
    of EXPORT_SLOTS places and one per client, so exports never occupy every worker.
    """

    def get(self, request, export_format):
        filters = EntryFilter(request.GET, queryset=PolicyEntry.objects.published())
        key = export_key(request, filters, export_format)
        body = cache.get(key)
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
                return busy(503, "The export is taking long to prepare; please try again shortly.")
        return self.serve(request, body, export_format)

    def build(self, request, filters, export_format):
        # Like the page (FilterView is strict): an invalid filter matches nothing, so
        # "Download this list" never hands over more than the list showed.
        entries = filters.qs if filters.is_valid() else filters.queryset.none()
        # reverse() once, not per row: it cost more than the rest of a row. Slugs need no
        # quoting, so an entry's address is this prefix, its slug and a slash.
        entry_url = request.build_absolute_uri(reverse("policy:entry", args=["0"]))[:-2]
        rows = (
            self.row(entry_url, entry)
            for entry in entries.for_export().iterator(chunk_size=EXPORT_CHUNK_ROWS)
        )
        pieces = self.csv_lines(rows) if export_format == "csv" else self.json_chunks(rows)
        buffer = io.BytesIO()
        # Level 6 (zlib's default) compresses about as well as 9 in a fraction of the time.
        with gzip.open(buffer, "wt", EXPORT_GZIP_LEVEL, encoding="utf-8", newline="") as body:
            body.writelines(pieces)
        return buffer.getvalue()

    def serve(self, request, body, export_format):
        content_type = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
        if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
            view = memoryview(body)
            chunks = (
                view[i : i + EXPORT_CHUNK_BYTES] for i in range(0, len(body), EXPORT_CHUNK_BYTES)
            )
            response = StreamingHttpResponse(chunks, content_type=content_type[export_format])
            response["Content-Encoding"] = "gzip"
            response["Content-Length"] = len(body)
        else:
            response = StreamingHttpResponse(
                gunzipped(body), content_type=content_type[export_format]
            )
        patch_vary_headers(response, ["Accept-Encoding"])
        response["Content-Disposition"] = f'attachment; filename="policy-entries.{export_format}"'
        return response

    def row(self, entry_url, entry):
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

    def csv_lines(self, rows):
        buffer = _Line()
        writer = csv.writer(buffer)
        yield writer.writerow(EXPORT_FIELDS)
        for row in rows:
            row["topics"] = ";".join(row["topics"])
            yield writer.writerow([spreadsheet_safe(row[field]) for field in EXPORT_FIELDS])

    def json_chunks(self, rows):
        yield '{"entries": ['
        for index, row in enumerate(rows):
            yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]}\n"


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


@contextmanager
def taken_slot(names):
    """The first of `names` free in the cache (shared by every process), held until the block
    ends; None if all are taken. Slots expire on their own should a worker be killed."""
    for name in names:
        if cache.add(name, True, EXPORT_SLOT_SECONDS):
            try:
                yield name
            finally:
                cache.delete(name)
            return
    yield None


def built_or_awaited(key, build):
    """The body at `key`, built here or by the request already building it; None on timeout."""
    deadline = monotonic() + EXPORT_WAIT_SECONDS
    while monotonic() < deadline:
        body = cache.get(key)
        if body is not None:
            return body
        if cache.add(f"{key}:building", True, EXPORT_SLOT_SECONDS):
            try:
                body = build()
                cache.set(key, body, EXPORT_CACHE_SECONDS)
                return body
            finally:
                cache.delete(f"{key}:building")
        sleep(EXPORT_POLL_SECONDS)
    return None


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


class PolicyChangesFeed(Feed):
    title = "CompetencyWorks: state policy changes"
    description = "Dated steps in state policy on competency-based education."

    def link(self):
        return reverse("policy:index")

    def items(self):
        entries = PolicyEntry.objects.published()
        return (
            Event.objects.filter(entry__in=entries)
            .select_related("entry__state")
            .order_by("-date", "-pk")[:30]
        )

    def item_title(self, event):
        return f"{event.entry.state.name}: {event.entry.label} — {event.description}"

    def item_summary(self, event):
        return event.entry.summary

    def item_link(self, event):
        return event.entry.get_absolute_url()

    def item_guid(self, event):
        return f"{event.entry.get_absolute_url()}#event-{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event):
        return timezone.make_aware(datetime.combine(event.date, time(12)))


class AtomPolicyChangesFeed(AtomMixin, PolicyChangesFeed):
    pass
