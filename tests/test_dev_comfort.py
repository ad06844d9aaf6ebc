"""Development comfort and reproducible installs: error pages under DEBUG, the debug toolbar,
`make run PORT=…`, and the lock file every install comes from."""

import json
import os
import re
import runpy
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from blog import views

ROOT = Path(__file__).resolve().parent.parent
PINNED = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


@pytest.fixture
def debug(settings):
    """DEBUG on, as under `make run`; the test client loads the middleware afresh."""
    settings.DEBUG = True
    settings.DEBUG_PAGES = False
    return settings


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/no/such/page/", "/blog/2020/01/01/no-such-post/"])
def test_a_missing_page_under_debug_is_the_designed_404_page(client, debug, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    assert "There is nothing at this address" in response.content.decode()


@pytest.mark.django_db
def test_a_failing_page_under_debug_is_the_designed_500_page_and_logs_the_traceback(
    client, debug, monkeypatch, caplog
):
    def broken(self, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views.HomeView, "get_context_data", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "the database went away" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and "the database went away" in str(logged[0].exc_info[1])


@pytest.mark.django_db
def test_debug_pages_flag_brings_back_djangos_technical_pages(client, debug):
    debug.DEBUG_PAGES = True

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Using the URLconf defined in" in response.content.decode()


SETTINGS_PROBE = """
import json, re, django
from django.conf import settings
from django.test import Client
django.setup()
client = Client(REMOTE_ADDR="127.0.0.1")
page = client.get("/")
toolbar = re.search(r'data-request-id="([0-9a-f]+)"', page.content.decode())
panel = toolbar and client.get(
    "/__debug__/render_panel/", {"request_id": toolbar[1], "panel_id": "SQLPanel"}
)
print(json.dumps({
    "apps": "debug_toolbar" in settings.INSTALLED_APPS,
    "middleware": any("debug_toolbar" in m for m in settings.MIDDLEWARE),
    "toolbar_on_page": bool(toolbar),
    "page_csp": page.get("Content-Security-Policy", ""),
    "panel_status": panel and panel.status_code,
    "panel_csp": panel and panel.get("Content-Security-Policy"),
}))
"""


def settings_probe(tmp_path, **env):
    """Load the site's settings in a process of their own and report on the toolbar."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}
    }
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    process_env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "competencyworks.settings",
        "DATABASE_URL": database,
        "REDIS_URL": "",
        "STATIC_ROOT": str(tmp_path / "static"),  # collected here, as a deployment would
        **env,
    }
    for command in (["migrate"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v", "0"],
            cwd=ROOT,
            env=process_env,
            check=True,
        )
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_debug_toolbar_shows_under_debug_on_this_machine_only(tmp_path):
    development = settings_probe(tmp_path, DEBUG="1", ALLOWED_HOSTS="testserver")
    production = settings_probe(
        tmp_path, DEBUG="0", HTTPS="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="testserver"
    )

    assert development["apps"] and development["middleware"]
    assert development["toolbar_on_page"]
    # Pages keep their policy; the toolbar's own panels are left out of it.
    assert "script-src 'self'" in development["page_csp"]
    assert development["panel_status"] == 200
    assert development["panel_csp"] is None
    assert not production["apps"] and not production["middleware"]
    assert not production["toolbar_on_page"]


def test_tests_run_without_the_debug_toolbar():
    assert "debug_toolbar" not in django_settings.INSTALLED_APPS
    assert not any("debug_toolbar" in name for name in django_settings.MIDDLEWARE)


def make_dry_run(*args):
    done = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.parametrize(
    ("args", "address"), [((), "127.0.0.1:8000"), (("PORT=8123",), "127.0.0.1:8123")]
)
def test_make_run_serves_on_the_port_asked_for(args, address):
    commands = make_dry_run("run", *args)
    assert f"manage.py runserver {address}" in commands
    # The printed admin login points at the same port.
    assert f"manage.py demo_login --port {address.split(':')[1]}" in commands


def test_installs_come_from_the_lock_with_hashes():
    # -W: as if the lock had just changed, which must reinstall.
    commands = make_dry_run("-W", "requirements.lock", ".venv/.installed")

    assert "pip install --quiet --require-hashes -r requirements.lock" in commands
    assert "pip install --quiet --no-deps -e ." in commands
    # The C parser is built from source: without a compiler the install goes on without it.
    assert "pip install --quiet --require-hashes -r requirements-fast.lock" in commands
    assert "|| echo" in commands
    assert locked_versions("requirements-fast.lock").keys() == {"gunicorn-h1c"}


def locked_versions(lock="requirements.lock"):
    """{name: version} of a lock, each pinned entry checked to carry hashes."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    locked = {}
    for entry in entries:
        pinned = PINNED.match(entry)
        if pinned:
            assert "--hash=sha256:" in entry, f"{pinned[1]} has no hash in the lock"
            locked[canonicalize_name(pinned[1])] = pinned[2]
    return locked


def test_the_lock_pins_every_dependency_the_project_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = locked_versions()

    for line in named:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock has {name}=={locked[name]}, pyproject.toml asks for "
            f"{requirement.specifier}: run make lock"
        )


def test_gunicorn_worker_recycling_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "50000")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS_JITTER", "5000")

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert (config["max_requests"], config["max_requests_jitter"]) == (50000, 5000)
