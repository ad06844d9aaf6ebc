"""Export benchmark: seed N policy entries, then time the CSV export alone and under bursts.

Run by hand, never by the test suite:

    .venv/bin/python bench/export.py --entries 20000

It builds a fresh SQLite database in a temporary directory (or adds to DATABASE_URL),
starts a private redis-server on a free port (the export cache and its build slots are
shared by the workers through it, as in production), and serves the site with the
production stack (`python serve.py`: uWSGI, page cache on, TRUSTED_PROXY_COUNT=1 so
each client thread can present its own address in X-Forwarded-For). Then:

  one cold      the first export: built with one query, compressed and cached
  one warm      the same export again, streamed from the cache
  16 × same     16 readers at once ask for an export nobody has built yet
  16 × distinct 16 readers at once ask for 16 different exports (one state each)
  16 × cached   16 readers at once ask for an export already built
  16 × 1 reader one address asks for 16 different exports at once

During each burst a prober asks for the policy list page (a new address each time, so the
page cache cannot answer) to show whether the rest of the site still answers. Peak RSS is
the largest VmHWM of any app server worker after the run (Linux /proc only).
"""

import argparse
import http.client
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import harness

SEED_CODE = """
import random
from datetime import date, timedelta
from django.utils import timezone
from competencyworks import pagecache
from policy.models import PolicyEntry, State, Topic

count = {count}
rng = random.Random(7)
states = list(State.objects.all())
topics = list(Topic.objects.all())
words = "mastery credit seat time pilot district students graduation waiver board".split()
Through = PolicyEntry.topics.through
published = timezone.now() - timedelta(days=1)
for start in range(0, count, 2000):
    entries = PolicyEntry.objects.bulk_create([
        PolicyEntry(
            state=states[n % len(states)], title=f"Policy entry {{n}}", slug=f"bench-entry-{{n}}",
            kind="statute", identifier=f"HB {{n}}", session=str(2000 + n % 25),
            year=2000 + n % 25, policy_status="in_effect", status="published",
            publish_at=published, enacted_on=date(2000 + n % 25, 3, 1),
            summary=" ".join(rng.choice(words) for _ in range(60)),
        )
        for n in range(start, min(start + 2000, count))
    ])
    Through.objects.bulk_create([
        Through(policyentry_id=entry.pk, topic_id=topic.pk)
        for entry in entries for topic in rng.sample(topics, rng.randint(1, 3))
    ])
pagecache.content_changed()
print(PolicyEntry.objects.count(), "entries")
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000, help="policy entries to seed")
    parser.add_argument("--workers", type=int, default=4, help="WEB_CONCURRENCY")
    parser.add_argument("--burst", type=int, default=16, help="requests sent at once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database dir")
    return parser.parse_args(argv)


def get(port, path, client="10.0.0.1", timeout=120):
    """(status, seconds, bytes on the wire) of one GET asking for gzip, as `client`."""
    connection = http.client.HTTPConnection(harness.HOST, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(
            "GET", path, headers={"Accept-Encoding": "gzip", "X-Forwarded-For": client}
        )
        response = connection.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, len(body)
    finally:
        connection.close()


def burst(port, paths, clients):
    """Send every path at once (one thread each) while probing the list page; the results."""
    done = threading.Event()
    probes = []

    def probe():
        n = 0
        while not done.is_set():
            n += 1
            status, took, _size = get(port, f"/policy/?probe={time.time_ns()}-{n}", "10.9.9.9")
            probes.append((status, took))
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        replies = list(pool.map(lambda pair: get(port, *pair), zip(paths, clients, strict=True)))
    elapsed = time.perf_counter() - started
    done.set()
    prober.join()
    return elapsed, replies, probes


def worker_peak_rss_mb(master_pid):
    """The largest VmHWM (peak resident memory) among the app server's workers, in MB."""
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as children:
            pids = children.read().split()
    except OSError:
        return float("nan")
    peaks = []
    for pid in pids:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=float("nan"))


