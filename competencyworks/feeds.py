"""The base of every RSS and Atom feed: it cannot fail on stored text, and what feed readers
render as HTML is escaped text, never live markup.

Rows written around `save()` (queryset updates, raw SQL) may still hold characters XML 1.0
forbids; the feed generators clean every string they are given, so one such row cannot turn
a feed into a 500.
"""

from django.contrib.syndication import views
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from competencyworks.text import xml_text


def _clean(value):
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value


class CleanTextMixin:
    """Passes every string of the channel and of each item through xml_text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_clean, args), **{key: _clean(v) for key, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_clean, args), **{key: _clean(v) for key, v in kwargs.items()})


class RssFeed(CleanTextMixin, Rss201rev2Feed):
    pass


class AtomFeed(CleanTextMixin, Atom1Feed):
    pass


class Feed(views.Feed):
    """Subclasses give each item's plain-text summary as `item_summary`; readers get it escaped,
    so a summary holding "<script>" (typed, or decoded from "&lt;script&gt;") shows as text."""

    feed_type = RssFeed

    def item_summary(self, item):
        return ""

    def item_description(self, item):
        return escape(self.item_summary(item))


class AtomMixin:
    feed_type = AtomFeed

    def subtitle(self, obj=None):
        return self._get_dynamic_attr("description", obj)
