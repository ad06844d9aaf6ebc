"""WordPress WXR exports: fields, versions, statuses, bodies, safety, encodings and memory."""

import builtins
import codecs
import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blog.importers.records import ArchiveError, PostRecord, SkippedItem
from blog.importers.wxr import WxrFile, autop, convert_body, old_paths, parse_wxr

FIXTURES = Path(__file__).parent / "fixtures" / "wxr"
ZONE = "America/New_York"
CLASS_JPG = "https://www.competencyworks.org/wp-content/uploads/2019/05/class.jpg"


def parse(name, zone=ZONE):
    return list(parse_wxr(FIXTURES / name, time_zone=zone))


def posts(name):
    return {item.title: item for item in parse(name) if isinstance(item, PostRecord)}


def line_of(name, text, occurrence=0):
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, 1) if text in line][occurrence]


@pytest.fixture(scope="module")
def minimal():
    return parse("minimal.xml")


@pytest.fixture(scope="module")
def feature(minimal):
    return minimal[0]


# Items, in source order.


def test_items_come_in_source_order_with_pages_kept_and_menus_skipped(minimal):
    assert [(type(item).__name__, item.title) for item in minimal] == [
        ("PostRecord", "Grading & Reporting in Māori-medium Schools: \u201cWhat Works\u201d 🎉"),
        ("PostRecord", "About Us"),
        ("SkippedItem", "Home"),
        ("PostRecord", "(untitled)"),
        ("PostRecord", "Tom & Jerry\u2019s guide to <rubrics>"),
    ]
    assert [item.kind for item in minimal if isinstance(item, PostRecord)] == [
        "post", "page", "post", "post"
    ]  # fmt: skip
    assert minimal[2].reason == "nav_menu_item (only posts and pages are imported)"


def test_stats_count_items_pages_attachments_and_comments():
    wxr = WxrFile(FIXTURES / "minimal.xml", time_zone=ZONE)
    records = list(wxr.records())
    assert len(records) == 5
    assert wxr.stats == {
        "items": 6,
        "posts": 3,
        "pages": 1,
        "attachments": 1,
        "comments": 3,  # two approved and one waiting; spam is not counted
        "comments_approved": 2,
        "skipped": 1,
        "characters_replaced": 0,
    }
    assert wxr.wxr_version == "1.2"


def test_sources_name_the_file_and_the_line_where_the_item_starts(minimal):
    assert [item.source for item in minimal] == [
        f"minimal.xml, line {line_of('minimal.xml', '<item>', n)}" for n in (0, 2, 3, 4, 5)
    ]
    assert minimal[0].source == "minimal.xml, line 32"


# Every field of a full post.


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("import_key", "wxr:www.competencyworks.org:101"),
        ("title", "Grading & Reporting in Māori-medium Schools: \u201cWhat Works\u201d 🎉"),
        ("slug", "grading-reporting"),
        ("published_at", datetime(2019, 5, 3, 13, 30, tzinfo=UTC)),
        ("status", "published"),
        ("pinned", True),
        ("section", "k-12"),
        ("authors", ["Rangi Tāhere"]),
        (
            "tags",
            ["Rubrics & Scoring", "Performance Tasks", "Assessment", "Equity", "Te Reo Māori"],
        ),
        (
            "excerpt",
            "Schools in Aotearoa have been rethinking report cards & grades. "
            "Here is what we learned.",
        ),
        ("image_url", CLASS_JPG),
        ("image_alt", "Students presenting at a whānau evening"),
        ("caption", "Students present their portfolios & projects"),
        ("old_link", "https://www.competencyworks.org/2019/05/03/grading-reporting/"),
        (
            "old_paths",
            [
                "/2019/05/03/grading-reporting/",
                "/2019/05/03/grading-and-reporting/",
                "/2019/05/03/report-cards/",
            ],
        ),
        ("comment_count", 3),
        ("approved_comment_count", 2),
        ("date_inferred", False),
        ("series", None),
        (
            "warnings",
            ["shortcode [gallery] left as text"],
        ),
    ],
)
def test_a_full_post_maps_every_field(feature, field, expected):
    assert getattr(feature, field) == expected


