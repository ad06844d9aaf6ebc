"""The link checker never reaches a service that is not on the public internet.

Editors type the addresses it fetches, so without these rules it would be a port scanner
for the machine it runs on and the network around it.

Two real servers run on loopback: an "internal" service on 127.0.0.1 that must never be
reached, and a "public" site on 127.0.0.2 that the tests let through with
LINK_CHECK_ALLOWED_NETWORKS, standing in for a site on the internet.
"""

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ResourceFactory
from wiki.links import MAX_REDIRECTS, NOT_PUBLIC
from wiki.models import LinkStatus

TIMEOUT = 2.0
PUBLIC_NETWORK = "127.0.0.2/32"
HUGE = 50 * 1024 * 1024  # bytes in each body the /huge pages send
CHUNK = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.server.requests.append(("HEAD", self.path))
        self.server.route(self, head=True)

    def do_GET(self):
        self.server.requests.append(("GET", self.path))
        self.server.route(self, head=False)

    def reply(self, status, location=None, body=b"", length=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def send_huge_body(self, status, location=None):
        """Send HUGE bytes unless the client hangs up; record how many went out."""
        self.reply(status, location=location, length=HUGE)
        sent = 0
        try:
            while sent < HUGE:
                self.wfile.write(b"\0" * CHUNK)
                sent += CHUNK
        except OSError:
            pass
        self.server.bodies_sent.append((self.path, sent))

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host):
        super().__init__((host, 0), Handler)
        self.requests = []  # (method, path); list.append is atomic
        self.bodies_sent = []  # (path, bytes) for each huge body

    @property
    def port(self):
        return self.server_address[1]

    def route(self, handler, head):
        handler.reply(200, body=b"" if head else b"secret\n")

    def handle_error(self, request, client_address):
        pass  # a client that hung up mid-body: expected


class PublicSite(Server):
    def route(self, handler, head):
        url = urlsplit(handler.path)
        if url.path == "/ok":
            handler.reply(200)
        elif url.path == "/to":  # redirects wherever ?url= says
            handler.reply(302, location=parse_qs(url.query)["url"][0])
        elif url.path.startswith("/hops/"):  # /hops/N takes N redirects to reach a page
            left = int(url.path.removeprefix("/hops/"))
            handler.reply(302, location=f"/hops/{left - 1}") if left else handler.reply(200)
        elif head and url.path.startswith("/huge"):
            handler.reply(405)  # makes the checker ask again with a GET
        elif url.path == "/huge":
            handler.send_huge_body(302, location="/huge-page")
        elif url.path == "/huge-page":
            handler.send_huge_body(200)
        else:
            handler.reply(404)


def serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def internal_server():
    yield from serve(Server("127.0.0.1"))


@pytest.fixture(scope="module")
def public_server():
    yield from serve(PublicSite("127.0.0.2"))


@pytest.fixture
def internal(internal_server):
    internal_server.requests.clear()
    return internal_server


@pytest.fixture
def public(public_server, settings):
    """The stand-in public site's base address, let through by the settings."""
    settings.LINK_CHECK_ALLOWED_NETWORKS = [PUBLIC_NETWORK]
    public_server.requests.clear()
    public_server.bodies_sent.clear()
    return f"http://127.0.0.2:{public_server.port}"


class FakeDNS:
    """Made-up host names with made-up answers; everything else resolves as usual."""

    def __init__(self):
        self.answers = {}  # name -> one list of addresses per lookup, the last one repeating
        self.lookups = []
        self.real = socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.lookups.append(host)
        answers = self.answers[host]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
            for address in addresses
        ]


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def check(*resources):
    out = io.StringIO()
    call_command("check_links", "--timeout", str(TIMEOUT), stdout=out, verbosity=2)
    for resource in resources:
        resource.refresh_from_db()
    return out.getvalue()


def assert_refused(resource, error=NOT_PUBLIC):
    assert resource.link_status == LinkStatus.BROKEN
    assert resource.link_error == error
    assert resource.link_status_code is None  # nothing about what answered there, if anything
    assert resource.link_checked_at is not None


# addresses typed by an editor


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/admin/",
        "http://2130706433:{port}/",  # 127.0.0.1 as one decimal number
        "http://0x7f.0.0.1:{port}/",  # hexadecimal
        "http://0x7f.1:{port}/",  # hexadecimal, short form
        "http://017700000001:{port}/",  # octal
        "http://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped IPv6
        "HTTP://LocalHost:{port}/",  # mixed case
    ],
)
def test_loopback_addresses_in_any_spelling_are_refused(internal, address):
    resource = ResourceFactory(url=address.format(port=internal.port))
    out = check(resource)
    assert_refused(resource)
    assert f"<{resource.url}>: {NOT_PUBLIC}" in out
    assert internal.requests == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",  # cloud instance metadata
        "http://10.0.0.1/",
        "http://172.16.5.4:8080/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0:22/",
        "http://224.0.0.1/",  # multicast
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 for 169.254.169.254
    ],
)
def test_private_and_special_addresses_are_refused_without_connecting(address):
    started = time.monotonic()
    resource = ResourceFactory(url=address)
    check(resource)
    assert_refused(resource)
    # Refused before any connection: a scan learns nothing from how long each answer took.
    assert time.monotonic() - started < TIMEOUT


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["ftp://127.0.0.1/report.pdf", "file:///etc/passwd"])
def test_addresses_that_are_not_web_addresses_are_refused(address):
    resource = ResourceFactory(url=address)
    check(resource)
    assert_refused(resource, error="not a web address")


