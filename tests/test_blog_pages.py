"""The reader's blog: lists, filters, archives, detail, series, cross-posts, print, redirects."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from blog.models import Post, Section
from competencyworks.publishing import Status
from tests.factories import AuthorFactory, PostFactory, SeriesFactory, committed

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=12):
    return timezone.make_aware(datetime(year, month, day, hour))


@pytest.fixture
def higher_ed():
    return Section.objects.get(slug="higher-education")


def test_home_shows_latest_posts_per_section(client, higher_ed):
    PostFactory(title="Schools post")
    PostFactory(title="College post", section=higher_ed)
    response = client.get("/")
    sections = {
        section.slug: [p.title for p in posts] for section, posts in response.context["sections"]
    }
    assert sections == {"k-12": ["Schools post"], "higher-education": ["College post"]}


def test_home_limits_each_section(client):
    PostFactory.create_batch(7)
    ((_, posts),) = client.get("/").context["sections"]
    assert len(posts) == 4


def test_blog_list_is_paginated_newest_first(client):
    PostFactory.create_batch(12)
    first = client.get("/blog/")
    assert len(first.context["posts"]) == 10
    dates = [post.publish_at for post in first.context["posts"]]
    assert dates == sorted(dates, reverse=True)
    second = client.get("/blog/?page=2")
    assert len(second.context["posts"]) == 2
    assert 'rel="next"' in first.content.decode()


def test_pagination_keeps_the_filters(client):
    PostFactory.create_batch(12, tags=["equity"])
    content = client.get("/blog/?tag=equity").content.decode()
    assert "?tag=equity&amp;page=2" in content


def test_readers_narrow_the_list_one_tag_at_a_time(client):
    PostFactory(title="Both", tags=["equity", "pilots", "rural"])
    PostFactory(title="Equity only", tags=["equity"])
    PostFactory(title="Pilots only", tags=["pilots"])
    page = client.get("/blog/?section=&tag=equity")
    links = {link["name"]: link for link in page.context["narrowing_tags"]}
    assert set(links) == {"pilots", "rural"}  # tags of the posts shown, less the chosen one
    assert links["pilots"]["url"] == "?section=&tag=equity&tag=pilots"
    narrowed = client.get("/blog/" + links["pilots"]["url"])
    assert [post.title for post in narrowed.context["posts"]] == ["Both"]
    content = narrowed.content.decode()
    for slug in ("equity", "pilots"):  # each chosen tag is a ticked box that can be unticked
        assert f'<input type="checkbox" name="tag" value="{slug}" checked>' in content
    assert "Narrow by tag" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("section=higher-education", {"College"}),
        ("tag=equity", {"Schools", "College"}),
        ("tag=equity&tag=pilots", {"College"}),
        ("tag=Equity&tag=+PILOTS+", {"College"}),  # names work as well as slugs
        ("tag=equity&tag=pilots&match=any", {"Schools", "College"}),
        ("author=ada", {"Schools"}),
        ("series=grading", {"College"}),
        ("year=2019", {"Old"}),
        ("section=no-such-section", set()),
        ("year=not-a-year", set()),
        ("author=%3Cscript%3E", set()),
    ],
)
def test_blog_list_filters(client, higher_ed, query, expected):
    ada = AuthorFactory(name="Ada", slug="ada")
    PostFactory(title="Schools", tags=["equity"], authors=[ada])
    PostFactory(
        title="College", section=higher_ed, tags=["equity", "pilots"],
        series=SeriesFactory(slug="grading"), series_part=1,
    )  # fmt: skip
    PostFactory(title="Old", publish_at=at(2019, 5, 1))
    response = client.get(f"/blog/?{query}")
    assert response.status_code == 200
    assert {post.title for post in response.context["posts"]} == expected


@pytest.mark.parametrize(
    "url",
    [
        "/blog/?page=abc",
        "/blog/?page=99",
        "/blog/2019/13/",
        "/blog/1900/",
        "/blog/section/nope/",
        "/blog/tag/nope/",
        "/blog/author/nope/",
        "/blog/series/nope/",
        "/blog/2019/05/01/nope/",
        "/blog/section/nope/feed/",
    ],
)
def test_bad_addresses_are_404_not_errors(client, url):
    PostFactory(publish_at=at(2019, 5, 1))
    assert client.get(url).status_code == 404


def test_year_and_month_archives(client):
    PostFactory(title="May post", publish_at=at(2019, 5, 3))
    PostFactory(title="June post", publish_at=at(2019, 6, 3))
    PostFactory(title="Draft in May", draft=True)
    year = client.get("/blog/2019/")
    assert {p.title for p in year.context["posts"]} == {"May post", "June post"}
    assert [d.month for d in year.context["date_list"]] == [5, 6]
    month = client.get("/blog/2019/05/")
    assert [p.title for p in month.context["posts"]] == ["May post"]
    assert month.context["next_month"].month == 6


def test_detail_shows_authors_in_byline_order_and_tags(client):
    first, second = AuthorFactory(name="Zed Writer"), AuthorFactory(name="Amy Writer")
    post = PostFactory(authors=[first, second], tags=["assessment"])
    content = client.get(post.get_absolute_url()).content.decode()
    assert content.index("Zed Writer") < content.index("Amy Writer")
    assert 'href="/blog/tag/assessment/"' in content


def test_detail_address_uses_the_local_publication_date(client):
    post = PostFactory(title="Dated", publish_at=at(2016, 3, 9))
    assert post.get_absolute_url() == "/blog/2016/03/09/dated/"
    assert client.get("/blog/2016/03/09/dated/").status_code == 200


def test_wrong_date_in_address_redirects_to_the_real_one(client):
    PostFactory(title="Dated", publish_at=at(2016, 3, 9))
    response = client.get("/blog/2017/01/01/dated/")
    assert response.status_code == 301
    assert response["Location"] == "/blog/2016/03/09/dated/"


def test_changed_slug_keeps_old_address_working(client):
    post = PostFactory(title="First title", publish_at=at(2016, 3, 9))
    old_url = post.get_absolute_url()
    post.slug = "better-title"
    post.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/blog/2016/03/09/better-title/"
    post.slug = "best-title"
    post.save()
    # The first address skips the middle one: no redirect chains.
    assert client.get(old_url)["Location"] == "/blog/2016/03/09/best-title/"
    assert (
        client.get("/blog/2016/03/09/better-title/")["Location"] == "/blog/2016/03/09/best-title/"
    )


def test_moving_back_to_an_old_slug_serves_it_again(client):
    post = PostFactory(title="Alpha", publish_at=at(2016, 3, 9))
    post.slug = "beta"
    post.save()
    post.slug = "alpha"
    post.save()
    assert client.get("/blog/2016/03/09/alpha/").status_code == 200
    assert client.get("/blog/2016/03/09/beta/")["Location"] == "/blog/2016/03/09/alpha/"


def test_renaming_a_draft_leaves_no_redirect(client):
    post = PostFactory(title="Draft title", draft=True)
    old_url = post.get_absolute_url()
    post.slug = "renamed"
    post.save()
    assert client.get(old_url).status_code == 404


def test_slugs_are_unique_for_recurring_titles():
    first = PostFactory(title="Weekly roundup", publish_at=at(2016, 3, 1))
    second = PostFactory(title="Weekly roundup", publish_at=at(2016, 3, 8))
    assert (first.slug, second.slug) == ("weekly-roundup", "weekly-roundup-2")


def test_series_box_shows_part_of_total_with_previous_and_next(client):
    series = SeriesFactory(title="Grading reform", slug="grading", planned_parts=3)
    one = PostFactory(title="One", series=series, series_part=1, publish_at=at(2016, 1, 1))
    two = PostFactory(title="Two", series=series, series_part=2, publish_at=at(2016, 1, 8))
    three = PostFactory(title="Three", series=series, series_part=3, publish_at=at(2016, 1, 15))
    response = client.get(two.get_absolute_url())
    content = response.content.decode()
    assert "Part 2 of 3" in content
    assert f'href="{one.get_absolute_url()}" rel="prev"' in content
    assert f'href="{three.get_absolute_url()}" rel="next"' in content
    series_page = client.get("/blog/series/grading/")
    assert [p.title for p in series_page.context["posts"]] == ["One", "Two", "Three"]


def test_series_total_counts_published_parts_when_not_planned(client):
    series = SeriesFactory(planned_parts=None)
    PostFactory(series=series, series_part=1)
    second = PostFactory(series=series, series_part=2)
    assert "Part 2 of 2" in client.get(second.get_absolute_url()).content.decode()


def test_series_total_is_never_below_the_highest_part_number(client):
    series = SeriesFactory(planned_parts=3)
    PostFactory(series=series, series_part=1)
    fifth = PostFactory(series=series, series_part=5)  # parts 2 to 4 not out yet
    assert "Part 5 of 5" in client.get(fifth.get_absolute_url()).content.decode()


def test_crosspost_notice_and_canonical_point_at_the_origin(client):
    post = PostFactory(
        crosspost_publisher="The Learning Review",
        crosspost_url="https://example.org/original",
        crosspost_date=at(2015, 4, 2).date(),
    )
    content = client.get(post.get_absolute_url()).content.decode()
    assert (
        'This post originally appeared at\n    <a href="https://example.org/original">'
        "The Learning Review</a> on April 2, 2015." in content
    )
    assert '<link rel="canonical" href="https://example.org/original">' in content


def test_own_post_is_its_own_canonical(client):
    post = PostFactory()
    content = client.get(post.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="http://testserver{post.get_absolute_url()}">' in content


def test_related_posts_share_tags_most_shared_first(client):
    post = PostFactory(tags=["a", "b", "c"])
    PostFactory(title="Shares one", tags=["a"])
    PostFactory(title="Shares two", tags=["a", "b"])
    PostFactory(title="Shares none", tags=["z"])
    PostFactory(title="Draft sharing three", draft=True, tags=["a", "b", "c"])
    related = client.get(post.get_absolute_url()).context["related_posts"]
    assert [p.title for p in related] == ["Shares two", "Shares one"]


def test_meta_description_and_open_graph(client):
    post = PostFactory(title="Open graph post", excerpt="A short summary for sharing.")
    content = client.get(post.get_absolute_url()).content.decode()
    assert '<meta name="description" content="A short summary for sharing.">' in content
    assert '<meta property="og:title" content="Open graph post">' in content
    assert '<meta property="og:type" content="article">' in content


def test_excerpt_is_derived_from_the_body_when_empty():
    post = PostFactory(body="<p>" + "learning " * 80 + "</p>", excerpt="")
    assert post.summary.startswith("learning learning")
    assert post.summary.endswith("…")
    post.excerpt = "Written by the editor."
    post.save()
    assert post.summary == "Written by the editor."


def test_print_view(client):
    post = PostFactory(title="Printable", body="<p>Body text</p>")
    response = client.get(post.get_absolute_url() + "print/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Body text" in content and 'name="robots" content="noindex"' in content
    assert "site-header" not in content


def test_excerpt_only_posts_say_so(client):
    post = PostFactory(excerpt_only=True)
    assert "holds only the opening" in client.get(post.get_absolute_url()).content.decode()


def test_author_page_lists_their_posts_and_bio(client):
    ada = AuthorFactory(name="Ada", slug="ada", bio="Teaches maths.")
    PostFactory(title="By Ada", authors=[ada])
    PostFactory(title="By someone else")
    response = client.get("/blog/author/ada/")
    assert [p.title for p in response.context["posts"]] == ["By Ada"]
    assert "Teaches maths." in response.content.decode()


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_every_page_has_landmarks_and_a_skip_link(client):
    post = PostFactory()
    for url in ["/", "/blog/", post.get_absolute_url()]:
        content = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in content
        assert '<main id="main"' in content and 'role="banner"' in content
        assert 'aria-label="Main"' in content


def test_unpublish_hides_a_post_again(client):
    post = PostFactory()
    post.status = Status.DRAFT
    post.save()
    assert client.get(post.get_absolute_url()).status_code == 404
    assert not Post.objects.published().exists()


def test_seconds_before_publication_it_is_scheduled(client):
    post = PostFactory(publish_at=timezone.now() + timedelta(seconds=30))
    assert post.visibility == "scheduled"
    assert list(client.get("/blog/").context["posts"]) == []


def test_featured_image_renditions_on_list_detail_and_open_graph(client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.conftest import image_bytes

    post = PostFactory(
        image=SimpleUploadedFile("class.png", image_bytes((1600, 1000)), "image/png"),
        image_alt="Students at a whiteboard",
        image_caption="Planning a project",
        image_credit="Photo: the school",
    )
    post.refresh_from_db()
    assert (post.image_width, post.image_height) == (1600, 1000)
    with Image.open(post.image_card.path) as card, Image.open(post.image_social.path) as social:
        assert card.size == (640, 360) and social.size == (1200, 630)
    with Image.open(post.image_large.path) as large:
        assert large.size == (1280, 800)
    listing = client.get("/blog/").content.decode()
    assert f'src="{post.image_card.url}" alt="Students at a whiteboard"' in listing
    detail = client.get(post.get_absolute_url()).content.decode()
    assert f'src="{post.image_large.url}" alt="Students at a whiteboard"' in detail
    assert "Planning a project" in detail and "Photo: the school" in detail
    assert (
        f'<meta property="og:image" content="http://testserver{post.image_social.url}">' in detail
    )


@pytest.mark.parametrize(
    "query",
    [
        "tag=%00",
        "tag=" + "x" * 5000,
        "tag=a&tag=b&tag=c&tag=d&tag=e&tag=f&tag=g",
        "section=%00",
        "series=%00",
        "author=%3Cscript%3E",
        "year=99999999999999999999",
        "year=1e400",
        "year=-5",
        "page=-1",
        "page=0",
        "page=%00",
        "page=99999999999999999999999",
        "q=%ff%fe",
    ],
)
def test_hostile_query_strings_never_cause_a_server_error(client, query):
    PostFactory(tags=["a"])
    response = client.get(f"/blog/?{query}")
    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/blog/tag/%00/",
        "/blog/2019/05/01/slug%00/",
        "/blog/author/%E2%80%AE/",
        "/blog/section/k-12/?page=%00",
        "/blog/tag/a/feed/?x=%00",
    ],
)
def test_hostile_paths_never_cause_a_server_error(client, url):
    PostFactory(tags=["a"])
    assert client.get(url).status_code in (200, 301, 400, 404)


def test_nul_bytes_in_the_address_are_a_clear_400(client):
    response = client.get("/blog/tag/%00/")
    assert response.status_code == 400
    assert b"NUL character" in response.content


def test_not_found_page_uses_the_site_design(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'href="/blog/"' in response.content.decode()


def test_pinned_posts_head_the_unfiltered_front_page_only(client):
    PostFactory.create_batch(12)  # two pages
    PostFactory(title="Pinned notice", pinned=True, publish_at=at(2015, 1, 1))
    PostFactory(title="Pinned draft", pinned=True, draft=True)
    front = client.get("/blog/")
    assert [p.title for p in front.context["pinned_posts"]] == ["Pinned notice"]
    assert front.content.decode().index("Pinned notice") < front.content.decode().index("Latest")
    filtered = client.get("/blog/?section=k-12")
    assert not filtered.context["pinned_posts"] and "pinned-title" not in filtered.text
    assert not client.get("/blog/?page=2").context["pinned_posts"]


def test_lists_and_posts_remembered_for_the_content_show_the_next_change(client, settings):
    """With what pages repeat remembered per content version, as in production, a newly
    published post reaches the list, its tag filter and tag page, and older posts' related posts."""
    settings.FRAGMENT_CACHE = True
    older = PostFactory(title="Grading for learning", tags=["grading"])
    with committed():
        PostFactory(title="Advisory time", tags=["advisory"])
    pages = ["/", "/blog/", "/blog/?tag=grading", "/blog/tag/grading/", older.get_absolute_url()]
    for page in pages:
        assert "Rubrics that students write" not in client.get(page).content.decode()
        client.get(page)  # the second reading is the remembered one

    with committed():
        PostFactory(title="Rubrics that students write", tags=["grading"])

    for page in pages:
        assert "Rubrics that students write" in client.get(page).content.decode(), page


