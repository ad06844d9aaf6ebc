from django.db import migrations

from competencyworks.permissions import grant_editors


def editors_see_counts(apps, schema_editor):
    # Editors see how many readers follow what (the summary shows no addresses).
    grant_editors(apps, schema_editor, {"alerts.subscription": ["view"]})


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_subscriptions"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(editors_see_counts, migrations.RunPython.noop)]
