"""The shipped nginx front (deploy/nginx/nginx.conf): nginx accepts it, two app processes
serve readers behind it as two app machines would, and its front cache serves anonymous
pages, shows a change within a second and lets anyone with a session pass by.

CI installs nginx (.ci/run) and sets NGINX_TESTS=required; elsewhere a missing nginx skips
these tests with a loud reason.
"""

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.factories import PostFactory
from tests.processes import (
    app_server,
    collected_static,
    free_port,
    production_env,
    run_django,
    shared_database_url,
)

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

if NGINX is None and os.environ.get("NGINX_TESTS") != "required":
    pytest.skip(
        "NGINX NOT INSTALLED: deploy/nginx/nginx.conf was not checked", allow_module_level=True
    )


def local_config(tmp_path, cache=None):
    """The shipped file with this machine's certificate, pid file, cache folder and app
    addresses."""
    key, cert = tmp_path / "site.key", tmp_path / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )  # fmt: skip
    text = CONFIG.read_text()
    text = re.sub(r"server app(\d):8000", r"server 127.0.0.1:800\1", text)
    text = text.replace("/etc/ssl/certs/www.example.org.pem", str(cert))
    text = text.replace("/etc/ssl/private/www.example.org.key", str(key))
    text = re.sub(r"^pid .*;", f"pid {tmp_path / 'nginx.pid'};", text, flags=re.M)
    text = text.replace("/var/cache/competencyworks", str(cache or tmp_path / "front-cache"))
    local = tmp_path / "nginx.conf"
    local.write_text(text)
    return local


