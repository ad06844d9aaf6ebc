"""The production app server, `python serve.py` (uWSGI with gunicorn.conf.py's settings): what
an operator relies on when it starts, answers, runs out of time and stops."""

import http.client
import os
import runpy
import signal
import threading
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.processes import app_server, free_port

ROOT = Path(__file__).resolve().parent.parent
SERVE = runpy.run_path(str(ROOT / "serve.py"), run_name="serve")
APP = """
import time

def application(environ, start_response):
    seconds = float(environ.get("QUERY_STRING") or 0)
    time.sleep(seconds)
    body = f"slept {seconds} for {len(environ.get('HTTP_COOKIE', ''))} cookie bytes".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


class Server:
    """serve.py serving the module `app` (source in `code`) from tmp_path, or the site itself
    when `code` is None."""

    def __init__(self, tmp_path, code=APP, **env):
        self.module = []
        if code is not None:
            (tmp_path / "app.py").write_text(code)
            self.module = ["app"]
        self.port = free_port()
        self.log = tmp_path / "server.log"
        self.env = {
            **os.environ, "PYTHONPATH": str(tmp_path), "SECRET_KEY": "app-server-test", **env
        }  # fmt: skip
        self.process = None

    def __enter__(self):
        self.process = app_server(self.env, self.port, self.log, *self.module, workers=2)
        for _ in range(200):
            if self.process.poll() is not None:
                return self
            try:
                self.get("/healthz")
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(self.log.read_text())

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def get(self, path, headers=None):
        response = self.response(path, headers)
        return response.status, response.getheader("Connection"), response.body

    def response(self, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.body = response.read().decode()
            return response
        finally:
            connection.close()


def test_the_settings_reach_the_server(monkeypatch):
    for name, value in {
        "BIND": "unix:/run/competencyworks.sock", "WEB_CONCURRENCY": "4",
        "GUNICORN_THREADS": "3", "GUNICORN_TIMEOUT": "45", "GUNICORN_MAX_REQUESTS": "6000",
        "GUNICORN_MAX_REQUESTS_JITTER": "800", "GUNICORN_ACCESS_LOG": "/var/log/cw/access.log",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)

    arguments = SERVE["uwsgi_arguments"](runpy.run_path(str(ROOT / "gunicorn.conf.py")))

    for expected in [
        "--http-socket=/run/competencyworks.sock",
        "--module=competencyworks.wsgi:dated_application", "--processes=4", "--threads=3",
        "--harakiri=45", "--max-requests=6000", "--max-requests-delta=200",
        "--req-logger=file:/var/log/cw/access.log", "--master", "--need-app",
        "--chmod-socket=666",
    ]:  # fmt: skip
        assert expected in arguments
    assert "--disable-logging" not in arguments


def test_without_an_access_log_the_server_writes_none(monkeypatch):
    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    monkeypatch.setenv("GUNICORN_THREADS", "1")

    arguments = SERVE["uwsgi_arguments"](runpy.run_path(str(ROOT / "gunicorn.conf.py")))

    assert "--disable-logging" in arguments
    assert not [argument for argument in arguments if argument.startswith("--threads")]
    assert not [argument for argument in arguments if argument.startswith("--chmod-socket")]


def test_answers_close_their_connection_and_large_headers_are_read(tmp_path):
    with Server(tmp_path) as server:
        assert server.get("/") == (200, "close", "slept 0.0 for 0 cookie bytes")
        # Headers as large as nginx passes on: several big cookies.
        cookie = "; ".join(f"c{n}={'x' * 4000}" for n in range(5))
        status, _, body = server.get("/", {"Cookie": cookie})

    assert status == 200
    assert body == f"slept 0.0 for {len(cookie)} cookie bytes"


def test_sigterm_finishes_the_requests_in_hand_then_stops(tmp_path):
    with Server(tmp_path) as server:
        answers = []
        slow = threading.Thread(target=lambda: answers.append(server.get("/?1.5")))
        slow.start()
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        slow.join()
        server.process.wait(timeout=20)

    assert answers == [(200, "close", "slept 1.5 for 0 cookie bytes")]
    assert server.process.returncode == 0, server.log.read_text()


def test_a_request_past_the_timeout_is_stopped_and_its_worker_replaced(tmp_path):
    with Server(tmp_path, GUNICORN_TIMEOUT="1") as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            server.get("/?4")
        answers = [server.get("/") for _ in range(4)]

    assert answers == [(200, "close", "slept 0.0 for 0 cookie bytes")] * 4
    assert "HARAKIRI ON WORKER" in server.log.read_text()


def test_a_site_that_cannot_load_stops_the_server(tmp_path):
    with Server(tmp_path, code="raise ImportError('a setting is missing')") as server:
        server.process.wait(timeout=20)

    assert server.process.returncode != 0
    assert "a setting is missing" in server.log.read_text()


def test_the_site_answers_with_one_date_header(tmp_path):
    """HTTP/1.1 asks an origin server for a Date on every answer; uWSGI writes none itself."""
    site = {
        "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": "q8Vd2-mX0rTb7Lw_Zf4kNc1Hs9PyGe3JuAo6RiMt5lEz",
        "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "", "STATIC_ROOT": str(tmp_path),
    }  # fmt: skip
    with Server(tmp_path, code=None, **site) as server:
        response = server.response("/healthz")

    assert response.status == 200, server.log.read_text()
    dates = response.headers.get_all("Date")
    assert len(dates) == 1
    assert abs(parsedate_to_datetime(dates[0]).timestamp() - time.time()) < 5