def test_a_remembered_post_shows_its_edits_and_goes_when_unpublished(client, settings):
    """A published post is read once per content version: an edit or an unpublishing is
    seen on the next request, and the print page shares the remembered post."""
    settings.FRAGMENT_CACHE = True
    with committed():
        post = PostFactory(title="Exit tickets", body="<p>First draft of the idea.</p>")
    for _ in range(2):
        assert "First draft of the idea" in client.get(post.get_absolute_url()).text
    assert "Exit tickets" in client.get(post.get_absolute_url() + "print/").text

    with committed():
        post.body = "<p>Revised after a term of use.</p>"
        post.save()
    page = client.get(post.get_absolute_url()).text
    assert "Revised after a term of use" in page and "First draft" not in page

    with committed():
        post.status = Status.DRAFT
        post.save()
    assert client.get(post.get_absolute_url()).status_code == 404


def test_staff_see_their_draft_beside_readers_remembered_post(editor_client, settings):
    settings.FRAGMENT_CACHE = True
    reader = Client()
    with committed():
        post = PostFactory(title="Mastery transcripts")
    assert reader.get(post.get_absolute_url()).status_code == 200
    assert "Preview: this post is" not in editor_client.get(post.get_absolute_url()).text
    with committed():
        post.status = Status.DRAFT
        post.save()
    assert reader.get(post.get_absolute_url()).status_code == 404
    assert "Preview: this post is" in editor_client.get(post.get_absolute_url()).text
