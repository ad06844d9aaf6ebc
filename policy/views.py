from datetime import date, datetime, time

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView
from taggit.models import Tag

from blog.models import Post
from competencyworks import exports
from competencyworks.feeds import AtomMixin, Feed
from competencyworks.views import PreviewMixin
from policy import exports as policy_exports
from policy import map as state_map
from policy.filters import EntryFilter
from policy.models import (
    STAGE_DEFINITIONS,
    Event,
    PolicyEntry,
    Stage,
    StageChange,
    State,
    stages_on,
)
from policy.search import about_state
from wiki.models import Resource

ENTRIES_PER_PAGE = 25
FIRST_MAP_YEAR = 2000


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
    page_cache_params = ["map_year"]  # beside the filters and page number
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
        # Content about the state: marked so by editors (first), tagged with its name, or
        # linked from its entries (as policy.search.about_state, for its feed and alerts).
        # Only published entries count: a draft entry must not reveal what it links to.
        state_tag = Tag.objects.filter(name__iexact=state.name).first()
        public_entries = PolicyEntry.objects.published().about(state)
        posts = Post.objects.published().filter(policy_entries__in=public_entries)
        posts = posts | Post.objects.published().filter(states=state)
        resources = Resource.objects.published().filter(policy_entries__in=public_entries)
        if state_tag:
            posts = posts | Post.objects.published().filter(tags=state_tag)
            resources = resources | Resource.objects.published().filter(tags=state_tag)
        marked = Exists(Post.states.through.objects.filter(state=state, post=OuterRef("pk")))
        stages = StageChange.objects.filter(state=state).order_by("-effective_from")
        current = stages_on(timezone.localdate()).get(state.pk)
        stage = Stage(current.stage) if current else Stage.NOT_ASSESSED
        return super().get_context_data(
            stage_history=stages,
            current=current,
            current_stage=stage,
            current_definition=STAGE_DEFINITIONS[stage],
            entries=entries,
            posts=posts.distinct().annotate(marked=marked).order_by("-marked", "-publish_at")[:10],
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
            .prefetch_related("events", "sources", "provisions", "sponsors", "topics", "tags")
        )

    def get_context_data(self, **kwargs):
        entry = self.object
        return super().get_context_data(
            related_posts=entry.related_posts.published().order_by("-publish_at"),
            related_resources=entry.related_resources.published().order_by("title"),
            **kwargs,
        )


class ExportView(exports.ExportView):
    """The policy list as CSV or JSON, with the list's filters."""

    name = "policy-entries"
    filterset_class = EntryFilter

    def get_queryset(self):
        return PolicyEntry.objects.published()

    def build(self, request, filters, export_format):
        return policy_exports.build(request, filters, export_format)


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


class StateFeed(Feed):
    """A state's policy entries and the posts about it, newest first."""

    def get_object(self, request, code):
        return get_object_or_404(State, code=code.upper())

    def title(self, state):
        return f"CompetencyWorks: {state.name}"

    def description(self, state):
        return f"Policy entries and posts about competency-based education in {state.name}."

    def link(self, state):
        return state.get_absolute_url()

    def items(self, state):
        return about_state(state).defer("body", "vector").order_by("-publish_at", "pk")[:30]

    def item_title(self, document):
        return document.title

    def item_summary(self, document):
        return document.summary

    def item_link(self, document):
        return document.url

    def item_pubdate(self, document):
        return document.publish_at


class AtomStateFeed(AtomMixin, StateFeed):
    pass
