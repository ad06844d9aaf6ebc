"""The editors' lists: status labels and filter, authors, thumbnails, dates, in a fixed
number of queries however many rows a page shows."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import SitePage
from competencyworks.publishing import Status
from tests.conftest import image_bytes
from tests.factories import (
    AuthorFactory,
    PageFactory,
    PostFactory,
    ResourceFactory,
    SeriesFactory,
    TopicFactory,
)
from tests.test_policy_pages import PolicyEntryFactory

pytestmark = pytest.mark.django_db

POSTS_URL = "/admin/blog/post/"
TITLES = (f"Listed item {n}" for n in range(10_000))


def listed(response):
    return list(response.context["cl"].result_list)


def cells(response, column):
    """The text of a column's cells, top to bottom."""
    html = response.content.decode()
    found = re.findall(rf'<t[dh] class="field-{column}[^"]*">(.*?)</t[dh]>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in found]


def site_page(**fields):
    return SitePage.objects.create(**{"status": Status.PUBLISHED, **fields})


def one_of_each_state(factory, **fields):
    return {
        "published": factory(publish_at=timezone.now() - timedelta(days=1), **fields),
        "draft": factory(status=Status.DRAFT, publish_at=None, **fields),
        "scheduled": factory(publish_at=timezone.now() + timedelta(days=2), **fields),
        "private": factory(status=Status.PRIVATE, **fields),
    }


# ---------------------------------------------------------------- posts


def test_the_post_list_shows_thumbnail_title_authors_status_and_date(editor_client):
    ana, ben = AuthorFactory(name="Ana Ruiz"), AuthorFactory(name="Ben Okafor")
    picture = SimpleUploadedFile("cover.png", image_bytes(), content_type="image/png")
    post = PostFactory(title="Grading for growth", authors=[ana, ben], image=picture)
    PostFactory(title="No byline yet", draft=True)

    response = editor_client.get(POSTS_URL)

    html = response.content.decode()
    assert sorted(cells(response, "author_names")) == ["Ana Ruiz, Ben Okafor", "—"]
    thumbnail = re.search(r'<img class="list-thumbnail" src="([^"]+)" alt=""', html)
    assert thumbnail and thumbnail[1] == post.image_card.url
    assert '<span class="state state-published">published</span>' in html
    assert '<span class="state state-draft">draft</span>' in html
    assert 'class="sortable column-publish_date' in html
    # The title is the link to the form, not the thumbnail.
    assert re.search(r'<th class="field-title"><a href="/admin/blog/post/\d+/change/', html)


@pytest.mark.parametrize("state", ["scheduled", "draft", "published", "private"])
def test_the_status_filter_lists_each_state(editor_client, state):
    posts = one_of_each_state(PostFactory)

    response = editor_client.get(POSTS_URL, {"status": state})

    assert listed(response) == [posts[state]]


def test_the_status_filter_offers_the_four_states(editor_client):
    html = editor_client.get(POSTS_URL).content.decode()

    offered = re.findall(r'<a href="\?status=(\w+)"', html)
    assert offered == ["scheduled", "draft", "published", "private"]


def test_the_status_filter_ignores_an_unknown_state(editor_client):
    posts = one_of_each_state(PostFactory)

    response = editor_client.get(POSTS_URL, {"status": "lost"})

    assert response.status_code == 200
    assert set(listed(response)) == set(posts.values())


# ---------------------------------------------------------------- the other lists


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        ("/admin/wiki/resource/", ResourceFactory),
        ("/admin/wiki/page/", PageFactory),
        ("/admin/policy/policyentry/", PolicyEntryFactory),
        ("/admin/blog/sitepage/", site_page),
    ],
    ids=["resources", "wiki pages", "policy entries", "site pages"],
)
def test_every_writing_list_has_status_labels_the_filter_and_dates(admin_client, url, factory):
    made = one_of_each_state(lambda **fields: factory(title=next(TITLES), **fields))

    everything = admin_client.get(url)
    scheduled = admin_client.get(url, {"status": "scheduled"})

    html = everything.content.decode()
    for state in made:
        assert f'<span class="state state-{state}">{state}</span>' in html
    assert listed(scheduled) == [made["scheduled"]]
    published_on = timezone.localtime(made["published"].publish_at)
    assert f"{published_on:%b} {published_on.day}, {published_on:%Y}" in cells(
        everything, "publish_date"
    )


def test_policy_entries_list_the_identifier_before_the_title(admin_client):
    PolicyEntryFactory(identifier="SB 143", title="Competency credit", year=2019)

    response = admin_client.get("/admin/policy/policyentry/")

    assert cells(response, "entry") == ["SB 143 Competency credit"]
    assert cells(response, "kind_and_year") == ["Statute2019"]
    assert cells(response, "bill_status") == ["In effect"]


# ---------------------------------------------------------------- a fixed number of queries


def posts(count):
    series = SeriesFactory()
    authors = [AuthorFactory(), AuthorFactory()]
    for n in range(count):
        PostFactory(authors=authors, tags=["grading", f"tag{n}"], series=series, series_part=n + 1)


def resources(count):
    topic = TopicFactory()
    for _ in range(count):
        ResourceFactory(topics=[topic])


def wiki_pages(count):
    for _ in range(count):
        PageFactory(title=next(TITLES))


def entries(count):
    for _ in range(count):
        PolicyEntryFactory(topics=["seat-time"], tags=["credit"])


def site_pages(count):
    for _ in range(count):
        site_page(title=next(TITLES))


@pytest.mark.parametrize(
    ("url", "make"),
    [
        (POSTS_URL, posts),
        ("/admin/wiki/resource/", resources),
        ("/admin/wiki/page/", wiki_pages),
        ("/admin/policy/policyentry/", entries),
        ("/admin/blog/sitepage/", site_pages),
    ],
    ids=["posts", "resources", "wiki pages", "policy entries", "site pages"],
)
def test_lists_take_as_many_queries_for_40_rows_as_for_10(
    admin_client, django_assert_max_num_queries, url, make
):
    make(10)
    admin_client.get(url)  # sessions and content types settle on the first visit
    with CaptureQueriesContext(connection) as ten:
        assert len(listed(admin_client.get(url))) == 10

    make(30)
    with django_assert_max_num_queries(len(ten)):
        assert len(listed(admin_client.get(url))) == 40
