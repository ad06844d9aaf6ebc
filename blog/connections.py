"""What a post is connected to beyond its tags: the states it names (editors' suggestions),
and the policy entries and library resources its page lists beside it."""

import re
from dataclasses import dataclass

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from competencyworks.publishing import Status
from policy.models import PolicyEntry
from wiki.models import Kind, Resource

# "Washington" alone may be the state, the capital or a person: only these forms count.
WASHINGTON_FORMS = {
    "WA": [r"Washington State", r"Washington state"],
    "DC": [r"Washington,? D\.?C\.?(?!\w)"],
}


def state_pattern(states):
    """One regular expression whose named groups are state codes; longer names are tried
    first, so "West Virginia" is one state and not Virginia."""
    alternatives = []
    for state in states:
        forms = [re.escape(state.name)] if state.code != "WA" else []
        forms += WASHINGTON_FORMS.get(state.code, [])
        alternatives += [(len(form), state.code, form) for form in forms]
    alternatives.sort(reverse=True)
    # A group per form, named by code and position, since a state may have several forms.
    groups = [f"(?P<{code}_{n}>{form})" for n, (_, code, form) in enumerate(alternatives)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")(?![\w-])")


def suggested_states(post, states):
    """The states named in the post's title or body, or carried as its tags (a tag named or
    slugged as the state), in the order of `states`."""
    states = list(states)
    if not states:
        return []
    text = f"{post.title}\n{strip_tags(post.body or '')}"
    codes = {match.lastgroup.split("_")[0] for match in state_pattern(states).finditer(text)}
    tags = {value.lower() for tag in post.tags.all() for value in (tag.name, tag.slug)}
    return [
        state
        for state in states
        if state.code in codes or state.name.lower() in tags or slug_of(state) in tags
    ]


def slug_of(state):
    return re.sub(r"[^a-z0-9]+", "-", state.name.lower()).strip("-")


STATE_ENTRIES = 5
RELATED_EACH = 3
CANDIDATES = 200  # newest tag and topic rows counted per kind
FINALISTS = 30


@dataclass
class Linked:
    """A policy entry or library resource as the post page lists it."""

    kind: str
    title: str
    url: str
    meta: str


def connections(post, tags, topics, states):
    """What the post page shows beside the post, in one query: `states`' newest public policy
    entries (at most STATE_ENTRIES), and the public resources and policy entries sharing the
    most tags or library topics with it (RELATED_EACH of each).

    As `Post.objects.related_to`, only the CANDIDATES newest tag and topic rows are counted,
    so a tag used everywhere costs no more than a rare one.
    """
    parts, params = [], []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    public = "x.status = %s AND x.publish_at <= %s"
    entry_columns = "x.id, x.title, x.slug, x.identifier, x.year, s.name"
    if states:
        marks = ", ".join(["%s"] * len(states))
        parts.append(
            f"SELECT * FROM (SELECT 'state' AS part, {entry_columns}, 0 AS shared"
            f" FROM policy_policyentry x JOIN policy_state s ON s.id = x.state_id"
            f" WHERE x.state_id IN ({marks}) AND {public}"
            f" ORDER BY x.year DESC, x.publish_at DESC, x.id DESC LIMIT {STATE_ENTRIES}) AS st"
        )
        params += [*(state.pk for state in states), Status.PUBLISHED, now]
    tag_ids = [tag.pk for tag in tags]
    topic_ids = [topic.pk for topic in topics]
    rows_sql, rows_params = [], []
    for model, kind_topics in ((Resource, "wiki_resource_topics"), (PolicyEntry, None)):
        sources, source_params = [], []
        if tag_ids:
            marks = ", ".join(["%s"] * len(tag_ids))
            sources.append(
                f"SELECT * FROM (SELECT object_id AS item_id FROM taggit_taggeditem"
                f" WHERE content_type_id = (SELECT id FROM django_content_type"
                f" WHERE app_label = %s AND model = %s) AND tag_id IN ({marks})"
                f" ORDER BY id DESC LIMIT {CANDIDATES}) AS by_tag"
            )
            source_params += [model._meta.app_label, model._meta.model_name, *tag_ids]
        if kind_topics and topic_ids:
            marks = ", ".join(["%s"] * len(topic_ids))
            sources.append(
                f"SELECT * FROM (SELECT resource_id AS item_id FROM {kind_topics}"
                f" WHERE topic_id IN ({marks}) ORDER BY id DESC LIMIT {CANDIDATES}) AS by_topic"
            )
            source_params += topic_ids
        if not sources:
            continue
        table, part = model._meta.db_table, model._meta.model_name
        if model is Resource:
            columns = "x.id, x.title, x.slug, '' AS identifier, x.year, x.kind"
            state_join = ""
        else:
            columns, state_join = entry_columns, "JOIN policy_state s ON s.id = x.state_id"
        # The few finalists are looked up by key (CROSS JOIN keeps SQLite from walking the
        # whole table's status index instead), then checked for publication.
        rows_sql.append(
            f"SELECT * FROM (SELECT '{part}' AS part, {columns}, counted.shared"
            f" FROM (SELECT item_id, COUNT(*) AS shared FROM ({' UNION ALL '.join(sources)})"
            f" AS recent GROUP BY item_id ORDER BY shared DESC, item_id DESC LIMIT {FINALISTS})"
            f" AS counted CROSS JOIN {table} x {state_join}"
            f" WHERE x.id = counted.item_id AND {public}"
            f" ORDER BY counted.shared DESC, x.publish_at DESC LIMIT {RELATED_EACH}) AS {part}_rows"
        )
        rows_params += [*source_params, Status.PUBLISHED, now]
    parts += rows_sql
    params += rows_params
    found = {"state": [], "resource": [], "policyentry": []}
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for part, _pk, title, slug, identifier, year, extra, _shared in rows:
        if part == "resource":
            meta = Kind(extra).label if extra in Kind.values else ""
            url = reverse("wiki:resource", args=[slug])
        else:
            meta = f"{extra} · {year}"  # the state and year
            title = f"{identifier}: {title}" if identifier else title
            url = reverse("policy:entry", args=[slug])
        found[part].append(Linked(part, title, url, meta))
    return found
