"""Anonymous pages come from the cache until content changes; staff never see cached pages."""

import gzip
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from blog.models import Post
from competencyworks import cache as page_cache
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()


def test_second_visit_is_served_from_the_cache(client, django_assert_num_queries):
    PostFactory(title="Cached post")
    assert client.get("/blog/")["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = client.get("/blog/")
    assert response["X-Cache"] == "hit"
    assert "Cached post" in response.content.decode()


def test_gzip_and_plain_readers_each_get_their_own_cached_copy(client):
    PostFactory(title="Compressed post")
    client.get("/blog/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    zipped = client.get("/blog/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    plain = client.get("/blog/")
    assert (zipped["X-Cache"], zipped["Content-Encoding"]) == ("hit", "gzip")
    assert plain["X-Cache"] == "miss"
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in zipped["Vary"]
    assert "Compressed post" in gzip.decompress(zipped.content).decode()
    assert len(zipped.content) < len(plain.content) / 2


def test_editing_a_post_refreshes_every_page_that_shows_it(client):
    post = PostFactory(title="Old title", tags=["equity"])
    pages = ["/", "/blog/", "/blog/tag/equity/", post.get_absolute_url(), "/feed/"]
    for url in pages:
        client.get(url)
    post.title = "New title"
    post.save()
    for url in pages:
        response = client.get(url)
        assert response["X-Cache"] == "miss", url
        assert "New title" in response.content.decode(), url


def test_a_version_set_by_another_process_is_seen_within_a_second(client):
    post = PostFactory(title="Before")
    assert "Before" in client.get("/blog/").content.decode()
    Post.objects.filter(pk=post.pk).update(title="After")  # no signal here: another process
    cache.set(page_cache.VERSION_KEY, 12345, None)
    time.sleep(page_cache.TRUST_SECONDS + 0.05)
    response = client.get("/blog/")
    assert response["X-Cache"] == "miss"
    assert "After" in response.content.decode()


def test_unpublishing_removes_the_post_from_cached_lists(client):
    post = PostFactory(title="Soon gone")
    assert "Soon gone" in client.get("/blog/").content.decode()
    post.status = "draft"
    post.save()
    assert "Soon gone" not in client.get("/blog/").content.decode()


def test_a_scheduled_post_appears_when_its_time_comes(client):
    PostFactory(title="Already out")
    PostFactory(title="Right on time", publish_at=timezone.now() + timedelta(seconds=1))
    assert "Right on time" not in client.get("/blog/").content.decode()
    time.sleep(1.2)
    assert "Right on time" in client.get("/blog/").content.decode()


def test_logged_in_staff_are_never_served_cached_pages(client, editor_client):
    PostFactory(title="Shared")
    client.get("/blog/")
    response = editor_client.get("/blog/")
    assert "X-Cache" not in response


def test_draft_previews_and_the_admin_are_never_cached(editor_client):
    draft = PostFactory(draft=True)
    assert "X-Cache" not in editor_client.get(draft.get_absolute_url())
    assert "X-Cache" not in editor_client.get("/admin/blog/post/")


def test_etag_and_last_modified_allow_a_304(client):
    PostFactory()
    first = client.get("/blog/")
    assert first.has_header("ETag") and first.has_header("Last-Modified")
    again = client.get("/blog/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_not_found_pages_are_not_cached(client):
    assert "X-Cache" not in client.get("/blog/tag/nothing-here/")
