"""Open data: the blog and the library export what they show as CSV and JSON (with the
policy list's machinery), policy entries name their sponsors, provisions can be cited, and
broken resource links point to an archived copy."""

import csv
import gzip
import io
import json
from datetime import UTC, datetime

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policy.models import Provision, Sponsor, SponsorRole
from tests.factories import (
    AuthorFactory,
    PostFactory,
    ResourceFactory,
    SectionFactory,
    SeriesFactory,
    TopicFactory,
)
from tests.test_policy_pages import PolicyEntryFactory, form_data, form_errors
from wiki.models import LinkStatus

pytestmark = pytest.mark.django_db


def download(client, path, query=None):
    response = client.get(path, query or {})
    assert response.status_code == 200, response.content
    assert response.streaming
    return response, b"".join(response.streaming_content).decode()


def csv_rows(client, path, query=None):
    response, body = download(client, path, query)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(body)))


def json_rows(client, path, key, query=None):
    response, body = download(client, path, query)
    assert response["Content-Type"] == "application/json"
    return json.loads(body)[key]


def export_links(response):
    page = lxml.html.fromstring(response.content)
    return {a.text: a.get("href") for a in page.iter("a") if "/export." in a.get("href", "")}


# ---------------------------------------------------------------------------- blog export


@pytest.fixture
def posts():
    k12 = SectionFactory(name="Classrooms", slug="classrooms")
    higher = SectionFactory(name="Colleges", slug="colleges")
    ana, ben = AuthorFactory(name="Ana Ruiz", slug="ana"), AuthorFactory(name="Ben Okafor")
    series = SeriesFactory(title="Mastery in Maine", slug="mastery-maine")
    first = PostFactory(
        title="Grading for learning",
        section=k12,
        authors=[ben, ana],
        tags=["Grading", "equity"],
        series=series,
        series_part=2,
        excerpt="Why grades should report learning.",
    )
    second = PostFactory(title="Credit for prior learning", section=higher, tags=["equity"])
    PostFactory(title="An unpublished draft", section=k12, draft=True)
    return first, second


def test_blog_export_lists_the_published_posts_with_every_column(client, posts):
    first, _second = posts
    rows = csv_rows(client, "/blog/export.csv")

    assert [row["title"] for row in rows] == ["Grading for learning", "Credit for prior learning"]
    row = rows[0]
    assert row["url"] == f"http://testserver{first.get_absolute_url()}"
    assert row["date"] == first.date.isoformat()
    assert row["section"] == "Classrooms"
    assert row["authors"] == "Ben Okafor;Ana Ruiz"  # byline order
    assert row["tags"] == "equity;Grading"
    assert (row["series"], row["part"]) == ("Mastery in Maine", "2")
    assert row["summary"] == "Why grades should report learning."
    assert rows[1]["authors"] == "" and rows[1]["series"] == ""

    data = json_rows(client, "/blog/export.json", "posts")
    assert data[0]["authors"] == ["Ben Okafor", "Ana Ruiz"]
    assert data[0]["part"] == 2
    assert data[1]["tags"] == ["equity"]


@pytest.mark.parametrize(
    "query, titles",
    [
        ({"section": "colleges"}, ["Credit for prior learning"]),
        ({"author": "ana"}, ["Grading for learning"]),
        ({"tag": ["equity", "grading"]}, ["Grading for learning"]),
        (
            {"tag": ["grading", "nothing-tagged"], "match": "any"},
            ["Grading for learning"],
        ),
        ({"series": "mastery-maine"}, ["Grading for learning"]),
        ({"year": "1995"}, []),
        ({"section": "no-such-section"}, []),
        ({"year": "not-a-year"}, []),
        ({"author": "x" * 500, "match": "bogus"}, []),
        ({"unknown": "value"}, ["Grading for learning", "Credit for prior learning"]),
    ],
)
def test_blog_export_applies_the_list_filters(client, posts, query, titles):
    assert [row["title"] for row in csv_rows(client, "/blog/export.csv", query)] == titles
    assert [
        row["title"] for row in json_rows(client, "/blog/export.json", "posts", query)
    ] == titles


