"""Revision history in the admin: who saved what, comparing versions, restoring one, and
refusing a save that would silently overwrite someone else's, for wiki pages and blog posts.

Forms are read from the rendered change page and posted back as a browser would, so the
hidden base_version, the change note and the bylines inline travel exactly as they do live.
"""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import factory
import pytest
import reversion
from django.contrib.auth.models import Group, Permission
from django.test import Client
from reversion.models import Version

from blog.models import Post
from competencyworks.publishing import Status
from competencyworks.revisions import record_revisions
from policy.models import State
from tests.factories import AuthorFactory, PostFactory, TopicFactory, UserFactory
from wiki.models import Page, Resource

pytestmark = pytest.mark.django_db

CONFLICT = "saved this while you were editing"
CHOOSE_TWO = "Choose two versions of this record to compare."


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    title = factory.Sequence(lambda n: f"Wiki page {n}")
    body = "First paragraph.\n\nSecond paragraph."
    status = Status.DRAFT


# ---------------------------------------------------------------- reading rendered forms


class FormFields(HTMLParser):
    """The name/value pairs a browser would submit from the form with the given id."""

    SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.pairs = []
        self.textarea = None  # [name, text parts]
        self.select = None  # [name, multiple, options]
        self.option = None  # [value, selected, text parts]

    def add(self, name, value):
        if "__prefix__" not in name:  # the inline's template row is never submitted
            self.pairs.append((name, value))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in self.SKIPPED_INPUTS:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(name, attrs.get("value") or "on")
                return
            self.add(name, attrs.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = [name, []]
        elif tag == "select" and name:
            self.select = [name, "multiple" in attrs, []]
        elif tag == "option" and self.select is not None:
            self.end_option()
            self.option = [attrs.get("value"), "selected" in attrs, []]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option[2].append(data)

    def end_option(self):
        if self.option is not None:
            value, selected, text = self.option
            self.select[2].append((value if value is not None else "".join(text).strip(), selected))
            self.option = None

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            text = "".join(parts)
            # A newline right after <textarea> belongs to the markup, not the value.
            self.add(name, text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "option":
            self.end_option()
        elif tag == "select" and self.select is not None:
            self.end_option()
            name, multiple, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            for value in chosen:
                self.add(name, value)
            self.select = None

    def data(self):
        values = {}
        for name, value in self.pairs:
            values.setdefault(name, []).append(value)
        return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def form_data(response, form_id):
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    parser.close()
    data = parser.data()
    assert data, f"no form #{form_id} on the page"
    return data


# ---------------------------------------------------------------- the two kinds of record


@dataclass(frozen=True)
class Kind:
    """What differs between a wiki page and a blog post for these tests."""

    name: str
    admin_url: str
    form_id: str
    model: type

    def make(self, **kwargs):
        if self.model is Page:
            return PageFactory(**kwargs)
        return PostFactory(draft=True, **kwargs)

    def body(self, *paragraphs):
        """The body as stored: Markdown paragraphs for pages, sanitised HTML for posts."""
        if self.model is Page:
            return "\n\n".join(paragraphs)
        return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)

    def change_url(self, obj):
        return f"{self.admin_url}{obj.pk}/change/"

    def history_url(self, obj):
        return f"{self.admin_url}{obj.pk}/history/"

    def compare_url(self, obj):
        return f"{self.admin_url}{obj.pk}/history/compare/"

    def revision_url(self, obj, version):
        return f"{self.admin_url}{obj.pk}/history/{version.pk}/"


PAGE = Kind("page", "/admin/wiki/page/", "page_form", Page)
POST = Kind("post", "/admin/blog/post/", "post_form", Post)
KINDS = pytest.mark.parametrize("kind", [PAGE, POST], ids=lambda kind: kind.name)

OLD = ("Students advance on mastery.", "Assessment is meaningful.", "Pacing is flexible.")
NEW = (
    "Students advance on mastery.",
    "Assessment is a learning experience.",
    "Pacing is flexible.",
)


def versions(obj):
    """Newest first."""
    return list(Version.objects.get_for_object(obj).select_related("revision__user"))


def open_form(client, kind, obj):
    response = client.get(kind.change_url(obj))
    assert response.status_code == 200
    return form_data(response, kind.form_id)


def save(client, kind, data, obj, note=""):
    return client.post(kind.change_url(obj), {**data, "change_comment": note, "_save": "Save"})


def edit(client, kind, obj, note="", **changes):
    """Open the change form, change some fields and save it, as an editor would."""
    response = save(client, kind, {**open_form(client, kind, obj), **changes}, obj, note)
    assert response.status_code == 302, form_errors(response)
    return response


def form_errors(response):
    context = response.context
    if not context or "adminform" not in context:
        return response.status_code
    return context["adminform"].form.errors


def make_editor(username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def with_history(client, kind, **fields):
    """A record saved twice in the admin: OLD text, then NEW; returns it and (v1, v2)."""
    obj = kind.make(body=kind.body(*OLD), **fields)
    edit(client, kind, obj, body=kind.body(*OLD), title=f"{obj.title}, version one")
    edit(client, kind, obj, body=kind.body(*NEW))
    obj.refresh_from_db()
    newer, older = versions(obj)
    return obj, older, newer


def diff_rows(response):
    """[(kind, text)] of every diff table row on the compare page."""
    rows = re.findall(
        r'<tr class="diff-(\w+)"><td class="diff-sign"[^>]*>.*?</td><td>(.*?)</td></tr>',
        response.content.decode(),
        flags=re.S,
    )
    return [(row_kind, html.unescape(text)) for row_kind, text in rows]


def changed_fields(response):
    return [name for name, _ in response.context["changes"]]


# ---------------------------------------------------------------- every save is a revision


@KINDS
def test_each_admin_save_records_a_revision_by_the_user(admin_client, admin_user, kind):
    obj = kind.make(body=kind.body(*OLD))
    assert versions(obj) == []

    edit(admin_client, kind, obj, body=kind.body(*OLD))
    edit(admin_client, kind, obj, body=kind.body(*NEW))

    saved = versions(obj)
    assert len(saved) == 2
    assert [version.revision.user for version in saved] == [admin_user, admin_user]
    assert [version.field_dict["body"] for version in saved] == [
        kind.body(*NEW),
        kind.body(*OLD),
    ]
    assert all(version.revision.comment for version in saved)


@KINDS
def test_save_by_an_editor_records_the_editor(client, kind):
    editor = make_editor("editor-one")
    client.force_login(editor)
    obj = kind.make()

    edit(client, kind, obj, title="Edited by an editor")

    (version,) = versions(obj)
    assert version.revision.user == editor
    assert version.field_dict["title"] == "Edited by an editor"


@KINDS
def test_adding_through_the_admin_records_a_first_revision(admin_client, admin_user, kind):
    response = admin_client.get(f"{kind.admin_url}add/")
    assert response.status_code == 200
    data = form_data(response, kind.form_id)
    data.update(title="Brand new record", slug="brand-new-record", body=kind.body(*OLD))
    if kind.model is Post:
        data["section"] = str(PostFactory().section.pk)

    response = admin_client.post(f"{kind.admin_url}add/", {**data, "_save": "Save"})

    assert response.status_code == 302, form_errors(response)
    obj = kind.model.objects.get(slug="brand-new-record")
    (version,) = versions(obj)
    assert version.revision.user == admin_user
    assert version.field_dict["body"] == kind.body(*OLD)


@KINDS
def test_change_form_offers_an_optional_change_note(admin_client, kind):
    obj = kind.make()

    response = admin_client.get(kind.change_url(obj))

    page = response.content.decode()
    assert 'name="change_comment"' in page
    assert "Change note" in page
    assert "Optional: what you changed, for the history." in page
    assert form_data(response, kind.form_id)["change_comment"] == ""


@KINDS
def test_saving_with_a_change_note_records_a_revision(admin_client, admin_user, kind):
    obj = kind.make()

    edit(admin_client, kind, obj, note="Fixed the Vermont example", title="Typo fixed")

    (version,) = versions(obj)
    assert version.revision.user == admin_user
    assert version.field_dict["title"] == "Typo fixed"


@KINDS
def test_change_note_longer_than_200_characters_is_a_form_error(admin_client, kind):
    obj = kind.make()

    response = save(admin_client, kind, open_form(admin_client, kind, obj), obj, note="x" * 201)

    assert response.status_code == 200
    assert "change_comment" in form_errors(response)
    assert versions(obj) == []


# ---------------------------------------------------------------- history page


@KINDS
def test_history_lists_versions_newest_first_with_compare_radios(admin_client, kind):
    obj, older, newer = with_history(admin_client, kind)

    response = admin_client.get(kind.history_url(obj))

    assert response.status_code == 200
    assert [entry["version"] for entry in response.context["entries"]] == [newer, older]
    page = response.content.decode()
    assert page.index(f'name="to" value="{newer.pk}"') < page.index(f'name="to" value="{older.pk}"')
    # Preselected: compare the previous version (from) with the newest (to).
    assert f'name="from" value="{older.pk}" aria-label="Compare from this version" checked' in page
    assert f'name="to" value="{newer.pk}" aria-label="Compare to this version" checked' in page
    assert f'name="from" value="{newer.pk}" aria-label="Compare from this version">' in page
    assert f'action="{kind.compare_url(obj)}"' in page
    assert 'value="Compare selected versions"' in page
    assert f'href="{kind.revision_url(obj, older)}"' in page
    assert page.count("<td>admin</td>") == 2


@KINDS
def test_history_of_a_record_never_saved_in_the_admin_says_so(admin_client, kind):
    obj = kind.make()

    response = admin_client.get(kind.history_url(obj))

    assert response.status_code == 200
    page = response.content.decode()
    assert "No history yet" in page
    assert 'type="radio"' not in page
    assert "Compare selected versions" not in page


@KINDS
def test_history_shows_who_saved_each_version(client, kind):
    first, second = make_editor("first-editor"), make_editor("second-editor")
    obj = kind.make()
    client.force_login(first)
    edit(client, kind, obj, title="Started")
    client.force_login(second)
    edit(client, kind, obj, title="Continued")

    response = client.get(kind.history_url(obj))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("<td>second-editor</td>") < page.index("<td>first-editor</td>")


# ---------------------------------------------------------------- compare


@KINDS
def test_compare_shows_the_changed_lines_of_changed_fields_only(admin_client, kind):
    obj, older, newer = with_history(admin_client, kind)

    response = admin_client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})

    assert response.status_code == 200
    assert changed_fields(response) == ["body"]
    page = response.content.decode()
    assert "<h2>body</h2>" in page
    assert "<h2>title</h2>" not in page
    assert "<h2>status</h2>" not in page
    rows = diff_rows(response)
    removed = [text for row_kind, text in rows if row_kind == "removed"]
    added = [text for row_kind, text in rows if row_kind == "added"]
    assert len(removed) == len(added) == 1
    assert removed[0].startswith("Removed: ") and OLD[1] in removed[0]
    assert added[0].startswith("Added: ") and NEW[1] in added[0]
    # Unchanged neighbouring lines give context, marked as such.
    assert any(row_kind == "equal" and OLD[0] in text for row_kind, text in rows)


