"""What an import writes for each post is what reading the post back gives: its revision in
History holds the post (and its bylines) as stored after the whole run, links rewritten, and
its search document the text a reindex of the stored post makes.

The importer builds these from the posts in hand rather than reading each post again; these
tests read them again and compare, field for field and byte for byte.
"""

import io
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import call_command
from django.utils import timezone
from reversion.models import Version
from reversion.revisions import _get_options as registration

from blog.models import Byline, Post
from competencyworks import bulk
from competencyworks.models import SearchDocument
from competencyworks.search.index import COLUMNS, document_row
from competencyworks.search.registry import KINDS
from tests.factories import AuthorFactory, SectionFactory, committed

pytestmark = pytest.mark.django_db
SITE_EXPORT = Path(__file__).parent / "fixtures" / "wxr" / "site-export.xml"
SERIES = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Series</title><link>https://series.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://series.example.org</wp:base_site_url>
<wp:author><wp:author_login>ana</wp:author_login>
<wp:author_display_name>Ana Ruiz</wp:author_display_name></wp:author>
{items}
</channel></rss>
"""
PART = """<item><title>Grading for Learning, Part {n}</title>
<link>https://series.example.org/2019/0{n}/01/grading-{n}/</link>
<dc:creator>ana</dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2019-0{n}-01 14:00:00</wp:post_date_gmt>
<wp:post_name>grading-{n}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
<category domain="post_tag" nicename="grading">Grading</category>
<category domain="post_tag" nicename="grading-{n}">Part {n}</category>
</item>"""


def run(*paths):
    call_command(
        "import_archive", *map(str, paths), media=False, stdout=io.StringIO(),
        stderr=io.StringIO(),
    )  # fmt: skip


@pytest.fixture
def series_export(tmp_path):
    path = tmp_path / "series.xml"
    bodies = [
        "This is part 1 of a three-part series on Grading for Learning.\n\nGrades should "
        "say what a student knows.",
        "This is part 2 of a three-part series on Grading for Learning. Read Part 1 here."
        '\n\nSee <a href="https://series.example.org/2019/01/01/grading-1/">the first part</a>.',
    ]
    items = [PART.format(n=n, body=body) for n, body in enumerate(bodies, 1)]
    path.write_text(SERIES.format(items="\n".join(items)), encoding="utf-8")
    return path


def as_stored(obj):
    """What django-reversion stores for `obj` as it is now."""
    return serializers.serialize("json", [obj], fields=registration(type(obj)).fields)


def test_each_revision_holds_the_post_and_its_bylines_as_stored_after_the_run(series_export):
    run(SITE_EXPORT, series_export)
    posts = list(Post.objects.prefetch_related("bylines__author").order_by("pk"))
    assert len(posts) == 5
    second = next(post for post in posts if post.title.endswith("Part 2"))
    assert "/2019/01/01/grading-1/" in second.body  # its links were rewritten after writing
    for post in posts:
        (version,) = Version.objects.get_for_object(post)
        file_name = "series.xml" if "Grading" in post.title else SITE_EXPORT.name
        assert version.revision.comment == f"Imported from {file_name}"
        assert version.serialized_data == as_stored(post)
        assert version.object_repr == str(post)
        for byline in post.bylines.all():
            (followed,) = Version.objects.get_for_object(byline)
            assert followed.revision_id == version.revision_id
            assert followed.serialized_data == as_stored(byline)
            assert followed.object_repr == str(byline)
    assert [byline.author.name for byline in second.bylines.all()] == ["Ana Ruiz"]


def test_each_search_document_is_what_a_reindex_of_the_stored_post_writes(series_export):
    with committed():
        run(SITE_EXPORT, series_export)
    document = KINDS["post"]
    posts = list(document.items().order_by("pk"))
    tags = document.tags(posts)
    stored = {
        row[1]: row for row in SearchDocument.objects.filter(kind="post").values_list(*COLUMNS)
    }
    assert sorted(stored) == [post.pk for post in posts]
    for post in posts:
        expected = document_row("post", post, tags[post.pk], document.url(post))
        row = stored[post.pk]
        assert row[:7] + row[8:] == expected[:7] + expected[8:]
        assert row[7] == post.publish_at
        tagged = SearchDocument.objects.get(kind="post", object_id=post.pk).tags.all()
        assert sorted(tag.name for tag in tagged) == sorted(tag.name for tag in tags[post.pk])


def test_a_second_run_writes_no_revision_and_changes_no_post(series_export):
    run(SITE_EXPORT, series_export)
    before = {post.pk: as_stored(post) for post in Post.objects.all()}
    versions = Version.objects.count()
    run(SITE_EXPORT, series_export)
    assert {post.pk: as_stored(post) for post in Post.objects.all()} == before
    assert Version.objects.count() == versions


@pytest.mark.parametrize(
    ("model", "values"),
    [(Post, {"import_key": "wxr:example.org:7"}), (Byline, {"post_id": 1, "author_id": 2})],
)
def test_a_new_row_made_the_quick_way_is_the_one_keywords_make(model, values):
    quick, usual = bulk.new_instance(model, **values), model(**values)
    assert vars(quick.__dict__.pop("_state")) == vars(usual.__dict__.pop("_state"))
    assert quick.__dict__ == usual.__dict__


def test_rows_the_quick_insert_writes_are_the_rows_bulk_create_writes():
    """On PostgreSQL they go by COPY with ids drawn from the table's sequence first, so a
    save afterwards takes the next id."""

    now = timezone.now()

    def posts(prefix):
        return [
            Post(
                section=section, title=f"Één {n} — “quoted”\ttab", slug=f"{prefix}-{n}",
                body="<p>a\\b \\N</p>" if n else "", import_key=f"{prefix}:{n}", pinned=n == 1,
                publish_at=None if n else now, series_part=n or None,
            )
            for n in range(3)
        ]  # fmt: skip

    section, author = SectionFactory(), AuthorFactory()
    quick, usual = posts("quick"), posts("usual")
    bulk.insert(quick)
    Post.objects.bulk_create(usual)
    assert all(post.pk and not post._state.adding for post in quick)
    bylines = [Byline(post=post, author=author, position=0) for post in quick]
    bulk.insert(bylines)
    assert [byline.post_id for byline in Byline.objects.order_by("pk")] == [p.pk for p in quick]
    stored = {post.slug: post for post in Post.objects.all()}
    ignored = {"_state", "id", "slug", "import_key", "created_at", "updated_at"}
    for one, other in zip(quick, usual, strict=True):
        fields = [
            {k: v for k, v in vars(stored[p.slug]).items() if k not in ignored}
            for p in (one, other)
        ]
        assert fields[0] == fields[1]
    later = Post.objects.create(section=section, title="Later", slug="later")
    assert later.pk not in {post.pk for post in quick}
