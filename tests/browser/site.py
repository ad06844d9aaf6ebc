"""The site as an operator runs it, for the browser to visit.

A fresh database (a SQLite file, or a throwaway PostgreSQL database when the suite runs
on PostgreSQL) with the demo content and an editor account, static files collected, and
the production app server (`python serve.py`: uWSGI; DEBUG off, hashed static files, CSP,
page cache).
The browser tests only speak HTTP to it, as readers and editors do.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
EDITOR = ("editor", "a browser editor's password")
CREATE_EDITOR = """
from django.contrib.auth.models import Group, User
editor = User.objects.create_user({!r}, password={!r}, is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
""".format(*EDITOR)


@dataclass
class Site:
    url: str
    log: Path
    media: Path

    def log_tail(self, chars=4000):
        return self.log.read_text(errors="replace")[-chars:]


class ThrowawayDatabase:
    """A database for one test run's site, beside the suite's own; dropped afterwards."""

    def __init__(self, workdir, name):
        suite_url = os.environ.get("DATABASE_URL", "")
        self.postgres = suite_url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(suite_url)
            self.server_url = suite_url
            self.name = name
            self.url = urlunsplit(parts._replace(path=f"/{name}"))
        else:
            self.url = f"sqlite:///{workdir / 'site.sqlite3'}"

    def _admin(self, statement):
        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(statement)

    def create(self):
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def stop_with_parent():
    """In the server process: Linux ends it if the test run is killed before cleaning up."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def production_env(database_url, workdir, port):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "competencyworks.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "browser-tests-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "SERVE_MEDIA": "1",
        "PAGE_CACHE_SECONDS": "600",
        "REDIS_URL": "",  # one process: its own memory cache
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",  # the browser fetches a page's files in parallel
        # Offline, the site's own pages stand in for the web pages editors collect links to.
        "LINK_CHECK_ALLOWED_NETWORKS": "127.0.0.1/32",
        # Mail (alert confirmations) is written to the server's log, where tests read it.
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }


def manage(env, *command):
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def wait_until_ready(process, url, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with {process.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"The server did not answer within {timeout}s:\n{log.read_text()}")


def serve(workdir, database_name):
    """Build the site and serve it; yields a Site, stops and cleans up afterwards."""
    database = ThrowawayDatabase(workdir, database_name)
    port = free_port()
    env = production_env(database.url, workdir, port)
    database.create()
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "shell", "--no-imports", "-c", CREATE_EDITOR)
        manage(env, "collectstatic", "--noinput")
        log = workdir / "server.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "serve.py"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=stop_with_parent if sys.platform == "linux" else None,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                wait_until_ready(process, url, log)
                yield Site(url=url, log=log, media=workdir / "media")
            finally:
                process.terminate()
                process.wait(timeout=20)
    finally:
        database.drop()
