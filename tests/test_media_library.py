"""The media library: uploads through the admin and the body editor, the picker, featured
images chosen from it, imports landing in it, and focal-point crops."""

import importlib
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client
from PIL import Image as Pillow

from blog.models import ImportedMedia, Post
from competencyworks.images import renditions
from medialibrary.models import Image
from tests.conftest import image_bytes
from tests.factories import PostFactory, SectionFactory, UserFactory
from tests.test_blog_admin import POST_ADD_URL, post_change_url, post_form_data, upload
from tests.test_import_media import good_export, old_site, run  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LIBRARY_URL = "/admin/medialibrary/image/"
ADD_URL = f"{LIBRARY_URL}add/"
UPLOAD_URL = f"{LIBRARY_URL}upload/"
RESULTS_URL = f"{LIBRARY_URL}choose/results/"
CHOOSE_URL = f"{LIBRARY_URL}choose/"
RED, BLUE = (220, 0, 0), (0, 0, 220)
ALT_REQUIRED = "Describe what the image shows, or tick “decorative”"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png(size=(800, 600), color=(30, 90, 140), name="students-at-work.png"):
    return upload(image_bytes(size=size, color=color), name=name)


def halves(size=(1600, 600)):
    """Red on the left half, blue on the right: which one a crop keeps shows where it was."""
    picture = Pillow.new("RGB", size, RED)
    picture.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return upload(buffer.getvalue(), name="halves.png")


def library_image(**fields):
    image = Image(**{"alt_text": "Students at work", **fields})
    image.file.save("students.png", png().file, save=False)
    image.save()
    return image


def colour_of(rendition):
    with Pillow.open(rendition.storage.open(rendition.name)) as picture:
        red, _, blue = picture.convert("RGB").resize((1, 1)).getpixel((0, 0))
    return "red" if red > blue else "blue"


def upload_form(**overrides):
    fields = {"title": "", "alt_text": "", "caption": "", "credit": "", "focal_x": "50"}
    return {**fields, "focal_y": "50", **overrides}


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- the admin


def test_an_editor_uploads_an_image_to_the_library(editor_client, editor, media_root):
    data = upload_form(file=png(), alt_text="Students at work", caption="Room 12", credit="J. Doe")
    data.update(focal_x="50", focal_y="50")

    response = editor_client.post(ADD_URL, data)

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.title, image.alt, image.caption, image.credit) == (
        "Students at work",  # from the file name, as nobody gave one
        "Students at work",
        "Room 12",
        "J. Doe",
    )
    assert image.file.name.startswith("library/") and (image.width, image.height) == (800, 600)
    assert image.uploaded_by == editor and image.uploaded_at is not None
    for rendition in renditions(image.file):  # made when the image was saved
        assert rendition.storage.exists(rendition.name)


def test_a_new_image_needs_alt_text_unless_it_is_decorative(editor_client):
    data = upload_form(file=png(), focal_x="50", focal_y="50")

    refused = editor_client.post(ADD_URL, data)

    assert refused.status_code == 200
    assert ALT_REQUIRED in refused.content.decode()
    assert "alt_text" in refused.context["adminform"].form.errors
    assert not Image.objects.exists()

    data = upload_form(file=png(), decorative="on", focal_x="50", focal_y="50")
    assert editor_client.post(ADD_URL, data).status_code == 302
    image = Image.objects.get()
    assert image.decorative and image.alt == ""


def test_the_library_is_a_grid_of_thumbnails_searched_by_title_or_alt_text(
    editor_client, django_assert_max_num_queries
):
    library_image(title="Portfolio wall", alt_text="A wall of student portfolios")
    library_image(title="Graduation", alt_text="Students in caps and gowns")

    with django_assert_max_num_queries(12):
        listing = editor_client.get(LIBRARY_URL).content.decode()
    assert listing.count('class="image-card"') == 2
    assert 'loading="lazy"' in listing and "/media/CACHE/images/library/" in listing

    found = editor_client.get(LIBRARY_URL, {"q": "gowns"}).content.decode()
    assert "Graduation" in found and "Portfolio wall" not in found
    found = editor_client.get(LIBRARY_URL, {"q": "portfolio"}).content.decode()
    assert "Portfolio wall" in found and "Graduation" not in found

    for _ in range(10):
        library_image(title="More")
    with django_assert_max_num_queries(12):
        assert editor_client.get(LIBRARY_URL).status_code == 200


