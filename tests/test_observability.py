"""What operators see: a log line per request, errors at the error tracker, readiness."""

import gzip
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.db.migrations.loader import MigrationLoader

from competencyworks.logging import TextFormatter
from competencyworks.pagecache import store
from tests.factories import PostFactory, UserFactory
from tests.processes import run_django, shared_database_url


def request_lines(caplog):
    return [record for record in caplog.records if record.name == "competencyworks.requests"]


@pytest.mark.django_db
def test_each_request_is_logged_once_with_its_status_time_and_cache_outcome(
    client, settings, monkeypatch, caplog
):
    settings.PAGE_CACHE_SECONDS = 600
    monkeypatch.setattr(store, "_state", {"down": False, "retry_at": 0.0})
    cache.clear()
    PostFactory(title="Logged post")
    caplog.set_level("INFO", logger="competencyworks.requests")

    client.get("/blog/?page=1")
    client.get("/blog/?page=1")
    client.get("/no-such-page/")

    miss, hit, missing = request_lines(caplog)
    assert [(r.method, r.path, r.status, r.cache) for r in (miss, hit, missing)] == [
        ("GET", "/blog/?page=1", 200, "miss"),
        ("GET", "/blog/?page=1", 200, "hit"),
        ("GET", "/no-such-page/", 404, "-"),
    ]
    assert all(r.user == "anonymous" and r.duration_ms >= 0 for r in (miss, hit, missing))
    assert miss.getMessage().startswith("GET /blog/?page=1 200 ")
    assert miss.getMessage().endswith("ms cache=miss user=anonymous")


@pytest.mark.django_db
def test_a_staff_request_is_logged_as_staff_without_the_username(client, caplog):
    client.force_login(UserFactory(username="maria.editor", is_staff=True))
    caplog.set_level("INFO", logger="competencyworks.requests")

    client.get("/admin/")

    (line,) = request_lines(caplog)
    assert (line.path, line.status, line.user) == ("/admin/", 200, "staff")
    assert "maria.editor" not in json.dumps(vars(line), default=str)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "logged"),
    [
        ("/alerts/confirm/abc.def:ghi/", "/alerts/confirm/[token]/"),
        ("/alerts/unsubscribe/abc.def:ghi/", "/alerts/unsubscribe/[token]/"),
        ("/admin/set-password/MQ/c0ffee-1234/", "/admin/set-password/MQ/[token]/"),
    ],
)
def test_addresses_that_carry_a_token_are_logged_without_it(client, caplog, address, logged):
    caplog.set_level("INFO", logger="competencyworks.requests")

    client.get(address)

    (line,) = request_lines(caplog)
    assert line.path == logged
    assert "ghi" not in line.getMessage() and "c0ffee" not in line.getMessage()


PROBE = """
from django.test import Client
Client().get("/healthz")
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_log_lines_are_json_objects_when_asked_and_plain_text_otherwise(tmp_path):
    database = shared_database_url(tmp_path)

    as_json = run_django(PROBE, database, LOG_FORMAT="json")
    as_text = run_django(PROBE, database)

    entry = json.loads(as_json.stderr.splitlines()[-1])
    assert entry | {"time": None, "duration_ms": None} == {
        "time": None,
        "level": "INFO",
        "logger": "competencyworks.requests",
        "message": entry["message"],
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "duration_ms": None,
        "cache": "-",
        "user": "anonymous",
    }
    assert entry["message"].startswith("GET /healthz 200 ")
    line = as_text.stderr.splitlines()[-1]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO competencyworks.requests ", line)
    assert " GET /healthz 200 " in line
    assert not line.startswith("{")


@pytest.mark.parametrize(
    "times",
    [
        [1_800_000_000.0, 1_800_000_000.25, 1_800_000_000.999],  # within one second
        [1_800_000_000.5, 1_800_000_001.001, 1_800_000_000.7, 1_800_003_600.0],  # seconds apart
    ],
)
def test_text_log_lines_show_the_same_time_as_pythons_own_format(settings, times):
    text_format = settings.LOGGING["formatters"]["text"]["format"]
    ours, pythons = TextFormatter(text_format), logging.Formatter(text_format)
    for created in times:
        record = logging.makeLogRecord({"msg": "GET /blog/", "levelname": "INFO"})
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == pythons.format(record)


class EnvelopeServer(ThreadingHTTPServer):
    """Stands in for the error tracker: keeps every envelope posted to it."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.envelopes = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def dsn(self):
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/42"

    def events(self):
        """The error events among the envelopes, each with its envelope's full text."""
        found = []
        for text in self.envelopes:
            for line in text.splitlines():
                item = json.loads(line) if line.startswith("{") else {}
                if "exception" in item:
                    found.append((item, text))
        return found


class EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path == "/api/42/envelope/":
            self.server.envelopes.append(body.decode())
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


RAISING_PAGE = """
from unittest import mock
import sentry_sdk
from django.contrib.auth import get_user_model
from django.test import Client
from competencyworks import views

class ReaderFacingBug(Exception):
    pass

def broken(view, **kwargs):
    reader = view.request.user
    raise ReaderFacingBug(f"the page broke for a reader of type {type(reader).__name__}")

client = Client(raise_request_exception=False, REMOTE_ADDR="198.51.100.7")
client.force_login(get_user_model().objects.get(username="maria.editor"))
client.cookies["reader_preference"] = "private-cookie-value"
with mock.patch.object(views.RobotsView, "get_context_data", broken):
    response = client.get("/robots.txt", headers={"x-forwarded-for": "203.0.113.9"})
sentry_sdk.flush(timeout=10)
print(response.status_code, sentry_sdk.get_client().is_active(), client.cookies["sessionid"].value)
"""


@pytest.fixture
def tracker():
    server = EnvelopeServer()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_uncaught_error_reaches_the_tracker_once_without_personal_data(tmp_path, tracker):
    UserFactory(username="maria.editor", is_staff=True)

    done = run_django(RAISING_PAGE, shared_database_url(tmp_path), SENTRY_DSN=tracker.dsn)

    status, active, session_key = done.stdout.split()
    assert (status, active) == ("500", "True"), done.stderr
    (event, envelope), *others = tracker.events()
    assert not others
    assert event["exception"]["values"][-1]["type"] == "ReaderFacingBug"
    assert event["transaction"] == "/robots.txt"
    assert event["environment"] == "production"
    for private in ["private-cookie-value", session_key, "maria.editor", "198.51.100.7"]:
        assert private not in envelope
    assert "203.0.113.9" not in envelope


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_tracker_address_nothing_is_sent(tmp_path, tracker):
    UserFactory(username="maria.editor", is_staff=True)

    done = run_django(RAISING_PAGE, shared_database_url(tmp_path))

    status, active, _ = done.stdout.split()
    assert (status, active) == ("500", "False"), done.stderr
    assert tracker.envelopes == []


@pytest.mark.django_db
def test_readiness_probe_is_ok_over_plain_http_and_then_only_asks_the_database(
    client, settings, django_assert_num_queries
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    first = client.get("/readyz")
    with django_assert_num_queries(1):
        later = client.get("/readyz")

    assert first.status_code == later.status_code == 200
    assert first.json() == later.json() == {"migrations": "ok", "database": "ok"}
    assert "no-store" in later["Cache-Control"]


READINESS = """
import json
from django.test import Client
response = Client().get("/readyz")
print(response.status_code, json.dumps(response.json()))
"""


def test_readiness_probe_fails_with_the_count_while_migrations_are_unapplied(tmp_path):
    total = len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)

    done = run_django(READINESS, f"sqlite:///{tmp_path / 'new.sqlite3'}")

    status, body = done.stdout.split(" ", 1)
    assert status == "503", done.stderr
    assert json.loads(body) == {"migrations": f"{total} unapplied", "database": "ok"}
