"""The admin's start screen, as editors and superusers see it at /admin/."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post, SitePage
from competencyworks.publishing import Status
from policy.models import PolicyEntry, State
from tests.factories import PageFactory, PostFactory, ResourceFactory, UserFactory, committed

pytestmark = pytest.mark.django_db

START = "/admin/"
BUTTONS = {
    "Write a post": "blog/post",
    "New resource": "wiki/resource",
    "New guide": "wiki/page",
    "New policy entry": "policy/policyentry",
}
CONTENT = ["blog", "wiki", "policy"]
TECHNICAL = ["auth", "axes", "taggit", "competencyworks"]


def section(response, title):
    """The HTML of the start screen's panel headed `title`."""
    html = response.content.decode()
    found = re.search(rf"<section[^>]*>\s*<h2[^>]*>{re.escape(title)}.*?</section>", html, re.S)
    assert found, f"no section {title!r}"
    return found[0]


def apps_in(html):
    """The app labels an app list shows, in order."""
    return re.findall(r'<div class="app-(\w+) module', html)


def later(**delta):
    return timezone.now() + timedelta(**delta)


def policy_entry(**fields):
    state = State.objects.get(code="NH")
    defaults = {"kind": "statute", "year": 2026, "policy_status": "introduced", "summary": "S."}
    with committed():
        return PolicyEntry.objects.create(state=state, **{**defaults, **fields})


