"""Writing search documents: set-based, a few queries per batch of items, however many."""

import hashlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby

import psycopg
from django.contrib.postgres.search import SearchVector
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models.sql import Query
from taggit.models import Tag

from competencyworks.bulk import insert_rows
from competencyworks.models import SearchDocument
from competencyworks.publishing.changes import work_ahead
from competencyworks.search.registry import KINDS, document_for

MAX_BODY = 100_000  # characters indexed per item: a tsvector cannot exceed 1 MB
CONFIG = "english"
BATCH_SIZE = 500
SHARED_FROM = 200  # rows: at 100 or fewer, starting a second session costs what it saves
# Characters of text whose vectors one write computes ahead, and holds until it commits. A
# vector's text is shorter than English prose it indexes (0.4 times, measured: stop words go),
# and up to 2.6 times as long as a text of short numbers.
AHEAD_MAX_CHARS = 30_000_000
AHEAD = "search vectors"  # their name among the work started before a commit
COLUMNS = (
    "kind", "object_id", "title", "summary", "body", "tag_names", "status", "publish_at", "url",
    "dated",
)  # fmt: skip
TEXT_COLUMNS = ("title", "tag_names", "summary", "body")  # what a vector is made of
TEXT_POSITIONS = tuple(COLUMNS.index(name) for name in TEXT_COLUMNS)
UPDATES = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[2:])


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
    ahead = getattr(changes, "ahead", {}).get(AHEAD)
    known = ahead.vectors() if ahead else {}
    for kind, pks in ids.items():
        reindex(kind, sorted(pks), known=known)


def reindex(kind, ids, known=None):
    """Write the search documents of these items; items that no longer exist lose theirs.
    `known` gives vectors computed ahead, by text_digest().

    In batches, in one transaction. While the database writes one batch's documents (a
    statement a second thread sends and waits on), this thread makes the next batch's rows:
    done in turn, the two left a core idle after an import committed."""
    document = KINDS[kind]
    ids, known = list(ids), known or {}
    with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as sender:
        previous = None  # the batch whose documents are to be written next
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            items = list(document.items().filter(pk__in=chunk))
            tags = document.tags(items)
            gone = set(chunk) - {item.pk for item in items}
            if gone:
                SearchDocument.objects.filter(kind=kind, object_id__in=gone).delete()
            # The reads above are done, so the connection is the second thread's until
            # written.result(): this one only makes rows meanwhile.
            written = sender.submit(previous.write) if previous else None
            batch = DocumentBatch(
                kind, [(item, tags[item.pk], document.url(item)) for item in items]
            )
            if written:
                written.result()
                previous.link_tags()
            previous = batch.prepared(known)
        if previous:
            previous.write()
            previous.link_tags()


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
    title, tag_names, summary, body = document_texts(kind, item, tags)
    publish_at = SearchDocument._meta.get_field("publish_at")
    return (
        kind, item.pk, title, summary, body, tag_names, item.status,
        publish_at.get_db_prep_save(item.publish_at, connection), url,
        KINDS[kind].own_date(item)[:60],
    )  # fmt: skip


def document_texts(kind, item, tags):
    """The TEXT_COLUMNS of an item's document."""
    title, summary, body = KINDS[kind].text(item)
    # Tag names sorted: the same text whichever order the tags were read in.
    tag_names = " ".join(sorted(tag.name for tag in tags))
    return title[:1000], tag_names, summary[:5000], body[:MAX_BODY]


def row_texts(row):
    """The TEXT_COLUMNS of a row of COLUMNS."""
    return tuple(row[position] for position in TEXT_POSITIONS)


def text_digest(texts):
    # PostgreSQL text holds no NUL, so joining on it keeps the parts apart.
    return hashlib.blake2b("\0".join(texts).encode(), digest_size=16).digest()


