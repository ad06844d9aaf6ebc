"""The blog list as CSV and JSON: what each card shows, for every post the filters match."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, OuterRef, Value
from django.db.models.functions import Cast, Concat, LPad
from django.urls import reverse
from django.utils import timezone
from taggit.models import TaggedItem

from blog.filters import PostFilter
from blog.models import Byline, Post
from competencyworks import exports

EXPORT_FIELDS = [
    "title", "url", "date", "section", "authors", "tags", "series", "part", "summary",
]  # fmt: skip


def rows_for_export(posts):
    """The columns of an export as dicts, in one query (authors and tags as subqueries)."""
    # Bylines keep their order: each name is prefixed with its position, sorted and stripped.
    bylines = Byline.objects.filter(post=OuterRef("pk"))
    byline = Concat(LPad(Cast("position", CharField()), 5, Value("0")), Value(":"), "author__name")
    tags = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), object_id=OuterRef("pk")
    )
    return posts.order_by("-publish_at", "pk").values(
        "title", "slug", "publish_at", "summary", "series_part",
        section_name=F("section__name"), series_title=F("series__title"),
        author_names=exports.joined(bylines.annotate(byline=byline), "post", "byline"),
        tag_names=exports.joined(tags, "object_id", "tag__name"),
    )  # fmt: skip


def build(request, filters, export_format):
    """The export's body, gzip-compressed."""
    list_url = request.build_absolute_uri(reverse("blog:list"))
    rows = (
        export_row(list_url, post)
        for post in rows_for_export(exports.matching(filters)).iterator(
            chunk_size=exports.EXPORT_CHUNK_ROWS
        )
    )
    if export_format == "csv":
        return exports.compressed(exports.csv_lines(rows, EXPORT_FIELDS))
    return exports.compressed(exports.json_chunks(rows, "posts"))


def export_row(list_url, post):
    day = timezone.localdate(post["publish_at"])
    return {
        "title": post["title"],
        # As Post.get_absolute_url, without a reverse() per row.
        "url": f"{list_url}{day.year}/{day.month:02}/{day.day:02}/{post['slug']}/",
        "date": day.isoformat(),
        "section": post["section_name"],
        "authors": [name.split(":", 1)[1] for name in sorted(exports.split(post["author_names"]))],
        "tags": sorted(exports.split(post["tag_names"]), key=str.lower),
        "series": post["series_title"],
        "part": post["series_part"],
        "summary": post["summary"],
    }


class PostExportView(exports.ExportView):
    """The blog list, with its filters, as CSV or JSON."""

    name = "posts"
    filterset_class = PostFilter

    def get_queryset(self):
        return Post.objects.published()

    def build(self, request, filters, export_format):
        return build(request, filters, export_format)
