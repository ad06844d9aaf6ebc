"""The reader's wiki: library, filters, resources, pages, [[links]], history, topics, feeds."""

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from competencyworks.publishing import Status
from tests.factories import (
    PageFactory,
    PostFactory,
    ResourceFactory,
    TopicFactory,
    UserFactory,
)
from wiki.models import Kind, LinkStatus, Page, Resource, Topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def at(year, month, day, hour=12):
    return timezone.make_aware(datetime(year, month, day, hour))


def titles(items):
    return [item.title for item in items]


def wiki_body(response):
    """The rendered body of a wiki page, without the site's own header and footer."""
    content = response.content.decode()
    start = content.index('<div class="prose wiki-body">')
    return content[start : content.index("</div>", start)]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def reader_client(client):
    """Logged in, but not staff: sees exactly what an anonymous reader sees."""
    client.force_login(UserFactory(username="reader"))
    return client


@pytest.fixture
def tree():
    """Assessment › Rubrics, and Policy beside them."""
    assessment = TopicFactory(name="Assessment", position=1)
    rubrics = TopicFactory(name="Rubrics", parent=assessment)
    policy = TopicFactory(name="Policy", position=2)
    return assessment, rubrics, policy


# The library ----------------------------------------------------------------------------


def test_library_is_paginated_by_title_and_lists_published_resources_only(client):
    for n in range(22):
        ResourceFactory(title=f"Resource {n:02}")
    ResourceFactory(title="Draft resource", draft=True)
    ResourceFactory(title="Scheduled resource", scheduled=True)
    first = client.get("/library/")
    assert first.status_code == 200
    assert titles(first.context["resources"]) == [f"Resource {n:02}" for n in range(20)]
    content = first.content.decode()
    assert "22 resources" in content
    assert 'href="?page=2" rel="next"' in content
    second = client.get("/library/?page=2")
    assert titles(second.context["resources"]) == ["Resource 20", "Resource 21"]
    for response in (first, second):
        assert "Draft resource" not in response.content.decode()
        assert "Scheduled resource" not in response.content.decode()


def test_library_pagination_keeps_the_filters(client):
    ResourceFactory.create_batch(21, kind=Kind.BOOK)
    content = client.get("/library/?kind=book").content.decode()
    assert "?kind=book&amp;page=2" in content
    assert len(client.get("/library/?kind=book&page=2").context["resources"]) == 1


def test_library_card_shows_kind_year_publisher_topics_and_tags(client, tree):
    _, rubrics, _ = tree
    ResourceFactory(
        title="Card resource", kind=Kind.VIDEO, year=2020, publisher="Open Press",
        summary="Worth watching.", topics=[rubrics], tags=["grading"],
    )  # fmt: skip
    content = client.get("/library/").content.decode()
    assert '<p class="kicker">Video · 2020</p>' in content
    assert '<a href="/library/resources/card-resource/">Card resource</a>' in content
    assert '<p class="meta">Open Press</p>' in content
    assert "Worth watching." in content
    assert '<a href="/library/topics/rubrics/">Rubrics</a>' in content
    assert '<a href="/library/?tag=grading">#grading</a>' in content


def test_empty_library_says_so(client):
    response = client.get("/library/")
    assert response.status_code == 200
    assert "No resources match." in response.content.decode()


@pytest.fixture
def library(tree):
    assessment, rubrics, policy = tree
    ResourceFactory(
        title="Mastery grading guide", kind=Kind.REPORT, year=2021,
        publisher="Learning Futures Lab", topics=[assessment], tags=["grading", "equity"],
    )  # fmt: skip
    ResourceFactory(
        title="Rubric builder", kind=Kind.TOOL, year=2023, publisher="Open Classroom Press",
        topics=[rubrics], tags=["grading", "tools"],
    )  # fmt: skip
    ResourceFactory(
        title="Credit flexibility", kind=Kind.REPORT, year=2021, publisher="State Policy Review",
        topics=[policy], tags=["policy", "equity"],
    )  # fmt: skip
    ResourceFactory(
        title="Designing tasks", kind=Kind.BOOK, year=2019, publisher="Open Classroom Press",
        topics=[], tags=[],
    )  # fmt: skip
    # Drafts and scheduled resources that would match every filter below.
    for trait in ("draft", "scheduled"):
        ResourceFactory(
            title=f"Hidden {trait} rubric", kind=Kind.REPORT, year=2021,
            publisher="Open Classroom Press", topics=[assessment, rubrics, policy],
            tags=["grading", "equity", "tools", "policy"], **{trait: True},
        )  # fmt: skip
    return tree


ALL_PUBLISHED = {"Mastery grading guide", "Rubric builder", "Credit flexibility", "Designing tasks"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL_PUBLISHED),
        ("kind=report", {"Mastery grading guide", "Credit flexibility"}),
        ("kind=book", {"Designing tasks"}),
        ("kind=video", set()),
        # A topic takes in everything filed under the topics below it.
        ("topic=assessment", {"Mastery grading guide", "Rubric builder"}),
        ("topic=rubrics", {"Rubric builder"}),
        ("topic=policy", {"Credit flexibility"}),
        ("year=2021", {"Mastery grading guide", "Credit flexibility"}),
        ("year=2019", {"Designing tasks"}),
        ("year=2000", set()),
        ("publisher=open+classroom+press", {"Rubric builder", "Designing tasks"}),
        ("publisher=OPEN%20CLASSROOM%20PRESS", {"Rubric builder", "Designing tasks"}),
        ("publisher=Open+Classroom", set()),
        ("q=rubric", {"Rubric builder"}),
        ("q=GUIDE", {"Mastery grading guide"}),
        ("q=classroom", {"Rubric builder", "Designing tasks"}),
        ("q=nothing+like+it", set()),
        ("tag=grading", {"Mastery grading guide", "Rubric builder"}),
        ("tag=GRADING", {"Mastery grading guide", "Rubric builder"}),
        ("tag=grading&tag=equity", {"Mastery grading guide"}),
        ("tag=grading&tag=equity&match=all", {"Mastery grading guide"}),
        (
            "tag=grading&tag=equity&match=any",
            {"Mastery grading guide", "Rubric builder", "Credit flexibility"},
        ),
        ("tag=tools&tag=policy&match=all", set()),
        ("tag=tools&tag=policy&match=any", {"Rubric builder", "Credit flexibility"}),
        ("tag=no-such-tag", set()),
        ("kind=report&year=2021&tag=equity&topic=policy", {"Credit flexibility"}),
        ("kind=report&topic=assessment", {"Mastery grading guide"}),
        ("q=open&kind=tool", {"Rubric builder"}),
    ],
)
def test_library_filters(client, library, query, expected):
    response = client.get(f"/library/?{query}")
    assert response.status_code == 200
    assert set(titles(response.context["resources"])) == expected
    assert "Hidden" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "kind=pamphlet",
        "topic=no-such-topic",
        "year=last-year",
        "year=1800",
        "year=3000",
        "year=99999999999999999999",
        "year=1e400",
        "year=NaN",
        "match=some",
        "tag=grading&match=sometimes",
    ],
)
def test_invalid_filter_values_give_an_empty_list(client, library, query):
    response = client.get(f"/library/?{query}")
    assert response.status_code == 200
    assert list(response.context["resources"]) == []
    assert response.context["facets"]["kind"] == []
    assert "No resources match." in response.content.decode()


