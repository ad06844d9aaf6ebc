"""Text that used to break pages and feeds: tags with non-English names or no letters at all,
control characters pasted from Word or written around save(), and markup in summaries that
feed readers would have run. Every check goes through the site's URLs, the admin or the
import commands, and every feed is parsed as a feed reader would parse it."""

import importlib
import io
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from defusedxml import ElementTree
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog.models import Author, Post, Series
from competencyworks.converters import ROUTABLE
from competencyworks.publishing import Status
from policy.models import Event, PolicyEntry, State
from tests.factories import AuthorFactory, PostFactory, ResourceFactory, SeriesFactory, committed
from tests.payloads import PAYLOAD, assert_inert
from tests.test_blog_admin import post_change_url, post_form_data
from wiki.models import Resource

pytestmark = pytest.mark.django_db

WXR = Path(__file__).parent / "fixtures" / "wxr" / "unicode-tags.xml"
ATOM = "{http://www.w3.org/2005/Atom}"
READABLE = {"educación": "educación", "Te Reo Māori": "te-reo-māori", "日本語": "日本語"}
NO_LETTERS = ["!!!", "🎉"]
CONTROL = "\x0b"  # Word's line break inside a paragraph


def parse_feed(response):
    assert response.status_code == 200, response.request["PATH_INFO"]
    return ElementTree.fromstring(response.content)


def feed_items(root):
    """(title, description) of each RSS item or Atom entry."""
    if root.tag == "rss":
        return [(i.findtext("title"), i.findtext("description")) for i in root.iter("item")]
    return [
        (e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}summary"))
        for e in root.iter(f"{ATOM}entry")
    ]


def assert_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_tag_works_on_blog(client, post, tag):
    """Every blog page and feed that shows `tag` answers, and its links lead somewhere."""
    assert tag.slug and ROUTABLE.fullmatch(tag.slug)
    year = timezone.localdate(post.publish_at).year
    for url in [
        "/blog/", "/blog/tags/", post.section.get_absolute_url(),
        reverse("blog:year", args=[year]), "/search/?q=mastery",
    ]:  # fmt: skip
        assert_ok(client, url)
    for url in ["/feed/", "/feed/atom/", "/blog/feed/", "/blog/feed/atom/"]:
        parse_feed(client.get(url))
    detail = assert_ok(client, post.get_absolute_url())
    tag_url = reverse("tag", args=[tag.slug])
    assert f'href="{tag_url}"' in detail
    assert post.title in assert_ok(client, tag_url)
    for name in ("blog:tag-feed", "blog:tag-feed-atom"):
        titles = [
            title for title, _ in feed_items(parse_feed(client.get(reverse(name, args=[tag.slug]))))
        ]
        assert titles == [post.title]
    assert_tag_works_across_the_site(client, post, tag)
    # Filtering the blog list by the tag, by slug or by name, finds the post.
    assert post.title in assert_ok(client, f"/blog/?tag={tag.slug}")
    assert post.title in assert_ok(client, f"/blog/?tag={tag.name}")


def assert_tag_works_across_the_site(client, item, tag):
    """The tag cloud links to the tag's page, which lists `item`; search narrows by it."""
    link = f'href="{item.get_absolute_url()}"'
    site_tag_url = reverse("tag", args=[tag.slug])
    assert f'href="{site_tag_url}"' in assert_ok(client, "/blog/tags/")
    assert link in assert_ok(client, site_tag_url)
    assert link in assert_ok(client, f"/search/?q=mastery&tag={tag.slug}")


# --------------------------------------------------------------------- tags: unicode, empty


@pytest.mark.parametrize("name", [*READABLE, *NO_LETTERS])
def test_a_tag_of_any_name_works_on_every_page(client, name):
    post = PostFactory(title="Mastery in practice", tags=[name])
    tag = Tag.objects.get(name=name)
    if name in READABLE:
        assert tag.slug == READABLE[name]
    assert_tag_works_on_blog(client, post, tag)


def test_tags_without_letters_get_distinct_stable_slugs():
    first = Tag.objects.create(name="!!!")
    second = Tag.objects.create(name="???", slug="")
    third = PostFactory(tags=["🎉"]).tags.get()
    slugs = {first.slug, second.slug, third.slug}
    assert len(slugs) == 3 and all(slug.startswith("tag-") for slug in slugs)
    Tag.objects.all().delete()
    assert Tag.objects.create(name="!!!").slug == first.slug


def test_a_slug_no_url_can_route_is_replaced_on_save():
    tag = Tag.objects.create(name="Family engagement", slug="family engagement/2")
    assert tag.slug == "family-engagement"


