from django.contrib.postgres.search import SearchVectorField
from django.db import models
from taggit.models import Tag

from competencyworks.publishing import PublishedQuerySet


class MovedPage(models.Model):
    """A public URL that moved (slug or date changed): old links answer 301."""

    old_path = models.CharField(max_length=500, unique=True)
    new_path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.new_path}"

    @classmethod
    def record(cls, old_path, new_path):
        if old_path == new_path:
            return
        # The new address is live again: it must not redirect anywhere.
        cls.objects.filter(old_path=new_path).delete()
        # Earlier moves point straight at the newest address, never through a chain.
        cls.objects.filter(new_path=old_path).update(new_path=new_path)
        cls.objects.update_or_create(old_path=old_path, defaults={"new_path": new_path})


class SearchDocument(models.Model):
    """One row per post, resource, wiki page and policy entry, so one query can rank them all.

    Kept current by competencyworks.search when content is saved or imported. On
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
