"""Policy exports stay cheap under load: one query to build, cached per filter and content
version, and a bounded number built at once so the rest of the site keeps answering.

The CSV/JSON format itself is covered in test_policy_pages.py.
"""

import gzip
import importlib
import threading
from contextlib import ExitStack

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policy import exports
from policy.models import Topic
from tests.test_policy_pages import PolicyEntryFactory, state

pytestmark = pytest.mark.django_db

ENTRY_TABLES = '"policy_policyentry'  # the entries and their topic and tag links


def download(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    assert response.streaming
    return response, b"".join(response.streaming_content)


def entry_queries(client, path, **headers):
    """(body, SQL of the queries that read the entries) for one download."""
    with CaptureQueriesContext(connection) as queries:
        _response, body = download(client, path, **headers)
    return body, [q["sql"] for q in queries.captured_queries if ENTRY_TABLES in q["sql"]]


def make_entries(count):
    for n in range(count):
        PolicyEntryFactory(title=f"Entry {n}", topics=["seat-time", "assessment"], tags=["equity"])


@pytest.mark.parametrize(
    "path", ["/policy/export.csv", "/policy/export.json?state=ID&topic=seat-time&tag=equity"]
)
def test_one_export_is_one_query_however_many_entries(client, path, django_assert_max_num_queries):
    make_entries(5)
    with CaptureQueriesContext(connection) as few:
        _response, small = download(client, path)
    make_entries(195)
    with django_assert_max_num_queries(len(few)):
        _response, large = download(client, path)

    assert len([q for q in few.captured_queries if ENTRY_TABLES in q["sql"]]) == 1
    assert large.count(b"Entry 1") > small.count(b"Entry 1")
    # A topic filter narrows the entries, never the topics listed for each.
    assert large.count(b"assessment") == 200


@pytest.mark.parametrize("path", ["/policy/export.csv", "/policy/export.json?state=ID"])
def test_a_repeat_download_does_not_read_the_entries(client, path):
    make_entries(3)
    first, _ = entry_queries(client, path)

    second, queries = entry_queries(client, path)

    assert queries == []
    assert second == first


def test_a_repeat_unfiltered_download_makes_no_query(client, django_assert_num_queries):
    make_entries(3)
    _response, first = download(client, "/policy/export.csv")

    with django_assert_num_queries(0):
        _response, second = download(client, "/policy/export.csv")

    assert second == first


def test_a_saved_change_gives_a_new_export(client, django_capture_on_commit_callbacks):
    entry = PolicyEntryFactory(title="Old title", topics=["seat-time"])
    download(client, "/policy/export.csv")

    entry.title = "New title"
    with django_capture_on_commit_callbacks(execute=True):
        entry.save()
    _response, renamed = download(client, "/policy/export.csv")
    with django_capture_on_commit_callbacks(execute=True):
        entry.topics.add(Topic.objects.get(slug="assessment"))
    _response, retopiced = download(client, "/policy/export.csv")
    again, queries = entry_queries(client, "/policy/export.csv")

    assert queries == []  # the new export is cached in turn
    assert again == retopiced
    assert b"New title" in renamed
    assert b"Old title" not in renamed
    assert b"assessment;seat-time" in retopiced


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("?state=ID", "?state=ID&utm_source=mail&page=4&map_year=2012"),
        ("", "?crawler=1&x=2"),
        ("?tag=equity&tag=pilots", "?tag=pilots&tag=equity"),
        ("?year=2015", "?year=2015.0"),
    ],
)
def test_queries_that_mean_the_same_share_one_cached_export(client, first, second):
    make_entries(2)
    body, _ = entry_queries(client, f"/policy/export.csv{first}")

    same, queries = entry_queries(client, f"/policy/export.csv{second}")

    assert queries == []
    assert same == body