@pytest.mark.parametrize("query", ["q=", "q=+++", "kind=", "topic=", "year=", "unknown=1", "tag="])
def test_empty_or_unknown_filters_leave_the_list_unfiltered(client, library, query):
    response = client.get(f"/library/?{query}")
    assert response.status_code == 200
    assert set(titles(response.context["resources"])) == ALL_PUBLISHED


@pytest.mark.parametrize(
    "query",
    [
        "tag=%00",
        "q=%00",
        "topic=%00",
        "publisher=%00",
        "tag=" + "x" * 5000,
        "q=" + "x" * 5000,
        "publisher=" + "x" * 5000,
        "topic=" + "x" * 5000,
        "tag=a&tag=b&tag=c&tag=d&tag=e&tag=f&tag=g",
        "tag=a&tag=b&tag=c&tag=d&tag=e&tag=f&tag=g&match=any",
        "kind=%3Cscript%3E",
        "q=%ff%fe",
        "q=%25_%5C",
        "year=-5",
        "year=2021.5",
        "year=Infinity",
        "page=-1",
        "page=0",
        "page=abc",
        "page=99999999999999999999999",
        "topic[]=x",
        "kind=report&kind=book",
    ],
)
def test_hostile_library_queries_never_cause_a_server_error(client, library, query):
    response = client.get(f"/library/?{query}")
    assert response.status_code in (200, 400, 404)


def test_text_search_treats_like_wildcards_literally(client):
    ResourceFactory(title="100% mastery")
    ResourceFactory(title="1000 mastery tasks")
    response = client.get("/library/?q=100%25")
    assert titles(response.context["resources"]) == ["100% mastery"]


def test_facets_count_the_unfiltered_library(client, library):
    facets = client.get("/library/").context["facets"]
    assert facets["kind"] == [("book", "Book", 1), ("report", "Report", 2), ("tool", "Tool", 1)]
    assert facets["year"] == [(2023, 1), (2021, 2), (2019, 1)]
    assert facets["publisher"] == [
        ("Open Classroom Press", 2),
        ("Learning Futures Lab", 1),
        ("State Policy Review", 1),
    ]
    assert {topic.name: topic.n for topic in facets["topic"]} == {
        "Assessment": 1,
        "Rubrics": 1,
        "Policy": 1,
    }


def test_facets_follow_the_current_filter(client, library):
    response = client.get("/library/?kind=report")
    facets = response.context["facets"]
    assert facets["kind"] == [("report", "Report", 2)]
    assert facets["year"] == [(2021, 2)]
    assert {publisher for publisher, _ in facets["publisher"]} == {
        "Learning Futures Lab",
        "State Policy Review",
    }
    assert {topic.name: topic.n for topic in facets["topic"]} == {"Assessment": 1, "Policy": 1}
    content = response.content.decode()
    assert '<a href="?kind=report">Report</a> <span class="count">2</span>' in content
    assert '<a href="?kind=report&amp;year=2021">2021</a> <span class="count">2</span>' in content
    assert ">Tool</a>" not in content


def test_facets_follow_a_topic_and_tag_filter(client, library):
    facets = client.get("/library/?topic=assessment&tag=grading").context["facets"]
    assert facets["kind"] == [("report", "Report", 1), ("tool", "Tool", 1)]
    assert facets["year"] == [(2023, 1), (2021, 1)]
    assert {topic.name: topic.n for topic in facets["topic"]} == {"Assessment": 1, "Rubrics": 1}


def test_facet_links_drop_the_page_number(client):
    ResourceFactory.create_batch(21, year=2020)
    content = client.get("/library/?page=2").content.decode()
    assert '<a href="?year=2020">2020</a> <span class="count">21</span>' in content


# Resources --------------------------------------------------------------------------------


def test_resource_detail_shows_its_fields(client, tree):
    _, rubrics, _ = tree
    resource = ResourceFactory(
        title="A field guide", kind=Kind.BOOK, year=2021, publisher="Learning Futures Lab",
        authors="Ana Ruiz,  Ben Cole, ", url="https://example.org/guide.pdf",
        summary="First paragraph.\n\nSecond paragraph.", topics=[rubrics], tags=["grading"],
    )  # fmt: skip
    response = client.get("/library/resources/a-field-guide/")
    assert response.status_code == 200
    assert response.context["resource"] == resource
    content = response.content.decode()
    assert '<p class="kicker">Book · 2021</p>' in content
    assert '<h1 id="resource-title">A field guide</h1>' in content
    assert "<dt>Publisher</dt><dd>Learning Futures Lab</dd>" in content
    assert "<dt>By</dt><dd>Ana Ruiz, Ben Cole</dd>" in content
    assert (
        '<a href="https://example.org/guide.pdf" rel="noopener">https://example.org/guide.pdf</a>'
        in content
    )
    assert "<p>First paragraph.</p>\n\n<p>Second paragraph.</p>" in content
    assert '<a href="/library/topics/rubrics/">Rubrics</a>' in content
    assert '<a href="/blog/tag/grading/">#grading</a>' in content  # the one page of the tag
    assert "<title>A field guide · " in content
    assert "Preview:" not in content
    assert "did not work" not in content


def test_resource_without_optional_fields(client):
    ResourceFactory(title="Bare", kind=Kind.WEBSITE, year=None, publisher="", authors="")
    content = client.get("/library/resources/bare/").content.decode()
    assert '<p class="kicker">Website</p>' in content
    assert "<dt>Publisher</dt>" not in content and "<dt>By</dt>" not in content
    assert 'aria-labelledby="related-title"' not in content
    assert 'aria-labelledby="citing-title"' not in content


def test_broken_link_notice_says_when_it_last_worked(client):
    resource = ResourceFactory(
        link_status=LinkStatus.BROKEN,
        link_checked_at=at(2024, 3, 2),
        link_worked_at=at(2024, 1, 5),
    )
    content = client.get(resource.get_absolute_url()).content.decode()
    assert (
        "This link did not work when we last checked it on March 2, 2024; "
        "it last worked on January 5, 2024." in content
    )


