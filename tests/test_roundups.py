"""Editors collect links through the month and compose the "What's New" roundup from them.

Titles are read from real pages served on loopback: a "public" site on 127.0.0.2, let
through with LINK_CHECK_ALLOWED_NETWORKS as a site on the internet would be, and an
"internal" service on 127.0.0.1 that must never be reached. No test leaves the machine.
"""

import gzip
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from competencyworks.publishing import Status
from policy.models import State
from roundups import titles
from roundups.compose import state_linker
from roundups.models import CollectedLink, Heading
from tests.factories import AuthorFactory, ResourceFactory, SectionFactory, UserFactory
from wiki.links import NOT_PUBLIC
from wiki.models import Kind, Resource

PUBLIC_NETWORK = "127.0.0.2/32"
HUGE = 32 * 1024 * 1024  # bytes of padding before the /huge page's title
COLLECT = reverse("admin:roundups_collectedlink_collect")
CHANGELIST = reverse("admin:roundups_collectedlink_changelist")
COMPOSE = reverse("admin:roundups_collectedlink_compose")
NOVEMBER = timezone.make_aware(datetime(2026, 11, 12, 10, 0))
OCTOBER = timezone.make_aware(datetime(2026, 10, 20, 10, 0))

PAGES = {
    "/article": (
        "text/html",
        b"<html><head><title>Article | Example News</title>"
        b'<meta property="og:title" content="Idaho Moves Past Seat Time &amp; Credits">'
        b"</head><body>text</body></html>",
    ),
    "/plain": (
        "text/html; charset=utf-8",
        b"<!doctype html><title>\n  Lindsay Unified &#8211; No More   Grades\n</title><p>x",
    ),
    "/latin1": (
        "text/html; charset=iso-8859-1",
        "<html><head><title>Caf\u00e9 Conversations</title></head></html>".encode("latin-1"),
    ),
    "/meta-charset": (
        "text/html",
        b'<html><head><meta charset="windows-1252"><title>\x93Quoted\x94</title></head>',
    ),
    "/site-default": (
        "text/html",
        b'<head><meta property="og:site_name" content="Example News">'
        b'<meta property="og:title" content="Example News">'
        b"<title>Ohio Pilots Competency Diplomas | Example News</title></head>",
    ),
    "/untitled": ("text/html", b"<html><head></head><body>No title here</body></html>"),
    "/report.pdf": ("application/pdf", b"%PDF-1.7 not a web page"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path in PAGES:
            kind, body = PAGES[self.path]
            return self.reply(200, kind, body)
        if self.path == "/gzip":
            body = gzip.compress(b"<html><head><title>Compressed Anyway</title></head>")
            return self.reply(200, "text/html", body, encoding="gzip")
        if self.path == "/moved":
            return self.reply(301, location="/plain")
        if self.path == "/to-internal":
            return self.reply(302, location=self.server.internal_url + "/secret")
        if self.path == "/slow":
            time.sleep(3)
            return self.reply(200, "text/html", b"<title>Too late</title>")
        if self.path == "/trickle":
            # Never silent long enough for a read to time out, never finished.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b"<!-- still here -->")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            return None
        if self.path == "/huge":
            # The title comes after more than the collector reads: it must give up first.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            sent = 0
            try:
                self.wfile.write(b"<html><head>")
                while sent < HUGE:
                    self.wfile.write(b"<!-- padding -->" * 4096)
                    sent += 16 * 4096
                self.wfile.write(b"<title>Hidden</title></head>")
            except OSError:
                pass
            self.server.huge_sent.append(sent)
            return None
        return self.reply(404, "text/html", b"<title>Not found</title>")

    def reply(self, status, kind="text/html", body=b"", location=None, encoding=None):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if location:
            self.send_header("Location", location)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host):
        super().__init__((host, 0), Handler)
        self.requests = []
        self.huge_sent = []
        self.internal_url = ""

    @property
    def url(self):
        host, port = self.server_address
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address):
        pass  # the collector hanging up mid-page is expected


@pytest.fixture(scope="module")
def servers():
    public, internal = Server("127.0.0.2"), Server("127.0.0.1")
    public.internal_url = internal.url
    for server in (public, internal):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield public, internal
    for server in (public, internal):
        server.shutdown()
        server.server_close()


@pytest.fixture
def web(servers, settings, monkeypatch):
    """The public site's address; the internal service is checked for visits afterwards."""
    public, internal = servers
    settings.LINK_CHECK_ALLOWED_NETWORKS = [PUBLIC_NETWORK]
    monkeypatch.setattr(titles, "TIMEOUT", 1.0)
    internal.requests.clear()
    yield public
    assert internal.requests == [], "the internal service was reached"


