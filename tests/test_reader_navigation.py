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
from policy.models import STAGE_DEFINITIONS, PolicyEntry, StageChange, State
from policy.models import Kind as PolicyKind
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
        ("/tags/equity/", "/blog/tag/equity/"),
        ("/tags/equity/?page=2", "/blog/tag/equity/?page=2"),
        ("/tags/", "/blog/tags/"),
        ("/tags/educaci%C3%B3n/", "/blog/tag/educaci%C3%B3n/"),
    ],
)
def test_the_other_tag_addresses_answer_301_to_the_one_tag_page(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_a_tag_page_lists_posts_first_then_resources_guides_and_policy(client):
    # Made newest first in the reverse order, so only the kind can put posts first.
    PostFactory(title="Old post", tags=["equity"], publish_at=ago(days=800))
    policy_entry("Equity rule", tags=["equity"], enacted_on=date(2019, 5, 3))
    PageFactory(title="Equity guide", tags=["equity"])
    ResourceFactory(
        title="Equity report", year=2017, tags=["equity"], publish_at=ago(hours=1),
        publisher="Policy Lab", summary="Compares how states fund equity.",
    )  # fmt: skip
    response = client.get("/blog/tag/equity/")
    page = content(response)
    assert re.findall(r"<h2 [^>]*>(.*?)</h2>", page) == [
        "Blog posts", "Resources", "Guides", "Policy entries",
    ]  # fmt: skip
    titles = re.findall(r'<h3[^>]*><a href="[^"]*">(.*?)</a></h3>', page)
    assert titles == ["Old post", "Equity report", "Equity guide", "Idaho: Equity rule"]
    # Each item carries its own date: a resource's year, a policy's enactment.
    assert '<p class="kicker">2017</p>' in page
    assert '<p class="kicker">Enacted May 3, 2019</p>' in page
    assert "<p>Compares how states fund equity.</p>" in page  # what it is, not its byline
    main = page.split("<main")[1].split("</main>")[0]
    assert str(timezone.localdate().year) not in main  # not the day each row was made


def test_post_tags_and_feeds_lead_to_the_one_tag_page(client):
    post = PostFactory(title="Tagged post", tags=["equity"])
    assert 'href="/blog/tag/equity/"' in content(client.get(post.get_absolute_url()))
    assert 'href="/blog/tag/equity/"' in content(client.get("/blog/"))
    feed = ElementTree.fromstring(client.get("/blog/tag/equity/feed/").content)
    assert feed.find("channel").findtext("link").endswith("/blog/tag/equity/")
    page = content(client.get("/blog/tag/equity/"))
    assert 'href="/blog/tag/equity/feed/"' in page


def test_a_tag_page_pages_with_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(3):
        PostFactory(title=f"Few {n}", tags=["few"])
    for n in range(45):
        [PostFactory, ResourceFactory, PageFactory][n % 3](title=f"Many {n}", tags=["many"])
    counts = []
    for url in (
        "/blog/tag/few/",
        "/blog/tag/many/",
        "/blog/tag/many/?page=2",
        "/blog/tag/many/?page=3",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    # A page with posts reads them as cards: one query more than a page of library items.
    assert counts[0] == counts[1] and max(counts) - min(counts) <= 1, counts
    assert max(counts) <= 6, counts


def test_a_tag_only_drafts_carry_has_no_page(client):
    PostFactory(title="Draft", tags=["secret"], draft=True)
    assert client.get("/blog/tag/secret/").status_code == 404
    assert client.get("/tags/secret/", follow=True).status_code == 404


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
        ("/category/teaching/grading/", "/blog/tag/grading/"),  # a category that became a tag
        ("/tag/grading/", "/blog/tag/grading/"),
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


# Archives --------------------------------------------------------------------------------


def test_a_post_counts_in_the_year_of_its_local_date(client):
    """New Year's Eve late in the evening is still the old year where the site is, though
    it is the new year in UTC."""
    this_year = timezone.localdate().year
    eve = timezone.make_aware(timezone.datetime(this_year - 2, 12, 31, 23, 30))
    PostFactory(publish_at=eve)
    PostFactory(publish_at=eve + timedelta(hours=1))
    archive = content(client.get("/blog/")).split('id="archive-years-title"')[1]
    counts = re.findall(
        r'<a href="/blog/(\d{4})/">\d{4}</a> <span class="count">\((\d+)\)', archive
    )
    assert counts == [(str(this_year - 1), "1"), (str(this_year - 2), "1")]


def test_the_blog_lists_years_with_counts_linking_to_their_archives(client):
    this_year = timezone.localdate().year
    for year, count in ((this_year - 3, 2), (this_year - 1, 1)):
        for n in range(count):
            PostFactory(publish_at=timezone.make_aware(timezone.datetime(year, 5, 10 + n, 12)))
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    page = content(client.get("/blog/"))
    archive = page.split('id="archive-years-title"')[1].split("</nav>")[0]
    assert re.findall(
        r'<a href="(/blog/\d{4}/)">(\d{4})</a> <span class="count">\((\d+)\)', archive
    ) == [
        (f"/blog/{this_year - 1}/", str(this_year - 1), "1"),
        (f"/blog/{this_year - 3}/", str(this_year - 3), "2"),
    ]
    year = content(client.get(f"/blog/{this_year - 3}/"))
    assert f'href="/blog/{this_year - 3}/05/"' in year
    assert client.get(f"/blog/{this_year - 3}/05/").status_code == 200
    assert 'id="archive-years-title"' in content(client.get("/blog/section/k-12/"))


def test_the_archive_list_costs_one_query_however_many_years(client):
    PostFactory()
    with CaptureQueriesContext(connection) as few:
        client.get("/blog/")
    for year in range(2001, 2021):
        PostFactory(publish_at=timezone.make_aware(timezone.datetime(year, 3, 3, 12)))
    with CaptureQueriesContext(connection) as many:
        client.get("/blog/")
    assert len(few) == len(many)


# Filtered lists are kept out of search engines --------------------------------------------


@pytest.mark.parametrize(
    ("list_url", "filtered"),
    [
        ("/blog/", "/blog/?tag=equity"),
        ("/blog/", "/blog/?section=k-12&page=1"),
        ("/library/", "/library/?kind=report"),
        ("/library/", "/library/?topic=nope"),
        ("/policy/", "/policy/?state=ID"),
    ],
)
def test_filtered_lists_are_noindex_with_the_list_as_canonical(client, list_url, filtered):
    PostFactory(tags=["equity"])
    ResourceFactory()
    plain = content(client.get(list_url))
    assert 'name="robots"' not in plain
    assert f'<link rel="canonical" href="http://testserver{list_url}">' in plain
    page = content(client.get(filtered))
    assert '<meta name="robots" content="noindex">' in page
    assert f'<link rel="canonical" href="http://testserver{list_url}">' in page


def test_a_later_page_of_a_list_is_indexed_under_its_own_address(client):
    for n in range(12):
        PostFactory(title=f"Post {n}")
    page = content(client.get("/blog/?page=2&utm_source=newsletter"))
    assert 'name="robots"' not in page
    assert '<link rel="canonical" href="http://testserver/blog/?page=2">' in page


def test_search_results_are_noindex(client):
    assert '<meta name="robots" content="noindex">' in content(client.get("/search/?q=x"))


# Search: snippets, the heading, and somewhere to go from nothing ---------------------------


def result_blocks(page):
    return re.findall(r'<li class="result">(.*?)</li>', page, re.S)


def test_snippets_come_from_the_text_where_the_words_were_found(client):
    PostFactory(
        title="Portfolio defenses",
        body="<p>Opening words about schools.</p>" + "<p>Filler sentence here.</p>" * 40
        + "<p>Students present a portfolio to a panel of teachers.</p>",
        tags=["portfolio"],
    )  # fmt: skip
    block = result_blocks(content(client.get("/search/", {"q": "portfolio"})))[0]
    snippet = block.split("</h2>")[1]
    assert "<mark>portfolio</mark> to a panel" in snippet.replace("Portfolio", "portfolio")
    assert "Opening words" not in snippet  # not the start of the body, nor the title


def test_the_heading_never_puts_quotes_within_quotes(client):
    page = content(client.get("/search/", {"q": '"seat time" waiver'}))
    assert "for “seat time” waiver" in page
    assert "“&quot;" not in page and "&quot;”" not in page
    assert "for “rubrics”" in content(client.get("/search/", {"q": "rubrics"}))


def test_an_empty_result_offers_a_spelling_popular_tags_and_recent_posts(
    client, django_assert_max_num_queries
):
    PostFactory(title="Assessment for learning", body="<p>Assessment guides teaching.</p>",
                tags=["assessment"])  # fmt: skip
    PostFactory(title="Newest post", tags=["equity"])
    with django_assert_max_num_queries(9):
        page = content(client.get("/search/", {"q": "assesment"}))
    assert "No results for “assesment”" in page
    # SQLite suggests the word from the index's vocabulary, PostgreSQL the closest title.
    suggestion = re.search(r'Did you mean <a href="/search/\?q=([^"]+)">', page)[1]
    assert suggestion.lower().split("%20")[0] == "assessment"
    section = page.split('id="try-instead"')[1]
    assert 'href="/blog/tag/assessment/"' in section and 'href="/blog/tag/equity/"' in section
    assert "Newest post" in section


def test_search_results_show_each_items_own_date(client):
    ResourceFactory(title="Rubric report", summary="About rubrics.", year=2016)
    with committed():
        PolicyEntry.objects.create(
            state=State.objects.get(code="ID"), title="Rubric rule", kind=PolicyKind.STATUTE,
            year=2014, policy_status=PolicyStatus.SIGNED, summary="About rubrics.",
            introduced_on=date(2014, 2, 1), status=Status.PUBLISHED, publish_at=ago(days=1),
        )  # fmt: skip
    kickers = re.findall(r'<p class="kicker">(.*?)</p>', content(client.get("/search/?q=rubric")))
    assert sorted(kickers) == ["Policy entry · Introduced February 1, 2014", "Resource · 2016"]


# State pages and policy entries ------------------------------------------------------------


def test_a_state_page_shows_its_stage_as_a_badge_with_its_history(client):
    idaho = State.objects.get(code="ID")
    StageChange.objects.create(
        state=idaho, stage="emerging", effective_from=date(2015, 7, 1), reason="A pilot began."
    )
    page = content(client.get("/policy/states/id/"))
    assert '<span class="stage-badge stage-emerging">Emerging</span> since 2015.' in page
    history = page.split('id="stage-history"')[1].split("</section>")[0]
    assert "A pilot began." in history
    assert page.count("A pilot began.") == 1  # the reason once, in the history
    assert STAGE_DEFINITIONS["emerging"] in page
    assert '<div class="measure">' in page


def test_a_policy_entry_tells_each_fact_once_with_tags_sources_and_related_posts(client):
    post = PostFactory(title="What Idaho changed")
    entry = policy_entry(
        "Mastery pilots", tags=["Seat time"], session="2016", year=2016,
        introduced_on=date(2016, 1, 12), enacted_on=date(2016, 3, 2),
    )  # fmt: skip
    with committed():
        entry.events.create(date=date(2016, 3, 2), description="Signed by the governor")
        entry.sources.create(title="Bill text", url="https://legislature.example/hb1")
        entry.related_posts.add(post)
    page = content(client.get(entry.get_absolute_url()))
    facts = page.split('<dl class="facts">')[1].split("</dl>")[0]
    assert "<dt>Session</dt><dd>2016</dd>" in facts
    assert "<dt>Year</dt>" not in facts  # the session says it
    assert "Introduced" not in facts and "Enacted" not in facts
    timeline = re.findall(r"<time [^>]*>([^<]*)</time>: ([^<]*)</li>", page)
    assert timeline == [
        ("January 12, 2016", "Introduced"),
        ("March 2, 2016", "Signed by the governor"),  # the day's own step, not "Enacted" too
    ]
    assert 'href="/blog/tag/seat-time/"' in page
    assert 'href="https://legislature.example/hb1"' in page
    assert f'href="{post.get_absolute_url()}"' in page


def test_resource_dates_are_their_publication_year_in_feeds_and_on_the_home_page(client):
    ResourceFactory(title="Old but new here", kind="report", year=2012, publisher="Lab")
    feed = ElementTree.fromstring(client.get("/library/feed/").content)
    assert feed.find("channel/item").findtext("title") == "Old but new here (Report, 2012)"
    assert "Report, 2012 · Lab" in content(client.get("/"))


def test_tags_on_resources_and_guides_lead_to_the_tag_page(client):
    resource = ResourceFactory(title="Tagged resource", tags=["rubrics"])
    guide = PageFactory(title="Tagged guide", tags=["rubrics"])
    for item in (resource, guide):
        assert 'href="/blog/tag/rubrics/"' in content(client.get(item.get_absolute_url()))
