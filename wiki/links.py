"""Check whether web addresses still answer, many at a time.

Plain Python, no database: `check_urls` takes addresses and returns a
`LinkResult` for each; the `check_links` command records them on resources.
A single bad address never raises: every failure becomes a result with a short
error a person can read ("timed out after 10s", "connection refused", …).

Editors type the addresses, so the checker only ever connects to public ones:
each host name is resolved once, refused if any of its addresses is not public
(loopback, private, link-local and cloud metadata, …), and the connection goes
to the address that was checked. Redirects are followed one at a time with the
same rule, at most MAX_REDIRECTS of them, and no response body is ever read.
"""

import ipaddress
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import httpcore
import httpx

USER_AGENT = "CompetencyWorks link checker"
MAX_REDIRECTS = 5
ERROR_LENGTH = 300  # Resource.link_error's max_length
NOT_PUBLIC = "refused: not a public address"
# Well-known NAT64 prefix: on a NAT64 network these reach the IPv4 address in the last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    status_code: int | None = None
    error: str = ""


class Unchecked(Exception):
    """Why an address was not (or no further) fetched, in words an editor can read."""


class PublicOnlyBackend(httpcore.SyncBackend):
    """Opens connections only to public addresses (or `allowed_networks`)."""

    def __init__(self, allowed_networks=()):
        self.allowed_networks = [ipaddress.ip_network(net) for net in allowed_networks]

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = self.checked_addresses(host, port)
        # Connect to the addresses just checked, never to a second lookup's answer (DNS rebinding).
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    def checked_addresses(self, host, port):
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))
        # One non-public address refuses the name: the system may pick any of them.
        if not addresses or not all(self.allows(address) for address in addresses):
            raise Unchecked(NOT_PUBLIC)
        return addresses

    def allows(self, address):
        ip = ipaddress.ip_address(address)
        if any(ip in network for network in self.allowed_networks):
            return True
        if ip.version == 6:  # an IPv6 address that carries an IPv4 one is judged by that
            ip = ip.ipv4_mapped or ip.sixtofour or _nat64_ipv4(ip) or ip
        return ip.is_global and not ip.is_multicast


class PublicOnlyTransport(httpx.HTTPTransport):
    def __init__(self, *, limits, allowed_networks=()):
        super().__init__(limits=limits, trust_env=False)
        # httpx 0.28 takes no network backend, so build its connection pool with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PublicOnlyBackend(allowed_networks),
        )


def make_client(*, timeout=10.0, max_connections=8, allowed_networks=()):
    """The HTTP client the checks share (thread-safe; one connection pool).

    It connects only to public addresses, plus any in `allowed_networks` (CIDR strings).
    No proxy and no ~/.netrc: a proxy would choose the address itself, and saved
    passwords are not sent to the addresses editors type.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.Client(
        transport=PublicOnlyTransport(limits=limits, allowed_networks=allowed_networks),
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
    )


def check_url(client, url):
    """Whether `url` answers with a status below 400, as a LinkResult; never raises."""
    try:
        status = _final_status(client, "HEAD", url)
        if _retry_with_get(status):
            # Many servers refuse or mishandle HEAD: ask again with a GET.
            status = _final_status(client, "GET", url)
    except Exception as exc:  # any failure is this link's result, not the whole run's
        return LinkResult(ok=False, error=describe_failure(exc, client)[:ERROR_LENGTH])
    if status < 400:
        return LinkResult(ok=True, status_code=status)
    return LinkResult(ok=False, status_code=status, error=_status_text(status))


def check_urls(urls, *, workers=8, timeout=10.0, allowed_networks=()):
    """{url: LinkResult} for each distinct URL, checked `workers` at a time."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return {}
    workers = max(1, min(workers, len(urls)))
    with (
        make_client(
            timeout=timeout, max_connections=workers, allowed_networks=allowed_networks
        ) as client,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="link-check") as pool,
    ):
        results = pool.map(lambda url: check_url(client, url), urls)
        return dict(zip(urls, results, strict=True))


def _final_status(client, method, url):
    """The status at the end of `url`'s redirects, each hop checked like the first."""
    _check_address(url)
    request = client.build_request(method, url)
    for _ in range(MAX_REDIRECTS + 1):
        # Status and headers are all the checker needs: the body is never read.
        response = client.send(request, stream=True)
        response.close()
        if response.next_request is None:
            return response.status_code
        request = response.next_request
        _check_address(str(request.url))
    raise Unchecked("too many redirects")


def _check_address(url):
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except (ValueError, AttributeError):
        raise Unchecked("invalid address") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Unchecked("not a web address")
    if not parts.hostname:
        raise Unchecked("invalid address: no server name")
    if parts.username is not None or parts.password is not None:
        raise Unchecked("refused: the address holds a user name or password")


def _nat64_ipv4(ip):
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None


def _retry_with_get(status):
    return 400 <= status < 500 or status == HTTPStatus.NOT_IMPLEMENTED


def _status_text(status):
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def describe_failure(exc, client):
    """A short, readable reason for a failed request."""
    if isinstance(exc, Unchecked):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        seconds = client.timeout.read or client.timeout.connect
        return f"timed out after {seconds:g}s" if seconds else "timed out"
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
