"""How readers find their way: one name and one page per thing, old addresses, the 404 page,
archives, filtered lists kept out of search engines, search snippets and suggestions."""

import re
from datetime import date, timedelta
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import SitePage
from competencyworks.models import MovedPage, SearchDocument
from competencyworks.publishing import Status
from policy.models import Kind as PolicyKind
from policy.models import PolicyEntry, State
from policy.models import Status as PolicyStatus
from tests.factories import (
    AuthorFactory,
    PageFactory,
    PostFactory,
    ResourceFactory,
    SectionFactory,
    committed,
)

pytestmark = pytest.mark.django_db


def content(response):
    return response.content.decode()


def ago(**delta):
    return timezone.now() - timedelta(**delta)


# The library: one section, one name ----------------------------------------------------


def test_the_library_is_one_section_named_library(client):
    resource = ResourceFactory(title="Grading for mastery")
    guide = PageFactory(title="Seat time")
    home = content(client.get("/"))
    assert '<a href="/library/">Library</a>' in home or 'href="/library/"' in home
    assert ">Library</a>" in home
    library = client.get("/library/")
    assert "<h1>Library</h1>" in content(library)
    assert resource.get_absolute_url() == "/library/resources/grading-for-mastery/"
    assert guide.get_absolute_url() == "/library/guides/seat-time/"
    guides = content(client.get("/library/guides/"))
    assert "<h1>Guides</h1>" in guides
    assert "wiki" not in content(client.get(guide.get_absolute_url())).lower().replace(
        "wiki-", ""
    ).replace("wiki_", "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/wiki/", "/library/"),
        ("/wiki/?kind=report&page=2", "/library/?kind=report&page=2"),
        ("/wiki/resources/grading-for-mastery/", "/library/resources/grading-for-mastery/"),
        ("/wiki/pages/", "/library/guides/"),
        ("/wiki/pages/seat-time/", "/library/guides/seat-time/"),
        ("/wiki/pages/seat-time/history/", "/library/guides/seat-time/history/"),
        ("/wiki/pages/missing/?title=Rubrics", "/library/guides/missing/?title=Rubrics"),
        ("/wiki/topics/", "/library/topics/"),
        ("/wiki/feed/", "/library/feed/"),
    ],
)
def test_old_wiki_addresses_answer_301_to_the_library(client, old, new):
    ResourceFactory(title="Grading for mastery")
    PageFactory(title="Seat time")
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_an_old_wiki_address_of_nothing_is_a_404(client):
    assert client.get("/wiki/nowhere/at/all/").status_code == 404


def test_admin_names_the_section_library(admin_client):
    index = content(admin_client.get("/admin/"))
    assert "Library" in index
    assert "Resource wiki" not in index
    assert "Guides" in content(admin_client.get("/admin/wiki/"))


def test_unwritten_guides_link_to_the_library_form(client):
    page = PageFactory(title="Assessment", body="See [[Rubrics]].")
    assert "/library/guides/missing/?title=Rubrics" in content(client.get(page.get_absolute_url()))


# One page per tag ------------------------------------------------------------------------


