"""Load benchmark: the public pages uncached, page-cached, and a static copy, under gunicorn.

Run by hand, never by the test suite:

    .venv/bin/python bench/load.py                                        # the default run
    .venv/bin/python bench/load.py --posts 1000 --requests 200 --concurrency 1 4  # quick check
    .venv/bin/python bench/load.py --redis          # page cache in Redis (db 14, flushed)

Without DATABASE_URL it builds a fresh SQLite database in a temporary directory (removed
afterwards unless --keep); with DATABASE_URL set it uses that database and adds N more
synthetic posts to it. It runs `collectstatic --noinput` (DEBUG=0) into the settings'
STATIC_ROOT, then serves the site twice with the production stack (`gunicorn -c
gunicorn.conf.py`, DEBUG=0, HTTPS=0, WhiteNoise), one server at a time on a free
127.0.0.1 port:

  uncached  PAGE_CACHE_SECONDS=0: every request renders the page;
  cached    PAGE_CACHE_SECONDS=600, each page warmed first: anonymous requests are
            answered from competencyworks.cache (X-Cache: hit);
  static    on the cached server, the home page's HTML saved once as
            STATIC_ROOT/bench-static-home.html and served by WhiteNoise: the ceiling
            for a page that Django does not render at all.

Each case sends --requests GETs from each --concurrency level of client threads, each
thread with one http.client connection that asks for keep-alive (gunicorn's sync workers
close it after every response anyway; the "conns" column counts the TCP connections
opened). Any answer but 200, or a failed request, is an error. The client uses only the
standard library and only ever connects to 127.0.0.1; client and server share the machine,
so "client cpu" (of one core) and "host cpu" (all cores) show who was busy.

The exit status is 1 when any target is missed: cached >= 50% of the static copy's
requests per second at the highest concurrency, and no errors.
"""

import argparse
import http.client
import math
import os
import platform
import re
import shutil
import signal
import socket
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
STATIC_ROOT = PROJECT_ROOT / "staticfiles"  # settings.STATIC_ROOT (BASE_DIR / "staticfiles")
STATIC_NAME = "bench-static-home.html"
HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DB = 14
REDIS_URL = f"redis://{HOST}:{REDIS_PORT}/{REDIS_DB}"
CACHE_SECONDS = 600
WARMUP = 20  # requests per page and server before timing
TARGET_SHARE = 0.5  # cached req/s as a share of the static copy's, at the highest concurrency
POST_LINK = re.compile(r'href="(/blog/\d{4}/\d{2}/\d{2}/[^"/]+/)"')
TAG_LINK = re.compile(r'href="(/blog/tag/[^"/]+/)"')
RECYCLED = "Autorestarting worker"  # gunicorn logs this when max_requests recycles a worker
STOP = threading.Event()  # set on SIGTERM: clients stop, the server and static copy go
LOG_PROBLEMS = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Worker failed")


@dataclass
class Case:
    page: str
    path: str
    mode: str
    concurrency: int
    latencies: list = field(default_factory=list)
    errors: int = 0
    error_samples: list = field(default_factory=list)
    elapsed: float = 0.0
    connections: int = 0
    x_cache: Counter = field(default_factory=Counter)
    client_cpu: float = math.nan  # share of one core
    host_cpu: float = math.nan  # share of all cores

    @property
    def requests(self):
        return len(self.latencies) + self.errors

    @property
    def per_second(self):
        return self.requests / self.elapsed if self.elapsed else math.nan

    def percentile_ms(self, share):
        """Nearest-rank percentile of the successful requests, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="synthetic posts to seed")
    parser.add_argument("--requests", type=int, default=2000, help="requests per case")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 4, 16], help="client thread counts"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn WEB_CONCURRENCY")
    parser.add_argument(
        "--redis", action="store_true", help=f"cache in {REDIS_URL} (flushed first)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.posts < 0 or args.requests < 1 or args.workers < 1 or min(args.concurrency) < 1:
        parser.error("--posts must be >= 0; --requests, --workers, --concurrency > 0")
    args.concurrency = sorted(set(args.concurrency))
    return args


def base_env(database_url, args):
    """The production settings, as `make serve` runs them, for this benchmark."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": HOST,
    }
    if args.redis:
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)  # locmem: each worker caches in its own memory
    return env


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


