"""Tag slugs every tag URL can route: unicode words ("educación", "日本語"), never empty."""

import hashlib
import re

from django.utils.text import slugify

SLUG = r"[-\w]+"
ROUTABLE = re.compile(SLUG)
MAX_LENGTH = 100  # taggit's Tag.slug


class UnicodeSlugConverter:
    """`<uslug:slug>`: Django's `slug` converter refuses the non-ASCII slugs taggit makes."""

    regex = SLUG

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def tag_slug(name):
    """The slug a tag named `name` gets: readable where the name has letters or digits,
    else "tag-" and a short hash of the name, so "!!!" and "🎉" stay distinct."""
    slug = slugify(name, allow_unicode=True)[:MAX_LENGTH].strip("-_")
    if slug:
        return slug
    return f"tag-{hashlib.blake2b(name.encode(), digest_size=4).hexdigest()}"


def is_routable(slug):
    return len(slug) <= MAX_LENGTH and ROUTABLE.fullmatch(slug) is not None


def unique_tag_slug(name, taken):
    """tag_slug(name), numbered ("-2", "-3", …) past the slugs in `taken`, within the column."""
    base = candidate = tag_slug(name)
    number = 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate, number = f"{base[: MAX_LENGTH - len(suffix)]}{suffix}", number + 1
    return candidate


def routable_tag_slug(sender, instance, **kwargs):
    """Runs before a Tag is saved however it was made (admin box, importers, tags.add())."""
    if is_routable(instance.slug or ""):
        return
    base = tag_slug(instance.name)
    taken = set(
        sender._base_manager.filter(slug__startswith=base[: MAX_LENGTH - 12])
        .exclude(pk=instance.pk)
        .values_list("slug", flat=True)
    )
    instance.slug = unique_tag_slug(instance.name, taken)
