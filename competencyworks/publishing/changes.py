"""What happens after public content changes: recorded once per transaction, done after commit.

Saves, deletes, tag and topic changes of the models apps watch, and the bulk writes of
importers, record (model, pk) here. When the transaction commits, each registered effect
runs once on the whole batch (the search index rewrites each changed item once, citations
follow their posts), then the page cache starts one new content version. Acting after commit
means no reader can render and cache a page from data about to change, and a rollback leaves
no trace. Outside a transaction each change is acted on at once.

Only watched models have receivers, so every other model keeps Django's fast deletes.
"""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from competencyworks import pagecache as page_cache

OWNERS = {}  # watched model -> owner(row) giving (model, pk) of the item the row is part of
EFFECTS = []  # effect(changes) with changes {model: {pk, …}}, run after commit in this order


def watch(model, owner=None):
    """Rows of `model` show on public pages: act on their changes.

    `owner(row)` names the item a child row is part of, as (model, pk): a policy event's
    text belongs to its entry's search document."""
    OWNERS[model] = owner
    uid = f"content_changes_{model._meta.label}"
    post_save.connect(row_changed, sender=model, dispatch_uid=uid)
    post_delete.connect(row_changed, sender=model, dispatch_uid=uid)
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        m2m_changed.connect(
            links_changed, sender=through, dispatch_uid=f"content_changes_{through._meta.label}"
        )


def after_commit(effect):
    """Run `effect(changes)` after every transaction that changed watched content."""
    EFFECTS.append(effect)


def changed(model, pks):
    """These rows of `model` were written or deleted (bulk writers call this themselves)."""
    pks = set(pks)
    if not connection.in_atomic_block:
        flush({model: pks})
        return
    pending()[model] |= pks


def row_changed(sender, instance, **kwargs):
    owner = OWNERS[sender]
    model, pk = owner(instance) if owner else (sender, instance.pk)
    changed(model, [pk])


def links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    changed(type(instance), [instance.pk])
    if reverse and pk_set:  # e.g. topic.resources.add(…): the resources changed too
        changed(model, pk_set)


class Batch(defaultdict):
    """The changes of one transaction, acted on once when it commits."""

    def __init__(self):
        super().__init__(set)
        self.done = False
        self.ahead = {}  # name -> work an effect started before the commit, to take up then

    def run(self):
        if getattr(connection, "content_changes", None) is self:
            connection.content_changes = None
        if not self.done:
            self.done = True
            flush(self)


def pending():
    """This transaction's batch: a new one if none waits for the commit (the last one ran,
    or was dropped by a rollback)."""
    batch = getattr(connection, "content_changes", None)
    if batch is None or not any(func == batch.run for _, func, _ in connection.run_on_commit):
        batch = connection.content_changes = Batch()
        transaction.on_commit(batch.run, robust=True)  # the content is saved whatever follows
    return batch


def work_ahead():
    """This transaction's {name: work} that effects start before the commit and take up when
    it runs (dropped with the changes by a rollback); None outside a transaction."""
    return pending().ahead if connection.in_atomic_block else None


def flush(changes):
    try:
        with transaction.atomic():
            for effect in EFFECTS:
                effect(changes)
    finally:
        # Pages change even if an effect failed: a new version, after the index is written.
        page_cache.content_changed()
