from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def mark_imported(apps, schema_editor):
    """Imports so far never moved updated_at after creating a post, so a post saved more than
    a second after its creation was changed here: it keeps its creation time as the import
    time and counts as edited; the others count as exactly what the import wrote."""
    Post = apps.get_model("blog", "Post")
    imported = Post.objects.filter(import_key__isnull=False)
    settled = F("created_at") + timedelta(seconds=1)
    imported.filter(updated_at__lte=settled).update(imported_at=F("updated_at"))
    imported.filter(updated_at__gt=settled).update(imported_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0007_clean_image_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="imported_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When an import last wrote this post; a save moves updated_at past it.",
                null=True,
            ),
        ),
        migrations.RunPython(mark_imported, migrations.RunPython.noop, elidable=True),
    ]
