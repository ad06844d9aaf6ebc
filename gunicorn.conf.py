"""gunicorn settings for production; every value can be overridden from the environment."""

import ipaddress
import multiprocessing
import os

# `make serve`'s fallback SECRET_KEY (Makefile). It is public, so anyone could sign a session
# cookie with it: only a server that no other machine can reach may use it.
LOCAL_SECRET_KEY = "local-serve-only"

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# A recycled worker starts with an empty in-memory page cache. Measured with 2 workers at
# ~1,000 cached req/s (10k posts): every 2,000 requests cost 14 restarts in 60 s, p99.9
# 228 ms and a 2.5 s worst case; 100,000 (minutes apart at that rate, days at real traffic)
# gave p99.9 42 ms and a 113 ms worst case. Still finite, so a slow leak cannot add up;
# the jitter keeps workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 10_000))
# Each worker touches its heartbeat file around every request: on tmpfs that never waits for
# a disk (gunicorn's advice), where the machine has one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The site logs every request itself (competencyworks.logging, without client addresses).
# gunicorn's own access line would repeat it, at about a third of the cost of serving a
# cached page: off unless GUNICORN_ACCESS_LOG names a file ("-" for standard output).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True


def is_loopback(address):
    """True for binds on this machine only; a unix socket may sit behind a public proxy."""
    if address.startswith("["):
        host = address[1:].partition("]")[0]
    elif address.count(":") == 1:
        host = address.partition(":")[0]
    else:
        host = address  # no port, or a bare IPv6 address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if os.environ.get("SECRET_KEY") == LOCAL_SECRET_KEY and not is_loopback(bind):
    raise RuntimeError(
        f"SECRET_KEY is the public fallback of `make serve`, which may only bind to this "
        f"machine (127.0.0.1, localhost or [::1]), not {bind!r}. Set SECRET_KEY to a secret "
        f"of your own."
    )
