"""Saved text archive pages: entries, dates, teasers, images, cross-posts, series, lists."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from blog.importers.records import ArchiveError
from blog.importers.sources import records_from
from blog.importers.text_archive import parse_text_archive
from blog.models import Post, Series

FIXTURES = Path(__file__).parent / "fixtures" / "text"
ZONE = "America/New_York"


def read(path):
    return list(records_from(path, source_format="text", time_zone=ZONE))


@pytest.fixture(scope="module")
def entries():
    return read(FIXTURES / "listing-2018.txt")


def by_title(entries, title, occurrence=0):
    return [entry for entry in entries if entry.title == title][occurrence]


def test_blurb_share_lines_and_footer_are_not_entries(entries):
    assert [entry.title for entry in entries] == [
        "Notes From a Rural District Visit",
        "Grading Conversations With Families (Part 2)",
        "Weekly Roundup",
        "The Learning Sciences and Student Agency",
        "Weekly Roundup",
    ]
    bodies = " ".join(entry.body for entry in entries)
    assert "online resource" not in bodies and "Print Friendly" not in bodies
    assert "WordPress SEO" not in bodies and "partner logo" not in bodies


def test_dates_are_read_and_page_order_is_kept_within_a_day(entries):
    first = entries[0]
    assert first.published_at.date() == date(2018, 3, 14)
    assert first.published_at.hour == 12
    assert str(first.published_at.tzinfo) == ZONE
    assert not first.date_inferred


def test_missing_date_is_inferred_from_the_entry_above_and_flagged(entries):
    entry = by_title(entries, "The Learning Sciences and Student Agency")
    assert entry.date_inferred
    assert entry.published_at.date() == date(2018, 3, 9)
    assert entry.published_at < by_title(entries, "Weekly Roundup").published_at
    assert any("date missing" in warning for warning in entry.warnings)


def test_more_marker_makes_an_excerpt_only_post(entries):
    entry = entries[0]
    assert entry.excerpt_only
    assert "(more" not in entry.body
    assert not by_title(entries, "Weekly Roundup").excerpt_only


def test_glued_image_alt_text_is_recovered(entries):
    entry = entries[0]
    assert entry.image_alt == "fieldtrip"
    assert entry.body.startswith("<p>I spent two days")


def test_crosspost_and_standalone_caption(entries):
    entry = entries[1]
    assert entry.crosspost_source == "Learning Forward Weekly"
    assert entry.crosspost_date == date(2018, 2, 27)
    assert entry.caption == "Rosa Delgado"
    assert "originally appeared" not in entry.body
    assert entry.body.startswith("<p>Read Part 1 here.</p>")


def test_alt_and_caption_lines_before_the_text(entries):
    entry = by_title(entries, "Weekly Roundup", occurrence=1)
    assert (entry.image_alt, entry.caption) == (
        "Staff with badges",
        "A teacher presents her portfolio to colleagues",
    )
    assert "portfolios &amp; public exhibitions" in entry.body


def test_bullets_numbers_and_headings_become_html(entries):
    body = entries[1].body
    assert "<h3>Start with the report card</h3><ul><li>Replace averages" in body
    assert "<li>Send a sample before the first term ends.</li></ul>" in body
    assert "<h3>Listen before you explain</h3>" in body
    roundup = by_title(entries, "Weekly Roundup").body
    assert "<ol><li>A district story about flexible pacing.</li>" in roundup


def test_footnote_markers_survive(entries):
    assert "take the lead.[1]" in by_title(entries, "The Learning Sciences and Student Agency").body


def test_series_from_title_and_prose(entries):
    grading = entries[1].series
    assert (grading.title, grading.part, grading.total) == (
        "Grading Conversations With Families",
        2,
        3,
    )
    science = by_title(entries, "The Learning Sciences and Student Agency").series
    assert (science.part, science.total) == (4, 4)
    assert science.title == "Science of Learning in Classrooms"


def test_recurring_titles_on_different_days_get_different_keys(entries):
    roundups = [entry for entry in entries if entry.title == "Weekly Roundup"]
    assert len({entry.import_key for entry in roundups}) == 2


def test_keys_are_stable_across_runs(entries):
    again = read(FIXTURES / "listing-2018.txt")
    assert [e.import_key for e in again] == [e.import_key for e in entries]
    assert [e.digest() for e in again] == [e.digest() for e in entries]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"A title\n\nMarch 1, 2018 by\n\nText without a share line.\n", "no entries found"),
        (b"A title\n\nSome text.\n\nPrint Friendly\n", "no entry has a date line"),
        (b"Title\n\nMarch 1, 2018 by\n\nCaf\xe9 text\n\nPrint Friendly\n", "not UTF-8 text"),
        (b"Title\n\nFebruary 30, 2018 by\n\nText.\n\nPrint Friendly\n", "impossible date"),
        (b"Title\x00\x00 data", "binary data"),
    ],
)
def test_bad_pages_raise_a_clear_error_naming_the_file(tmp_path, content, message):
    page = tmp_path / "page.txt"
    page.write_bytes(content)
    with pytest.raises(ArchiveError, match=message) as error:
        parse_text_archive(page, time_zone=ZONE)
    assert "page.txt" in str(error.value)


def test_error_names_the_line(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(b"Title\n\nMarch 1, 2018 by\n\nGood line\nCaf\xe9\n\nPrint Friendly\n")
    with pytest.raises(ArchiveError, match="line 6"):
        parse_text_archive(page, time_zone=ZONE)


# Through the command: series rules across the run, part links, summary and warnings

SERIES_PAGE = FIXTURES / "series-2019.txt"


def run_import(*args, **options):
    out = io.StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.mark.django_db
def test_a_name_two_posts_share_makes_a_series_and_a_fragment_does_not():
    output = run_import(SERIES_PAGE)
    (series,) = Series.objects.all()
    assert series.title == "rural school networks" and series.planned_parts == 3
    parts = series.posts.order_by("series_part").values_list("title", "series_part")
    assert list(parts) == [("Mapping the Valley – Part 1", 1), ("Mapping the Valley – Part 2", 2)]
    assert Post.objects.get(title="What Students Asked For").series is None
    assert "left out of a series: 'thorny, lasting questions" in output


@pytest.mark.django_db
def test_read_part_1_here_links_to_the_imported_part_1():
    run_import(SERIES_PAGE)
    first = Post.objects.get(title="Mapping the Valley – Part 1")
    second = Post.objects.get(title="Mapping the Valley – Part 2")
    assert f'Read <a href="{first.get_absolute_url()}">Part 1</a> here.' in second.body
    assert "originally appeared" not in second.body
    assert (second.crosspost_publisher, second.crosspost_date) == ("Valley Notes", date(2019, 3, 1))


@pytest.mark.django_db
def test_caption_credit_file_name_heading_and_empty_heading():
    output = run_import(SERIES_PAGE)
    second = Post.objects.get(title="Mapping the Valley – Part 2")
    assert second.image_credit == "Photo by Lena Ortiz."
    assert second.image_caption == "Maria Chen, Principal, Ridge Elementary"
    assert "Helpful Links" not in second.body
    first = Post.objects.get(title="Mapping the Valley – Part 1")
    assert "<h3>Notes</h3>" in first.body and "Screen Shot" not in first.body
    assert "dropped image file name 'Screen Shot 2019-03-01 at 9.10.11 AM'" in output


@pytest.mark.django_db
def test_summary_names_the_default_section_and_posts_without_authors(tmp_path):
    report = tmp_path / "report.json"
    output = run_import(SERIES_PAGE, report=report)
    for part in ("without authors: 3", "in default section: 3", "default section: k-12"):
        assert part in output
    posts = json.loads(report.read_text())["posts"]
    assert all("no author: the source names none" in post["warnings"] for post in posts)


@pytest.mark.django_db
def test_warnings_print_by_default_grouped_per_file_and_not_at_verbosity_0():
    output = run_import(SERIES_PAGE)
    lines = output.splitlines()
    assert lines[0] == "series-2019.txt:"
    assert "  line 7: no author: the source names none" in lines
    assert lines.count("series-2019.txt:") == 1
    quiet = run_import(SERIES_PAGE, verbosity=0)
    assert "line" not in quiet


WXR_POST = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Valley</title><link>https://valley.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://valley.example</wp:base_site_url>
{items}
</channel></rss>"""
WXR_ITEM = """<item><title>{title}</title><link>https://valley.example/?p={id}</link>
<dc:creator>ann</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date_gmt>2019-03-0{id} 12:00:00</wp:post_date_gmt>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>"""


@pytest.mark.django_db
def test_wordpress_bodies_get_the_same_series_and_crosspost_rules(tmp_path):
    items = [
        WXR_ITEM.format(
            id=1, title="Open Doors", body="This is the first of two posts on Open Doors Week."
        ),
        WXR_ITEM.format(
            id=2,
            title="Open Doors Again",
            body='This essay first appeared at <a href="https://notes.example/od">Valley '
            "Notes</a> on March 1, 2019.\n\nThis is the second of two posts on Open Doors "
            "Week. Read Part 1 here.",
        ),
    ]
    export = tmp_path / "valley.xml"
    export.write_text(WXR_POST.format(items="".join(items)))
    run_import(export)
    first, second = Post.objects.order_by("series_part")
    assert (second.series.title, second.series_part, second.series.planned_parts) == (
        "Open Doors Week", 2, 2,
    )  # fmt: skip
    assert (second.crosspost_publisher, second.crosspost_url) == (
        "Valley Notes",
        "https://notes.example/od",
    )
    assert "first appeared" not in second.body
    assert f'<a href="{first.get_absolute_url()}">Part 1</a>' in second.body