def test_tags_typed_in_the_admin_tag_box_work_on_every_page(editor_client):
    post = PostFactory(title="Mastery in practice")
    data = post_form_data(
        post.section, title=post.title, slug=post.slug, status=Status.PUBLISHED,
        tags="Ngā Tamariki, ⭐⭐, ¿?",
    )  # fmt: skip
    with committed():
        response = editor_client.post(post_change_url(post), data)
    assert response.status_code == 302
    post.refresh_from_db()
    tags = list(post.tags.all())
    assert {tag.name for tag in tags} == {"Ngā Tamariki", "⭐⭐", "¿?"}
    reader = Client()
    for tag in tags:
        assert_tag_works_on_blog(reader, post, tag)


def test_tags_and_categories_from_a_wordpress_export_work_on_every_page(client):
    with committed():
        call_command("import_archive", str(WXR), stdout=io.StringIO(), stderr=io.StringIO())
    post = Post.objects.get(title="Mastery across languages")
    tags = {tag.name: tag for tag in post.tags.all()}
    assert set(tags) == {"Educación", "日本語", "Te Reo Māori", "!!!", "🎉"}
    assert tags["Educación"].slug == "educación"
    for tag in tags.values():
        assert_tag_works_on_blog(client, post, tag)


def test_tags_from_a_policy_spreadsheet_work_on_every_page(client, tmp_path):
    path = tmp_path / "entries.csv"
    path.write_text(
        "state,title,kind,year,status,summary,tags\n"
        'ID,Mastery-based education,statute,2015,in effect,"Credit for mastery.",'
        "Educación;日本語;!!!;🎉\n",
        encoding="utf-8",
    )
    with committed():
        call_command("import_policies", str(path), stdout=io.StringIO())
    entry = PolicyEntry.objects.get()
    assert len(entry.tags.all()) == 4
    for tag in entry.tags.all():
        assert tag.slug and ROUTABLE.fullmatch(tag.slug)
        assert_tag_works_across_the_site(client, entry, tag)
        assert "Mastery-based education" in assert_ok(client, f"/policy/?tag={tag.slug}")
    assert_ok(client, entry.get_absolute_url())
    parse_feed(client.get("/policy/feed/"))


def test_wiki_library_filters_by_a_unicode_tag(client):
    ResourceFactory(title="Guía de evaluación", tags=["Evaluación"])
    ResourceFactory(title="Unrelated report")
    page = assert_ok(client, "/library/?tag=evaluación")
    assert "Guía de evaluación" in page and "Unrelated report" not in page
    assert 'href="/library/?tag=evaluación"' in assert_ok(client, "/library/")


def test_migration_repairs_tags_no_url_could_route(client):
    post = PostFactory(title="Mastery in practice", tags=["!!!", "Educación", "Grading"])
    Tag.objects.filter(name="!!!").update(slug="")
    Tag.objects.filter(name="Educación").update(slug="educación?")
    Tag.objects.filter(name="Grading").update(slug="grading")
    migration = importlib.import_module("competencyworks.migrations.0005_routable_tag_slugs")
    migration.repair_tag_slugs(apps, None)
    slugs = dict(Tag.objects.values_list("name", "slug"))
    assert slugs["Educación"] == "educación" and slugs["Grading"] == "grading"
    assert slugs["!!!"].startswith("tag-")
    for tag in post.tags.all():
        assert_tag_works_on_blog(client, post, tag)


# ------------------------------------------------------------------- control characters


def test_control_characters_typed_in_the_admin_are_stripped_on_save(editor_client):
    post = PostFactory(title="Mastery in practice")
    data = post_form_data(
        post.section, title=f"Report{CONTROL}cards", slug=post.slug, status=Status.PUBLISHED,
        excerpt=f"One line{CONTROL}and the next", tags=f"Word{CONTROL}paste",
        body=f"<p>First{CONTROL}second</p>",
    )  # fmt: skip
    assert editor_client.post(post_change_url(post), data).status_code == 302
    post.refresh_from_db()
    stored = [post.title, post.excerpt, post.summary, post.body, *post.tags.names()]
    assert not any(CONTROL in text for text in stored)
    assert post.title == "Report cards"
    reader = Client()
    assert feed_items(parse_feed(reader.get("/feed/"))) == [
        ("Report cards", "One line and the next")
    ]
    tag = post.tags.get()
    parse_feed(reader.get(reverse("blog:tag-feed", args=[tag.slug])))