@KINDS
def test_compare_lists_every_changed_field(admin_client, kind):
    obj = kind.make(title="Original title", body=kind.body(*OLD))
    edit(admin_client, kind, obj)
    edit(admin_client, kind, obj, title="Better title", body=kind.body(*NEW))
    newer, older = versions(obj)

    response = admin_client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})

    assert response.status_code == 200
    assert sorted(changed_fields(response)) == ["body", "title"]
    rows = diff_rows(response)
    assert ("removed", "Removed: Original title") in rows
    assert ("added", "Added: Better title") in rows


@KINDS
def test_compare_works_with_from_and_to_swapped(admin_client, kind):
    obj, older, newer = with_history(admin_client, kind)
    in_order = admin_client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})

    swapped = admin_client.get(kind.compare_url(obj), {"from": newer.pk, "to": older.pk})

    assert swapped.status_code == 200
    assert (swapped.context["old"], swapped.context["new"]) == (older, newer)
    assert diff_rows(swapped) == diff_rows(in_order)
    removed = [text for row_kind, text in diff_rows(swapped) if row_kind == "removed"]
    assert OLD[1] in removed[0]


@KINDS
def test_compare_of_a_version_with_itself_reports_no_change(admin_client, kind):
    obj, _, newer = with_history(admin_client, kind)

    response = admin_client.get(kind.compare_url(obj), {"from": newer.pk, "to": newer.pk})

    assert response.status_code == 200
    assert response.context["changes"] == []
    assert "These two versions are the same." in response.content.decode()


