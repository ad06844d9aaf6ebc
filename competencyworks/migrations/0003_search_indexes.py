"""Full-text indexes for SearchDocument: GIN + trigram on PostgreSQL, FTS5 on SQLite."""

from django.db import DatabaseError, migrations, transaction

TABLE = "competencyworks_searchdocument"
POSTGRES = [
    f"CREATE INDEX IF NOT EXISTS search_document_vector_gin ON {TABLE} USING gin (vector)",
]
POSTGRES_TRIGRAM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS search_document_title_trgm ON {TABLE} USING gin (title gin_trgm_ops)",
]
COLUMNS = "title, tag_names, summary, body"
SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5({COLUMNS}, content='{TABLE}', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS search_fts_insert AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO search_fts(rowid, {COLUMNS}) "
    "VALUES (new.id, new.title, new.tag_names, new.summary, new.body); END",
    f"CREATE TRIGGER IF NOT EXISTS search_fts_delete AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.tag_names, old.summary, old.body); END",
    f"CREATE TRIGGER IF NOT EXISTS search_fts_update AFTER UPDATE ON {TABLE} BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.tag_names, old.summary, old.body); "
    f"INSERT INTO search_fts(rowid, {COLUMNS}) "
    "VALUES (new.id, new.title, new.tag_names, new.summary, new.body); END",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            for sql in POSTGRES:
                cursor.execute(sql)
            try:
                # Needs the right to create extensions; without it "did you mean" stays off.
                with transaction.atomic(using=schema_editor.connection.alias):
                    for sql in POSTGRES_TRIGRAM:
                        cursor.execute(sql)
            except DatabaseError:
                pass
        elif vendor == "sqlite":
            try:
                for sql in SQLITE:
                    cursor.execute(sql)
            except DatabaseError:
                pass  # SQLite built without FTS5: search falls back to term matching


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS search_document_vector_gin")
            cursor.execute("DROP INDEX IF EXISTS search_document_title_trgm")
        elif schema_editor.connection.vendor == "sqlite":
            for name in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("competencyworks", "0002_search_documents")]
    operations = [migrations.RunPython(create, drop)]
