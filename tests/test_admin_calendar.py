"""The editorial calendar in the admin: a month of everything dated, and moving an item.

Pages are read and forms posted through the test client as an editor's browser would, in
the site's time zone (America/New_York here, so UTC and local days differ in the evening).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from blog.models import Post, SitePage
from competencyworks.models import ContentVersion, MovedPage, SearchDocument
from competencyworks.publishing import Status
from policy.models import PolicyEntry, State
from tests.factories import PageFactory, PostFactory, ResourceFactory, UserFactory, committed

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"
NY = ZoneInfo(ZONE)
MARCH = "/admin/calendar/2026/3/"
MOVE = "/admin/calendar/move/"


@pytest.fixture(autouse=True)
def site_zone(settings):
    settings.TIME_ZONE = ZONE


def at(*args):
    """A moment on the site's wall clock."""
    return datetime(*args, tzinfo=NY)


def cell(response, day):
    """The HTML of one day's cell in the month grid."""
    html = response.content.decode()
    found = re.search(rf'<td class="cal-day[^"]*" data-date="{day}".*?</td>', html, re.S)
    assert found, f"no cell for {day}"
    return found[0]


def item(html, title):
    """One item's markup: from its <li> to the end of its title."""
    return re.search(rf'<li class="cal-item[^"]*"[^>]*>(?:(?!</li>).)*{title}.*?</li>', html, re.S)


def list_day(response, day):
    html = response.content.decode()
    pattern = rf'<section class="cal-list-day[^"]*" data-date="{day}".*?</section>'
    found = re.search(pattern, html, re.S)
    return found[0] if found else ""


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def policy_entry(**fields):
    state = State.objects.get(code="NH")
    defaults = {"kind": "statute", "year": 2026, "policy_status": "introduced", "summary": "S."}
    with committed():
        return PolicyEntry.objects.create(state=state, **{**defaults, **fields})


def site_page(**fields):
    with committed():
        return SitePage.objects.create(body="<p>Hello.</p>", **fields)


def staff_with(*codenames, username="viewer"):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


# ---------------------------------------------------------------- the month


def test_month_shows_every_kind_on_its_local_day(editor_client):
    PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    ResourceFactory(title="Mastery transcript guide", publish_at=at(2026, 3, 10, 14, 0))
    PageFactory(title="Learning progressions", publish_at=at(2026, 3, 12, 8, 0))
    policy_entry(title="Seat time waiver", status=Status.PUBLISHED, publish_at=at(2026, 3, 20, 12))
    site_page(title="Join us", status=Status.PUBLISHED, publish_at=at(2026, 3, 21, 10))
    # 23:30 in New York on the 14th is already the 15th in UTC.
    PostFactory(title="Late evening post", publish_at=at(2026, 3, 14, 23, 30))

    response = editor_client.get(MARCH)

    assert response.status_code == 200
    assert "Grading for learning" in cell(response, "2026-03-10")
    assert "Mastery transcript guide" in cell(response, "2026-03-10")
    assert "Learning progressions" in cell(response, "2026-03-12")
    assert "Seat time waiver" in cell(response, "2026-03-20")
    assert "Join us" in cell(response, "2026-03-21")
    assert "Late evening post" in cell(response, "2026-03-14")
    assert "Late evening post" not in cell(response, "2026-03-15")
    assert ">23:30</time>" in cell(response, "2026-03-14")


