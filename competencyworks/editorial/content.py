"""The content editors schedule, as the start screen and the calendar list it.

Every kind of publishable item is read with one query for all kinds together (a UNION of
the same few columns), so these screens cost the same number of queries whatever the
amount of content. Apps are named here by label only, as in the URL conf.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db.models import CharField, Count, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from competencyworks.publishing import Status

FIRST_APPS = ["blog", "wiki", "policy"]  # first on the start screen and in the sidebar
# Site machinery, for superusers: accounts, login limits, tags, redirects, revisions. Any
# other app holds content editors work on.
TECHNICAL_APPS = {"admin", "auth", "axes", "competencyworks", "contenttypes", "reversion", "taggit"}
COLUMNS = ["pk", "title", "status", "publish_at", "updated_at"]


@dataclass(frozen=True)
class Kind:
    label: str  # the model, "app_label.ModelName"
    name: str
    plural: str
    add_label: str | None = None  # the start screen's button, if it has one

    @property
    def model(self):
        return apps.get_model(self.label)

    @property
    def key(self):
        return self.label.lower()

    @property
    def css(self):
        return self.key.replace(".", "-")

    def admin_url(self, view, *args):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


KINDS = [
    Kind("blog.Post", "Post", "Posts", "Write a post"),
    Kind("wiki.Resource", "Resource", "Resources", "New resource"),
    Kind("wiki.Page", "Guide", "Guides", "New guide"),
    Kind("policy.PolicyEntry", "Policy entry", "Policy entries", "New policy entry"),
    Kind("blog.SitePage", "Site page", "Site pages"),
]
KIND_BY_KEY = {kind.key: kind for kind in KINDS}


def site_zone():
    """The site's time zone (settings.TIME_ZONE), whatever zone a request activated."""
    return timezone.get_default_timezone()


@dataclass
class Item:
    """One publishable item as the calendar and start screen show it."""

    kind: Kind
    pk: int
    title: str
    status: str
    publish_at: datetime | None
    updated_at: datetime

    @property
    def is_draft(self):
        return self.status == Status.DRAFT

    @property
    def state(self):
        if self.is_draft:
            return "draft"
        return "scheduled" if self.publish_at > timezone.now() else "published"

    @cached_property
    def local_time(self):
        return timezone.localtime(self.publish_at, site_zone()) if self.publish_at else None

    @property
    def ref(self):
        """How the move form names the item: "blog.post:12"."""
        return f"{self.kind.key}:{self.pk}"

    @property
    def dom_id(self):
        return f"{self.kind.css}-{self.pk}"

    @cached_property
    def change_url(self):
        return self.kind.admin_url("change", self.pk)


def items(kinds, condition, order_by, limit):
    """Items of `kinds` matching `condition`, in one query, at most `limit` of them."""
    parts = [
        kind.model._default_manager.filter(condition)
        .order_by()
        .values(*COLUMNS, content_kind=Value(kind.key, output_field=CharField()))
        for kind in kinds
    ]
    if not parts:
        return []
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = query.order_by(*order_by)[:limit]
    return [Item(kind=KIND_BY_KEY[row.pop("content_kind")], **row) for row in rows]


def my_drafts(kinds, user, limit=8):
    """Drafts this user saved last, newest first: the rule the start screen states."""
    condition = Q(status=Status.DRAFT, updated_by=user)
    return items(kinds, condition, ["-updated_at", "-pk"], limit)


def coming_up(kinds, days=14, limit=12):
    """Scheduled items going public in the next `days` days, soonest first."""
    now = timezone.now()
    soon = now + timedelta(days=days)
    condition = Q(status=Status.PUBLISHED, publish_at__gt=now, publish_at__lte=soon)
    return items(kinds, condition, ["publish_at", "pk"], limit)


def between(kinds, start, end, limit):
    """Published, scheduled and planned (draft) items dated in [start, end)."""
    condition = Q(publish_at__gte=start, publish_at__lt=end) & Q(
        status__in=[Status.PUBLISHED, Status.DRAFT]
    )
    return items(kinds, condition, ["publish_at", "pk"], limit)


def counts(kinds):
    """{kind: {"published": n, "scheduled": n, "drafts": n}}, one query per kind."""
    now = timezone.now()
    published = Q(status=Status.PUBLISHED)
    return {
        kind: kind.model._default_manager.aggregate(
            published=Count("pk", filter=published & Q(publish_at__lte=now)),
            scheduled=Count("pk", filter=published & Q(publish_at__gt=now)),
            drafts=Count("pk", filter=Q(status=Status.DRAFT)),
        )
        for kind in kinds
    }


def recent_edits(limit=10):
    """The newest admin saves of content by anyone (the admin's LogEntry).

    Newest by id, which follows time: read backwards along the primary key, however long
    the log grows (it has no index on its time)."""
    entries = LogEntry.objects.exclude(content_type__app_label__in=TECHNICAL_APPS)
    return entries.select_related("user", "content_type").order_by("-pk")[:limit]


def broken_links(limit=6):
    """(the newest resources the link checker found broken, how many are broken)."""
    from wiki.models import LinkStatus, Resource

    broken = Resource._default_manager.filter(link_status=LinkStatus.BROKEN)
    rows = broken.order_by("-link_checked_at", "pk").only(
        "title", "url", "link_error", "link_status_code", "link_checked_at"
    )[:limit]
    return list(rows), broken.count()
