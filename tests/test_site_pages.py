"""Site pages (About, Contact): written in the admin, shown at /<slug>/ and in the nav/footer."""

import io
import json
import time
from datetime import timedelta

import factory
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from blog.models import SitePage
from competencyworks import revisions
from competencyworks.publishing import Status
from tests.factories import ContentFactory, PostFactory, committed

pytestmark = pytest.mark.django_db


class SitePageFactory(ContentFactory):
    class Meta:
        model = SitePage

    title = factory.Sequence(lambda n: f"Page {n}")
    body = "<p>Who we are and what we do.</p>"
    status = Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


def change_form_data(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "body": page.body,
        "show_in": page.show_in,
        "position": page.position,
        "status": page.status,
        "publish_at_0": "",
        "publish_at_1": "",
        "change_comment": "",
    }
    return {**data, **changes}


def test_editor_creates_and_edits_a_page_in_the_admin(editor_client):
    response = editor_client.post(
        "/admin/blog/sitepage/add/",
        {
            "title": "About us",
            "slug": "about",
            "body": "<p>We write about schools.</p><script>alert(1)</script>",
            "show_in": "navigation",
            "position": "1",
            "status": "published",
            "publish_at_0": "",
            "publish_at_1": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = SitePage.objects.get(slug="about")
    assert "<script" not in page.body
    assert page.created_by.username == "editor"

    changed = change_form_data(page, title="About CompetencyWorks", change_comment="Longer name")
    response = editor_client.post(f"/admin/blog/sitepage/{page.pk}/change/", changed)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "About CompetencyWorks"

    history = editor_client.get(f"/admin/blog/sitepage/{page.pk}/history/")
    assert history.status_code == 200
    assert "Longer name" in history.text
    assert len(history.context["entries"]) == 2


def test_admin_refuses_an_address_another_part_of_the_site_answers(editor_client):
    response = editor_client.post(
        "/admin/blog/sitepage/add/",
        {"title": "Blog", "slug": "blog", "body": "", "show_in": "none", "position": "0",
         "status": "draft", "publish_at_0": "", "publish_at_1": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert not SitePage.objects.exists()


def test_generated_address_steps_aside_for_another_part_of_the_site():
    page = SitePageFactory(title="Search")
    assert page.slug == "search-page"
    assert page.get_absolute_url() == "/search-page/"


def test_readers_see_published_pages_only(client):
    page = SitePageFactory(title="Contact", body="<p>Write to us.</p>")
    draft = SitePageFactory(title="Join", status=Status.DRAFT, publish_at=None)
    scheduled = SitePageFactory(publish_at=timezone.now() + timedelta(days=2))

    response = client.get("/contact/")
    assert response.status_code == 200
    assert "Write to us." in response.text
    assert '<link rel="canonical" href="http://testserver/contact/">' in response.text
    assert "Edit this page" not in response.text
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert page.get_absolute_url() in client.get("/sitemap-site-pages.xml").text


def test_staff_preview_drafts_uncached_and_get_an_edit_link(editor_client):
    draft = SitePageFactory(title="Join", status=Status.DRAFT, publish_at=None)
    response = editor_client.get("/join/")
    assert response.status_code == 200
    assert "Preview: this page is <strong>draft</strong>" in response.text
    assert "no-cache" in response["Cache-Control"]
    assert f'href="/admin/blog/sitepage/{draft.pk}/change/">Edit this page' in response.text


def test_navigation_and_footer_link_pages_in_the_editors_order(client):
    SitePageFactory(title="Newsletter", show_in="footer", position=2)
    SitePageFactory(title="Contact", show_in="footer", position=1)
    SitePageFactory(title="About", show_in="navigation", position=1)
    SitePageFactory(title="Join", show_in="navigation", position=0)
    SitePageFactory(title="Hidden", show_in="navigation", status=Status.DRAFT, publish_at=None)
    SitePageFactory(title="Unlisted", show_in="none")

    html = client.get("/").text
    header, footer = html.split('<main id="main"')
    assert header.index('href="/join/"') < header.index('href="/about/"')
    assert footer.index('href="/contact/"') < footer.index('href="/newsletter/"')
    for absent in ("/hidden/", "/unlisted/"):
        assert absent not in html
    assert 'href="/contact/"' not in header
    assert 'href="/about/"' not in footer


def test_a_scheduled_page_joins_the_navigation_when_it_goes_live(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    SitePageFactory(
        title="Join", show_in="navigation", publish_at=timezone.now() + timedelta(seconds=1)
    )
    assert 'href="/join/"' not in client.get("/").text
    time.sleep(1.1)
    assert 'href="/join/"' in client.get("/blog/").text


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


@pytest.mark.parametrize("address", ["/", "post"])
def test_page_links_cost_one_query_however_many(client, address):
    post = PostFactory()
    url = post.get_absolute_url() if address == "post" else address
    before = queries_for(client, url)
    for n in range(10):
        SitePageFactory(title=f"Link {n}", show_in="footer" if n % 2 else "navigation")
    after = queries_for(client, url)
    assert 'href="/link-9/"' in client.get(url).text
    assert len(after) == len(before)


def test_links_are_read_once_per_content_version(client, settings):
    settings.FRAGMENT_CACHE = True
    SitePageFactory(title="About", show_in="navigation")
    post = PostFactory()
    assert 'href="/about/"' in client.get("/").text
    queries = queries_for(client, post.get_absolute_url())
    assert not [sql for sql in queries if "blog_sitepage" in sql]
    assert 'href="/about/"' in client.get(post.get_absolute_url()).text


def test_the_remembered_header_marks_each_pages_own_place_and_search(client, settings):
    """The header is rendered once per content version for each section and search: the
    current section, the current standing page and the searched words stay each page's own."""
    settings.FRAGMENT_CACHE = True
    SitePageFactory(title="About", slug="about", show_in="navigation")
    post = PostFactory()
    current = ' aria-current="page">'

    def header(path):
        html = client.get(path).text
        return html[html.index("<header") : html.index("</header>")]

    for _ in range(2):
        assert f'href="/blog/"{current}Blog' in header("/blog/")
        assert f'href="/blog/"{current}Blog' in header(post.get_absolute_url())
        library = header("/library/")
        assert f'href="/library/"{current}Library' in library and current + "Blog" not in library
        assert f'href="/about/"{current}About' in header("/about/")
        assert current not in header("/")
        assert 'name="q" value="rubrics"' in header("/search/?q=rubrics")
        assert 'name="q" value="advisory"' in header("/search/?q=advisory")
        assert 'name="q" value=""' in header("/search/")


def test_renaming_a_page_updates_every_pages_links(
    editor_client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    reader = Client()
    page = SitePageFactory(title="About", slug="about", show_in="navigation")
    assert 'href="/about/">About<' in reader.get("/").text
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            f"/admin/blog/sitepage/{page.pk}/change/",
            change_form_data(page, title="About us", slug="who-we-are"),
        )
    html = reader.get("/").text
    assert 'href="/who-we-are/">About us<' in html
    assert 'href="/about/"' not in html
    assert reader.get("/about/").headers["Location"] == "/who-we-are/"


# WordPress pages ---------------------------------------------------------------------------

PAGES_WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Old Learning Blog</title>
  <link>https://old.example.org</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://old.example.org</wp:base_site_url>
  <item>
    <title>About Us</title>
    <link>https://old.example.org/about-us/</link>
    <content:encoded><![CDATA[We write about schools.

<script>alert(1)</script>Read more.]]></content:encoded>
    <wp:post_id>2</wp:post_id>
    <wp:post_date_gmt>2015-02-01 10:00:00</wp:post_date_gmt>
    <wp:post_name>about-us</wp:post_name>
    <wp:status>publish</wp:status>
    <wp:post_parent>0</wp:post_parent>
    <wp:post_type>page</wp:post_type>
  </item>
  <item>
    <title>Our Team</title>
    <link>https://old.example.org/about-us/team/</link>
    <content:encoded><![CDATA[Who writes here.]]></content:encoded>
    <wp:post_id>3</wp:post_id>
    <wp:post_date_gmt>2015-02-02 10:00:00</wp:post_date_gmt>
    <wp:post_name>team</wp:post_name>
    <wp:status>publish</wp:status>
    <wp:post_parent>2</wp:post_parent>
    <wp:post_type>page</wp:post_type>
  </item>
  <item>
    <title>Join (unfinished)</title>
    <link>https://old.example.org/get-involved/join/</link>
    <content:encoded><![CDATA[Not ready.]]></content:encoded>
    <wp:post_id>4</wp:post_id>
    <wp:post_name>join</wp:post_name>
    <wp:status>draft</wp:status>
    <wp:post_parent>0</wp:post_parent>
    <wp:post_type>page</wp:post_type>
  </item>
</channel>
</rss>
"""


def import_pages(tmp_path, source=PAGES_WXR, **options):
    export = tmp_path / "pages.xml"
    export.write_text(source, encoding="utf-8")
    report = tmp_path / "report.json"
    output = io.StringIO()
    with committed():
        call_command("import_archive", str(export), report=report, stdout=output, **options)
    return json.loads(report.read_text()), output.getvalue()


def test_wordpress_pages_import_as_site_pages(tmp_path, client):
    document, output = import_pages(tmp_path)
    about = SitePage.objects.get(title="About Us")
    team = SitePage.objects.get(title="Our Team")
    assert (about.slug, about.status, about.show_in) == ("about-us", "published", "none")
    assert about.publish_at.year == 2015
    assert "<script" not in about.body and "Read more." in about.body
    assert team.slug == "team"  # the parent's address is not part of its own
    assert document["summary"]["pages"] == 3 and "pages: 3" in output
    assert [(entry["type"], entry["title"], entry["action"]) for entry in document["posts"]] == [
        ("page", "About Us", "created"),
        ("page", "Our Team", "created"),
        ("page", "Join (unfinished)", "created"),
    ]
    assert client.get("/about-us/").status_code == 200
    moved = client.get("/about-us/team/")
    assert (moved.status_code, moved["Location"]) == (301, "/team/")
    assert "Imported from pages.xml" in [
        version.revision.comment for version in revisions.versions_of(team)
    ]


def test_a_draft_wordpress_page_stays_a_draft_and_its_old_address_does_not_lead_on(
    tmp_path, client
):
    import_pages(tmp_path)
    join = SitePage.objects.get(title="Join (unfinished)")
    assert join.status == Status.DRAFT and not join.is_public
    assert client.get("/join/").status_code == 404
    assert client.get("/get-involved/join/").status_code == 404
    with committed():
        join.status = Status.PUBLISHED
        join.save()
    assert client.get("/get-involved/join/")["Location"] == "/join/"


def test_importing_pages_again_changes_nothing_and_a_changed_page_is_updated(tmp_path):
    import_pages(tmp_path)
    before = list(SitePage.objects.values_list("pk", "slug", "body", "updated_at"))
    document, _ = import_pages(tmp_path)
    assert {entry["action"] for entry in document["posts"]} == {"unchanged"}
    assert list(SitePage.objects.values_list("pk", "slug", "body", "updated_at")) == before

    document, _ = import_pages(tmp_path, PAGES_WXR.replace("Who writes here.", "Our writers."))
    actions = {entry["title"]: entry["action"] for entry in document["posts"]}
    assert actions == {
        "About Us": "unchanged",
        "Our Team": "updated",
        "Join (unfinished)": "unchanged",
    }
    assert SitePage.objects.get(title="Our Team").body == "<p>Our writers.</p>"
    assert SitePage.objects.count() == 3


def test_a_page_an_editor_changed_is_kept_on_reimport_unless_overwritten(tmp_path, editor_client):
    import_pages(tmp_path)
    page = SitePage.objects.get(title="Our Team")
    edited = change_form_data(page, title="Our writers and editors")
    assert editor_client.post(f"/admin/blog/sitepage/{page.pk}/change/", edited).status_code == 302
    changed_source = PAGES_WXR.replace("Who writes here.", "Our writers.")

    document, output = import_pages(tmp_path, changed_source)
    (entry,) = [entry for entry in document["posts"] if entry["slug"] == page.slug]
    assert entry["action"] == "conflict" and entry["conflict"] is True
    assert "conflicts: 1" in output and "--overwrite" in output
    page.refresh_from_db()
    assert page.title == "Our writers and editors" and "Who writes here." in page.body

    import_pages(tmp_path, changed_source, overwrite=True)
    page.refresh_from_db()
    assert (page.title, page.body) == ("Our Team", "<p>Our writers.</p>")
    comments = Version.objects.get_for_object(page).values_list("revision__comment", flat=True)
    assert comments[0].startswith("Imported from") and "Our writers and editors" in [
        version.field_dict["title"] for version in Version.objects.get_for_object(page)
    ]


def test_demo_content_has_about_contact_and_newsletter_pages_once(client):
    with committed():
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    assert list(SitePage.objects.published().values_list("slug", "show_in")) == [
        ("about", "navigation"), ("contact", "footer"), ("newsletter", "footer")
    ]  # fmt: skip
    html = client.get("/").text
    header, footer = html.split('<main id="main"')
    assert 'href="/about/"' in header
    assert footer.index('href="/contact/"') < footer.index('href="/newsletter/"')
    assert client.get("/newsletter/").status_code == 200


def test_readers_find_published_pages_in_search(client):
    SitePageFactory(title="Newsletter", body="<p>A monthly letter about mastery grading.</p>")
    SitePageFactory(title="Unfinished", body="<p>Mastery drafts.</p>", status=Status.DRAFT)
    response = client.get("/search/?q=mastery")
    assert 'href="/newsletter/"' in response.text
    assert "/unfinished/" not in response.text


def test_staff_who_may_change_posts_get_an_edit_link_on_a_post(editor_client):
    post = PostFactory()
    edit = f'href="/admin/blog/post/{post.pk}/change/">Edit this page'
    assert edit not in Client().get(post.get_absolute_url()).text
    assert edit in editor_client.get(post.get_absolute_url()).text
