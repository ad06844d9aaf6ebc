"""What attackers try: script in every field, open redirects, password guessing, odd
uploads and random input. Each has an expected answer."""

import csv
import io
import json
import string
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.models import PolicyEntry, State
from tests.factories import PageFactory, PostFactory, ResourceFactory, UserFactory
from tests.payloads import PAYLOAD, assert_inert

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile_content():
    post = PostFactory(
        title=PAYLOAD, excerpt=PAYLOAD, image_alt=PAYLOAD, image_caption=PAYLOAD,
        body=f"<p>{PAYLOAD}</p><a href='javascript:alert(1)'>x</a>", tags=[PAYLOAD[:50]],
    )  # fmt: skip
    resource = ResourceFactory(title=PAYLOAD, summary=PAYLOAD, publisher=PAYLOAD)
    page = PageFactory(title="Hostile page", body=f"{PAYLOAD}\n\n[[{PAYLOAD}]]")
    entry = PolicyEntry.objects.create(
        state=State.objects.get(code="ID"), title="=HYPERLINK(\"http://evil\")" + PAYLOAD,
        kind="statute", year=2020, policy_status="signed", summary=PAYLOAD, status="published",
    )  # fmt: skip
    return post, resource, page, entry


def test_payloads_are_inert_in_every_html_page(client, hostile_content):
    post, resource, page, entry = hostile_content
    urls = [
        "/", "/blog/", post.get_absolute_url(), post.get_absolute_url() + "print/",
        resource.get_absolute_url(), "/library/", page.get_absolute_url(),
        "/policy/", entry.get_absolute_url(), "/policy/states/id/", "/blog/tags/",
        "/search/?q=alert", f"/search/?q={PAYLOAD}",
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())


def test_payloads_survive_as_text_in_feeds_and_exports(client, hostile_content):
    for url in ["/feed/", "/library/feed/", "/policy/feed/", "/search/feed/?q=alert"]:
        ET.fromstring(client.get(url).content)  # well-formed: the payload is escaped
    exported = json.loads(b"".join(client.get("/policy/export.json").streaming_content))
    assert exported["entries"][0]["summary"] == PAYLOAD
    rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/policy/export.csv").streaming_content).decode())
        )
    )
    assert rows[1][1].startswith("'=HYPERLINK")  # a spreadsheet will not run it


def test_login_is_rate_limited(client):
    UserFactory(username="target", is_staff=True)
    with override_settings(AXES_ENABLED=True):
        for _ in range(5):
            client.post("/admin/login/", {"username": "target", "password": "wrong"})
        locked = client.post(
            "/admin/login/", {"username": "target", "password": "correct horse battery staple"}
        )
    assert locked.status_code == 429


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_next_cannot_send_anyone_off_site(client, target):
    UserFactory(username="chief", is_staff=True)
    response = client.post(
        f"/admin/login/?next={target}",
        {"username": "chief", "password": "correct horse battery staple", "next": target},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "image/svg+xml"),
        ("notes.png", b"just text pretending", "image/png"),
    ],
)  # fmt: skip
def test_svg_and_fake_images_are_refused(editor_client, name, content, kind):
    from blog.models import Section

    response = editor_client.post(
        "/admin/blog/post/add/",
        {
            "title": "Upload", "slug": "upload", "section": Section.objects.first().pk,
            "status": "draft", "image": SimpleUploadedFile(name, content, kind),
            "bylines-TOTAL_FORMS": "0", "bylines-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors


PUBLIC_PREFIXES = ["/", "/blog/", "/blog/tags/", "/library/", "/library/guides/", "/policy/",
                   "/policy/states/", "/search/", "/tags/", "/feed/", "/sitemap.xml"]  # fmt: skip
SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from(PUBLIC_PREFIXES),
    tail=st.text(alphabet=string.ascii_letters + string.digits + "-_./%~", max_size=30),
    params=st.dictionaries(
        st.sampled_from(["q", "page", "tag", "year", "kind", "state", "topic", "match", "map_year",
                         "section", "type", "from", "to"]),
        SAFE_TEXT, max_size=4,
    ),
)  # fmt: skip
def test_random_addresses_and_queries_never_cause_a_server_error(client, prefix, tail, params):
    response = client.get(prefix + tail, params)
    assert response.status_code < 500, (prefix + tail, params)