def test_an_image_whose_file_went_missing_does_not_break_the_library(editor_client):
    library_image(title="Kept")
    gone = library_image(title="Gone")
    gone.file.storage.delete(gone.file.name)
    Image.objects.filter(pk=gone.pk).update(focal_x=20)  # its thumbnail must be made anew

    listing = editor_client.get(LIBRARY_URL)
    results = editor_client.get(RESULTS_URL)

    assert listing.status_code == 200 and "Kept" in listing.content.decode()
    assert results.status_code == 200 and results.json()["count"] == 2


def test_an_image_featured_on_a_post_cannot_be_deleted(editor_client):
    image = library_image()
    PostFactory(featured_image=image, title="Portfolio Night")

    page = editor_client.get(f"{LIBRARY_URL}{image.pk}/delete/").content.decode()
    editor_client.post(f"{LIBRARY_URL}{image.pk}/delete/", {"post": "yes"})

    assert "Portfolio Night" in page
    assert Image.objects.filter(pk=image.pk).exists()


def test_the_lookup_window_hands_the_chosen_image_to_the_post_form(editor_client):
    image = library_image(title="Portfolio wall")

    popup = editor_client.get(LIBRARY_URL, {"_to_field": "id", "_popup": "1"}).content.decode()

    assert f'data-popup-opener="{image.pk}"' in popup


# ---------------------------------------------------------------- the body editor's upload


def test_the_body_editor_uploads_through_the_json_endpoint(editor_client):
    data = upload_form(file=png(), alt_text="Students at work", caption="Room 12")

    response = editor_client.post(UPLOAD_URL, data)

    assert response.status_code == 201
    answer = response.json()["image"]
    image = Image.objects.get()
    assert answer["id"] == image.pk
    assert (answer["alt"], answer["caption"]) == ("Students at work", "Room 12")
    assert answer["url"] == image.large.url and answer["url"].startswith("/media/CACHE/")
    assert image.large.storage.exists(image.large.name)


def test_uploading_needs_the_permission_to_add_images(media_root):
    viewer = staff_with("view_image")
    anonymous = Client()

    refused = viewer.post(UPLOAD_URL, upload_form(file=png(), alt_text="A"))
    to_login = anonymous.post(UPLOAD_URL, upload_form(file=png(), alt_text="A"))

    assert refused.status_code == 403
    assert refused.json() == {"error": "You may not add images to the media library."}
    assert to_login.status_code == 302 and "/admin/login/" in to_login["Location"]
    assert not Image.objects.exists()
    assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))


def test_uploading_needs_the_csrf_token(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    page = browser.get(CHOOSE_URL, {"CKEditorFuncNum": "1"})
    token = page.context["csrf_token"]

    forged = browser.post(UPLOAD_URL, upload_form(file=png(), alt_text="A"))
    sent = browser.post(
        UPLOAD_URL, upload_form(file=png(), alt_text="A"), headers={"X-CSRFToken": str(token)}
    )

    assert forged.status_code == 403
    assert sent.status_code == 201
    assert Image.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>not an image</html>", "Upload a valid image."),
        (image_bytes(size=(50, 50), fmt="BMP"), "upload a JPEG, PNG, GIF or WebP"),
    ],
)
def test_a_file_that_is_not_a_usable_image_is_refused_clearly(editor_client, content, message):
    response = editor_client.post(
        UPLOAD_URL, upload_form(file=upload(content, name="photo.png"), alt_text="A")
    )

    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["file"])
    assert not Image.objects.exists()


def test_an_image_with_too_many_pixels_is_refused(editor_client, settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000

    response = editor_client.post(
        UPLOAD_URL, upload_form(file=png(size=(1200, 1000)), alt_text="A")
    )

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "The image is 1200 x 1000 pixels; the limit is 1 megapixels."
    ]


def test_the_endpoint_applies_the_alt_text_rule_and_wants_post(editor_client):
    refused = editor_client.post(UPLOAD_URL, upload_form(file=png()))
    wrong_method = editor_client.get(UPLOAD_URL)

    assert refused.status_code == 400
    assert ALT_REQUIRED in refused.json()["errors"]["alt_text"][0]
    assert wrong_method.status_code == 405
    assert not Image.objects.exists()


# ---------------------------------------------------------------- the picker