class DocumentBatch:
    """The documents of (item, tags, url) entries, upserted in a fixed number of statements:
    prepared(), write() (the statement that makes the documents, which another thread may
    send), then link_tags().

    Plain SQL, not bulk_create: no model instance per row."""

    def __init__(self, kind, entries):
        self.kind = kind
        self.entries = [(item, list(tags), url) for item, tags, url in entries]
        self.rows = [document_row(kind, item, tags, url) for item, tags, url in self.entries]
        self.statement = None  # the upsert: (cursor, [(SQL, [params, …]), …])

    def prepared(self, known):
        """Ready to write, its rows copied where the upsert reads them; with many vectors
        not `known` (computed ahead, by text_digest()), written here and now."""
        if not self.rows:
            return self
        if connection.vendor != "postgresql":
            self.statement = upsert_statement(self.rows)
            return self
        vector = vector_sql()
        vectors = [known.get(text_digest(row_texts(row))) for row in self.rows]
        missing = [n for n, row_vector in enumerate(vectors) if row_vector is None]
        if len(missing) < SHARED_FROM:
            self.statement = copied(self.rows, vectors, vector)
            return self
        # Computing vectors is most of an import's indexing time, so when many are left a
        # second database session computes half of them while this one writes the rest.
        theirs = missing[len(missing) // 2 :]
        mine = sorted(set(range(len(self.rows))) - set(theirs))
        with ThreadPoolExecutor(max_workers=1) as helper:
            texts = [row_texts(self.rows[n]) for n in theirs]
            job = helper.submit(vectors_in_own_session, texts, vector)
            run(copied([self.rows[n] for n in mine], [vectors[n] for n in mine], vector))
            computed = job.result()
        self.statement = copied([self.rows[n] for n in theirs], computed, vector)
        return self

    def write(self):
        if self.statement:
            run(self.statement)

    def link_tags(self):
        if not self.entries:
            return
        ids = dict(
            SearchDocument.objects.filter(
                kind=self.kind, object_id__in=[item.pk for item, _, _ in self.entries]
            ).values_list("object_id", "pk")
        )
        through = SearchDocument.tags.through
        through.objects.filter(searchdocument_id__in=ids.values()).delete()
        insert_rows(  # plain rows: no model instance per link
            through._meta.db_table,
            ("searchdocument_id", "tag_id"),
            [(ids[item.pk], tag.pk) for item, tags, _ in self.entries for tag in tags],
        )


def run(statement):
    """Execute a prepared (cursor, [(SQL, [params, …]), …]): in any thread, since the cursor
    was opened in the connection's own."""
    cursor, sql_and_params = statement
    with cursor:
        for sql, many in sql_and_params:
            cursor.executemany(sql, many)


def upsert_statement(rows):
    """SQLite: the upsert of rows of COLUMNS, many per statement. Each statement flushes the
    FTS5 index its trigger fills, so a statement per row made indexing an import grow with
    the square of its size."""
    table = SearchDocument._meta.db_table
    row = f"({', '.join(['%s'] * len(COLUMNS))})"
    size = max(connection.ops.bulk_batch_size(COLUMNS, rows), 1)
    chunks = [rows[start : start + size] for start in range(0, len(rows), size)]
    # executemany() of equal chunks: with DEBUG on, Django logs it as one line.
    return connection.cursor(), [
        (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES {', '.join([row] * length)} "
            f"ON CONFLICT (kind, object_id) DO UPDATE SET {UPDATES}",
            [[value for values in chunk for value in values] for chunk in same_size],
        )
        for length, same_size in groupby(chunks, key=len)
    ]


def copied(rows, vectors, vector):
    """PostgreSQL: COPY rows of COLUMNS, each with its vector as text or None, into a scratch
    table; returns the statement that upserts them from there, computing each missing
    vector from the values it writes. (A statement of thousands of values is parsed and
    quoted value by value in psycopg; COPY streams them.)"""
    table = SearchDocument._meta.db_table
    sql, params = vector
    cursor = connection.cursor()
    # Emptied at each commit, so it holds only this statement's rows.
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS search_rows ON COMMIT DELETE ROWS AS "
        f"SELECT {', '.join(COLUMNS)}, vector FROM {table} WITH NO DATA"
    )
    cursor.execute("TRUNCATE search_rows")  # the rows of the batch before
    copy_sql = f"COPY search_rows ({', '.join(COLUMNS)}, vector) FROM STDIN"
    with cursor.cursor.copy(copy_sql) as copy:
        for row, row_vector in zip(rows, vectors, strict=True):
            copy.write_row((*row, row_vector))
    # The rows are named as the table, so the vector's column references read them.
    upsert = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}, vector) "
        f"SELECT {', '.join(COLUMNS)}, COALESCE({table}.vector, {sql}) "
        f"FROM search_rows AS {table} "
        f"ON CONFLICT (kind, object_id) DO UPDATE SET {UPDATES}, vector = excluded.vector"
    )
    return cursor, [(upsert, [params])]


def vectors_in_own_session(texts, vector):
    """The weighted vectors of TEXT_COLUMNS tuples, as text, computed by this thread's
    own database session, which is closed after."""
    table = SearchDocument._meta.db_table
    sql, params = vector
    columns = [list(column) for column in zip(*texts, strict=True)]
    session = connections[DEFAULT_DB_ALIAS]
    try:
        session.ensure_connection()
        # Parameters bound by the server, the texts as binary arrays: Django's cursors quote
        # every value into the statement, which took this thread (and the writing one it
        # shares the interpreter with) 8 times the processor time.
        with psycopg.Cursor(session.connection) as cursor:
            # Named as the table, as in copied(), for the vector's column references.
            cursor.execute(
                f"SELECT ({sql})::text FROM unnest({', '.join(['%b::text[]'] * len(columns))}) "
                f"WITH ORDINALITY AS {table}({', '.join(TEXT_COLUMNS)}, position) "
                "ORDER BY position",
                [*params, *columns],
            )
            return [text for (text,) in cursor.fetchall()]
    finally:
        connections.close_all()


def compute_ahead(model, entries):
    """Inside a long write (an import, batch by batch), before it commits: start computing
    the weighted vectors of these (item of `model`, tags) entries' documents as they stand
    now, in a second database session, while this one goes on writing. The documents written
    after the commit then take them instead of computing them. They are found by their text,
    so an item changed again before the commit gets its vector computed then. PostgreSQL
    only: SQLite's full-text index is written by a trigger."""
    if connection.vendor != "postgresql" or not entries:
        return
    work = work_ahead()
    if work is None:
        return
    ahead = work.get(AHEAD)
    if ahead is None:
        ahead = work[AHEAD] = VectorsAhead()
    kind = document_for(model).kind
    ahead.add([document_texts(kind, item, tags) for item, tags in entries], vector_sql())


class VectorsAhead:
    """Vectors being computed by a second session, for index_changes() after the commit."""

    def __init__(self):
        self.helper = ThreadPoolExecutor(max_workers=1)
        self.jobs = []  # (digests, future of their vectors)
        self.room = AHEAD_MAX_CHARS

    def add(self, texts, vector):
        taken = []
        for each in texts:
            size = sum(map(len, each))
            if size > self.room:
                break
            self.room -= size
            taken.append(each)
        if taken:
            job = self.helper.submit(vectors_in_own_session, taken, vector)
            self.jobs.append(([text_digest(each) for each in taken], job))

    def vectors(self):
        """{text digest: vector} of every job, once all are done."""
        known = {}
        for digests, job in self.jobs:
            try:
                known.update(zip(digests, job.result(), strict=True))
            except DatabaseError:
                continue  # computed with their documents instead
        self.helper.shutdown()
        return known


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
