"""Which models are searchable and how each becomes a search document.

Each app describes its models in its own search.py (a Document subclass per model) and
registers them from its AppConfig.ready(), as Wagtail's apps do: this package names no app's
model. Registering also watches the model (and its parts) for changes, so saves, deletes and
imports keep the index current after each commit.
"""

import functools
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django.utils.formats import date_format
from taggit.models import Tag

from competencyworks.publishing import changes

KINDS = {}  # kind -> Document, in registration order (the order of the type facets)


class Document:
    """How rows of `model` become search documents of `kind`."""

    model = None
    kind = ""
    label = ""  # what readers see: "Blog post"
    dated_by_publication = True  # else own_date() is a date of the item's own (a year…)
    blurb_column = "summary"  # the text lists show under the title
    parts = {}  # child model -> its field holding the item's pk: rows indexed with the item
    card_template = None  # lists that show this kind as cards (the tag page) include it

    def cards(self, pks):
        """{pk: item} of public items to show as cards, in one query (with card_template)."""
        raise NotImplementedError

    def items(self):
        """The rows an index run reads, with all that text(), url() and own_date() need:
        they make a batch's rows while another thread writes the batch before, on the same
        database connection, so they must not query."""
        return self.model._base_manager.all()

    def text(self, item):
        """(title, summary, body) as plain text."""
        raise NotImplementedError

    def tags(self, items):
        """{item pk: [Tag, …]} for these items (django-taggit tags), in two queries: a
        prefetch would make a tag object per link row, and an import indexes thousands."""
        links = self.model.tags.through.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            object_id__in=[item.pk for item in items],
        ).values_list("object_id", "tag_id")
        links = list(links)
        tags = Tag.objects.in_bulk({tag_id for _, tag_id in links})
        by_item = defaultdict(list)
        for object_id, tag_id in links:
            by_item[object_id].append(tags[tag_id])
        return by_item

    def url(self, item):
        return item.get_absolute_url()

    def own_date(self, item):
        """The item's own date as readers see it ("2021", "Enacted May 3, 2021"), shown in
        results and tag pages: by default the day it was published; "" for none."""
        if item.publish_at is None:
            return ""
        return day_label(timezone.localdate(item.publish_at), translation.get_language())


@functools.lru_cache(maxsize=4096)
def day_label(day, language):
    """ "May 3, 2021" in `language`: formatted once per day, since an index run formatting it
    for each of thousands of items spent more on that than on the rest of their rows."""
    with translation.override(language):
        return date_format(day, "F j, Y")


def register(document_class):
    document = document_class()
    KINDS[document.kind] = document
    changes.watch(document.model)
    for child, field in document.parts.items():
        changes.watch(child, owner=lambda row, field=field: (document.model, getattr(row, field)))
    return document_class


def document_for(model):
    return next((document for document in KINDS.values() if document.model is model), None)
