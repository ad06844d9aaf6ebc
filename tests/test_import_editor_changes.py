"""A re-import never silently overwrites an editor's work, and every import leaves a revision.

Editors change posts through the admin exactly as a browser would (the change form read from
the page and posted back, the list's bulk action, a series' parts inline, a restore from
History); the importer is run as staff run it, through the management command.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from reversion.models import Revision, Version

from blog.models import Author, Post, Series, SitePage
from policy.models import PolicyEntry
from tests.test_revisions_admin import POST, edit, form_data, form_errors, versions
from wiki.models import Page, Resource

pytestmark = pytest.mark.django_db
WXR = Path(__file__).parent / "fixtures" / "wxr" / "site-export.xml"
OLD_BODY = "Seat time is the old measure of learning: hours in a chair."
NEW_BODY = "Seat time counts hours in a chair, not what anyone learned."
TITLE = "Seat-Time Basics"


def run(*paths, **options):
    out = io.StringIO()
    call_command("import_archive", *map(str, paths), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def v2(tmp_path):
    """The same export, later: only the body of one post changed at the source."""
    path = tmp_path / "export-v2.xml"
    path.write_text(WXR.read_text().replace(OLD_BODY, NEW_BODY))
    return path


def basics():
    return Post.objects.get(import_key__endswith=":10")


def report_entry(path):
    document = json.loads(path.read_text())
    (entry,) = [entry for entry in document["posts"] if entry["slug"] == "seat-time-basics"]
    return document, entry


def publish_from_the_list(client, post):
    return client.post(
        "/admin/blog/post/",
        {"action": "publish_selected", "index": "0", "_selected_action": [str(post.pk)]},
    )


# ---------------------------------------------------------------- conflicts


def test_an_editors_title_survives_a_reimport_whose_source_changed_the_body(
    admin_client, v2, tmp_path
):
    run(WXR)
    edit(admin_client, POST, basics(), title="Seat Time, Explained")
    report = tmp_path / "report.json"

    output = run(v2, report=report)

    post = basics()
    assert post.title == "Seat Time, Explained"
    assert OLD_BODY in post.body and NEW_BODY not in post.body
    assert "updated: 0, unchanged: 2, skipped: 0, conflicts: 1" in output
    (line,) = [line for line in output.splitlines() if "changed on this site" in line]
    assert line.startswith("  line ")  # under the file's own heading
    assert "export-v2.xml:\n" + line in output
    assert "the source changed its body:" in line and "kept as it is here" in line
    assert "--overwrite" in line
    document, entry = report_entry(report)
    assert entry["conflict"] is True and entry["action"] == "conflict"
    assert entry["title"] == "Seat Time, Explained"
    assert "the source changed its body" in entry["warnings"][0]
    assert document["summary"]["conflicts"] == 1
    assert [v.revision.comment for v in versions(post)][1:] == ["Imported from site-export.xml"]


def test_conflicts_are_printed_at_the_default_verbosity_only(admin_client, v2):
    run(WXR)
    edit(admin_client, POST, basics(), title="Seat Time, Explained")

    quiet = run(v2, verbosity=0, dry_run=True)
    default = run(v2, dry_run=True)

    assert "changed on this site" not in quiet
    assert "changed on this site" in default


def test_overwrite_takes_the_source_and_history_shows_both_versions(admin_client, v2):
    run(WXR)
    edit(admin_client, POST, basics(), title="Seat Time, Explained")

    output = run(v2, overwrite=True)

    post = basics()
    assert post.title == TITLE and NEW_BODY in post.body
    assert "updated: 1, unchanged: 2, skipped: 0, conflicts: 1" in output
    assert "replaced by the source's version" in output
    newest, editors, first = versions(post)
    assert newest.revision.comment == "Imported from export-v2.xml"
    assert newest.field_dict["title"] == TITLE
    assert editors.field_dict["title"] == "Seat Time, Explained"
    assert editors.revision.user is not None  # the editor's own save, not a copy
    assert first.revision.comment == "Imported from site-export.xml"
    history = admin_client.get(POST.history_url(post)).content.decode()
    assert history.count("Imported from") == 2

    # The editor's version comes back through History, bylines and all.
    url = POST.revision_url(post, editors)
    restored = admin_client.post(
        url, {**form_data(admin_client.get(url), "post_form"), "_save": "Save"}
    )
    assert restored.status_code == 302, form_errors(restored)
    post = basics()
    assert post.title == "Seat Time, Explained" and OLD_BODY in post.body
    assert [author.name for author in post.ordered_authors] == ["Sam Ortiz"]
    # What was restored stays this site's: the same export is a conflict, not an update.
    assert "conflicts: 1" in run(v2)
    assert basics().title == "Seat Time, Explained"


def test_overwrite_records_a_version_changed_outside_history_before_replacing_it(admin_client, v2):
    run(WXR)
    post = basics()
    series = Series.objects.create(title="Seat time")
    post.series = series
    post.save()  # as the series' parts inline does, with no revision
    assert post.changed_since_import

    run(v2, overwrite=True)

    newest, kept, first = versions(basics())
    assert newest.revision.comment == "Imported from export-v2.xml"
    assert kept.revision.comment == "Before the import from export-v2.xml"
    assert kept.field_dict["series_id"] == series.pk
    assert first.revision.comment == "Imported from site-export.xml"


def test_renumbering_parts_in_the_series_admin_counts_as_an_edit(admin_client, v2):
    run(WXR)
    series = Series.objects.create(title="Seat time")
    # Placed in the series as an import places it: no save, so not yet an edit.
    Post.objects.filter(pk=basics().pk).update(series=series, series_part=1)
    assert not basics().changed_since_import
    series_url = f"/admin/blog/series/{series.pk}/change/"
    data = form_data(admin_client.get(series_url), "series_form")
    (part,) = [name for name in data if name.endswith("-0-series_part")]
    response = admin_client.post(series_url, {**data, part: "4", "_save": "Save"})
    assert response.status_code == 302, form_errors(response)

    assert "unchanged: 3" in run(WXR)  # an unchanged source is no conflict
    output = run(v2)

    assert "conflicts: 1" in output
    post = basics()
    assert post.series_part == 4 and OLD_BODY in post.body


def test_a_post_published_from_the_list_counts_as_edited(admin_client, tmp_path, v2):
    draft = tmp_path / "draft.xml"
    draft.write_text(
        WXR.read_text().replace(
            "<wp:post_name><![CDATA[seat-time-basics]]></wp:post_name>\n"
            "\t\t<wp:status><![CDATA[publish]]></wp:status>",
            "<wp:post_name><![CDATA[seat-time-basics]]></wp:post_name>\n"
            "\t\t<wp:status><![CDATA[draft]]></wp:status>",
        )
    )
    run(draft)
    assert basics().status == "draft"
    publish_from_the_list(admin_client, basics())
    assert basics().status == "published"
    changed = tmp_path / "draft-v2.xml"
    changed.write_text(draft.read_text().replace(OLD_BODY, NEW_BODY))

    output = run(changed)

    assert "conflicts: 1" in output
    post = basics()
    assert post.status == "published" and OLD_BODY in post.body


def test_an_unedited_post_is_updated_and_gets_a_revision(v2):
    run(WXR)
    other = Post.objects.get(title="Credit Rules Across Five States")
    first = basics()
    assert first.updated_at == first.imported_at  # the import's baseline, not an edit

    output = run(v2)

    assert "updated: 1, unchanged: 2, skipped: 0, conflicts: 0" in output
    post = basics()
    assert NEW_BODY in post.body
    assert post.updated_at == post.imported_at > first.imported_at
    assert not post.changed_since_import
    assert [v.revision.comment for v in versions(post)] == [
        "Imported from export-v2.xml",
        "Imported from site-export.xml",
    ]
    assert versions(post)[0].field_dict["body"] == post.body
    assert len(versions(other)) == 1


def test_every_imported_post_gets_a_revision_with_its_bylines(admin_client):
    run(WXR)

    for post in Post.objects.all():
        (version,) = versions(post)
        assert version.revision.comment == "Imported from site-export.xml"
        assert version.field_dict["title"] == post.title
        bylines = version.revision.version_set.exclude(pk=version.pk)
        assert len(bylines) == post.bylines.count()
    # One revision per post, so restoring one never touches another.
    assert Revision.objects.count() == Post.objects.count() + SitePage.objects.count()
    post = basics()
    history = admin_client.get(POST.history_url(post))
    assert "Imported from site-export.xml" in history.content.decode()


def test_restoring_the_imported_version_in_the_admin_brings_it_back(admin_client):
    run(WXR)
    post = basics()
    imported = versions(post)[0]
    sam = post.ordered_authors
    edit(
        admin_client, POST, post, title="Rewritten", body="<p>Rewritten.</p>",
        **{"bylines-0-author": str(Author.objects.create(name="Someone Else").pk)},
    )  # fmt: skip

    url = POST.revision_url(post, imported)
    response = admin_client.post(
        url, {**form_data(admin_client.get(url), "post_form"), "_save": "Save"}
    )

    assert response.status_code == 302, form_errors(response)
    post = basics()
    assert post.title == TITLE and OLD_BODY in post.body
    assert post.ordered_authors == sam
    # It is the imported text again: re-importing the same export finds nothing new.
    assert "unchanged: 3, skipped: 0, conflicts: 0" in run(WXR)


def test_rerunning_the_same_file_or_a_dry_run_adds_no_revision(v2):
    run(WXR)
    count = Version.objects.count()

    run(WXR)
    run(v2, dry_run=True)

    assert Version.objects.count() == count
    assert OLD_BODY in basics().body


def test_a_dry_run_with_overwrite_writes_nothing(admin_client, v2):
    run(WXR)
    edit(admin_client, POST, basics(), title="Seat Time, Explained")
    count = Version.objects.count()

    output = run(v2, overwrite=True, dry_run=True)

    assert "conflicts: 1" in output
    assert Version.objects.count() == count
    assert basics().title == "Seat Time, Explained"


# ---------------------------------------------------------------- demo content


def demo_versions():
    kinds = [Post.objects.all(), Resource.objects.all(), Page.objects.all()]
    kinds.append(PolicyEntry.objects.all())
    return {obj: len(versions(obj)) for queryset in kinds for obj in queryset}


def test_demo_content_has_one_revision_each_and_a_second_seed_adds_none():
    call_command("seed_demo", stdout=io.StringIO())
    first = demo_versions()

    call_command("seed_demo", stdout=io.StringIO())

    assert first and set(first.values()) == {1}
    assert demo_versions() == first
    post = Post.objects.get(import_key="demo:grading-part-2")
    (version,) = versions(post)
    assert version.revision.comment == "Created with the demo content."
    assert len(version.revision.version_set.all()) == 1 + post.bylines.count()


def test_synthetic_posts_have_a_first_revision():
    call_command("seed_demo", posts=30, stdout=io.StringIO())

    synthetic = Post.objects.filter(import_key=None)
    assert synthetic.count() == 30
    assert all(len(versions(post)) == 1 for post in synthetic)