@KINDS
def test_compare_links_to_restoring_the_older_version(admin_client, kind):
    obj, older, newer = with_history(admin_client, kind)

    response = admin_client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})

    assert f'href="{kind.revision_url(obj, older)}"' in response.content.decode()


def bad_queries(older, newer, foreign, other_model):
    return {
        "nothing": {},
        "only from": {"from": older.pk},
        "only to": {"to": newer.pk},
        "empty": {"from": "", "to": ""},
        "words": {"from": "abc", "to": newer.pk},
        "decimal": {"from": older.pk, "to": "1.5"},
        "unknown": {"from": older.pk, "to": newer.pk + 1000},
        "negative": {"from": -1, "to": newer.pk},
        "huge": {"from": older.pk, "to": str(10**30)},
        "another record": {"from": foreign.pk, "to": newer.pk},
        "another model": {"from": older.pk, "to": other_model.pk},
    }


BAD_QUERY_NAMES = [
    "nothing",
    "only from",
    "only to",
    "empty",
    "words",
    "decimal",
    "unknown",
    "negative",
    "huge",
    "another record",
    "another model",
]


@KINDS
@pytest.mark.parametrize("bad", BAD_QUERY_NAMES)
def test_compare_with_bad_version_ids_shows_the_history_with_an_error(admin_client, kind, bad):
    obj, older, newer = with_history(admin_client, kind)
    _, foreign, _ = with_history(admin_client, kind)
    # A version of the other model, whose record has the same primary key.
    other_kind = POST if kind is PAGE else PAGE
    _, other_model, _ = with_history(admin_client, other_kind, pk=obj.pk)
    query = bad_queries(older, newer, foreign, other_model)[bad]

    response = admin_client.get(kind.compare_url(obj), query)

    assert response.status_code == 200
    assert "admin/revisions/object_history.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert CHOOSE_TWO in page
    assert [entry["version"] for entry in response.context["entries"]] == [newer, older]