def collect(client, url, **fields):
    data = {"url": url, "title": "", "note": "", "heading": Heading.NEWS, **fields}
    return client.post(COLLECT, {key: value for key, value in data.items() if value is not None})


def idaho():
    return State.objects.get(code="ID")


# ---------------------------------------------------------------- collecting


def test_collecting_reads_the_pages_own_title(editor_client, editor, web):
    response = collect(
        editor_client,
        f"{web.url}/article",
        heading=Heading.STATES,
        state=idaho().pk,
        note="HB 110 is law.",
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == COLLECT
    link = CollectedLink.objects.get()
    assert link.title == "Idaho Moves Past Seat Time & Credits"  # og:title before <title>
    assert (link.heading, link.state, link.note) == (Heading.STATES, idaho(), "HB 110 is law.")
    assert link.collected_by == editor
    assert link.used_in is None

    page = editor_client.get(COLLECT)
    assert "Collected" in page.text and "Idaho Moves Past Seat Time &amp; Credits" in page.text
    assert 'name="url"' in page.text and 'value="' + web.url not in page.text  # ready for the next


@pytest.mark.parametrize(
    "path, title",
    [
        ("/plain", "Lindsay Unified \u2013 No More Grades"),
        ("/latin1", "Caf\u00e9 Conversations"),
        ("/meta-charset", "\u201cQuoted\u201d"),
        ("/gzip", "Compressed Anyway"),
        ("/site-default", "Ohio Pilots Competency Diplomas | Example News"),
        ("/moved", "Lindsay Unified \u2013 No More Grades"),
    ],
)
def test_titles_are_read_whatever_the_pages_encoding(editor_client, web, path, title):
    assert collect(editor_client, f"{web.url}{path}").status_code == 302
    assert CollectedLink.objects.get().title == title


def test_a_typed_title_is_kept_and_no_page_is_fetched(editor_client, web):
    before = len(web.requests)
    response = collect(editor_client, f"{web.url}/article", title="Our own words")
    assert response.status_code == 302
    assert CollectedLink.objects.get().title == "Our own words"
    assert len(web.requests) == before


@pytest.mark.parametrize(
    "address, reason",
    [
        ("{public}/slow", "timed out"),
        ("{public}/trickle", "timed out"),
        ("{public}/missing", "the page answered HTTP 404"),
        ("{public}/report.pdf", "not a web page (application/pdf)"),
        ("{public}/untitled", "the page has no title"),
        ("{public}/huge", "the page has no title"),
        ("{internal}/secret", NOT_PUBLIC),
        ("{public}/to-internal", NOT_PUBLIC),
        ("http://10.1.2.3/intranet", NOT_PUBLIC),
        ("http://[::1]:9/", NOT_PUBLIC),
        ("http://169.254.169.254/latest/meta-data/", NOT_PUBLIC),
    ],
)
def test_an_unreadable_page_keeps_the_form_and_asks_for_the_title(
    editor_client, web, servers, address, reason
):
    url = address.format(public=web.url, internal=servers[1].url)
    started = time.monotonic()
    response = collect(editor_client, url, note="Worth reading for the rubric.")
    assert time.monotonic() - started < 2.5  # about the collector's 1 s budget in tests
    assert response.status_code == 200
    assert reason in response.text
    assert "Type the title and save again" in response.text
    assert "Worth reading for the rubric." in response.text  # nothing the editor typed is lost
    assert not CollectedLink.objects.exists()

    response = collect(editor_client, url, note="Worth reading for the rubric.", title="Typed")
    assert response.status_code == 302
    assert CollectedLink.objects.get().title == "Typed"


def test_a_huge_page_is_not_read_to_the_end(editor_client, web):
    web.huge_sent.clear()
    collect(editor_client, f"{web.url}/huge")
    deadline = time.monotonic() + 5
    while not web.huge_sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert web.huge_sent and web.huge_sent[0] < HUGE


@pytest.mark.parametrize("url", ["ftp://example.org/file", "javascript:alert(1)", "not a url"])
def test_only_web_addresses_are_collected(editor_client, web, url):
    response = collect(editor_client, url, title="A title")
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not CollectedLink.objects.exists()


def test_the_admin_add_form_reads_the_title_too(editor_client, web):
    response = editor_client.post(
        reverse("admin:roundups_collectedlink_add"),
        {"url": f"{web.url}/plain", "title": "", "note": "", "heading": Heading.RESOURCES},
    )
    assert response.status_code == 302
    assert CollectedLink.objects.get().title == "Lindsay Unified \u2013 No More Grades"


def test_collecting_needs_the_add_permission(client, db):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_collectedlink"))
    client.force_login(viewer)
    assert client.get(COLLECT).status_code == 403
    assert client.post(COLLECT, {"url": "https://example.org/", "title": "x"}).status_code == 403
    assert not CollectedLink.objects.exists()


# ---------------------------------------------------------------- composing


def link(title, heading, when=NOVEMBER, **fields):
    return CollectedLink.objects.create(
        title=title,
        heading=heading,
        collected_at=when,
        url=fields.pop("url", f"https://news.example.org/{title.lower().replace(' ', '-')}"),
        **fields,
    )


@pytest.fixture
def november(db):
    SectionFactory(name="Higher Education", slug="higher-education")
    SectionFactory()
    # Collected out of order: the roundup sorts them by heading, then by time.
    return [
        link("A toolkit for schools", Heading.RESOURCES, url="https://toolkit.example.org/"),
        link(
            "Board starts a study",
            Heading.STATES,
            note="West Virginia and Idaho are studying mastery-based credit; Idaho leads.",
        ),
        link("Badges in Pittsburgh", Heading.NEWS, note="A city of learning."),
        link(
            "Pilot approved",
            Heading.STATES,
            state=State.objects.get(code="OH"),
            note="Five districts plan their <b>programs</b>.",
            save_as_resource=True,
        ),
        link(
            "<script>alert(1)</script>Rubric guide",
            Heading.RESOURCES,
            note='<img src=x onerror="alert(1)">',
            save_as_resource=True,
            url="https://guides.example.org/rubrics",
        ),
        link("Last month's news", Heading.NEWS, when=OCTOBER),
    ]


def compose_selected(client, links):
    return client.post(
        CHANGELIST,
        {
            "action": "compose_selected",
            "_selected_action": [item.pk for item in links],
        },
    )


def test_composing_makes_a_draft_in_the_house_style(editor_client, editor, november):
    author = AuthorFactory(name="Eddie Tor", user=editor)
    chosen = november[:5]
    response = compose_selected(editor_client, chosen)

    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:blog_post_change", args=[post.pk])
    assert post.title == "What\u2019s New in Competency Education \u2013 November 2026"
    assert post.status == Status.DRAFT and post.publish_at is None
    assert post.section.slug == "k-12"
    assert post.ordered_authors == [author]
    assert post.created_by == editor

    body = post.body
    headings = ["<h2>News</h2>", "<h2>Movement in the States</h2>", "<h2>Helpful Resources</h2>"]
    positions = [body.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert body.count("<ol>") == 3 and body.count("<li>") == 5
    # Within a heading, in the order collected.
    assert body.index("Board starts a study") < body.index("Pilot approved")
    assert (
        '<li><a href="https://news.example.org/badges-in-pittsburgh">Badges in Pittsburgh</a>'
        " \u2013 A city of learning.</li>"
    ) in body

    idaho_url = idaho().get_absolute_url()
    wv_url = State.objects.get(code="WV").get_absolute_url()
    ohio_url = State.objects.get(code="OH").get_absolute_url()
    assert f'<a href="{wv_url}">West Virginia</a> and <a href="{idaho_url}">Idaho</a>' in body
    assert body.count(f'href="{idaho_url}"') == 1  # once per item
    assert f'href="{State.objects.get(code="VA").get_absolute_url()}"' not in body
    # A state chosen for the link but not named in its note is named before it.
    assert f'<a href="{ohio_url}">Ohio</a>: Five districts plan' in body

    # What editors typed is text, and the body is sanitised on save like every post.
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "&lt;img src=x onerror=" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Rubric guide" in body
    assert "&lt;b&gt;programs&lt;/b&gt;" in body

    for item in chosen:
        item.refresh_from_db()
        assert item.used_in == post
    november[5].refresh_from_db()
    assert november[5].used_in is None

    resources = Resource.objects.order_by("url")
    assert [(r.url, r.kind, r.status) for r in resources] == [
        ("https://guides.example.org/rubrics", Kind.ARTICLE, Status.DRAFT),
        ("https://news.example.org/pilot-approved", Kind.ARTICLE, Status.DRAFT),
    ]
    assert resources[1].summary == "Five districts plan their <b>programs</b>."
    assert resources[1].title == "Pilot approved"

    page = editor_client.get(response["Location"])
    assert "Composed the draft" in page.text
    assert "Added to the library: 2 draft resources." in page.text


def test_composing_twice_makes_no_second_post_or_resource(editor_client, november):
    compose_selected(editor_client, november[:5])
    response = compose_selected(editor_client, november[:5])
    assert response.status_code == 302 and response["Location"].startswith(CHANGELIST)
    assert Post.objects.count() == 1
    assert Resource.objects.count() == 2
    page = editor_client.get(response["Location"])
    assert "already in a roundup" in page.text

    # A later selection mixing used and new links uses only the new ones.
    first = Post.objects.get()
    compose_selected(editor_client, november)
    second = Post.objects.exclude(pk=first.pk).get()
    assert "Last month" in second.body and "Badges in Pittsburgh" not in second.body
    assert second.title.endswith("November 2026")  # the latest link's month


def test_a_link_already_in_the_library_is_not_added_again(editor_client, november):
    ResourceFactory(url="https://www.guides.example.org/rubrics/", title="Rubrics")
    compose_selected(editor_client, november[:5])
    assert Resource.objects.filter(url_key="guides.example.org/rubrics").count() == 1
    assert Resource.objects.count() == 2


def test_compose_this_months_uses_that_months_waiting_links(editor_client, november):
    response = editor_client.get(CHANGELIST, {"month": "2026-11"})
    assert "Compose November\u2019s roundup" in response.text
    assert 'name="month" value="2026-11"' in response.text

    response = editor_client.post(COMPOSE, {"month": "2026-11"})
    post = Post.objects.get()
    assert response["Location"] == reverse("admin:blog_post_change", args=[post.pk])
    assert set(post.collected_links.all()) == set(november[:5])
    assert "Last month" not in post.body

    response = editor_client.post(COMPOSE, {"month": "2026-11"}, follow=True)
    assert Post.objects.count() == 1
    assert "No link collected in November 2026 is waiting" in response.text


@pytest.mark.parametrize("month", ["", "2026-13", "soon", "2026-11-01"])
def test_compose_refuses_a_month_it_cannot_read(editor_client, november, month):
    response = editor_client.post(COMPOSE, {"month": month}, follow=True)
    assert response.status_code == 200
    assert "Choose a month to compose" in response.text
    assert not Post.objects.exists()


def test_compose_is_a_form_not_a_link(editor_client, november):
    assert editor_client.get(COMPOSE, {"month": "2026-11"}).status_code == 405
    assert not Post.objects.exists()


def test_the_changelist_filters_by_heading_month_and_use(editor_client, november):
    compose_selected(editor_client, november[:2])

    def rows(**query):
        return editor_client.get(CHANGELIST, query).context["cl"].result_count

    assert rows() == 6
    assert rows(heading=Heading.STATES) == 2
    assert rows(month="2026-10") == 1
    assert rows(used="no") == 4
    assert rows(used="yes", month="2026-11") == 2


def test_the_list_names_who_collected_each_link_without_their_account(editor_client, november):
    ana = UserFactory(username="ana@example.org", first_name="Ana", last_name="Ruiz")
    CollectedLink.objects.filter(pk=november[0].pk).update(collected_by=ana)
    page = editor_client.get(CHANGELIST)
    assert "Ana Ruiz" in page.text
    assert "ana@example.org" not in page.text


def composer(*codenames):
    user = UserFactory(username="composer", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_composing_needs_permission_to_add_posts(client, november):
    client.force_login(composer("view_collectedlink", "change_collectedlink"))
    response = client.get(CHANGELIST)
    assert "compose_selected" not in response.text
    assert "roundup</button>" not in response.text
    compose_selected(client, november[:2])
    assert client.post(COMPOSE, {"month": "2026-11"}).status_code == 403
    assert not Post.objects.exists()
    assert not CollectedLink.objects.filter(used_in__isnull=False).exists()


def test_without_permission_to_add_resources_none_are_added(client, november):
    client.force_login(
        composer("view_collectedlink", "change_collectedlink", "add_post", "change_post")
    )
    response = compose_selected(client, november[:5])
    assert Post.objects.count() == 1
    assert not Resource.objects.exists()
    page = client.get(response["Location"])
    assert "Not added to the library: 2 links marked for it" in page.text


@pytest.mark.parametrize(
    "note, codes",
    [
        ("Arkansas follows Kansas.", ["AR", "KS"]),
        ("West Virginia, then Virginia.", ["WV", "VA"]),
        ("Schools in Washington, D.C. and Washington state.", ["WA"]),
        ("New Hampshire\u2019s plan; New Hampshire again.", ["NH"]),
        ("Newark and Idahoan farmers are not states.", []),
    ],
)
def test_each_state_named_in_a_note_links_once_to_its_page(db, note, codes):
    linker = state_linker(State.objects.all())
    html = linker(note, set())
    found = re.findall(r'<a href="([^"]+)">', html)
    assert found == [State.objects.get(code=code).get_absolute_url() for code in codes]
