"""Writing in the admin: publishing buttons, their messages, bylines, series parts, policy
entries' names and identifiers, and editors' accounts, through /admin/ as an editor works."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.models import Author, Post
from competencyworks.publishing import Status
from policy.models import PolicyEntry, Stage, StageChange
from tests.factories import AuthorFactory, PostFactory, SectionFactory, SeriesFactory, UserFactory
from tests.test_blog_admin import POST_ADD_URL, post_change_url, post_form_data
from tests.test_policy_pages import PolicyEntryFactory, state
from tests.test_revisions_admin import form_data

pytestmark = pytest.mark.django_db

PUBLISHING = "_publishing"


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def next_tuesday_at(hour, minute):
    """A Tuesday at least a day ahead, in the site's time zone."""
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def new_post_data(**overrides):
    data = post_form_data(SectionFactory(), **overrides)
    del data["_save"]
    return data


def open_post(client, post):
    return form_data(client.get(post_change_url(post)), "post_form")


def press(client, post, action, **changes):
    """Open the post's change form, change fields, and press a publishing button."""
    data = {**open_post(client, post), **changes, PUBLISHING: action}
    return client.post(post_change_url(post), data)


def buttons(response):
    """The publishing buttons of the page: [(value, label)]."""
    html = response.content.decode()
    return re.findall(
        rf'<button type="submit" name="{PUBLISHING}" value="(\w+)"[^>]*>([^<]+)<', html
    )


# ---------------------------------------------------------------- the buttons on a new post


def test_save_draft_keeps_a_new_post_a_draft_and_stays_on_its_form(editor_client):
    response = editor_client.post(POST_ADD_URL, new_post_data(**{PUBLISHING: "draft"}))

    post = Post.objects.get(slug="grading-for-mastery")
    assert response.status_code == 302
    assert response["Location"] == post_change_url(post)
    assert post.status == Status.DRAFT
    assert messages_of(response) == ["Saved as draft."]


def test_publish_puts_a_new_post_live_now(editor_client):
    before = timezone.now()

    response = editor_client.post(POST_ADD_URL, new_post_data(**{PUBLISHING: "publish"}))

    post = Post.objects.get(slug="grading-for-mastery")
    assert post.status == Status.PUBLISHED
    assert before <= post.publish_at <= timezone.now()
    assert post in Post.objects.published()
    assert messages_of(response) == ["Published."]


def test_publish_ignores_a_future_time_left_in_the_form(editor_client):
    later = timezone.localtime() + timedelta(days=5)
    data = new_post_data(
        publish_at_0=f"{later:%Y-%m-%d}", publish_at_1="10:00", **{PUBLISHING: "publish"}
    )

    editor_client.post(POST_ADD_URL, data)

    assert Post.objects.get(slug="grading-for-mastery") in Post.objects.published()


def test_publish_keeps_a_past_time_the_editor_chose(editor_client):
    data = new_post_data(publish_at_0="2019-03-04", publish_at_1="08:15", **{PUBLISHING: "publish"})

    editor_client.post(POST_ADD_URL, data)

    post = Post.objects.get(slug="grading-for-mastery")
    assert timezone.localtime(post.publish_at).replace(tzinfo=None) == datetime(2019, 3, 4, 8, 15)
    assert post.is_public


def test_schedule_publishes_at_the_time_set_and_says_when_in_site_time(editor_client):
    moment = next_tuesday_at(9, 30)
    data = new_post_data(
        publish_at_0=f"{moment:%Y-%m-%d}", publish_at_1="09:30", **{PUBLISHING: "schedule"}
    )

    response = editor_client.post(POST_ADD_URL, data)

    post = Post.objects.get(slug="grading-for-mastery")
    assert post.status == Status.PUBLISHED
    assert post.publish_at == moment
    assert post.visibility == "scheduled"
    year = "" if moment.year == timezone.localdate().year else f" {moment.year}"
    assert messages_of(response) == [
        f"Scheduled for Tuesday {moment.day} {moment:%B}{year} at 9:30."
    ]


