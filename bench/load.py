"""Load benchmark: the public pages uncached, page-cached, and a static copy, under uWSGI.

Run by hand, never by the test suite:

    .venv/bin/python bench/load.py                                        # the default run
    .venv/bin/python bench/load.py --posts 1000 --requests 200 --concurrency 1 4  # quick check
    .venv/bin/python bench/load.py --redis          # page cache in Redis (db 14, flushed)
    .venv/bin/python bench/load.py --identity       # ask for uncompressed pages

Without DATABASE_URL it builds a fresh SQLite database in a temporary directory (removed
afterwards unless --keep); with DATABASE_URL set it uses that database and adds N more
synthetic posts to it. It runs `collectstatic --noinput` (DEBUG=0) into the settings'
STATIC_ROOT, then serves the site twice with the production stack (`python
serve.py`: uWSGI, DEBUG=0, HTTPS=0, WhiteNoise), one server at a time on a free
127.0.0.1 port:

  uncached  PAGE_CACHE_SECONDS=0: every request renders the page;
  cached    PAGE_CACHE_SECONDS=600, each page warmed first: anonymous requests are
            answered from competencyworks.pagecache (X-Cache: hit);
  static    on the cached server, the home page's HTML saved once as
            STATIC_ROOT/bench-static-home.html, with a gzip copy beside it (.html.gz),
            and served by WhiteNoise: the ceiling for a page that Django does not
            render at all.

STATIC_ROOT follows the settings: the STATIC_ROOT environment variable if set, else
<project>/staticfiles. Both files are written before the cached server starts, because
WhiteNoise (autorefresh off) finds files and their .gz siblings once, at start-up; they
are deleted when the run ends.

Like a browser, every request sends `Accept-Encoding: gzip`, so pages come compressed by
GZipMiddleware (and are cached compressed) and the static copy comes from its .gz file;
--identity asks for uncompressed answers instead. The summary gives each page's bytes on
the wire and uncompressed.

Each case sends --requests GETs from each --concurrency level of client threads, each
thread with one http.client connection that asks for keep-alive (the app server's workers
close it after every response anyway; the "conns" column counts the TCP connections
opened). A failed request, or any answer but a 200 in the encoding asked for
(Content-Encoding gzip, or none with --identity), is an error. The client uses only the
standard library and only ever connects to 127.0.0.1; client and server share the machine,
so "client cpu" (of one core) and "host cpu" (all cores) show who was busy.

The exit status is 1 when any target is missed: cached >= 50% of the static copy's
requests per second at the highest concurrency, and no errors.
"""

import argparse
import gzip
import os
import platform
import signal
import socket
import sys
import time
from dataclasses import dataclass

import harness

# settings.STATIC_ROOT; a relative path is taken from the project, the server's cwd
STATIC_ROOT = harness.PROJECT_ROOT / os.environ.get("STATIC_ROOT", "staticfiles")
STATIC_NAME = "bench-static-home.html"
REDIS_PORT = 6379
REDIS_DB = 14
REDIS_URL = f"redis://{harness.HOST}:{REDIS_PORT}/{REDIS_DB}"
CACHE_SECONDS = 600
WARMUP = 20  # requests per page and server before timing
TARGET_SHARE = 0.5  # cached req/s as a share of the static copy's, at the highest concurrency


@dataclass
class Case:
    page: str
    path: str
    mode: str
    concurrency: int
    load: harness.Load


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="synthetic posts to seed")
    parser.add_argument("--requests", type=int, default=2000, help="requests per case")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 4, 16], help="client thread counts"
    )
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument(
        "--redis", action="store_true", help=f"cache in {REDIS_URL} (flushed first)"
    )
    parser.add_argument(
        "--identity",
        action="store_true",
        help="send Accept-Encoding: identity (uncompressed answers) instead of gzip",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.encoding = harness.IDENTITY if args.identity else harness.GZIP
    if args.posts < 0 or args.requests < 1 or args.workers < 1 or min(args.concurrency) < 1:
        parser.error("--posts must be >= 0; --requests, --workers, --concurrency > 0")
    args.concurrency = sorted(set(args.concurrency))
    return args


def base_env(database_url, args):
    """The production settings, with the page cache in Redis or each worker's memory."""
    env = harness.production_env(database_url)
    if args.redis:
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)  # locmem: each worker caches in its own memory
    return env


