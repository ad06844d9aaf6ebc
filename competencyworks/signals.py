"""Keeps search documents current as content is saved, tagged, deleted or imported."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import TaggedItem

from blog.signals import posts_imported
from competencyworks import pagecache as page_cache
from competencyworks import search
from competencyworks.models import SearchDocument


def item_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        search.reindex(search.kind_of(sender), [instance.pk])


def item_deleted(sender, instance, **kwargs):
    search.unindex(search.kind_of(sender), [instance.pk])


def tags_changed(sender, instance, action, **kwargs):
    kind = search.kind_of(type(instance))
    if kind and action in ("post_add", "post_remove", "post_clear"):
        search.reindex(kind, [instance.pk])


def policy_event_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        search.reindex("policy", [instance.entry_id])


CONTENT_APPS = {"blog", "wiki", "policy", "taggit", "competencyworks"}


def content_saved(sender, **kwargs):
    # Migrations save historical models ("__fake__"): no pages exist to refresh then.
    historical = sender.__module__ == "__fake__"
    if sender._meta.app_label in CONTENT_APPS and sender is not SearchDocument and not historical:
        page_cache.content_changed()


def connect():
    for kind, (label, _) in search.KINDS.items():
        model = apps.get_model(label)
        post_save.connect(item_saved, sender=model, dispatch_uid=f"search_saved_{kind}")
        post_delete.connect(item_deleted, sender=model, dispatch_uid=f"search_deleted_{kind}")
    m2m_changed.connect(tags_changed, sender=TaggedItem, dispatch_uid="search_tags")
    post_save.connect(
        policy_event_saved, sender=apps.get_model("policy.Event"), dispatch_uid="search_event"
    )
    # Any change to content starts a new page-cache version, in every app process. These run
    # after the search receivers, so the next scheduled publication is read from fresh data.
    post_save.connect(content_saved, dispatch_uid="page_cache_saved")
    post_delete.connect(content_saved, dispatch_uid="page_cache_deleted")
    m2m_changed.connect(content_saved, dispatch_uid="page_cache_m2m")
    posts_imported.connect(page_cache.content_changed, dispatch_uid="page_cache_imported")
