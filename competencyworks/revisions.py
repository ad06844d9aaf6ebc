"""History, comparison and conflict checks on top of django-reversion.

django-reversion stores a serialised copy of each record at every admin save (who, when,
comment) and restores any of them; this module adds what it lacks: readable diffs of two
versions, and knowing which version an editor started from.
"""

import difflib
import json
import re
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    JSONField,
    Q,
    Value,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Lead
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from reversion.models import Revision, Version
from reversion.revisions import _get_options as registration

from competencyworks.publishing import Status

CONTEXT_LINES = 2
_LINE_BREAKS = re.compile(r"\n|(?<=</p>)|(?<=</li>)|(?<=</h[1-6]>)|(?<=<br>)")


def versions_of(obj):
    """Newest first, with who saved each."""
    return Version.objects.get_for_object(obj).select_related("revision__user")


def public_versions_of(obj):
    """Newest first: the versions readers could see, without who saved them or why.

    A version was public if it was saved as published and its publish time came before the
    next version replaced it (or before now, for the latest). django-reversion dates a
    revision when the save began, so "published now" is later than its own revision.
    The database reads both fields from each version's stored JSON and finds each next
    version in one pass: one query, linear in the length of the history.
    """
    versions = Version.objects.get_for_object(obj)
    replaced_at = Coalesce(
        Window(Lead("revision__date_created"), order_by=F("pk").asc()),
        Value(timezone.now()),
        output_field=DateTimeField(),
    )
    # django-reversion stores [{"model", "pk", "fields": {...}}]; 0 is the array index.
    saved = Cast("serialized_data", JSONField())
    publish_at = Cast(KT("saved__0__fields__publish_at"), DateTimeField())
    # One expression, so the database judges each version against the whole history.
    was_public = ExpressionWrapper(
        Q(saved__0__fields__status=Status.PUBLISHED)
        & Q(saved_publish_at__lte=Cast(replaced_at, DateTimeField())),
        output_field=BooleanField(),
    )
    public_ids = (
        versions.alias(saved=saved, saved_publish_at=publish_at)
        .annotate(was_public=was_public)
        .filter(was_public=True)
        .values("pk")
    )
    return versions.filter(pk__in=public_ids).select_related("revision")


def latest_version_id(obj):
    if obj is None or obj.pk is None:
        return 0
    return versions_of(obj).values_list("pk", flat=True).first() or 0


def split_lines(value):
    """Lines to compare: source lines, and for one-line HTML bodies, each block."""
    text = "" if value is None else str(value)
    return [line for line in _LINE_BREAKS.split(text) if line.strip()] or [""]


def diff_rows(old, new):
    """[(kind, text)] with kind in equal / removed / added / gap, for two values."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    rows = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if rows:
            rows.append(("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(("equal", line) for line in old_lines[i1:i2])
            else:
                rows.extend(("removed", line) for line in old_lines[i1:i2])
                rows.extend(("added", line) for line in new_lines[j1:j2])
    return rows


def diff_html(old, new):
    rows = diff_rows(old, new)
    if not rows:
        return format_html('<p class="diff-none">{}</p>', "No change.")
    signs = {"equal": " ", "removed": "−", "added": "+", "gap": "…"}
    body = format_html_join(
        "",
        '<tr class="diff-{}"><td class="diff-sign" aria-hidden="true">{}</td><td>{}{}</td></tr>',
        (
            (kind, signs[kind], {"removed": "Removed: ", "added": "Added: "}.get(kind, ""), line)
            for kind, line in rows
        ),
    )
    return format_html('<table class="diff">{}</table>', body)


def compare(old_version, new_version, fields):
    """[(field name, diff HTML)] for the fields whose values differ between two versions."""
    old_fields, new_fields = old_version.field_dict, new_version.field_dict
    changes = []
    for name in fields:
        old_value, new_value = old_fields.get(name), new_fields.get(name)
        if old_value != new_value:
            changes.append((name, diff_html(old_value, new_value)))
    return changes


def record_revisions(objects, comment):
    """One revision per object with `comment`, stored as django-reversion's create_revision()
    stores it (the object and what its registration follows), in two queries for any number.

    Give objects with their followed relations prefetched, or each costs a query.
    """
    objects = list(objects)
    now = timezone.now()
    made = Revision.objects.bulk_create(
        [Revision(date_created=now, comment=comment) for _ in objects]
    )
    Version.objects.bulk_create(
        _versions(
            (revision, item)
            for revision, obj in zip(made, objects, strict=True)
            for item in _followed(obj)
        )
    )


def _followed(obj):
    """`obj` and, recursively, what its registration follows."""
    yield obj
    for name in registration(type(obj)).follow:
        related = getattr(obj, name)
        items = related.all() if hasattr(related, "all") else [related]
        for item in filter(None, items):
            yield from _followed(item)


def _versions(pairs):
    by_model = defaultdict(list)
    for revision, obj in pairs:
        by_model[type(obj)].append((revision, obj))
    for model, group in by_model.items():
        options = registration(model)
        content_type = ContentType.objects.get_for_model(
            model, for_concrete_model=options.for_concrete_model
        )
        data = serialized_each(options, [obj for _, obj in group])
        for (revision, obj), serialized_data in zip(group, data, strict=True):
            yield Version(
                revision=revision,
                content_type=content_type,
                object_id=str(getattr(obj, options.object_id_field)),
                db=router.db_for_write(model, instance=obj),
                format=options.format,
                serialized_data=serialized_data,
                object_repr=str(obj),
            )


def serialized_each(options, objects):
    """Each object as `serializers.serialize(format, [obj])` writes it, in one pass: setting
    up a serializer per object cost more than the rest of an import's revisions."""
    kwargs = {
        "fields": options.fields,
        "use_natural_foreign_keys": options.use_natural_foreign_keys,
    }
    if options.format != "json":
        return [serializers.serialize(options.format, [obj], **kwargs) for obj in objects]
    # Django's JSON serializer dumps the Python serializer's dicts, each just like this.
    return [
        json.dumps([data], cls=DjangoJSONEncoder, ensure_ascii=False)
        for data in serializers.serialize("python", objects, **kwargs)
    ]


def in_history(obj):
    """Whether the latest version of `obj` in History holds what it holds now."""
    latest = Version.objects.get_for_object(obj).first()
    if latest is None:
        return False
    options = registration(type(obj))
    now = Version(
        content_type=latest.content_type,
        format=options.format,
        serialized_data=serializers.serialize(options.format, [obj], fields=options.fields),
    )
    return now.field_dict == latest.field_dict