def test_broken_link_that_never_worked(client):
    resource = ResourceFactory(link_status=LinkStatus.BROKEN, link_checked_at=at(2024, 3, 2))
    content = client.get(resource.get_absolute_url()).content.decode()
    assert "did not work when we last checked it on March 2, 2024." in content
    assert "last worked on" not in content


@pytest.mark.parametrize("status", [LinkStatus.OK, LinkStatus.UNCHECKED])
def test_no_link_notice_unless_broken(client, status):
    resource = ResourceFactory(
        link_status=status, link_checked_at=at(2024, 3, 2), link_worked_at=at(2024, 3, 2)
    )
    content = client.get(resource.get_absolute_url()).content.decode()
    assert "did not work" not in content and "last worked on" not in content


def test_related_resources_share_topics_and_tags_most_shared_first(client, tree):
    assessment, rubrics, policy = tree
    resource = ResourceFactory(topics=[assessment, rubrics], tags=["a", "b"])
    ResourceFactory(title="Shares one tag", tags=["a"])
    ResourceFactory(title="Shares one topic", topics=[rubrics])
    ResourceFactory(title="Shares a topic and a tag", topics=[assessment], tags=["b"])
    ResourceFactory(title="Shares everything", topics=[assessment, rubrics], tags=["a", "b"])
    ResourceFactory(title="Shares nothing", topics=[policy], tags=["z"])
    ResourceFactory(title="Draft sharing all", draft=True, topics=[assessment], tags=["a", "b"])
    ResourceFactory(title="Scheduled sharing all", scheduled=True, tags=["a", "b"])
    response = client.get(resource.get_absolute_url())
    assert titles(response.context["related"]) == [
        "Shares everything",
        "Shares a topic and a tag",
        "Shares one tag",
        "Shares one topic",
    ]
    content = response.content.decode()
    assert "Related resources" in content
    assert "Shares nothing" not in content and "sharing all" not in content


def test_related_resources_are_at_most_four(client):
    resource = ResourceFactory(tags=["a"])
    ResourceFactory.create_batch(6, tags=["a"])
    assert len(client.get(resource.get_absolute_url()).context["related"]) == 4


def test_related_by_topic_alone_and_by_tag_alone(client, tree):
    assessment, _, _ = tree
    by_topic = ResourceFactory(topics=[assessment])
    ResourceFactory(title="Same topic", topics=[assessment])
    by_tag = ResourceFactory(tags=["only-a-tag"])
    ResourceFactory(title="Same tag", tags=["only-a-tag"])
    assert titles(client.get(by_topic.get_absolute_url()).context["related"]) == ["Same topic"]
    assert titles(client.get(by_tag.get_absolute_url()).context["related"]) == ["Same tag"]


def test_resource_with_no_topics_or_tags_has_no_related(client):
    resource = ResourceFactory()
    ResourceFactory()
    assert list(client.get(resource.get_absolute_url()).context["related"]) == []


def test_on_the_blog_lists_published_posts_citing_the_resource(client):
    resource = ResourceFactory(url="https://example.org/reports/grading.pdf", tags=["grading"])
    link = '<p>Read <a href="{}">the report</a>.</p>'
    PostFactory(
        title="Links to it", body=link.format("https://example.org/reports/grading.pdf"),
        publish_at=at(2020, 1, 1),
    )  # fmt: skip
    PostFactory(
        title="Links over http", body=link.format("http://example.org/reports/grading.pdf"),
        publish_at=at(2021, 1, 1),
    )  # fmt: skip
    PostFactory(title="Shares a tag", tags=["grading"], publish_at=at(2022, 1, 1))
    PostFactory(
        title="Links and shares a tag", tags=["grading"],
        body=link.format("https://example.org/reports/grading.pdf"), publish_at=at(2019, 1, 1),
    )  # fmt: skip
    PostFactory(title="Unrelated", tags=["other"], body=link.format("https://example.org/x.pdf"))
    PostFactory(
        title="Draft citing it", draft=True, tags=["grading"],
        body=link.format("https://example.org/reports/grading.pdf"),
    )  # fmt: skip
    PostFactory(
        title="Scheduled citing it", scheduled=True, tags=["grading"],
        body=link.format("https://example.org/reports/grading.pdf"),
    )  # fmt: skip
    response = client.get(resource.get_absolute_url())
    assert titles(response.context["citing_posts"]) == [
        "Shares a tag",
        "Links over http",
        "Links to it",
        "Links and shares a tag",
    ]
    content = response.content.decode()
    assert '<h2 id="citing-title">On the blog</h2>' in content
    posts = {post.title: post for post in response.context["citing_posts"]}
    assert f'<a href="{posts["Links to it"].get_absolute_url()}">Links to it</a>' in content
    assert "Draft citing it" not in content and "Scheduled citing it" not in content
    assert "Unrelated" not in content


def test_on_the_blog_shows_the_five_newest(client):
    resource = ResourceFactory(tags=["grading"])
    posts = PostFactory.create_batch(7, tags=["grading"])
    newest = sorted(posts, key=lambda post: post.publish_at, reverse=True)[:5]
    assert list(client.get(resource.get_absolute_url()).context["citing_posts"]) == newest


def test_on_the_blog_needs_the_whole_address(client):
    resource = ResourceFactory(url="https://example.org/report", tags=[])
    PostFactory(title="Other report", body='<p><a href="https://example.org/reports">x</a></p>')
    PostFactory(title="This report", body='<p><a href="https://example.org/report">x</a></p>')
    assert titles(client.get(resource.get_absolute_url()).context["citing_posts"]) == [
        "This report"
    ]


def test_on_the_blog_matches_addresses_with_query_strings(client):
    PostFactory(
        title="Cited before it was added",
        body='<p><a href="https://example.org/report?id=1&amp;lang=en">r</a></p>',
        publish_at=at(2020, 1, 1),
    )
    resource = ResourceFactory(url="https://example.org/report?id=1&lang=en")
    PostFactory(
        title="Cites it",
        body='<p><a href="http://WWW.example.org/report?id=1&amp;lang=en">r</a></p>',
    )
    PostFactory(
        title="Other id", body='<p><a href="https://example.org/report?id=12&amp;lang=en">r</a></p>'
    )
    assert titles(client.get(resource.get_absolute_url()).context["citing_posts"]) == [
        "Cites it",
        "Cited before it was added",
    ]


