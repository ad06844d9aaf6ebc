"""Front benchmark: a cached page from Django and from nginx's front cache, against nginx
serving the same bytes as a static file.

Run by hand, never by the test suite (needs nginx and wrk: `apt-get install nginx wrk`):

    .venv/bin/python bench/front.py                       # 10,000 posts, /blog/, 3 rounds
    .venv/bin/python bench/front.py --posts 1000 --rounds 1 --seconds 3   # quick check

It builds a fresh SQLite database in a temporary directory (DATABASE_URL, if set, is used
instead and gets the posts added), seeds it with `seed_demo --posts N`, collects static
files, and starts the app server as production runs it (`python serve.py`: uWSGI with
gunicorn.conf.py's settings, 2 workers, DEBUG=0, HTTPS=0, PAGE_CACHE_SECONDS=600, each worker
caching in its own memory).
It saves the page's gzip answer and times, all on 127.0.0.1 with `wrk -t1 -c4` and
`Accept-Encoding: gzip`:

  nginx static, keep-alive        the saved bytes as a file, connections kept
  nginx static, one conn/request  the same with keepalive_timeout 0: the app server's
                                  workers close every connection, so this is the fair
                                  ceiling for Django
  uWSGI floor                     the saved bytes from a six-line WSGI application under
                                  the same server (serve.py, 2 workers): the most any
                                  Django answer can get from it
  Django cached                   the app server directly; answered by the page cache's
                                  WSGI front (X-Cache: hit)
  Django cached, gunicorn         the same under `gunicorn -c gunicorn.conf.py` (2 sync
                                  workers), where a platform starts gunicorn itself
  nginx front cache               deploy/nginx/nginx.conf in front of the app server, on plain
                                  http (TLS lines removed), its cache in the temporary
                                  directory (X-Front-Cache: HIT)

Both nginx servers run with access_log off and worker_processes auto. Each round times
every case once, in turn, for --seconds; the table gives each case's median over the
rounds (and the range), because client, servers and anything else running share the CPUs.

Targets (exit status 1 when one is missed, or on any error): nginx front cache >= 50% of
nginx static keep-alive; Django cached >= 50% of nginx static one connection per request.
"""

import argparse
import gzip
import http.client
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import harness

