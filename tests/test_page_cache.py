"""Anonymous pages come from the cache until content changes; staff never see cached pages."""

import gzip
import socket
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from blog.models import Post
from competencyworks.models import ContentVersion
from competencyworks.pagecache import store, version
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 600
    monkeypatch.setattr(store, "_state", {"down": False, "retry_at": 0.0})
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Changes made inside take effect as when their transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_second_visit_is_served_from_the_cache(client, django_assert_max_num_queries):
    PostFactory(title="Cached post")
    assert client.get("/blog/")["X-Cache"] == "miss"
    with django_assert_max_num_queries(1):  # at most a look at the content version
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


def test_editing_a_post_refreshes_every_page_that_shows_it(client, committed):
    post = PostFactory(title="Old title", tags=["equity"])
    pages = ["/", "/blog/", post.get_absolute_url(), "/feed/"]
    for url in pages:
        client.get(url)
    post.title = "New title"
    with committed():
        post.save()
    for url in pages:
        response = client.get(url)
        assert response["X-Cache"] == "miss", url
        assert "New title" in response.content.decode(), url


def test_a_version_set_by_another_process_is_seen_within_a_second(client):
    post = PostFactory(title="Before")
    assert "Before" in client.get("/blog/").content.decode()
    Post.objects.filter(pk=post.pk).update(title="After")  # no signal here: another process
    ContentVersion.objects.update(version=12345)
    time.sleep(version.TRUST_SECONDS + 0.05)
    response = client.get("/blog/")
    assert response["X-Cache"] == "miss"
    assert "After" in response.content.decode()


def test_unpublishing_removes_the_post_from_cached_lists(client, committed):
    post = PostFactory(title="Soon gone")
    assert "Soon gone" in client.get("/blog/").content.decode()
    post.status = "draft"
    with committed():
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
    assert "X-Cache" not in client.get("/tags/nothing-here/")


def test_only_parameters_a_page_reads_are_cached(client):
    post = PostFactory(title="Shared widely")
    # Filters, page numbers and what a view names in page_cache_params form the key.
    for url in ["/blog/?section=k-12&page=1", "/policy/?map_year=2010", "/search/?q=mastery"]:
        assert client.get(url)["X-Cache"] == "miss", url
        assert client.get(url)["X-Cache"] == "hit", url
    # Anything else is served, never stored: made-up addresses cannot fill the cache.
    unknown = ["/blog/?utm_source=mail", f"{post.get_absolute_url()}?fbclid=abc", "/?page=2"]
    for url in unknown:
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["X-Cache"] == "bypass", url
    assert "Shared widely" in client.get("/blog/?utm_source=mail").content.decode()


def test_the_same_query_in_any_order_shares_one_cached_page(client):
    PostFactory(title="Sorted")
    assert client.get("/blog/?year=2016&section=k-12")["X-Cache"] == "miss"
    assert client.get("/blog/?section=k-12&year=2016")["X-Cache"] == "hit"
    assert client.get("/blog/?section=k-12&year=2017")["X-Cache"] == "miss"


def test_too_many_or_too_long_values_are_not_cached(client):
    many = "&".join(f"tag=t{n}" for n in range(20))
    for url in [f"/blog/?{many}", f"/search/?q={'a' * 500}"]:
        assert client.get(url)["X-Cache"] == "bypass", url


def test_a_filter_value_the_list_rejects_is_not_cached(client):
    PostFactory(title="Filtered")
    for _ in range(2):
        response = client.get("/blog/?section=no-such-section")
        assert response.status_code == 200
        assert "X-Cache" not in response


def test_pages_are_served_uncached_while_the_cache_server_is_down(client, settings, caplog):
    PostFactory(title="Still here")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    pages = ["/blog/", "/blog/", "/", "/blog/?section=k-12"]
    for url in ["/policy/export.csv", "/policy/export.json", *pages]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Cache" not in response, url
    assert "Still here" in response.content.decode()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"cache": "degraded", "database": "ok"}
    warnings = [r for r in caplog.records if r.name == "competencyworks.pagecache.store"]
    assert len(warnings) == 1  # once per process, not once per request


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when this returns: nothing listens there
