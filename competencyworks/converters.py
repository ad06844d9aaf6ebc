"""Tag slugs every tag URL can route: unicode words ("educación", "日本語"), never empty."""

import hashlib
import re

from django.utils.text import slugify

SLUG = r"[-\w]+"
ROUTABLE = re.compile(SLUG)


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
    slug = slugify(name, allow_unicode=True)[:100].strip("-_")
    if slug:
        return slug
    return f"tag-{hashlib.blake2b(name.encode(), digest_size=4).hexdigest()}"


def routable_tag_slug(sender, instance, **kwargs):
    """Runs before a Tag is saved however it was made (admin box, importers, tags.add())."""
    if not ROUTABLE.fullmatch(instance.slug or ""):
        instance.slug = tag_slug(instance.name)
