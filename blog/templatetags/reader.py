"""Presentation helpers for reader pages: no queries, only what the view already loaded."""

import re
from urllib.parse import quote

from django import forms, template
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Parameters that page or shape a list rather than narrow it: never shown as a filter chip.
NOT_FILTERS = {"page", "match", "map_year"}
CHIP_LABELS = {"tag": "Tag"}
# A short hyphenated token ("K-12", "P-20", "9-12") reads as one word and must never break.
SHORT_HYPHENATED = re.compile(r"\b(\w{1,3}-\w{1,3})\b")
SECTION_IMAGES = {"k-12": "img/section-k-12.svg", "higher-education": "img/section-higher-ed.svg"}


@register.filter(is_safe=True)
def keep_together(text):
    """Escaped text with short hyphenated tokens (K-12) kept on one line."""
    escaped = conditional_escape(text)
    return mark_safe(SHORT_HYPHENATED.sub(r'<span class="nowrap">\1</span>', escaped))


@register.filter
def fallback_image(post):
    """The drawing of a post's section, shown on its card when it has no featured image."""
    return static(SECTION_IMAGES.get(post.section.slug, "img/section-default.svg"))


@register.simple_tag
def lead_story(sections):
    """The newest post across the home page's sections, and each section without it."""
    posts = [post for _, section_posts in sections for post in section_posts]
    if not posts:
        return None, sections
    lead = max(posts, key=lambda post: post.publish_at)
    rest = [(section, [p for p in items if p.pk != lead.pk]) for section, items in sections]
    return lead, [(section, items) for section, items in rest if items]


@register.simple_tag(takes_context=True)
def share_links(context, title, path):
    """Plain share addresses (no third-party scripts): e-mail, LinkedIn, Bluesky, X, Facebook."""
    url = quote(context["request"].build_absolute_uri(path), safe="")
    text = quote(title, safe="")
    return [
        ("E-mail", f"mailto:?subject={text}&body={url}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={text}%20{url}"),
        ("X", f"https://x.com/intent/post?text={text}&url={url}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={url}"),
    ]


def chip_label(form, name, value):
    """What a reader chose, in words: the option's label, the chosen object, or the value."""
    field = form.fields.get(name) if form is not None else None
    cleaned = getattr(form, "cleaned_data", {}).get(name) if field is not None else None
    if isinstance(field, forms.ModelChoiceField) and cleaned is not None:
        return field.label or name.title(), str(cleaned)
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return field.label or name.title(), str(dict(field.choices).get(value, value))
    label = field.label if field is not None and field.label else name.replace("_", " ").title()
    return label, value


@register.simple_tag(takes_context=True)
def filter_chips(context, form=None, labels=None):
    """One removable chip per chosen filter value: a link to this list without that one value.

    `form` (a filter form) names fields and options; `labels` maps parameter names to
    words for lists without a form, such as search ({"type": "Type", "tag": "Tag"}).
    """
    query = context["request"].GET
    if not hasattr(form, "fields"):
        form = None  # a list page without a filter form: only `labels` name its filters
    if form is not None:
        form.is_valid()  # the filterset has cleaned it already; this reads the result
    chips = []
    for name in query:
        if name in NOT_FILTERS or (form is not None and name not in form.fields):
            continue
        if form is None and name not in (labels or {}):
            continue
        values = [value for value in query.getlist(name) if value.strip()]
        for value in values:
            remaining = query.copy()
            remaining.setlist(name, [other for other in values if other != value])
            remaining.pop("page", None)
            if name == "tag" and len(remaining.getlist("tag")) < 2:
                remaining.pop("match", None)
            if form is not None:
                field_label, value_label = chip_label(form, name, value)
            else:
                field_label, value_label = name, labels.get(f"{name}:{value}", value)
            field_label = {**CHIP_LABELS, **(labels or {})}.get(name, field_label)
            chips.append(
                {"field": field_label, "value": value_label, "url": f"?{remaining.urlencode()}"}
            )
    return chips


@register.simple_tag
def chip_link(chip):
    return format_html(
        '<a class="chip" href="{}"><span class="visually-hidden">Remove filter </span>{}: {}'
        '<span class="chip-x" aria-hidden="true">×</span></a>',
        chip["url"],
        chip["field"],
        chip["value"],
    )


@register.simple_tag(takes_context=True)
def search_chips(context, kinds):
    """Chips for the search page's type and tag choices, which have no filter form."""
    labels = {"type": "Type", "tag": "Tag", **{f"type:{kind}": label for kind, label in kinds}}
    return filter_chips(context, labels=labels)
