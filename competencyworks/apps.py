from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate, pre_save
from django.urls import register_converter

# Apps whose rows readers see: their text is cleaned of control characters on every save.
CONTENT_APPS = {"blog", "wiki", "policy", "taggit", "competencyworks"}


class CompetencyWorksConfig(AppConfig):
    name = "competencyworks"
    verbose_name = "Site"

    def ready(self):
        from taggit.models import Tag

        from competencyworks.converters import UnicodeSlugConverter, routable_tag_slug
        from competencyworks.images import watch_rendition_sources_only
        from competencyworks.models import MovedPage
        from competencyworks.publishing import changes
        from competencyworks.search.index import index_changes, index_undated
        from competencyworks.text import clean_before_save

        # First effect after each commit, so later ones and the page cache read fresh documents.
        changes.after_commit(index_changes)
        post_migrate.connect(index_undated, sender=self, dispatch_uid="index_undated")
        changes.watch(Tag)  # a renamed tag changes the documents and pages that show it
        changes.watch(MovedPage)
        register_converter(UnicodeSlugConverter, "uslug")
        # Every row readers see, whichever model: no control character reaches a page or feed.
        for model in apps.get_models():
            if model._meta.app_label in CONTENT_APPS:
                pre_save.connect(
                    clean_before_save, sender=model, dispatch_uid=f"clean_text_{model._meta.label}"
                )
        # After the text is cleaned, so a fallback slug hashes the name as stored.
        pre_save.connect(
            routable_tag_slug, sender=apps.get_model("taggit.Tag"), dispatch_uid="tag_slug"
        )
        post_migrate.connect(refresh_sqlite_statistics, sender=self)
        watch_rendition_sources_only()


def refresh_sqlite_statistics(using, **kwargs):
    """SQLite plans queries from statistics that ANALYZE writes and CREATE INDEX does not: an
    index added by a migration would otherwise be judged without them and a worse one chosen
    (seen with the blog's indexes). PostgreSQL analyses new indexes on its own."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
