"""The production app server: uWSGI, with the settings gunicorn.conf.py reads from the environment.

`make serve` runs it:

    python serve.py            # serve the site (competencyworks.wsgi, with a Date header)
    python serve.py MODULE     # serve another WSGI module's `application` (the benchmarks)
    python serve.py --check    # only check the settings (a refused start changes nothing)

On the same settings uWSGI answers a cached page at more than twice gunicorn's rate (README,
Performance): its request loop is C, gunicorn's sync worker Python. gunicorn.conf.py stays the
one place the settings live (BIND, WEB_CONCURRENCY, GUNICORN_TIMEOUT, ...), and still runs
`gunicorn -c gunicorn.conf.py` where a platform starts gunicorn itself.
"""

import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
APP = "competencyworks.wsgi:dated_application"
# Request headers as large as nginx passes on (4 x 8 KB); at uWSGI's default of 4 KB a request
# carrying a few large cookies is dropped without an answer.
HEADER_BUFFER = 32 * 1024
BACKLOG = 2048  # gunicorn's; uWSGI refuses to start above the kernel's somaxconn
SOMAXCONN = Path("/proc/sys/net/core/somaxconn")
ALWAYS = [
    "--strict",  # an unknown option is an error, not a warning
    "--master",
    "--need-app",  # exit when the site fails to load, instead of answering 500s without it
    "--single-interpreter",
    "--enable-threads",  # the site's and Sentry's threads run between requests
    # Workers are forked in C: run Python's own fork hooks (fresh locks in logging and
    # threading in each worker), as os.fork() does under gunicorn.
    "--py-call-uwsgi-fork-hooks",
    "--thunder-lock",
    "--vacuum",
    # SIGTERM (systemd, containers) stops after the requests in hand, as it does gunicorn.
    "--hook-master-start=unix_signal:15 gracefully_kill_them_all",
    # A reader who closes the tab mid-answer is not an error worth a log line.
    "--ignore-sigpipe",
    "--ignore-write-errors",
    "--disable-write-exception",
    # Each answer closes its connection, as gunicorn's sync workers do; saying so lets a
    # client open a new one rather than fail on its next request.
    "--add-header=Connection: close",
    f"--buffer-size={HEADER_BUFFER}",
]


def listen_backlog():
    try:
        return min(BACKLOG, int(SOMAXCONN.read_text()))
    except (OSError, ValueError):
        return 128  # the kernel default where /proc does not say


def uwsgi_arguments(settings, app=APP):
    """uWSGI's command line for gunicorn.conf.py's settings (a dict of its names)."""
    workers = settings["workers"]
    arguments = [
        f"--http-socket={settings['bind'].removeprefix('unix:')}",
        f"--module={app}",
        f"--processes={workers}",
        f"--harakiri={settings['timeout']}",
        f"--worker-reload-mercy={settings['graceful_timeout']}",
        f"--max-requests={settings['max_requests']}",
        # uWSGI adds worker number x delta: workers recycle spread over the same jitter.
        f"--max-requests-delta={settings['max_requests_jitter'] // workers}",
        f"--listen={listen_backlog()}",
        *ALWAYS,
    ]
    if settings["bind"].startswith("unix:"):
        # Writable by the proxy's user: gunicorn leaves its socket writable by all (umask 0).
        arguments.append("--chmod-socket=666")
    if settings["threads"] > 1:
        arguments.append(f"--threads={settings['threads']}")
    if settings["accesslog"] is None:
        arguments.append("--disable-logging")
    elif settings["accesslog"] != "-":
        arguments.append(f"--req-logger=file:{settings['accesslog']}")
    return arguments


def main(argv):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # raises on a refused setting
    if argv[:1] == ["--check"]:
        return
    uwsgi = Path(sys.executable).with_name("uwsgi")
    os.execv(uwsgi, [str(uwsgi), *uwsgi_arguments(settings, *argv[:1])])


if __name__ == "__main__":
    main(sys.argv[1:])
