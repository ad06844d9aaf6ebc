from django.db import migrations

SECTIONS = [
    ("K-12", "k-12", "Schools and districts moving to competency-based learning."),
    ("Higher Education", "higher-education", "Colleges and universities building competency-based programs."),
]


def create_sections(apps, schema_editor):
    Section = apps.get_model("blog", "Section")
    for position, (name, slug, description) in enumerate(SECTIONS):
        Section.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_editors_group")]

    operations = [migrations.RunPython(create_sections, migrations.RunPython.noop)]
