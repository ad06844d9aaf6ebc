"""Page benchmark: seed a database, serve it with uWSGI, time the main public pages.

Run by hand, never by the test suite:

    .venv/bin/python bench/pages.py --posts 10000

Without DATABASE_URL it builds a fresh SQLite database in a temporary directory
(removed afterwards unless --keep). With DATABASE_URL set it uses that database
and adds N more synthetic posts to it. The server is the production stack
(`python serve.py`: uWSGI) with PAGE_CACHE_SECONDS=0, so every request renders
its page. Only the standard library is used on the client side, and it only ever
connects to 127.0.0.1. Like a browser it sends `Accept-Encoding: gzip`, so the times
include GZipMiddleware. Each client thread keeps one http.client connection; the app server's
workers close it after every response, so in practice each request opens a fresh
local TCP connection (reopened for us).
"""

import argparse
import platform
import sys

import harness

WORKERS = 2


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


def pick_pages(port):
    """The pages to time, with real post and tag addresses taken from the blog list."""
    post, tag = harness.blog_links(port)
    return [
        ("home", "/"),
        ("blog list", "/blog/"),
        ("blog list p50", "/blog/?page=50"),
        ("post detail", post),
        ("tag", tag),
        ("feed", "/feed/"),
        ("sitemap index", "/sitemap.xml"),
    ]


def benchmark(port, path, args):
    """Warm path up, then load it for --seconds (at most --max-requests)."""
    harness.run_load(port, path, threads=args.concurrency, total=args.warmup)
    return harness.run_load(
        port, path, threads=args.concurrency, seconds=args.seconds, total=args.max_requests
    )


def print_table(results, header):
    columns = ("page", "requests", "median ms", "p95 ms", "req/s", "errors")
    rows = [
        (name, str(load.requests), f"{load.median_ms:.1f}", f"{load.percentile_ms(0.95):.1f}",
         f"{load.per_second:.1f}", str(load.errors))
        for name, _, load in results
    ]  # fmt: skip
    print()
    print(header)
    print("\n".join(harness.format_table(columns, rows)))
    print()
    for name, path, load in results:
        print(f"  {name}: {path}")
        for sample in load.error_samples:
            print(f"    error: {sample}")


def main(argv=None):
    args = parse_args(argv)
    with harness.Workdir("cw-bench-", keep=args.keep) as workdir:
        env = harness.production_env(harness.database_url(workdir.path, args.posts))
        harness.prepare(env, args.posts)
        vendor = harness.database_vendor(env)

        log_path = workdir.path / "server.log"
        results = []
        with harness.Server(env, log_path, workers=WORKERS, cache_seconds=0) as server:
            for name, path in pick_pages(server.port):
                print(f"  timing {name} {path} ...", flush=True)
                results.append((name, path, benchmark(server.port, path, args)))

        header = (
            f"{args.posts} posts | database {vendor} | Python {platform.python_version()} | "
            f"uWSGI {WORKERS} workers | concurrency {args.concurrency} | "
            f"{args.seconds:g}s per page | Accept-Encoding {harness.GZIP}"
        )
        print_table(results, header)
        if any(load.errors for _, _, load in results):
            workdir.keep = True
            print(f"\nSome requests failed; server log: {log_path}")
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