def test_body_gets_paragraphs_a_figure_and_keeps_entities_and_other_shortcodes(feature):
    body = feature.body
    assert body.startswith(
        "<p>Schools in Aotearoa have been rethinking report cards &amp; grades.<br>\n"
        "Here is what we learned.</p>\n<figure>"
    )
    assert (
        f'<figure><a href="{CLASS_JPG}"><img class="size-medium wp-image-201" '
        'src="https://www.competencyworks.org/wp-content/uploads/2019/05/class-300x200.jpg" '
        'alt="Students presenting" width="300" height="200" /></a>'
        "<figcaption>Students present their portfolios</figcaption></figure>"
    ) in body
    assert "<ul>\n<li>Feedback is specific</li>\n<li>Evidence is public</li>\n</ul>" in body
    assert '<p>[gallery ids="12,13"]</p>' in body
    assert body.endswith("<p>Thanks to everyone in Ōtaki \u2014 and see [the appendix].</p>")
    assert "more" not in body and "Keep reading" not in body and "[caption" not in body


def test_a_draft_without_gmt_date_uses_the_local_date_and_other_fallbacks(minimal):
    draft = minimal[3]
    assert draft.status == "draft"
    assert draft.published_at == datetime(2020, 1, 15, 10, 0, tzinfo=ZoneInfo(ZONE))
    assert draft.title == "(untitled)"
    assert "the post has no title; imported as (untitled)" in draft.warnings
    assert draft.slug == "māori-\u201cquotes\u201d"  # percent-encoded in WordPress
    assert draft.section == "higher-education"  # by the category's name
    assert draft.tags == []
    assert draft.authors == ["jlopez"]  # no display name: the login
    assert draft.excerpt == "A hand-written summary & more."
    assert draft.body == "<p>Already formatted.</p>\n<p>Second paragraph.</p>"
    assert draft.image_url == ""
    assert "featured image (attachment 999) is not in the export" in draft.warnings
    assert draft.old_link == "https://www.competencyworks.org/?p=102"
    assert draft.old_paths == []  # "/?p=102" cannot be redirected
    assert draft.pinned is False


def test_entities_outside_cdata_are_decoded_exactly(minimal):
    post = minimal[4]
    assert post.title == "Tom & Jerry\u2019s guide to <rubrics>"
    assert post.body == "<p>Escaped &amp; not CDATA.</p>"
    assert post.authors == ["nobody-known"]
    assert post.section is None
    assert post.excerpt == ""


def test_a_nested_category_brings_its_ancestors_as_tags(minimal):
    assert minimal[4].tags == ["Performance Tasks", "Assessment"]
    assert minimal[0].tags[:3] == ["Rubrics & Scoring", "Performance Tasks", "Assessment"]
    assert "Uncategorized" not in minimal[0].tags


# Versions 1.0 and 1.1.


def test_wxr_1_0_with_doubled_categories_tag_domain_and_a_subdirectory_site():
    wxr = WxrFile(FIXTURES / "v10.xml", time_zone=ZONE)
    [post] = wxr.records()
    assert wxr.wxr_version == "1.0"
    assert post.import_key == "wxr:notes.example.org/blog:7"
    assert post.title == "Seat Time Waivers, Explained"
    assert post.tags == ["State Policy", "Policy", "seat time"]
    assert post.authors == ["admin"]
    assert post.published_at == datetime(2010, 3, 2, 15, 0, tzinfo=UTC)
    assert post.body == (
        "<p>Several states now let schools award credit for mastery.</p>\n"
        "<p>They call it a <strong>waiver</strong>.</p>"
    )
    assert post.old_paths == ["/blog/2010/03/seat-time-waivers/", "/blog/2010/03/waivers/"]
    assert post.comment_count == 1
    assert post.source == "v10.xml, line 25"