def test_nginx_accepts_the_shipped_configuration(tmp_path):
    assert NGINX, "NGINX_TESTS=required, but nginx is not installed"
    checked = subprocess.run(
        [NGINX, "-t", "-c", local_config(tmp_path)], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr


def test_uploads_up_to_the_image_limit_pass_the_front(settings):
    limit = re.search(r"client_max_body_size (\d+)m;", CONFIG.read_text())

    assert int(limit.group(1)) * 1024 * 1024 > settings.IMAGE_MAX_BYTES


def front_config(tmp_path, app_ports, http_port, https_port, cache):
    """The shipped file in front of this machine's app processes, on free ports."""
    text = local_config(tmp_path, cache).read_text()
    for number, port in enumerate(app_ports, start=1):
        text = text.replace(f"server 127.0.0.1:800{number}", f"server 127.0.0.1:{port}")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("/srv/competencyworks/staticfiles/", f"{collected_static()}/")
    config = tmp_path / "front.conf"
    config.write_text(text)
    return config


def wait_for(url, **options):
    for _ in range(300):  # up to 30 s: a busy machine starts Django slowly
        try:
            return httpx.get(url, timeout=1, **options)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@contextlib.contextmanager
def behind_front(tmp_path, env):
    """Two app servers (serve.py, one worker each) behind the shipped front; yields the
    front's https and http addresses and the app processes' ports."""
    app_ports, processes = [free_port(), free_port()], []
    # nginx's workers (nobody) cannot enter pytest's folders: the cache gets one of its own.
    cache = tempfile.mkdtemp(prefix="cw-test-front-cache-")
    try:
        for port in app_ports:
            processes.append(app_server(env, port, tmp_path / f"app-{port}.log"))
        for port in app_ports:
            wait_for(f"http://127.0.0.1:{port}/healthz", headers=HOST)
        http_port, https_port = free_port(), free_port()
        config = front_config(tmp_path, app_ports, http_port, https_port, cache)
        processes.append(
            subprocess.Popen(
                [NGINX, "-c", config, "-e", tmp_path / "nginx-error.log", "-g", "daemon off;"]
            )
        )
        front = f"https://127.0.0.1:{https_port}"
        wait_for(f"{front}/healthz", headers=HOST, verify=False)
        yield front, f"http://127.0.0.1:{http_port}", app_ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(cache, ignore_errors=True)


HOST = {"Host": "www.example.org"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_app_processes_serve_behind_the_shipped_front(tmp_path):
    assert NGINX, "NGINX_TESTS=required, but nginx is not installed"
    PostFactory(title="Mastery behind the front")
    database = shared_database_url(tmp_path)
    env = production_env(
        database, ALLOWED_HOSTS="www.example.org", HTTPS="1", TRUSTED_PROXY_COUNT="1",
        PAGE_CACHE_SECONDS="0",
    )  # fmt: skip
    with behind_front(tmp_path, env) as (front, plain, app_ports):
        # The load balancer's plain-http probe is answered; everything else moves to https.
        probe = httpx.get(f"{plain}/healthz", headers=HOST)
        assert probe.status_code == 200, probe.text
        moved = httpx.get(f"{plain}/blog/", headers=HOST)
        assert moved.status_code == 301
        assert moved.headers["Location"] == "https://www.example.org/blog/"

        with httpx.Client(base_url=front, headers=HOST, verify=False) as reader:
            pages = [reader.get("/blog/") for _ in range(6)]
            assert {page.status_code for page in pages} == {200}
            assert "Mastery behind the front" in pages[0].text
            # Hashed static files come from nginx itself, cached for a year.
            stylesheet = re.search(r'href="(/static/[^"]+\.css)"', pages[0].text)[1]
            static = reader.get(stylesheet)
            assert static.status_code == 200
            assert "immutable" in static.headers["Cache-Control"]

            # A failed login is counted against the client's own address, not one it forged.
            login = reader.get("/admin/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
            failed = reader.post(
                "/admin/login/",
                data={"username": "nobody", "password": "wrong", "csrfmiddlewaretoken": token},
                headers={
                    "X-Forwarded-For": "203.0.113.9",
                    "Referer": "https://www.example.org/admin/login/",
                },
            )
            assert failed.status_code == 200
        attempts = run_django(
            "from axes.models import AccessAttempt\n"
            "print(sorted(AccessAttempt.objects.values_list('ip_address', flat=True)))",
            database,
            **{k: env[k] for k in ("TRUSTED_PROXY_COUNT", "ALLOWED_HOSTS")},
        )
        assert attempts.stdout.strip().splitlines()[-1] == "['127.0.0.1']", attempts.stderr

        # Both app processes took their share of the requests.
        for port in app_ports:
            assert "GET /blog/" in (tmp_path / f"app-{port}.log").read_text()


STAFF_SESSION = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from tests.factories import UserFactory
chief = UserFactory(username="chief", is_staff=True, is_superuser=True)
session = SessionStore()
session.update({"_auth_user_id": str(chief.pk), "_auth_user_backend":
    "django.contrib.auth.backends.ModelBackend", "_auth_user_hash": chief.get_session_auth_hash()})
session.create()
print(session.session_key)
"""
RETITLE = """
import time
from blog.models import Post
from competencyworks.pagecache import content_changed
Post.objects.filter(title="Before the change").update(title="After the change")
content_changed()
print(time.time())
"""


def front_cache_state(reader, path):
    page = reader.get(path)
    assert page.status_code == 200, page.text
    return page, page.headers.get("X-Front-Cache")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_front_cache_shows_a_change_within_a_second_and_lets_sessions_pass(tmp_path):
    assert NGINX, "NGINX_TESTS=required, but nginx is not installed"
    post = PostFactory(title="Before the change")
    database = shared_database_url(tmp_path)
    env = production_env(
        database, ALLOWED_HOSTS="www.example.org", HTTPS="1", TRUSTED_PROXY_COUNT="1",
        PAGE_CACHE_SECONDS="600",
    )  # fmt: skip
    session = run_django(STAFF_SESSION, database).stdout.split()[-1]
    with (
        behind_front(tmp_path, env) as (front, _, _),
        httpx.Client(base_url=front, headers=HOST, verify=False) as reader,
    ):
        # Readers are served by nginx from its own copy after the first request; each
        # second it asks the site again (REVALIDATED: a 304; EXPIRED: a new copy).
        states = [front_cache_state(reader, "/blog/")[1] for _ in range(5)]
        assert states[0] == "MISS" and "HIT" in states, states
        assert set(states[1:]) <= {"HIT", "REVALIDATED", "EXPIRED"}, states

        # Staff pass by the front cache both ways: their pages (with edit links) are the
        # site's own, never kept for readers; a made-up session cookie passes by too.
        staff = reader.get(post.get_absolute_url(), headers={"Cookie": f"sessionid={session}"})
        assert staff.headers["X-Front-Cache"] == "BYPASS"
        assert "Edit this page" in staff.text and "X-Cache" not in staff.headers
        made_up = reader.get("/blog/", headers={"Cookie": "sessionid=made-up"})
        assert made_up.headers["X-Front-Cache"] == "BYPASS"
        states = []
        for _ in range(3):
            page, state = front_cache_state(reader, post.get_absolute_url())
            assert "Edit this page" not in page.text
            states.append(state)
        assert "HIT" in states, states
        # Answers that set a cookie (the login form's CSRF cookie) are never kept.
        assert {reader.get("/admin/login/").headers["X-Front-Cache"] for _ in range(3)} == {"MISS"}

        # Another process changes the post: every request sent a second or more later
        # shows the change.
        changed_at = float(run_django(RETITLE, database).stdout.split()[-1])
        answers = []
        while time.time() < changed_at + 2:
            sent_at = time.time()
            answers.append((sent_at - changed_at, "After the change" in reader.get("/blog/").text))
            time.sleep(0.05)
        late = [shows_change for after, shows_change in answers if after >= 1]
        assert late and all(late), answers