def test_queries_that_differ_each_get_their_own_cached_export(client):
    PolicyEntryFactory(title="Idaho entry", state=state("ID"))
    PolicyEntryFactory(title="Ohio entry", state=state("OH"))
    downloads = {
        "idaho": ("/policy/export.csv?state=ID", {}),
        "ohio": ("/policy/export.csv?state=OH", {}),
        "idaho json": ("/policy/export.json?state=ID", {}),
        "other host": ("/policy/export.csv?state=ID", {"HTTP_HOST": "localhost"}),
    }
    first = {name: entry_queries(client, path, **h)[0] for name, (path, h) in downloads.items()}

    again = {name: entry_queries(client, path, **h) for name, (path, h) in downloads.items()}

    assert all(queries == [] for _body, queries in again.values())
    assert {name: body for name, (body, _queries) in again.items()} == first
    assert b"Idaho entry" in first["idaho"] and b"Ohio entry" not in first["idaho"]
    assert b"Ohio entry" in first["ohio"] and b"Idaho entry" not in first["ohio"]
    assert first["idaho json"].startswith(b'{"entries"')
    assert b"http://testserver/policy/" in first["idaho"]
    assert b"http://localhost/policy/" in first["other host"]


def test_gzip_readers_get_the_stored_body_and_others_plain_text(client):
    make_entries(3)
    plain_response, plain = download(client, "/policy/export.csv")
    zipped_response, zipped = download(client, "/policy/export.csv", HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in plain_response
    assert zipped_response["Content-Encoding"] == "gzip"
    assert int(zipped_response["Content-Length"]) == len(zipped)
    assert gzip.decompress(zipped) == plain
    for response in (plain_response, zipped_response):
        assert "Accept-Encoding" in response["Vary"]


def all_slots_taken(stack):
    for _ in range(exports.EXPORT_SLOTS):
        assert stack.enter_context(exports.taken_slot(exports.export_slot_names()))


def test_when_exports_are_busy_the_reader_is_told_to_retry_and_the_site_answers(client):
    make_entries(3)
    _response, cached = download(client, "/policy/export.csv")

    with ExitStack() as others_building:
        all_slots_taken(others_building)
        busy = client.get("/policy/export.csv?state=ID")
        pages = [client.get(path).status_code for path in ("/", "/policy/", "/blog/")]
        _response, still_cached = download(client, "/policy/export.csv")

    assert busy.status_code == 503
    assert int(busy["Retry-After"]) > 0
    assert busy["Content-Type"].startswith("text/plain")
    assert pages == [200, 200, 200]
    assert still_cached == cached  # serving a built export costs no slot
    download(client, "/policy/export.csv?state=ID")  # free again once the others finish


def test_one_client_builds_one_export_at_a_time(client):
    make_entries(3)

    with exports.taken_slot(exports.client_slot_names("127.0.0.1")):
        mine = client.get("/policy/export.csv")
        someone_else = client.get("/policy/export.csv?state=ID", REMOTE_ADDR="10.0.0.7")

    assert mine.status_code == 429
    assert int(mine["Retry-After"]) > 0
    assert someone_else.status_code == 200
    download(client, "/policy/export.csv")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_reader_waits_for_the_export_being_built_instead_of_building_it(
    client, monkeypatch
):
    # States and topics as migrate leaves them, whatever transactional test ran before.
    importlib.import_module("policy.migrations.0002_jurisdictions_topics_editors").load(
        django_apps, None
    )
    make_entries(3)
    builds, started, release = [], threading.Event(), threading.Event()
    build = exports.build

    def slow_build(*args):
        builds.append(args)
        started.set()
        assert release.wait(5)
        return build(*args)

    monkeypatch.setattr(exports, "build", slow_build)
    bodies = {}

    def first_reader():
        bodies["first"] = download(client, "/policy/export.csv")[1]
        connection.close()

    reader = threading.Thread(target=first_reader)
    reader.start()
    assert started.wait(5)
    threading.Timer(0.3, release.set).start()
    _response, bodies["second"] = download(client, "/policy/export.csv", REMOTE_ADDR="10.0.0.8")
    reader.join(5)

    assert len(builds) == 1
    assert bodies["first"] == bodies["second"]
    assert b"Entry 2" in bodies["second"]
