"""What bench/pages.py and bench/load.py share: the database, the server and the client.

Both scripts run from bench/, so they import this module as `harness`. The database is a
fresh SQLite file in a temporary directory unless DATABASE_URL is set; the server is
the production app server (`python serve.py`: uWSGI with gunicorn.conf.py's settings, DEBUG=0,
HTTPS=0) on a free 127.0.0.1 port; the client uses only the standard library, one kept
http.client connection per thread, and only ever connects to 127.0.0.1. Like a browser,
the client sends `Accept-Encoding: gzip` unless told to ask for `identity`, and counts a
200 answer in the other encoding as an error.
"""

import gzip
import http.client
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
POST_LINK = re.compile(r'href="(/blog/\d{4}/\d{2}/\d{2}/[^"/]+/)"')
TAG_LINK = re.compile(r'href="(/blog/tag/[^"/]+/)"')
RECYCLED = "is done. Seeya!"  # uWSGI logs this when max-requests recycles a worker
LOG_PROBLEMS = ("Traceback", "[ERROR]", "[CRITICAL]", "HARAKIRI ON WORKER", "DAMN ! worker")
STOP = threading.Event()  # set by a script's signal handler: clients stop sending
GZIP, IDENTITY = "gzip", "identity"  # the Accept-Encoding values the client sends
VENDOR_CODE = """
from django.db import connection
connection.ensure_connection()
version = ""
if connection.vendor == "sqlite":
    version = connection.Database.sqlite_version
elif connection.vendor == "postgresql":
    major, minor = divmod(connection.pg_version, 10000)
    version = f"{major}.{minor}"
print(connection.vendor, version)
"""