@KINDS
def test_compare_and_history_of_an_unknown_record_are_not_found(admin_client, kind):
    missing = kind.make()
    missing_url = kind.history_url(missing)
    missing.delete()

    assert admin_client.get(missing_url).status_code == 404
    assert admin_client.get(f"{missing_url}compare/", {"from": 1, "to": 2}).status_code == 404


# ---------------------------------------------------------------- who may see history


@KINDS
def test_editor_can_see_history_and_compare(client, kind):
    obj, older, newer = with_history(logged_in(make_editor("author-editor")), kind)
    client.force_login(make_editor("reading-editor"))

    assert client.get(kind.history_url(obj)).status_code == 200
    response = client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})
    assert response.status_code == 200
    assert changed_fields(response) == ["body"]


@KINDS
def test_staff_without_permission_is_refused_history_compare_and_restore(
    admin_client, client, kind
):
    obj, older, newer = with_history(admin_client, kind)
    client.force_login(UserFactory(username="intern", is_staff=True))

    assert client.get(kind.history_url(obj)).status_code == 403
    compare = client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})
    assert compare.status_code == 403
    assert client.get(kind.revision_url(obj, older)).status_code == 403
    restore = client.post(kind.revision_url(obj, older), {"title": "Hijacked", "_save": "Save"})
    assert restore.status_code == 403
    obj.refresh_from_db()
    assert obj.body == kind.body(*NEW)
    assert len(versions(obj)) == 2