@pytest.mark.parametrize("when", ["", "past"])
def test_schedule_without_a_future_time_is_refused_with_a_reason(editor_client, when):
    past = {"publish_at_0": "2020-01-01", "publish_at_1": "09:00"} if when else {}

    response = editor_client.post(POST_ADD_URL, new_post_data(**past, **{PUBLISHING: "schedule"}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Set a future date and time to schedule" in errors["publish_at"][0]
    assert not Post.objects.exists()


def test_the_messages_use_the_site_time_zone(editor_client, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    moment = next_tuesday_at(9, 30)  # 9:30 in Los Angeles, 12:30 in New York
    data = new_post_data(
        publish_at_0=f"{moment:%Y-%m-%d}", publish_at_1="09:30", **{PUBLISHING: "schedule"}
    )

    response = editor_client.post(POST_ADD_URL, data)

    assert Post.objects.get().publish_at == moment
    assert messages_of(response)[0].endswith(" at 9:30.")


# ---------------------------------------------------------------- the buttons on saved posts


def test_a_draft_offers_save_draft_first_then_publish_and_schedule(editor_client):
    response = editor_client.get(post_change_url(PostFactory(draft=True)))

    assert buttons(response) == [
        ("draft", "Save draft"),
        ("publish", "Publish"),
        ("schedule", "Schedule"),
        ("private", "Save as private"),
    ]
    html = response.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert 'class="deletelink"' in html
    assert "/history/" in html and "View on site" in html


def test_a_published_post_offers_update_and_unpublish(editor_client):
    response = editor_client.get(post_change_url(PostFactory()))

    assert buttons(response) == [
        ("publish", "Update"),
        ("schedule", "Schedule"),
        ("unpublish", "Unpublish"),
    ]


def test_a_scheduled_post_keeps_its_schedule_by_default(editor_client):
    response = editor_client.get(post_change_url(PostFactory(scheduled=True)))

    assert buttons(response)[0] == ("schedule", "Schedule")


def test_unpublish_makes_a_published_post_a_draft(editor_client):
    post = PostFactory()

    response = press(editor_client, post, "unpublish")

    post.refresh_from_db()
    assert post.status == Status.DRAFT
    assert post not in Post.objects.published()
    assert messages_of(response) == ["Unpublished."]


def test_update_keeps_a_published_post_and_its_date(editor_client):
    post = PostFactory()
    date = post.publish_at

    response = press(editor_client, post, "publish", title="A better title")

    post.refresh_from_db()
    assert (post.title, post.status) == ("A better title", Status.PUBLISHED)
    assert abs(post.publish_at - date) < timedelta(minutes=1)  # the form holds minutes
    assert messages_of(response) == ["Published."]


def test_publish_now_brings_a_scheduled_post_forward(editor_client):
    post = PostFactory(scheduled=True)

    press(editor_client, post, "publish")

    post.refresh_from_db()
    assert post.is_public
    assert post.publish_at <= timezone.now()


def test_save_draft_takes_a_scheduled_post_off_the_schedule(editor_client):
    post = PostFactory(scheduled=True)

    response = press(editor_client, post, "draft")

    post.refresh_from_db()
    assert post.visibility == "draft"
    assert messages_of(response) == ["Saved as draft."]


def test_save_as_private_keeps_it_for_staff(editor_client):
    post = PostFactory(draft=True)

    response = press(editor_client, post, "private")

    post.refresh_from_db()
    assert post.status == Status.PRIVATE
    assert messages_of(response) == ["Saved as private (staff only)."]


def test_a_plain_save_still_saves_the_status_the_form_holds(editor_client):
    post = PostFactory(scheduled=True)

    data = {**open_post(editor_client, post), "title": "Still scheduled", "_save": "Save"}
    response = editor_client.post(post_change_url(post), data)

    post.refresh_from_db()
    assert response.status_code == 302
    assert (post.title, post.visibility) == ("Still scheduled", "scheduled")


def test_an_unknown_button_value_is_a_plain_save(editor_client):
    post = PostFactory(draft=True)

    response = press(editor_client, post, "launch-rockets")

    post.refresh_from_db()
    assert response.status_code == 302
    assert post.status == Status.DRAFT


def test_staff_who_may_only_view_posts_cannot_publish(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    post = PostFactory(draft=True)
    data = {**post_form_data(post.section), PUBLISHING: "publish"}
    del data["_save"]

    response = client.post(post_change_url(post), data)
    page = client.get(post_change_url(post))

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.status == Status.DRAFT
    assert buttons(page) == []


def test_staff_without_post_permissions_cannot_add_a_published_post(client):
    client.force_login(UserFactory(username="stranger", is_staff=True))

    response = client.post(POST_ADD_URL, new_post_data(**{PUBLISHING: "publish"}))

    assert response.status_code == 403
    assert not Post.objects.exists()


def test_every_writing_form_has_the_buttons(editor_client, admin_client):
    for url in ["/admin/blog/sitepage/add/", "/admin/wiki/resource/add/", "/admin/wiki/page/add/"]:
        assert buttons(admin_client.get(url))[:2] == [
            ("draft", "Save draft"),
            ("publish", "Publish"),
        ]
    assert buttons(admin_client.get("/admin/policy/policyentry/add/"))[1] == ("publish", "Publish")


def test_the_form_counts_words_warns_on_leaving_and_states_the_time_zone(editor_client):
    response = editor_client.get(POST_ADD_URL)

    html = response.content.decode()
    assert 'data-word-count="body"' in html
    assert "js/admin-writing.js" in html
    help_text = response.context["adminform"].form.fields["publish_at"].help_text
    assert "Times are America/New_York" in help_text


def test_the_body_comes_before_the_excerpt(editor_client):
    html = editor_client.get(POST_ADD_URL).content.decode()

    assert html.index('class="form-row field-title') < html.index("field-body")
    assert html.index("field-body") < html.index("field-excerpt")


# ---------------------------------------------------------------- bylines


def test_a_new_post_starts_with_the_editors_own_byline(editor_client, editor):
    mine = AuthorFactory(name="Ana Ruiz", user=editor)
    AuthorFactory(name="Someone Else")

    response = editor_client.get(POST_ADD_URL)

    (byline_formset, *_) = response.context["inline_admin_formsets"]
    assert byline_formset.formset.forms[0].initial["author"] == mine.pk
    assert f'<option value="{mine.pk}" selected>Ana Ruiz</option>' in response.content.decode()


def test_the_default_byline_is_saved_with_the_post(editor_client, editor):
    mine = AuthorFactory(name="Ana Ruiz", user=editor)
    data = form_data(editor_client.get(POST_ADD_URL), "post_form")
    data.update(title="Mine", slug="mine", section=str(SectionFactory().pk), body="<p>Hi</p>")

    editor_client.post(POST_ADD_URL, {**data, PUBLISHING: "draft"})

    assert Post.objects.get(slug="mine").ordered_authors == [mine]


def test_an_editor_without_an_author_profile_starts_with_an_empty_byline(editor_client):
    response = editor_client.get(POST_ADD_URL)

    (byline_formset, *_) = response.context["inline_admin_formsets"]
    assert "author" not in byline_formset.formset.forms[0].initial


# ---------------------------------------------------------------- series parts


def series_with_parts(*numbers, planned=None):
    series = SeriesFactory(title="Grading for growth", planned_parts=planned)
    for number in numbers:
        PostFactory(series=series, series_part=number, title=f"Grading, part {number}")
    return series


def test_a_series_in_the_address_suggests_its_next_free_part(editor_client):
    series = series_with_parts(1, 2, 4)

    response = editor_client.get(POST_ADD_URL, {"series": series.pk})

    form = response.context["adminform"].form
    assert form.initial["series_part"] == 3
    assert 'name="series_part" value="3"' in response.content.decode()


def test_the_series_endpoint_lists_used_parts_the_next_one_and_the_plan(editor_client):
    series = series_with_parts(1, 2, planned=5)
    post = Post.objects.get(series_part=2)

    fresh = editor_client.get("/admin/blog/post/series-parts/", {"series": series.pk}).json()
    own = editor_client.get(
        "/admin/blog/post/series-parts/", {"series": series.pk, "post": post.pk}
    ).json()

    assert fresh == {"used": [1, 2], "next": 3, "planned": 5}
    assert own == {"used": [1], "next": 2, "planned": 5}


@pytest.mark.parametrize("query", [{}, {"series": "nope"}, {"series": "999999"}])
def test_the_series_endpoint_answers_bad_input_with_404(editor_client, query):
    assert editor_client.get("/admin/blog/post/series-parts/", query).status_code == 404


def test_the_series_endpoint_is_for_editors_only(client):
    client.force_login(UserFactory(username="stranger", is_staff=True))
    series = series_with_parts(1)

    assert client.get("/admin/blog/post/series-parts/", {"series": series.pk}).status_code == 403


def test_the_change_form_points_the_part_box_at_the_endpoint(editor_client):
    post = PostFactory(series=series_with_parts(1), series_part=2)

    html = editor_client.get(post_change_url(post)).content.decode()

    assert f'data-series-parts="/admin/blog/post/series-parts/?post={post.pk}"' in html


def test_a_part_past_the_planned_total_warns(editor_client):
    series = series_with_parts(1, 2, planned=2)
    data = new_post_data(series=str(series.pk), series_part="3", **{PUBLISHING: "draft"})

    response = editor_client.post(POST_ADD_URL, data)

    assert Post.objects.get(slug="grading-for-mastery").series_part == 3
    assert any(
        "Part 3 is past the 2 parts planned for “Grading for growth”" in message
        for message in messages_of(response)
    )


def test_the_form_lists_the_series_parts_with_links_and_status(editor_client):
    series = series_with_parts(1, 3)
    post = PostFactory(series=series, series_part=2, title="The middle", draft=True)

    html = editor_client.get(post_change_url(post)).content.decode()

    first = Post.objects.get(series_part=1)
    listed = re.search(r'<ul class="series-parts">(.*?)</ul>', html, re.S)[1]
    assert re.findall(r"Part (\d+):", listed) == ["1", "2", "3"]
    assert f'<a href="{post_change_url(first)}">Grading, part 1</a>' in listed
    assert '<span class="state state-draft">draft</span> (this post)' in listed


# ---------------------------------------------------------------- policy entries

ENTRY_ADD_URL = "/admin/policy/policyentry/add/"


def entry_url(entry):
    return f"/admin/policy/policyentry/{entry.pk}/change/"


def entry_data(client, entry, **changes):
    data = {**form_data(client.get(entry_url(entry)), "policyentry_form"), **changes}
    return {key: value for key, value in data.items() if key != "_save"}


def test_the_two_statuses_have_distinct_names_in_form_list_and_filters(admin_client):
    PolicyEntryFactory()

    form = admin_client.get(ENTRY_ADD_URL)
    listing = admin_client.get("/admin/policy/policyentry/").content.decode()

    fields = form.context["adminform"].form.fields
    assert fields["policy_status"].label == "Bill status"
    html = form.content.decode()
    assert "Publication status" in html
    assert "Shown before the title, e.g. SB 143; don't repeat it in the title" in html
    assert re.search(r"column-bill_status.*?Bill status", listing, re.S)
    assert re.search(r"column-state_badge.*?Publication<", listing, re.S)
    assert "By bill status" in listing and "By publication status" in listing


def test_a_title_repeating_the_identifier_loses_the_repeat(admin_client):
    entry = PolicyEntryFactory(identifier="SB 143", title="Credit flexibility")

    response = admin_client.post(
        entry_url(entry),
        entry_data(admin_client, entry, title="SB 143: Competency credit", _publishing="publish"),
    )

    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.title == "Competency credit"
    assert entry.label == "SB 143: Competency credit"
    assert any("Removed “SB 143” from the start of the title" in m for m in messages_of(response))


def test_a_title_that_is_only_the_identifier_is_refused(admin_client):
    entry = PolicyEntryFactory(identifier="SB 143", title="Credit flexibility")

    response = admin_client.post(
        entry_url(entry), entry_data(admin_client, entry, title="sb143", _publishing="publish")
    )

    assert response.status_code == 200
    assert "give the entry's name" in response.context["adminform"].form.errors["title"][0]


def test_changing_the_bill_status_offers_a_prefilled_stage_change(admin_client):
    ohio = state("OH")
    StageChange.objects.create(
        state=ohio, stage=Stage.EMERGING, effective_from="2015-01-01", reason="Pilots."
    )
    entry = PolicyEntryFactory(
        state=ohio, identifier="HB 110", title="Credit", policy_status="passed"
    )

    response = admin_client.post(
        entry_url(entry),
        entry_data(admin_client, entry, policy_status="signed", enacted_on="2026-06-30",
                   _publishing="publish"),
    )  # fmt: skip

    (offer,) = [m for m in messages_of(response) if "Record a stage change" in m]
    assert "Ohio is at stage Emerging" in offer
    link = re.search(r'href="([^"]+)"', offer)[1].replace("&amp;", "&")
    assert urlsplit(link).path == "/admin/policy/stagechange/add/"
    assert parse_qs(urlsplit(link).query) == {
        "state": [str(ohio.pk)],
        "effective_from": ["2026-06-30"],
        "reason": ["HB 110: Credit (signed)."],
    }
    form = admin_client.get(link).context["adminform"].form
    assert (form.initial["state"], form.initial["reason"]) == (
        str(ohio.pk),
        "HB 110: Credit (signed).",
    )


def test_saving_an_entry_without_a_new_bill_status_offers_nothing(admin_client):
    entry = PolicyEntryFactory()

    response = admin_client.post(
        entry_url(entry),
        entry_data(admin_client, entry, summary="New words.", _publishing="publish"),
    )

    assert not [m for m in messages_of(response) if "stage change" in m]
    assert PolicyEntry.objects.get(pk=entry.pk).summary == "New words."


# ---------------------------------------------------------------- editors' accounts


def create_editor(*args):
    out = StringIO()
    call_command("create_editor", *args, stdout=out)
    return out.getvalue()


def test_create_editor_makes_a_staff_editor_with_a_byline_and_a_password_link(client):
    output = create_editor("Ana.Ruiz@Example.org", "--name", "Ana  Ruiz", "--site-url",
                           "https://cms.example.org")  # fmt: skip

    user = get_user_model().objects.get(username="ana.ruiz@example.org")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert not user.has_usable_password()
    assert Author.objects.get(user=user).name == "Ana Ruiz"
    link = re.search(r"https://cms\.example\.org(/admin/set-password/\S+/)", output)[1]

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "new_password1" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": "a long editor passphrase", "new_password2": "a long editor passphrase"},
    )
    assert done.status_code == 302 and done["Location"] == "/admin/login/"
    assert client.login(username="ana.ruiz@example.org", password="a long editor passphrase")
    assert client.get("/admin/blog/post/add/").status_code == 200
    assert "new_password1" not in client.get(link, follow=True).content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [(["not-an-address"], "is not an e-mail address"), (["taken@example.org"], "already")],
)
def test_create_editor_refuses_bad_or_taken_addresses(args, problem):
    UserFactory(username="taken@example.org")

    with pytest.raises(CommandError, match=problem):
        create_editor(*args)


ADD_EDITOR_URL = "/admin/blog/author/add-editor/"


def test_a_superuser_adds_an_editor_in_one_screen(admin_client, client):
    offered = admin_client.get("/admin/blog/author/").content.decode()

    page = admin_client.post(ADD_EDITOR_URL, {"email": "Ben@Example.org", "name": "Ben Cole"})

    assert f'href="{ADD_EDITOR_URL}"' in offered
    user = get_user_model().objects.get(username="ben@example.org")
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert Author.objects.get(user=user).name == "Ben Cole"
    link = re.search(
        r'value="http://testserver(/admin/set-password/[^"]+/)"', page.content.decode()
    )
    chosen = client.get(link[1], follow=True)
    assert "new_password1" in chosen.content.decode()


def test_adding_an_editor_twice_says_the_account_exists(admin_client):
    admin_client.post(ADD_EDITOR_URL, {"email": "ben@example.org", "name": "Ben Cole"})

    again = admin_client.post(ADD_EDITOR_URL, {"email": "BEN@example.org", "name": "Ben"})

    assert again.context["form"].errors["email"] == ["There is already an account ben@example.org."]
    assert Author.objects.filter(name__startswith="Ben").count() == 1


def test_only_superusers_may_add_editors(editor_client):
    listing = editor_client.get("/admin/blog/author/").content.decode()

    assert editor_client.get(ADD_EDITOR_URL).status_code == 403
    assert (
        editor_client.post(ADD_EDITOR_URL, {"email": "x@example.org", "name": "X"}).status_code
        == 403
    )
    assert ADD_EDITOR_URL not in listing
    assert not get_user_model().objects.filter(username="x@example.org").exists()


@pytest.mark.parametrize(
    ("wall_time", "stored_utc"),
    [
        # New York's clocks show 1:30 twice on 2026-11-01: the first is summer time.
        ("2026-11-01 01:30:00", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # They skip from 2:00 to 3:00 on 2026-03-08: 2:30 is the moment 3:30 shows.
        ("2026-03-08 02:30:00", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    ],
)
def test_an_item_dated_in_the_hour_a_clock_change_repeats_or_skips_saves(
    editor_client, settings, wall_time, stored_utc
):
    settings.TIME_ZONE = "America/New_York"
    post = PostFactory(publish_at=stored_utc)
    url = post_change_url(post)
    day, time = wall_time.split()
    data = {**form_data(editor_client.get(url), "post_form"), "publish_at_0": day}
    response = editor_client.post(url, {**data, "publish_at_1": time, "_save": "Save"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.publish_at == stored_utc