def test_blog_list_links_to_its_exports_with_its_filters(client, posts):
    links = export_links(client.get("/blog/?section=classrooms&page=1"))
    assert links == {
        "CSV": "/blog/export.csv?section=classrooms",
        "JSON": "/blog/export.json?section=classrooms",
    }


# ---------------------------------------------------------------------------- library export


@pytest.fixture
def resources():
    assessment = TopicFactory(name="Assessment", slug="assessment")
    report = ResourceFactory(
        title="A report on mastery",
        url="https://example.org/mastery.pdf",
        publisher="Aurora Institute",
        authors="Chris Sturgis, Katherine Casey",
        year=2019,
        summary="=cmd|' /C calc'!A0",
        topics=[assessment],
        tags=["Equity", "policy"],
    )
    video = ResourceFactory(title="Video tour", kind="video", year=2021)
    ResourceFactory(title="A draft resource", draft=True)
    return report, video


def test_library_export_lists_the_published_resources_with_every_column(client, resources):
    report, _video = resources
    rows = csv_rows(client, "/library/export.csv")

    assert [row["title"] for row in rows] == ["A report on mastery", "Video tour"]
    row = rows[0]
    assert row["url"] == f"http://testserver{report.get_absolute_url()}"
    assert row["link"] == "https://example.org/mastery.pdf"
    assert row["kind"] == "Report"
    assert row["publisher"] == "Aurora Institute"
    assert row["authors"] == "Chris Sturgis;Katherine Casey"
    assert row["year"] == "2019"
    assert row["topics"] == "Assessment"
    assert row["tags"] == "Equity;policy"
    assert row["summary"] == "'=cmd|' /C calc'!A0"  # never run as a spreadsheet formula

    data = json_rows(client, "/library/export.json", "resources")
    assert data[0]["authors"] == ["Chris Sturgis", "Katherine Casey"]
    assert data[0]["year"] == 2019
    assert data[1]["kind"] == "Video"


@pytest.mark.parametrize(
    "query, titles",
    [
        ({"kind": "video"}, ["Video tour"]),
        ({"topic": "assessment"}, ["A report on mastery"]),
        ({"year": "2019"}, ["A report on mastery"]),
        ({"publisher": "aurora institute"}, ["A report on mastery"]),
        ({"q": "tour"}, ["Video tour"]),
        ({"tag": "equity"}, ["A report on mastery"]),
        ({"kind": "no-such-kind"}, []),
        ({"topic": "missing"}, []),
        ({"year": "1e99"}, []),
        ({"utm_source": "newsletter"}, ["A report on mastery", "Video tour"]),
    ],
)
def test_library_export_applies_the_library_filters(client, resources, query, titles):
    assert [row["title"] for row in csv_rows(client, "/library/export.csv", query)] == titles
    got = json_rows(client, "/library/export.json", "resources", query)
    assert [row["title"] for row in got] == titles


def test_library_links_to_its_exports_with_its_filters(client, resources):
    links = export_links(client.get("/library/?kind=video&page=1"))
    assert links == {
        "CSV": "/library/export.csv?kind=video",
        "JSON": "/library/export.json?kind=video",
    }


# ---------------------------------------------------------------------------- shared machinery