class Workdir:
    """A temporary directory for the database and logs; kept if `keep` is set or the run fails."""

    def __init__(self, prefix, keep=False):
        self.prefix = prefix
        self.keep = keep
        self.path = None

    def __enter__(self):
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix))
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self.keep or exc_type is not None:
            print(f"Kept {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def database_url(workdir, posts):
    """DATABASE_URL from the environment (with a warning), else a new SQLite file in workdir."""
    existing = os.environ.get("DATABASE_URL")
    if not existing:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    print(
        f"WARNING: using DATABASE_URL from the environment; this adds {posts} "
        "synthetic posts (and the demo content, if missing) to that database.",
        file=sys.stderr,
    )
    return existing


def production_env(database_url):
    """The production settings, as `make serve` runs them, on the benchmark database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": HOST,
    }


def manage(env, *command, capture=False):
    """Run manage.py with this interpreter."""
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def prepare(env, posts):
    """Migrate, seed `posts` synthetic posts and collect static files; print how long each took."""
    print(f"Migrating and seeding {posts} posts ...", flush=True)
    steps = [
        ("migrate", "--noinput", "-v", "0"),
        ("seed_demo", "--posts", str(posts)),
        ("collectstatic", "--noinput", "-v", "0"),  # production settings serve hashed files
    ]
    took = []
    for command in steps:
        started = time.perf_counter()
        manage(env, *command)
        took.append(f"{command[0]} {time.perf_counter() - started:.1f}s")
    print(", ".join(took), flush=True)


def static_root():
    """settings.STATIC_ROOT of the servers started here: collectstatic's folder."""
    return PROJECT_ROOT / os.environ.get("STATIC_ROOT", "staticfiles")


def database_vendor(env):
    """The Django database vendor and server version, e.g. "sqlite 3.45.1"."""
    done = manage(env, "shell", "--no-imports", "-c", VENDOR_CODE, capture=True)
    return done.stdout.strip().splitlines()[-1]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Connection(http.client.HTTPConnection):
    """An http.client connection that counts the TCP connections it opens."""

    opened = 0

    def connect(self):
        super().connect()
        self.opened += 1


@dataclass
class Reply:
    """One answer: the status, the body as it came over the wire, and two headers."""

    status: int
    body: bytes
    x_cache: str | None
    content_encoding: str | None

    def problem(self, encoding):
        """Why this is not the 200 answer in `encoding` that was asked for, or None."""
        if self.status != 200:
            return f"HTTP {self.status}"
        if (self.content_encoding or IDENTITY) != encoding:
            return f"asked for {encoding}, got Content-Encoding {self.content_encoding}"
        return None

    def content(self):
        """The body with its Content-Encoding undone."""
        return gzip.decompress(self.body) if self.content_encoding == GZIP else self.body


def fetch(connection, path, encoding=GZIP, host=None):
    """GET path on a kept connection, accepting `encoding` (and naming `host`, if given);
    return a Reply. Reconnects as needed."""
    headers = {"Accept-Encoding": encoding, **({"Host": host} if host else {})}
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return Reply(
            response.status,
            body,
            response.getheader("X-Cache"),
            response.getheader("Content-Encoding"),
        )
    except (OSError, http.client.HTTPException):
        connection.close()  # the next request opens a fresh socket
        raise


def get(port, path, encoding=GZIP, timeout=30):
    """One GET on a connection of its own; return a Reply."""
    connection = Connection(HOST, port, timeout=timeout)
    try:
        return fetch(connection, path, encoding)
    finally:
        connection.close()


def get_page(port, path, encoding=GZIP):
    """The 200 Reply for path in `encoding`, or exit with the reason it is not one."""
    reply = get(port, path, encoding)
    problem = reply.problem(encoding)
    if problem:
        sys.exit(f"GET {path}: {problem}; cannot benchmark it.")
    return reply


def blog_links(port, encoding=GZIP):
    """(post detail, tag) addresses, the first of each linked from the blog list."""
    listing = get_page(port, "/blog/", encoding).content().decode()
    post = POST_LINK.search(listing)
    tag = TAG_LINK.search(listing)
    if not post or not tag:
        sys.exit("No post or tag link found on /blog/.")
    return post.group(1), tag.group(1)


class Server:
    """The production app server (serve.py) on a free port; always stopped on exit.

    cache_seconds is PAGE_CACHE_SECONDS: 0 makes every request render its page. `app` is the
    module whose WSGI application it serves instead of the site. gunicorn=True runs the site
    under `gunicorn -c gunicorn.conf.py` instead, the same settings, for comparison.
    """

    def __init__(self, env, log_path, *, workers, cache_seconds, app=None, gunicorn=False):
        self.label = "cached" if cache_seconds else "uncached"
        self.app = app
        self.gunicorn = gunicorn
        self.port = free_port()
        self.log_path = log_path
        self.env = {
            **env,
            "BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "PAGE_CACHE_SECONDS": str(cache_seconds),
        }
        self.process = None
        self.log = None

    def __enter__(self):
        command = [sys.executable, "serve.py", *filter(None, [self.app])]
        if self.gunicorn:
            command = [sys.executable, "-m", "gunicorn", "competencyworks.wsgi"]
            command += ["-c", "gunicorn.conf.py"]
        self.log = open(self.log_path, "w")  # closed in stop()
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def wait_until_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(
                    f"The server ({self.label}) exited with {self.process.returncode}:\n"
                    f"{self.log_path.read_text()}"
                )
            try:
                if get(self.port, "/healthz", timeout=5).status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        sys.exit(f"The server ({self.label}) did not answer in {timeout}s:\n{self.log_path}")

    def log_summary(self):
        """(workers recycled by max_requests, problem lines) from the server's log so far."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        recycled = sum(RECYCLED in line for line in lines)
        problems = [line for line in lines if any(word in line for word in LOG_PROBLEMS)]
        return recycled, problems


def host_busy():
    """(busy, total) CPU ticks of the whole machine, or None where /proc/stat is missing."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def busy_share(before, after):
    """Share of all cores busy between two host_busy() readings; NaN if either is missing."""
    if not before or not after or after[1] <= before[1]:
        return math.nan
    return (after[0] - before[0]) / (after[1] - before[1])


@dataclass
class Load:
    """What one run_load saw."""

    latencies: list = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    error_samples: list = field(default_factory=list)  # the first three problems
    elapsed: float = 0.0
    connections: int = 0  # TCP connections opened
    x_cache: Counter = field(default_factory=Counter)
    client_cpu: float = math.nan  # share of one core
    host_cpu: float = math.nan  # share of all cores

    @property
    def requests(self):
        return len(self.latencies) + self.errors

    @property
    def per_second(self):
        return self.requests / self.elapsed if self.elapsed else math.nan

    @property
    def median_ms(self):
        return statistics.median(self.latencies) * 1000 if self.latencies else math.nan

    def percentile_ms(self, share):
        """Nearest-rank percentile of the successful requests, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def run_load(port, path, *, threads, total, seconds=None, encoding=GZIP, host=None):
    """GET path from `threads` keep-alive clients until `total` are sent or `seconds` pass.

    Any answer but a 200 in `encoding` counts as an error.
    """
    lock = threading.Lock()
    load = Load()
    sent = 0
    deadline = time.perf_counter() + seconds if seconds else math.inf

    def client():
        nonlocal sent
        connection = Connection(HOST, port, timeout=60)
        mine, seen = [], Counter()
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if sent >= total or STOP.is_set():
                        break
                    sent += 1
                started = time.perf_counter()
                try:
                    reply = fetch(connection, path, encoding, host)
                    problem, cache_header = reply.problem(encoding), reply.x_cache
                except (OSError, http.client.HTTPException) as exc:
                    problem, cache_header = f"{type(exc).__name__}: {exc}", None
                took = time.perf_counter() - started
                seen[cache_header or "-"] += 1
                if problem is None:
                    mine.append(took)
                else:
                    with lock:
                        load.errors += 1
                        if len(load.error_samples) < 3:
                            load.error_samples.append(problem)
        finally:
            connection.close()
            with lock:
                load.latencies.extend(mine)
                load.x_cache.update(seen)
                load.connections += connection.opened

    busy_before, cpu_before = host_busy(), time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(client) for _ in range(threads)]:
            future.result()
    load.elapsed = time.perf_counter() - started
    load.client_cpu = (time.process_time() - cpu_before) / load.elapsed
    load.host_cpu = busy_share(busy_before, host_busy())
    return load


def format_table(columns, rows, left=1):
    """Title, rule and rows of a text table; the first `left` columns left-aligned."""
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]

    def line(cells):
        return "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    title = line(columns)
    return [title, "-" * len(title), *(line(row) for row in rows)]
