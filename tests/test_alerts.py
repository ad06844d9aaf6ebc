"""E-mail alerts: readers follow a search, a tag or a state without an account."""

import io
import re
import time
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.emails import CONFIRM_SALT
from alerts.models import Subscription
from policy.models import PolicyEntry, State
from tests.factories import PageFactory, PostFactory, ResourceFactory, UserFactory, committed

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https?://testserver(/alerts/confirm/[^\s\"<>]+/)")
UNSUBSCRIBE_LINK = re.compile(r"https?://testserver(/alerts/unsubscribe/[^\s\"<>]+/)")


def text(response):
    return response.content.decode()


def form_data(param, value, email="reader@example.org", frequency="daily"):
    target = {"q": "search", "tag": "tag", "state": "state"}[param]
    return {"email": email, "frequency": frequency, "target": target, "value": value}


def sign_up(client, param, value, **fields):
    page = client.get(f"/alerts/subscribe/?{param}={value}")
    assert page.status_code == 200
    return client.post("/alerts/subscribe/", form_data(param, value, **fields))


def confirm_link(message):
    return CONFIRM_LINK.search(message.body)[1]


def follow(client, param, value, **fields):
    """Signs up and clicks the confirmation link, as a reader does."""
    sent = len(mail.outbox)
    sign_up(client, param, value, **fields)
    assert len(mail.outbox) == sent + 1
    link = confirm_link(mail.outbox[-1])
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 200
    mail.outbox.clear()


def policy_entry(code="ID", **fields):
    defaults = {
        "kind": "statute", "year": 2026, "policy_status": "introduced", "summary": "Seat time.",
        "status": "published", "publish_at": timezone.now(),
    }  # fmt: skip
    with committed():
        return PolicyEntry.objects.create(
            state=State.objects.get(code=code), **{**defaults, **fields}
        )


def send(frequency="daily", *args):
    call_command("send_alerts", "--frequency", frequency, *args, stdout=io.StringIO())


# The link on the pages ----------------------------------------------------------------------


def test_search_tag_and_state_pages_link_to_the_sign_up_form(client):
    PostFactory(title="Mastery grading", tags=["grading"])
    search = text(client.get("/search/?q=mastery+grading"))
    assert 'href="/alerts/subscribe/?q=mastery%20grading"' in search
    assert 'href="/alerts/subscribe/?tag=grading"' in text(client.get("/blog/tag/grading/"))
    assert 'href="/alerts/subscribe/?state=ID"' in text(client.get("/policy/states/id/"))


def test_the_link_costs_no_query():
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("alerts/_follow.html", {"param": "tag", "value": "a b&c"})
    assert len(queries) == 0
    assert "?tag=a%20b%26c" in html


def test_the_form_says_what_is_followed(client):
    PostFactory(title="Tagged", tags=["seat-time"])
    page = text(client.get("/alerts/subscribe/?tag=seat-time"))
    assert "the tag “seat-time”" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="value" value="seat-time"' in page
    assert "policy in Idaho" in text(client.get("/alerts/subscribe/?state=id"))
    assert "the search “credit flexibility”" in text(
        client.get("/alerts/subscribe/?q=credit++flexibility")
    )


@pytest.mark.parametrize(
    "query", ["", "?tag=missing", "?state=ZZ", "?q=", "?q=%22%22", "?other=1", "?tag=" + "a" * 500]
)
def test_a_page_that_follows_nothing_is_not_found(client, query):
    assert client.get(f"/alerts/subscribe/{query}").status_code == 404


@pytest.mark.parametrize("query", ["?state=%00", "?q=%FF%FE", "?tag=%ED%A0%80", "?q=x&q=y"])
def test_odd_addresses_never_fail(client, query):
    assert client.get(f"/alerts/subscribe/{query}").status_code < 500


# Signing up -----------------------------------------------------------------------------------