def test_wxr_1_1_keeps_cdata_exactly_and_prefers_the_written_excerpt():
    [post] = parse("v11.xml")
    assert post.import_key == "wxr:competencyworks.example:55"
    assert post.title == "Competency-Based Degrees: \u201cDirect Assessment\u201d & Financial Aid"
    assert post.authors == ["Kim O\u2019Neil-Williams"]
    assert post.section == "higher-education"  # by nicename, whatever the category is called
    assert post.tags == ["Financial Aid"]
    assert post.excerpt == "The excerpt WordPress authors wrote \u2014 it wins over the teaser."
    assert post.body == (
        "<p>A teaser paragraph about <em>direct assessment</em>.</p>\n"
        "<p>The body keeps CDATA that contains ]]> and a literal &amp; entity.</p>"
    )
    assert post.slug == "cbé-degrees"
    assert post.old_paths == ["/blog/cbé-degrees/", "/blog/degrees-\u2013-aid/"]


# Statuses.


@pytest.mark.parametrize(
    ("title", "status", "published_at", "warning"),
    [
        ("Published", "published", datetime(2022, 9, 1, 12, tzinfo=UTC), None),
        ("Scheduled", "published", datetime(2099, 1, 1, 14, tzinfo=UTC), None),
        ("Draft", "draft", datetime(2022, 9, 1, 8, tzinfo=ZoneInfo(ZONE)), None),
        ("Pending review", "draft", datetime(2022, 9, 1, 8, tzinfo=ZoneInfo(ZONE)), None),
        ("Private", "private", datetime(2022, 9, 1, 12, tzinfo=UTC), None),
        ("Binned", "draft", datetime(2022, 9, 1, 12, tzinfo=UTC), "status 'trash'"),
        ("Members only", "draft", datetime(2022, 9, 1, 12, tzinfo=UTC), "was password-protected"),
    ],
)
def test_statuses_map_to_published_private_or_draft(title, status, published_at, warning):
    post = posts("statuses.xml")[title]
    assert post.status == status
    assert post.published_at == published_at
    if warning:
        assert len(post.warnings) == 1 and warning in post.warnings[0]
    else:
        assert post.warnings == []


def test_revisions_and_other_types_are_skipped_with_their_type_named():
    skipped = [item for item in parse("statuses.xml") if isinstance(item, SkippedItem)]
    assert [(item.title, item.reason) for item in skipped] == [
        ("Old revision", "revision (only posts and pages are imported)"),
        ("Contact form", "wpcf7_contact_form (only posts and pages are imported)"),
    ]


# Shortcodes and bodies.


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Plain caption",
            '<p>Before.</p>\n<figure><img src="https://cw.example/a.jpg" alt="A chart" '
            'width="640" height="480" /><figcaption>Growth in <em>mastery</em> by term'
            "</figcaption></figure>\n<p>After.</p>",
        ),
        (
            "Linked caption",
            '<figure><a href="https://cw.example/b-full.jpg">\n'
            '<img src="https://cw.example/b.jpg" alt="B" />\n</a>'
            "<figcaption>A linked photo</figcaption></figure>",
        ),
        (
            "Attribute caption",
            '<figure><img src="https://cw.example/c.jpg" alt="C" />'
            "<figcaption>Teacher's <em>notes</em> &amp; plans</figcaption></figure>",
        ),
        (
            "Old caption",
            '<figure><img src="https://cw.example/d.jpg" alt="D" />'
            "<figcaption>From 2009</figcaption></figure>",
        ),
    ],
)
def test_captions_become_figures(title, body):
    post = posts("shortcodes.xml")[title]
    assert post.body == body
    assert post.warnings == []


