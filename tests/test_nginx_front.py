"""The shipped nginx front (deploy/nginx.conf): nginx accepts it, and two app processes
serve readers behind it as two app machines would.

CI installs nginx (.ci/run) and sets NGINX_TESTS=required; elsewhere a missing nginx skips
these tests with a loud reason.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.factories import PostFactory
from tests.processes import collected_static, production_env, run_django, shared_database_url

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

if NGINX is None and os.environ.get("NGINX_TESTS") != "required":
    pytest.skip("NGINX NOT INSTALLED: deploy/nginx.conf was not checked", allow_module_level=True)


def local_config(tmp_path):
    """The shipped file with this machine's certificate, pid file and app addresses."""
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def front_config(tmp_path, app_ports, http_port, https_port):
    """The shipped file in front of this machine's app processes, on free ports."""
    text = local_config(tmp_path).read_text()
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_app_processes_serve_behind_the_shipped_front(tmp_path):
    assert NGINX, "NGINX_TESTS=required, but nginx is not installed"
    PostFactory(title="Mastery behind the front")
    database = shared_database_url(tmp_path)
    env = production_env(
        database, ALLOWED_HOSTS="www.example.org", HTTPS="1", TRUSTED_PROXY_COUNT="1",
        PAGE_CACHE_SECONDS="0",
    )  # fmt: skip
    app_ports, processes = [free_port(), free_port()], []
    try:
        for port in app_ports:
            log = str(tmp_path / f"app-{port}.log")
            command = [
                sys.executable, "-m", "gunicorn", "competencyworks.wsgi", "-w", "1",
                "-b", f"127.0.0.1:{port}", "--access-logfile", log, "--error-logfile", log,
            ]  # fmt: skip
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env))
        for port in app_ports:
            wait_for(f"http://127.0.0.1:{port}/healthz", headers={"Host": "www.example.org"})
        http_port, https_port = free_port(), free_port()
        config = front_config(tmp_path, app_ports, http_port, https_port)
        processes.append(
            subprocess.Popen(
                [NGINX, "-c", config, "-e", tmp_path / "nginx-error.log", "-g", "daemon off;"]
            )
        )
        front = f"https://127.0.0.1:{https_port}"
        host = {"Host": "www.example.org"}
        wait_for(f"{front}/healthz", headers=host, verify=False)

        # The load balancer's plain-http probe is answered; everything else moves to https.
        probe = httpx.get(f"http://127.0.0.1:{http_port}/healthz", headers=host)
        assert probe.status_code == 200, probe.text
        moved = httpx.get(f"http://127.0.0.1:{http_port}/blog/", headers=host)
        assert moved.status_code == 301
        assert moved.headers["Location"] == "https://www.example.org/blog/"

        with httpx.Client(base_url=front, headers=host, verify=False) as reader:
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
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
