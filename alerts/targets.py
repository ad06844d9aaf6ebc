"""What a subscription follows: its name, its page on the site and its new items.

Every target reads the search index (SearchDocument), which holds each published item's
title, summary, address and publication time whatever its kind.
"""

from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from taggit.models import Tag

from alerts.models import Target
from competencyworks.models import SearchDocument
from competencyworks.search.query import MAX_QUERY_LENGTH, engine_for, parse
from policy.models import State
from policy.search import about_state

TAGGED_KINDS = ["post", "resource", "page", "policy"]


def normalized(target, value):
    """The value a subscription stores, or None when it follows nothing that exists."""
    value = (value or "").strip()
    if "\x00" in value:  # no database stores it, so nothing can be followed by it
        return None
    if target == Target.SEARCH:
        value = " ".join(value[:MAX_QUERY_LENGTH].split())
        return value if not parse(value).is_empty else None
    if target == Target.TAG:
        return value if value and Tag.objects.filter(slug=value[:100]).exists() else None
    if target == Target.STATE:
        value = value.upper()[:2]
        return value if value and State.objects.filter(code=value).exists() else None
    return None


def label(target, value):
    if target == Target.SEARCH:
        return f"the search “{value}”"
    if target == Target.TAG:
        tag = Tag.objects.filter(slug=value).first()
        return f"the tag “{tag.name if tag else value}”"
    state = State.objects.filter(code=value).first()
    return f"policy in {state.name if state else value}"


def page_url(target, value):
    if target == Target.SEARCH:
        return f"{reverse('search')}?{urlencode({'q': value})}"
    if target == Target.TAG:
        return reverse("tag", args=[value])
    return reverse("policy:state", args=[value.lower()])


def new_items(target, value, since, until):
    """Published items of the target dated after `since` and up to `until`, newest first."""
    documents = SearchDocument.objects.published().filter(publish_at__lte=until)
    if since is not None:
        documents = documents.filter(publish_at__gt=since)
    if target == Target.SEARCH:
        # The site search's own matching (its newest matches, bounded), narrowed to what is new.
        matches = engine_for(connection).ranked(parse(value))
        documents = documents.filter(pk__in=[pk for pk, _ in matches])
    elif target == Target.TAG:
        documents = documents.filter(kind__in=TAGGED_KINDS, tags__slug=value)
    else:
        documents = documents.filter(pk__in=about_state(State.objects.get(code=value)).values("pk"))
    return list(documents.defer("body", "vector").order_by("-publish_at", "pk"))
