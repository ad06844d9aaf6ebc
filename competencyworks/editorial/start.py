"""The admin's start screen: what an editor needs first, in a fixed number of queries."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from competencyworks.editorial import content

COUNTED = ["wiki.Resource", "wiki.Page", "policy.PolicyEntry"]  # published, one card each


def start_screen(request, site):
    kinds = site.content_kinds(request)
    context = {
        "new_buttons": [
            (kind.add_label, kind.admin_url("add"))
            for kind in kinds
            if kind.add_label and site._registry[kind.model].has_add_permission(request)
        ],
        "my_drafts": content.my_drafts(kinds, request.user),
        "coming_up": content.coming_up(kinds),
        "recent_edits": content.recent_edits(),
        "at_a_glance": at_a_glance(kinds),
        "a_minute_ago": timezone.now() - timedelta(minutes=1),  # newer reads "just now"
    }
    if any(kind.label == "wiki.Resource" for kind in kinds):
        context["broken_links"], context["broken_count"] = content.broken_links()
    return context


def at_a_glance(kinds):
    """The start screen's counts, each {label, number, url, detail}."""
    numbers = content.counts(kinds)
    cards = []
    for kind in kinds:
        if kind.label == "blog.Post":
            url = kind.admin_url("changelist") + "?status__exact=published"
            cards.append(card("Published posts", numbers[kind]["published"], url))
    calendar = reverse("admin:calendar")
    for state, label in [("drafts", "Drafts"), ("scheduled", "Scheduled")]:
        parts = [
            f"{count} {(kind.name if count == 1 else kind.plural).lower()}"
            for kind in kinds
            if (count := numbers[kind][state])
        ]
        total = sum(numbers[kind][state] for kind in kinds)
        cards.append(card(label, total, calendar, ", ".join(parts) or "none"))
    for kind in kinds:
        if kind.label in COUNTED:
            url = kind.admin_url("changelist")
            cards.append(card(kind.plural, numbers[kind]["published"], url, "published"))
    return cards


def card(label, number, url, detail=""):
    return {"label": label, "number": number, "url": url, "detail": detail}
