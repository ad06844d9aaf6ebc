from django.db import migrations

from competencyworks.permissions import grant_editors

GRANTS = {"roundups.collectedlink": ["add", "change", "delete", "view"]}


def grant(apps, schema_editor):
    grant_editors(apps, schema_editor, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("roundups", "0001_collected_links"),
        ("wiki", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