@KINDS
def test_view_only_staff_may_compare_but_not_restore(admin_client, client, kind):
    obj, older, newer = with_history(admin_client, kind)
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label=kind.model._meta.app_label,
            codename=f"view_{kind.model._meta.model_name}",
        )
    )
    client.force_login(viewer)
    revision_form = admin_client.get(kind.revision_url(obj, older))
    data = form_data(revision_form, kind.form_id)

    assert client.get(kind.history_url(obj)).status_code == 200
    assert client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk}).status_code == 200
    response = client.post(kind.revision_url(obj, older), {**data, "_save": "Save"})

    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.body == kind.body(*NEW)
    assert len(versions(obj)) == 2


@KINDS
@pytest.mark.parametrize("view", ["history", "compare"])
def test_non_staff_are_sent_to_login(admin_client, client, kind, view):
    obj, older, newer = with_history(admin_client, kind)
    client.force_login(UserFactory(username="reader"))
    url = kind.history_url(obj) if view == "history" else kind.compare_url(obj)

    response = client.get(url, {"from": older.pk, "to": newer.pk})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# ---------------------------------------------------------------- restore


@KINDS
def test_restoring_an_old_version_brings_its_content_back(admin_client, admin_user, kind):
    obj, older, _ = with_history(admin_client, kind)
    old_title = older.field_dict["title"]
    assert old_title.endswith(", version one")
    url = kind.revision_url(obj, older)

    shown = admin_client.get(url)

    assert shown.status_code == 200
    data = form_data(shown, kind.form_id)
    assert data["title"] == old_title
    assert data["body"] == kind.body(*OLD)
    # Showing the old version changes nothing until it is saved.
    obj.refresh_from_db()
    assert obj.body == kind.body(*NEW)
    assert len(versions(obj)) == 2

    restored = admin_client.post(url, {**data, "_save": "Save"})

    assert restored.status_code == 302, form_errors(restored)
    obj.refresh_from_db()
    assert obj.body == kind.body(*OLD)
    assert obj.title == old_title
    latest, *earlier = versions(obj)
    assert len(earlier) == 2
    assert latest.revision.user == admin_user
    assert latest.revision.comment.startswith("Reverted to previous version, saved on")
    assert latest.field_dict["body"] == kind.body(*OLD)
    history = admin_client.get(kind.history_url(obj)).content.decode()
    assert "Reverted to previous version" in history


def test_restoring_a_page_rebuilds_its_rendered_html(admin_client):
    obj = PageFactory(body="An [[Old link]] here.")
    edit(admin_client, PAGE, obj)
    edit(admin_client, PAGE, obj, body="A [[New link]] instead.")
    older = versions(obj)[-1]
    url = PAGE.revision_url(obj, older)
    data = form_data(admin_client.get(url), PAGE.form_id)

    assert admin_client.post(url, {**data, "_save": "Save"}).status_code == 302

    obj.refresh_from_db()
    assert obj.body == "An [[Old link]] here."
    assert "Old link" in obj.body_html
    assert "New link" not in obj.body_html
    assert list(obj.links.values_list("target_key", flat=True)) == ["old link"]


def test_restoring_a_post_brings_its_bylines_back(admin_client):
    first, second = AuthorFactory(name="Chris Sturgis"), AuthorFactory(name="Susan Patrick")
    post = PostFactory(draft=True, authors=[first])
    edit(admin_client, POST, post, title="By Chris")
    edit(admin_client, POST, post, title="By Susan", **{"bylines-0-author": str(second.pk)})
    post.refresh_from_db()
    assert post.ordered_authors == [second]
    older = versions(post)[-1]
    url = POST.revision_url(post, older)
    data = form_data(admin_client.get(url), POST.form_id)
    assert data["bylines-0-author"] == str(first.pk)
    assert data["bylines-TOTAL_FORMS"]

    response = admin_client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302, form_errors(response)
    post.refresh_from_db()
    assert post.title == "By Chris"
    assert post.ordered_authors == [first]


