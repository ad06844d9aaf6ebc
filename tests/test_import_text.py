"""Saved text archive pages: entries, dates, teasers, images, cross-posts, series, lists."""

from datetime import date
from pathlib import Path

import pytest

from blog.importers.records import ArchiveError
from blog.importers.text_archive import parse_text_archive

FIXTURES = Path(__file__).parent / "fixtures" / "text"
ZONE = "America/New_York"


@pytest.fixture(scope="module")
def entries():
    return parse_text_archive(FIXTURES / "listing-2018.txt", time_zone=ZONE)


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
    assert "science of learning" in science.title


def test_recurring_titles_on_different_days_get_different_keys(entries):
    roundups = [entry for entry in entries if entry.title == "Weekly Roundup"]
    assert len({entry.import_key for entry in roundups}) == 2


def test_keys_are_stable_across_runs(entries):
    again = parse_text_archive(FIXTURES / "listing-2018.txt", time_zone=ZONE)
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
