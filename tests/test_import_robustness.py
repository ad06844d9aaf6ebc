"""import_archive on hostile input: never a crash or a hang, always a message naming the file."""

import contextlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from blog.importers.detect import find_series
from blog.importers.records import ArchiveError
from blog.importers.text_archive import parse_text_archive, text_archive_records
from blog.models import Author, Post, Series
from competencyworks.models import MovedPage

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

WXR_HEAD = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Export</title><link>https://example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://example.org/</wp:base_site_url>
"""


def item(post_id, title, *, status="draft", slug="", tags=(), author="", body="Text."):
    terms = "".join(
        f'<category domain="post_tag" nicename="t"><![CDATA[{tag}]]></category>' for tag in tags
    )
    return f"""<item><title><![CDATA[{title}]]></title>
<link>https://example.org/?p={post_id}</link><dc:creator><![CDATA[{author}]]></dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded><wp:post_id>{post_id}</wp:post_id>
<wp:post_date>2020-01-0{post_id % 9 + 1} 10:00:00</wp:post_date>
<wp:post_date_gmt>2020-01-0{post_id % 9 + 1} 15:00:00</wp:post_date_gmt>
<wp:post_name><![CDATA[{slug}]]></wp:post_name><wp:status>{status}</wp:status>
<wp:post_type>post</wp:post_type>{terms}</item>
"""


def wxr(*items, encoding="UTF-8"):
    return WXR_HEAD.format(encoding=encoding) + "".join(items) + "</channel></rss>\n"


def entry(title, day, text="A few links we read this week."):
    return f"{title}\n\nMarch {day}, 2018 by\n\n{text}\n\nPrint Friendly, PDF & Email\n\n"


def run(*paths, **options):
    out = io.StringIO()
    call_command("import_archive", *map(str, paths), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def counts():
    models = (Post, Series, Author, Tag, MovedPage)
    return {model.__name__: model.objects.count() for model in models}


def fails(*paths, match):
    """The run stops with a CommandError matching `match` and writes nothing."""
    before = counts()
    with pytest.raises(CommandError, match=match) as error:
        run(*paths)
    assert "nothing was imported" in str(error.value)
    assert counts() == before
    return str(error.value)


# Slugs


def test_a_dozen_drafts_with_one_title_get_distinct_slugs(tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(wxr(*(item(n, "Weekly roundup") for n in range(1, 13))))
    assert "created: 12" in run(export)
    slugs = sorted(Post.objects.values_list("slug", flat=True))
    expected = ["weekly-roundup", *(f"weekly-roundup-{n}" for n in range(2, 13))]
    assert slugs == sorted(expected)
    assert "created: 0, updated: 0, unchanged: 12" in run(export)
    assert sorted(Post.objects.values_list("slug", flat=True)) == slugs


def test_a_dozen_roundups_on_one_text_page_and_in_a_later_export(tmp_path):
    page = tmp_path / "listing.txt"
    page.write_text("".join(entry("Weekly Roundup", day) for day in range(20, 8, -1)))
    assert "created: 12" in run(page)
    assert "unchanged: 12" in run(page)
    export = tmp_path / "export.xml"
    export.write_text(wxr(*(item(n, "Weekly Roundup", status="publish") for n in range(1, 4))))
    run(export)
    slugs = set(Post.objects.values_list("slug", flat=True))
    assert len(slugs) == 15
    assert {"weekly-roundup-13", "weekly-roundup-14", "weekly-roundup-15"} <= slugs


@pytest.mark.parametrize("title", ["!!!", "🎉🎉🎉", "   —   "])
def test_titles_without_slug_characters_get_a_fallback_slug(tmp_path, title):
    export = tmp_path / "export.xml"
    export.write_text(wxr(*(item(n, title) for n in range(1, 12))))
    run(export)
    slugs = set(Post.objects.values_list("slug", flat=True))
    assert len(slugs) == 11 and "post" in slugs and "post-11" in slugs


def test_titles_at_the_longest_slug_keep_their_numbers_apart(tmp_path):
    title = "word " * 100  # slugs longer than the field before any number is added
    slug = "s" * 300
    export = tmp_path / "export.xml"
    export.write_text(
        wxr(*(item(n, title) for n in range(1, 12)), *(item(n, "T", slug=slug) for n in (20, 21)))
    )
    run(export)
    slugs = list(Post.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == 13
    assert max(map(len, slugs)) <= Post._meta.get_field("slug").max_length


# Linear reading


def read_entries(tmp_path, count):
    """This process's CPU time to read a page of `count` entries, the best of three: on a
    machine busy with other tests one reading can wait for a core (CI once saw 10 times)."""
    page = tmp_path / f"{count}.txt"
    with page.open("w") as out:
        for n in range(count):
            out.write(f"Roundup {n}\nMarch {n % 28 + 1}, 2018 by\nA short line.\nPrint Friendly\n")
    timings = []
    for _ in range(3):
        started = time.process_time()
        assert sum(1 for _ in text_archive_records(page, time_zone="UTC")) == count
        timings.append(time.process_time() - started)
    return min(timings)


def test_reading_time_grows_in_step_with_the_page(tmp_path):
    # 24,000 entries is about 2 MB; placing each against all earlier ones took 16 times as
    # long for four times the entries.
    assert read_entries(tmp_path, 24_000) < 8 * read_entries(tmp_path, 6_000)


def test_records_come_as_the_page_is_read(tmp_path):
    page = tmp_path / "page.txt"
    undated = "Newest\n\nNo date line here.\n\nPrint Friendly\n\n"
    page.write_bytes(
        (undated + entry("Older", 9) + entry("Oldest", 2)).encode() + b"Bad \xff byte\n"
    )
    records = text_archive_records(page, time_zone="UTC")
    first, second = next(records), next(records)
    assert (first.title, first.published_at.day, first.date_inferred) == ("Newest", 9, True)
    assert (second.title, second.published_at.day) == ("Older", 9)
    with pytest.raises(ArchiveError, match="line 23: not UTF-8 text"):
        list(records)


@pytest.mark.parametrize(
    "paragraph",
    [
        "This is the first in a series that " + "the Word " * 5000,
        "This is the first in a series on x" + "." * 48_000 + " and more",
        "The first in a series. " + "Dr. Smith " * 5000,
        "This is part of a series on U.S. " + "U.S. " * 9000,
        "1st in a series part of a series " * 1450,
    ],
    ids=["named-report", "dots", "abbreviations", "initials", "mentions"],
)
def test_series_rules_take_well_under_a_second_on_a_48_kb_paragraph(paragraph):
    # This process's CPU time: on a machine busy with other tests the clock also counts the
    # time spent waiting for a core (CI once measured 0.265 s that way).
    started = time.process_time()
    find_series("A title", [paragraph])
    assert time.process_time() - started < 0.25  # each took from 0.5 s to 34 s


def test_a_long_run_of_spaces_before_more_is_read_quickly(tmp_path):
    page = tmp_path / "spaces.txt"
    page.write_text(entry("Spaced", 3, "a" + " " * 48_000 + "b (more…)"))
    started = time.process_time()  # CPU time, as in the test above
    (record,) = parse_text_archive(page, time_zone="UTC")
    assert record.excerpt_only and time.process_time() - started < 0.5


def test_megabytes_without_a_share_line_are_refused_early(tmp_path):
    page = tmp_path / "notes.txt"
    page.write_text("A title\nMarch 1, 2018 by\n" + "a short line\n" * 200_000)
    fails(page, match=r"notes\.txt, line 1: more than 1,000,000 characters without a 'Print")


# Bad input: a message naming the file, the database unchanged


@pytest.mark.parametrize(
    ("encoding", "mark"),
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
    ],
    ids=["le-with-mark", "be-with-mark", "le-declared", "be-declared"],
)
def test_utf16_wordpress_exports_are_read(tmp_path, encoding, mark):
    export = tmp_path / "export.xml"
    text = wxr(item(7, "Ōtaki schools “report”", status="publish"), encoding="UTF-16")
    export.write_bytes(mark + text.encode(encoding))
    assert "created: 1" in run(export)
    assert Post.objects.get().title == "Ōtaki schools “report”"


def test_a_file_that_cannot_be_read_is_named(tmp_path):
    for name, source_format in [("export.xml", "auto"), ("page.txt", "text"), ("wp.xml", "wxr")]:
        unreadable = tmp_path / name
        unreadable.symlink_to("/proc/self/mem")  # exists, but reading it fails (EIO)
        before = counts()
        with pytest.raises(CommandError, match=rf"{name}: cannot be read"):
            run(unreadable, source_format=source_format)
        assert counts() == before


def test_binary_garbage_and_bad_text_bytes_name_file_and_line(tmp_path):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    fails(garbage, match=r"garbage\.bin, line 1: not UTF-8 text")
    page = tmp_path / "page.txt"
    page.write_bytes(entry("Café", 3).encode() + b"Caf\xe9\n" + entry("Later", 2).encode())
    fails(page, match=r"page\.txt, line 9: not UTF-8 text")
    nul = tmp_path / "nul.txt"
    nul.write_bytes(entry("Fine", 3).encode() + b"Title\x00\x00 data\n")
    fails(nul, match=r"nul\.txt, line 9: binary data")


def test_over_long_fields_are_cut_to_fit_and_the_run_succeeds(tmp_path):
    # As WordPress's importer does: long values are kept as far as the field goes.
    export = tmp_path / "export.xml"
    export.write_text(
        wxr(
            item(1, "T" * 400, slug="s" * 300, tags=["x" * 150], author="A" * 250),
            item(2, "Long author again", author="A" * 250),
        )
    )
    run(export)
    post = Post.objects.get(pk=Post.objects.order_by("pk").first().pk)
    assert len(post.title) == 300 and len(post.slug) <= 255
    assert [len(name) for name in post.tags.names()] == [100]
    assert Author.objects.count() == 1 and len(Author.objects.get().name) == 200
    export.write_text(export.read_text().replace("Long author again", "Changed"))
    run(export)
    assert Author.objects.count() == 1


# Tags


def test_names_that_differ_only_in_case_join_the_existing_tag_or_author_in_any_script(tmp_path):
    existing = ["Élan", "Öffentliche Schule", "Μάθηση", "Assessment"]
    for name in existing:
        Tag.objects.create(name=name)
    Author.objects.create(name="Émile Durand")
    export = tmp_path / "export.xml"
    export.write_text(
        wxr(
            # The other case first: names the run has already met are matched as met.
            item(
                2, "Other case", tags=["élan", "ÖFFENTLICHE SCHULE", "ΜΆΘΗΣΗ", "assessment"],
                author="émile durand",
            ),
            item(1, "As stored", tags=existing, author="Émile Durand"),
            item(3, "New beside old", tags=["Élan", "Équité"], author="Zoë Ödegaard"),
        )
    )  # fmt: skip
    run(export)
    assert sorted(Tag.objects.values_list("name", flat=True)) == sorted([*existing, "Équité"])
    assert sorted(Author.objects.values_list("name", flat=True)) == ["Zoë Ödegaard", "Émile Durand"]
    for title in ("As stored", "Other case"):
        post = Post.objects.get(title=title)
        assert sorted(post.tags.names()) == sorted(existing)
        assert [author.name for author in post.authors.all()] == ["Émile Durand"]
    assert sorted(Post.objects.get(title="New beside old").tags.names()) == ["Élan", "Équité"]


def test_existing_tags_are_read_once_a_run_however_many_a_post_names(tmp_path):
    names = [f"Thème {n}" for n in range(30)]
    for name in names:
        Tag.objects.create(name=name)
    queries = []
    for post_id, tags in ((1, names[:2]), (2, [name.upper() for name in names])):
        export = tmp_path / f"export-{post_id}.xml"
        export.write_text(wxr(item(post_id, f"Post {post_id}", tags=tags)))
        with CaptureQueriesContext(connection) as counted:
            run(export)
        queries.append(len(counted))
        assert Tag.objects.count() == len(names)
    assert queries[0] == queries[1]


def test_over_long_keys_from_the_source_still_import(tmp_path):
    site = "https://example.org/" + "very-long-path/" * 30
    export = tmp_path / "export.xml"
    export.write_text(
        wxr(item(10**40, "A post from a deep site")).replace("https://example.org/", site)
    )
    page = tmp_path / "listing.txt"
    series = "This is the first in a three-part series on " + "Competency" * 40 + "."
    page.write_text(entry("Part One", 3, series))
    run(export, page)
    assert Post.objects.count() == 2 and Series.objects.count() == 1
    assert "created: 0, updated: 0, unchanged: 2" in run(export, page)


# The import as a process: its export reader, its exit status, its error output


@pytest.fixture(scope="module")
def command_env(tmp_path_factory):
    """Environment for manage.py in a child process, on a migrated SQLite file, and a large
    export that keeps the reader busy for a few seconds."""
    work = tmp_path_factory.mktemp("import-process")
    database = work / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "competencyworks.test_settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    export = work / "large.xml"
    body = "Evidence of learning. " * 60
    items = (item(n, f"Post {n}", status="publish", body=body) for n in range(1, 4_001))
    export.write_text(wxr(*items))
    return env, database, export


def start_import(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_archive", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def reader_of(process):
    """The pid of the export reader that the import started."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        for pid in children(process.pid):
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
        time.sleep(0.02)
    pytest.fail("the import started no export reader")