@KINDS
def test_editor_can_restore_a_version(client, kind):
    editor = make_editor("restoring-editor")
    client.force_login(editor)
    obj, older, _ = with_history(client, kind)
    url = kind.revision_url(obj, older)

    response = client.post(url, {**form_data(client.get(url), kind.form_id), "_save": "Save"})

    assert response.status_code == 302, form_errors(response)
    obj.refresh_from_db()
    assert obj.body == kind.body(*OLD)
    assert versions(obj)[0].revision.user == editor


@KINDS
def test_after_a_restore_compare_shows_the_restored_change(admin_client, kind):
    obj, older, newer = with_history(admin_client, kind)
    url = kind.revision_url(obj, older)
    admin_client.post(url, {**form_data(admin_client.get(url), kind.form_id), "_save": "Save"})
    restored = versions(obj)[0]

    response = admin_client.get(kind.compare_url(obj), {"from": newer.pk, "to": restored.pk})

    assert response.status_code == 200
    assert "body" in changed_fields(response)
    removed = [text for row_kind, text in diff_rows(response) if row_kind == "removed"]
    assert NEW[1] in removed[0]


# ---------------------------------------------------------------- conflicting saves


@KINDS
@pytest.mark.parametrize("saved_before", [False, True], ids=["first-save", "with-history"])
def test_second_editor_is_stopped_from_overwriting_the_first(kind, saved_before):
    alice, bruno = make_editor("alice"), make_editor("bruno")
    as_alice, as_bruno = logged_in(alice), logged_in(bruno)
    obj = kind.make(body=kind.body(*OLD))
    if saved_before:
        edit(as_alice, kind, obj, note="Set up")
    started_from = str(versions(obj)[0].pk) if saved_before else "0"
    alices_form = open_form(as_alice, kind, obj)
    brunos_form = open_form(as_bruno, kind, obj)
    assert alices_form["base_version"] == brunos_form["base_version"] == started_from
    if kind.model is Post:
        assert brunos_form["bylines-TOTAL_FORMS"] and brunos_form["bylines-INITIAL_FORMS"]

    alices_text = kind.body("Alice rewrote this.")
    response = save(as_alice, kind, {**alices_form, "body": alices_text}, obj)
    assert response.status_code == 302, form_errors(response)
    alices_version = versions(obj)[0]

    brunos_text = kind.body("Bruno rewrote this differently.")
    refused = save(as_bruno, kind, {**brunos_form, "body": brunos_text}, obj, note="Mine")

    assert refused.status_code == 200
    page = refused.content.decode()
    assert f"alice {CONFLICT}" in page
    assert 'class="errornote"' in page
    kept = form_data(refused, kind.form_id)
    assert kept["body"] == brunos_text
    assert kept["change_comment"] == "Mine"
    assert kept["base_version"] == str(alices_version.pk)
    obj.refresh_from_db()
    assert obj.body == alices_text
    assert versions(obj)[0] == alices_version

    # Bruno has now been told; saving the re-rendered form keeps his version.
    accepted = save(as_bruno, kind, kept, obj, note="Mine")

    assert accepted.status_code == 302, form_errors(accepted)
    obj.refresh_from_db()
    assert obj.body == brunos_text
    latest = versions(obj)[0]
    assert latest.revision.user == bruno
    assert latest.field_dict["body"] == brunos_text


@KINDS
def test_a_publish_from_the_list_also_counts_as_a_newer_save(admin_client, kind):
    editor = make_editor("slow-editor")
    as_editor = logged_in(editor)
    obj = kind.make(body=kind.body(*OLD))
    opened = open_form(as_editor, kind, obj)
    admin_client.post(
        kind.admin_url,
        {"action": "publish_selected", "index": "0", "_selected_action": [str(obj.pk)]},
    )

    refused = save(as_editor, kind, {**opened, "body": kind.body(*NEW)}, obj)

    assert refused.status_code == 200
    assert f"admin {CONFLICT}" in refused.content.decode()
    obj.refresh_from_db()
    assert obj.body == kind.body(*OLD)
    assert obj.status == Status.PUBLISHED


