"""Check whether web addresses still answer, many at a time.

Plain Python, no database: `check_urls` takes addresses and returns a
`LinkResult` for each; the `check_links` command records them on resources.
A single bad address never raises: every failure becomes a result with a short
error a person can read ("timed out after 10s", "connection refused", …).
"""

import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

USER_AGENT = "CompetencyWorks link checker"
MAX_REDIRECTS = 5
ERROR_LENGTH = 300  # Resource.link_error's max_length


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    status_code: int | None = None
    error: str = ""


def make_client(*, timeout=10.0, max_connections=8):
    """The HTTP client the checks share (thread-safe; one connection pool)."""
    return httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )


def check_url(client, url):
    """Whether `url` answers with a status below 400, as a LinkResult; never raises."""
    try:
        problem = _address_problem(url)
        if problem:
            return LinkResult(ok=False, error=problem)
        status = client.head(url).status_code
        if _retry_with_get(status):
            # Many servers refuse or mishandle HEAD: ask again with a GET, reading no body.
            with client.stream("GET", url) as response:
                status = response.status_code
    except Exception as exc:  # any failure is this link's result, not the whole run's
        return LinkResult(ok=False, error=_describe(exc, client)[:ERROR_LENGTH])
    if status < 400:
        return LinkResult(ok=True, status_code=status)
    return LinkResult(ok=False, status_code=status, error=_status_text(status))


def check_urls(urls, *, workers=8, timeout=10.0):
    """{url: LinkResult} for each distinct URL, checked `workers` at a time."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return {}
    workers = max(1, min(workers, len(urls)))
    with (
        make_client(timeout=timeout, max_connections=workers) as client,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="link-check") as pool,
    ):
        results = pool.map(lambda url: check_url(client, url), urls)
        return dict(zip(urls, results, strict=True))


def _address_problem(url):
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except (ValueError, AttributeError):
        return "invalid address"
    if parts.scheme.lower() not in ("http", "https"):
        return "not a web address"
    if not parts.hostname:
        return "invalid address: no server name"
    return ""


def _retry_with_get(status):
    return 400 <= status < 500 or status == HTTPStatus.NOT_IMPLEMENTED


def _status_text(status):
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _describe(exc, client):
    """A short, readable reason for a failed request."""
    if isinstance(exc, httpx.TimeoutException):
        seconds = client.timeout.read or client.timeout.connect
        return f"timed out after {seconds:g}s" if seconds else "timed out"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "not a web address"
    if isinstance(exc, httpx.InvalidURL | UnicodeError):
        return f"invalid address: {exc}"
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate problem: {cause.verify_message or cause.reason}"
        if isinstance(cause, ssl.SSLError):
            reason = (cause.reason or "").replace("_", " ").lower()
            return f"secure connection failed: {reason}" if reason else "secure connection failed"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "server not found"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection or sent a malformed response"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect: {exc}" if str(exc) else "could not connect"
    if isinstance(exc, httpx.NetworkError):
        return f"network error: {exc}" if str(exc) else "network error"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _causes(exc):
    """The exception and those it was raised from (httpx wraps httpcore wraps OSError)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
