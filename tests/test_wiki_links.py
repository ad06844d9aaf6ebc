"""The link checker, against a real HTTP server on 127.0.0.1 (never the internet)."""

import io
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import factory
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from competencyworks.publishing import Status
from tests.factories import committed
from wiki.links import LinkResult, check_urls
from wiki.models import LinkStatus, Resource

TIMEOUT = 0.5  # seconds the checker waits in these tests
SLOW = 2.0  # /slow answers after this long: well past TIMEOUT
LOCAL = ["127.0.0.1/32"]  # the test server's network, which the checker otherwise refuses


class ResourceFactory(factory.django.DjangoModelFactory):
    """A published resource; pass `url`, and `status=Status.DRAFT` for a draft."""

    class Meta:
        model = Resource

    title = factory.Sequence(lambda n: f"Resource {n:03}")
    url = "http://127.0.0.1:9/"
    status = Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.answer(head=True)

    def do_GET(self):
        self.answer(head=False)

    def answer(self, head):
        url = urlsplit(self.path)
        self.server.record(self.command, url.path)
        with self.server.in_flight():
            if url.path == "/ok":
                self.reply(200, head)
            elif url.path == "/gone":
                self.reply(404, head)
            elif url.path == "/error":
                self.reply(500, head)
            elif url.path == "/redirect":
                self.reply(301, head, location="/ok")
            elif url.path == "/loop":
                self.reply(301, head, location="/loop")
            elif url.path == "/no-head":
                self.reply(405 if head else 200, head)
            elif url.path == "/slow":
                seconds = float(parse_qs(url.query).get("seconds", [SLOW])[0])
                time.sleep(seconds)
                self.reply(200, head)
            else:
                self.reply(404, head)

    def reply(self, status, head, location=None):
        body = b"" if head else f"status {status}\n".encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests = []
        self.active = 0
        self.most_active = 0

    def record(self, method, path):
        with self.lock:
            self.requests.append((method, path))

    def in_flight(self):
        server = self

        class InFlight:
            def __enter__(self):
                with server.lock:
                    server.active += 1
                    server.most_active = max(server.most_active, server.active)

            def __exit__(self, *exc):
                with server.lock:
                    server.active -= 1

        return InFlight()

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.most_active = self.active

    def handle_error(self, request, client_address):
        pass  # a client that gave up on /slow: expected, not worth a traceback


@pytest.fixture(scope="module")
def server():
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def site(server, settings):
    """The local server's base address, which check_links is allowed to fetch."""
    settings.LINK_CHECK_ALLOWED_NETWORKS = LOCAL
    server.reset()
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


@pytest.fixture
def closed_port():
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args, verbosity=1):
    out = io.StringIO()
    call_command("check_links", *args, "--timeout", str(TIMEOUT), stdout=out, verbosity=verbosity)
    return out.getvalue()


# check_urls


def test_check_urls_reports_each_status(site):
    urls = [f"{site}/ok", f"{site}/gone", f"{site}/error", f"{site}/redirect"]
    results = check_urls(urls, allowed_networks=LOCAL, timeout=TIMEOUT)
    assert results == {
        f"{site}/ok": LinkResult(ok=True, status_code=200, error=""),
        f"{site}/gone": LinkResult(ok=False, status_code=404, error="HTTP 404 Not Found"),
        f"{site}/error": LinkResult(
            ok=False, status_code=500, error="HTTP 500 Internal Server Error"
        ),
        f"{site}/redirect": LinkResult(ok=True, status_code=200, error=""),
    }


def test_check_urls_tries_head_first_and_falls_back_to_get(site, server):
    results = check_urls([f"{site}/ok", f"{site}/no-head"], allowed_networks=LOCAL, timeout=TIMEOUT)
    assert results[f"{site}/no-head"] == LinkResult(ok=True, status_code=200)
    assert sorted(server.requests) == [("GET", "/no-head"), ("HEAD", "/no-head"), ("HEAD", "/ok")]


def test_check_urls_gives_up_on_a_redirect_loop(site):
    result = check_urls([f"{site}/loop"], allowed_networks=LOCAL, timeout=TIMEOUT)[f"{site}/loop"]
    assert result == LinkResult(ok=False, status_code=None, error="too many redirects")


def test_check_urls_times_out_on_a_slow_server(site):
    started = time.monotonic()
    result = check_urls([f"{site}/slow"], allowed_networks=LOCAL, timeout=TIMEOUT)[f"{site}/slow"]
    assert result == LinkResult(ok=False, status_code=None, error="timed out after 0.5s")
    assert time.monotonic() - started < SLOW


