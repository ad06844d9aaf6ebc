"""Every public page runs the same, small number of queries however much is on it."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Author, Series
from competencyworks.pagecache import content_changed, version
from competencyworks.sitemaps import sitemaps
from tests.factories import AuthorFactory, PostFactory, SeriesFactory

pytestmark = pytest.mark.django_db
# With the page cache and what pages remember off, as here, these include the navigation and
# footer links and the archive years (their first and last post, then one count per year).
MAX_QUERIES = 10


def make_posts(count):
    """Posts with two authors, tags, and (for some) a series part."""
    authors = [
        Author.objects.filter(slug="ada").first() or AuthorFactory(slug="ada"),
        AuthorFactory(),
    ]
    series = Series.objects.filter(slug="grading").first() or SeriesFactory(slug="grading")
    start = series.posts.count()
    # Fixed dates inside one past month, so archive pages look the same on every run.
    first = timezone.make_aware(datetime(2020, 3, 25, 12)) - timedelta(hours=start * 5)
    return [
        PostFactory(
            publish_at=first - timedelta(hours=n),
            tags=["equity", f"topic-{n % 3}"], authors=authors,
            series=series if n % 5 == 0 else None,
            series_part=start + n + 1 if n % 5 == 0 else None,
        )
        for n in range(count)
    ]  # fmt: skip


PAGES = [
    "/",
    "/blog/",
    "/blog/?tag=equity&section=k-12",
    "/blog/section/k-12/",
    "/blog/tag/equity/",
    "/blog/tags/",
    "/blog/author/ada/",
    "/blog/series/",
    "/blog/series/grading/",
    "{year}",
    "{month}",
    "{detail}",
    "{print}",
    "/feed/",
    "/feed/atom/",
    "/blog/tag/equity/feed/",
    "/blog/author/ada/feed/",
    "/blog/series/grading/feed/",
    "/sitemap.xml",
    "/sitemap-posts.xml",
    "/robots.txt",
]


def queries_for(client, page, posts):
    newest = posts[0]
    url = page.format(
        year=f"/blog/{newest.date.year}/",
        month=f"/blog/{newest.date.year}/{newest.date.month:02}/",
        detail=posts[1].get_absolute_url(),
        print=posts[1].get_absolute_url() + "print/",
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_fixed_and_small(client, page):
    few = queries_for(client, page, make_posts(5))
    many = queries_for(client, page, make_posts(45))
    assert few == many, f"{page}: {few} queries with 5 posts, {many} with 50"
    assert many <= budget(page)


def budget(page):
    # The sitemap index counts each section's items once to number its pages.
    return len(sitemaps) + 1 if page == "/sitemap.xml" else MAX_QUERIES


def test_detail_page_query_budget(client, django_assert_max_num_queries):
    posts = make_posts(5)
    with django_assert_max_num_queries(6):
        client.get(posts[1].get_absolute_url())


# The pages readers reach most, with what every page repeats (navigation, filter choices,
# list counts) already read for the current content: each costs a fixed, small number of
# queries, whether the site holds 15 posts or 60. Reading the content version itself (at
# most four times a second per process) is left out.
MAIN_PAGE_BUDGETS = [
    ("/blog/", 4),
    ("/blog/?page=2", 4),
    ("/blog/?tag=equity", 4),
    ("/blog/tag/equity/", 4),
    # The post (with its states and topics), related posts, and one query for its states'
    # newest entries and the resources and entries sharing its tags or topics.
    ("{detail}", 3),
    ("/search/?q=equity", 3),
]


@pytest.mark.parametrize(("page", "budget"), MAIN_PAGE_BUDGETS)
def test_main_pages_stay_within_their_query_budgets(client, settings, monkeypatch, page, budget):
    settings.FRAGMENT_CACHE = True
    monkeypatch.setattr(version, "TRUST_SECONDS", 600)
    counts = []
    for count in (15, 45):
        posts = make_posts(count)
        content_changed()  # as the after-commit pipeline does once the posts are saved
        url = page.format(detail=posts[1].get_absolute_url())
        assert client.get(url).status_code == 200, url
        counts.append(queries_for(client, url, posts))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries with 15 posts, {counts[1]} with 60"
    assert counts[1] <= budget, f"{page}: {counts[1]} queries, budget {budget}"


# A page whose content is remembered for the current content version (its count, its
# markup, the post itself) builds no list and reads nothing but what decides it exists.
REMEMBERED_PAGE_QUERIES = [
    ("/blog/", 0),
    ("/blog/?page=3", 0),
    ("/blog/?tag=equity", 0),
    ("/blog/?tag=equity&section=nowhere", 0),
    ("/blog/tag/equity/", 1),  # the tag
    ("{detail}", 0),
]


@pytest.mark.parametrize(("page", "queries"), REMEMBERED_PAGE_QUERIES)
def test_a_remembered_page_reads_only_what_decides_it_exists(
    client, settings, monkeypatch, page, queries
):
    settings.FRAGMENT_CACHE = True
    monkeypatch.setattr(version, "TRUST_SECONDS", 600)
    posts = make_posts(45)
    content_changed()
    url = page.format(detail=posts[1].get_absolute_url())
    first = client.get(url)
    assert first.status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    assert again.content == first.content
    assert len(captured) == queries, [query["sql"] for query in captured]