def database_vendor(env):
    """The Django database vendor and server version, e.g. "sqlite 3.45.1"."""
    done = manage(env, "shell", "--no-imports", "-c", VENDOR_CODE, capture=True)
    return done.stdout.strip().splitlines()[-1]


def flush_redis():
    """FLUSHDB on the benchmark's Redis database, over a plain socket."""
    command = (
        f"*2\r\n$6\r\nSELECT\r\n${len(str(REDIS_DB))}\r\n{REDIS_DB}\r\n*1\r\n$7\r\nFLUSHDB\r\n"
    )
    try:
        with socket.create_connection((HOST, REDIS_PORT), timeout=5) as sock:
            sock.sendall(command.encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError as error:
        sys.exit(f"--redis: cannot reach Redis at {HOST}:{REDIS_PORT}: {error}")
    if reply != b"+OK\r\n+OK\r\n":
        sys.exit(f"--redis: unexpected answer to SELECT/FLUSHDB: {reply!r}")


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


def fetch(connection, path):
    """GET path on a kept connection; return (status, body, X-Cache). Reconnects as needed."""
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, body, response.getheader("X-Cache")
    except (OSError, http.client.HTTPException):
        connection.close()  # the next request opens a fresh socket
        raise


class Server:
    """gunicorn with the production config on a free port; always stopped on exit."""

    def __init__(self, env, mode, workers, log_path):
        self.mode = mode
        self.port = free_port()
        self.log_path = log_path
        self.env = {
            **env,
            "BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "PAGE_CACHE_SECONDS": str(CACHE_SECONDS if mode == "cached" else 0),
        }
        self.process = None
        self.log = None

    def __enter__(self):
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
                    f"gunicorn ({self.mode}) exited with {self.process.returncode}:\n"
                    f"{self.log_path.read_text()}"
                )
            connection = Connection(HOST, self.port, timeout=5)
            try:
                if fetch(connection, "/healthz")[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        sys.exit(f"gunicorn ({self.mode}) did not answer in {timeout}s:\n{self.log_path}")

    def log_summary(self):
        """(workers recycled by max_requests, problem lines) from the gunicorn log so far."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        recycled = sum(RECYCLED in line for line in lines)
        problems = [line for line in lines if any(word in line for word in LOG_PROBLEMS)]
        return recycled, problems


def get_page(port, path):
    connection = Connection(HOST, port, timeout=30)
    try:
        status, body, _ = fetch(connection, path)
    finally:
        connection.close()
    if status != 200:
        sys.exit(f"GET {path} answered {status}; cannot pick benchmark URLs.")
    return body


def pick_pages(port):
    """The pages to time, with real post and tag addresses taken from the blog list."""
    listing = get_page(port, "/blog/").decode()
    post = POST_LINK.search(listing)
    tag = TAG_LINK.search(listing)
    if not post or not tag:
        sys.exit("No post or tag link found on /blog/.")
    return [
        ("home", "/"),
        ("blog list", "/blog/"),
        ("post detail", post.group(1)),
        ("tag", tag.group(1)),
        ("search", "/search/?q=learning"),
        ("policy map", "/policy/"),
    ]


def host_busy():
    """(busy, total) CPU ticks of the whole machine, or None where /proc/stat is missing."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def background_cpu(seconds=2.0):
    """How busy the machine is with nothing of ours running (share of all cores)."""
    before = host_busy()
    time.sleep(seconds)
    after = host_busy()
    if not before or not after or after[1] <= before[1]:
        return math.nan
    return (after[0] - before[0]) / (after[1] - before[1])


def run_load(port, path, *, threads, total):
    """Send `total` GETs for path from `threads` clients, each with one kept connection."""
    lock = threading.Lock()
    sent = 0
    latencies, samples = [], []
    errors = connections = 0
    x_cache = Counter()

    def client():
        nonlocal sent, errors, connections
        connection = Connection(HOST, port, timeout=60)
        mine, seen = [], Counter()
        try:
            while True:
                with lock:
                    if sent >= total or STOP.is_set():
                        break
                    sent += 1
                started = time.perf_counter()
                try:
                    status, _, cache_header = fetch(connection, path)
                    problem = None if status == 200 else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    problem, cache_header = f"{type(exc).__name__}: {exc}", None
                took = time.perf_counter() - started
                seen[cache_header or "-"] += 1
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
                x_cache.update(seen)
                connections += connection.opened

    busy_before, cpu_before = host_busy(), time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(client) for _ in range(threads)]:
            future.result()
    elapsed = time.perf_counter() - started
    client_cpu = (time.process_time() - cpu_before) / elapsed
    busy_after = host_busy()
    host_cpu = math.nan
    if busy_before and busy_after and busy_after[1] > busy_before[1]:
        host_cpu = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])
    return latencies, errors, samples, elapsed, connections, x_cache, client_cpu, host_cpu


