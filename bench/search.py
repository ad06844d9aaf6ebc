"""Search benchmark: seed a database, time competencyworks.search.search() on typical queries.

Run by hand, never by the test suite:

    .venv/bin/python bench/search.py                          # 100,000 posts on SQLite
    .venv/bin/python bench/search.py --posts 2000 --runs 5    # quick check
    .venv/bin/python bench/search.py --postgres               # throwaway PostgreSQL database

Without DATABASE_URL it builds a fresh SQLite database in a temporary directory (removed
afterwards unless --keep). With DATABASE_URL set it uses that database and adds N more
synthetic posts to it (--posts 0 reuses it as it is). With --postgres it (re)creates the
database cw_bench_search on postgresql://postgres@127.0.0.1:5432, through the `postgres`
maintenance database, and drops it afterwards unless --keep.

Seeding runs `manage.py migrate` and `manage.py seed_demo --posts N` in subprocesses. The
timing runs in a child process (this script with --child: django.setup(), DEBUG=0), which
calls search(q) for each query: warm-up runs, then timed runs (median and p95, nearest rank),
then one more run under CaptureQueriesContext to count its SQL queries, so that capturing
never slows the timed runs. The exit status is 1 when a query misses its p95 target.
"""

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "cw_bench_search"
TARGET_MS = {"postgresql": 30.0, "sqlite": 100.0}  # p95 of one search() call
WARMUP = 2
LONG_QUERY = (
    "how can a district move from seat time to competency based learning with flexible pace "
    "personalized pathways mastery grading transcripts and family community agency for every "
    "student in rural schools"
)
QUERIES = [
    ("rare words", "seat time"),
    ("common word", "learning"),
    ("common phrase", '"competency pathway"'),
    ("exclusion", "mastery -grading"),
    ("OR", "equity OR rubric"),
    ("three words", "portfolio reflection coaching"),
    ("short", "sc"),
    ("no match", "zzzznotfound"),
    ("misspelling", "semt time"),
    ("long (30 words)", LONG_QUERY),
]
assert len(LONG_QUERY.split()) == 30


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="synthetic posts to seed")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory / PostgreSQL database"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"use a throwaway database {POSTGRES_DATABASE} on {POSTGRES_SERVER}",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.posts < 0 or args.runs < 1:
        parser.error("--posts must be >= 0 and --runs >= 1")
    return args


# --- the child: times search() inside Django ----------------------------------------------


def child_main(runs):
    """Entry point of the timing process; prints one JSON object on stdout."""
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blog.models import Post
    from competencyworks.models import SearchDocument
    from competencyworks.search.query import engine_for, search

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        version = f"{major}.{minor}"
    elif connection.vendor == "sqlite":
        version = connection.Database.sqlite_version
    else:
        version = ""
    info = {
        "vendor": connection.vendor,
        "version": version,
        "engine": type(engine_for(connection)).__name__,
        "posts": Post.objects.count(),
        "documents": SearchDocument.objects.published().count(),
        "queries": [],
    }
    for label, text in QUERIES:
        print(f"  timing {label}: {text[:40]!r} ...", file=sys.stderr, flush=True)
        for _ in range(WARMUP):
            search(text)
        latencies = []
        for _ in range(runs):
            started = time.perf_counter()
            results = search(text)
            latencies.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as captured:
            search(text)
        info["queries"].append(
            {
                "label": label,
                "text": text,
                "latencies": latencies,
                "total": results.total,
                "capped": results.capped,
                "hits": len(results.hits),
                "suggestion": results.suggestion,
                "sql": len(captured.captured_queries),
            }
        )
    print(json.dumps(info))


# --- the parent: prepares the database, starts the child, prints the table ----------------


def manage_env(database_url):
    return {**os.environ, "DATABASE_URL": database_url}


def manage(database_url, *command):
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=PROJECT_ROOT,
        env=manage_env(database_url),
        check=True,
    )


