"""WordPress exports written by WordPress, WordPress.com and others' test suites, imported
through the command: what each holds arrives, and what WordPress refuses is refused.

The files and their sources are listed in fixtures/wxr/real/README.md.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post

pytestmark = pytest.mark.django_db
REAL = Path(__file__).parent / "fixtures" / "wxr" / "real"


def run(name, tmp_path):
    report = tmp_path / "report.json"
    call_command(
        "import_archive", str(REAL / name), report=report, stdout=io.StringIO(),
        stderr=io.StringIO(),
    )  # fmt: skip
    document = json.loads(report.read_text())
    return document, {entry["title"]: entry for entry in document["posts"]}


def post(title):
    return Post.objects.get(title=title)


def test_every_real_export_is_listed_in_the_readme():
    listed = (REAL / "README.md").read_text()
    assert all(f"`{path.name}`" in listed for path in REAL.glob("*.xml"))


def test_wxr_1_0_from_wordpress_3(tmp_path):
    document, entries = run("wordpress-develop-valid-wxr-1.0.xml", tmp_path)
    summary = document["summary"]
    assert (summary["created"], summary["pages"], summary["skipped"]) == (3, 3, 0)
    assert (summary["comments"], summary["comments_approved"]) == (1, 1)
    kinds = {title: entry["type"] for title, entry in entries.items()}
    assert [title for title, kind in kinds.items() if kind == "page"] == [
        "About", "Child page", "Parent page"
    ]  # fmt: skip
    assert [title for title, kind in kinds.items() if kind == "post"] == [
        "Hello world!", "Alpha post", "Child post"
    ]  # fmt: skip
    assert entries["Hello world!"]["comments"] == 1
    assert sorted(post("Alpha post").tags.names()) == ["alpha", "news", "roar"]
    assert sorted(post("Child post").tags.names()) == ["chicken", "child", "face", "parent"]
    assert post("Child post").body == "<p>Tagged in face, chicken</p>"
    assert post("Hello world!").import_key == "wxr:localhost:1"


def test_wxr_1_1_with_crlf_line_ends(tmp_path):
    document, entries = run("wordpress-importer-valid-wxr-1.1.xml", tmp_path)
    summary = document["summary"]
    assert (summary["created"], summary["pages"], summary["skipped"]) == (1, 1, 0)
    assert document["summary"]["comments"] == 1
    hello = post("Hello world!")
    assert hello.body == (
        "<p>Welcome to WordPress. This is your first post. Edit or delete it, then start "
        "blogging!</p>"
    )
    assert entries["Hello world!"]["authors"] == ["John Doe"]
    assert set(hello.tags.names()) == {"alpha", "Clippable"}


def test_backslashes_and_quotes_are_kept_as_written(tmp_path):
    document, entries = run("wordpress-importer-slashes.xml", tmp_path)
    assert document["summary"]["created"] == 1
    assert entries["Hello world!"]["comments"] == 1
    assert post("Hello world!").body == '<p>Slashes aren\\\'t \\"cool\\"</p>'
    assert sorted(post("Hello world!").tags.names()) == ['a \\"great\\" category']


def test_a_windows_path_in_an_export_without_site_dates_or_slugs(tmp_path):
    document, entries = run("wordpress-importer-backslashes.xml", tmp_path)
    assert document["summary"]["created"] == 1
    paths = post("Paths")
    assert paths.body == "<p>C:\\xampp\\htdocs\\wp-content</p>"
    assert paths.slug == "paths"
    assert paths.import_key == "wxr:title:backslashes:1"
    assert entries["Paths"]["warnings"][:2] == [
        "the export names no site address; its posts are keyed by the site title 'Backslashes'",
        "no publication date in the export",
    ]


def test_a_body_ending_in_a_broken_cdata_end(tmp_path):
    document, _ = run("wordpress-importer-cdata-edge.xml", tmp_path)
    assert document["summary"]["created"] == 1
    assert post("Edge").body == "<p>ends with sequence ]] &gt;</p>"


def test_cdata_holding_its_own_end_is_read_as_wordpress_reads_it(tmp_path):
    document, entries = run("wordpress-develop-crazy-cdata.xml", tmp_path)
    assert document["summary"]["created"] == 1
    hello = post("Hello world!")
    # WordPress reads "Content with nested <![CDATA[ tags ]]> :)"; as HTML, "<![CDATA[ … ]]>"
    # is a comment, which the body's sanitising drops.
    assert hello.body == "<p>Content with nested  :)</p>"
    assert hello.import_key == "wxr:wp.dev:1"  # wp: is bound to http://wp.org/export/1.1/
    assert entries["Hello world!"]["authors"] == ["admin"]
    assert entries["Hello world!"]["warnings"][0].startswith("4 CDATA section(s) hold")


def test_an_export_without_authors(tmp_path):
    document, entries = run("wordpress-importer-missing-tags.xml", tmp_path)
    assert document["summary"]["created"] == 1
    assert document["summary"]["without_authors"] == 1
    assert entries["No Author Post"]["authors"] == []
    assert post("No Author Post").body == "<p>text</p>"


def test_namespaces_redefined_on_single_elements(tmp_path):
    document, _ = run("wordpress-importer-namespace-edge-cases.xml", tmp_path)
    assert document["summary"]["created"] == 6
    keys = Post.objects.order_by("import_key").values_list("import_key", flat=True)
    assert [key.rsplit(":", 1)[1] for key in keys] == ["1", "2", "3", "4", "5", "6"]
    assert post("No Prefix").body == "<p>Testing default namespace</p>"


def test_bidi_and_zero_width_characters_and_an_emoji_slug(tmp_path):
    document, entries = run("wordpress-importer-utf-8-challenges.xml", tmp_path)
    assert document["summary"]["created"] == 1
    road = post('"The Road Not Taken" by Robert Frost 🌲')
    assert road.slug == "hello-world-utf8-test"
    assert "\u200b\u200c\u200d\u2060\ufeff" in road.body  # kept as text
    assert "\u202e" not in road.slug and "\u200b" not in road.slug
    assert entries[road.title]["warnings"] == [
        "no permalink (link) in the export; the old address cannot redirect"
    ]


def test_a_wordpress_com_export(tmp_path):
    document, entries = run("jekyll-import-wordpress-com.xml", tmp_path)
    summary = document["summary"]
    assert (summary["created"], summary["pages"], summary["skipped"]) == (3, 1, 2)
    assert [s["reason"] for s in document["skipped"]] == [
        "wp_global_styles (only posts and pages are imported)",
        "wp_navigation (only posts and pages are imported)",
    ]
    art = post("The Art of Connection")
    assert art.import_key == "wxr:jekyllbot.wordpress.com:4"  # not every blog's wordpress.com
    assert art.image_source_url == (
        "https://jekyllbot.wordpress.com/wp-content/uploads/2025/01/0565b-tt4_post_1.jpg"
    )
    assert set(post("Blog Post 1").tags.names()) == {"code", "Foo", "ruby", "ship", "stars"}
    assert "<pre" in post("Blog Post 1").body
    assert entries["Beyond the Obstacle"]["warnings"] == [
        "featured image (attachment 11) is not in the export"
    ]


def test_a_file_cut_short_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"malformed-simple\.xml, line 14: the file ends"):
        run("wordpress-importer-malformed-simple.xml", tmp_path)
    assert not Post.objects.exists()
