"""Scheduled commands started on two machines at once do their work once."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import ResourceFactory
from tests.processes import manage, shared_database_url


class SlowSite(ThreadingHTTPServer):
    """A linked site that answers only once `release` is set, so a link check stays busy."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SlowHandler)
        self.asked, self.release = threading.Event(), threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/report.pdf"


class SlowHandler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.server.asked.set()
        self.server.release.wait(timeout=60)
        self.send_response(200)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_site():
    site = SlowSite()
    yield site
    site.release.set()
    site.shutdown()
    site.server_close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_link_check_started_while_another_runs_does_nothing_and_succeeds(tmp_path, slow_site):
    ResourceFactory(url=slow_site.url)
    database = shared_database_url(tmp_path)
    env = {"database": database, "LINK_CHECK_ALLOWED_NETWORKS": "127.0.0.0/8"}

    first = manage("check_links", "--all", **env)
    assert slow_site.asked.wait(timeout=60), first.communicate()
    second = manage("check_links", "--all", **env)
    second_out, second_err = second.communicate(timeout=60)
    slow_site.release.set()
    first_out, first_err = first.communicate(timeout=60)
    after = manage("check_links", "--all", **env)
    after_out, after_err = after.communicate(timeout=60)

    assert second.returncode == 0, second_err
    assert second_out == "check_links is already running elsewhere; nothing done.\n"
    assert first.returncode == 0, first_err
    assert "Checked 1: 1 working, 0 broken." in first_out
    assert after.returncode == 0, after_err
    assert "Checked 1: 1 working, 0 broken." in after_out  # the finished run let go
