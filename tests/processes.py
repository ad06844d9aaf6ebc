"""Separate Django processes that see what a test has committed to its database."""

import functools
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url(settings_dict):
    """A DATABASE_URL naming the database described by `settings_dict`."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgresql://{settings_dict['USER']}{password}@{host}:{port}/{settings_dict['NAME']}"


def shared_database_url(folder):
    """The test database as other processes can open it (needs transaction=True).

    PostgreSQL's test database is shared as it is; SQLite's lives in this process's memory,
    so it is copied to a file in `folder` first.
    """
    if connection.vendor == "postgresql":
        return database_url(connection.settings_dict)
    path = Path(folder) / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    return f"sqlite:///{path}"


@functools.cache
def collected_static():
    """Static files collected once per test process, as a deployment collects them: production
    settings name every file by its hashed name from the manifest."""
    folder = tempfile.mkdtemp(prefix="cw-test-collected-")
    os.chmod(folder, 0o755)  # a web server's workers read it too
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=base_env(STATIC_ROOT=folder, DATABASE_URL="sqlite://:memory:"),
        check=True,
    )
    return folder


def base_env(**overrides):
    # The browser tests' Playwright set-up allows async-unsafe calls; production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "competencyworks.settings",
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "tests-only-not-secret-but-long-enough-for-the-deploy-checks-0123",
        "ALLOWED_HOSTS": "testserver",
        "REDIS_URL": "",
        "SENTRY_DSN": "",
        "LOG_FORMAT": "",
        **overrides,
    }


def production_env(database, **overrides):
    """The environment of a production app process on `database` (a DATABASE_URL)."""
    return base_env(DATABASE_URL=database, STATIC_ROOT=collected_static(), **overrides)


def run_django(code, database, timeout=60, **env):
    """Run `code` in a production process on `database`; the finished process."""
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env=production_env(database, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(*args, database, **env):
    """Start `manage.py ARGS` on `database`; the running process."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(database, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_server(env, port, log_path, *arguments, workers=1):
    """`python serve.py [arguments]`, the production app server, with `workers` on
    127.0.0.1:port, writing its log to log_path; the caller stops it."""
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "serve.py", *arguments],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