def test_the_picker_lists_thumbnails_newest_first_a_page_at_a_time(
    editor_client, django_assert_max_num_queries
):
    images = [library_image(title=f"Picture {n}") for n in range(26)]

    with django_assert_max_num_queries(6):
        first = editor_client.get(RESULTS_URL).json()
    second = editor_client.get(RESULTS_URL, {"page": "2"}).json()
    beyond = editor_client.get(RESULTS_URL, {"page": "99"}).json()
    nonsense = editor_client.get(RESULTS_URL, {"page": "x'--"}).json()

    assert (first["count"], first["pages"], len(first["results"])) == (26, 2, 24)
    assert first["results"][0]["id"] == images[-1].pk
    assert first["results"][0]["thumbnail"].startswith("/media/CACHE/images/library/")
    assert [item["id"] for item in second["results"]] == [images[1].pk, images[0].pk]
    assert beyond["page"] == 2 and nonsense["page"] == 1


def test_the_picker_searches_and_finds_one_image_by_id(editor_client):
    wall = library_image(title="Portfolio wall", caption="Room 12")
    library_image(title="Graduation", alt_text="Caps and gowns")

    by_caption = editor_client.get(RESULTS_URL, {"q": "room 12"}).json()
    by_alt = editor_client.get(RESULTS_URL, {"q": "GOWNS"}).json()
    by_id = editor_client.get(RESULTS_URL, {"id": str(wall.pk)}).json()

    assert [item["title"] for item in by_caption["results"]] == ["Portfolio wall"]
    assert [item["title"] for item in by_alt["results"]] == ["Graduation"]
    assert by_id["results"][0]["url"] == wall.large.url
    too_big = editor_client.get(RESULTS_URL, {"id": "9" * 30, "q": "x" * 5000})
    assert too_big.status_code == 200 and too_big.json()["results"] == []


def test_the_picker_needs_the_permission_to_see_the_library():
    nobody = staff_with()

    assert nobody.get(RESULTS_URL).status_code == 403
    assert nobody.get(CHOOSE_URL).status_code == 403
    assert staff_with("view_image").get(RESULTS_URL).status_code == 200


def test_the_picker_window_keeps_only_the_editors_callback_number(editor_client):
    page = editor_client.get(CHOOSE_URL, {"CKEditorFuncNum": "-3"}).content.decode()
    injected = editor_client.get(CHOOSE_URL, {"CKEditorFuncNum": '1" onload="x'})

    assert 'data-callback="-3"' in page
    assert 'id="id_alt_text"' in page  # the upload form
    assert 'data-callback=""' in injected.content.decode()


def test_the_body_editor_offers_the_picker_and_keeps_the_figures_it_inserts(editor_client):
    form = editor_client.get(POST_ADD_URL).content.decode()
    assert "/admin/medialibrary/image/choose/" in form  # the figure dialog's "Browse..."

    image = library_image(caption="Room 12")
    figure = (
        f'<figure class="figure"><img src="{image.large.url}" alt="Students at work" '
        f'data-file="{image.pk}"><figcaption class="figure-caption">Room 12</figcaption></figure>'
    )
    data = post_form_data(SectionFactory(), body=f"<p>Before</p>{figure}")
    assert editor_client.post(POST_ADD_URL, data).status_code == 302

    body = Post.objects.get().body
    assert (
        f'<figure><img src="{image.large.url}" alt="Students at work">'
        "<figcaption>Room 12</figcaption></figure>"
    ) in body


# ---------------------------------------------------------------- featured images


def test_a_featured_image_chosen_from_the_library_fills_the_post(editor_client):
    image = library_image(caption="Room 12", credit="J. Doe")
    data = post_form_data(SectionFactory(), featured_image=str(image.pk))

    assert editor_client.post(POST_ADD_URL, data).status_code == 302

    post = Post.objects.get()
    assert post.featured_image == image
    assert post.image.name == image.file.name  # the same stored file, not a copy
    assert (post.image_width, post.image_height) == (image.width, image.height) == (800, 600)
    assert (post.image_alt, post.image_caption, post.image_credit) == (
        "Students at work",
        "Room 12",
        "J. Doe",
    )
    assert post.image_card.storage.exists(post.image_card.name)
    page = editor_client.get(post_change_url(post)).content.decode()
    assert f'src="{post.image_card.url}"' in page and 'id="featured-image-preview"' in page


def test_a_featured_image_uploaded_on_the_post_form_joins_the_library(editor_client, editor):
    data = post_form_data(SectionFactory(), image=png(), image_alt="Students at work")

    assert editor_client.post(POST_ADD_URL, data).status_code == 302

    post = Post.objects.get()
    image = Image.objects.get()
    assert post.featured_image == image and post.image.name == image.file.name
    assert (image.alt_text, image.uploaded_by) == ("Students at work", editor)
    assert (image.width, image.height) == (post.image_width, post.image_height) == (800, 600)