def test_check_urls_reports_a_refused_connection(closed_port):
    url = f"http://127.0.0.1:{closed_port}/"
    assert check_urls([url], allowed_networks=LOCAL, timeout=TIMEOUT)[url] == LinkResult(
        ok=False, error="connection refused"
    )


def test_check_urls_reports_a_failed_secure_connection(site):
    url = site.replace("http://", "https://") + "/ok"  # the server speaks plain HTTP
    result = check_urls([url], allowed_networks=LOCAL, timeout=TIMEOUT)[url]
    assert not result.ok
    assert result.error.startswith("secure connection failed")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://127.0.0.1/file.pdf", "not a web address"),
        ("mailto:editor@example.com", "not a web address"),
        ("/just/a/path", "not a web address"),
        ("http://", "invalid address: no server name"),
        ("http://127.0.0.1:99999999/", "invalid address"),
    ],
)
def test_check_urls_refuses_what_it_cannot_fetch(url, error):
    assert check_urls([url], allowed_networks=LOCAL, timeout=TIMEOUT)[url] == LinkResult(
        ok=False, error=error
    )


def test_check_urls_runs_checks_at_the_same_time(site, server):
    delay = 0.3
    urls = [f"{site}/slow?seconds={delay}&n={n}" for n in range(8)]
    started = time.monotonic()
    results = check_urls(urls, workers=8, allowed_networks=LOCAL, timeout=5)
    elapsed = time.monotonic() - started
    assert all(result.ok for result in results.values())
    # One at a time would take 8 x delay; allow for a loaded machine, still well under that.
    assert elapsed < 8 * delay * 0.75, f"8 checks of {delay}s took {elapsed:.2f}s"
    assert server.most_active >= 4


def test_check_urls_checks_a_repeated_address_once(site, server):
    results = check_urls([f"{site}/ok", f"{site}/ok"], allowed_networks=LOCAL, timeout=TIMEOUT)
    assert list(results) == [f"{site}/ok"]
    assert server.requests == [("HEAD", "/ok")]


def test_check_urls_with_nothing_to_check():
    assert check_urls([]) == {}


# the check_links command


@pytest.mark.django_db
def test_command_records_what_it_found(site):
    working = ResourceFactory(url=f"{site}/ok")
    moved = ResourceFactory(url=f"{site}/redirect")
    no_head = ResourceFactory(url=f"{site}/no-head")
    gone = ResourceFactory(url=f"{site}/gone")
    failing = ResourceFactory(url=f"{site}/error")
    before = timezone.now()

    out = run()

    assert "Checked 5: 3 working, 2 broken." in out
    for resource in (working, moved, no_head):
        resource.refresh_from_db()
        assert resource.link_status == LinkStatus.OK
        assert resource.link_status_code == 200
        assert resource.link_error == ""
        assert resource.link_checked_at >= before
        assert resource.link_worked_at == resource.link_checked_at
    gone.refresh_from_db()
    assert (gone.link_status, gone.link_status_code) == (LinkStatus.BROKEN, 404)
    assert gone.link_error == "HTTP 404 Not Found"
    assert gone.link_checked_at >= before
    assert gone.link_worked_at is None
    failing.refresh_from_db()
    assert (failing.link_status, failing.link_status_code) == (LinkStatus.BROKEN, 500)


@pytest.mark.django_db
def test_command_keeps_the_last_working_date_when_a_link_breaks(site):
    worked = timezone.now() - timedelta(days=30)
    resource = ResourceFactory(
        url=f"{site}/gone",
        link_status=LinkStatus.OK,
        link_status_code=200,
        link_checked_at=worked,
        link_worked_at=worked,
    )
    run()
    resource.refresh_from_db()
    assert resource.link_status == LinkStatus.BROKEN
    assert resource.link_status_code == 404
    assert resource.link_checked_at > worked
    assert resource.link_worked_at == worked