def running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def post_count(database):
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT COUNT(*) FROM blog_post").fetchone()[0]


def test_when_the_export_reader_dies_the_import_fails_with_a_message(command_env):
    env, database, export = command_env
    process = start_import(env, export)
    reader = reader_of(process)
    open_files = [os.readlink(link) for link in Path(f"/proc/{reader}/fd").iterdir()]
    assert str(database) not in open_files  # it inherited no database connection
    os.kill(reader, signal.SIGKILL)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "the WordPress file reader stopped unexpectedly while reading it" in stderr
    assert "large.xml" in stderr and "Traceback" not in stderr
    assert post_count(database) == 0


def test_a_killed_import_leaves_no_process_behind(command_env):
    env, _, export = command_env
    process = start_import(env, export)
    reader = reader_of(process)
    helpers = children(process.pid)
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reader in helpers and not any(running(pid) for pid in helpers)


def test_bad_files_end_the_command_with_a_message_not_a_traceback(command_env, tmp_path):
    env, database, _ = command_env
    unreadable = tmp_path / "export.xml"
    unreadable.symlink_to("/proc/self/mem")
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 64)
    for bad, message in [
        (unreadable, "export.xml: cannot be read"),
        (garbage, "garbage.txt, line 1: binary data"),
    ]:
        process = start_import(env, bad)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 1
        assert message in stderr and "Traceback" not in stderr
    assert post_count(database) == 0
