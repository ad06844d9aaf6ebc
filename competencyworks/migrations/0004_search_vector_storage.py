"""Keep each row's search vector inside the row on PostgreSQL (STORAGE MAIN), so matching and
ranking read no out-of-line (TOAST) chunks; the long body goes out of line instead."""

from django.db import migrations


def store_inline(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE competencyworks_searchdocument ALTER COLUMN vector SET STORAGE MAIN"
        )


def store_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE competencyworks_searchdocument ALTER COLUMN vector SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):
    dependencies = [("competencyworks", "0003_search_indexes")]
    operations = [migrations.RunPython(store_inline, store_default)]
