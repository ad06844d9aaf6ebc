import csv
import json
from datetime import date, datetime, time

from django.contrib.syndication.views import Feed
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView
from taggit.models import Tag

from blog.models import Post
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
    """The filtered list as CSV or JSON, streamed row by row."""

    def get(self, request, export_format):
        filters = EntryFilter(request.GET, queryset=PolicyEntry.objects.published())
        # Like the page (FilterView is strict): an invalid filter matches nothing, so
        # "Download this list" never hands over more than the list showed.
        entries = filters.qs if filters.is_valid() else filters.queryset.none()
        entries = entries.select_related("state").prefetch_related("topics").order_by("pk")
        rows = (self.row(request, entry) for entry in entries.iterator(chunk_size=500))
        if export_format == "csv":
            response = StreamingHttpResponse(
                self.csv_lines(rows), content_type="text/csv; charset=utf-8"
            )
        else:
            response = StreamingHttpResponse(
                self.json_chunks(rows), content_type="application/json"
            )
        response["Content-Disposition"] = f'attachment; filename="policy-entries.{export_format}"'
        return response

    def row(self, request, entry):
        return {
            "state": entry.state.code,
            "title": entry.title,
            "kind": entry.kind,
            "identifier": entry.identifier,
            "session": entry.session,
            "year": entry.year,
            "status": entry.policy_status,
            "introduced_on": entry.introduced_on.isoformat() if entry.introduced_on else None,
            "enacted_on": entry.enacted_on.isoformat() if entry.enacted_on else None,
            "effective_on": entry.effective_on.isoformat() if entry.effective_on else None,
            "topics": [topic.slug for topic in entry.topics.all()],
            "summary": entry.summary,
            "url": request.build_absolute_uri(entry.get_absolute_url()),
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

    def item_description(self, event):
        return event.entry.summary

    def item_link(self, event):
        return event.entry.get_absolute_url()

    def item_guid(self, event):
        return f"{event.entry.get_absolute_url()}#event-{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event):
        return timezone.make_aware(datetime.combine(event.date, time(12)))


class AtomPolicyChangesFeed(PolicyChangesFeed):
    feed_type = Atom1Feed
    subtitle = PolicyChangesFeed.description
