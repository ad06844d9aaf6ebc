"""Two app processes on one PostgreSQL and Redis: a change made through one is what the
other serves next, although both cache pages."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import PostFactory, UserFactory

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REDIS_URL or connection.vendor != "postgresql",
        reason="needs PostgreSQL and REDIS_URL (CI's PostgreSQL run sets both)",
    ),
]
ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_processes(tmp_path):
    """Two separate gunicorn processes serving the test database with production settings."""
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
        log = str(tmp_path / f"{port}.log")
        command = [
            sys.executable, "-m", "gunicorn", "competencyworks.wsgi", "-w", "1",
            "-b", f"127.0.0.1:{port}", "--error-logfile", log, "--access-logfile", log,
        ]  # fmt: skip
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env))
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