def policy_entry(title, *, tags=(), **fields):
    with committed():
        entry = PolicyEntry.objects.create(
            state=State.objects.get(code="ID"), title=title, kind=PolicyKind.STATUTE,
            year=fields.pop("year", 2020), policy_status=PolicyStatus.SIGNED,
            summary=f"About {title}.", status=Status.PUBLISHED, publish_at=ago(days=2), **fields,
        )  # fmt: skip
        entry.tags.add(*tags)
    return entry


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/blog/tag/equity/", "/tags/equity/"),
        ("/blog/tag/equity/?page=2", "/tags/equity/?page=2"),
        ("/blog/tags/", "/tags/"),
        ("/blog/tag/educaci%C3%B3n/", "/tags/educaci%C3%B3n/"),
    ],
)
def test_the_blogs_tag_pages_answer_301_to_the_sites(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_a_tag_page_lists_posts_first_then_resources_guides_and_policy(client):
    # Made newest first in the reverse order, so only the kind can put posts first.
    PostFactory(title="Old post", tags=["equity"], publish_at=ago(days=800))
    policy_entry("Equity rule", tags=["equity"], enacted_on=date(2019, 5, 3))
    PageFactory(title="Equity guide", tags=["equity"])
    ResourceFactory(title="Equity report", year=2017, tags=["equity"], publish_at=ago(hours=1))
    response = client.get("/tags/equity/")
    page = content(response)
    assert re.findall(r"<h2 [^>]*>(.*?)</h2>", page) == [
        "Blog posts", "Resources", "Guides", "Policy entries",
    ]  # fmt: skip
    titles = re.findall(r'<h3><a href="[^"]*">(.*?)</a></h3>', page)
    assert titles == ["Old post", "Equity report", "Equity guide", "Idaho: Equity rule"]
    # Each item carries its own date: a resource's year, a policy's enactment.
    assert '<p class="kicker">2017</p>' in page
    assert '<p class="kicker">Enacted May 3, 2019</p>' in page
    main = page.split("<main")[1].split("</main>")[0]
    assert str(timezone.localdate().year) not in main  # not the day each row was made


def test_post_tags_and_feeds_lead_to_the_one_tag_page(client):
    post = PostFactory(title="Tagged post", tags=["equity"])
    assert 'href="/tags/equity/"' in content(client.get(post.get_absolute_url()))
    assert 'href="/tags/equity/"' in content(client.get("/blog/"))
    feed = ElementTree.fromstring(client.get("/blog/tag/equity/feed/").content)
    assert feed.find("channel").findtext("link").endswith("/tags/equity/")
    page = content(client.get("/tags/equity/"))
    assert 'href="/blog/tag/equity/feed/"' in page


def test_a_tag_page_pages_with_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(3):
        PostFactory(title=f"Few {n}", tags=["few"])
    for n in range(45):
        [PostFactory, ResourceFactory, PageFactory][n % 3](title=f"Many {n}", tags=["many"])
    counts = []
    for url in ("/tags/few/", "/tags/many/", "/tags/many/?page=2", "/tags/many/?page=3"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 6, counts


def test_a_tag_only_drafts_carry_has_no_page(client):
    PostFactory(title="Draft", tags=["secret"], draft=True)
    assert client.get("/tags/secret/").status_code == 404
    assert client.get("/blog/tag/secret/", follow=True).status_code == 404


# The old WordPress site's addresses ---------------------------------------------------------


@pytest.fixture
def imported():
    """A public post and page from WordPress, a draft from it, and a section and author."""
    section = SectionFactory(name="K-12", slug="k-12")
    author = AuthorFactory(name="Ana Ruiz")
    post = PostFactory(
        title="Mastery grading", slug="mastery-grading", import_key="wxr:old.example.org:123",
        section=section, authors=[author], tags=["Grading"], publish_at=ago(days=30),
    )  # fmt: skip
    draft = PostFactory(
        title="Unfinished", slug="unfinished", import_key="wxr:old.example.org:124", draft=True,
        tags=["Secret"], authors=[AuthorFactory(name="Hidden Writer")],
    )  # fmt: skip
    with committed():
        page = SitePage.objects.create(
            title="About us", slug="about-us", import_key="wxr:old.example.org:7",
            status=Status.PUBLISHED, publish_at=ago(days=3),
        )  # fmt: skip
    return post, draft, page


def redirect_target(client, url):
    response = client.get(url)
    assert response.status_code == 301, (url, response.status_code)
    return response["Location"]


def test_old_permalinks_lead_to_the_post(client, imported):
    post = imported[0]
    day = post.date
    for url in (
        f"/{day:%Y/%m/%d}/mastery-grading/",
        f"/{day:%Y/%m}/mastery-grading/",
        "/2011/01/01/mastery-grading/",  # WordPress's date in another time zone, or edited
    ):
        assert redirect_target(client, url) == post.get_absolute_url()


def test_old_query_addresses_lead_to_the_post_page_and_search(client, imported):
    post, _, page = imported
    assert redirect_target(client, "/?p=123") == post.get_absolute_url()
    assert redirect_target(client, "/?page_id=7") == page.get_absolute_url()
    assert redirect_target(client, "/?s=seat+time") == "/search/?q=seat+time"
    assert client.get("/?utm_source=x").status_code == 200  # the home page as ever


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/category/k-12/", "/blog/section/k-12/"),
        ("/category/k-12/feed/", "/blog/section/k-12/feed/"),
        ("/category/teaching/grading/", "/tags/grading/"),  # a category that became a tag
        ("/tag/grading/", "/tags/grading/"),
        ("/tag/grading/feed/", "/blog/tag/grading/feed/"),
        ("/author/ana-ruiz/", "/blog/author/ana-ruiz/"),
        ("/author/ana-ruiz/feed/", "/blog/author/ana-ruiz/feed/"),
        ("/feed/", None),  # the site's feed is still there
    ],
)
def test_old_archives_lead_to_their_pages(client, imported, url, target):
    if target is None:
        assert client.get(url).status_code == 200
    else:
        assert redirect_target(client, url) == target
        assert client.get(target).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/?p=124",  # a draft
        "/?p=999",
        "/?p=abc",
        "/?page_id=124",
        "/2020/01/01/unfinished/",
        "/2020/01/unknown-slug/",
        "/tag/secret/",
        "/tag/secret/feed/",
        "/tag/nothing/",
        "/category/nothing/",
        "/author/hidden-writer/",
        "/author/nobody/feed/",
    ],
)
def test_old_addresses_of_what_is_not_public_are_404(client, imported, url):
    assert client.get(url).status_code == 404


def test_an_imported_post_whose_slug_changed_still_answers_its_old_permalink(client, imported):
    post = imported[0]
    with committed():
        MovedPage.record("/2015/03/12/old-slug/", post.get_absolute_url(), post)
    assert redirect_target(client, "/2015/03/12/old-slug/") == post.get_absolute_url()


# The 404 page ----------------------------------------------------------------------------


def test_the_404_page_offers_search_and_recent_posts(client, django_assert_max_num_queries):
    for n in range(8):
        PostFactory(title=f"Recent {n}", publish_at=ago(hours=n + 1))
    PostFactory(title="Secret draft", draft=True)
    with django_assert_max_num_queries(3):
        response = client.get("/no-such-page/here/")
    assert response.status_code == 404
    page = content(response)
    assert 'action="/search/"' in page and 'name="q"' in page
    assert re.findall(r"Recent \d", page) == [f"Recent {n}" for n in range(5)]
    assert "Secret draft" not in page
    assert '<meta name="robots" content="noindex">' in page
    assert "X-Cache" not in response  # never cached


def test_the_404_page_never_fails_itself(client):
    published = mock.patch.object(
        SearchDocument.objects, "published", side_effect=DatabaseError("lost the connection")
    )
    with published:
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in content(response)