def test_a_sign_up_sends_a_confirmation_and_nothing_else_until_confirmed(client, mailoutbox):
    PostFactory(title="Old", tags=["grading"])
    response = sign_up(client, "tag", "grading", email="Reader@Example.org")
    assert response.status_code == 200
    assert "Check your inbox" in text(response)
    [message] = mailoutbox
    assert message.to == ["reader@example.org"]
    assert "the tag “grading”" in message.subject
    assert CONFIRM_LINK.search(message.body)
    html, kind = message.alternatives[0]
    assert kind == "text/html" and CONFIRM_LINK.search(html)
    # Unconfirmed: new items send nothing.
    PostFactory(title="New", tags=["grading"], publish_at=timezone.now())
    mailoutbox.clear()
    send("daily")
    assert mailoutbox == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "not an address", "frequency": "daily", "target": "tag", "value": "grading"},
        {"email": "a@example.org", "frequency": "hourly", "target": "tag", "value": "grading"},
        {"email": "a@example.org", "frequency": "daily", "target": "user", "value": "grading"},
        {"email": "a@example.org", "frequency": "daily", "target": "tag", "value": "missing"},
        {"email": "a@example.org", "frequency": "daily", "target": "state", "value": "ZZ"},
        {"email": "a@example.org", "frequency": "daily", "target": "search", "value": "-"},
        {"email": "a\x00@example.org", "frequency": "daily", "target": "tag", "value": "x\x00"},
        {"email": "a@example.org", "frequency": "daily", "target": "search", "value": "x" * 5000},
        {"email": "a" * 300 + "@example.org", "frequency": "daily", "target": "tag", "value": "g"},
    ],
)
def test_an_invalid_sign_up_shows_the_form_again_and_sends_nothing(client, mailoutbox, data):
    PostFactory(title="Tagged", tags=["grading"])
    response = client.post("/alerts/subscribe/", data)
    assert response.status_code == 200
    assert 'name="email"' in text(response)
    assert "Check your inbox" not in text(response)
    assert mailoutbox == []


