"""Give every tag a slug its URL can route: empty slugs ("!!!", an emoji) and slugs with
characters no tag URL accepts get the slug a new tag of that name would get."""

from django.db import migrations

from competencyworks.converters import is_routable, unique_tag_slug


def repair_tag_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.order_by("pk"):
        if is_routable(tag.slug):
            continue
        candidate = unique_tag_slug(tag.name, taken)
        taken.discard(tag.slug)
        taken.add(candidate)
        tag.slug = candidate
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("competencyworks", "0004_search_vector_storage"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(repair_tag_slugs, migrations.RunPython.noop)]