def flush_redis():
    """FLUSHDB on the benchmark's Redis database, over a plain socket."""
    command = (
        f"*2\r\n$6\r\nSELECT\r\n${len(str(REDIS_DB))}\r\n{REDIS_DB}\r\n*1\r\n$7\r\nFLUSHDB\r\n"
    )
    try:
        with socket.create_connection((harness.HOST, REDIS_PORT), timeout=5) as sock:
            sock.sendall(command.encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError as error:
        sys.exit(f"--redis: cannot reach Redis at {harness.HOST}:{REDIS_PORT}: {error}")
    if reply != b"+OK\r\n+OK\r\n":
        sys.exit(f"--redis: unexpected answer to SELECT/FLUSHDB: {reply!r}")


def pick_pages(port, encoding):
    """The pages to time, with real post and tag addresses taken from the blog list."""
    post, tag = harness.blog_links(port, encoding)
    return [
        ("home", "/"),
        ("blog list", "/blog/"),
        ("post detail", post),
        ("tag", tag),
        ("search", "/search/?q=learning"),
        ("policy map", "/policy/"),
    ]


def background_cpu(seconds=2.0):
    """How busy the machine is with nothing of ours running (share of all cores)."""
    before = harness.host_busy()
    time.sleep(seconds)
    return harness.busy_share(before, harness.host_busy())


def time_page(server, page, path, args, mode=None):
    """Warm one page up, then one case per concurrency level."""
    mode = mode or server.label
    harness.run_load(
        server.port, path, threads=min(4, WARMUP), total=WARMUP, encoding=args.encoding
    )
    cases = []
    for threads in args.concurrency:
        print(f"  {mode:8} {page:12} c={threads:<3} {path} ...", flush=True)
        load = harness.run_load(
            server.port, path, threads=threads, total=args.requests, encoding=args.encoding
        )
        cases.append(Case(page, path, mode, threads, load))
    return cases


def print_table(cases):
    columns = (
        "page", "mode", "conc", "requests", "req/s", "p50 ms", "p99 ms", "errors",
        "conns", "x-cache", "client cpu", "host cpu",
    )  # fmt: skip
    rows = [
        (
            c.page, c.mode, str(c.concurrency), str(c.load.requests), f"{c.load.per_second:.1f}",
            f"{c.load.percentile_ms(0.50):.1f}", f"{c.load.percentile_ms(0.99):.1f}",
            str(c.load.errors), str(c.load.connections),
            " ".join(f"{k}:{v}" for k, v in sorted(c.load.x_cache.items())),
            f"{c.load.client_cpu:.0%}", f"{c.load.host_cpu:.0%}",
        )
        for c in cases
    ]  # fmt: skip
    title, rule, *lines = harness.format_table(columns, rows, left=3)
    print(title)
    print(rule)
    previous = None
    for case, line in zip(cases, lines, strict=True):
        if previous is not None and case.page != previous:
            print()
        previous = case.page
        print(line)
    for case in cases:
        for sample in case.load.error_samples:
            print(f"  error {case.page} {case.mode} c={case.concurrency}: {sample}")


def verdict(ok):
    return "PASS" if ok else "MISS"


def size(reply):
    """One answer's bytes on the wire and uncompressed (gzip adds up to 100 random bytes)."""
    return f"wire {len(reply.body):>6} B of {len(reply.content()):>6} B"


def print_targets(cases, pages, replies, top):
    """One line per page: cached vs static copy at the highest concurrency; no errors."""
    at_top = {(c.page, c.mode): c.load for c in cases if c.concurrency == top}
    static = at_top[("static copy", "static")]
    static_errors = sum(c.load.errors for c in cases if c.mode == "static")
    print(
        f"static copy {static.per_second:.1f} req/s at c={top} "
        f"({size(replies['static copy'])}, {static_errors} errors)"
    )
    width = max(len(name) for name, _ in pages)
    passed = static_errors == 0
    for name, _ in pages:
        cached, uncached = at_top[(name, "cached")], at_top[(name, "uncached")]
        share = cached.per_second / static.per_second
        speedup = cached.per_second / uncached.per_second
        errors = sum(c.load.errors for c in cases if c.page == name)
        ok_share, ok_errors = share >= TARGET_SHARE, errors == 0
        passed = passed and ok_share and ok_errors
        print(
            f"{name:{width}}  {size(replies[name])}  cached {cached.per_second:7.1f} req/s"
            f" = {share:4.0%} of static  [cached >= {TARGET_SHARE:.0%} of static: "
            f"{verdict(ok_share)}]  errors {errors} [0 errors: {verdict(ok_errors)}]"
            f"  (uncached {uncached.per_second:.1f} req/s, cached x{speedup:.1f})"
        )
    return passed


def terminated(signum, frame):
    """SIGTERM: unwind through the finally blocks (stop the server, delete the static copies)."""
    harness.STOP.set()
    raise SystemExit(f"bench/load.py: stopped by signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, terminated)
    static_copy = STATIC_ROOT / STATIC_NAME
    static_gzip = static_copy.with_name(f"{STATIC_NAME}.gz")  # WhiteNoise's gzip sibling
    with harness.Workdir("cw-load-", keep=args.keep) as workdir:
        env = base_env(harness.database_url(workdir.path, args.posts), args)
        try:
            return run(args, env, workdir, static_copy, static_gzip)
        finally:
            static_copy.unlink(missing_ok=True)
            static_gzip.unlink(missing_ok=True)


def run(args, env, workdir, static_copy, static_gzip):
    """Prepare, time both servers and the static copy, print; 0 when every target is met."""
    if args.redis:
        flush_redis()
    harness.prepare(env, args.posts)
    vendor = harness.database_vendor(env)

    cases, replies, logs = [], {}, {}
    idle_before = background_cpu()
    if args.redis:
        flush_redis()
    log_path = workdir.path / "server-uncached.log"
    with harness.Server(env, log_path, workers=args.workers, cache_seconds=0) as server:
        pages = pick_pages(server.port, args.encoding)
        for name, path in pages:
            replies[name] = harness.get_page(server.port, path, args.encoding)
            cases += time_page(server, name, path, args)
        logs["uncached"] = server.log_summary()

    # Before the server starts: WhiteNoise finds files and their .gz siblings at start-up.
    home = replies["home"].content()
    static_copy.write_bytes(home)
    static_gzip.write_bytes(gzip.compress(home, compresslevel=6))  # GZipMiddleware's level
    static_path = f"/static/{STATIC_NAME}"
    if args.redis:
        flush_redis()
    log_path = workdir.path / "server-cached.log"
    with harness.Server(env, log_path, workers=args.workers, cache_seconds=CACHE_SECONDS) as server:
        replies["static copy"] = harness.get_page(server.port, static_path, args.encoding)
        if replies["static copy"].content() != home:
            sys.exit(f"{static_path} is not the saved home page.")
        for name, path in pages:
            cases += time_page(server, name, path, args)
            state = harness.get(server.port, path, args.encoding).x_cache
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
        f"{args.posts} posts | database {vendor} | uWSGI {args.workers} workers "
        f"(serve.py) | cache {'redis' if args.redis else 'locmem'} | "
        f"Python {platform.python_version()} | {os.cpu_count()} CPUs shared by client "
        f"and server | {args.requests} requests per case | Accept-Encoding {args.encoding}"
    )
    print(
        f"host CPU busy with no benchmark load: {idle_before:.0%} before, "
        f"{idle_after:.0%} after (other processes on this machine)"
    )
    print()
    print_table(cases)
    print()
    for mode, (recycled, problems) in logs.items():
        print(f"uWSGI {mode}: {recycled} worker recycles (max-requests), "
              f"{len(problems)} error lines in the log")  # fmt: skip
        for line in problems[:5]:
            print(f"    {line}")
    print()
    passed = print_targets(cases, pages, replies, args.concurrency[-1])
    log_problems = any(problems for _, problems in logs.values())
    if any(c.load.errors for c in cases) or log_problems:
        workdir.keep = True
        print(f"\nErrors: server logs in {workdir.path}")
    return 0 if passed and not log_problems else 1


if __name__ == "__main__":
    sys.exit(main())
