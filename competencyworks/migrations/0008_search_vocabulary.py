"""On SQLite, the FTS5 index's vocabulary as a table: "did you mean" looks up terms there."""

import contextlib

from django.db import DatabaseError, migrations

CREATE = "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab USING fts5vocab(search_fts, row)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    # SQLite built without FTS5: search falls back to term matching, with no suggestions.
    with schema_editor.connection.cursor() as cursor, contextlib.suppress(DatabaseError):
        cursor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS search_fts_vocab")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("competencyworks", "0007_contentversion")]
    operations = [migrations.RunPython(create, drop)]
