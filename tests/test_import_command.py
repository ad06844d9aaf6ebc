"""The import_archive command: one transaction, idempotent, dry run, report, clear errors."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from blog.models import Post, Series
from competencyworks.models import MovedPage
from tests.factories import committed

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
TEXT = FIXTURES / "text" / "listing-2018.txt"


def run(*args, **options):
    out = io.StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def snapshot():
    return sorted(Post.objects.values_list("import_key", "import_digest", "title", "slug"))


def test_text_archive_import_creates_posts(client):
    output = run(TEXT)
    assert "created: 5, updated: 0, unchanged: 0, skipped: 0" in output
    post = Post.objects.get(title="Notes From a Rural District Visit")
    assert post.visibility == "published"
    assert post.section.slug == "k-12"
    assert post.excerpt_only and post.image_alt == "fieldtrip"
    assert post.get_absolute_url() == "/blog/2018/03/14/notes-from-a-rural-district-visit/"
    assert client.get(post.get_absolute_url()).status_code == 200


def test_series_and_crosspost_are_stored(client):
    run(TEXT)
    post = Post.objects.get(title="Grading Conversations With Families (Part 2)")
    assert (post.series.title, post.series_part, post.series.planned_parts) == (
        "Grading Conversations With Families",
        2,
        3,
    )
    assert post.crosspost_publisher == "Learning Forward Weekly"
    assert post.image_caption == "Rosa Delgado"
    page = client.get(post.get_absolute_url()).content.decode()
    assert "This post originally appeared at" in page and "Part 2 of 3" in page


def test_rerun_changes_nothing(client):
    run(TEXT)
    before = snapshot()
    output = run(TEXT)
    assert "created: 0, updated: 0, unchanged: 5" in output
    assert snapshot() == before
    assert Series.objects.count() == 2


def test_changed_source_updates_the_post_it_made(tmp_path):
    run(TEXT)
    post = Post.objects.get(title="Notes From a Rural District Visit")
    edited = tmp_path / "listing.txt"
    edited.write_text(TEXT.read_text().replace("calmly", "confidently"))
    output = run(edited)
    assert "created: 0, updated: 1, unchanged: 4" in output
    post.refresh_from_db()
    assert "confidently" in post.body
    assert Post.objects.count() == 5


def test_recurring_titles_stay_separate_posts():
    run(TEXT)
    roundups = Post.objects.filter(title="Weekly Roundup").order_by("-publish_at")
    assert [p.slug for p in roundups] == ["weekly-roundup", "weekly-roundup-2"]


def test_same_file_twice_in_one_run_is_reported_not_duplicated(tmp_path):
    copy = tmp_path / "copy.txt"
    shutil.copy(TEXT, copy)
    output = run(TEXT, copy)
    assert "created: 5" in output and "skipped: 5" in output
    assert Post.objects.count() == 5


def test_dry_run_writes_nothing_and_still_reports(tmp_path):
    report = tmp_path / "report.json"
    output = run(TEXT, dry_run=True, report=report)
    assert "Dry run (nothing written). created: 5" in output
    assert not Post.objects.exists() and not Series.objects.exists()
    assert len(json.loads(report.read_text())["posts"]) == 5


def test_report_describes_each_post_in_source_order(tmp_path):
    report = tmp_path / "report.json"
    run(TEXT, report=report)
    document = json.loads(report.read_text())
    assert document["summary"]["created"] == 5
    titles = [post["title"] for post in document["posts"]]
    assert titles[:2] == [
        "Notes From a Rural District Visit",
        "Grading Conversations With Families (Part 2)",
    ]
    second = document["posts"][1]
    expected = {
        "date": "2018-03-12T12:00:00-04:00",
        "date_inferred": False,
        "section": "k-12",
        "series": "Grading Conversations With Families",
        "series_part": 2,
        "series_total": 3,
        "crosspost_source": "Learning Forward Weekly",
        "crosspost_date": "2018-02-27",
        "excerpt_only": False,
        "image_alt": None,
        "caption": "Rosa Delgado",
        "tags": [],
        "status": "published",
    }
    assert {key: second[key] for key in expected} == expected
    inferred = document["posts"][3]
    assert inferred["date_inferred"] and inferred["warnings"]


def test_section_option_places_the_posts():
    run(TEXT, section="higher-education")
    assert set(Post.objects.values_list("section__slug", flat=True)) == {"higher-education"}


def test_unknown_section_is_a_clear_error():
    with pytest.raises(
        CommandError, match="No section 'nope'; choose one of: k-12, higher-education"
    ):
        run(TEXT, section="nope")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("latin1.txt", b"Title\n\nMarch 1, 2018 by\n\nCaf\xe9\n\nPrint Friendly\n", "not UTF-8"),
        ("nodates.txt", b"Title\n\nText.\n\nPrint Friendly\n", "no entry has a date line"),
    ],
)
def test_a_bad_file_fails_the_whole_run_and_names_itself(tmp_path, name, content, message):
    bad = tmp_path / name
    bad.write_bytes(content)
    report = tmp_path / "report.json"
    with pytest.raises(CommandError, match=f"{name}.*{message}.*nothing was imported"):
        run(TEXT, bad, report=report)
    assert not Post.objects.exists() and not Series.objects.exists()
    assert not report.exists()


def test_missing_path_and_directory_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.txt: no such file"):
        run(TEXT, tmp_path / "missing.txt")
    with pytest.raises(CommandError, match="is a directory"):
        run(tmp_path)
    assert not Post.objects.exists()


def test_editors_changes_survive_an_unchanged_reimport():
    run(TEXT)
    post = Post.objects.get(title="Notes From a Rural District Visit")
    post.body = "<p>Edited by an editor.</p>"
    post.save()
    run(TEXT)
    post.refresh_from_db()
    assert post.body == "<p>Edited by an editor.</p>"
    assert not MovedPage.objects.exists()


WXR = FIXTURES / "wxr" / "site-export.xml"


def test_wordpress_export_import(client, tmp_path):
    report = tmp_path / "report.json"
    output = run(WXR, report=report)
    assert "created: 3, updated: 0, unchanged: 0, skipped: 0" in output and "pages: 1" in output
    credit = Post.objects.get(title="Credit Rules Across Five States")
    assert credit.section.slug == "k-12" and credit.pinned
    assert credit.ordered_authors[0].name == "Jordan Lee"
    assert set(credit.tags.names()) == {"State Policy", "Policy", "credit"}
    assert credit.summary.startswith("States differ") and "The rest" not in credit.summary
    basics = Post.objects.get(title="Seat-Time Basics")
    assert basics.section.slug == "higher-education"
    assert "<script>" not in basics.body and basics.summary == "A short primer on seat time."
    upcoming = Post.objects.get(title="Coming Up: Spring Policy Roundup")
    assert upcoming.visibility == "scheduled"
    document = json.loads(report.read_text())
    assert document["posts"][0]["comments"] == 1
    assert document["skipped"] == []
    (page,) = [entry for entry in document["posts"] if entry["type"] == "page"]
    assert (page["source"], page["title"], page["url"]) == (
        "site-export.xml, line 77",
        "About",
        "/about/",
    )
    assert client.get("/about/").status_code == 200
    assert client.get(basics.get_absolute_url()).status_code == 200


def test_links_between_imported_posts_point_at_the_new_addresses():
    run(WXR)
    credit = Post.objects.get(title="Credit Rules Across Five States")
    basics = Post.objects.get(title="Seat-Time Basics")
    assert f'href="{basics.get_absolute_url()}"' in credit.body
    assert 'href="https://elsewhere.example.com/report"' in credit.body


def test_old_wordpress_addresses_redirect_to_the_new_ones(client):
    run(WXR)
    basics = Post.objects.get(title="Seat-Time Basics")
    for old in ["/2017/03/20/seat-time-basics/", "/2017/03/20/seat-time-101/"]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == basics.get_absolute_url()


def test_wordpress_rerun_changes_nothing():
    run(WXR)
    before = snapshot()
    assert "created: 0, updated: 0, unchanged: 3" in run(WXR)
    assert snapshot() == before


@pytest.mark.parametrize(
    "fixture", ["bomb.xml", "external-entity.xml", "truncated.xml", "malformed.xml", "empty.xml"]
)
def test_bad_wordpress_exports_change_nothing(fixture):
    run(TEXT)
    before = snapshot()
    with pytest.raises(CommandError, match=rf"{fixture}.*nothing was imported"):
        run(WXR, FIXTURES / "wxr" / fixture)
    assert snapshot() == before


def test_parts_of_one_series_in_different_files_join_one_series(tmp_path):
    first = tmp_path / "2019-01.txt"
    first.write_text(
        "An Era of Change – Part 1\n\nJanuary 4, 2019 by\n\n"
        "This is the first in a three-part series on the Future of School Design.\n\n"
        "Print Friendly\n"
    )
    second = tmp_path / "2019-02.txt"
    second.write_text(
        "New Roles for Teachers – Part 2\n\nJanuary 7, 2019 by\n\n"
        "This is the second in a three-part series on the Future of School Design.\n\n"
        "Print Friendly\n"
    )
    run(first)
    run(second)
    (series,) = Series.objects.all()
    assert series.planned_parts == 3
    assert list(series.posts.order_by("series_part").values_list("series_part", flat=True)) == [
        1,
        2,
    ]


def test_format_option_overrides_sniffing():
    with pytest.raises(CommandError, match="no entries found"):
        run(WXR, source_format="text")
    assert not Post.objects.exists()


def test_wordpress_export_with_bad_bytes_names_the_line():
    with pytest.raises(CommandError, match=r"invalid-utf8\.xml, line \d+"):
        run(FIXTURES / "wxr" / "invalid-utf8.xml")


def test_imported_posts_that_link_to_a_resource_are_listed_on_it(client):
    from wiki.models import Resource

    with committed():  # each its own transaction: citations are worked out after commit
        resource = Resource.objects.create(
            title="An Outside Report", url="https://elsewhere.example.com/report/",
            status="published",
        )  # fmt: skip
    with committed():
        run(WXR)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Credit Rules Across Five States" in page
    assert "Seat-Time Basics" not in page


def test_with_debug_on_a_run_keeps_no_query_text_unless_queries_are_counted(settings):
    """DEBUG keeps each query's text with its parameters (every post body, for an import);
    a caller counting queries still sees every one."""
    settings.DEBUG = True
    reset_queries()
    run(TEXT)
    assert not [query for query in connection.queries if "blog_post" in query["sql"]]
    assert Post.objects.count() > 1
    with committed(), CaptureQueriesContext(connection) as counted:
        run(FIXTURES / "wxr" / "site-export.xml")
    assert any("blog_post" in query["sql"] for query in counted)
    reset_queries()
    Post.objects.count()
    assert len(connection.queries) == 1  # after the run, queries are logged as before