def test_other_shortcodes_stay_as_text_and_are_reported_once_each():
    post = posts("shortcodes.xml")["Other shortcodes"]
    assert post.warnings == [
        "shortcode [gallery] left as text",
        "shortcode [embed] left as text",
        "shortcode [youtube] left as text",
        "shortcode [contact-form-7] left as text",
        "shortcode [note] left as text",
    ]
    assert "<p>[embed]https://www.youtube.com/watch?v=abc[/embed]</p>" in post.body
    assert "[sic]" in post.body and "[[gallery]]" in post.body


def test_a_caption_without_an_image_is_left_as_a_shortcode():
    post = posts("shortcodes.xml")["Caption without image"]
    assert post.body == '<p>[caption id="x" width="100"]Just words[/caption]</p>'
    assert post.warnings == ["shortcode [caption] left as text"]


FIGURE = "<figure><img src=a>\n<figcaption>c</figcaption></figure>"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("One line", "<p>One line</p>"),
        ("One\n\nTwo", "<p>One</p>\n<p>Two</p>"),
        ("One\r\n\r\nTwo\r\nthree", "<p>One</p>\n<p>Two<br>\nthree</p>"),
        ("Line one\nline two", "<p>Line one<br>\nline two</p>"),
        ("a<br />\nb", "<p>a<br>\nb</p>"),
        ("a<br><br>b", "<p>a</p>\n<p>b</p>"),
        ("<p>Already</p>\n<p>Done</p>", "<p>Already</p>\n<p>Done</p>"),
        (
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\nAfter",
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>After</p>",
        ),
        ("<blockquote>Quote\nmore</blockquote>", "<blockquote><p>Quote<br>\nmore</p></blockquote>"),
        ("Intro\n<h2>Head</h2>\nText", "<p>Intro</p>\n<h2>Head</h2>\n<p>Text</p>"),
        ("<pre>a\n\nb</pre>", "<pre>a\n\nb</pre>"),
        ("Text<hr>More", "<p>Text</p>\n<hr>\n<p>More</p>"),
        ('<img\nsrc="x.png"> text', '<p><img\nsrc="x.png"> text</p>'),
        ("<div>x</div>", "<div>x</div>"),
        (
            "<table>\n<tr>\n<td>a</td>\n</tr>\n</table>",
            "<table>\n<tr>\n<td>a</td>\n</tr>\n</table>",
        ),
        (FIGURE, FIGURE),  # kept exactly, not broken into paragraphs
    ],
)
def test_autop_adds_paragraphs_and_line_breaks_like_wordpress(text, html):
    assert autop(text) == html


def test_more_marker_gives_the_teaser_and_block_editor_content_is_left_alone():
    body, teaser, warnings = convert_body(
        "<!-- wp:paragraph --><p>Lead</p><!-- /wp:paragraph -->\n<!--more-->\n"
        "<!-- wp:paragraph --><p>Rest\nof it</p><!-- /wp:paragraph -->"
    )
    assert teaser == "<!-- wp:paragraph --><p>Lead</p><!-- /wp:paragraph -->\n"
    assert body == (
        "<!-- wp:paragraph --><p>Lead</p><!-- /wp:paragraph -->\n\n"
        "<!-- wp:paragraph --><p>Rest\nof it</p><!-- /wp:paragraph -->"
    )
    assert warnings == []


def test_paged_posts_are_joined_with_a_warning():
    body, teaser, warnings = convert_body("Page one<!--nextpage-->Page two")
    assert body == "<p>Page one</p>\n<p>Page two</p>"
    assert teaser is None
    assert warnings == ["the post was split into pages (<!--nextpage-->); the pages were joined"]


@pytest.mark.parametrize(
    ("link", "slug", "old", "paths"),
    [
        ("https://x.example/2019/05/new/", "new", ["old"], ["/2019/05/new/", "/2019/05/old/"]),
        ("https://x.example/new", "new", ["old", "new", "old"], ["/new", "/old"]),
        ("https://x.example/?p=12", "", ["old"], []),
        ("https://x.example/", "new", [], []),
        ("", "new", ["old"], []),
        ("https://x.example/archives/12", "new", ["old"], ["/archives/12"]),
        ("https://x.example/caf%C3%A9/", "café", ["caf%c3%a8"], ["/café/", "/cafè/"]),
    ],
)
def test_old_paths_come_from_the_permalink_and_earlier_slugs(link, slug, old, paths):
    assert old_paths(link, slug, old) == paths


