"""Production settings as deployed: probes, headers, SQLite under load, and gunicorn's start."""

import os
import runpy
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "q8Vd2-mX0rTb7Lw_Zf4kNc1Hs9PyGe3JuAo6RiMt5lEzWxQaBvDnKpYhSgCjFu"


def production_env(tmp_path, **overrides):
    """The environment of a production process on a SQLite file in tmp_path."""
    # The browser tests' Playwright set-up allows async-unsafe calls; production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "competencyworks.settings",
        "DEBUG": "0",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "www.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "STATIC_ROOT": str(tmp_path),
        **overrides,
    }


def django_process(tmp_path, code, **env):
    """A Python process with production settings loaded, running code; lines in and out."""
    return subprocess.Popen(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env=production_env(tmp_path, **env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db
def test_health_probe_over_plain_http_is_answered_while_pages_go_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    probe = client.get("/healthz")
    page = client.get("/")

    assert probe.status_code == 200
    assert probe.json() == {"database": "ok", "cache": "ok"}
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/admin/login/"])
def test_browser_features_no_page_uses_are_refused(client, url):
    policy = client.get(url)["Permissions-Policy"]

    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"]:
        assert f"{feature}=()" in policy.split(", ")


HSTS_CHECK = """
from django.core.management import call_command
from django.test import Client
call_command("check", deploy=True, fail_level="WARNING")
response = Client().get("/healthz", secure=True, headers={"host": "www.example.org"})
print(response["Strict-Transport-Security"])
"""


@pytest.mark.parametrize(
    ("env", "header"),
    [
        ({}, "max-age=31536000"),
        ({"HSTS_INCLUDE_SUBDOMAINS": "1"}, "max-age=31536000; includeSubDomains"),
        (
            {"HSTS_INCLUDE_SUBDOMAINS": "1", "HSTS_PRELOAD": "1"},
            "max-age=31536000; includeSubDomains; preload",
        ),
    ],
)
def test_hsts_binds_subdomains_and_preload_lists_only_when_asked(tmp_path, env, header):
    process = django_process(tmp_path, HSTS_CHECK, **env)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 0, err  # check --deploy found nothing to warn about
    assert "System check identified no issues" in out
    assert out.splitlines()[-1] == header


HOLD_WRITE_LOCK = """
import sys
from django.db import connection, transaction
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute("INSERT INTO note (text) VALUES ('a long import')")
    print("writing", flush=True)
    sys.stdin.readline()
"""

# A login reads before it writes (the session, the user, the failed-attempt record).
WRITE_AFTER_READ = """
import sys, time
from django.db import connection, transaction
print("ready", flush=True)
sys.stdin.readline()
started = time.monotonic()
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM note")
    cursor.execute("INSERT INTO note (text) VALUES ('a login')")
print(f"{time.monotonic() - started:.2f}", flush=True)
"""


def test_sqlite_writer_waits_for_a_long_write_instead_of_failing(tmp_path):
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        database.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
    writer = django_process(tmp_path, WRITE_AFTER_READ)
    assert writer.stdout.readline() == "ready\n"
    holder = django_process(tmp_path, HOLD_WRITE_LOCK)
    assert holder.stdout.readline() == "writing\n"

    writer.stdin.write("go\n")
    writer.stdin.flush()
    time.sleep(1)  # the import goes on while the login waits
    holder.communicate("done\n", timeout=30)
    waited, err = writer.communicate(timeout=30)

    assert writer.returncode == 0, err  # not "database is locked"
    assert float(waited) > 0.3  # it queued behind the import
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        assert database.execute("SELECT text FROM note ORDER BY id").fetchall() == [
            ("a long import",),
            ("a login",),
        ]
        assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize(
    ("bind", "allowed"),
    [
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("0.0.0.0:8000", False),
        (":8000", False),
        ("[::]:8000", False),
        ("192.0.2.10:8000", False),
        ("unix:/run/competencyworks.sock", False),
    ],
)
def test_the_public_fallback_key_is_served_only_on_this_machine(monkeypatch, bind, allowed):
    monkeypatch.setenv("SECRET_KEY", "local-serve-only")
    monkeypatch.setenv("BIND", bind)

    if allowed:
        assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == bind
    else:
        with pytest.raises(RuntimeError, match="public fallback"):
            runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_a_real_key_may_be_served_on_any_address(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("BIND", "0.0.0.0:8000")

    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "0.0.0.0:8000"


def test_make_serve_stops_before_touching_anything_on_a_public_bind(tmp_path):
    env = {**os.environ, "BIND": "0.0.0.0:8000", "DATABASE_URL": f"sqlite:///{tmp_path}/db"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "public fallback" in result.stderr
    assert not (tmp_path / "db").exists()  # no migration ran


@pytest.mark.parametrize(
    ("secret_key", "trial"),
    [("", True), (STRONG_KEY, False)],
)
def test_make_serve_is_a_plain_http_trial_only_without_a_key(secret_key, trial):
    env = {**os.environ, "SECRET_KEY": secret_key}
    commands = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert ("HTTPS=0" in commands) is trial
    assert ("SECRET_KEY=local-serve-only" in commands) is trial


def test_gunicorn_parses_requests_with_its_c_parser(monkeypatch):
    """gunicorn falls back to its Python parser without a word when a setting the C parser
    cannot honour is on; the C parser saves about a fifth of a cached hit."""
    pytest.importorskip("gunicorn_h1c", reason="built only where there is a C compiler")
    from gunicorn.config import Config
    from gunicorn.http.message import _check_fast_parser

    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    config = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)

    assert config.http_parser == "auto"
    assert _check_fast_parser(config)


GUNICORN_LINE = """
from gunicorn.config import Config
from gunicorn.glogging import Logger
Logger(Config()).info("Booting worker with pid: %s", 41)
"""


def test_gunicorn_writes_its_own_lines_once_the_site_has_set_up_logging(tmp_path):
    """The site turns off some of what each log record looks up; gunicorn's lines show the
    process id, so that must stay."""
    process = django_process(tmp_path, GUNICORN_LINE)
    _, errors = process.communicate(timeout=60)

    assert process.returncode == 0, errors
    assert f"[{process.pid}] [INFO] Booting worker with pid: 41" in errors
    assert "Logging error" not in errors