@pytest.mark.parametrize(
    "path, table, make",
    [
        ("/blog/export.csv?tag=equity", '"blog_post"', lambda n: PostFactory(tags=["equity"])),
        (
            "/library/export.json?tag=equity",
            '"wiki_resource"',
            lambda n: ResourceFactory(tags=["equity"], topics=[TopicFactory()]),
        ),
    ],
)
def test_an_export_is_built_with_a_fixed_number_of_queries_then_served_from_the_cache(
    client, path, table, make, django_assert_max_num_queries
):
    for n in range(3):
        make(n)
    with CaptureQueriesContext(connection) as few:
        _response, small = download(client, path)
    for n in range(30):
        make(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        _response, stale = download(client, path)
    assert stale != small  # new content, new version: rebuilt

    with CaptureQueriesContext(connection) as again:
        _response, cached = download(client, path)
    assert cached == stale
    assert not [q for q in again.captured_queries if table in q["sql"]]


def test_exports_stream_compressed_bodies_to_gzip_readers(client, posts):
    response = client.get("/blog/export.json", HTTP_ACCEPT_ENCODING="gzip")
    body = b"".join(response.streaming_content)
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Disposition"] == 'attachment; filename="posts.json"'
    assert json.loads(gzip.decompress(body))["posts"][0]["title"] == "Grading for learning"


@pytest.mark.parametrize("path", ["/blog/", "/library/"])
def test_list_pages_keep_a_fixed_number_of_queries(client, path, django_assert_max_num_queries):
    for _ in range(3):
        PostFactory(tags=["equity"], authors=[AuthorFactory()])
        ResourceFactory(tags=["equity"], topics=[TopicFactory()])
    with CaptureQueriesContext(connection) as few:
        assert client.get(path, {"tag": "equity"}).status_code == 200
    for _ in range(15):
        PostFactory(tags=["equity"], authors=[AuthorFactory()])
        ResourceFactory(tags=["equity"], topics=[TopicFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path, {"tag": "equity", "page": "1"}).status_code == 200


# ---------------------------------------------------------------------------- archived copies


def archive_links(response):
    page = lxml.html.fromstring(response.content)
    return [a.get("href") for a in page.iter("a") if "web.archive.org" in (a.get("href") or "")]


def test_a_broken_link_points_to_the_archived_copy_from_when_it_last_worked(client):
    resource = ResourceFactory(
        title="Gone report",
        url="https://example.org/gone.pdf?id=7",
        link_status=LinkStatus.BROKEN,
        link_checked_at=datetime(2024, 3, 2, 9, 0, tzinfo=UTC),
        link_worked_at=datetime(2024, 1, 5, 14, 30, 7, tzinfo=UTC),
    )
    archived = "https://web.archive.org/web/20240105143007/https://example.org/gone.pdf?id=7"

    page = client.get(resource.get_absolute_url())
    assert archive_links(page) == [archived]
    text = " ".join(lxml.html.fromstring(page.content).text_content().split())
    assert "Read the archived copy from January 5, 2024 at the Internet Archive." in text
    assert archive_links(client.get("/library/")) == [archived]  # on its card too


def test_a_link_that_never_worked_points_to_the_newest_archived_copy(client):
    resource = ResourceFactory(url="https://example.org/never", link_status=LinkStatus.BROKEN)
    assert archive_links(client.get(resource.get_absolute_url())) == [
        "https://web.archive.org/web/https://example.org/never"
    ]


@pytest.mark.parametrize("status", [LinkStatus.OK, LinkStatus.UNCHECKED])
def test_no_archived_copy_unless_the_link_is_broken(client, status):
    worked = datetime(2024, 1, 5, tzinfo=UTC)
    resource = ResourceFactory(link_status=status, link_checked_at=worked, link_worked_at=worked)
    assert archive_links(client.get(resource.get_absolute_url())) == []
    assert archive_links(client.get("/library/")) == []


# ---------------------------------------------------------------------------- sponsors


@pytest.fixture
def sponsored():
    entry = PolicyEntryFactory(title="Mastery-based diploma", identifier="HB 110")
    Sponsor.objects.create(entry=entry, name="Rep. Dana Lee", role=SponsorRole.CO, order=2)
    Sponsor.objects.create(
        entry=entry, name="Sen. Jo Park", role=SponsorRole.PRIMARY, party="R", chamber="Senate",
        order=1,
    )  # fmt: skip
    Sponsor.objects.create(entry=entry, name="State Board", role=SponsorRole.AGENCY, order=3)
    return entry


def test_editors_record_sponsors_in_the_entry_form(editor_client, sponsored):
    url = f"/admin/policy/policyentry/{sponsored.pk}/change/"
    data = form_data(editor_client.get(url), "policyentry_form")
    assert data["sponsors-INITIAL_FORMS"] == "3"
    assert [data[f"sponsors-{n}-name"] for n in range(3)] == [
        "Sen. Jo Park", "Rep. Dana Lee", "State Board",
    ]  # fmt: skip

    data.update(
        {
            "sponsors-TOTAL_FORMS": "4",
            "sponsors-3-name": "Rep. Sam Ortiz",
            "sponsors-3-role": SponsorRole.CO,
            "sponsors-3-party": "D",
            "sponsors-3-chamber": "House",
            "sponsors-3-order": "4",
            "sponsors-2-DELETE": "on",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    assert [(s.name, s.role, s.affiliation) for s in sponsored.sponsors.all()] == [
        ("Sen. Jo Park", "primary", "R, Senate"),
        ("Rep. Dana Lee", "co", ""),
        ("Rep. Sam Ortiz", "co", "D, House"),
    ]


def test_entry_page_dossier_and_export_name_the_sponsors_in_order(client, sponsored):
    page = lxml.html.fromstring(client.get(sponsored.get_absolute_url()).content)
    (sponsors,) = page.find_class("sponsors")
    assert [" ".join(li.text_content().split()) for li in sponsors.iter("li")] == [
        "Sen. Jo Park (R, Senate), primary sponsor",
        "Rep. Dana Lee, co-sponsor",
        "State Board, agency",
    ]

    dossier = client.get("/policy/states/ID/dossier/").content.decode()
    assert (
        "Sponsors: Sen. Jo Park (R, Senate), primary sponsor; Rep. Dana Lee, co-sponsor; "
        "State Board, agency" in " ".join(dossier.split())
    )

    expected = [
        "Sen. Jo Park (R, Senate), primary sponsor",
        "Rep. Dana Lee, co-sponsor",
        "State Board, agency",
    ]
    (row,) = csv_rows(client, "/policy/export.csv")
    assert row["sponsors"] == ";".join(expected)
    (entry,) = json_rows(client, "/policy/export.json", "entries")
    assert entry["sponsors"] == expected


def test_an_entry_without_sponsors_shows_none(client):
    entry = PolicyEntryFactory()
    assert not lxml.html.fromstring(client.get(entry.get_absolute_url()).content).find_class(
        "sponsors"
    )
    assert json_rows(client, "/policy/export.json", "entries")[0]["sponsors"] == []


def test_policy_export_reads_sponsors_in_its_one_query(client, django_assert_max_num_queries):
    def make():
        entry = PolicyEntryFactory()
        for n in range(3):
            Sponsor.objects.create(entry=entry, name=f"Sponsor {n}", order=n)

    make()
    with CaptureQueriesContext(connection) as few:
        download(client, "/policy/export.json")
    for _ in range(10):
        make()
    with django_assert_max_num_queries(len(few.captured_queries)):
        _response, body = download(client, "/policy/export.json")
    assert body.count("Sponsor 2, primary sponsor") == 11


# ---------------------------------------------------------------------------- provisions


def test_each_provision_has_a_stable_anchor_to_link_and_cite(client, sponsored):
    first = Provision.objects.create(entry=sponsored, citation="Idaho Code 33-1632")
    second = Provision.objects.create(entry=sponsored, citation="Section 2", description="Pilots")

    def anchors():
        page = lxml.html.fromstring(client.get(sponsored.get_absolute_url()).content)
        return {
            li.get("id"): [a.get("href") for a in li.find_class("anchor-link")]
            for li in page.find_class("provisions")[0].iter("li")
        }

    url = sponsored.get_absolute_url()
    assert anchors() == {
        f"provision-{first.pk}": [f"{url}#provision-{first.pk}"],
        f"provision-{second.pk}": [f"{url}#provision-{second.pk}"],
    }
    # Editing the entry's provisions never moves another provision's anchor.
    first.delete()
    Provision.objects.create(entry=sponsored, citation="Section 0")
    after = anchors()
    assert len(after) == 2
    assert after[f"provision-{second.pk}"] == [f"{url}#provision-{second.pk}"]
