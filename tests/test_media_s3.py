"""Media on S3-compatible object storage (django-storages), against a local S3 server."""

import subprocess
import sys

import boto3
import pytest
from moto.server import ThreadedMotoServer

from blog.models import Post
from tests.conftest import image_bytes
from tests.factories import PostFactory, SectionFactory
from tests.processes import free_port
from tests.test_blog_admin import POST_ADD_URL, post_form_data, upload
from tests.test_deploy_settings import ROOT, production_env

BUCKET = "cw-media"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    """An empty bucket that the site's media storage writes to, served from MEDIA_URL."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    media_url = f"{s3_endpoint}/{BUCKET}/"
    settings.MEDIA_URL = media_url
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "custom_domain": media_url.split("://")[1].rstrip("/"),
                "url_protocol": "http:",
                "querystring_auth": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def add_post_with_image(client):
    data = post_form_data(
        SectionFactory(), image=upload(image_bytes((1600, 900))), image_alt="A classroom"
    )
    data.update(status="published", publish_at_0="2024-01-02", publish_at_1="09:00")
    response = client.post(POST_ADD_URL, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return Post.objects.get()


@pytest.mark.django_db
def test_uploaded_image_and_its_renditions_are_stored_in_the_bucket(admin_client, bucket):
    post = add_post_with_image(admin_client)

    stored = keys(bucket)
    assert post.image.name in stored
    for rendition in (post.image_card, post.image_large, post.image_social):
        assert rendition.name in stored
    # The upload joined the media library: its thumbnail too (its large copy is the post's).
    assert post.featured_image.thumbnail.name in stored
    assert len(stored) == 5


@pytest.mark.django_db
def test_public_post_page_shows_the_image_from_the_media_address(
    admin_client, client, bucket, s3_endpoint
):
    post = add_post_with_image(admin_client)

    page = client.get(post.get_absolute_url()).content.decode()

    src = f"{s3_endpoint}/{BUCKET}/{post.image_large.name}"
    assert f'<img src="{src}"' in page
    assert bucket.get_object(Bucket=BUCKET, Key=post.image_large.name)["ContentLength"] > 0


@pytest.mark.django_db
def test_failed_renditions_leave_nothing_in_the_bucket(admin_client, bucket, monkeypatch):
    def out_of_memory(processor, image):
        raise MemoryError

    monkeypatch.setattr("imagekit.processors.ResizeToFill.process", out_of_memory)

    with pytest.raises(MemoryError):
        add_post_with_image(admin_client)

    assert keys(bucket) == []


@pytest.mark.django_db
def test_a_post_with_a_stored_image_is_deleted_from_the_admin(admin_client, bucket):
    post = add_post_with_image(admin_client)

    response = admin_client.post(f"/admin/blog/post/{post.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_without_media_elsewhere_images_come_from_the_site_only(client):
    PostFactory()
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))

    assert directives["img-src"] == "'self' data:"


SETTINGS = """
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
print(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"])
print(default_storage.url("blog/a.jpg"))
"""


def test_media_address_on_another_host_is_allowed_for_images_and_used_for_files(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS],
        cwd=ROOT,
        env=production_env(
            tmp_path,
            MEDIA_STORAGE="storages.backends.s3.S3Storage",
            MEDIA_URL="https://media.example.org/uploads/",
            AWS_STORAGE_BUCKET_NAME=BUCKET,
        ),
        capture_output=True,
        text=True,
        check=True,
    )

    img_src, url = done.stdout.splitlines()
    assert img_src == "[\"'self'\", 'data:', 'https://media.example.org']"
    assert url == "https://media.example.org/uploads/blog/a.jpg"