CACHE_SECONDS = 600
TARGET_SHARE = 0.5
NGINX_CONFIG = harness.PROJECT_ROOT / "deploy" / "nginx" / "nginx.conf"
FLOOR_APP = """
BODY = open({page!r}, "rb").read()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
           ("Content-Length", str(len(BODY)))]
def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
"""
STATIC_CONFIG = """
worker_processes auto;
pid {dir}/static.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    server {{
        listen {host}:{keep_alive};
        location = /page {{ root {dir}/www; try_files /page.html =404; {headers} }}
    }}
    server {{
        listen {host}:{one_per_request};
        keepalive_timeout 0;
        location = /page {{ root {dir}/www; try_files /page.html =404; {headers} }}
    }}
}}
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="synthetic posts to seed")
    parser.add_argument("--path", default="/blog/", help="the page to time")
    parser.add_argument("--rounds", type=int, default=3, help="times each case is timed")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument(
        "--nginx-config", type=Path, default=NGINX_CONFIG, help="the nginx front to time"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.posts < 0 or min(args.rounds, args.seconds, args.workers) < 1:
        parser.error("--posts must be >= 0; --rounds, --seconds and --workers > 0")
    return args


def tool(name):
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        sys.exit(f"{name} is not installed: apt-get install nginx wrk")
    return found


class Nginx:
    """nginx with `config` in the foreground; always stopped on exit."""

    def __init__(self, config, workdir):
        self.config, self.workdir = config, workdir
        self.process = None

    def __enter__(self):
        error_log = self.workdir / f"{self.config.stem}-error.log"
        command = [tool("nginx"), "-c", str(self.config), "-e", str(error_log)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode:
            sys.exit(f"nginx refused {self.config}:\n{checked.stderr}")
        self.process = subprocess.Popen([*command, "-g", "daemon off;"])
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def static_config(workdir, body, ports):
    """nginx serving `body` (the gzip page) as a file, with and without keep-alive."""
    (workdir / "www").mkdir()
    (workdir / "www" / "page.html").write_bytes(body)
    os.chmod(workdir, 0o755)  # nginx's workers (nobody) read the file
    config = workdir / "static.conf"
    headers = "default_type 'text/html; charset=utf-8'; add_header Content-Encoding gzip;"
    config.write_text(
        STATIC_CONFIG.format(
            dir=workdir,
            host=harness.HOST,
            keep_alive=ports[0],
            one_per_request=ports[1],
            headers=headers,
        )
    )
    return config


def front_config(shipped, workdir, app_port, port):
    """The shipped nginx front on this machine: one app server, plain http, no access log."""
    text = shipped.read_text()
    text = re.sub(r"\s*server app\d:8000 [^;]*;", "", text)
    upstream = f"upstream competencyworks {{\n        server {harness.HOST}:{app_port};"
    text = text.replace("upstream competencyworks {", upstream, 1)
    text = text.replace("listen 443 ssl http2;", f"listen {harness.HOST}:{port};")
    text = re.sub(r"\n\s*ssl_certificate\S* [^;]*;", "", text)
    text = text.replace("listen 80;", f"listen {harness.HOST}:{harness.free_port()};")
    text = re.sub(r"^pid .*;", f"pid {workdir / 'front.pid'};", text, flags=re.M)
    text = text.replace("/var/cache/competencyworks", str(workdir / "front-cache"))
    text = text.replace("/srv/competencyworks/staticfiles/", f"{harness.static_root()}/")
    text = text.replace("server_tokens off;", "server_tokens off;\n    access_log off;")
    config = workdir / "front.conf"
    config.write_text(text)
    return config


def wrk(url, seconds, host=None):
    """(requests per second, problems) of one `wrk -t1 -c4` run."""
    command = [tool("wrk"), "-t1", "-c4", f"-d{seconds}s", "-H", "Accept-Encoding: gzip"]
    if host:
        command += ["-H", f"Host: {host}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)[1])
    problems = [
        line.strip()
        for line in done.stdout.splitlines()
        if "Non-2xx" in line or ("Socket errors" in line and re.search(r"[1-9]", line))
    ]
    return rate, problems


def check(url, content, want=None, host=None):
    """Exit unless url answers 200 with the gzip page whose uncompressed `content` is given
    (each worker compresses with its own random padding) and, asked twice, a header in
    `want` (name, accepted values)."""
    parts = urlsplit(url)
    for _ in range(2):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Accept-Encoding": "gzip", "Host": host or parts.netloc}
        connection.request("GET", parts.path, headers=headers)
        answer = connection.getresponse()
        got = answer.read()
        connection.close()
        if answer.status != 200 or gzip.decompress(got) != content:
            sys.exit(f"{url}: HTTP {answer.status}, {len(got)} bytes; cannot benchmark it.")
    if want and answer.getheader(want[0]) not in want[1]:
        sys.exit(f"{url}: {want[0]} {answer.getheader(want[0])!r}, expected one of {want[1]}")


def terminated(signum, frame):
    raise SystemExit(f"bench/front.py: stopped by signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, terminated)
    tool("nginx"), tool("wrk")
    with harness.Workdir("cw-front-", keep=args.keep) as workdir:
        env = harness.production_env(harness.database_url(workdir.path, args.posts))
        env.pop("REDIS_URL", None)  # each worker caches in its own memory
        harness.prepare(env, args.posts)
        vendor = harness.database_vendor(env)
        log_path = workdir.path / "server.log"
        with harness.Server(
            env, log_path, workers=args.workers, cache_seconds=CACHE_SECONDS
        ) as server:
            page = harness.get_page(server.port, args.path)
            ports = [harness.free_port() for _ in range(3)]
            static = static_config(workdir.path, page.body, ports)
            front = front_config(args.nginx_config, workdir.path, server.port, ports[2])
            (workdir.path / "floor_app.py").write_text(
                FLOOR_APP.format(page=str(workdir.path / "www" / "page.html"))
            )
            floor_env = {**env, "PYTHONPATH": str(workdir.path)}
            with (
                Nginx(static, workdir.path),
                Nginx(front, workdir.path),
                harness.Server(
                    floor_env, workdir.path / "floor.log", workers=args.workers,
                    cache_seconds=0, app="floor_app",
                ) as floor,
                harness.Server(
                    env, workdir.path / "gunicorn.log", workers=args.workers,
                    cache_seconds=CACHE_SECONDS, gunicorn=True,
                ) as gunicorn,
            ):  # fmt: skip
                base = f"http://{harness.HOST}"
                served = f"{harness.HOST}:{server.port}"  # the Host the saved page names
                cases = {  # name: (address, Host header)
                    "nginx static, keep-alive": (f"{base}:{ports[0]}/page", None),
                    "nginx static, one conn/request": (f"{base}:{ports[1]}/page", None),
                    "uWSGI floor": (f"{base}:{floor.port}/", None),
                    "Django cached": (f"{base}:{server.port}{args.path}", None),
                    "Django cached, gunicorn": (f"{base}:{gunicorn.port}{args.path}", served),
                    "nginx front cache": (f"{base}:{ports[2]}{args.path}", harness.HOST),
                }
                time.sleep(0.5)
                # Every worker of both servers and the front cache hold the page before timing.
                harness.run_load(server.port, args.path, threads=4, total=40)
                harness.run_load(gunicorn.port, args.path, threads=4, total=40, host=served)
                expect = {
                    "Django cached": ("X-Cache", {"hit"}),
                    "Django cached, gunicorn": ("X-Cache", {"hit"}),
                    # A second went by: the site answered 304 (REVALIDATED), or the other
                    # worker, whose copy has its own ETag, sent its page (EXPIRED).
                    "nginx front cache": ("X-Front-Cache", {"HIT", "REVALIDATED", "EXPIRED"}),
                }
                if "proxy_cache " not in front.read_text():  # a front without a cache
                    del expect["nginx front cache"]
                for name, (url, host) in cases.items():
                    # Pages name their own address, host and port as the reader sent them.
                    own = f"{harness.HOST}:{server.port}".encode()
                    content = page.content()
                    if host:
                        content = content.replace(own, host.encode())
                    check(url, content, expect.get(name), host)
                rates, problems = {name: [] for name in cases}, []
                for round_ in range(1, args.rounds + 1):
                    for name, (url, host) in cases.items():
                        print(f"  round {round_}: {name} ...", flush=True)
                        rate, trouble = wrk(url, args.seconds, host)
                        rates[name].append(rate)
                        problems += [f"{name}: {line}" for line in trouble]
            recycled, log_problems = server.log_summary()

    print()
    print(
        f"{args.path} from {args.posts} posts | database {vendor} | {args.workers} workers "
        f"(serve.py: uWSGI; gunicorn: sync), page cache in each worker's memory | nginx "
        f"{nginx_version()} | wrk -t1 -c4, Accept-Encoding: gzip, {args.rounds} rounds of "
        f"{args.seconds} s | Python {platform.python_version()} | {os.cpu_count()} CPUs shared "
        f"by client and servers | page {len(page.body)} B gzip"
    )
    print()
    return report(rates, problems, recycled, log_problems)


def report(rates, problems, recycled, log_problems):
    median = {name: statistics.median(values) for name, values in rates.items()}
    keep_alive = median["nginx static, keep-alive"]
    one_per_request = median["nginx static, one conn/request"]
    columns = ("case", "req/s (median)", "range", "of static keep-alive", "of static 1 conn/req")
    rows = [
        (
            name, f"{median[name]:.0f}", f"{min(values):.0f}-{max(values):.0f}",
            f"{median[name] / keep_alive:.0%}", f"{median[name] / one_per_request:.0%}",
        )
        for name, values in rates.items()
    ]  # fmt: skip
    for line in harness.format_table(columns, rows):
        print(line)
    print()
    front_share = median["nginx front cache"] / keep_alive
    django_share = median["Django cached"] / one_per_request
    ok_front, ok_django = front_share >= TARGET_SHARE, django_share >= TARGET_SHARE
    print(f"nginx front cache = {front_share:.0%} of nginx static keep-alive "
          f"[>= {TARGET_SHARE:.0%}: {'PASS' if ok_front else 'MISS'}]")  # fmt: skip
    print(
        f"Django cached = {django_share:.0%} of nginx static one connection per request "
        f"[>= {TARGET_SHARE:.0%}: {'PASS' if ok_django else 'MISS'}], "
        f"{median['Django cached'] / median['uWSGI floor']:.0%} of the uWSGI floor"
    )
    print(f"uWSGI: {recycled} worker recycles (max-requests), "
          f"{len(log_problems)} error lines in the log")  # fmt: skip
    for line in [*problems, *log_problems[:5]]:
        print(f"  error: {line}")
    return 0 if ok_front and ok_django and not problems and not log_problems else 1


def nginx_version():
    done = subprocess.run([tool("nginx"), "-v"], capture_output=True, text=True)
    return done.stderr.strip().rpartition("/")[2]


if __name__ == "__main__":
    sys.exit(main())