@pytest.mark.django_db
def test_addresses_holding_a_password_are_refused(public, public_server):
    resource = ResourceFactory(url=public.replace("http://", "http://editor:secret@") + "/ok")
    check(resource)
    assert_refused(resource, error="refused: the address holds a user name or password")
    assert public_server.requests == []


# names whose DNS answers a non-public address


@pytest.mark.django_db
def test_a_public_looking_name_that_resolves_to_loopback_is_refused(dns, internal):
    dns.answers["reports.example.org"] = [["127.0.0.1"]]
    resource = ResourceFactory(url=f"http://reports.example.org:{internal.port}/")
    check(resource)
    assert_refused(resource)
    assert internal.requests == []


@pytest.mark.django_db
def test_a_name_with_one_private_address_among_public_ones_is_refused(dns, public, internal):
    dns.answers["mixed.example.org"] = [["127.0.0.2", "127.0.0.1"]]
    port = internal.port
    resource = ResourceFactory(url=f"http://mixed.example.org:{port}/")
    check(resource)
    assert_refused(resource)
    assert internal.requests == []


@pytest.mark.django_db
def test_the_connection_goes_to_the_address_that_was_checked(dns, public, public_server):
    # A name that answers an allowed address, then a loopback one to any second lookup.
    dns.answers["rebinding.example.org"] = [["127.0.0.2"], ["127.0.0.1"]]
    resource = ResourceFactory(url=f"http://rebinding.example.org:{public_server.port}/ok")
    check(resource)
    assert resource.link_status == LinkStatus.OK
    assert dns.lookups == ["rebinding.example.org"]
    assert public_server.requests == [("HEAD", "/ok")]


# redirects


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://2130706433:{port}/",
        "http://[::1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_redirect_to_a_non_public_address_is_refused(public, public_server, internal, target):
    target = target.format(port=internal.port)
    resource = ResourceFactory(url=f"{public}/to?url={target}")
    check(resource)
    assert_refused(resource)
    assert internal.requests == []
    assert len(public_server.requests) == 1


@pytest.mark.django_db
def test_a_redirect_to_a_name_that_resolves_to_loopback_is_refused(dns, public, internal):
    dns.answers["cdn.example.org"] = [["127.0.0.1"]]
    resource = ResourceFactory(url=f"{public}/to?url=http://cdn.example.org:{internal.port}/")
    check(resource)
    assert_refused(resource)
    assert internal.requests == []


@pytest.mark.django_db
def test_redirects_to_other_schemes_are_refused(public):
    resource = ResourceFactory(url=f"{public}/to?url=file:///etc/passwd")
    check(resource)
    assert_refused(resource, error="not a web address")


@pytest.mark.django_db
def test_redirects_stop_at_the_limit(public, public_server):
    within = ResourceFactory(url=f"{public}/hops/{MAX_REDIRECTS}")
    beyond = ResourceFactory(url=f"{public}/hops/10")
    check(within, beyond)
    assert (within.link_status, within.link_status_code) == (LinkStatus.OK, 200)
    assert_refused(beyond, error="too many redirects")
    assert len(public_server.requests) == 2 * (MAX_REDIRECTS + 1)  # both chains, no further


# response size


@pytest.mark.django_db
def test_huge_responses_are_not_read(public, public_server):
    # HEAD is refused, so the checker GETs a redirect and then a page, each with a 50 MB body.
    resource = ResourceFactory(url=f"{public}/huge")
    started = time.monotonic()
    check(resource)
    assert (resource.link_status, resource.link_status_code) == (LinkStatus.OK, 200)
    deadline = time.monotonic() + 10
    while len(public_server.bodies_sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    bodies = dict(public_server.bodies_sent)
    assert set(bodies) == {"/huge", "/huge-page"}
    # The checker hung up after the headers: the server could only fill the socket buffers.
    assert all(sent < HUGE / 2 for sent in bodies.values()), bodies
    assert time.monotonic() - started < 10


# what editors and readers see


@pytest.mark.django_db
def test_allowed_networks_let_a_chosen_network_through(internal, settings):
    settings.LINK_CHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    resource = ResourceFactory(url=f"http://127.0.0.1:{internal.port}/")
    check(resource)
    assert (resource.link_status, resource.link_status_code) == (LinkStatus.OK, 200)
    assert internal.requests == [("HEAD", "/")]


@pytest.mark.django_db
def test_editors_and_readers_see_a_refusal_and_nothing_about_the_service(
    internal, editor_client, client
):
    resource = ResourceFactory(title="Internal dashboard", url=f"http://127.0.0.1:{internal.port}/")
    check(resource)

    change_page = editor_client.get(reverse("admin:wiki_resource_change", args=[resource.pk]))
    assert change_page.status_code == 200
    assert f"Broken {NOT_PUBLIC} — checked" in change_page.content.decode()
    listing = editor_client.get(reverse("admin:wiki_resource_changelist"), {"link": "broken"})
    assert "Internal dashboard" in listing.content.decode()

    public_page = client.get(resource.get_absolute_url())
    assert "This link did not work when we last checked it" in public_page.content.decode()
    assert "secret" not in public_page.content.decode()
