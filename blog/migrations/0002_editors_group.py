from django.db import migrations

from competencyworks.permissions import grant_editors

ALL = ["add", "change", "delete", "view"]
GRANTS = {
    "blog.post": ALL,
    "blog.byline": ALL,
    "blog.series": ALL,
    "blog.author": ALL,
    "blog.section": ["view"],
    "taggit.tag": ALL,
    "taggit.taggeditem": ALL,
    "competencyworks.movedpage": ["view"],
}


def grant(apps, schema_editor):
    grant_editors(apps, schema_editor, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("competencyworks", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