# Encodings.


def test_a_windows_1252_file_is_transcoded_and_its_text_survives():
    [post] = parse("encoding-cp1252.xml")
    assert post.title == "\u201cCafé\u201d budgets \u2014 €40 per student"
    assert post.body == (
        "<p>It\u2019s the \u201cnaïve\u201d plan\u2026 costing €40 \u2013 or less.</p>"
    )
    assert post.authors == ["José Núñez"]
    assert post.source == "encoding-cp1252.xml, line 10"


def test_a_utf_16_file_with_a_byte_order_mark_is_read(tmp_path):
    text = (FIXTURES / "v11.xml").read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "utf16.xml"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    [post] = parse_wxr(path, time_zone=ZONE)
    assert post.title == parse("v11.xml")[0].title
    assert post.source == "utf16.xml, line 19"


# Refused files.


@pytest.mark.parametrize(
    ("name", "message", "line"),
    [
        ("bomb.xml", "DOCTYPE declaration", 2),
        ("external-entity.xml", "DOCTYPE declaration", 2),
        ("empty.xml", "the file is empty", 1),
        ("truncated.xml", "the file ends before the XML is complete", 131),
        ("malformed.xml", "an end tag does not match", 9),
        ("invalid-utf8.xml", "byte 0xE9 is not valid UTF-8", 12),
        ("not-wxr.xml", "not a WordPress export", None),
    ],
)
def test_broken_or_unsafe_files_are_refused_with_file_and_line(name, message, line):
    with pytest.raises(ArchiveError) as caught:
        parse(name)
    error = caught.value
    assert error.source == str(FIXTURES / name)
    assert error.line == line
    assert message in str(error)
    assert str(error).startswith(f"{FIXTURES / name}{f', line {line}' if line else ''}: ")


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"  \n\n", "contains no XML elements", 3),
        (b"<html><body>Hi</body></html>", "the document is <html>, not an RSS", None),
        (b'<rss version="2.0"></rss>', "the RSS has no <channel>", None),
        (
            b'<?xml version="1.0" encoding="klingon-8"?>\n<rss/>',
            "unknown encoding 'klingon-8'",
            1,
        ),
        (
            b'<?xml version="1.0" encoding="windows-1252"?>\n<rss>\n<channel>\x81</channel></rss>',
            "byte 0x81 is not valid windows-1252",
            3,
        ),
        (
            b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>a &nbsp; b'
            b"</title></channel></rss>",
            "undefined entity",
            1,
        ),
        (b"<rss><channel></channel></rss><rss/>", "more after the end of the document", 1),
    ],
)
def test_other_unreadable_files_are_refused(tmp_path, content, message, line):
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(ArchiveError) as caught:
        list(parse_wxr(path, time_zone=ZONE))
    assert message in str(caught.value)
    assert caught.value.line == line


def test_doctype_files_fail_before_any_record_and_without_expanding(monkeypatch):
    opened = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    for name in ("bomb.xml", "external-entity.xml"):
        records = parse_wxr(FIXTURES / name, time_zone=ZONE)
        tracemalloc.start()
        with pytest.raises(ArchiveError, match=name):
            next(records)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 2_000_000  # a billion laughs would need gigabytes
    assert not any("passwd" in path for path in opened)
    assert str(FIXTURES / "bomb.xml") in opened and str(FIXTURES / "external-entity.xml") in opened


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        WxrFile(FIXTURES / "minimal.xml", time_zone="Mars/Olympus")


# Memory.

