from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models, router
from django.urls import Resolver404, resolve
from django.utils import timezone
from taggit.models import Tag

from competencyworks.publishing import PublishedQuerySet


class MovedPage(models.Model):
    """A public URL that moved (slug or date changed): old links answer 301.

    Like WordPress's old slugs, the address is remembered for good but leads on only while
    the item it belongs to is public, so a redirect never reveals a private or draft item.
    Rows an editor adds by hand name no item: they lead on unless their address is the page
    of an item that is not public.
    """

    old_path = models.CharField(max_length=500, unique=True)
    new_path = models.CharField(max_length=500)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, editable=False, on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        # Every move looks up the rows that led to its old address: a slug change or an
        # import batch then reads those rows, not the whole table.
        indexes = [models.Index(fields=["new_path"], name="moved_page_new_path_idx")]

    def __str__(self):
        return f"{self.old_path} → {self.new_path}"

    @classmethod
    def record(cls, old_path, new_path, target, *, old_path_was_public=True):
        """`target` moved from `old_path` to `new_path`; only addresses readers saw are kept."""
        cls.record_many([(old_path, new_path, target, old_path_was_public)])

    @classmethod
    def record_many(cls, moves):
        """Moves as (old_path, new_path, target, old_path_was_public), in a fixed number of
        queries however many: an import moves thousands of posts at once."""
        moves = {
            old[:500]: (new, target, public) for old, new, target, public in moves if old != new
        }
        if not moves:
            return
        # The new addresses are live again: they must not redirect anywhere.
        cls.objects.filter(old_path__in={new for new, _, _ in moves.values()}).delete()
        # Earlier moves point straight at the newest address, never through a chain.
        earlier = list(cls.objects.filter(new_path__in=moves).order_by())
        for row in earlier:
            row.new_path, row.target, _ = moves[row.new_path]
        cls.objects.bulk_update(earlier, ["new_path", "content_type", "object_id"])
        # Plain SQL upsert: a model instance per row costs an import more than the row.
        connection = connections[router.db_for_write(cls)]
        created_at = cls._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
        rows = [
            (old, new, *cls.target_key(target), created_at)
            for old, (new, target, public) in moves.items()
            if public
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {cls._meta.db_table} "
                "(old_path, new_path, content_type_id, object_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (old_path) DO UPDATE SET "
                "new_path = excluded.new_path, content_type_id = excluded.content_type_id, "
                "object_id = excluded.object_id",
                rows,
            )

    @staticmethod
    def target_key(target):
        """(content type id, object id) as the `target` field stores them."""
        if target is None:
            return None, None
        return ContentType.objects.get_for_model(target).pk, target.pk

    @property
    def leads_to_public_page(self):
        # Rows made by hand, or before moves named their item, are judged by what they lead to.
        target = self.target if self.content_type_id else item_at(self.new_path)
        if target is None:
            return self.content_type_id is None  # an item since deleted leads nowhere
        return target.is_public


def item_at(path):
    """The publishable item whose page is at `path` (by its detail view's model and slug)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    model = getattr(getattr(match.func, "view_class", None), "model", None)
    slug = match.kwargs.get("slug")
    if model is None or slug is None or not hasattr(model, "is_public"):
        return None
    return model._base_manager.filter(slug=slug).first()


class SearchDocument(models.Model):
    """One row per post, resource, wiki page and policy entry, so one query can rank them all.

    Written by competencyworks.search after each commit that changed content. On
    PostgreSQL `vector` holds the weighted tsvector (GIN-indexed); on SQLite an FTS5 table
    mirrors title, tags, summary and body through triggers.
    """

    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    title = models.TextField()
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    tag_names = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="search_documents")
    status = models.CharField(max_length=10)
    publish_at = models.DateTimeField(null=True)
    url = models.CharField(max_length=500)
    # The item's own date as readers see it (a resource's year, when a policy was enacted),
    # never when its row was made; "" for undated items, NULL until first indexed with it.
    dated = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001
    vector = SearchVectorField(null=True, editable=False)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="search_document_public_idx")
        ]

    def __str__(self):
        return f"{self.kind}: {self.title}"


class ContentVersion(models.Model):
    """One row: the version of the public content, which every cached page's key includes.

    Kept in the database so that every app process, whatever its cache backend, agrees on it;
    competencyworks.pagecache changes it whenever public content changes.
    """

    ROW = 1

    version = models.BigIntegerField()

    def __str__(self):
        return str(self.version)