class Redis:
    """A private redis-server on a free port, without persistence; stopped on exit."""

    def __init__(self, workdir):
        self.port = harness.free_port()
        self.workdir = workdir
        self.process = None

    def __enter__(self):
        if not shutil.which("redis-server"):
            sys.exit("redis-server is not installed; the export cache needs a shared cache.")
        command = ["redis-server", "--port", str(self.port), "--bind", harness.HOST]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)

    @property
    def url(self):
        return f"redis://{harness.HOST}:{self.port}/0"


def row(name, elapsed, replies, probes=()):
    statuses = Counter(status for status, _took, _size in replies)
    slowest = max(took for _status, took, _size in replies)
    probe_ok = [took for status, took in probes if status == 200]
    return (
        name, f"{elapsed:.2f}", f"{slowest:.2f}",
        " ".join(f"{code}×{n}" for code, n in sorted(statuses.items())),
        f"{max(size for _s, _t, size in replies) / 1e6:.2f}",
        f"{len(probe_ok)}/{len(probes)}" if probes else "-",
        f"{statistics.median(probe_ok) * 1000:.0f}/{max(probe_ok) * 1000:.0f}" if probe_ok else "-",
    )  # fmt: skip


def main(argv=None):
    args = parse_args(argv)
    with (
        harness.Workdir("cw-export-bench-", keep=args.keep) as workdir,
        Redis(workdir.path) as redis,
    ):
        env = harness.production_env(harness.database_url(workdir.path, args.entries))
        env.update(REDIS_URL=redis.url, TRUSTED_PROXY_COUNT="1")
        print(f"Migrating and seeding {args.entries} entries ...", flush=True)
        harness.manage(env, "migrate", "--noinput", "-v", "0")
        started = time.perf_counter()
        harness.manage(env, "shell", "--no-imports", "-c", SEED_CODE.format(count=args.entries))
        print(f"seeded in {time.perf_counter() - started:.1f}s", flush=True)
        harness.manage(env, "collectstatic", "--noinput", "-v", "0")
        vendor = harness.database_vendor(env)

        log_path = workdir.path / "server.log"
        rows = []
        n = args.burst
        clients = [f"10.0.1.{i}" for i in range(n)]
        with harness.Server(env, log_path, workers=args.workers, cache_seconds=600) as server:
            port = server.port
            for name in ("one cold", "one warm"):
                started = time.perf_counter()
                reply = get(port, "/policy/export.csv")
                rows.append(row(name, time.perf_counter() - started, [reply]))
            rows.append(
                row("16 × same", *burst(port, ["/policy/export.csv?year=2010"] * n, clients))
            )
            states = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID",
                      "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD"]  # fmt: skip
            distinct = [f"/policy/export.csv?state={code}" for code in states[:n]]
            rows.append(row("16 × distinct", *burst(port, distinct, clients)))
            rows.append(row("16 × cached", *burst(port, ["/policy/export.csv"] * n, clients)))
            one_reader = [f"/policy/export.json?state={code}" for code in states[:n]]
            rows.append(row("16 × 1 reader", *burst(port, one_reader, ["10.0.2.1"] * n)))
            peak = worker_peak_rss_mb(server.process.pid)
            _recycled, problems = server.log_summary()

        columns = (
            "case",
            "wall s",
            "slowest s",
            "statuses",
            "MB wire",
            "list ok",
            "list ms p50/max",
        )
        print()
        print(
            f"{args.entries} entries | database {vendor} | Python {platform.python_version()} | "
            f"uWSGI {args.workers} workers | cache redis | CSV/JSON asked for as gzip"
        )
        print("\n".join(harness.format_table(columns, rows)))
        print(f"\nPeak RSS of the largest worker: {peak:.0f} MB")
        for line in problems[:5]:
            print(f"  log: {line}")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
