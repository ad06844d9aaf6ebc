"""Page benchmark: seed a database, serve it with gunicorn, time the main public pages.

Run by hand, never by the test suite:

    .venv/bin/python bench/pages.py --posts 10000

Without DATABASE_URL it builds a fresh SQLite database in a temporary directory
(removed afterwards unless --keep). With DATABASE_URL set it uses that database
and adds N more synthetic posts to it. Only the standard library is used on the
client side, and it only ever connects to 127.0.0.1. Each client thread keeps one
http.client connection; gunicorn's sync workers close it after every response,
so in practice each request opens a fresh local TCP connection (reopened for us).
"""

import argparse
import http.client
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
POST_LINK = re.compile(r'href="(/blog/\d{4}/\d{2}/\d{2}/[^"/]+/)"')
TAG_LINK = re.compile(r'href="(/blog/tag/[^"/]+/)"')


@dataclass
class Result:
    name: str
    path: str
    latencies: list = field(default_factory=list)
    errors: int = 0
    error_samples: list = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def requests(self):
        return len(self.latencies) + self.errors

    @property
    def median_ms(self):
        return statistics.median(self.latencies) * 1000 if self.latencies else math.nan

    @property
    def p95_ms(self):
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000  # nearest rank

    @property
    def per_second(self):
        return self.requests / self.elapsed if self.elapsed else math.nan


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="synthetic posts to seed")
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per page")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument(
        "--max-requests", type=int, default=20_000, help="hard cap on requests per page"
    )
    parser.add_argument("--warmup", type=int, default=8, help="warm-up requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database dir")
    args = parser.parse_args(argv)
    if args.posts < 0 or args.seconds <= 0 or args.concurrency < 1 or args.max_requests < 1:
        parser.error("--posts must be >= 0; --seconds, --concurrency, --max-requests > 0")
    return args


def manage(database_url, *command, capture=False, **extra_env):
    """Run manage.py with this interpreter against the benchmark database."""
    env = {**os.environ, "DATABASE_URL": database_url, **extra_env}
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def prepare_database(database_url, posts):
    """Migrate and seed; return seconds spent on each."""
    started = time.perf_counter()
    manage(database_url, "migrate", "--noinput", "-v", "0")
    migrated = time.perf_counter()
    manage(database_url, "seed_demo", "--posts", str(posts))
    # Production settings serve hashed static files: collect them first.
    manage(
        database_url,
        "collectstatic",
        "--noinput",
        "-v",
        "0",
        DEBUG="0",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=HOST,
    )
    return migrated - started, time.perf_counter() - migrated


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


def database_vendor(database_url):
    """The Django database vendor and server version, e.g. "sqlite 3.45.1"."""
    done = manage(database_url, "shell", "--no-imports", "-c", VENDOR_CODE, capture=True)
    return done.stdout.strip().splitlines()[-1]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url, port, log_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": HOST,
    }
    command = [
        sys.executable, "-m", "gunicorn", "competencyworks.wsgi",
        "-w", str(WORKERS), "-b", f"{HOST}:{port}",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop_gunicorn
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    process.log = log
    return process


def stop_gunicorn(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


def fetch(connection, path):
    """GET path on a kept connection; return (status, body). Reconnects as needed."""
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        connection.close()  # the next request opens a fresh socket
        raise


def wait_until_ready(process, port, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}:\n{Path(log_path).read_text()}")
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            status, _ = fetch(connection, "/")
            if status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout}s:\n{Path(log_path).read_text()}")


def get_page(port, path):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, body = fetch(connection, path)
    finally:
        connection.close()
    if status != 200:
        sys.exit(f"GET {path} answered {status}; cannot pick benchmark URLs.")
    return body.decode()


def pick_pages(port):
    """The pages to time, with real post and tag addresses taken from the blog list."""
    listing = get_page(port, "/blog/")
    post = POST_LINK.search(listing)
    tag = TAG_LINK.search(listing)
    if not post or not tag:
        sys.exit("No post or tag link found on /blog/.")
    return [
        ("home", "/"),
        ("blog list", "/blog/"),
        ("blog list p50", "/blog/?page=50"),
        ("post detail", post.group(1)),
        ("tag", tag.group(1)),
        ("feed", "/feed/"),
        ("sitemap index", "/sitemap.xml"),
    ]


def run_load(port, path, *, threads, seconds=None, total):
    """Hit path from `threads` keep-alive clients until `seconds` pass or `total` are sent."""
    lock = threading.Lock()
    sent = 0
    latencies, errors, samples = [], 0, []
    deadline = time.perf_counter() + seconds if seconds else math.inf

    def client():
        nonlocal sent, errors
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = []
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if sent >= total:
                        break
                    sent += 1
                started = time.perf_counter()
                try:
                    status, _ = fetch(connection, path)
                    problem = None if status == 200 else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                took = time.perf_counter() - started
                if problem is None:
                    mine.append(took)
                else:
                    with lock:
                        errors += 1
                        if len(samples) < 3:
                            samples.append(problem)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(client) for _ in range(threads)]:
            future.result()
    return latencies, errors, samples, time.perf_counter() - started


