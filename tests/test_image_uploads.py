"""Uploaded images through the admin: what is refused, how originals are stored, renditions.

Format, byte and pixel limits already covered by the featured-image tests in
test_blog_admin.py are not repeated here.
"""

import io
import struct
import zlib

import pytest
from django.db.models.signals import post_init
from imagekit.processors import ResizeToFit
from PIL import Image, ImageSequence

from blog.models import Author, Byline, Post
from tests.conftest import image_bytes
from tests.factories import SectionFactory
from tests.test_blog_admin import POST_ADD_URL, form_errors, post_form_data, upload

pytestmark = pytest.mark.django_db

AUTHOR_ADD_URL = "/admin/blog/author/add/"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED = (200, 0, 0)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def add_post(client, file):
    return client.post(POST_ADD_URL, post_form_data(SectionFactory(), image=file, image_alt="A"))


def assert_refused(response, media_root, message):
    assert response.status_code == 200
    assert "image" in form_errors(response)
    assert message in response.content.decode()
    assert not Post.objects.exists()
    assert stored_files(media_root) == []


# ---------------------------------------------------------------- test images


def sideways_photo(fmt="JPEG", size=(600, 400), **save_options):
    """A camera photo with location and a sideways orientation; the top-left corner is red."""
    image = Image.new("RGB", size, "white")
    image.paste(RED, (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # turn 90 degrees clockwise to show it upright
    exif[GPS_IFD] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif, **save_options)
    return buffer.getvalue()


def assert_upright_without_location(path):
    with Image.open(path) as stored:
        exif = stored.getexif()
        assert GPS_IFD not in exif and exif.get_ifd(GPS_IFD) == {}
        assert ORIENTATION not in exif
        assert "xmp" not in stored.info
        assert stored.size == (400, 600)
        rgb = stored.convert("RGB")
        # Turned clockwise: the red corner is now top right.
        red, green, _ = rgb.getpixel((stored.width - 10, 10))
        assert red > 150 and green < 80
        assert rgb.getpixel((10, 10)) > (200, 200, 200)


def animation(frames=10, size=(100, 75), duration=80):
    """A looping GIF of distinct noisy frames (about 100 KB for the defaults)."""
    images = [Image.effect_noise(size, 40 + 10 * n).convert("P") for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(
        buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0
    )
    return buffer.getvalue()


def other_format(fmt):
    if fmt == "PSD":  # Pillow reads Photoshop files but cannot write them.
        width, height = 40, 30
        header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
        return header + struct.pack(">IIIH", 0, 0, 0, 0) + bytes(3 * width * height)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format=fmt)
    return buffer.getvalue()


def png_with_cut_pixel_data():
    """Every chunk and checksum intact, but the compressed pixels stop halfway."""
    data = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(data, format="PNG")
    data = data.getvalue()
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 12 + length
    header = [(kind, body) for kind, body in chunks if kind not in (b"IDAT", b"IEND")]
    pixels = b"".join(body for kind, body in chunks if kind == b"IDAT")
    rebuilt = data[:8]
    for kind, body in [*header, (b"IDAT", pixels[: len(pixels) // 2]), (b"IEND", b"")]:
        crc = zlib.crc32(kind + body)
        rebuilt += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    return rebuilt


# ---------------------------------------------------------------- stored originals


@pytest.mark.parametrize(
    ("fmt", "name"), [("JPEG", "photo.jpg"), ("PNG", "photo.png"), ("WEBP", "photo.webp")]
)
def test_stored_original_loses_its_location_and_is_turned_upright(admin_client, fmt, name):
    response = add_post(admin_client, upload(sideways_photo(fmt), name=name))

    assert response.status_code == 302
    post = Post.objects.get()
    assert post.image.name.endswith(name[name.rindex(".") :])
    assert_upright_without_location(post.image.path)
    assert (post.image_width, post.image_height) == (400, 600)
    with Image.open(post.image_large.path) as large:
        assert large.size == (400, 600)


def test_xmp_location_is_dropped_too(admin_client):
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>40,26N</exif:GPSLatitude>'
    photo = sideways_photo(xmp=xmp + b"</x:xmpmeta>")

    add_post(admin_client, upload(photo, name="photo.jpg"))

    path = Post.objects.get().image.path
    assert_upright_without_location(path)
    with open(path, "rb") as stored:
        assert b"GPSLatitude" not in stored.read()


def test_author_photo_is_stored_without_location(admin_client):
    data = {"name": "Ana Ruiz", "slug": "ana-ruiz", "bio": "", "user": "", "_save": "Save"}
    data["photo"] = upload(sideways_photo(), name="ana.jpg")

    response = admin_client.post(AUTHOR_ADD_URL, data)

    assert response.status_code == 302
    assert_upright_without_location(Author.objects.get().photo.path)


def test_camera_multi_picture_jpeg_is_stored_as_a_plain_jpeg(admin_client):
    # Some phones save MPO: the photo followed by a second view, both carrying location.
    first = Image.open(io.BytesIO(sideways_photo()))
    buffer = io.BytesIO()
    first.save(
        buffer, format="MPO", save_all=True, append_images=[first.copy()], exif=first.getexif()
    )

    response = add_post(admin_client, upload(buffer.getvalue(), name="IMG_0001.MPO"))

    assert response.status_code == 302
    post = Post.objects.get()
    assert post.image.name.endswith(".jpg")
    with Image.open(post.image.path) as stored:
        assert stored.format == "JPEG"
    assert_upright_without_location(post.image.path)


def test_stored_name_follows_the_content_not_the_uploaded_name(admin_client):
    add_post(admin_client, upload(image_bytes(fmt="PNG"), name="diagram.jpg"))

    post = Post.objects.get()
    assert post.image.name.endswith("/diagram.png")
    with Image.open(post.image.path) as stored:
        assert stored.format == "PNG"


def test_animated_gif_stays_animated(admin_client):
    gif = animation()
    assert 50_000 < len(gif) < 200_000

    response = add_post(admin_client, upload(gif, name="steps.gif", content_type="image/gif"))

    assert response.status_code == 302
    post = Post.objects.get()
    with Image.open(post.image.path) as stored:
        assert stored.format == "GIF"
        assert stored.info["loop"] == 0
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(stored)]
    assert durations == [80] * 10
    with Image.open(post.image_card.path) as card:
        assert card.size == (100, 75)


# ---------------------------------------------------------------- refused uploads


def test_thin_strip_is_refused_before_any_rendition_is_made(admin_client, media_root):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 100_000), "teal").save(buffer, format="PNG")

    response = add_post(admin_client, upload(buffer.getvalue(), name="strip.png"))

    assert_refused(response, media_root, "one side may be at most 20 times the other")


def test_one_side_may_be_twenty_times_the_other(admin_client, media_root):
    refused = add_post(admin_client, upload(image_bytes(size=(100, 2001))))
    assert_refused(refused, media_root, "100 x 2001 pixels; one side may be at most 20 times")

    assert add_post(admin_client, upload(image_bytes(size=(2000, 100)))).status_code == 302


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("EPS", "logo.eps"), ("TIFF", "scan.tif"), ("PSD", "layout.psd"), ("ICO", "favicon.ico"),
     ("BMP", "shot.bmp"), ("EPS", "disguised.jpg")],
)  # fmt: skip
def test_formats_other_than_jpeg_png_gif_webp_are_refused(admin_client, media_root, fmt, name):
    response = add_post(admin_client, upload(other_format(fmt), name=name))

    assert_refused(response, media_root, f"The file is a {fmt} image; upload a JPEG, PNG, GIF")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (image_bytes(size=(800, 600), fmt="JPEG")[:2000], "cut.jpg"),
        (png_with_cut_pixel_data(), "cut.png"),
    ],
)
def test_damaged_image_is_refused(admin_client, media_root, content, name):
    response = add_post(admin_client, upload(content, name=name))

    assert_refused(response, media_root, "damaged or incomplete")


