"""Anonymous pages come from the cache until content changes; staff never see cached pages."""

import gzip
import socket
import time
from datetime import timedelta

import httpx
import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from blog.models import Post
from competencyworks.models import ContentVersion
from competencyworks.pagecache import store, version
from competencyworks.pagecache.front import PageCacheFront
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
    # Browsers ask again each time; max-age says so to every HTTP/1.1 cache, without Expires.
    assert first["Cache-Control"] == "max-age=0" and not first.has_header("Expires")
    again = client.get("/blog/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_not_found_pages_are_not_cached(client):
    assert "X-Cache" not in client.get("/blog/tag/nothing-here/")


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


# Answer-time headers: when, whether from the cache, and until when a front cache may keep it.
PER_ANSWER = {"date", "x-cache", "x-accel-expires"}


@pytest.fixture
def front(monkeypatch):
    """A reader of the production WSGI application (competencyworks.wsgi: the page cache's
    front before Django) in this process; `front.reached` lists the requests Django answered."""
    from competencyworks.wsgi import django_application

    reached = []

    def django(environ, start_response):
        reached.append(environ["REQUEST_METHOD"] + " " + environ["PATH_INFO"])
        return django_application(environ, start_response)

    # Like Django's test client, keep the test's database connection between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # The version read by one request stays trusted for the next, however slow this machine.
    monkeypatch.setattr(version, "TRUST_SECONDS", 60)
    transport = httpx.WSGITransport(app=PageCacheFront(django))
    try:
        with httpx.Client(transport=transport, base_url="https://testserver") as reader:
            reader.reached = reached
            yield reader
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def answer(reader, path, method="GET", **headers):
    """(status, headers without the answer-time ones, body bytes as sent)."""
    with reader.stream(method, path, headers=headers) as response:
        body = b"".join(response.iter_raw())
    kept = {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower() not in PER_ANSWER
    }
    return response.status_code, kept, body, response.headers


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_the_front_answers_a_cached_page_exactly_as_it_was_rendered(front, encoding):
    PostFactory(title="Byte for byte")
    status, headers, body, sent = answer(front, "/blog/", **{"Accept-Encoding": encoding})
    assert sent["X-Cache"] == "miss" and front.reached == ["GET /blog/"]

    again = answer(front, "/blog/", **{"Accept-Encoding": encoding})
    assert front.reached == ["GET /blog/"]  # answered before Django
    assert again[3]["X-Cache"] == "hit"
    assert again[:3] == (status, headers, body)
    security = ["content-security-policy", "strict-transport-security", "referrer-policy"]
    security += ["permissions-policy", "x-frame-options", "x-content-type-options"]
    for header in [*security, "etag", "last-modified", "vary"]:
        assert header in again[1], header
    assert (headers.get("content-encoding") == "gzip") == (encoding == "gzip")
    content = gzip.decompress(body) if encoding == "gzip" else body
    assert "Byte for byte" in content.decode()

    head = answer(front, "/blog/", method="HEAD", **{"Accept-Encoding": encoding})
    assert head[:3] == (status, headers, b"")
    assert front.reached == ["GET /blog/"]


def test_the_front_answers_nothing_it_kept_once_another_process_changed_content(front, monkeypatch):
    post = PostFactory(title="Before the change")
    for _ in range(3):
        _, _, body, sent = answer(front, "/blog/", **{"Accept-Encoding": "identity"})
    assert sent["X-Cache"] == "hit" and "Before the change" in body.decode()
    Post.objects.filter(pk=post.pk).update(title="After the change")  # another process
    ContentVersion.objects.update(version=12345)
    monkeypatch.setattr(version, "TRUST_SECONDS", 0.25)
    time.sleep(0.3)

    for outcome in ("miss", "hit"):
        _, _, body, sent = answer(front, "/blog/", **{"Accept-Encoding": "identity"})
        assert sent["X-Cache"] == outcome and "After the change" in body.decode()


def test_revalidating_readers_get_a_304_from_the_full_stack(front):
    PostFactory()
    _, headers, body, _ = answer(front, "/blog/", **{"Accept-Encoding": "gzip"})
    etag, modified = headers["etag"], headers["last-modified"]

    for condition in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        status, not_modified, empty, sent = answer(
            front, "/blog/", **{"Accept-Encoding": "gzip"}, **condition
        )
        assert (status, empty, sent["X-Cache"]) == (304, b"", "hit"), condition
        assert not_modified["etag"] == etag
    assert front.reached == ["GET /blog/"] * 3  # a revalidation reads the version afresh

    changed = answer(front, "/blog/", **{"Accept-Encoding": "gzip", "If-None-Match": '"old"'})
    assert changed[:3] == (200, headers, body)


def test_a_revalidation_of_a_page_not_stored_stores_it_and_gets_a_304(client):
    PostFactory()
    etag = client.get("/blog/")["ETag"]  # plain pages render the same bytes each time
    cache.clear()  # evicted, or stored by another process only

    again = client.get("/blog/", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again["X-Cache"], again["ETag"]) == (304, "miss", etag)
    assert client.get("/blog/")["X-Cache"] == "hit"


def test_staff_never_receive_cached_bytes(front, client, editor):
    post = PostFactory(title="Edited by staff")
    plain = {"Accept-Encoding": "identity"}
    for _ in range(2):
        anonymous = answer(front, post.get_absolute_url(), **plain)
    assert anonymous[3]["X-Cache"] == "hit"
    client.force_login(editor)
    session = {"Cookie": f"sessionid={client.cookies['sessionid'].value}", **plain}

    status, _, body, sent = answer(front, post.get_absolute_url(), **session)
    assert status == 200 and "x-cache" not in sent
    assert front.reached[-1] == f"GET {post.get_absolute_url()}"
    assert "Edit this page" in body.decode()

    # What staff saw was never stored: readers still get the page without the link.
    for _ in range(2):
        reader = answer(front, post.get_absolute_url(), **plain)
        assert reader[3]["X-Cache"] == "hit" and "Edit this page" not in reader[2].decode()


def test_requests_django_refuses_are_refused_by_django_not_the_front(front):
    PostFactory()
    too_many_fields = "&".join(f"f{n}=1" for n in range(1100))
    for _ in range(2):
        assert front.get("/blog/", headers={"Host": "attacker.example"}).status_code == 400
        assert front.get(f"/blog/?{too_many_fields}").status_code == 400
    assert len(front.reached) == 4