def test_every_text_field_of_every_model_is_cleaned_on_save(client):
    author = AuthorFactory(name=f"Ada{CONTROL}Lovelace")
    series = SeriesFactory(title=f"Grading{CONTROL}series", description=f"a{CONTROL}b")
    resource = ResourceFactory(title=f"Tool{CONTROL}kit", summary="x\x00y\x1fz\ufffe")
    tag = Tag.objects.create(name=f"Word{CONTROL}tag")
    assert author.name == "Ada Lovelace" and series.title == "Grading series"
    assert series.description == "a b" and tag.name == "Word tag"
    resource.refresh_from_db()
    assert (resource.title, resource.summary) == ("Tool kit", "x y z ")


@pytest.fixture
def site_with_controls():
    """One published item of every kind a feed shows, then control characters written straight
    into the database, around save(), as a bulk update or a raw SQL fix would."""
    author = AuthorFactory(slug="ada")
    series = SeriesFactory(slug="grading")
    post = PostFactory(
        title="Mastery in practice", tags=["grading"], authors=[author], series=series,
        series_part=1,
    )  # fmt: skip
    resource = ResourceFactory(title="Mastery toolkit")
    entry = PolicyEntry.objects.create(
        state=State.objects.get(code="ID"), title="Mastery-based education", kind="statute",
        year=2015, policy_status="in_effect", summary="Credit for mastery.",
        status=Status.PUBLISHED,
    )  # fmt: skip
    event = Event.objects.create(entry=entry, date=date(2015, 3, 19), description="Signed")
    bad = f"Mastery{CONTROL}in\x01practice\x1b"
    Post.objects.filter(pk=post.pk).update(title=bad, summary=bad, excerpt=bad)
    Author.objects.filter(pk=author.pk).update(name=bad)
    Series.objects.filter(pk=series.pk).update(title=bad)
    Tag.objects.filter(slug="grading").update(name=bad)
    Resource.objects.filter(pk=resource.pk).update(title=bad, summary=bad)
    PolicyEntry.objects.filter(pk=entry.pk).update(title=bad, summary=bad)
    Event.objects.filter(pk=event.pk).update(description=bad)
    # The search index holds copies of the titles and summaries.
    apps.get_model("competencyworks", "SearchDocument").objects.update(title=bad, summary=bad)


FEEDS = [
    "/feed/", "/blog/feed/", "/blog/section/k-12/feed/", "/blog/tag/grading/feed/",
    "/blog/author/ada/feed/", "/blog/series/grading/feed/", "/library/feed/", "/policy/feed/",
]  # fmt: skip


@pytest.mark.parametrize(
    "url", [*FEEDS, *(url + "atom/" for url in FEEDS), f"/search/feed/?q=mastery{CONTROL}"]
)
def test_feeds_answer_with_valid_xml_whatever_the_database_holds(client, site_with_controls, url):
    items = feed_items(parse_feed(client.get(url)))
    assert items
    for title, description in items:
        assert title.startswith(("Mastery in practice", "Idaho: Mastery in practice"))
        assert CONTROL not in title and CONTROL not in (description or "")