def benchmark(port, name, path, args):
    run_load(port, path, threads=args.concurrency, total=args.warmup)
    latencies, errors, samples, elapsed = run_load(
        port, path, threads=args.concurrency, seconds=args.seconds, total=args.max_requests
    )
    return Result(name, path, latencies, errors, samples, elapsed)


def format_row(cells, widths):
    """First column left-aligned, the numbers right-aligned."""
    first, *rest = zip(cells, widths, strict=True)
    return "  ".join([first[0].ljust(first[1]), *(cell.rjust(width) for cell, width in rest)])


def print_table(results, header):
    columns = ("page", "requests", "median ms", "p95 ms", "req/s", "errors")
    rows = [
        (r.name, str(r.requests), f"{r.median_ms:.1f}", f"{r.p95_ms:.1f}",
         f"{r.per_second:.1f}", str(r.errors))
        for r in results
    ]  # fmt: skip
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    title = format_row(columns, widths)
    print()
    print(header)
    print(title)
    print("-" * len(title))
    for row in rows:
        print(format_row(row, widths))
    print()
    for r in results:
        print(f"  {r.name}: {r.path}")
        for sample in r.error_samples:
            print(f"    error: {sample}")


def main(argv=None):
    args = parse_args(argv)
    existing = os.environ.get("DATABASE_URL")
    workdir = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    if existing:
        database_url = existing
        print(
            f"WARNING: using DATABASE_URL from the environment; this adds {args.posts} "
            "synthetic posts (and the demo content, if missing) to that database.",
            file=sys.stderr,
        )
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    log_path = workdir / "gunicorn.log"
    keep = args.keep
    try:
        print(f"Migrating and seeding {args.posts} posts ...", flush=True)
        migrate_s, seed_s = prepare_database(database_url, args.posts)
        print(f"migrate {migrate_s:.1f}s, seed_demo {seed_s:.1f}s", flush=True)
        vendor = database_vendor(database_url)

        port = free_port()
        server = start_gunicorn(database_url, port, log_path)
        try:
            wait_until_ready(server, port, log_path)
            results = []
            for name, path in pick_pages(port):
                print(f"  timing {name} {path} ...", flush=True)
                results.append(benchmark(port, name, path, args))
        finally:
            stop_gunicorn(server)

        header = (
            f"{args.posts} posts | database {vendor} | Python {platform.python_version()} | "
            f"gunicorn {WORKERS} sync workers | concurrency {args.concurrency} | "
            f"{args.seconds:g}s per page"
        )
        print_table(results, header)
        if any(r.errors for r in results):
            keep = True
            print(f"\nSome requests failed; gunicorn log: {log_path}")
            return 1
        return 0
    except BaseException:
        keep = True
        raise
    finally:
        if keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
