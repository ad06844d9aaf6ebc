"""Imports bring their images along: featured and body images are downloaded from the old
site (a local HTTP server here), stored as the site's own and shown from this site."""

import io
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from PIL import Image

from blog.importers import media
from blog.models import ImportedMedia, Post
from competencyworks.images import renditions

pytestmark = pytest.mark.django_db

IMG_SRC = re.compile(r'<img\s[^>]*?src="([^"]*)"')
LIMIT = 60_000  # IMAGE_MAX_BYTES in these tests


def picture(fmt, size=(400, 300), color=(30, 90, 140)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


class OldSite(BaseHTTPRequestHandler):
    """The old WordPress site: a few images, and the ways fetching one goes wrong."""

    files = {
        "/wp-content/photo.jpg": ("image/jpeg", picture("JPEG")),
        "/wp-content/chart.png": ("image/png", picture("PNG", (300, 200), (200, 0, 0))),
        "/wp-content/flaky.png": ("image/png", picture("PNG", (320, 240), (0, 120, 0))),
        "/wp-content/fake.jpg": ("image/jpeg", b"<html>Not Found, but with a 200</html>"),
    }

    def do_HEAD(self):
        self.server.hits[("HEAD", self.path)] += 1
        self.send_response(200)
        self.end_headers()

    def do_GET(self):
        self.server.hits[self.path] += 1
        if self.path == "/wp-content/flaky.png" and self.server.hits[self.path] == 1:
            self.send_error(500)
        elif self.path == "/wp-content/slow.jpg":
            time.sleep(1.5)  # longer than the importer's timeout in these tests
            self.answer("image/jpeg", picture("JPEG"))
        elif self.path == "/wp-content/huge.png":
            # No Content-Length: the cap has to hold while the body streams in.
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(LIMIT // 1000 * 2):
                self.wfile.write(b"\0" * 1000)
        elif self.path in self.files:
            self.answer(*self.files[self.path])
        else:
            self.send_error(404)

    def answer(self, content_type, data):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def old_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OldSite)
    server.daemon_threads = True
    server.hits = Counter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def media_settings(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMAGE_MAX_BYTES = LIMIT
    settings.LINK_CHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the old site runs on loopback
    settings.IMPORT_MEDIA = None  # as in production: download when the old site answers
    monkeypatch.setattr(media, "TIMEOUT", 0.5)
    monkeypatch.setattr(media, "BACKOFF", 0.01)
    return settings


def item(site, post_id, title, body, thumbnail=""):
    meta = (
        f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        f"<wp:meta_value>{thumbnail}</wp:meta_value></wp:postmeta>"
        if thumbnail
        else ""
    )
    return f"""
    <item>
      <title>{title}</title>
      <link>{site}/2019/05/03/post-{post_id}/</link>
      <dc:creator>editor</dc:creator>
      <content:encoded><![CDATA[{body}]]></content:encoded>
      <wp:post_id>{post_id}</wp:post_id>
      <wp:post_date_gmt>2019-05-03 13:30:00</wp:post_date_gmt>
      <wp:post_name>post-{post_id}</wp:post_name>
      <wp:status>publish</wp:status>
      <wp:post_type>post</wp:post_type>
      <category domain="category" nicename="k-12"><![CDATA[K-12]]></category>
      {meta}
    </item>"""


def export(tmp_path, site, items, name="export.xml"):
    attachment = f"""
    <item>
      <title>photo</title>
      <wp:post_id>10</wp:post_id>
      <wp:post_type>attachment</wp:post_type>
      <wp:attachment_url>{site}/wp-content/photo.jpg</wp:attachment_url>
      <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>
        <wp:meta_value>Students presenting</wp:meta_value></wp:postmeta>
    </item>"""
    path = tmp_path / name
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>CompetencyWorks</title>
  <link>{site}</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>{site}/</wp:base_site_url>
  {attachment}{"".join(items)}
</channel>
</rss>""",
        encoding="utf-8",
    )
    return path


def good_export(tmp_path, site):
    """A post with a featured image and two body images (one relative, one failing once)."""
    body = (
        '<p>Intro</p><p><img src="/wp-content/chart.png" alt="A chart of results"></p>'
        f'<p><img src="{site}/wp-content/flaky.png" alt="Flaky &amp; fine"></p>'
    )
    return export(tmp_path, site, [item(site, 1, "Portfolios", body, thumbnail="10")])


def bad_export(tmp_path, site):
    """A post whose images all fail: missing, too big, not an image, too slow."""
    body = "".join(
        f'<p><img src="{site}/wp-content/{name}" alt="{name}"></p>'
        for name in ("missing.jpg", "huge.png", "fake.jpg", "slow.jpg")
    )
    return export(tmp_path, site, [item(site, 2, "Broken", body)], name="bad.xml")


def run(path, *args, report=None, **options):
    out = io.StringIO()
    if report:
        options["report"] = report
    call_command("import_archive", str(path), *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def body_srcs(html):
    return IMG_SRC.findall(html)


def test_featured_and_body_images_are_stored_here_and_shown_from_this_site(
    client, old_site, tmp_path, media_settings
):
    report = tmp_path / "report.json"
    run(good_export(tmp_path, old_site.url), report=report)

    post = Post.objects.get()
    assert post.image.name.startswith("blog/imported/")
    assert (post.image_width, post.image_height) == (400, 300)
    assert post.image_alt == "Students presenting"
    for rendition in renditions(post.image):
        assert rendition.storage.exists(rendition.name)
    srcs = body_srcs(post.body)
    assert len(srcs) == 2
    assert all(src.startswith("/media/blog/imported/") for src in srcs)
    assert 'alt="A chart of results"' in post.body
    assert 'alt="Flaky &amp; fine"' in post.body
    with Image.open(media_settings.MEDIA_ROOT / srcs[0].removeprefix("/media/")) as chart:
        assert (chart.format, chart.size) == ("PNG", (300, 200))

    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert "img-src 'self'" in response["Content-Security-Policy"]
    # The site's own logo aside: the featured image (a rendition) and both body images.
    page_srcs = [src for src in body_srcs(response.content.decode()) if "/static/" not in src]
    assert len(page_srcs) == 3
    assert all(src.startswith("/media/") for src in page_srcs)

    document = json.loads(report.read_text())
    images = document["posts"][0]["images"]
    assert sorted(images["stored"]) == sorted(
        f"{old_site.url}/wp-content/{name}" for name in ("chart.png", "flaky.png", "photo.jpg")
    )
    assert images["elsewhere"] == []
    assert document["images_elsewhere"] == []
    summary = document["summary"]
    assert (summary["media"], summary["images_stored"], summary["images_elsewhere"]) == (
        "on",
        3,
        0,
    )
    assert old_site.hits["/wp-content/flaky.png"] == 2  # a 500, then retried


def test_images_that_cannot_be_had_keep_their_address_and_are_reported(old_site, tmp_path):
    report = tmp_path / "report.json"
    output = run(bad_export(tmp_path, old_site.url), report=report)

    post = Post.objects.get()  # the import succeeded
    base = f"{old_site.url}/wp-content"
    assert body_srcs(post.body) == [
        f"{base}/{name}" for name in ("missing.jpg", "huge.png", "fake.jpg", "slow.jpg")
    ]
    document = json.loads(report.read_text())
    reasons = {i["url"]: i["reason"] for i in document["posts"][0]["images"]["elsewhere"]}
    assert reasons == {
        f"{base}/missing.jpg": "HTTP 404 Not Found",
        f"{base}/huge.png": "the image is larger than the 58.6\xa0KB limit",
        f"{base}/fake.jpg": "The file is not an image we can read (JPEG, PNG, GIF or WebP).",
        f"{base}/slow.jpg": "timed out after 0.5s",
    }
    assert document["images_elsewhere"] == [
        {
            "title": "Broken",
            "url": post.get_absolute_url(),
            "images": document["posts"][0]["images"]["elsewhere"],
        }
    ]
    assert document["summary"]["images_failed"] == 4
    assert document["summary"]["posts_with_images_elsewhere"] == 1
    assert "1 post(s) still show images from other sites" in output
    assert not ImportedMedia.objects.exists()
    assert old_site.hits["/wp-content/missing.jpg"] == 1  # a 404 is not retried


def test_a_rerun_downloads_nothing_and_changes_nothing(old_site, tmp_path, media_settings):
    path = good_export(tmp_path, old_site.url)
    run(path)
    files = stored_files(media_settings)
    hits = Counter(old_site.hits)
    body = Post.objects.get().body

    output = run(path)

    assert "unchanged: 1" in output
    assert {k: v for k, v in old_site.hits.items() if k[0] != "HEAD"} == {
        k: v for k, v in hits.items() if k[0] != "HEAD"
    }
    assert stored_files(media_settings) == files
    assert Post.objects.get().body == body


def test_one_image_in_many_posts_is_downloaded_and_stored_once(old_site, tmp_path):
    site = old_site.url
    items = [
        item(site, n, f"Post {n}", '<img src="/wp-content/chart.png" alt="Chart">', "10")
        for n in (1, 2, 3)
    ]
    run(export(tmp_path, site, items))

    assert old_site.hits["/wp-content/chart.png"] == 1
    assert old_site.hits["/wp-content/photo.jpg"] == 1
    assert ImportedMedia.objects.count() == 2
    assert len({post.image.name for post in Post.objects.all()}) == 1


def test_failed_images_are_fetched_on_the_next_run(old_site, tmp_path):
    site = old_site.url
    path = export(tmp_path, site, [item(site, 1, "Later", '<img src="/wp-content/late.png">')])
    run(path)
    assert body_srcs(Post.objects.get().body) == ["/wp-content/late.png"]  # as it was

    OldSite.files["/wp-content/late.png"] = ("image/png", picture("PNG"))
    try:
        output = run(path)
    finally:
        del OldSite.files["/wp-content/late.png"]

    assert "updated: 1" in output
    assert body_srcs(Post.objects.get().body)[0].startswith("/media/blog/imported/")


def test_a_dry_run_leaves_no_files(old_site, tmp_path, media_settings):
    output = run(good_export(tmp_path, old_site.url), dry_run=True)

    assert "Dry run" in output
    assert old_site.hits["/wp-content/photo.jpg"] == 1  # it did download, to report truly
    assert stored_files(media_settings) == []
    assert not Post.objects.exists()
    assert not ImportedMedia.objects.exists()


def test_a_failing_run_leaves_no_files(old_site, tmp_path, media_settings):
    good = good_export(tmp_path, old_site.url)
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel><item>", encoding="utf-8")

    with pytest.raises(Exception, match="nothing was imported"):
        run(good, broken)

    assert old_site.hits["/wp-content/photo.jpg"] == 1
    assert stored_files(media_settings) == []
    assert not ImportedMedia.objects.exists()


def test_no_media_keeps_old_addresses_and_reports_the_posts(old_site, tmp_path):
    report = tmp_path / "report.json"
    output = run(good_export(tmp_path, old_site.url), "--no-media", report=report)

    assert not old_site.hits  # not even asked whether it is there
    post = Post.objects.get()
    assert not post.image
    assert post.image_source_url == f"{old_site.url}/wp-content/photo.jpg"
    document = json.loads(report.read_text())
    assert document["summary"]["media"] == "off"
    [listed] = document["images_elsewhere"]
    assert listed["title"] == "Portfolios"
    assert {image["url"] for image in listed["images"]} == {
        f"{old_site.url}/wp-content/{name}" for name in ("chart.png", "flaky.png", "photo.jpg")
    }
    assert {image["reason"] for image in listed["images"]} == {media.OFF}
    assert "1 post(s) still show images from other sites" in output


def test_media_is_off_when_the_old_site_does_not_answer(tmp_path, old_site):
    old_site.shutdown()
    old_site.server_close()  # nothing listens on its port any more
    report = tmp_path / "report.json"

    output = run(good_export(tmp_path, old_site.url), report=report)

    assert Post.objects.exists()
    summary = json.loads(report.read_text())["summary"]
    assert summary["media"] == f"off: {old_site.url} did not answer (connection refused)"
    assert summary["posts_with_images_elsewhere"] == 1
    assert "did not answer" in output


def test_private_addresses_are_refused_unless_allowed(old_site, tmp_path, settings):
    settings.LINK_CHECK_ALLOWED_NETWORKS = []
    report = tmp_path / "report.json"

    run(good_export(tmp_path, old_site.url), "--media", report=report)

    assert not old_site.hits
    elsewhere = json.loads(report.read_text())["posts"][0]["images"]["elsewhere"]
    assert {image["reason"] for image in elsewhere} == {"refused: not a public address"}