# Drafts and scheduled items never leak ---------------------------------------------------


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_unpublished_resources_never_appear_anywhere(client, tree, trait):
    _, rubrics, _ = tree
    shared = {"kind": Kind.VIDEO, "year": 1999, "publisher": "Hidden Press"}
    hidden = ResourceFactory(
        title="Hidden resource", topics=[rubrics], tags=["secret", "shared"],
        url="https://example.org/hidden.pdf", **shared, **{trait: True},
    )  # fmt: skip
    visible = ResourceFactory(title="Visible resource", topics=[rubrics], tags=["shared"])
    PostFactory(title="Citing post", body='<p><a href="https://example.org/hidden.pdf">x</a></p>')

    assert client.get(hidden.get_absolute_url()).status_code == 404
    urls = [
        "/library/",
        "/library/?kind=video",
        "/library/?year=1999",
        "/library/?publisher=hidden+press",
        "/library/?tag=secret",
        "/library/?q=hidden",
        "/library/?topic=assessment",
        "/library/topics/assessment/",
        "/library/topics/rubrics/",
        visible.get_absolute_url(),
        "/library/feed/",
        "/library/feed/atom/",
        "/sitemap-resources.xml",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert "Hidden resource" not in content, url
        assert hidden.get_absolute_url() not in content, url

    library = client.get("/library/").context
    assert library["facets"]["kind"] == [("report", "Report", 1)]
    assert library["facets"]["year"] == []
    assert library["facets"]["publisher"] == []
    assert {topic.name: topic.n for topic in library["facets"]["topic"]} == {"Rubrics": 1}
    for query in ("kind=video", "year=1999", "publisher=hidden+press", "tag=secret"):
        response = client.get(f"/library/?{query}")
        assert list(response.context["resources"]) == [], query
        assert response.context["facets"]["kind"] == [], query
    assert list(client.get(visible.get_absolute_url()).context["related"]) == []


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_unpublished_pages_never_appear_anywhere(client, tree, trait):
    _, rubrics, _ = tree
    hidden = PageFactory(
        title="Hidden page", body="Links to [[Visible page]].", topics=[rubrics], **{trait: True}
    )
    visible = PageFactory(title="Visible page", topics=[rubrics])
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(f"/library/guides/{hidden.slug}/history/").status_code == 404
    for url in [
        "/library/guides/",
        visible.get_absolute_url(),
        "/library/topics/rubrics/",
        "/library/topics/assessment/",
        "/sitemap-guides.xml",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Hidden page" not in response.content.decode(), url
        assert hidden.get_absolute_url() not in response.content.decode(), url
    assert list(client.get(visible.get_absolute_url()).context["linked_from"]) == []


def test_unpublishing_hides_a_resource_again(client):
    resource = ResourceFactory(title="Withdrawn")
    assert client.get(resource.get_absolute_url()).status_code == 200
    resource.status = Status.DRAFT
    resource.save()
    assert client.get(resource.get_absolute_url()).status_code == 404
    assert list(client.get("/library/").context["resources"]) == []


# Staff preview ----------------------------------------------------------------------------


def test_editors_group_may_change_wiki_content(editor):
    assert editor.has_perms(["wiki.change_resource", "wiki.change_page", "wiki.add_page"])


@pytest.mark.parametrize(("trait", "state"), [("draft", "draft"), ("scheduled", "scheduled")])
def test_editor_previews_an_unpublished_resource_never_cached(editor_client, trait, state):
    resource = ResourceFactory(title="Coming soon", **{trait: True})
    response = editor_client.get(resource.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Preview: this resource is <strong>{state}</strong>." in content
    assert '<h1 id="resource-title">Coming soon</h1>' in content
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "private", "max-age=0"):
        assert directive in cache_control


@pytest.mark.parametrize(("trait", "state"), [("draft", "draft"), ("scheduled", "scheduled")])
def test_editor_previews_an_unpublished_page_never_cached(editor_client, trait, state):
    PageFactory(title="Target page")
    page = PageFactory(title="Coming soon", body="See [[Target page]].", **{trait: True})
    response = editor_client.get(page.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Preview: this page is <strong>{state}</strong>." in content
    assert '<a class="wiki-link" href="/library/guides/target-page/">Target page</a>' in content
    assert "no-store" in response["Cache-Control"]


def test_superuser_previews_a_draft_too(superuser_client):
    page = PageFactory(draft=True)
    resource = ResourceFactory(draft=True)
    assert superuser_client.get(page.get_absolute_url()).status_code == 200
    assert superuser_client.get(resource.get_absolute_url()).status_code == 200


def test_published_items_are_not_marked_for_editors(editor_client):
    for item in (ResourceFactory(), PageFactory()):
        response = editor_client.get(item.get_absolute_url())
        assert "Preview:" not in response.content.decode()
        assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("who", ["client", "reader_client"])
@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_readers_get_404_for_unpublished_items(request, who, trait):
    client = request.getfixturevalue(who)
    resource = ResourceFactory(**{trait: True})
    page = PageFactory(**{trait: True})
    assert client.get(resource.get_absolute_url()).status_code == 404
    assert client.get(page.get_absolute_url()).status_code == 404


def test_staff_without_wiki_permissions_cannot_preview(client):
    client.force_login(UserFactory(username="staffer", is_staff=True))
    assert client.get(ResourceFactory(draft=True).get_absolute_url()).status_code == 404
    assert client.get(PageFactory(draft=True).get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/library/resources/no-such-resource/",
        "/library/guides/no-such-page/",
        "/library/guides/no-such-page/history/",
        "/library/guides/no-such-page/compare/?from=1&to=2",
        "/library/topics/no-such-topic/",
    ],
)
def test_unknown_slugs_are_404(client, url):
    assert client.get(url).status_code == 404


# Wiki pages -------------------------------------------------------------------------------


def test_page_list_shows_published_pages_by_title(client):
    PageFactory(title="Zone of proximal development")
    PageFactory(title="Agency", body="Students steer **their** learning.")
    PageFactory(title="Draft page", draft=True)
    response = client.get("/library/guides/")
    assert titles(response.context["pages"]) == ["Agency", "Zone of proximal development"]
    assert "Students steer their learning." in response.content.decode()


def test_markdown_is_rendered(client):
    page = PageFactory(
        title="Markdown page",
        body="## Why it matters\n\nSome *emphasis* and **strength**.\n\n"
        "* first point\n* second point\n\n1. one\n2. two\n\n[A report](https://example.org/r)",
    )
    response = client.get(page.get_absolute_url())
    body = wiki_body(response)
    assert "<h2>Why it matters</h2>" in body
    assert "<em>emphasis</em>" in body and "<strong>strength</strong>" in body
    assert "<ul>\n<li>first point</li>\n<li>second point</li>\n</ul>" in body
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in body
    assert '<a href="https://example.org/r">A report</a>' in body
    assert '<h1 id="page-title">Markdown page</h1>' in response.content.decode()


def test_page_summary_is_the_plain_opening(client):
    page = PageFactory(body="Some *emphasis* here.\n\n" + "word " * 60)
    assert page.summary.startswith("Some emphasis here. word")
    assert page.summary.endswith("…")
    content = client.get(page.get_absolute_url()).content.decode()
    assert '<meta name="description" content="Some emphasis here. word' in content


@pytest.mark.parametrize(
    "body",
    [
        "Hello <script>alert('x')</script> world",
        "<SCRIPT src=https://evil.example/x.js></SCRIPT>Hello world",
        "[click me](javascript:alert('x'))",
        '<a href="javascript:alert(1)">click me</a>',
        '<a href="JaVaScRiPt:alert(1)">click me</a>',
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">Hello</p>',
        "<iframe src=https://evil.example></iframe>",
        "[[Evil<script>alert(1)</script>]]",
        '[["><script>alert(1)</script>|label]]',
        "[[Fine|<script>alert(1)</script>]]",
    ],
)
def test_scripts_and_javascript_links_are_removed(client, body):
    page = PageFactory(body=body)
    rendered = wiki_body(client.get(page.get_absolute_url())).lower()
    assert "<script" not in rendered
    assert "javascript:" not in rendered
    assert "onerror" not in rendered and "onclick" not in rendered
    assert "<iframe" not in rendered
    assert "alert(" not in rendered or "&lt;script&gt;" in rendered


def test_wiki_links_point_at_the_page_whatever_the_case(client):
    PageFactory(title="Mastery grading")
    page = PageFactory(
        body="See [[mastery GRADING]], [[Mastery grading|how grading works]] "
        "and [[ Mastery_grading ]]."
    )
    body = wiki_body(client.get(page.get_absolute_url()))
    link = '<a class="wiki-link" href="/library/guides/mastery-grading/">'
    assert f"{link}mastery GRADING</a>" in body
    assert f"{link}how grading works</a>" in body
    assert f"{link}Mastery_grading</a>" in body
    assert "missing" not in body and "data-wiki-key" not in body


def test_wiki_links_work_inside_markdown(client):
    PageFactory(title="Agency")
    page = PageFactory(body="* **[[Agency]]** matters\n* _[[Agency|choice]]_ too")
    body = wiki_body(client.get(page.get_absolute_url()))
    assert '<strong><a class="wiki-link" href="/library/guides/agency/">Agency</a></strong>' in body
    assert '<em><a class="wiki-link" href="/library/guides/agency/">choice</a></em>' in body


def test_text_like_the_internal_link_placeholder_stays_text(client):
    PageFactory(title="Agency")
    page = PageFactory(body="[[Agency]] then WIKILINK0X and [x](https://example.org/WIKILINK0X)")
    body = wiki_body(client.get(page.get_absolute_url()))
    assert body.count('class="wiki-link"') == 1
    assert "then WIKILINK0X and" in body
    assert '<a href="https://example.org/WIKILINK0X">x</a>' in body


@pytest.mark.parametrize("trait", [None, "draft", "scheduled"])
def test_links_to_missing_or_unpublished_pages_are_red(client, trait):
    if trait:
        PageFactory(title="Unwritten idea", **{trait: True})
    page = PageFactory(body="Next: [[Unwritten idea]] and [[Unwritten idea|the idea]].")
    body = wiki_body(client.get(page.get_absolute_url()))
    assert (
        '<a class="wiki-link missing" data-wiki-key="unwritten idea" '
        'href="/library/guides/missing/?title=Unwritten+idea">Unwritten idea</a>' in body
    )
    assert 'href="/library/guides/missing/?title=Unwritten+idea">the idea</a>' in body
    assert "/library/guides/unwritten-idea/" not in body


def test_red_link_address_is_escaped(client):
    page = PageFactory(body='[[Q&A: "grades" & more]]')
    body = wiki_body(client.get(page.get_absolute_url()))
    assert (
        'href="/library/guides/missing/?title=Q%26A%3A+%22grades%22+%26+more">'
        "Q&amp;A: &quot;grades&quot; &amp; more</a>" in body
    )
    response = client.get("/library/guides/missing/?title=Q%26A%3A+%22grades%22+%26+more")
    assert "“Q&amp;A: &quot;grades&quot; &amp; more” has no guide yet" in response.content.decode()


def test_creating_the_missing_page_turns_the_link_blue(client):
    page = PageFactory(body="Next: [[Unwritten idea]].")
    assert 'class="wiki-link missing"' in wiki_body(client.get(page.get_absolute_url()))
    PageFactory(title="Unwritten Idea")  # the linking page is not saved again
    body = wiki_body(client.get(page.get_absolute_url()))
    assert '<a class="wiki-link" href="/library/guides/unwritten-idea/">Unwritten idea</a>' in body
    assert "missing" not in body


def test_publishing_a_draft_target_turns_the_link_blue(client):
    target = PageFactory(title="Unwritten idea", draft=True)
    page = PageFactory(body="Next: [[Unwritten idea]].")
    assert 'class="wiki-link missing"' in wiki_body(client.get(page.get_absolute_url()))
    target.status = Status.PUBLISHED
    target.save()
    body = wiki_body(client.get(page.get_absolute_url()))
    assert 'href="/library/guides/unwritten-idea/"' in body and "missing" not in body


def test_renaming_the_target_turns_the_link_red(client):
    target = PageFactory(title="Old name")
    page = PageFactory(body="[[Old name]]")
    target.title = "New name"
    target.save()
    assert 'class="wiki-link missing"' in wiki_body(client.get(page.get_absolute_url()))


def test_what_links_here_lists_published_linking_pages(client):
    target = PageFactory(title="Mastery")
    PageFactory(title="Beta links", body="About [[mastery]].")
    PageFactory(title="Alpha links", body="About [[Mastery|it]] twice: [[MASTERY]].")
    PageFactory(title="Draft links", body="[[Mastery]]", draft=True)
    PageFactory(title="Scheduled links", body="[[Mastery]]", scheduled=True)
    PageFactory(title="Does not link", body="Mastery, without brackets.")
    response = client.get(target.get_absolute_url())
    assert titles(response.context["linked_from"]) == ["Alpha links", "Beta links"]
    content = response.content.decode()
    section = content[content.index('<h2 id="links-here">') :]
    assert '<a href="/library/guides/alpha-links/">Alpha links</a>' in section
    assert "Draft links" not in content and "Scheduled links" not in content
    assert "Does not link" not in section


def test_what_links_here_follows_edits_to_the_linking_page(client):
    target = PageFactory(title="Mastery")
    source = PageFactory(title="Source", body="[[Mastery]]")
    assert titles(client.get(target.get_absolute_url()).context["linked_from"]) == ["Source"]
    source.body = "No links any more."
    source.save()
    response = client.get(target.get_absolute_url())
    assert list(response.context["linked_from"]) == []
    assert "What links here" not in response.content.decode()


def test_page_shows_topics_tags_and_history_link(client, tree):
    _, rubrics, _ = tree
    page = PageFactory(title="Tagged page", topics=[rubrics], tags=["grading"])
    content = client.get(page.get_absolute_url()).content.decode()
    assert '<a href="/library/topics/rubrics/">Rubrics</a>' in content
    assert '<li><a href="/blog/tag/grading/">#grading</a></li>' in content
    assert '<a href="/library/guides/tagged-page/history/">History</a>' in content


# Missing pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["client", "reader_client"])
def test_missing_page_is_a_friendly_404_for_readers(request, who):
    client = request.getfixturevalue(who)
    response = client.get("/library/guides/missing/?title=Unwritten+idea")
    assert response.status_code == 404
    content = response.content.decode()
    assert "“Unwritten idea” has no guide yet" in content
    assert "nobody has written this one yet" in content
    assert '<a href="/library/guides/">Browse the guides</a>' in content


def test_missing_page_without_a_title(client):
    response = client.get("/library/guides/missing/")
    assert response.status_code == 404
    assert "<h1>No guide yet</h1>" in response.content.decode()


def test_missing_page_escapes_the_title(client):
    response = client.get("/library/guides/missing/?title=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.status_code == 404
    content = response.content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


@pytest.mark.parametrize("who", ["editor_client", "superuser_client"])
def test_missing_page_sends_staff_to_the_add_form(request, who):
    client = request.getfixturevalue(who)
    response = client.get("/library/guides/missing/?title=Unwritten+idea")
    assert response.status_code == 302
    assert response["Location"] == "/admin/wiki/page/add/?title=Unwritten+idea"
    form = client.get(response["Location"])
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["title"] == "Unwritten idea"


def test_missing_page_for_staff_without_add_permission_is_404(client):
    client.force_login(UserFactory(username="staffer", is_staff=True))
    assert client.get("/library/guides/missing/?title=Unwritten+idea").status_code == 404


@pytest.mark.parametrize("who", ["client", "editor_client"])
@pytest.mark.parametrize("title", ["Mastery+grading", "MASTERY+GRADING", "mastery_grading"])
def test_missing_page_redirects_to_the_page_once_it_exists(request, who, title):
    client = request.getfixturevalue(who)
    PageFactory(title="Mastery grading")
    response = client.get(f"/library/guides/missing/?title={title}")
    assert response.status_code == 302
    assert response["Location"] == "/library/guides/mastery-grading/"


def test_missing_page_for_an_unpublished_page_is_404_for_readers(client):
    PageFactory(title="Unwritten idea", draft=True)
    assert client.get("/library/guides/missing/?title=Unwritten+idea").status_code == 404


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_missing_page_sends_staff_to_an_unpublished_page_not_to_a_duplicate(editor_client, trait):
    page = PageFactory(title="Unwritten idea", **{trait: True})
    response = editor_client.get("/library/guides/missing/?title=unwritten+IDEA")
    assert response.status_code == 302
    assert response["Location"] == page.get_absolute_url()
    preview = editor_client.get(response["Location"])
    assert f"Preview: this page is <strong>{trait}</strong>." in preview.content.decode()


def test_admin_refuses_a_second_page_with_the_same_title(editor_client):
    PageFactory(title="Unwritten idea", draft=True)
    response = editor_client.post(
        "/admin/wiki/page/add/",
        {"title": "UNWRITTEN  idea", "slug": "", "body": "Again.", "status": "draft", "tags": ""},
    )
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert Page.objects.count() == 1


def test_red_link_leads_to_the_missing_page(client):
    page = PageFactory(body="[[Unwritten idea]]")
    response = client.get(page.get_absolute_url())
    href = response.context["body"].split('href="', 1)[1].split('"', 1)[0]
    assert client.get(href.replace("&amp;", "&")).status_code == 404


# History ----------------------------------------------------------------------------------


def save_version(page, user, comment, **changes):
    for field, value in changes.items():
        setattr(page, field, value)
    with reversion.create_revision():
        page.save()
        reversion.set_user(user)
        reversion.set_comment(comment)
    return Version.objects.get_for_object(page).first()


@pytest.fixture
def history(editor):
    """A page saved three times by editors, and the three versions, oldest first."""
    other = UserFactory(username="jo", first_name="Jo", last_name="March")
    page = PageFactory.build(title="Rubrics", body="Line one\nLine two\nLine three")
    first = save_version(page, editor, "First draft")
    second = save_version(page, other, "Fixed line two", body="Line one\nLine 2\nLine three")
    third = save_version(
        page, editor, "Retitled", title="Rubrics explained", body="Line one\nLine 2\nLine three"
    )
    return page, [first, second, third]


def test_history_lists_versions_newest_first(client, history):
    page, versions = history
    response = client.get(f"/library/guides/{page.slug}/history/")
    assert response.status_code == 200
    assert list(response.context["versions"]) == versions[::-1]
    content = response.content.decode()
    newest, middle, oldest = (content.index(f'value="{version.pk}"') for version in versions[::-1])
    assert newest < middle < oldest
    # Readers learn when a page changed, not who changed it or the editors' notes.
    assert "Jo March" not in content and "Fixed line two" not in content
    assert f'name="to" value="{versions[2].pk}"' in content
    assert f'name="from" value="{versions[1].pk}"' in content
    assert f'action="/library/guides/{page.slug}/compare/"' in content
    assert "Compare selected versions" in content


def test_history_of_a_page_saved_without_revisions(client):
    page = PageFactory()
    response = client.get(f"/library/guides/{page.slug}/history/")
    assert response.status_code == 200
    assert "No published versions yet." in response.content.decode()


def test_history_with_a_single_version_offers_no_comparison(client, editor):
    page = PageFactory.build(title="Once")
    only = save_version(page, editor, "Only save")
    content = client.get(f"/library/guides/{page.slug}/history/").content.decode()
    assert f'value="{only.pk}"' in content and "Compare selected versions" not in content


def test_history_lists_versions_saved_without_an_editor(client):
    page = PageFactory.build(title="Imported")
    with reversion.create_revision():
        page.save()
    response = client.get(f"/library/guides/{page.slug}/history/")
    assert list(response.context["versions"]) == list(Version.objects.get_for_object(page))


def test_compare_shows_removed_and_added_lines(client, history):
    page, (first, second, _) = history
    response = client.get(f"/library/guides/{page.slug}/compare/?from={first.pk}&to={second.pk}")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<tr class="diff-removed">' in content and '<tr class="diff-added">' in content
    assert "<td>Removed: Line two</td>" in content
    assert "<td>Added: Line 2</td>" in content
    assert '<tr class="diff-equal"><td class="diff-sign" aria-hidden="true"> </td><td>Line one' in (
        content
    )
    assert [field for field, _ in response.context["changes"]] == ["body"]
    assert "<h2>Body</h2>" in content and "<h2>Title</h2>" not in content
    assert 'name="robots" content="noindex"' in content


def test_compare_orders_the_versions_oldest_first(client, history):
    page, (first, _, third) = history
    response = client.get(f"/library/guides/{page.slug}/compare/?from={third.pk}&to={first.pk}")
    assert (response.context["old"], response.context["new"]) == (first, third)
    content = response.content.decode()
    assert "<td>Removed: Rubrics</td>" in content
    assert "<td>Added: Rubrics explained</td>" in content
    assert "<td>Removed: Line two</td>" in content and "<td>Added: Line 2</td>" in content


def test_compare_a_version_with_itself(client, history):
    page, (first, _, _) = history
    response = client.get(f"/library/guides/{page.slug}/compare/?from={first.pk}&to={first.pk}")
    assert response.status_code == 200
    assert "These two versions are the same." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from={first}",
        "to={first}",
        "from=abc&to={first}",
        "from={first}&to=",
        "from=1.5&to={first}",
        "from=-1&to={first}",
        "from=0&to={first}",
        "from=99999999&to={first}",
        "from=99999999999999999999999999&to={first}",
        "from={foreign}&to={first}",
        "from={first}&to={foreign}",
        "from={foreign_object}&to={first}",
    ],
)
def test_compare_with_bad_or_foreign_versions_is_404(client, editor, history, query):
    page, (first, _, _) = history
    other_page = PageFactory.build(title="Other page")
    foreign = save_version(other_page, editor, "Other")
    with reversion.create_revision():
        resource = ResourceFactory()
    foreign_object = Version.objects.get_for_object(resource).get()
    url = f"/library/guides/{page.slug}/compare/?" + query.format(
        first=first.pk, foreign=foreign.pk, foreign_object=foreign_object.pk
    )
    assert client.get(url).status_code == 404


def test_history_and_compare_of_an_unpublished_page_are_404(client, history):
    page, (first, second, _) = history
    page.status = Status.DRAFT
    page.save()
    assert client.get(f"/library/guides/{page.slug}/history/").status_code == 404
    compare = f"/library/guides/{page.slug}/compare/?from={first.pk}&to={second.pk}"
    assert client.get(compare).status_code == 404


# Topics -----------------------------------------------------------------------------------


def test_topic_list_is_a_tree(client, tree):
    assessment, _, _ = tree
    TopicFactory(name="Performance tasks", parent=assessment)
    TopicFactory(name="Higher education", position=3)
    response = client.get("/library/topics/")
    assert [(topic.name, depth) for topic, depth in response.context["tree"]] == [
        ("Assessment", 0),
        ("Performance tasks", 1),
        ("Rubrics", 1),
        ("Policy", 0),
        ("Higher education", 0),
    ]
    content = response.content.decode()
    assert 'class="depth-1"><a href="/library/topics/rubrics/">Rubrics</a>' in content
    assert 'class="depth-0"><a href="/library/topics/assessment/">Assessment</a>' in content


def test_empty_topic_list(client):
    assert "No topics yet." in client.get("/library/topics/").content.decode()


def test_topic_page_lists_resources_and_pages_in_it_and_its_subtopics(client, tree):
    assessment, rubrics, policy = tree
    ResourceFactory(title="Assessment report", topics=[assessment])
    ResourceFactory(title="Rubric tool", topics=[rubrics])
    ResourceFactory(title="In both", topics=[assessment, rubrics])
    ResourceFactory(title="Policy report", topics=[policy])
    ResourceFactory(title="Draft rubric", topics=[rubrics], draft=True)
    PageFactory(title="Rubric page", topics=[rubrics])
    PageFactory(title="Assessment page", topics=[assessment, rubrics])
    PageFactory(title="Policy page", topics=[policy])
    PageFactory(title="Scheduled rubric page", topics=[rubrics], scheduled=True)

    response = client.get("/library/topics/assessment/")
    assert titles(response.context["resources"]) == ["Assessment report", "In both", "Rubric tool"]
    assert titles(response.context["pages"]) == ["Assessment page", "Rubric page"]
    assert list(response.context["subtopics"]) == [rubrics]
    content = response.content.decode()
    assert '<a href="/library/topics/rubrics/">Rubrics</a>' in content
    assert "Policy report" not in content and "Draft rubric" not in content

    sub = client.get("/library/topics/rubrics/")
    assert titles(sub.context["resources"]) == ["In both", "Rubric tool"]
    assert titles(sub.context["pages"]) == ["Assessment page", "Rubric page"]
    assert '<a href="/library/topics/assessment/">Assessment</a> › Topic' in sub.content.decode()


def test_topic_three_levels_deep(client, tree):
    _, rubrics, _ = tree
    deep = TopicFactory(name="Holistic rubrics", parent=rubrics)
    ResourceFactory(title="Deep resource", topics=[deep])
    PageFactory(title="Deep page", topics=[deep])
    response = client.get("/library/topics/assessment/")
    assert titles(response.context["resources"]) == ["Deep resource"]
    assert titles(response.context["pages"]) == ["Deep page"]
    filtered = client.get("/library/?topic=assessment")
    assert titles(filtered.context["resources"]) == ["Deep resource"]


def test_empty_topic_says_so(client, tree):
    response = client.get("/library/topics/policy/")
    assert response.status_code == 200
    assert "No resources under this topic yet." in response.content.decode()


# Feeds and sitemaps -----------------------------------------------------------------------


def test_rss_feed_lists_published_resources_newest_first(client):
    ResourceFactory(
        title="Older", kind=Kind.BOOK, publish_at=at(2020, 1, 1), summary="Old summary.",
        tags=["grading", "equity"],
    )  # fmt: skip
    ResourceFactory(title="Newer", publish_at=at(2021, 1, 1))
    ResourceFactory(title="Draft", draft=True)
    ResourceFactory(title="Scheduled", scheduled=True)
    response = client.get("/library/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "CompetencyWorks: new in the resource library"
    assert channel.findtext("link") == "http://testserver/library/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Newer (Report)", "Older (Book)"]
    older = items[1]
    assert older.findtext("link") == "http://testserver/library/resources/older/"
    assert older.findtext("description") == "Old summary."
    assert sorted(category.text for category in older.findall("category")) == [
        "equity",
        "grading",
    ]
    assert older.findtext("pubDate").startswith("Wed, 01 Jan 2020")


def test_atom_feed_lists_published_resources(client):
    ResourceFactory(title="Published", publish_at=at(2021, 1, 1))
    ResourceFactory(title="Draft", draft=True)
    ResourceFactory(title="Scheduled", scheduled=True)
    response = client.get("/library/feed/atom/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}subtitle").startswith("Reports, tools")
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Published (Report)"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == "http://testserver/library/resources/published/"


def test_feed_holds_the_twenty_newest(client):
    ResourceFactory.create_batch(25)
    items = ET.fromstring(client.get("/library/feed/").content).findall("channel/item")
    assert len(items) == 20


def test_wiki_pages_advertise_the_feed(client):
    content = client.get("/library/").content.decode()
    assert 'type="application/rss+xml" title="New resources (RSS)" href="/library/feed/"' in content


def sitemap_locations(client, url):
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_sections_list_only_published_items(client, tree):
    ResourceFactory(title="Public resource")
    ResourceFactory(title="Draft resource", draft=True)
    ResourceFactory(title="Scheduled resource", scheduled=True)
    PageFactory(title="Public page")
    PageFactory(title="Draft page", draft=True)
    PageFactory(title="Scheduled page", scheduled=True)
    assert sitemap_locations(client, "/sitemap-resources.xml") == [
        "http://testserver/library/resources/public-resource/"
    ]
    assert sitemap_locations(client, "/sitemap-guides.xml") == [
        "http://testserver/library/guides/public-page/"
    ]
    assert sorted(sitemap_locations(client, "/sitemap-topics.xml")) == [
        "http://testserver/library/topics/assessment/",
        "http://testserver/library/topics/policy/",
        "http://testserver/library/topics/rubrics/",
    ]
    index = sitemap_locations(client, "/sitemap.xml")
    for section in ("resources", "guides", "topics"):
        assert f"http://testserver/sitemap-{section}.xml" in index
    static = sitemap_locations(client, "/sitemap-pages.xml")
    for url in ("/library/", "/library/guides/", "/library/topics/"):
        assert f"http://testserver{url}" in static


def test_sitemap_lastmod_is_the_last_change(client):
    resource = ResourceFactory()
    xml = client.get("/sitemap-resources.xml").content.decode()
    assert f"<lastmod>{timezone.localdate(resource.updated_at).isoformat()}" in xml


# Query counts -----------------------------------------------------------------------------

MAX_QUERIES = 12


def make_wiki(count, editor):
    """`count` more resources, pages, posts and versions, all tied to the same few items."""
    assessment = Topic.objects.filter(slug="assessment").first() or TopicFactory(name="Assessment")
    rubrics = Topic.objects.filter(slug="rubrics").first() or TopicFactory(
        name="Rubrics", parent=assessment
    )
    featured = Resource.objects.filter(slug="featured").first()
    if featured is None:
        featured = ResourceFactory(
            title="Featured", url="https://example.org/featured.pdf",
            topics=[assessment, rubrics], tags=["x", "grading"],
        )  # fmt: skip
    hub = Page.objects.filter(slug="hub").first() or PageFactory(title="Hub", topics=[rubrics])
    for n in range(count):
        ResourceFactory(
            kind=Kind.REPORT if n % 2 else Kind.BOOK, year=2000 + n % 7,
            publisher=f"Publisher {n % 4}", topics=[assessment if n % 3 else rubrics, rubrics],
            tags=["x", f"tag-{n % 3}"],
        )  # fmt: skip
        PageFactory(body=f"Part of [[Hub]], see [[Missing {n}]].", topics=[rubrics, assessment])
        PostFactory(
            tags=["grading"] if n % 2 else [],
            body='<p><a href="https://example.org/featured.pdf">Featured</a></p>',
        )
    TopicFactory(name=f"Subtopic {Topic.objects.count()}", parent=rubrics)
    links = " ".join(f"[[{page.title}]]" for page in Page.objects.exclude(pk=hub.pk))
    for n in range(count):
        with reversion.create_revision():
            hub.body = f"Revision {n}.\n\n{links} [[Nowhere {n}]]"
            hub.save()
            reversion.set_user(editor)
            reversion.set_comment(f"Edit {n}")
    return featured, hub


WIKI_PAGES = [
    "/library/",
    "/library/?kind=report&tag=x",
    "/library/?topic=assessment&tag=x&tag=tag-1&match=any&year=2001",
    "/library/?q=resource&publisher=publisher+1&page=1",
    "{resource}",
    "{page}",
    "{history}",
    "{compare}",
    "/library/guides/",
    "/library/topics/",
    "/library/topics/assessment/",
    "/library/topics/rubrics/",
    "/library/feed/",
    "/library/feed/atom/",
    "/sitemap-resources.xml",
    "/sitemap-guides.xml",
    "/sitemap-topics.xml",
]


def wiki_queries_for(client, page, featured, hub):
    versions = Version.objects.get_for_object(hub)
    url = page.format(
        resource=featured.get_absolute_url(),
        page=hub.get_absolute_url(),
        history=f"/library/guides/{hub.slug}/history/",
        compare=f"/library/guides/{hub.slug}/compare/?from={versions.last().pk}&to={versions[0].pk}",
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_wiki_query_count_is_fixed_and_small(client, editor):
    """Every page runs as many queries with 5 items as with 40, and few. The items are made
    once for all the pages: made for each page, they took 4 s a page."""
    made = make_wiki(5, editor)
    few = {page: wiki_queries_for(client, page, *made) for page in WIKI_PAGES}
    made = make_wiki(35, editor)
    many = {page: wiki_queries_for(client, page, *made) for page in WIKI_PAGES}
    grew = {page: (few[page], many[page]) for page in WIKI_PAGES if few[page] != many[page]}
    assert not grew, f"queries with 5 items and with 40: {grew}"
    assert not {page: count for page, count in many.items() if count > MAX_QUERIES}


def test_query_count_fixture_really_fills_the_pages(client, editor):
    featured, hub = make_wiki(40, editor)
    assert len(client.get("/library/").context["resources"]) == 20
    assert len(client.get("/library/?kind=report&tag=x").context["resources"]) == 20
    detail = client.get(featured.get_absolute_url()).context
    assert len(detail["related"]) == 4 and len(detail["citing_posts"]) == 5
    page = client.get(hub.get_absolute_url())
    assert len(page.context["linked_from"]) == 40
    assert page.context["body"].count('class="wiki-link"') == 40
    assert page.context["body"].count('class="wiki-link missing"') == 1
    assert len(client.get(f"/library/guides/{hub.slug}/history/").context["versions"]) == 40
    topic = client.get("/library/topics/assessment/").context
    assert len(topic["resources"]) == 41 and len(topic["pages"]) == 41
    assert len(ET.fromstring(client.get("/library/feed/").content).findall("channel/item")) == 20
