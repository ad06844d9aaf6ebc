"""Draft, scheduled and private posts never reach readers; published ones reach every surface."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AuthorFactory, PostFactory, SeriesFactory

pytestmark = pytest.mark.django_db

PUBLIC_LISTS = [
    "/",
    "/blog/",
    "/blog/section/k-12/",
    "/blog/tag/policy/",
    "/blog/tags/",
    "/blog/series/",
    "/feed/",
    "/feed/atom/",
    "/blog/section/k-12/feed/",
    "/blog/tag/policy/feed/atom/",
    "/sitemap-posts.xml",
]


@pytest.fixture
def posts():
    author = AuthorFactory(name="Ada Lovelace", slug="ada")
    series = SeriesFactory(title="Grading reform", slug="grading")
    return {
        "public": PostFactory(
            title="Visible post", tags=["policy"], authors=[author], series=series, series_part=1
        ),
        "draft": PostFactory(
            draft=True, title="Secret draft", tags=["policy"], authors=[author], series=series,
            series_part=2,
        ),
        "scheduled": PostFactory(
            scheduled=True, title="Future post", tags=["policy"], authors=[author],
            series=series, series_part=3,
        ),
        "private": PostFactory(
            status="private", title="Staff memo", tags=["policy"], authors=[author],
            series=series, series_part=4,
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [*PUBLIC_LISTS, "/blog/author/ada/", "/blog/series/grading/", "/search/?q=post+memo+draft",
     "/search/feed/?q=post+memo+draft", "/blog/tag/policy/"],
)  # fmt: skip
def test_only_published_posts_are_listed(client, posts, url):
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Secret draft" not in content
    assert "Future post" not in content
    assert "Staff memo" not in content
    assert "secret-draft" not in content and "future-post" not in content
    assert "staff-memo" not in content


def test_published_post_appears_everywhere(client, posts):
    for url in ["/", "/blog/", "/blog/author/ada/", "/blog/series/grading/", "/feed/"]:
        assert "Visible post" in client.get(url).content.decode(), url


def test_draft_scheduled_and_private_details_are_404_for_readers(client, posts):
    assert client.get(posts["public"].get_absolute_url()).status_code == 200
    for hidden in ("draft", "scheduled", "private"):
        assert client.get(posts[hidden].get_absolute_url()).status_code == 404, hidden
        assert client.get(posts[hidden].get_absolute_url() + "print/").status_code == 404


def test_tag_counts_only_count_published_posts(client, posts):
    response = client.get("/blog/tags/")
    assert [(tag.slug, tag.uses) for tag in response.context["tags"]] == [("policy", 1)]


def test_tag_with_only_drafts_has_no_page(client):
    PostFactory(draft=True, tags=["hidden-topic"])
    assert client.get("/blog/tag/hidden-topic/").status_code == 404
    assert client.get("/blog/tag/hidden-topic/feed/").status_code == 404


def test_series_counts_and_box_ignore_unpublished_parts(client, posts):
    response = client.get(posts["public"].get_absolute_url())
    box = response.context["series_box"]
    assert [part.title for part in box.parts] == ["Visible post"]
    series = client.get("/blog/series/").context["series_list"][0]
    assert series.part_count == 1


def test_staff_with_change_permission_can_preview_a_draft(editor_client, posts):
    response = editor_client.get(posts["draft"].get_absolute_url())
    assert response.status_code == 200
    assert "Preview: this post is <strong>draft</strong>" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_staff_can_read_a_private_post_and_are_told_it_is_private(editor_client, posts):
    response = editor_client.get(posts["private"].get_absolute_url())
    assert response.status_code == 200
    assert "this post is <strong>private</strong> and readers cannot see it." in (
        response.content.decode()
    )
    assert "private" in response["Cache-Control"]


def test_staff_preview_of_scheduled_post_says_when(editor_client, posts):
    response = editor_client.get(posts["scheduled"].get_absolute_url())
    assert response.status_code == 200
    assert "<strong>scheduled</strong> for" in response.content.decode()


def test_staff_without_change_permission_cannot_preview(client, posts):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    assert client.get(posts["draft"].get_absolute_url()).status_code == 404


def test_public_post_is_not_marked_never_cache(client, posts):
    response = client.get(posts["public"].get_absolute_url())
    assert "no-cache" not in response.get("Cache-Control", "")


def test_scheduled_post_goes_live_when_its_time_comes(client, posts):
    from datetime import timedelta

    from django.utils import timezone

    post = posts["scheduled"]
    post.publish_at = timezone.now() - timedelta(minutes=1)
    post.save()
    assert client.get(post.get_absolute_url()).status_code == 200
    assert "Future post" in client.get("/feed/").content.decode()


def test_sitemap_lists_exactly_the_published_posts(client, posts):
    response = client.get(reverse("sitemap-section", args=["posts"]))
    root = ET.fromstring(response.content)
    locations = [el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locations == [f"http://testserver{posts['public'].get_absolute_url()}"]


def test_posts_with_one_title_get_numbered_slugs_looked_up_exactly_while_few():
    slugs = [PostFactory(title="Grading for learning").slug for _ in range(12)]
    assert slugs == ["grading-for-learning", *(f"grading-for-learning-{n}" for n in range(2, 13))]
    # Up to nine namesakes are looked up by their exact slugs; only a tenth reads every slug
    # that starts like the title (on SQLite a LIKE, which reads the whole table).
    for title, prefix_reads in (
        ("Grading for learning in rural districts", 0),
        ("Grading for learning", 1),
    ):
        with CaptureQueriesContext(connection) as queries:
            PostFactory(title=title)
        slug_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "blog_post"."slug"')]
        assert len([sql for sql in slug_reads if "LIKE" in sql]) == prefix_reads, slug_reads
