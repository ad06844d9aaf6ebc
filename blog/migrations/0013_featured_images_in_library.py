"""Every stored featured image and downloaded archive image becomes a media library item.

The library item points at the file already stored (nothing is copied); a post whose file
is missing from storage keeps its image as before, without a library item.
"""

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import migrations


def title_from_name(name):
    stem = PurePosixPath(name).stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split()).capitalize()[:200]


def into_library(apps, schema_editor):
    Image = apps.get_model("medialibrary", "Image")
    Post = apps.get_model("blog", "Post")
    ImportedMedia = apps.get_model("blog", "ImportedMedia")
    library = {image.file.name: image for image in Image.objects.all()}

    def add(name, **fields):
        if name not in library and default_storage.exists(name):
            library[name] = Image.objects.create(file=name, **fields)
        return library.get(name)

    known = set(Image.objects.exclude(source_url=None).values_list("source_url", flat=True))
    for media in ImportedMedia.objects.exclude(source_url__in=known).iterator():
        name = media.file.name
        add(name, source_url=media.source_url, title=title_from_name(name))

    # Plain values: a post instance would read each image's size from storage on loading.
    posts = Post.objects.filter(featured_image=None).exclude(image="")
    columns = ["pk", "image", "title", "image_alt", "image_caption", "image_credit"]
    linked = []
    for pk, name, title, alt, caption, credit in posts.values_list(*columns).iterator():
        image = add(name, title=title[:200], alt_text=alt, caption=caption, credit=credit)
        if image is not None:
            if not image.alt_text and alt:  # a downloaded image the post describes
                image.alt_text = alt
                image.save(update_fields=["alt_text"])
            linked.append(Post(pk=pk, featured_image=image))
    Post.objects.bulk_update(linked, ["featured_image"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0012_post_featured_image"),
        ("medialibrary", "0001_image_library"),
    ]

    operations = [migrations.RunPython(into_library, migrations.RunPython.noop)]
