"""Writing search documents: set-based, a few queries per batch of items, however many."""

from collections import defaultdict
from itertools import groupby

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import DateTimeField
from django.db.models.sql import Query
from taggit.models import Tag

from competencyworks.models import SearchDocument
from competencyworks.search.registry import KINDS, document_for

MAX_BODY = 100_000  # characters indexed per item: a tsvector cannot exceed 1 MB
CONFIG = "english"
BATCH_SIZE = 500
COLUMNS = (
    "kind", "object_id", "title", "summary", "body", "tag_names", "status", "publish_at", "url",
    "dated",
)  # fmt: skip


def index_changes(changes):
    """After a commit: rewrite each changed item's document once, batched per kind; a renamed
    tag rewrites the documents that carry it."""
    ids = defaultdict(set)
    for model, pks in changes.items():
        if document := document_for(model):
            ids[document.kind] |= pks
    if changes.get(Tag):
        tagged = SearchDocument.objects.filter(tags__in=changes[Tag]).values_list(
            "kind", "object_id"
        )
        for kind, object_id in tagged:
            ids[kind].add(object_id)
    for kind, pks in ids.items():
        reindex(kind, sorted(pks))


def reindex(kind, ids, batch_size=BATCH_SIZE):
    """Write the search documents of these items; items that no longer exist lose theirs."""
    document = KINDS[kind]
    ids = list(ids)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        items = list(document.items().filter(pk__in=chunk))
        tags = document.tags(items)
        write_documents(kind, [(item, tags[item.pk], document.url(item)) for item in items])
        gone = set(chunk) - {item.pk for item in items}
        if gone:
            SearchDocument.objects.filter(kind=kind, object_id__in=gone).delete()


def index_undated(**kwargs):
    """After migrate: documents written before they carried their item's own date get it."""
    undated = SearchDocument.objects.filter(dated__isnull=True).values_list("kind", "object_id")
    ids = defaultdict(list)
    for kind, object_id in undated:
        ids[kind].append(object_id)
    for kind, pks in ids.items():
        if kind in KINDS:
            reindex(kind, pks)


def document_row(kind, item, tags, url):
    """The one place an item becomes a search document, as values for COLUMNS."""
    title, summary, body = KINDS[kind].text(item)
    publish_at = SearchDocument._meta.get_field("publish_at")
    # Tag names sorted: the same text whichever order the tags were read in.
    return (
        kind, item.pk, title[:1000], summary[:5000], body[:MAX_BODY],
        " ".join(sorted(tag.name for tag in tags)), item.status,
        publish_at.get_db_prep_save(item.publish_at, connection), url,
        KINDS[kind].own_date(item)[:60],
    )  # fmt: skip


def write_documents(kind, entries):
    """Upsert the documents of (item, tags, url) entries: a fixed number of queries per call.

    Plain SQL, not bulk_create: no model instance per row."""
    entries = [(item, list(tags), url) for item, tags, url in entries]
    if not entries:
        return
    rows = [document_row(kind, item, tags, url) for item, tags, url in entries]
    # Many rows per statement: on SQLite each statement flushes the FTS5 index its trigger
    # fills, so a statement per row made indexing an import grow with the square of its size.
    # executemany() of equal chunks: with DEBUG on, Django logs it as one line, not each body.
    size = max(connection.ops.bulk_batch_size(COLUMNS, rows), 1)
    chunks = [rows[start : start + size] for start in range(0, len(rows), size)]
    with connection.cursor() as cursor:
        for length, same_size in groupby(chunks, key=len):
            sql, leading_params = upsert_documents(length)
            cursor.executemany(
                sql,
                [
                    [*leading_params, *(value for values in chunk for value in values)]
                    for chunk in same_size
                ],
            )
    ids = dict(
        SearchDocument.objects.filter(
            kind=kind, object_id__in=[item.pk for item, _, _ in entries]
        ).values_list("object_id", "pk")
    )
    through = SearchDocument.tags.through
    through.objects.filter(searchdocument_id__in=ids.values()).delete()
    with connection.cursor() as cursor:  # plain SQL: no model instance per link row
        cursor.executemany(
            f"INSERT INTO {through._meta.db_table} (searchdocument_id, tag_id) VALUES (%s, %s)",
            [(ids[item.pk], tag.pk) for item, tags, _ in entries for tag in tags],
        )


def upsert_documents(rows):
    """(SQL, parameters before the rows' values) of one statement writing `rows` documents,
    or rewriting them where they exist.

    On PostgreSQL the statement computes each row's vector from the values it writes: a
    separate UPDATE of the vectors afterwards wrote every row (body and index entries) twice.
    """
    table = SearchDocument._meta.db_table
    row = f"({', '.join(['%s'] * len(COLUMNS))})"
    values = f"VALUES {', '.join([row] * rows)}"
    updates = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[2:])
    if connection.vendor == "postgresql":
        vector, vector_params = vector_sql()
        # The rows are named as the table, so the vector's column references read them.
        values = (
            f"SELECT {', '.join(selected_columns())}, {vector} "
            f"FROM ({values}) AS {table} ({', '.join(COLUMNS)})"
        )
        return (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}, vector) {values} "
            f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates}, vector = excluded.vector",
            vector_params,
        )
    return (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) {values} "
        f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates}",
        (),
    )


def selected_columns():
    """COLUMNS as the SELECT of PostgreSQL's upsert gives them: a column of VALUES that holds
    only NULLs is text, which a timestamp column does not take without a cast."""
    return [
        f"{column}::{field.db_type(connection)}"
        if isinstance(field := SearchDocument._meta.get_field(column), DateTimeField)
        else column
        for column in COLUMNS
    ]


def vector_sql():
    """(SQL, params) of weighted_vector() over the columns of the documents' table."""
    query = Query(SearchDocument)
    expression = weighted_vector().resolve_expression(query)
    return expression.as_sql(query.get_compiler(connection=connection), connection)


def weighted_vector():
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("tag_names", "summary", weight="B", config=CONFIG)
        + SearchVector("body", weight="C", config=CONFIG)
    )
