"""App processes that cache pages, whatever their layout: two processes on one PostgreSQL
and Redis, several gunicorn workers each with its own memory cache, and Redis stopping
mid-run. A change made through one process is what every process serves within a second."""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import PostFactory, UserFactory
from tests.processes import app_server, free_port

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_processes(tmp_path):
    """Two separate app servers (serve.py, one worker each) serving the test database with
    production settings."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    database_url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "DEBUG": "0",
        "HTTPS": "0", "SECRET_KEY": "two-process-test", "ALLOWED_HOSTS": "127.0.0.1",
        "PAGE_CACHE_SECONDS": "600", "DJANGO_SETTINGS_MODULE": "competencyworks.settings",
        "STATIC_ROOT": str(tmp_path / "static"),
    }  # fmt: skip
    # Production settings serve hashed static files: collect them as a deployment would.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    processes, ports = [], []
    for _ in range(2):
        port = free_port()
        processes.append(app_server(env, port, tmp_path / f"{port}.log"))
        ports.append(port)
    for port in ports:
        for _ in range(300):  # up to 30 s: a busy CI machine starts Django slowly
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
    servers = Servers(f"http://127.0.0.1:{port}" for port in ports)
    servers.log_dir = tmp_path
    yield servers
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


class Servers(list):
    log_dir = None


def server_logs(servers):
    logs = sorted(Path(servers.log_dir or ".").glob("*.log"))
    return "\n".join(log.read_text()[-2000:] for log in logs)


def fetch(url, opener=None):
    try:
        response = (opener or urllib.request.build_opener()).open(url, timeout=10)
        return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, ""


def post_form(opener, url, form):
    """Fetch the form's page for its CSRF token, then post `form` back to it."""
    _, _, page = fetch(url, opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(url, data=data, headers={"Referer": url}), timeout=10)


