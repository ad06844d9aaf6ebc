from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Replace

OLD_MISSING, NEW_MISSING = "/wiki/pages/missing/", "/library/guides/missing/"


def point_missing_links_at_library(apps, schema_editor):
    """Stored bodies link unwritten guides to the form's old address: give them the new one."""
    Page = apps.get_model("wiki", "Page")
    Page.objects.filter(body_html__contains=OLD_MISSING).update(
        body_html=Replace(F("body_html"), Value(OLD_MISSING), Value(NEW_MISSING))
    )


def point_missing_links_at_wiki(apps, schema_editor):
    Page = apps.get_model("wiki", "Page")
    Page.objects.filter(body_html__contains=NEW_MISSING).update(
        body_html=Replace(F("body_html"), Value(NEW_MISSING), Value(OLD_MISSING))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0004_alter_page_status_alter_resource_status"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="page",
            options={"ordering": ["title"], "verbose_name": "guide"},
        ),
        migrations.RunPython(point_missing_links_at_library, point_missing_links_at_wiki),
    ]