def edit_in_admin(client, obj, **changes):
    """An editor's save through the change form (fields read back from the model)."""
    data = {
        "title": obj.title,
        "slug": obj.slug,
        "section": obj.section_id,
        "body": obj.body,
        "excerpt": obj.excerpt,
        "tags": "",
        "status": obj.status,
        "publish_at_0": "",
        "publish_at_1": "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "_save": "Save",
        **changes,
    }
    response = client.post(f"/admin/blog/post/{obj.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


# ---------------------------------------------------------------- buttons and apps


def test_editor_gets_a_button_for_each_kind_they_may_add(editor_client):
    response = editor_client.get(START)
    html = response.content.decode()

    assert response.status_code == 200
    assert '<a class="ed-button ed-primary" href="/admin/blog/post/add/">Write a post</a>' in html
    for label, url in BUTTONS.items():
        assert f'href="/admin/{url}/add/">{label}</a>' in html
    assert 'href="/admin/calendar/">Calendar</a>' in html


def test_staff_who_may_not_add_get_no_buttons(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_post"]))
    client.force_login(viewer)

    html = client.get(START).content.decode()

    for label in BUTTONS:
        assert label not in html
    assert "Published posts" in html  # what they may see, they see


def test_editors_see_the_content_apps_first_and_no_technical_ones(editor_client):
    html = editor_client.get(START).content.decode()

    assert apps_in(html)[:3] == CONTENT
    assert not set(TECHNICAL) & set(apps_in(html))
    assert "Site administration</summary>" not in html


def test_superusers_find_technical_apps_under_a_collapsed_site_administration(admin_client):
    html = admin_client.get(START).content.decode()
    content, _, technical = html.partition('<details class="start-technical">')

    assert "<summary>Site administration</summary>" in technical
    assert '<details class="start-technical" open' not in html
    assert apps_in(content.split("<main")[-1])[:3] == CONTENT
    assert set(TECHNICAL) <= set(apps_in(technical))
    assert not set(CONTENT) & set(apps_in(technical))


def test_the_sidebar_lists_content_apps_first_and_hides_technical_ones_from_editors(
    editor_client, admin_client
):
    sidebar = editor_client.get("/admin/blog/post/").content.decode()
    assert apps_in(sidebar)[:3] == CONTENT
    assert not set(TECHNICAL) & set(apps_in(sidebar))

    everything = apps_in(admin_client.get("/admin/blog/post/").content.decode())
    assert everything[:3] == CONTENT
    assert set(TECHNICAL) <= set(everything[3:])


def test_an_editor_can_still_open_a_technical_app_they_have_rights_to(editor_client):
    # Tags stay reachable where the admin links them, e.g. a tag's breadcrumbs.
    assert editor_client.get("/admin/taggit/").status_code == 200


# ---------------------------------------------------------------- my drafts


def test_my_drafts_lists_drafts_the_editor_saved_last(editor_client, editor, admin_user):
    mine = PostFactory(title="My own draft", draft=True)
    edit_in_admin(editor_client, mine)
    theirs = PostFactory(title="Someone else's draft", draft=True)
    with committed():
        Post.objects.filter(pk=theirs.pk).update(updated_by=admin_user)
    published = PostFactory(title="My published post")
    with committed():
        Post.objects.filter(pk=published.pk).update(updated_by=editor)
        ResourceFactory(title="My draft resource", draft=True, updated_by=editor)

    response = editor_client.get(START)
    drafts = section(response, "My drafts")

    assert "Drafts you saved last, newest first." in drafts
    assert f'href="/admin/blog/post/{mine.pk}/change/">My own draft</a>' in drafts
    assert "My draft resource" in drafts
    assert "Someone else's draft" not in drafts
    assert "My published post" not in drafts


def test_my_drafts_says_when_there_are_none(editor_client):
    drafts = section(editor_client.get(START), "My drafts")
    assert "No drafts of yours right now." in drafts
    assert 'href="/admin/blog/post/add/">Write a post</a>' in drafts


# ---------------------------------------------------------------- scheduled


def test_scheduled_lists_every_kind_due_in_the_next_two_weeks(editor_client):
    PostFactory(title="Post in three days", publish_at=later(days=3))
    ResourceFactory(title="Resource tomorrow", publish_at=later(days=1))
    PageFactory(title="Wiki page in ten days", publish_at=later(days=10))
    policy_entry(title="Entry in a week", status=Status.PUBLISHED, publish_at=later(days=7))
    with committed():
        SitePage.objects.create(
            title="Page in a day", status=Status.PUBLISHED, publish_at=later(hours=30)
        )
    PostFactory(title="Post in three weeks", publish_at=later(days=21))
    PostFactory(title="Draft planned tomorrow", status=Status.DRAFT, publish_at=later(days=1))
    PostFactory(title="Published yesterday")

    scheduled = section(editor_client.get(START), "Scheduled in the next two weeks")

    titles = re.findall(r'/change/">(.+?)</a>', scheduled)
    assert titles == [
        "Resource tomorrow",
        "Page in a day",
        "Post in three days",
        "Entry in a week",
        "Wiki page in ten days",
    ]
    assert 'href="/admin/calendar/"' in scheduled


# ---------------------------------------------------------------- recently edited


def test_recently_edited_shows_the_newest_ten_admin_saves_by_anyone(editor_client, admin_user):
    posts = [PostFactory(title=f"Edited {n}") for n in range(12)]
    post_type = ContentType.objects.get_for_model(Post)
    for post in posts:
        LogEntry.objects.create(
            user=admin_user,
            content_type=post_type,
            object_id=str(post.pk),
            object_repr=post.title,
            action_flag=CHANGE,
            change_message="Changed title.",
        )
    LogEntry.objects.create(
        user=admin_user,
        content_type=post_type,
        object_id="999999",
        object_repr="A deleted post",
        action_flag=DELETION,
    )

    recent = section(editor_client.get(START), "Recently edited")

    assert recent.count("<li>") == 10
    assert "A deleted post" in recent
    assert "A deleted post</a>" not in recent  # nothing to open
    assert f'href="/admin/blog/post/{posts[-1].pk}/change/">Edited 11</a>' in recent
    assert "Edited 1<" not in recent  # older than the newest ten
    assert "Changed by admin, just now" in recent


def test_recently_edited_leaves_out_technical_records(admin_client, admin_user):
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get(app_label="auth", model="user"),
        object_id=str(admin_user.pk),
        object_repr="secret-account-name",
        action_flag=CHANGE,
    )
    assert "secret-account-name" not in section(admin_client.get(START), "Recently edited")


# ---------------------------------------------------------------- broken links


def test_resources_with_broken_links_are_listed_with_what_failed(editor_client):
    broken = ResourceFactory(title="Gone report")
    ResourceFactory(title="Working report")
    with committed():
        type(broken).objects.filter(pk=broken.pk).update(
            link_status="broken", link_status_code=404, link_checked_at=timezone.now()
        )

    panel = section(editor_client.get(START), "Resources with broken links")

    assert f'href="/admin/wiki/resource/{broken.pk}/change/">Gone report</a>' in panel
    assert "HTTP 404" in panel
    assert "Working report" not in panel


def test_no_broken_links_says_so(editor_client):
    panel = section(editor_client.get(START), "Resources with broken links")
    assert "Every checked link works." in panel


# ---------------------------------------------------------------- counts


def test_counts_at_a_glance(editor_client):
    for _ in range(3):
        PostFactory()
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    ResourceFactory()
    ResourceFactory(draft=True)
    PageFactory()
    PageFactory()
    policy_entry(title="In force", status=Status.PUBLISHED)

    html = editor_client.get(START).content.decode()
    pattern = r'<span class="glance-number">(\d+)</span>\s*<span class="glance-label">(.+?)</span>'
    cards = {label: int(number) for number, label in re.findall(pattern, html)}

    assert cards == {
        "Published posts": 3,
        "Drafts": 2,
        "Scheduled": 1,
        "Resources": 1,
        "Guides": 2,
        "Policy entries": 1,
    }
    assert "1 post, 1 resource" in html  # what the drafts are


# ---------------------------------------------------------------- who and how fast


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_non_staff_users_are_sent_to_log_in(client):
    client.force_login(UserFactory(username="reader"))
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_start_screen_costs_a_fixed_number_of_queries(
    editor_client, editor, django_assert_max_num_queries
):
    def render():
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(START).status_code == 200
        return len(queries)

    PostFactory(draft=True, updated_by=editor)
    few = render()
    post_type = ContentType.objects.get_for_model(Post)
    for n in range(15):
        post = PostFactory(draft=True, updated_by=editor)
        PostFactory(scheduled=True)
        ResourceFactory(publish_at=later(days=2), link_status="broken")
        PageFactory(draft=True, updated_by=editor)
        policy_entry(title=f"Entry {n}", status=Status.PUBLISHED, publish_at=later(days=5))
        LogEntry.objects.create(
            user=editor, content_type=post_type, object_id=str(post.pk), object_repr=post.title,
            action_flag=CHANGE,
        )  # fmt: skip
    many = render()

    assert many == few
    with django_assert_max_num_queries(20):
        editor_client.get(START)
