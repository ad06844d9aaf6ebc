"""History, comparison and conflict checks on top of django-reversion.

django-reversion stores a serialised copy of each record at every admin save (who, when,
comment) and restores any of them; this module adds what it lacks: readable diffs of two
versions, and knowing which version an editor started from.
"""

import difflib
import functools
import re
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Field,
    JSONField,
    Q,
    Value,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Lead
from django.utils import timezone
from django.utils.encoding import is_protected_type
from django.utils.html import format_html, format_html_join
from reversion.models import Revision, Version
from reversion.revisions import _get_options as registration

from competencyworks.bulk import insert, insert_rows
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
    stores it (the object and what its registration follows), in a few queries for any number.

    Give objects with their followed relations prefetched (and what their names show), or
    each costs a query. Returns the revisions, in the objects' order.
    """
    objects = list(objects)
    if not objects:
        return []
    now = timezone.now()
    made = [Revision(date_created=now, comment=comment) for _ in objects]
    insert(made)
    rows = _versions(
        (revision.pk, item)
        for revision, obj in zip(made, objects, strict=True)
        for item in _followed(obj)
    )
    # Plain rows: thousands need no model instance each, nor the ORM's per-field work.
    columns = (
        "revision_id", "content_type_id", "object_id", "db", "format", "serialized_data",
        "object_repr",
    )  # fmt: skip
    insert_rows(Version._meta.db_table, columns, rows, using=router.db_for_write(Version))
    return made


def rewrite_versions(pairs):
    """Store each object of (revision id, object) pairs again in its version of that
    revision, as it stands now (what it follows is left as it was stored)."""
    rows = _versions((revision_id, obj) for revision_id, obj in pairs)
    with connections[router.db_for_write(Version)].cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Version._meta.db_table} SET serialized_data = %s, object_repr = %s "
            "WHERE revision_id = %s AND content_type_id = %s AND object_id = %s",
            [(data, text, revision, kind, pk) for revision, kind, pk, _, _, data, text in rows],
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
    """Version rows (as record_revisions' columns) of (revision id, object) pairs."""
    by_model = defaultdict(list)
    for revision_id, obj in pairs:
        by_model[type(obj)].append((revision_id, obj))
    rows = []
    for model, group in by_model.items():
        options = registration(model)
        content_type = ContentType.objects.get_for_model(
            model, for_concrete_model=options.for_concrete_model
        ).pk
        data = serialized_each(options, [obj for _, obj in group])
        for (revision_id, obj), serialized_data in zip(group, data, strict=True):
            rows.append(
                (
                    revision_id,
                    content_type,
                    str(getattr(obj, options.object_id_field)),
                    router.db_for_write(model, instance=obj),
                    options.format,
                    serialized_data,
                    str(obj),
                )
            )
    return rows


def serialized_each(options, objects):
    """Each object (all of one model) as `serializers.serialize(format, [obj])` writes it, in
    one pass: setting up a serializer per object cost more than the rest of an import's
    revisions, and running Django's serializer over each field more than reading them here.
    Many-to-many rows are read in one query per relation for all the objects."""
    kwargs = {
        "fields": options.fields,
        "use_natural_foreign_keys": options.use_natural_foreign_keys,
    }
    if options.format != "json" or not objects:
        return [serializers.serialize(options.format, [obj], **kwargs) for obj in objects]
    encode = DjangoJSONEncoder(ensure_ascii=False).encode  # as json.dumps(cls=...) builds it
    plan = _json_plan(type(objects[0]), options)
    if plan is None:
        # Django's JSON serializer dumps the Python serializer's dicts, each just like this.
        return [encode([data]) for data in serializers.serialize("python", objects, **kwargs)]
    label, key, fields, many = plan
    related = [(field.name, _related_keys(field, objects)) for field in many]
    return [
        encode(
            [
                {
                    "model": label,
                    "pk": _value(obj, key),
                    "fields": _values(obj, fields) | {name: keys[obj.pk] for name, keys in related},
                }
            ]
        )
        for obj in objects
    ]


def _values(obj, fields):
    return {name: read(obj) for name, read in fields}


def _related_keys(field, objects):
    """{object pk: [related key, …]} of a many-to-many field, in the related model's order as
    the Python serializer lists them: prefetched rows where an object has them, else one
    query for all the others (a related manager per object costs more than its query)."""
    keys, unread = {}, []
    for obj in objects:
        rows = getattr(obj, "_prefetched_objects_cache", {}).get(field.name)
        if rows is None:
            keys[obj.pk] = []
            unread.append(obj.pk)
        else:
            keys[obj.pk] = [_value(item, item._meta.pk) for item in rows]
    if unread:
        owner = field.related_query_name()
        rows = field.related_model._default_manager.filter(**{f"{owner}__in": unread})
        for pk, related in rows.values_list(owner, "pk"):
            keys[pk].append(related if is_protected_type(related) else str(related))
    return keys


def _value(obj, field):
    """A field's value as Django's Python serializer writes it."""
    value = field.value_from_object(obj)
    return value if is_protected_type(value) else field.value_to_string(obj)


def _reader(field):
    """obj -> _value(obj, field), the short way for fields that read and show their value as
    Field does (an attribute, and str() of it): a revision reads every field of each post an
    import writes."""
    kind = type(field)
    if kind.value_from_object is not Field.value_from_object or (
        kind.value_to_string is not Field.value_to_string
    ):
        return functools.partial(_value, field=field)
    attname = field.attname

    def read(obj):
        value = getattr(obj, attname)
        return value if type(value) is str or is_protected_type(value) else str(value)

    return read


def _json_plan(model, options):
    """(model label, pk field, [(name, reader)], [many-to-many field]) the Python serializer
    writes for `model`, or None where it would do more than read each field (natural keys,
    many-to-many rows its related model cannot be queried by)."""
    opts = model._meta.concrete_model._meta
    wanted = set(options.fields) if options.fields is not None else None
    many = [
        field
        for field in opts.local_many_to_many
        if field.serialize
        and (wanted is None or field.attname in wanted)
        and field.remote_field.through._meta.auto_created
    ]
    if options.use_natural_foreign_keys or any(field.remote_field.hidden for field in many):
        return None
    fields = []
    for field in opts.local_fields:
        if not field.serialize:
            continue
        selector = field.attname if field.remote_field is None else field.attname[:-3]
        if wanted is None or selector in wanted:
            fields.append((field.name, _reader(field)))
    return str(model._meta), opts.pk, fields, many


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
