from django.db import migrations

from competencyworks.permissions import grant_editors

ALL = ["add", "change", "delete", "view"]
GRANTS = {"wiki.resource": ALL, "wiki.page": ALL, "wiki.topic": ALL}


def grant(apps, schema_editor):
    grant_editors(apps, schema_editor, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0001_initial"),
        ("blog", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
