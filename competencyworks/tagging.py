"""Tagging an item in a fixed number of queries, however many tags it gets.

django-taggit's own manager looks each name up and links each tag with a get_or_create
(about six queries per tag with case-insensitive tags), so an editor's save grew with its
tags. This one finds every named tag in one query and links them in one insert; only tags
that do not exist yet are created one by one (each needs its own slug).
"""

from django.conf import settings
from django.db import router
from django.db.models import signals
from django.db.models.functions import Lower
from taggit.managers import _TaggableManager, require_instance_manager


class SetBasedTagManager(_TaggableManager):
    """Every content model's tags: TaggableManager(manager=SetBasedTagManager)."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        names = {tag.lower() for tag in tags if isinstance(tag, str)}
        if names and settings.TAGGIT_CASE_INSENSITIVE:
            manager = self.through.tag_model()._default_manager
            found = {}
            existing = manager.annotate(lowered=Lower("name")).filter(lowered__in=names)
            for tag in existing.filter(**tag_kwargs).order_by("pk"):
                found.setdefault(tag.lowered, tag)
            # Names the database lowers differently (SQLite: ASCII only) fall back to taggit.
            tags = [found.get(tag.lower(), tag) if isinstance(tag, str) else tag for tag in tags]
        return super()._to_tag_model_instances(tags, tag_kwargs)

    @require_instance_manager
    def add(self, *tags, through_defaults=None, tag_kwargs=None, **kwargs):
        self._remove_prefetched_objects()
        db = router.db_for_write(self.through, instance=self.instance)
        tag_objs = self._to_tag_model_instances(tags, tag_kwargs or {})
        linked = self.through._default_manager.using(db).filter(**self._lookup_kwargs())
        new_ids = {tag.pk for tag in tag_objs} - set(linked.values_list("tag_id", flat=True))
        sent = {
            "sender": self.through, "instance": self.instance, "reverse": False,
            "model": self.through.tag_model(), "pk_set": new_ids, "using": db,
        }  # fmt: skip
        signals.m2m_changed.send(action="pre_add", **sent)
        self.through._default_manager.using(db).bulk_create(
            [
                self.through(tag=tag, **self._lookup_kwargs(), **(through_defaults or {}))
                for tag in tag_objs
                if tag.pk in new_ids
            ],
            ignore_conflicts=True,
        )
        signals.m2m_changed.send(action="post_add", **sent)