def test_sign_up_needs_the_csrf_token(mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    response = Client(enforce_csrf_checks=True).post(
        "/alerts/subscribe/", form_data("tag", "grading")
    )
    assert response.status_code == 403
    assert mailoutbox == []


def test_repeated_sign_ups_get_the_same_answer_and_one_mail_an_hour(client, mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    first = text(sign_up(client, "tag", "grading"))
    second = text(sign_up(client, "tag", "grading"))
    assert len(mailoutbox) == 1
    # Confirmed or not, the page says the same thing.
    client.post(confirm_link(mailoutbox[0]))
    third = text(sign_up(client, "tag", "grading"))

    def answer(page):
        return re.search(r'<p role="status">.*?</p>', page, re.S)[0]

    assert answer(first) == answer(second) == answer(third)
    assert len(mailoutbox) == 1
    # Another address, or another target, is another confirmation.
    sign_up(client, "tag", "grading", email="other@example.org")
    sign_up(client, "state", "ID")
    assert len(mailoutbox) == 3


def test_after_an_hour_a_new_confirmation_may_be_sent(client, mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    sign_up(client, "tag", "grading")
    Subscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(minutes=61))
    sign_up(client, "tag", "grading")
    assert len(mailoutbox) == 2


def test_a_mail_server_that_refuses_costs_the_reader_no_wait(client, mailoutbox, settings):
    PostFactory(title="Tagged", tags=["grading"])
    settings.EMAIL_BACKEND = "tests.test_alerts.RefusingBackend"
    response = sign_up(client, "tag", "grading")
    assert response.status_code == 200 and "Check your inbox" in text(response)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sign_up(client, "tag", "grading")
    assert len(mailoutbox) == 1


def test_one_address_gets_at_most_five_confirmations_an_hour(client, mailoutbox):
    for code in ["ID", "NH", "VT", "ME", "OR", "CO", "UT"]:
        assert "Check your inbox" in text(sign_up(client, "state", code))
    assert len(mailoutbox) == 5


# Confirming -----------------------------------------------------------------------------------


def test_the_confirmation_link_asks_then_confirms(client, mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    sign_up(client, "tag", "grading", frequency="weekly")
    link = confirm_link(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200 and "Yes, send me alerts" in text(page)
    # Opening the link (a mail scanner does) confirms nothing.
    PostFactory(title="Fresh", tags=["grading"], publish_at=timezone.now() + timedelta(seconds=1))
    done = client.post(link)
    assert done.status_code == 200 and "weekly" in text(done)
    PostFactory(title="After confirming", tags=["grading"], publish_at=timezone.now())
    mailoutbox.clear()
    send("weekly")
    [digest] = mailoutbox
    assert "After confirming" in digest.body
    assert "Fresh" not in digest.body  # published before the reader confirmed


def test_a_tampered_confirmation_link_is_refused(client, mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    sign_up(client, "tag", "grading")
    link = confirm_link(mailoutbox[0])
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    for bad in (tampered, "/alerts/confirm/nonsense/", "/alerts/confirm/%FF%FE/"):
        response = client.post(bad)
        assert response.status_code == 400
        assert "not valid" in text(response)
        assert client.get(bad).status_code == 400
    assert client.post("/alerts/confirm/%00/").status_code == 400
    PostFactory(title="New", tags=["grading"], publish_at=timezone.now())
    mailoutbox.clear()
    send("daily")
    assert mailoutbox == []


def test_an_expired_confirmation_link_is_refused(client, mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    sign_up(client, "tag", "grading")
    value = confirm_link(mailoutbox[0]).split("/")[-2]
    payload = signing.loads(value, salt=CONFIRM_SALT)

    class FourDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 4 * 24 * 60 * 60)

    aged = FourDaysAgo(salt=CONFIRM_SALT).sign_object(payload)
    response = client.post(f"/alerts/confirm/{aged}/")
    assert response.status_code == 400
    assert "expired" in text(response)
    # The same link signed now would have worked.
    fresh = signing.dumps(payload, salt=CONFIRM_SALT)
    assert client.post(f"/alerts/confirm/{fresh}/").status_code == 200


# Digests --------------------------------------------------------------------------------------


def test_a_tag_digest_lists_only_new_items_of_every_kind(client, mailoutbox):
    PostFactory(title="Old post", tags=["grading"])
    follow(client, "tag", "grading", frequency="daily")
    now = timezone.now()
    PostFactory(title="New post", tags=["grading"], publish_at=now)
    ResourceFactory(title="New resource", tags=["grading"], publish_at=now)
    PageFactory(title="New guide", tags=["grading"], publish_at=now)
    entry = policy_entry(title="New grading rule")
    entry.tags.add("grading")
    with committed():
        entry.save()
    PostFactory(title="Other tag", tags=["equity"], publish_at=now)
    PostFactory(title="Draft post", tags=["grading"], draft=True)
    PostFactory(title="Scheduled post", tags=["grading"], scheduled=True)
    send("weekly")
    assert mailoutbox == []  # a daily subscriber is not in the weekly run
    send("daily")
    [digest] = mailoutbox
    for title in ("New post", "New resource", "New guide", "New grading rule"):
        assert title in digest.body
        assert title in digest.alternatives[0][0]
    for title in ("Old post", "Other tag", "Draft post", "Scheduled post"):
        assert title not in digest.body
    assert digest.to == ["reader@example.org"]
    assert "https://testserver/" in digest.body


def test_a_search_digest_uses_the_site_search(client, mailoutbox):
    PostFactory(title="Old mastery grading", body="<p>Mastery.</p>")
    follow(client, "q", "mastery", frequency="weekly")
    PostFactory(title="Mastery transcripts", publish_at=timezone.now())
    PostFactory(title="Seat time waivers", publish_at=timezone.now())
    ResourceFactory(title="A mastery rubric", publish_at=timezone.now())
    send("weekly")
    [digest] = mailoutbox
    assert "Mastery transcripts" in digest.body and "A mastery rubric" in digest.body
    assert "Seat time" not in digest.body and "Old mastery" not in digest.body


def test_a_state_digest_has_its_entries_and_posts_about_it(client, mailoutbox):
    policy_entry(title="Old Idaho rule", publish_at=timezone.now() - timedelta(days=2))
    follow(client, "state", "ID")
    linked = PostFactory(title="Idaho's pilots explained", publish_at=timezone.now())
    entry = policy_entry(title="Idaho mastery act")
    with committed():
        entry.related_posts.add(linked)
    PostFactory(title="Tagged Idaho", tags=["Idaho"], publish_at=timezone.now())
    policy_entry(code="NH", title="New Hampshire rule")
    PostFactory(title="Unrelated post", publish_at=timezone.now())
    send("daily")
    [digest] = mailoutbox
    for title in ("Idaho mastery act", "Idaho's pilots explained", "Tagged Idaho"):
        assert title in digest.body
    for title in ("Old Idaho rule", "New Hampshire rule", "Unrelated post"):
        assert title not in digest.body


def test_nothing_new_sends_nothing_and_a_second_run_sends_nothing_again(client, mailoutbox):
    PostFactory(title="Old", tags=["grading"])
    follow(client, "tag", "grading")
    follow(client, "tag", "grading", email="second@example.org")
    send("daily")
    assert mailoutbox == []
    PostFactory(title="New one", tags=["grading"], publish_at=timezone.now())
    send("daily")
    assert sorted(message.to[0] for message in mailoutbox) == [
        "reader@example.org",
        "second@example.org",
    ]
    mailoutbox.clear()
    send("daily")
    assert mailoutbox == []
    PostFactory(title="Newer one", tags=["grading"], publish_at=timezone.now())
    send("daily")
    assert len(mailoutbox) == 2
    assert all("Newer one" in m.body and "New one\n" not in m.body for m in mailoutbox)


def test_one_message_per_subscription_however_many_items(client, mailoutbox):
    PostFactory(title="Old", tags=["grading"])
    follow(client, "tag", "grading")
    for n in range(12):
        PostFactory(title=f"Item {n}", tags=["grading"], publish_at=timezone.now())
    send("daily")
    [digest] = mailoutbox
    assert "12 new" in digest.subject


def test_dry_run_sends_nothing_and_keeps_the_items_for_the_real_run(client, mailoutbox):
    PostFactory(title="Old", tags=["grading"])
    follow(client, "tag", "grading")
    PostFactory(title="New", tags=["grading"], publish_at=timezone.now())
    out = io.StringIO()
    call_command("send_alerts", "--frequency", "daily", "--dry-run", stdout=out)
    assert "Would send 1 daily" in out.getvalue()
    assert "reader@example.org" not in out.getvalue()
    assert mailoutbox == []
    send("daily")
    assert len(mailoutbox) == 1


def test_a_failed_send_keeps_the_items_for_the_next_run(client, mailoutbox, settings):
    PostFactory(title="Old", tags=["grading"])
    follow(client, "tag", "grading")
    PostFactory(title="Kept for later", tags=["grading"], publish_at=timezone.now())
    settings.EMAIL_BACKEND = "tests.test_alerts.RefusingBackend"
    with pytest.raises(Exception, match="could not be sent"):
        send("daily")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send("daily")
    [digest] = mailoutbox
    assert "Kept for later" in digest.body


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


def test_the_command_needs_a_known_frequency():
    with pytest.raises(Exception, match="frequency"):
        call_command("send_alerts", "--frequency", "hourly")


# Unsubscribing --------------------------------------------------------------------------------


def digest_for(client, mailoutbox):
    PostFactory(title="Old", tags=["grading"])
    follow(client, "tag", "grading")
    PostFactory(title="New", tags=["grading"], publish_at=timezone.now())
    send("daily")
    [digest] = mailoutbox
    mailoutbox.clear()
    return digest


def test_every_digest_carries_one_click_unsubscribe(client, mailoutbox):
    digest = digest_for(client, mailoutbox)
    link = UNSUBSCRIBE_LINK.search(digest.body)[1]
    assert link in digest.alternatives[0][0]
    message = digest.message()
    assert message["List-Unsubscribe"] == f"<https://testserver{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribe_by_opening_the_link_and_pressing_the_button(client, mailoutbox):
    link = UNSUBSCRIBE_LINK.search(digest_for(client, mailoutbox).body)[1]
    page = client.get(link)
    assert page.status_code == 200 and "<button" in text(page)
    PostFactory(title="Newest", tags=["grading"], publish_at=timezone.now())
    done = client.post(link)
    assert "You are unsubscribed" in text(done)
    send("daily")
    assert mailoutbox == []
    # Again, or opened later: the same answer.
    assert "You are unsubscribed" in text(client.post(link))
    assert "You are unsubscribed" in text(client.get(link))


def test_one_click_unsubscribe_needs_no_csrf_token(client, mailoutbox):
    link = UNSUBSCRIBE_LINK.search(digest_for(client, mailoutbox).body)[1]
    mail_program = Client(enforce_csrf_checks=True)
    response = mail_program.post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    PostFactory(title="Newest", tags=["grading"], publish_at=timezone.now())
    send("daily")
    assert mailoutbox == []


def test_a_bad_unsubscribe_link_is_refused_and_unsubscribes_no_one(client, mailoutbox):
    link = UNSUBSCRIBE_LINK.search(digest_for(client, mailoutbox).body)[1]
    for bad in (link[:-4] + "xyz/", "/alerts/unsubscribe/abc/", "/alerts/unsubscribe/%FF/"):
        assert client.post(bad).status_code == 400
        assert client.get(bad).status_code == 400
    PostFactory(title="Newest", tags=["grading"], publish_at=timezone.now())
    send("daily")
    assert len(mailoutbox) == 1


# The admin ----------------------------------------------------------------------------------


@pytest.fixture
def subscribers(client, mailoutbox):
    PostFactory(title="Tagged", tags=["grading"])
    follow(client, "tag", "grading", email="first.secret@example.org")
    follow(client, "tag", "grading", email="second.secret@example.org")
    sign_up(client, "state", "ID", email="pending.secret@example.org", frequency="weekly")


def test_the_admin_shows_counts_and_never_addresses(admin_client, subscribers):
    page = text(admin_client.get("/admin/alerts/subscription/"))
    assert "secret@example.org" not in page and "secret" not in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    cells = [re.findall(r"<td>([^<]*)</td>", row) for row in rows]
    assert ["tag", "grading", "daily", "2", "0"] in cells
    assert ["state", "ID", "weekly", "0", "1"] in cells
    assert "secret" not in text(admin_client.get("/admin/alerts/subscription/?q=first.secret"))
    pk = Subscription.objects.first().pk
    for url in (f"/admin/alerts/subscription/{pk}/change/", "/admin/alerts/subscription/add/",
                f"/admin/alerts/subscription/{pk}/history/",
                f"/admin/alerts/subscription/{pk}/delete/"):  # fmt: skip
        response = admin_client.get(url)
        assert response.status_code == 403
        assert "secret" not in text(response)


def test_editors_see_counts_and_cannot_delete(client, subscribers):
    editor = UserFactory(username="counting-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert 'href="/admin/alerts/subscription/"' in text(client.get("/admin/"))
    page = text(client.get("/admin/alerts/subscription/"))
    assert "grading" in page and "secret" not in page and 'name="group"' not in page
    response = client.post(
        "/admin/alerts/subscription/", {"group": "tag:daily:grading", "confirmed": "yes"}
    )
    assert response.status_code == 403
    assert "grading" in text(client.get("/admin/alerts/subscription/"))


def test_superusers_delete_a_target_after_confirming(admin_client, subscribers, mailoutbox):
    ask = admin_client.post("/admin/alerts/subscription/", {"group": "tag:daily:grading"})
    assert "Yes, delete them" in text(ask) and "secret" not in text(ask)
    assert Subscription.objects.count() == 3
    admin_client.post(
        "/admin/alerts/subscription/", {"group": "tag:daily:grading", "confirmed": "yes"}
    )
    assert list(Subscription.objects.values_list("target", flat=True)) == ["state"]


# The state feed -----------------------------------------------------------------------------


def test_a_state_has_a_feed_of_its_entries_and_posts(client):
    linked = PostFactory(title="Idaho's pilots explained")
    entry = policy_entry(title="Idaho mastery act")
    with committed():
        entry.related_posts.add(linked)
    policy_entry(code="NH", title="New Hampshire rule")
    page = text(client.get("/policy/states/id/"))
    assert 'href="/policy/states/id/feed/"' in page
    for url in ("/policy/states/id/feed/", "/policy/states/ID/feed/atom/"):
        feed = ElementTree.fromstring(client.get(url).content)
        titles = {element.text for element in feed.iter() if element.tag.endswith("title")}
        assert {"Idaho: Idaho mastery act", "Idaho's pilots explained"} <= titles
        assert not any("New Hampshire" in title for title in titles)
    assert client.get("/policy/states/zz/feed/").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lock another process holds")
def test_a_run_started_while_another_runs_sends_nothing(client, mailoutbox):
    import hashlib

    import psycopg

    PostFactory(title="Old", tags=["grading"])
    follow(client, "tag", "grading")
    PostFactory(title="New", tags=["grading"], publish_at=timezone.now())
    job = "send_alerts_daily"
    key = int.from_bytes(hashlib.blake2b(job.encode(), digest_size=8).digest(), signed=True)
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"],
        port=database["PORT"] or 5432, password=database["PASSWORD"] or None, autocommit=True,
    ) as other_server:  # fmt: skip
        other_server.execute("SELECT pg_advisory_lock(%s)", [key])
        out = io.StringIO()
        call_command("send_alerts", "--frequency", "daily", stdout=out)
        assert out.getvalue() == f"{job} is already running elsewhere; nothing done.\n"
        assert mailoutbox == []
        other_server.execute("SELECT pg_advisory_unlock(%s)", [key])
    send("daily")
    assert len(mailoutbox) == 1