def test_items_link_to_their_change_forms(editor_client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    resource = ResourceFactory(title="Mastery guide", publish_at=at(2026, 3, 11, 9, 30))

    response = editor_client.get(MARCH)

    assert f'href="/admin/blog/post/{post.pk}/change/"' in cell(response, "2026-03-10")
    assert f'href="/admin/wiki/resource/{resource.pk}/change/"' in cell(response, "2026-03-11")


def test_planned_drafts_are_shown_apart_and_labelled(editor_client):
    PostFactory(title="Planned draft", status=Status.DRAFT, publish_at=at(2026, 3, 5, 9))
    PostFactory(title="Undated draft", draft=True)
    PostFactory(title="Private note", status=Status.PRIVATE, publish_at=at(2026, 3, 5, 10))
    PostFactory(title="Out already", publish_at=at(2026, 3, 5, 11))

    response = editor_client.get(MARCH)
    day = cell(response, "2026-03-05")

    draft = item(day, "Planned draft")
    assert draft and "cal-draft" in draft[0]
    assert ">Draft</span>" in draft[0]
    published = item(day, "Out already")
    assert "cal-draft" not in published[0] and "Draft" not in published[0]
    assert "Undated draft" not in response.content.decode()
    assert "Private note" not in response.content.decode()


def test_scheduled_items_are_labelled(editor_client):
    PostFactory(title="Coming soon", scheduled=True)
    today = timezone.localdate(timezone=NY)
    response = editor_client.get("/admin/calendar/")
    scheduled = Post.objects.get(title="Coming soon").publish_at.astimezone(NY).date()
    if (scheduled.year, scheduled.month) != (today.year, today.month):
        response = editor_client.get(f"/admin/calendar/{scheduled.year}/{scheduled.month}/")
    assert "Scheduled</span>" in cell(response, scheduled.isoformat())


def test_month_grid_is_a_table_of_whole_weeks_from_sunday(editor_client):
    response = editor_client.get(MARCH)
    html = response.content.decode()

    assert '<table class="cal-grid">' in html
    headers = re.findall(r'<th scope="col"><abbr title="(\w+)">', html)
    assert headers == [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
    ]  # fmt: skip
    # March 2026 starts on a Sunday and ends on a Tuesday: five weeks, April 1–4 shown dimmed.
    start = html.index('<table class="cal-grid">')
    table = html[start : html.index("</table>", start)]
    assert table.count("<tr>") == 1 + 5
    assert 'class="cal-day cal-outside" data-date="2026-04-01"' in html
    assert '<h1><span class="visually-hidden">Editorial calendar: </span>March 2026</h1>' in html


def test_previous_and_next_month_links(editor_client):
    html = editor_client.get(MARCH).content.decode()
    assert 'href="/admin/calendar/2026/2/" rel="prev"' in html
    assert 'href="/admin/calendar/2026/4/" rel="next"' in html

    december = editor_client.get("/admin/calendar/2026/12/").content.decode()
    assert 'href="/admin/calendar/2027/1/" rel="next"' in december


def test_today_is_marked(editor_client):
    today = timezone.localdate(timezone=NY)
    response = editor_client.get("/admin/calendar/")

    assert response.status_code == 200
    today_cell = cell(response, today.isoformat())
    assert "cal-today" in today_cell
    assert 'aria-current="date"' in today_cell
    assert response.content.decode().count('class="cal-today-label"') == 1


def test_list_view_by_link_shows_days_with_items_and_their_move_forms(editor_client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    PostFactory(title="April fool", publish_at=at(2026, 4, 1, 9, 30))

    grid = editor_client.get(MARCH).content.decode()
    assert 'href="/admin/calendar/2026/3/?view=list"' in grid

    response = editor_client.get(MARCH + "?view=list")
    html = response.content.decode()
    assert '<table class="cal-grid">' not in html
    day = list_day(response, "2026-03-10")
    assert "Tuesday 10 March" in day
    assert "Grading for learning" in day
    assert f'name="item" value="blog.post:{post.pk}"' in day
    assert 'name="date" value="2026-03-10"' in day
    assert "April fool" not in html
    assert 'href="/admin/calendar/2026/4/?view=list" rel="next"' in html


def test_grid_items_are_dragged_with_their_move_form_and_link_to_it(editor_client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    response = editor_client.get(MARCH)
    html = response.content.decode()

    grid_item = item(cell(response, "2026-03-10"), "Grading for learning")[0]
    assert f'data-move-form="move-blog-post-{post.pk}"' in grid_item
    assert f'href="/admin/calendar/2026/3/?view=list#item-blog-post-{post.pk}">Move' in grid_item
    assert html.count(f'<form class="cal-move-form" id="move-blog-post-{post.pk}"') == 1
    assert f'id="item-blog-post-{post.pk}"' in list_day(response, "2026-03-10")


def test_grid_page_carries_the_list_for_phones(editor_client):
    PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    response = editor_client.get(MARCH)
    assert "Grading for learning" in list_day(response, "2026-03-10")


def test_empty_month_says_so(editor_client):
    html = editor_client.get("/admin/calendar/2031/7/").content.decode()
    assert "Nothing is dated in July 2031." in html


@pytest.mark.parametrize(
    "path",
    ["/admin/calendar/2026/13/", "/admin/calendar/2026/0/", "/admin/calendar/99999/1/",
     "/admin/calendar/1899/12/", "/admin/calendar/3000/1/"],
)  # fmt: skip
def test_months_outside_the_calendar_are_not_found(editor_client, path):
    assert editor_client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["?view=bogus", "?view=", "?view=list&view=grid", "?month=x"])
def test_odd_query_parameters_show_the_grid(editor_client, query):
    response = editor_client.get(MARCH + query)
    assert response.status_code == 200
    assert response.context["view"] in ("grid", "list")


def test_month_view_costs_a_fixed_number_of_queries(editor_client, django_assert_max_num_queries):
    def render():
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(MARCH).status_code == 200
        return len(queries)

    PostFactory(title="One", publish_at=at(2026, 3, 2, 9))
    few = render()
    for day in range(1, 29):
        PostFactory(publish_at=at(2026, 3, day, 9))
        ResourceFactory(publish_at=at(2026, 3, day, 10))
        PageFactory(publish_at=at(2026, 3, day, 11), status=Status.DRAFT)
        policy_entry(title=f"Entry {day}", status=Status.PUBLISHED, publish_at=at(2026, 3, day))
    many = render()

    assert many == few
    with django_assert_max_num_queries(10):
        editor_client.get(MARCH)


# ---------------------------------------------------------------- who may see it


def test_anonymous_visitors_are_sent_to_log_in(client):
    PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    response = client.get(MARCH)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_non_staff_users_are_sent_to_log_in(client):
    client.force_login(UserFactory(username="reader"))
    assert client.get(MARCH).status_code == 302


def test_staff_see_only_the_kinds_they_may_view_and_move_only_what_they_may_change(client):
    PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    ResourceFactory(title="Mastery guide", publish_at=at(2026, 3, 10, 10))
    client.force_login(staff_with("view_post"))

    html = client.get(MARCH).content.decode()

    assert "Grading for learning" in html
    assert "Mastery guide" not in html
    assert 'name="date"' not in html  # no move forms without the change permission


# ---------------------------------------------------------------- moving an item


def move(client, obj, day, view="grid"):
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    return client.post(MOVE, {"item": f"{label}:{obj.pk}", "date": day, "view": view}, follow=True)


def test_editor_moves_a_post_keeping_its_time_of_day(editor_client, editor):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))

    response = move(editor_client, post, "2026-03-24")

    post.refresh_from_db()
    assert post.publish_at == at(2026, 3, 24, 9, 30)
    assert post.updated_by == editor
    assert response.redirect_chain == [("/admin/calendar/2026/3/", 302)]
    assert messages_of(response) == [
        "Moved “Grading for learning” to Tuesday 24 March 2026 at 9:30."
    ]
    assert "Grading for learning" in cell(response, "2026-03-24")
    assert "Grading for learning" not in cell(response, "2026-03-10")


