"""The library as CSV and JSON: every resource the filters match, with its page and link."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef
from django.urls import reverse
from taggit.models import TaggedItem

from competencyworks import exports
from wiki.filters import ResourceFilter
from wiki.models import Kind, Resource, Topic

EXPORT_FIELDS = [
    "title", "url", "link", "kind", "publisher", "authors", "year", "topics", "tags", "summary",
]  # fmt: skip
KIND_LABELS = dict(Kind.choices)


def rows_for_export(resources):
    """The columns of an export as dicts, in one query (topics and tags as subqueries)."""
    # Subqueries, not joins: a topic or tag filter never narrows a resource's own lists.
    topics = Topic.objects.filter(resources=OuterRef("pk"))
    tags = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Resource), object_id=OuterRef("pk")
    )
    return resources.order_by("title", "pk").values(
        "title", "slug", "url", "kind", "publisher", "authors", "year", "summary",
        topic_names=exports.joined(topics, "resources", "name"),
        tag_names=exports.joined(tags, "object_id", "tag__name"),
    )  # fmt: skip


def build(request, filters, export_format):
    """The export's body, gzip-compressed."""
    # reverse() once, not per row; slugs need no quoting.
    page_url = request.build_absolute_uri(reverse("wiki:resource", args=["0"]))[:-2]
    rows = (
        export_row(page_url, resource)
        for resource in rows_for_export(exports.matching(filters)).iterator(
            chunk_size=exports.EXPORT_CHUNK_ROWS
        )
    )
    if export_format == "csv":
        return exports.compressed(exports.csv_lines(rows, EXPORT_FIELDS))
    return exports.compressed(exports.json_chunks(rows, "resources"))


def export_row(page_url, resource):
    return {
        "title": resource["title"],
        "url": f"{page_url}{resource['slug']}/",
        "link": resource["url"],
        "kind": KIND_LABELS.get(resource["kind"], resource["kind"]),
        "publisher": resource["publisher"],
        "authors": [name.strip() for name in resource["authors"].split(",") if name.strip()],
        "year": resource["year"],
        "topics": sorted(exports.split(resource["topic_names"]), key=str.lower),
        "tags": sorted(exports.split(resource["tag_names"]), key=str.lower),
        "summary": resource["summary"],
    }


class ResourceExportView(exports.ExportView):
    """The library, with its filters, as CSV or JSON."""

    name = "resources"
    filterset_class = ResourceFilter

    def get_queryset(self):
        return Resource.objects.published()

    def build(self, request, filters, export_format):
        return build(request, filters, export_format)