GENERATED_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://cw.example</wp:base_site_url>
"""
GENERATED_ITEM = """<item><title>Post {n} &amp; more</title>
<content:encoded><![CDATA[Body of post {n}, about mastery and grading.]]></content:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2020-01-01 15:00:00</wp:post_date_gmt>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
"""


def write_export(path, items):
    with open(path, "w", encoding="utf-8") as out:  # streamed, one item at a time
        out.write(GENERATED_HEAD)
        for n in range(1, items + 1):
            out.write(GENERATED_ITEM.format(n=n))
        out.write("</channel>\n</rss>\n")


def peak_memory(path):
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_wxr(path, time_zone=ZONE))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_export_grows(tmp_path):
    write_export(tmp_path / "small.xml", 2_000)
    write_export(tmp_path / "large.xml", 20_000)
    small_count, small_peak = peak_memory(tmp_path / "small.xml")
    large_count, large_peak = peak_memory(tmp_path / "large.xml")
    assert (small_count, large_count) == (2_000, 20_000)
    assert (tmp_path / "large.xml").stat().st_size > 9 * (tmp_path / "small.xml").stat().st_size
    assert large_peak < 2 * small_peak


# Namespaces, versions and lenient reading, as WordPress's importer has them.

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="{excerpt}" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{wp}">
<channel>
<title>Site</title>
{version}<wp:base_site_url>https://cw.example</wp:base_site_url>
"""
ITEM = """<item><title>{title}</title><link>https://cw.example/{n}/</link>
<content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[Short]]></excerpt:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2020-01-01 15:00:00</wp:post_date_gmt>
<wp:post_name>p{n}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item>
"""


def export(tmp_path, items=(), wp="http://wordpress.org/export/1.2/", version="1.2", raw=""):
    excerpt = wp.rstrip("/") + "/excerpt/"
    tag = f"<wp:wxr_version>{version}</wp:wxr_version>\n" if version is not None else ""
    text = HEAD.format(wp=wp, excerpt=excerpt, version=tag)
    text += "".join(ITEM.format(n=n, title=title, body=body) for n, (title, body) in items)
    path = tmp_path / "export.xml"
    path.write_text(text + raw + "</channel></rss>\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "wp",
    [
        "https://wordpress.org/export/1.2/",
        "http://wordpress.org/export/1.0/",
        "https://wordpress.com/export/1.2/",
        "http://wp.org/export/1.1/",  # any address the document binds to wp:
    ],
)
def test_the_wordpress_namespace_is_read_from_the_document(tmp_path, wp):
    [post] = parse_wxr(export(tmp_path, [(1, ("Hello", "Body"))], wp=wp), time_zone=ZONE)
    assert (post.title, post.body, post.excerpt, post.slug) == (
        "Hello",
        "<p>Body</p>",
        "Short",
        "p1",
    )
    assert post.import_key == "wxr:cw.example:1"


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        (None, "missing/invalid WXR version number (it has no <wp:wxr_version>)"),
        ("", "missing/invalid WXR version number (it has no <wp:wxr_version>)"),
        ("1.2beta", "missing/invalid WXR version number (it says '1.2beta')"),
        ("1.3", "WXR version 1.3 is newer than the versions WordPress's importer reads"),
        ("2.0", "WXR version 2.0 is newer"),
    ],
)
def test_files_wordpress_refuses_are_refused_for_its_reason(tmp_path, version, reason):
    path = export(tmp_path, [(1, ("Hello", "Body"))], version=version)
    with pytest.raises(ArchiveError) as caught:
        list(parse_wxr(path, time_zone=ZONE))
    assert str(caught.value).startswith(f"{path}: ")
    assert reason in str(caught.value)


def test_control_characters_are_replaced_and_reported(tmp_path):
    path = export(tmp_path, [(1, ("Tab\x0bbed\x01", "Word\x0bline")), (2, ("Clean", "Fine"))])
    wxr = WxrFile(path, time_zone=ZONE)
    first, second = wxr.records()
    assert (first.title, first.body) == ("Tab bed", "<p>Word line</p>")
    assert first.warnings == [
        "3 character(s) that XML does not allow (control characters) were replaced by spaces, "
        "first on line 8, 9"
    ]
    assert second.warnings == []
    assert wxr.stats["characters_replaced"] == 3