def admin_session(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = {"username": "chief", "password": "a long enough password", "next": "/admin/"}
    post_form(opener, f"{base}/admin/login/", form)
    return opener


@pytest.mark.skipif(
    not REDIS_URL or connection.vendor != "postgresql",
    reason="needs PostgreSQL and REDIS_URL (CI's PostgreSQL run sets both)",
)
def test_a_change_made_in_one_process_is_served_by_the_other(app_processes):
    writer, reader = app_processes
    chief = UserFactory(username="chief", is_staff=True, is_superuser=True)
    # The app processes run production settings, whose hashers the tests' fast one is not.
    hasher = PBKDF2PasswordHasher()
    chief.password = hasher.encode("a long enough password", hasher.salt(), iterations=1000)
    chief.save()
    post = PostFactory(title="Visible everywhere")
    for _ in range(2):  # the second read comes from the cache
        status, headers, body = fetch(f"{reader}/blog/")
    assert status == 200, server_logs(app_processes)
    assert headers["X-Cache"] == "hit" and "Visible everywhere" in body

    opener = admin_session(writer)
    form = {"action": "unpublish_selected", "_selected_action": str(post.pk), "index": "0"}
    post_form(opener, f"{writer}/admin/blog/post/", form)
    changed_at = time.monotonic()

    # The reader process trusts its last look at the content version for a moment.
    while True:
        status, headers, body = fetch(f"{reader}/blog/")
        if "Visible everywhere" not in body or time.monotonic() - changed_at > 1:
            break
        time.sleep(0.05)
    assert status == 200 and "Visible everywhere" not in body, "still shown after a second"
    assert fetch(f"{reader}{post.get_absolute_url()}")[0] == 404


# Each access-log line: worker pid, the reader's label, status, X-Cache, path.
ACCESS_FORMAT = "%(p)s %({x-probe}i)s %(s)s %({x-cache}o)s %(U)s"
CONTENT_SCRIPT = """
import json, django
django.setup()
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from tests.factories import PostFactory, UserFactory
from tests.processes import app_server, free_port
chief = UserFactory(username="chief", is_staff=True, is_superuser=True)
hasher = PBKDF2PasswordHasher()
chief.password = hasher.encode("a long enough password", hasher.salt(), iterations=1000)
chief.save()
post = PostFactory(title="Visible everywhere")
print(json.dumps({"pk": post.pk, "url": post.get_absolute_url()}))
"""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Static files collected once, and on SQLite a migrated database file with the content
    made once, which each test copies."""
    folder = tmp_path_factory.mktemp("site")
    env = {
        **os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": "process-layout-test",
        "ALLOWED_HOSTS": "127.0.0.1", "PAGE_CACHE_SECONDS": "600",
        "DJANGO_SETTINGS_MODULE": "competencyworks.settings", "STATIC_ROOT": str(folder / "static"),
    }  # fmt: skip
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if connection.vendor == "postgresql":
        return env, None
    env["DATABASE_URL"] = f"sqlite:///{folder / 'template.sqlite3'}"
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env, make_content(env)


def make_content(env):
    made = subprocess.run(
        [sys.executable, "-c", CONTENT_SCRIPT], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(made.stdout.splitlines()[-1])


@pytest.fixture
def site(prepared, tmp_path):
    """Production settings on the test database (PostgreSQL) or a SQLite file, with an admin
    and a published post; `site.start(workers, **env)` serves it with gunicorn."""
    env, post = prepared
    env = {**env, "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log")}
    if post is None:
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        post = make_content(env)
    else:
        template = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
        shutil.copy(template, tmp_path / "site.sqlite3")
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    site = Site(env, tmp_path, post)
    yield site
    site.stop()


class Site:
    def __init__(self, env, log_dir, post):
        self.env, self.log_dir, self.post = env, log_dir, post
        self.process = None

    def start(self, workers, **env):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "gunicorn", "competencyworks.wsgi", "-c", "gunicorn.conf.py",
            "-w", str(workers), "-b", f"127.0.0.1:{port}", "--access-logformat", ACCESS_FORMAT,
            "--error-logfile", str(self.log_dir / "error.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env})
        for _ in range(300):  # up to 30 s: a busy machine starts Django slowly
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise AssertionError(self.errors())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
            self.process.wait(timeout=20)

    def errors(self):
        return (self.log_dir / "error.log").read_text()

    def access(self):
        """(pid, label, status, x-cache, path) of every request served so far."""
        log = self.log_dir / "access.log"
        return [tuple(line.split()) for line in log.read_text().splitlines() if line.strip()]


def probe(url, label):
    request = urllib.request.Request(url, headers={"X-Probe": label})
    return fetch(request)


class Readers:
    """Threads reading `urls` as fast as they can; each request is labelled "before" until
    `late_after` (a monotonic time) is set and has passed, "late" afterwards."""

    def __init__(self, urls, threads=4):
        self.urls, self.late_after, self.running = urls, None, True
        self.late = []  # (url, status, body) of the late requests
        self.threads = [threading.Thread(target=self.read) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def read(self):
        while self.running:
            for url in self.urls:
                late = self.late_after is not None and time.monotonic() > self.late_after
                status, _, body = probe(url, "late" if late else "before")
                if late:
                    self.late.append((url, status, body))

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join()


def test_every_worker_honours_an_unpublish_within_a_second(site):
    """Three workers, each caching pages in its own memory; readers race the save."""
    site.start(workers=3)
    post_url = f"{site.base}{site.post['url']}"
    readers = Readers([post_url, f"{site.base}/blog/"])
    try:
        deadline = time.monotonic() + 20
        while len(cached_by(site.access())) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(cached_by(site.access())) == 3, "every worker serves the post from its cache"

        opener = admin_session(site.base)
        form = {"action": "unpublish_selected", "_selected_action": site.post["pk"], "index": 0}
        post_form(opener, f"{site.base}/admin/blog/post/", form)
        readers.late_after = time.monotonic() + 1
        while time.monotonic() < readers.late_after + 1.5:
            time.sleep(0.1)
    finally:
        readers.stop()

    assert readers.late, site.errors()
    for url, status, body in readers.late:
        expected = 404 if url == post_url else 200
        assert status == expected and "Visible everywhere" not in body, (url, status)
    late = [line for line in site.access() if line[1] == "late"]
    assert len({pid for pid, *_ in late}) == 3, "each worker answered after the change"


def cached_by(access):
    """Workers that have served a page from their cache."""
    return {pid for pid, label, status, hit, path in access if hit == "hit"}


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port, which a test may stop and start again."""
    if not shutil.which("redis-server"):
        # CI's machines run Redis: there a missing server is a failure, never a skip.
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port(), tmp_path)
    yield server.start()
    server.stop()


class RedisServer:
    def __init__(self, port, directory):
        self.port, self.directory, self.process = port, directory, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def test_pages_are_served_while_redis_is_down(site, redis_server):
    site.start(workers=2, REDIS_URL=redis_server.url)
    pages = [f"{site.base}/blog/", f"{site.base}{site.post['url']}", f"{site.base}/"]
    for url in pages * 2:
        status, headers, _ = probe(url, "up")
        assert status == 200, site.errors()
    assert headers["X-Cache"] == "hit"

    redis_server.stop()
    for url in pages * 5:
        status, headers, body = probe(url, "down")
        assert status == 200, site.errors()
        assert "X-Cache" not in headers
    assert "Visible everywhere" in body
    status, _, body = fetch(f"{site.base}/healthz")
    assert (status, json.loads(body)) == (200, {"database": "ok", "cache": "degraded"})
    # Sessions live in the database: editors can still sign in and work.
    assert fetch(f"{site.base}/admin/", admin_session(site.base))[0] == 200
    assert site.errors().count("Page cache unreachable") <= 2  # once per worker at most

    redis_server.start()
    deadline = time.monotonic() + 10
    while probe(pages[0], "back")[1].get("X-Cache") != "hit" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert probe(pages[0], "back")[1]["X-Cache"] == "hit"
    # Each worker tries the cache again on its own, within seconds of its last failure.
    while json.loads(fetch(f"{site.base}/healthz")[2])["cache"] != "ok":
        assert time.monotonic() < deadline, "a worker still reports the cache as degraded"
        time.sleep(0.2)
