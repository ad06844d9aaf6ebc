"""Writing guides (the library's wiki pages) in the admin: the live preview, [[ title
suggestions, and the history's comparison of two versions, in the admin and for readers.

Editors' requests go through the admin as the editor's browser sends them; readers read the
public compare page.
"""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from tests.factories import PageFactory, UserFactory
from tests.test_leaks import save_page
from wiki import diff

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/wiki/page/preview/"
SUGGEST = "/admin/wiki/page/title-suggestions/"
PARAGRAPHS = [
    f"Paragraph {n}: schools in the network {word} evidence of learning before credit."
    for n, word in enumerate(
        [
            "gather",
            "weigh",
            "share",
            "record",
            "review",
            "publish",
            "discuss",
            "audit",
            "store",
            "map",
        ]
    )
]


def staff_with(*codenames):
    user = UserFactory(username=f"staff-{'-'.join(codenames) or 'none'}", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def versions(page):
    """Oldest first."""
    return list(Version.objects.get_for_object(page).order_by("pk"))


def compare(client, page, old, new):
    url = reverse("wiki:page-diff", args=[page.slug])
    response = client.get(url, {"from": old.pk, "to": new.pk})
    assert response.status_code == 200
    return response.content.decode()


def admin_compare(client, page, old, new):
    url = f"/admin/wiki/page/{page.pk}/history/compare/"
    response = client.get(url, {"from": old.pk, "to": new.pk})
    assert response.status_code == 200
    return response.content.decode()


def rows(content):
    """[(kind, cell HTML)] of the diff table rows."""
    return re.findall(
        r'<tr class="diff-(\w+)"><td class="diff-sign"[^>]*>.*?</td><td>(.*?)</td></tr>',
        content,
        flags=re.S,
    )


def body_table(content):
    return re.search(r'<table class="diff diff-words">.*?</table>', content, flags=re.S)[0]


# ---------------------------------------------------------------- live preview


def test_preview_renders_the_body_as_the_public_page_does(editor_client, client):
    PageFactory(title="Seat time")
    PageFactory(title="Hidden draft", draft=True)
    body = (
        "## Why it matters\n\nStudents show **mastery**; see [[Seat time|seat-time rules]], "
        "[[Hidden draft]] and [[Not written yet]].\n\n"
        '<script>alert("x")</script><a href="javascript:alert(1)" onclick="x()">click</a>'
    )
    response = editor_client.post(PREVIEW, {"body": body})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # never kept by a shared cache
    preview = response.json()["html"]
    assert "<h2>Why it matters</h2>" in preview and "<strong>mastery</strong>" in preview
    seat_time = reverse("wiki:page", args=["seat-time"])
    assert f'<a class="wiki-link" href="{seat_time}">seat-time rules</a>' in preview
    # A draft is not public yet, so its link is a missing one, exactly as readers see it.
    assert preview.count('class="wiki-link missing"') == 2
    assert "<script" not in preview and "javascript:" not in preview and "onclick" not in preview

    page = PageFactory(title="Competency-based diplomas", body=body)
    public = client.get(page.get_absolute_url()).content.decode()
    assert preview in public


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_preview_sends_people_who_are_not_staff_to_the_login(client, who):
    if who == "not staff":
        client.force_login(UserFactory(username="reader"))
    response = client.post(PREVIEW, {"body": "Hello"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_preview_refuses_staff_who_may_not_write_guides(editor_client):
    viewer = staff_with("view_page")
    assert viewer.post(PREVIEW, {"body": "Hello"}).status_code == 403
    assert staff_with().post(PREVIEW, {"body": "Hello"}).status_code == 403
    assert staff_with("change_page").post(PREVIEW, {"body": "Hello"}).status_code == 200
    assert editor_client.get(PREVIEW).status_code == 405


def test_preview_needs_the_form_csrf_token(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert browser.post(PREVIEW, {"body": "Hello"}).status_code == 403
    page = PageFactory()
    browser.get(f"/admin/wiki/page/{page.pk}/change/")  # sets the CSRF cookie, as the form does
    token = browser.cookies["csrftoken"].value
    response = browser.post(PREVIEW, {"body": "Hello"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json() == {"html": "<p>Hello</p>"}


def test_the_change_form_wires_the_editor_to_both_endpoints(editor_client):
    page = PageFactory()
    content = editor_client.get(f"/admin/wiki/page/{page.pk}/change/").content.decode()
    assert f'data-preview-url="{PREVIEW}"' in content
    assert f'data-suggest-url="{SUGGEST}"' in content
    assert "js/wiki-editor.js" in content and "css/wiki-editor.css" in content


# ---------------------------------------------------------------- [[ suggestions


def test_suggestions_list_matching_titles_beginning_with_the_term_first(editor_client):
    for title in ["Rubrics", "Grading with rubrics", "Seat time", "Rubric design"]:
        PageFactory(title=title)
    PageFactory(title="Rubric drafts", draft=True)
    response = editor_client.get(SUGGEST, {"term": "  rub "})
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"title": "Rubric design", "public": True},
        {"title": "Rubric drafts", "public": False},
        {"title": "Rubrics", "public": True},
        {"title": "Grading with rubrics", "public": True},
    ]
    assert editor_client.get(SUGGEST, {"term": "zzz"}).json() == {"results": []}


def test_suggestions_are_bounded_and_cost_the_same_queries_however_many_pages(editor_client):
    PageFactory(title="Mastery 1")
    editor_client.get(SUGGEST, {"term": "mastery"})  # the session is loaded once per test
    with CaptureQueriesContext(connection) as few:
        editor_client.get(SUGGEST, {"term": "mastery"})
    for number in range(2, 40):
        PageFactory(title=f"Mastery {number}")
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(SUGGEST, {"term": "mastery"})
    assert len(many) == len(few)
    assert len(response.json()["results"]) == 8
    # Only the first 100 characters of a term are looked for; an empty one lists titles.
    long_term = editor_client.get(SUGGEST, {"term": "Mastery 1" + "x" * 5000})
    assert long_term.status_code == 200 and long_term.json() == {"results": []}
    assert len(editor_client.get(SUGGEST).json()["results"]) == 8
    assert editor_client.get(SUGGEST, {"term": "%_"}).json() == {"results": []}


def test_suggestions_are_for_editors_only(client):
    PageFactory(title="Rubrics")
    response = client.get(SUGGEST, {"term": "rub"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert staff_with("view_page").get(SUGGEST, {"term": "rub"}).status_code == 403
    writer = staff_with("add_page")
    assert writer.get(SUGGEST, {"term": "rub"}).json()["results"][0]["title"] == "Rubrics"


# ---------------------------------------------------------------- comparing versions


@pytest.fixture
def ten_paragraphs(editor_client):
    page = PageFactory(title="Evidence of learning")
    return save_page(editor_client, page, body="\n\n".join(PARAGRAPHS))


def test_a_word_changed_in_one_paragraph_of_ten_shows_that_paragraph_with_marked_words(
    client, editor_client, ten_paragraphs
):
    page = ten_paragraphs
    changed = [*PARAGRAPHS]
    changed[4] = changed[4].replace("review", "question")
    save_page(editor_client, page, body="\n\n".join(changed))
    old, new = versions(page)

    content = compare(client, page, old, new)
    shown = rows(content)
    assert [kind for kind, _ in shown] == ["gap", "equal", "changed", "equal", "gap"]
    cell = dict(shown)["changed"]
    assert cell == (
        "Changed: Paragraph 4: schools in the network "
        '<del><span class="diff-label">removed: </span>review</del> '
        '<ins><span class="diff-label">added: </span>question</ins> '
        "evidence of learning before credit."
    )
    # Neighbours give context; the other seven paragraphs are left out.
    assert PARAGRAPHS[3] in content and PARAGRAPHS[5] in content
    assert not any(PARAGRAPHS[n] in content for n in (0, 1, 2, 6, 7, 8, 9))


def test_moved_and_unchanged_paragraphs_are_not_shown_as_removed_and_added(
    client, editor_client, ten_paragraphs
):
    page = ten_paragraphs
    moved = [*PARAGRAPHS]
    moved.insert(8, moved.pop(1))  # paragraph 1 now comes after paragraph 8
    save_page(editor_client, page, body="\n\n".join(moved))
    old, new = versions(page)

    shown = rows(compare(client, page, old, new))
    kinds = [kind for kind, _ in shown]
    assert "removed" not in kinds and "added" not in kinds and "changed" not in kinds
    assert ("moved", f"Moved here: {PARAGRAPHS[1]}") in shown
    assert kinds.count("moved") == 1


def test_blank_lines_alone_are_no_paragraph_change(client, editor_client, ten_paragraphs):
    page = ten_paragraphs
    save_page(editor_client, page, body="\n\n\n".join(PARAGRAPHS) + "\n")
    old, new = versions(page)
    content = compare(client, page, old, new)
    assert "Only blank lines or spacing changed." in content and not rows(content)


def test_tag_changes_are_shown_to_editors_and_readers(client, editor_client):
    page = save_page(
        editor_client, PageFactory(title="Grading for mastery"), tags="grading, rubrics"
    )
    save_page(editor_client, page, tags="rubrics, state policy")
    old, new = versions(page)
    assert old.field_dict["tag_names"] == ["grading", "rubrics"]
    assert new.field_dict["tag_names"] == ["rubrics", "state policy"]

    expected = (
        '<h2>{}</h2><ul class="diff-tags">'
        '<li class="diff-added">Added: <ins>state policy</ins></li>'
        '<li class="diff-removed">Removed: <del>grading</del></li></ul>'
    )
    admin = admin_compare(editor_client, page, old, new)
    assert re.sub(r">\s+<", "><", admin).count(expected.format("tags")) == 1
    public = compare(client, page, old, new)
    assert expected.format("Tags") in public
    assert "<h2>Body</h2>" not in public  # only the tags changed


def test_versions_saved_before_tags_were_kept_show_no_tag_change(client, editor_client):
    page = PageFactory(title="Old page", tags=["legacy"])
    save_page(editor_client, page, body="New text.")
    save_page(editor_client, page, body="Newer text.")
    first, second = versions(page)
    assert first.field_dict["tag_names"] == ["legacy"]
    Version.objects.filter(pk=first.pk).update(
        serialized_data=first.serialized_data.replace('"tag_names": ["legacy"], ', "")
    )
    assert Version.objects.get(pk=first.pk).field_dict["tag_names"] is None
    assert "diff-tags" not in compare(client, page, first, second)


def test_the_admin_and_readers_get_the_same_comparison(client, editor_client, ten_paragraphs):
    page = ten_paragraphs
    changed = [*PARAGRAPHS]
    changed[2] = "A brand new paragraph about portfolios."
    changed[6] = changed[6].replace("discuss", "debate openly")
    save_page(editor_client, page, body="\n\n".join(changed))
    old, new = versions(page)
    public = body_table(compare(client, page, old, new))
    assert public == body_table(admin_compare(editor_client, page, old, new))
    kinds = [kind for kind, _ in rows(public)]
    assert kinds.count("removed") == kinds.count("added") == kinds.count("changed") == 1


def test_the_diff_says_in_words_what_colours_show(client, editor_client, ten_paragraphs):
    page = ten_paragraphs
    changed = [*PARAGRAPHS]
    changed[0] = changed[0].replace("gather", "collect")
    save_page(editor_client, page, body="\n\n".join(changed))
    content = compare(client, page, *versions(page))
    assert '<del><span class="diff-label">removed: </span>gather</del>' in content
    assert '<ins><span class="diff-label">added: </span>collect</ins>' in content
    assert 'td class="diff-sign" aria-hidden="true"' in content


# ---------------------------------------------------------------- the comparison itself


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("One.\n\nTwo.", "One.\n\nTwo.", []),
        ("One.\n\nTwo.", "One.\n\n\n\nTwo.  ", []),
        ("a b c d e", "a b X d e", [("changed", "a b c d e", "a b X d e")]),
        # Too different to be the same paragraph: removed, then added.
        ("Line two", "Line 2", [("removed", "Line two", None), ("added", None, "Line 2")]),
        (
            "A.\n\nB.\n\nC.",
            "B.\n\nC.\n\nA.",
            [("gap", None, None), ("equal", "C.", "C."), ("moved", None, "A.")],
        ),
        (
            "p q r s t\n\nKeep.\n\nGone.",
            "Keep.\n\np q r s u\n\nNew one.",
            # Moved and edited: shown once, where it went, with its words marked.
            [("equal", "Keep.", "Keep."), ("removed", "Gone.", None),
             ("moved", "p q r s t", "p q r s u"), ("added", None, "New one.")],
        ),
        (
            "\n".join("abcdefghij"),
            "\n".join("abcdeXghij"),
            [("gap", None, None), ("equal", "e", "e"), ("removed", "f", None),
             ("added", None, "X"), ("equal", "g", "g"), ("gap", None, None)],
        ),
    ],
)  # fmt: skip
def test_diff_rows(old, new, expected):
    assert diff.diff_rows(old, new) == expected


def test_marked_words_escape_the_text():
    marked = diff.marked_words("Use <b>care</b> & tact", "Use <i>care</i> & tact")
    assert "<b>" not in marked and "<i>" not in marked
    assert html.unescape(re.sub(r"<[^>]+>", "", marked)).count("care") == 2


def test_a_rewrite_of_many_paragraphs_stays_fast():
    old = "\n\n".join(f"Old paragraph number {n} with some words." for n in range(400))
    new = "\n\n".join(f"New text {n} that shares nothing at all." for n in range(400))
    shown = diff.diff_rows(old, new)
    assert {kind for kind, _, _ in shown} == {"removed", "added"}
