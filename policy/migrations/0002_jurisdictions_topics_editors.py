from django.db import migrations

from competencyworks.permissions import grant_editors
from policy.jurisdictions import JURISDICTIONS, TOPICS, jurisdiction_kind

ALL = ["add", "change", "delete", "view"]
GRANTS = {
    "policy.policyentry": ALL,
    "policy.event": ALL,
    "policy.source": ALL,
    "policy.provision": ALL,
    "policy.stagechange": ALL,
    "policy.state": ["view"],
    "policy.topic": ["view"],
}


def load(apps, schema_editor):
    State = apps.get_model("policy", "State")
    Topic = apps.get_model("policy", "Topic")
    for code, name, fips in JURISDICTIONS:
        State.objects.update_or_create(
            code=code, defaults={"name": name, "fips": fips, "jurisdiction": jurisdiction_kind(code)}
        )
    for name, slug in TOPICS:
        Topic.objects.update_or_create(slug=slug, defaults={"name": name})
    grant_editors(apps, schema_editor, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0001_initial"),
        ("blog", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