@KINDS
def test_the_same_editor_saving_twice_in_a_row_is_not_a_conflict(admin_client, kind):
    obj = kind.make()
    for number in range(3):
        edit(admin_client, kind, obj, title=f"Round {number}")

    obj.refresh_from_db()
    assert obj.title == "Round 2"
    assert len(versions(obj)) == 3


@KINDS
def test_saving_and_continuing_reloads_the_form_with_the_new_base_version(admin_client, kind):
    obj = kind.make()
    data = open_form(admin_client, kind, obj)

    response = admin_client.post(
        kind.change_url(obj), {**data, "title": "Keep going", "_continue": "Save"}, follow=True
    )

    assert response.status_code == 200
    assert form_data(response, kind.form_id)["base_version"] == str(versions(obj)[0].pk)


# ---------------------------------------------------------------- bulk actions


def run_action(client, kind, action, objs):
    return client.post(
        kind.admin_url,
        {"action": action, "index": "0", "_selected_action": [str(obj.pk) for obj in objs]},
    )


@KINDS
def test_publish_action_records_a_revision_per_item(admin_client, admin_user, kind):
    drafts = [kind.make(status=Status.DRAFT), kind.make(status=Status.DRAFT)]

    response = run_action(admin_client, kind, "publish_selected", drafts)

    assert response.status_code == 302
    for obj in drafts:
        obj.refresh_from_db()
        assert obj.status == Status.PUBLISHED
        (version,) = versions(obj)
        assert version.revision.comment == "Published from the list."
        assert version.revision.user == admin_user
        assert version.field_dict["status"] == Status.PUBLISHED
    history = admin_client.get(kind.history_url(drafts[0])).content.decode()
    assert "Published from the list." in history


@KINDS
def test_publish_action_by_an_editor_records_the_editor(client, kind):
    editor = make_editor("publishing-editor")
    client.force_login(editor)
    obj = kind.make(status=Status.DRAFT)

    assert run_action(client, kind, "publish_selected", [obj]).status_code == 302

    (version,) = versions(obj)
    assert version.revision.user == editor
    assert version.revision.comment == "Published from the list."


@KINDS
def test_publish_action_skips_already_published_items(admin_client, kind):
    published = kind.make(status=Status.PUBLISHED)

    run_action(admin_client, kind, "publish_selected", [published])

    assert versions(published) == []


@KINDS
def test_unpublish_action_records_a_revision(admin_client, admin_user, kind):
    obj = kind.make(status=Status.PUBLISHED)

    run_action(admin_client, kind, "unpublish_selected", [obj])

    obj.refresh_from_db()
    assert obj.status == Status.DRAFT
    (version,) = versions(obj)
    assert version.revision.comment == "Moved back to draft from the list."
    assert version.revision.user == admin_user


@KINDS
def test_compare_after_publishing_from_the_list_shows_the_status_change(admin_client, kind):
    obj = kind.make(status=Status.DRAFT)
    edit(admin_client, kind, obj)
    run_action(admin_client, kind, "publish_selected", [obj])
    newer, older = versions(obj)

    response = admin_client.get(kind.compare_url(obj), {"from": older.pk, "to": newer.pk})

    assert "status" in changed_fields(response)
    rows = diff_rows(response)
    assert ("removed", "Removed: draft") in rows
    assert ("added", "Added: published") in rows
    assert "body" not in changed_fields(response)


# ---------------------------------------------------------------- the Editors group and the wiki


def editor_permissions():
    group = Group.objects.get(name="Editors")
    return set(
        group.permissions.filter(content_type__app_label="wiki").values_list("codename", flat=True)
    )


@pytest.mark.parametrize("model", ["page", "resource", "topic"])
@pytest.mark.parametrize("action", ["add", "change", "view"])
def test_editors_group_may_edit_wiki_content(model, action):
    assert f"{action}_{model}" in editor_permissions()