def test_the_featured_image_input_previews_the_chosen_file(editor_client):
    form = editor_client.get(POST_ADD_URL).content.decode()

    assert 'data-preview="featured-image-preview"' in form
    assert "js/image-preview" in form
    assert 'data-image-lookup="/admin/medialibrary/image/choose/results/"' in form


def test_existing_featured_and_downloaded_images_move_into_the_library(media_root):
    migration = importlib.import_module("blog.migrations.0013_featured_images_in_library")
    post = PostFactory(image_alt="A wall of portfolios")
    post.image.save("wall.png", png().file)
    lost = PostFactory()
    Post.objects.filter(pk=lost.pk).update(image="blog/gone.png")  # its file is missing
    downloaded = library_image()
    Image.objects.filter(pk=downloaded.pk).delete()  # stored by an import before the library
    ImportedMedia.objects.create(source_url="https://old.example/a.png", file=downloaded.file.name)

    migration.into_library(apps, None)

    post.refresh_from_db()
    assert post.featured_image.file.name == post.image.name
    assert post.featured_image.alt_text == "A wall of portfolios"
    lost_link = Post.objects.filter(pk=lost.pk).values_list("featured_image", flat=True)
    assert list(lost_link) == [None]
    imported = Image.objects.get(source_url="https://old.example/a.png")
    assert imported.file.name == downloaded.file.name and imported.width == 800
    assert Image.objects.count() == 2


# ---------------------------------------------------------------- renditions and imports


def test_crops_keep_the_focal_point_in_view(editor_client):
    data = upload_form(file=halves(), alt_text="Two colours", focal_x="10", focal_y="50")
    assert editor_client.post(ADD_URL, data).status_code == 302
    image = Image.objects.get()
    assert colour_of(image.thumbnail) == "red"
    left_crop = image.thumbnail.name

    image.focal_x = 90
    image.save()
    image = Image.objects.get()
    assert image.thumbnail.name != left_crop  # a new crop, not the old one under its name
    assert image.thumbnail.url  # made when first asked for
    assert colour_of(image.thumbnail) == "blue"
    with Pillow.open(image.thumbnail.storage.open(image.thumbnail.name)) as thumbnail:
        assert thumbnail.size == (320, 240)


def test_a_post_crops_its_featured_image_at_the_library_images_focal_point(editor_client):
    assert editor_client.post(ADD_URL, upload_form(file=halves(), alt_text="Two")).status_code
    image = Image.objects.get()
    post = PostFactory(featured_image=image)
    assert post.focal_point == (50, 50)

    editor_client.post(
        f"{LIBRARY_URL}{image.pk}/change/",
        upload_form(title="Halves", alt_text="Two", focal_x="95", focal_y="50"),
    )

    post.refresh_from_db()
    assert post.focal_point == (95, 50)
    assert post.image_card.storage.exists(post.image_card.name)
    assert colour_of(post.image_card) == "blue"
    assert colour_of(post.image_social) == "blue"


def test_each_downloaded_image_becomes_one_library_item(old_site, tmp_path, settings):  # noqa: F811
    settings.IMAGE_MAX_BYTES = 60_000
    settings.LINK_CHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.IMPORT_MEDIA = True
    export = good_export(tmp_path, old_site.url)

    run(export)
    run(export)  # a second import finds them all stored

    post = Post.objects.get()
    wanted = {
        f"{old_site.url}/wp-content/{name}" for name in ("chart.png", "flaky.png", "photo.jpg")
    }
    library = {image.source_url: image for image in Image.objects.all()}
    assert set(library) == wanted
    photo = library[f"{old_site.url}/wp-content/photo.jpg"]
    assert post.featured_image == photo and post.image.name == photo.file.name
    assert (photo.width, photo.height) == (400, 300) and photo.title == "Photo"
    chart = library[f"{old_site.url}/wp-content/chart.png"]
    assert chart.file.name in json.dumps(post.body)
    assert chart.thumbnail.url  # the grid's thumbnail is made when first shown
    assert chart.thumbnail.storage.exists(chart.thumbnail.name)


def test_a_library_image_with_a_long_file_name_can_be_a_featured_image(media_root):
    name = "a-photograph-of-students-presenting-their-portfolios-" * 3 + ".png"
    image = Image(alt_text="Students presenting")
    image.file.save(name, png().file, save=False)
    image.save()
    assert len(image.file.name) > 100  # longer than an image field holds by default

    post = PostFactory(featured_image=image)

    post.refresh_from_db()
    assert post.image.name == image.file.name
