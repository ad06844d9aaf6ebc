"""Keeps search documents current as content is saved, tagged, deleted or imported."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import TaggedItem

from blog.signals import posts_imported
from competencyworks import search


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


def posts_were_imported(sender, post_ids, **kwargs):
    search.reindex("post", post_ids)


def connect():
    for kind, (label, _) in search.KINDS.items():
        model = apps.get_model(label)
        post_save.connect(item_saved, sender=model, dispatch_uid=f"search_saved_{kind}")
        post_delete.connect(item_deleted, sender=model, dispatch_uid=f"search_deleted_{kind}")
    m2m_changed.connect(tags_changed, sender=TaggedItem, dispatch_uid="search_tags")
    post_save.connect(
        policy_event_saved, sender=apps.get_model("policy.Event"), dispatch_uid="search_event"
    )
    posts_imported.connect(posts_were_imported, dispatch_uid="search_imported")
