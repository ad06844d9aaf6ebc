"""The shipped nginx front (deploy/nginx.conf) is a configuration nginx accepts.

CI installs nginx (.ci/run) and sets NGINX_TESTS=required; elsewhere a missing nginx skips
these tests with a loud reason.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

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