def test_control_characters_after_the_first_chunk_keep_characters_whole(tmp_path):
    # A two-byte character split between two reads, then a control character further on.
    filler = "x" * (64 * 1024 - len(HEAD) - 300)
    items = [(1, ("Long", filler + "é" * 200)), (2, ("Later\x0c", "Ünïcode"))]
    first, second = parse_wxr(export(tmp_path, items), time_zone=ZONE)
    assert first.body.endswith("é" * 200 + "</p>")
    assert (second.title, second.body) == ("Later", "<p>Ünïcode</p>")


def test_cdata_that_holds_its_own_end_reads_as_in_wordpress():
    [post] = parse("real/wordpress-develop-crazy-cdata.xml")
    assert post.body == "<p>Content with nested <![CDATA[ tags ]]> :)</p>"


def test_a_stray_cdata_end_outside_cdata_is_text(tmp_path):
    path = export(tmp_path, raw="<item><title>A ]]> B</title><wp:post_id>9</wp:post_id></item>")
    [post] = parse_wxr(path, time_zone=ZONE)
    assert post.title == "A ]]> B"
    assert post.warnings[0] == (
        '1 CDATA section(s) hold "]]>", which XML does not allow; they were read as WordPress '
        "reads them"
    )


def test_other_bad_markup_is_still_refused_with_its_line(tmp_path):
    path = export(tmp_path, raw="<item>\n<title>a < b</title></item>")
    with pytest.raises(ArchiveError, match="malformed XML at column 11: not well-formed") as caught:
        list(parse_wxr(path, time_zone=ZONE))
    assert caught.value.line == 9


def test_items_missing_optional_fields_get_defaults_and_warnings(tmp_path):
    bare = (
        "<item><title>Bare \u202eevil\u202c \u200bzero</title>"
        "<content:encoded>Text</content:encoded>"
        "<wp:post_id>5</wp:post_id><wp:post_date>2021-02-03 04:05:06</wp:post_date>"
        "<wp:post_name></wp:post_name><wp:status>publish</wp:status></item>"
        "<item><title>Zero</title><wp:post_id>6</wp:post_id><wp:post_type>post</wp:post_type>"
        "<wp:post_date>0000-00-00 00:00:00</wp:post_date>"
        "<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt></item>"
    )
    bare_post, zero = parse_wxr(export(tmp_path, raw=bare), time_zone=ZONE)
    assert bare_post.title == "Bare \u202eevil\u202c \u200bzero"  # kept as written
    assert bare_post.published_at == datetime(2021, 2, 3, 4, 5, 6, tzinfo=ZoneInfo(ZONE))
    assert (bare_post.status, bare_post.slug, bare_post.authors) == ("published", "", [])
    assert bare_post.warnings == [
        "no wp:post_type; imported as a post, as WordPress does",
        f"no wp:post_date_gmt; wp:post_date read as {ZONE}",
        "no wp:post_name; the slug was made from the title",
        "no permalink (link) in the export; the old address cannot redirect",
    ]
    assert (zero.status, zero.published_at) == ("draft", None)
    assert zero.warnings == ["WordPress status '(none)'; imported as a draft"]


@pytest.mark.django_db
def test_bidi_and_zero_width_characters_stay_in_titles_but_not_slugs(tmp_path):
    from django.core.management import call_command

    from blog.models import Post

    title = "\u202bRTL\u202c Grading\u200b \u2066Reform\u2069\ufeff"
    call_command("import_archive", str(export(tmp_path, raw=f"<item><title>{title}</title>"
                 "<wp:post_id>3</wp:post_id><wp:status>publish</wp:status></item>")),
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    post = Post.objects.get()
    assert post.title == title
    assert post.slug == "rtl-grading-reform"