def test_moving_across_a_daylight_saving_change_keeps_the_wall_clock_time(editor_client):
    # New York moves its clocks on 8 March 2026: 9:30 stays 9:30, an hour fewer in UTC.
    post = PostFactory(title="Across the change", publish_at=at(2026, 3, 2, 9, 30))

    move(editor_client, post, "2026-03-16")

    post.refresh_from_db()
    assert post.publish_at.astimezone(NY).strftime("%Y-%m-%d %H:%M") == "2026-03-16 09:30"
    assert post.publish_at.astimezone(ZoneInfo("UTC")).hour == 13


def test_a_move_is_recorded_like_an_admin_save(editor_client, editor):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))

    move(editor_client, post, "2026-03-11")

    entry = LogEntry.objects.get(object_id=str(post.pk), content_type__model="post")
    assert entry.user == editor
    assert entry.is_change()
    note = (
        "Moved on the calendar from Tuesday 10 March 2026 at 9:30 "
        "to Wednesday 11 March 2026 at 9:30."
    )
    assert entry.get_change_message() == note
    version = Version.objects.get_for_object(post).get()
    assert version.revision.user == editor
    assert version.revision.comment == note
    assert version.field_dict["publish_at"] == at(2026, 3, 11, 9, 30)


def test_a_move_goes_through_the_save_path_and_its_after_commit_effects(editor_client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    old_url = post.get_absolute_url()
    version_before = ContentVersion.objects.get().version

    with committed():
        move(editor_client, post, "2026-03-12")

    post.refresh_from_db()
    document = SearchDocument.objects.get(kind="post", object_id=post.pk)
    assert document.publish_at == at(2026, 3, 12, 9, 30)
    assert document.url == post.get_absolute_url() == "/blog/2026/03/12/grading-for-learning/"
    assert ContentVersion.objects.get().version != version_before
    assert MovedPage.objects.filter(old_path=old_url, new_path=post.get_absolute_url()).exists()
    assert editor_client.get(old_url).status_code == 301


def test_moving_a_published_item_into_the_future_says_it_is_now_scheduled(editor_client):
    resource = ResourceFactory(title="Mastery guide")
    later = timezone.localdate(timezone=NY).replace(year=timezone.localdate().year + 1)

    response = move(editor_client, resource, later.isoformat())

    resource.refresh_from_db()
    assert resource.visibility == "scheduled"
    assert messages_of(response)[0].endswith("It is now scheduled: readers see it from then.")


def test_moving_a_scheduled_item_into_the_past_says_it_is_now_published(editor_client):
    page = PageFactory(title="Learning progressions", scheduled=True)

    response = move(editor_client, page, "2026-01-05")

    page.refresh_from_db()
    assert page.visibility == "published"
    assert messages_of(response)[0].endswith("It is now published.")


def test_moving_a_planned_draft_keeps_it_a_draft(editor_client):
    entry = policy_entry(
        title="Seat time waiver", status=Status.DRAFT, publish_at=at(2026, 3, 3, 8)
    )

    response = move(editor_client, entry, "2026-03-04", view="list")

    entry.refresh_from_db()
    assert entry.status == Status.DRAFT
    assert entry.publish_at == at(2026, 3, 4, 8)
    assert response.redirect_chain == [("/admin/calendar/2026/3/?view=list", 302)]
    assert messages_of(response) == ["Moved “Seat time waiver” to Wednesday 4 March 2026 at 8:00."]


def test_moving_to_another_month_shows_that_month(editor_client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    response = move(editor_client, post, "2026-04-02")
    assert response.redirect_chain == [("/admin/calendar/2026/4/", 302)]
    assert "Grading for learning" in cell(response, "2026-04-02")


def test_moving_to_the_same_day_changes_nothing(editor_client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))

    response = move(editor_client, post, "2026-03-10")

    assert messages_of(response) == [
        "“Grading for learning” is already on Tuesday 10 March 2026 at 9:30."
    ]
    assert not LogEntry.objects.exists()


def test_an_item_without_a_date_is_not_moved(editor_client):
    post = PostFactory(title="Undated draft", draft=True)
    response = move(editor_client, post, "2026-03-10")
    post.refresh_from_db()
    assert post.publish_at is None
    assert messages_of(response) == ["“Undated draft” has no date yet: set one in its form."]


def test_staff_without_the_change_permission_cannot_move(client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    client.force_login(staff_with("view_post"))

    response = move(client, post, "2026-03-11")

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.publish_at == at(2026, 3, 10, 9, 30)
    assert not LogEntry.objects.exists()


def test_anonymous_visitors_cannot_move(client):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    response = client.post(MOVE, {"item": f"blog.post:{post.pk}", "date": "2026-03-11"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    post.refresh_from_db()
    assert post.publish_at == at(2026, 3, 10, 9, 30)


def test_a_move_needs_the_csrf_token(editor):
    post = PostFactory(title="Grading for learning", publish_at=at(2026, 3, 10, 9, 30))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    response = browser.post(MOVE, {"item": f"blog.post:{post.pk}", "date": "2026-03-11"})

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.publish_at == at(2026, 3, 10, 9, 30)


def test_moving_is_only_a_post(editor_client):
    assert editor_client.get(MOVE).status_code == 405


def test_superuser_moves_any_kind(admin_client):
    page = site_page(title="Join us", status=Status.PUBLISHED, publish_at=at(2026, 3, 21, 10))
    response = move(admin_client, page, "2026-03-22")
    page.refresh_from_db()
    assert page.publish_at == at(2026, 3, 22, 10)
    assert messages_of(response) == ["Moved “Join us” to Sunday 22 March 2026 at 10:00."]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"item": "blog.post:1", "date": "not a date"},
        {"item": "blog.post:1", "date": "0001-01-01"},
        {"item": "blog.post:1", "date": "9999-12-31"},
        {"item": "auth.user:1", "date": "2026-03-11"},
        {"item": "blog.post:x", "date": "2026-03-11"},
        {"item": "blog.post", "date": "2026-03-11"},
        {"item": "x" * 500, "date": "2026-03-11"},
        {"item": "blog.post:1", "date": "2026-03-11", "view": "<script>"},
    ],
)
def test_malformed_moves_are_refused_with_a_message(editor_client, data):
    response = editor_client.post(MOVE, data, follow=True)
    assert response.status_code == 200
    assert messages_of(response)[0].startswith("Nothing was moved: ")
    assert not LogEntry.objects.exists()


def test_moving_an_item_that_does_not_exist_is_not_found(editor_client):
    response = editor_client.post(MOVE, {"item": "blog.post:999999", "date": "2026-03-11"})
    assert response.status_code == 404


def test_every_admin_page_links_to_the_calendar(editor_client):
    for path in ["/admin/", "/admin/blog/post/", "/admin/blog/post/add/", MARCH]:
        assert '<a href="/admin/calendar/">Calendar</a>' in editor_client.get(path).content.decode()