def test_animation_counts_the_pixels_of_every_frame(admin_client, media_root, settings):
    settings.IMAGE_MAX_PIXELS = 2_000_000  # one 400 x 300 frame is 120,000 pixels

    response = add_post(admin_client, upload(animation(20, (400, 300)), name="long.gif"))

    assert_refused(response, media_root, "400 x 300 pixels in 20 frames; the limit is 2 mega")


# ---------------------------------------------------------------- renditions


def test_renditions_never_enlarge_a_small_image(admin_client):
    add_post(admin_client, upload(image_bytes(size=(300, 200))))

    post = Post.objects.get()
    for rendition in (post.image_card, post.image_large, post.image_social):
        with Image.open(rendition.path) as made:
            assert made.size == (300, 200)


@pytest.mark.parametrize(
    ("size", "card", "large", "social"),
    [
        ((4000, 3000), (640, 360), (1280, 960), (1200, 630)),
        ((1000, 20000), (640, 360), (64, 1280), (1000, 630)),
    ],
)
def test_large_jpeg_renditions_have_their_sizes(admin_client, size, card, large, social):
    # A large JPEG is decoded at a reduced scale for each rendition; the sizes must not change.
    add_post(admin_client, upload(image_bytes(size=size, fmt="JPEG"), name="photo.jpg"))

    post = Post.objects.get()
    for rendition, expected in [
        (post.image_card, card),
        (post.image_large, large),
        (post.image_social, social),
    ]:
        with Image.open(rendition.path) as made:
            assert made.size == expected


def test_failed_renditions_leave_no_files(admin_client, media_root, monkeypatch):
    def out_of_memory(processor, image):
        raise MemoryError

    monkeypatch.setattr(ResizeToFit, "process", out_of_memory)

    with pytest.raises(MemoryError):
        add_post(admin_client, upload(image_bytes(size=(1600, 1000))))

    assert not Post.objects.exists()
    assert stored_files(media_root) == []


def test_only_models_with_renditions_are_watched_for_image_changes():
    """imagekit's own receivers run for every row of every model; here only for those with
    renditions (other tests here show posts' and the library's renditions still follow)."""
    assert post_init.has_listeners(Post)
    assert not post_init.has_listeners(Byline)