def test_control_characters_in_a_text_archive_are_stripped_on_import(client, tmp_path):
    listing = Path(__file__).parent / "fixtures" / "text" / "listing-2018.txt"
    text = listing.read_text(encoding="utf-8")
    title = "Notes From a Rural District Visit"
    path = tmp_path / "listing.txt"
    # Not a vertical tab here: the importer reads one as a line break.
    path.write_text(text.replace(title, "Notes From a Rural\x07District Visit"), "utf-8")
    call_command("import_archive", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    post = Post.objects.get(title="Notes From a Rural District Visit")
    assert CONTROL not in post.body + post.summary
    titles = [title for title, _ in feed_items(parse_feed(client.get("/feed/")))]
    assert "Notes From a Rural District Visit" in titles
    output = io.StringIO()
    call_command("import_archive", str(path), stdout=output, stderr=io.StringIO())
    assert "created: 0, updated: 0" in output.getvalue()


def test_control_characters_in_a_policy_spreadsheet_are_stripped_on_import(client, tmp_path):
    path = tmp_path / "entries.csv"
    path.write_text(
        "state,title,kind,year,status,summary,tags\n"
        f'ID,Mastery{CONTROL}based education,statute,2015,in effect,"Credit{CONTROL}for mastery.",'
        f"Word{CONTROL}tag\n",
        encoding="utf-8",
    )
    with committed():
        call_command("import_policies", str(path), stdout=io.StringIO())
    entry = PolicyEntry.objects.get()
    assert (entry.title, entry.summary) == ("Mastery based education", "Credit for mastery.")
    assert list(entry.tags.names()) == ["Word tag"]
    output = io.StringIO()
    call_command("import_policies", str(path), stdout=output)
    assert "unchanged: 1" in output.getvalue()


# ------------------------------------------------------------- feeds hand out inert HTML


def descriptions(client, url):
    return [description for _, description in feed_items(parse_feed(client.get(url)))]


@pytest.mark.parametrize("suffix", ["", "atom/"])
def test_feed_descriptions_are_inert_whatever_the_summary_holds(client, suffix):
    # An editor's excerpt is plain text as typed; a body's escaped markup decodes in the summary.
    PostFactory(title="Typed", excerpt=PAYLOAD)
    PostFactory(title="Escaped", body="<p>&lt;script&gt;alert(1)&lt;/script&gt; and "
                "&lt;img src=x onerror=alert(1)&gt;</p>")  # fmt: skip
    ResourceFactory(title="Resource", summary=PAYLOAD)
    entry = PolicyEntry.objects.create(
        state=State.objects.get(code="ID"), title="Entry", kind="statute", year=2015,
        policy_status="in_effect", summary=PAYLOAD, status=Status.PUBLISHED,
    )  # fmt: skip
    Event.objects.create(entry=entry, date=date(2015, 3, 19), description="Signed")
    found = [
        *descriptions(client, f"/feed/{suffix}"),
        *descriptions(client, f"/library/feed/{suffix}"),
        *descriptions(client, f"/policy/feed/{suffix}"),
    ]
    if not suffix:
        found += descriptions(client, "/search/feed/?q=alert")
    # The payloads reach readers as text: a feed reader renders each description as HTML.
    assert sum("onerror=alert" in unescape(html) for html in found) >= 4
    for html in found:
        assert_inert(html)


# ---------------------------------------------------- feeds of unpublished things: 404


@pytest.mark.parametrize(
    ("kind", "slug", "unused"),
    [("tag", "grading", "unused"), ("author", "ada", "nobody"), ("series", "grading", "empty")],
)
@pytest.mark.parametrize("suffix", ["feed/", "feed/atom/"])
def test_feeds_of_unpublished_tags_authors_and_series_are_not_found(
    client, kind, slug, unused, suffix
):
    author, series = AuthorFactory(slug="ada"), SeriesFactory(slug="grading")
    draft = PostFactory(
        draft=True, tags=["grading"], authors=[author], series=series, series_part=1
    )
    PostFactory(scheduled=True, tags=["grading"], authors=[author], series=series, series_part=2)
    AuthorFactory(slug="nobody")
    SeriesFactory(slug="empty")
    Tag.objects.create(name="Unused")
    assert client.get(f"/blog/{kind}/{slug}/{suffix}").status_code == 404
    assert client.get(f"/blog/{kind}/{unused}/{suffix}").status_code == 404
    # Once one of its posts is published, the feed appears with that post alone.
    draft.status = Status.PUBLISHED
    draft.save()
    response = client.get(f"/blog/{kind}/{slug}/{suffix}")
    assert [title for title, _ in feed_items(parse_feed(response))] == [draft.title]


def test_long_tag_names_get_distinct_slugs_that_fit_their_column(client):
    # "㎒" slugifies to "mhz": 99 of them make a 297-character slug from a 100-character name.
    posts = [PostFactory(tags=[f"{'㎒' * 99}{n}"]) for n in range(3)]
    slugs = {post.tags.get().slug for post in posts}
    assert len(slugs) == 3 and all(len(slug) <= 100 for slug in slugs)
    for slug in slugs:
        assert client.get(reverse("tag", args=[slug])).status_code == 200


def test_a_replaced_slug_already_taken_is_numbered():
    Tag.objects.create(name="Family engagement")
    tag = Tag.objects.create(name="Family  engagement!", slug="family engagement")
    assert tag.slug == "family-engagement-2"


def test_a_tag_longer_than_a_tag_name_is_a_form_error_in_the_admin(editor_client):
    post = PostFactory(title="Mastery in practice")
    data = post_form_data(
        post.section, title=post.title, slug=post.slug, status=Status.PUBLISHED,
        tags="a" * 101,
    )  # fmt: skip
    response = editor_client.post(post_change_url(post), data)
    assert response.status_code == 200
    assert "100 characters" in response.content.decode()
    assert not Tag.objects.filter(name__startswith="aaa").exists()