class Heartbeat:
    """Prints the elapsed time now and then while a long silent step runs."""

    def __init__(self, started, every=30.0):
        self.started, self.every = started, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.wait(self.every):
            print(f"  [{time.perf_counter() - self.started:7.1f}s] still seeding ...", flush=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def seed(database_url, posts):
    """Run seed_demo, echoing its progress with elapsed times; return its last line."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "seed_demo", "--posts", str(posts)],
        cwd=PROJECT_ROOT,
        env=manage_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,  # universal newlines: the "\r" progress updates arrive as lines
    )
    step = max(posts // 10, 1)
    last = ""
    with Heartbeat(started):
        for line in child.stdout:
            line = line.strip()
            if not line:
                continue
            last = line
            elapsed = time.perf_counter() - started
            done, _, total = line.partition("/")
            if done.isdigit() and total.isdigit():
                if int(done) % step and int(done) != int(total):
                    continue
                line = f"created {done}/{total} posts"
                if done == total:
                    line += "; indexing them for search and running ANALYZE ..."
            print(f"  [{elapsed:7.1f}s] {line}", flush=True)
    if child.wait() != 0:
        sys.exit(f"seed_demo failed with status {child.returncode}")
    return last


def prepare_database(database_url, posts):
    started = time.perf_counter()
    print("Migrating ...", flush=True)
    manage(database_url, "migrate", "--noinput", "-v", "0")
    migrated = time.perf_counter()
    print(f"  migrate {migrated - started:.1f}s", flush=True)
    print(f"Seeding demo content and {posts} synthetic posts ...", flush=True)
    seed(database_url, posts)
    print(f"  seed_demo {time.perf_counter() - migrated:.1f}s", flush=True)


def postgres_admin(*statements):
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


def create_postgres_database():
    print(f"Creating PostgreSQL database {POSTGRES_DATABASE} (dropped first if left over) ...")
    postgres_admin(
        f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)",
        f"CREATE DATABASE {POSTGRES_DATABASE}",
    )
    return f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"


def drop_postgres_database():
    postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")


def run_child(database_url, runs):
    env = {
        **manage_env(database_url),
        "DJANGO_SETTINGS_MODULE": "competencyworks.settings",
        "DEBUG": "0",
    }
    # Production settings refuse to load without these; nothing here serves or signs anything.
    env.setdefault("SECRET_KEY", "bench-search-not-a-secret")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--runs", str(runs)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"the timing process failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def format_row(cells, widths):
    """First two columns left-aligned, the numbers right-aligned, the verdict left."""
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        out.append(cell.ljust(width) if i < 2 or i == len(cells) - 1 else cell.rjust(width))
    return "  ".join(out).rstrip()


def print_table(info, args):
    target = TARGET_MS.get(info["vendor"], math.inf)
    columns = ("query", "text", "median ms", "p95 ms", "results", "queries", "target")
    rows, misses = [], 0
    for q in info["queries"]:
        median_ms = statistics.median(q["latencies"]) * 1000
        p95_ms = p95(q["latencies"]) * 1000
        passed = p95_ms < target
        misses += not passed
        text = q["text"] if len(q["text"]) <= 32 else q["text"][:29] + "..."
        rows.append(
            (q["label"], text, f"{median_ms:.1f}", f"{p95_ms:.1f}",
             f"{q['total']}{'+' if q['capped'] else ''}", str(q["sql"]),
             "PASS" if passed else "MISS")
        )  # fmt: skip
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    title = format_row(columns, widths)
    print()
    print(
        f"search() | {args.posts} synthetic posts seeded, {info['posts']} posts, "
        f"{info['documents']} published search documents | database {info['vendor']} "
        f"{info['version']} ({info['engine']}) | Python {platform.python_version()}"
    )
    print(
        f"{WARMUP} warm-up + {args.runs} timed runs per query | targets: p95 < "
        f"{TARGET_MS['postgresql']:g} ms on PostgreSQL, < {TARGET_MS['sqlite']:g} ms on SQLite "
        f"(this run: < {target:g} ms) | results: ranked candidates, + when capped at 1000"
    )
    print(title)
    print("-" * len(title))
    for row in rows:
        print(format_row(row, widths))
    print(f"\n{len(rows) - misses}/{len(rows)} queries within the target.")
    suggestions = [(q["label"], q["suggestion"]) for q in info["queries"] if q["suggestion"]]
    for label, suggestion in suggestions:
        print(f"  {label}: did you mean {suggestion!r}")
    return misses


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        child_main(args.runs)
        return 0
    existing = os.environ.get("DATABASE_URL")
    workdir = None
    if args.postgres:
        if existing:
            print("NOTE: --postgres given; ignoring DATABASE_URL.", file=sys.stderr)
        database_url = create_postgres_database()
    elif existing:
        database_url = existing
        print(
            f"WARNING: using DATABASE_URL from the environment; this adds {args.posts} "
            "synthetic posts (and the demo content, if missing) to that database.",
            file=sys.stderr,
        )
    else:
        workdir = Path(tempfile.mkdtemp(prefix="cw-search-bench-"))
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    keep = args.keep
    try:
        prepare_database(database_url, args.posts)
        print(f"Timing {len(QUERIES)} queries ...", flush=True)
        info = run_child(database_url, args.runs)
        misses = print_table(info, args)
        return 1 if misses else 0
    except BaseException:
        keep = True
        raise
    finally:
        if args.postgres:
            if keep:
                print(f"Kept database {database_url}")
            else:
                drop_postgres_database()
        if workdir:
            if keep:
                print(f"Kept {workdir} ({database_url})")
            else:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
