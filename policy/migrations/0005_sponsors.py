import django.db.models.deletion
from django.db import migrations, models

from competencyworks.permissions import grant_editors


def grant(apps, schema_editor):
    grant_editors(apps, schema_editor, {"policy.sponsor": ["add", "change", "delete", "view"]})


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0004_pilot_program_label"),
    ]

    operations = [
        migrations.CreateModel(
            name="Sponsor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("primary", "Primary sponsor"),
                            ("co", "Co-sponsor"),
                            ("agency", "Agency"),
                        ],
                        default="primary",
                        max_length=10,
                    ),
                ),
                (
                    "party",
                    models.CharField(
                        blank=True, help_text='e.g. "R" or "Democrat".', max_length=60
                    ),
                ),
                (
                    "chamber",
                    models.CharField(blank=True, help_text='e.g. "Senate".', max_length=60),
                ),
                ("order", models.PositiveSmallIntegerField(default=0)),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sponsors",
                        to="policy.policyentry",
                    ),
                ),
            ],
            options={
                "ordering": ["order", "pk"],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