@pytest.mark.parametrize("url", ["/admin/wiki/page/add/", "/admin/wiki/resource/add/"])
def test_editor_can_open_wiki_add_forms(editor_client, url):
    assert editor_client.get(url).status_code == 200


def test_editor_can_add_and_change_a_wiki_page(editor_client, editor):
    data = form_data(editor_client.get("/admin/wiki/page/add/"), "page_form")
    data.update(title="Learning progressions", slug="", body="What comes next.")

    added = editor_client.post("/admin/wiki/page/add/", {**data, "_save": "Save"})

    assert added.status_code == 302, form_errors(added)
    page = Page.objects.get(title="Learning progressions")
    edit(editor_client, PAGE, page, body="What comes next, and why.")
    page.refresh_from_db()
    assert page.body == "What comes next, and why."
    assert [version.revision.user for version in versions(page)] == [editor, editor]


RESOURCE = Kind("resource", "/admin/wiki/resource/", "resource_form", Resource)


def test_editor_can_add_and_change_a_wiki_resource(editor_client, editor):
    data = form_data(editor_client.get("/admin/wiki/resource/add/"), "resource_form")
    data.update(title="Quality principles", url="https://example.org/principles", slug="")

    added = editor_client.post("/admin/wiki/resource/add/", {**data, "_save": "Save"})

    assert added.status_code == 302, form_errors(added)
    resource = Resource.objects.get(title="Quality principles")
    edit(editor_client, RESOURCE, resource, summary="The field's shared definition.")
    resource.refresh_from_db()
    assert resource.summary == "The field's shared definition."
    assert resource.created_by == editor
    assert [version.revision.user for version in versions(resource)] == [editor, editor]


def test_resource_compare_shows_only_its_compared_fields(admin_client):
    resource = Resource.objects.create(title="A report", url="https://example.org/a")
    edit(admin_client, RESOURCE, resource)
    edit(admin_client, RESOURCE, resource, summary="Now summarised.", tags="grading")
    newer, older = versions(resource)

    response = admin_client.get(RESOURCE.compare_url(resource), {"from": older.pk, "to": newer.pk})

    assert response.status_code == 200
    assert changed_fields(response) == ["summary"]


# ---------------------------------------------------------------- fixes found by these tests


@KINDS
def test_change_note_becomes_the_revision_comment(admin_client, kind):
    obj = kind.make()
    edit(admin_client, kind, obj, note="Fixed a typo", title="Typo fixed")
    (version,) = versions(obj)
    assert version.revision.get_comment() == "Fixed a typo"


@pytest.mark.parametrize("suffix", ["history/", "history/compare/?from=1&to=2"])
def test_non_numeric_ids_are_404_not_errors(admin_client, suffix):
    assert admin_client.get(f"/admin/wiki/page/abc/{suffix}").status_code == 404


def test_bulk_revisions_store_each_item_as_django_reversion_would():
    posts = [PostFactory(title="Café — “quotes” and a \\ backslash", tags=["a"]), PostFactory()]
    record_revisions(posts, "In bulk")
    with reversion.create_revision():
        for post in posts:
            reversion.add_to_revision(post)
    for post in posts:
        bulk, own = Version.objects.get_for_object(post).order_by("pk")
        assert (bulk.serialized_data, bulk.object_repr) == (own.serialized_data, own.object_repr)


def test_bulk_revisions_hold_the_states_and_topics_of_each_post():
    marked, plain = PostFactory(), PostFactory()
    marked.states.add(*State.objects.filter(code__in=["NH", "ID"]))
    marked.topics.add(TopicFactory())
    record_revisions(list(Post.objects.filter(pk__in=[marked.pk, plain.pk])), "In bulk")
    with reversion.create_revision():
        for post in (marked, plain):
            reversion.add_to_revision(post)
    for post in (marked, plain):
        bulk, own = Version.objects.get_for_object(post).order_by("pk")
        assert bulk.serialized_data == own.serialized_data
    assert len(Version.objects.get_for_object(marked).first().field_dict["states"]) == 2