def time_page(server, page, path, args, mode=None):
    """Warm one page up, then one case per concurrency level."""
    mode = mode or server.mode
    run_load(server.port, path, threads=min(4, WARMUP), total=WARMUP)
    cases = []
    for threads in args.concurrency:
        print(f"  {mode:8} {page:12} c={threads:<3} {path} ...", flush=True)
        case = Case(page, path, mode, threads)
        (
            case.latencies, case.errors, case.error_samples, case.elapsed,
            case.connections, case.x_cache, case.client_cpu, case.host_cpu,
        ) = run_load(server.port, path, threads=threads, total=args.requests)  # fmt: skip
        cases.append(case)
    return cases


def format_row(cells, widths, left=3):
    """The first `left` columns left-aligned, the numbers right-aligned."""
    return "  ".join(
        cell.ljust(width) if i < left else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def print_table(cases):
    columns = (
        "page", "mode", "conc", "requests", "req/s", "p50 ms", "p99 ms", "errors",
        "conns", "x-cache", "client cpu", "host cpu",
    )  # fmt: skip
    rows = [
        (
            c.page, c.mode, str(c.concurrency), str(c.requests), f"{c.per_second:.1f}",
            f"{c.percentile_ms(0.50):.1f}", f"{c.percentile_ms(0.99):.1f}", str(c.errors),
            str(c.connections),
            " ".join(f"{k}:{v}" for k, v in sorted(c.x_cache.items())),
            f"{c.client_cpu:.0%}", f"{c.host_cpu:.0%}",
        )
        for c in cases
    ]  # fmt: skip
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    title = format_row(columns, widths)
    print(title)
    print("-" * len(title))
    previous = None
    for case, row in zip(cases, rows, strict=True):
        if previous is not None and case.page != previous:
            print()
        previous = case.page
        print(format_row(row, widths))
    for case in cases:
        for sample in case.error_samples:
            print(f"  error {case.page} {case.mode} c={case.concurrency}: {sample}")


def verdict(ok):
    return "PASS" if ok else "MISS"


def print_targets(cases, pages, sizes, top):
    """One line per page: cached vs static copy at the highest concurrency; no errors."""
    at_top = {(c.page, c.mode): c for c in cases if c.concurrency == top}
    static = at_top[("static copy", "static")]
    static_errors = sum(c.errors for c in cases if c.mode == "static")
    print(
        f"static copy {static.per_second:.1f} req/s at c={top} "
        f"({sizes['static copy']} bytes, {static_errors} errors)"
    )
    width = max(len(name) for name, _ in pages)
    passed = static_errors == 0
    for name, _ in pages:
        cached, uncached = at_top[(name, "cached")], at_top[(name, "uncached")]
        share = cached.per_second / static.per_second
        speedup = cached.per_second / uncached.per_second
        errors = sum(c.errors for c in cases if c.page == name)
        ok_share, ok_errors = share >= TARGET_SHARE, errors == 0
        passed = passed and ok_share and ok_errors
        print(
            f"{name:{width}}  {sizes[name]:>7} bytes  cached {cached.per_second:7.1f} req/s"
            f" = {share:4.0%} of static  [cached >= {TARGET_SHARE:.0%} of static: "
            f"{verdict(ok_share)}]  errors {errors} [0 errors: {verdict(ok_errors)}]"
            f"  (uncached {uncached.per_second:.1f} req/s, cached x{speedup:.1f})"
        )
    return passed


def terminated(signum, frame):
    """SIGTERM: unwind through the finally blocks (stop gunicorn, delete the static copy)."""
    STOP.set()
    raise SystemExit(f"bench/load.py: stopped by signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, terminated)
    existing = os.environ.get("DATABASE_URL")
    workdir = Path(tempfile.mkdtemp(prefix="cw-load-"))
    if existing:
        database_url = existing
        print(
            f"WARNING: using DATABASE_URL from the environment; this adds {args.posts} "
            "synthetic posts (and the demo content, if missing) to that database.",
            file=sys.stderr,
        )
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = base_env(database_url, args)
    static_copy = STATIC_ROOT / STATIC_NAME
    keep = args.keep
    try:
        if args.redis:
            flush_redis()
        print(f"Migrating and seeding {args.posts} posts ...", flush=True)
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--posts", str(args.posts))
        print(f"  {time.perf_counter() - started:.1f}s; collectstatic ...", flush=True)
        manage(env, "collectstatic", "--noinput", "-v", "0")
        vendor = database_vendor(env)

        cases, sizes, logs = [], {}, {}
        idle_before = background_cpu()
        if args.redis:
            flush_redis()
        with Server(env, "uncached", args.workers, workdir / "gunicorn-uncached.log") as server:
            pages = pick_pages(server.port)
            home = get_page(server.port, "/")
            for name, path in pages:
                sizes[name] = len(get_page(server.port, path))
                cases += time_page(server, name, path, args)
            logs["uncached"] = server.log_summary()

        static_copy.write_bytes(home)  # before the server starts: WhiteNoise scans at start-up
        sizes["static copy"] = len(home)
        static_path = f"/static/{STATIC_NAME}"
        if args.redis:
            flush_redis()
        with Server(env, "cached", args.workers, workdir / "gunicorn-cached.log") as server:
            if get_page(server.port, static_path) != home:
                sys.exit(f"{static_path} is not the saved home page.")
            for name, path in pages:
                cases += time_page(server, name, path, args)
                connection = Connection(HOST, server.port, timeout=30)
                try:
                    state = fetch(connection, path)[2]
                finally:
                    connection.close()
                if state != "hit":
                    print(f"  WARNING: {path} after warm-up and load: X-Cache {state}")
            cases += time_page(server, "static copy", static_path, args, mode="static")
            logs["cached"] = server.log_summary()

        idle_after = background_cpu()
        order = {name: i for i, (name, _) in enumerate([*pages, ("static copy", "")])}
        modes = {"uncached": 0, "cached": 1, "static": 2}
        cases.sort(key=lambda c: (order[c.page], modes[c.mode], c.concurrency))
        print()
        print(
            f"{args.posts} posts | database {vendor} | gunicorn {args.workers} sync workers "
            f"(gunicorn.conf.py) | cache {'redis' if args.redis else 'locmem'} | "
            f"Python {platform.python_version()} | {os.cpu_count()} CPUs shared by client "
            f"and server | {args.requests} requests per case"
        )
        print(
            f"host CPU busy with no benchmark load: {idle_before:.0%} before, "
            f"{idle_after:.0%} after (other processes on this machine)"
        )
        print()
        print_table(cases)
        print()
        for mode, (recycled, problems) in logs.items():
            print(f"gunicorn {mode}: {recycled} worker recycles (max_requests), "
                  f"{len(problems)} error lines in the log")  # fmt: skip
            for line in problems[:5]:
                print(f"    {line}")
        print()
        passed = print_targets(cases, pages, sizes, args.concurrency[-1])
        log_problems = any(problems for _, problems in logs.values())
        if any(c.errors for c in cases) or log_problems:
            keep = True
            print(f"\nErrors: gunicorn logs in {workdir}")
        return 0 if passed and not log_problems else 1
    except BaseException:
        keep = True
        raise
    finally:
        static_copy.unlink(missing_ok=True)
        if keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
