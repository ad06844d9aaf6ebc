"""The monthly "What's New" post, composed from the links editors collected.

The post is a draft in the house style: a short opening line, then for each heading in
order an <h2> and a numbered list of links, each with its one-line note. Every state named
in a note links to the state's page. Links already in a roundup are never used again, so
composing twice gives no second copy.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import reversion
from django.db import transaction
from django.utils.dateformat import format as format_date
from django.utils.html import escape, format_html

from blog.models import Author, Byline, Post, Section
from competencyworks.html import link_key
from competencyworks.publishing import Status
from policy.models import State
from roundups.models import CollectedLink, Heading
from wiki.models import Kind, Resource

DEFAULT_SECTION = "k-12"
DASH = "\u2013"


@dataclass
class Composed:
    post: Post | None = None
    links: int = 0
    skipped: int = 0  # already in a roundup
    resources: list = field(default_factory=list)
    resources_existing: int = 0


def roundup_title(month):
    return f"What\u2019s New in Competency Education {DASH} {format_date(month, 'F Y')}"


def state_linker(states):
    """A function marking up escaped text: each state's name becomes a link to its page.

    The longest names are tried first, so "West Virginia" is one state, not Virginia."""
    by_name = {state.name: state.get_absolute_url() for state in states}
    if not by_name:
        return lambda text, linked: text
    names = sorted(by_name, key=len, reverse=True)
    # "Washington, D.C." is the capital, not the state.
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])(?!,? D\.?C\b)"
    )

    def link(text, linked):
        def replace(match):
            name = match[1]
            if name in linked:  # one link per state in a list item
                return name
            linked.add(name)
            return f'<a href="{by_name[name]}">{name}</a>'

        return pattern.sub(replace, text)

    return link


def link_item(link, linker):
    """One <li>: the linked title, a dash and the note; the link's state linked in the note,
    or named before it when the note does not mention it."""
    linked = set()
    note = linker(escape(link.note.strip()), linked)
    if link.state is not None and link.state.name not in linked:
        state = format_html('<a href="{}">{}</a>', link.state.get_absolute_url(), link.state.name)
        note = f"{state}: {note}" if note else state
    anchor = format_html('<a href="{}">{}</a>', link.url, link.title)
    return f"<li>{anchor} {DASH} {note}</li>" if note else f"<li>{anchor}</li>"


def roundup_body(links, month, states):
    linker = state_linker(states)
    parts = [
        format_html(
            "<p>Here is what caught our eye in competency-based education in {}: news, "
            "steps taken by states, and resources worth your time.</p>",
            format_date(month, "F Y"),
        )
    ]
    for heading in Heading:
        items = [link_item(link, linker) for link in links if link.heading == heading]
        if items:
            parts.append(format_html("<h2>{}</h2>", heading.label))
            parts.append("<ol>" + "".join(items) + "</ol>")
    return "\n".join(parts)


def resource_kind(url):
    """A site's front page is a website; anything deeper, an article."""
    return Kind.WEBSITE if urlsplit(url).path.strip("/") == "" else Kind.ARTICLE


def compose_roundup(links, *, month, user, with_resources=True):
    """A draft roundup post of `links` not yet in one, with library resources for those
    marked, as Composed; Composed(post=None) when every link was already used."""
    with transaction.atomic():
        chosen = list(
            CollectedLink.objects.filter(pk__in=[link.pk for link in links])
            .select_for_update(of=("self",))
            .select_related("state", "topic")
            .in_roundup_order()
        )
        fresh = [link for link in chosen if link.used_in_id is None]
        result = Composed(links=len(fresh), skipped=len(chosen) - len(fresh))
        if not fresh:
            return result
        section = Section.objects.filter(slug=DEFAULT_SECTION).first() or Section.objects.first()
        with reversion.create_revision():
            post = Post(
                section=section,
                title=roundup_title(month),
                body=roundup_body(fresh, month, State.objects.all()),
                status=Status.DRAFT,
                created_by=user,
                updated_by=user,
            )
            post.save()
            author = Author.objects.filter(user=user).first()
            if author is not None:
                Byline.objects.create(post=post, author=author, position=0)
            reversion.set_user(user)
            reversion.set_comment(f"Composed from {len(fresh)} collected links.")
        CollectedLink.objects.filter(pk__in=[link.pk for link in fresh]).update(used_in=post)
        result.post = post
        if with_resources:
            add_resources([link for link in fresh if link.save_as_resource], user, result)
        return result


def add_resources(links, user, result):
    """A draft library resource for each link whose address the library does not hold yet."""
    keys = {link_key(link.url): link for link in links}
    held = set(Resource.objects.filter(url_key__in=keys).values_list("url_key", flat=True))
    result.resources_existing = len(held)
    for key, link in keys.items():
        if key in held:
            continue
        resource = Resource.objects.create(
            kind=resource_kind(link.url),
            title=link.title,
            url=link.url,
            summary=link.note,
            status=Status.DRAFT,
            created_by=user,
            updated_by=user,
        )
        if link.topic_id:
            resource.topics.add(link.topic_id)
        result.resources.append(resource)