@pytest.mark.django_db
def test_command_rechecks_only_stale_links_unless_told_all(site):
    now = timezone.now()
    fresh = ResourceFactory(url=f"{site}/gone", link_checked_at=now - timedelta(days=2))
    stale = ResourceFactory(url=f"{site}/gone", link_checked_at=now - timedelta(days=10))
    never = ResourceFactory(url=f"{site}/gone")

    assert "Checked 2: 0 working, 2 broken." in run()
    for resource in (fresh, stale, never):
        resource.refresh_from_db()
    assert fresh.link_status == LinkStatus.UNCHECKED
    assert fresh.link_checked_at == now - timedelta(days=2)
    assert stale.link_status == never.link_status == LinkStatus.BROKEN

    assert "Checked 1: 0 working, 1 broken." in run("--stale-days", "1")
    fresh.refresh_from_db()
    assert fresh.link_status == LinkStatus.BROKEN
    assert "No links to check." in run("--stale-days", "1")
    assert "Checked 3: 0 working, 3 broken." in run("--all")


@pytest.mark.django_db
def test_command_leaves_drafts_and_scheduled_resources_alone(site, server):
    draft = ResourceFactory(url=f"{site}/gone", status=Status.DRAFT, publish_at=None)
    scheduled = ResourceFactory(url=f"{site}/gone", publish_at=timezone.now() + timedelta(days=3))
    assert "No links to check." in run("--all")
    assert server.requests == []
    for resource in (draft, scheduled):
        resource.refresh_from_db()
        assert resource.link_status == LinkStatus.UNCHECKED
        assert resource.link_checked_at is None


@pytest.mark.django_db
def test_command_records_unreachable_links_with_readable_errors(site, closed_port):
    slow = ResourceFactory(title="Slow", url=f"{site}/slow")
    refused = ResourceFactory(title="Refused", url=f"http://127.0.0.1:{closed_port}/report")
    looping = ResourceFactory(title="Looping", url=f"{site}/loop")
    ftp = ResourceFactory(title="Archive", url="ftp://127.0.0.1/report.pdf")

    out = run(verbosity=2)

    expected = {
        slow: "timed out after 0.5s",
        refused: "connection refused",
        looping: "too many redirects",
        ftp: "not a web address",
    }
    for resource, error in expected.items():
        resource.refresh_from_db()
        assert resource.link_status == LinkStatus.BROKEN
        assert resource.link_status_code is None
        assert resource.link_error == error
        assert resource.link_checked_at is not None
        assert f"broken: {resource.title} <{resource.url}>: {error}" in out
    assert "Checked 4: 0 working, 4 broken." in out


@pytest.mark.django_db
def test_command_output_follows_verbosity(site):
    ResourceFactory(title="Gone", url=f"{site}/gone")
    ResourceFactory(title="Fine", url=f"{site}/ok")
    assert run(verbosity=0) == ""
    out = run("--all")
    assert "Checked 2: 1 working, 1 broken." in out
    assert "broken:" not in out
    out = run("--all", verbosity=2)
    assert f"broken: Gone <{site}/gone>: HTTP 404 Not Found" in out
    assert "Fine" not in out


@pytest.mark.django_db
def test_command_updates_without_saving(site):
    resource = ResourceFactory(title="A report", url=f"{site}/ok")
    stamped = resource.updated_at
    run()
    resource.refresh_from_db()
    assert resource.link_status == LinkStatus.OK
    assert resource.updated_at == stamped  # save() would have moved the "last changed" stamp


@pytest.mark.django_db
def test_command_checks_shared_addresses_once_and_records_all(site, server):
    first = ResourceFactory(url=f"{site}/ok")
    second = ResourceFactory(url=f"{site}/ok")
    assert "Checked 2: 2 working, 0 broken." in run()
    assert server.requests == [("HEAD", "/ok")]
    for resource in (first, second):
        resource.refresh_from_db()
        assert resource.link_status == LinkStatus.OK


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [("--workers", "0"), ("--stale-days", "-1"), ("--timeout", "0")],
)
def test_command_refuses_nonsense_options(args):
    with pytest.raises(CommandError):
        call_command("check_links", *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_command_does_not_log_every_request(site, caplog):
    ResourceFactory(url=f"{site}/ok")
    caplog.set_level("INFO")
    run()
    assert not [record for record in caplog.records if record.name == "httpx"]
    run("--all", verbosity=3)
    assert [record for record in caplog.records if record.name == "httpx"]


@pytest.mark.django_db
def test_a_cached_resource_page_shows_the_broken_link_after_a_check(site, client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    with committed():
        resource = ResourceFactory(url=f"{site}/missing")
    assert client.get(resource.get_absolute_url())["X-Cache"] == "miss"
    assert client.get(resource.get_absolute_url())["X-Cache"] == "hit"

    with committed():
        run()

    page = client.get(resource.get_absolute_url())
    assert page["X-Cache"] == "miss"
    assert "This link did not work when we last checked it" in page.text
