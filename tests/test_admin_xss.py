"""XSS sweep of the admin: hostile text in every field editors fill, on every admin page.

The content is written straight to the database, as an import would, so no form validation
or sanitising stands between the payload and the page: each page is judged on how it prints.
"""

import json
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import reversion
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from blog.models import Author, Byline, Post, Section, Series
from competencyworks.models import MovedPage
from competencyworks.publishing import Status
from policy import models as policy
from tests.conftest import image_bytes
from tests.factories import UserFactory
from tests.payloads import ATTRIBUTE_PAYLOAD, ESCAPED_MARKER, JS_URL, PAYLOAD, assert_inert
from wiki.models import LinkStatus, Page, Resource, Topic

pytestmark = pytest.mark.django_db

TEXT = ATTRIBUTE_PAYLOAD + PAYLOAD  # 90 characters: fits every editor text field but a few
TAGS = [TEXT, ATTRIBUTE_PAYLOAD]
VERSIONED = ["blog.post", "wiki.resource", "wiki.page", "policy.policyentry"]
TAGGED = VERSIONED  # the same four models carry tags


def revise(obj, user, **fields):
    """Save `obj` as a new version with a hostile change note, as an admin save would."""
    for name, value in fields.items():
        setattr(obj, name, value)
    with reversion.create_revision():
        obj.save()
        reversion.set_user(user)
        reversion.set_comment(f"{TEXT}\n{JS_URL}")
    return obj


def create_hostile_content(user):
    """One of each admin model with a payload in every field an editor can fill.

    Versioned records get two versions (plain payload, then the longer one) so comparing them
    shows both, and a deleted twin so django-reversion's recover pages list it.
    """
    now = timezone.now()
    section = Section.objects.create(name=TEXT, slug="hostile", description=TEXT)
    author = Author.objects.create(name=TEXT, slug="hostile", bio=TEXT)
    series = Series.objects.create(title=TEXT, slug="hostile", description=TEXT)
    post = Post(
        section=section, title=PAYLOAD, slug="hostile", excerpt=PAYLOAD,
        body=f"<p>{PAYLOAD}</p><a href='{JS_URL}'>x</a>",
        image=SimpleUploadedFile("hostile.png", image_bytes(size=(40, 30)), "image/png"),
        image_alt=TEXT, image_caption=TEXT, image_credit=TEXT, series=series, series_part=1,
        crosspost_publisher=TEXT, crosspost_url=JS_URL, image_source_url=JS_URL,
        status=Status.PUBLISHED, publish_at=now - timedelta(days=1),
    )  # fmt: skip
    revise(post, user)
    Byline.objects.create(post=post, author=author)
    post.tags.add(*TAGS)
    revise(post, user, title=TEXT, excerpt=TEXT, body=f"<p>{TEXT}</p>")

    parent = Topic.objects.create(name=ATTRIBUTE_PAYLOAD, slug="hostile-parent")
    topic = Topic.objects.create(name=TEXT, slug="hostile", parent=parent, description=TEXT)
    resource = Resource(
        title=PAYLOAD, slug="hostile", url=JS_URL, publisher=TEXT, authors=TEXT, summary=PAYLOAD,
        status=Status.PUBLISHED, link_status=LinkStatus.BROKEN, link_checked_at=now,
        link_error=TEXT,  # check_links stores what the remote server said
    )  # fmt: skip
    revise(resource, user)
    resource.topics.add(topic)
    resource.tags.add(*TAGS)
    revise(resource, user, title=TEXT, summary=TEXT)

    page = Page(title=PAYLOAD, slug="hostile", body=f"{PAYLOAD}\n\n[x]({JS_URL}) [[{PAYLOAD}]]")
    revise(page, user)
    page.topics.add(topic)
    page.tags.add(*TAGS)
    revise(page, user, title=TEXT, body=f"{TEXT}\n\n[[{TEXT}]]")

    state = policy.State.objects.get(code="ID")
    stage_change = policy.StageChange.objects.create(
        state=state, stage=policy.Stage.choices[0][0], effective_from=date(2020, 1, 1),
        reason=TEXT, sources=f"{JS_URL}\n{TEXT}",
    )  # fmt: skip
    policy_topic = policy.Topic.objects.create(name=TEXT, slug="hostile")
    entry = policy.PolicyEntry(
        state=state, title=PAYLOAD, slug="hostile", kind=policy.Kind.choices[0][0],
        identifier=TEXT[:60], session=TEXT[:40], year=2020,
        policy_status=policy.Status.choices[0][0], summary=PAYLOAD, status=Status.PUBLISHED,
    )  # fmt: skip
    revise(entry, user)
    entry.events.create(date=date(2020, 2, 1), description=TEXT)
    entry.sources.create(title=TEXT, url=JS_URL)
    entry.provisions.create(citation=TEXT, description=TEXT, url=JS_URL)
    entry.topics.add(policy_topic)
    entry.related_posts.add(post)
    entry.related_resources.add(resource)
    entry.tags.add(*TAGS)
    revise(entry, user, title=TEXT, summary=TEXT)

    moved = MovedPage.objects.create(old_path=f"/{TEXT}", new_path=JS_URL)

    for twin in [
        Post(section=section, title=TEXT, slug="hostile-twin"),
        Resource(title=TEXT, slug="hostile-twin", url=JS_URL),
        Page(title=ATTRIBUTE_PAYLOAD, slug="hostile-twin", body=TEXT),
        policy.PolicyEntry(
            state=state, title=TEXT, slug="hostile-twin", kind=entry.kind, year=2020,
            policy_status=entry.policy_status, summary=TEXT,
        ),
    ]:  # fmt: skip
        revise(twin, user).delete()

    records = {
        "blog.section": section, "blog.author": author, "blog.series": series,
        "blog.post": post, "wiki.topic": topic, "wiki.resource": resource, "wiki.page": page,
        "policy.state": state, "policy.stagechange": stage_change, "policy.topic": policy_topic,
        "policy.policyentry": entry, "competencyworks.movedpage": moved,
        "taggit.tag": Tag.objects.get(name=TEXT),
    }  # fmt: skip
    # The history of unversioned records, and "Recent actions": a free-text and a structured
    # change message naming a hostile field.
    for record in records.values():
        for message in [TEXT, json.dumps([{"changed": {"fields": [TEXT]}}])]:
            LogEntry.objects.log_actions(user.pk, [record], CHANGE, message, single_object=True)
    return records


@pytest.fixture(scope="module")
def records(django_db_setup, django_db_blocker):
    """Built once for the module and rolled back after it: each page only reads it."""
    with django_db_blocker.unblock(), transaction.atomic():
        user = UserFactory(username="xss-admin", is_staff=True, is_superuser=True)
        yield {"user": user, **create_hostile_content(user)}
        transaction.set_rollback(True)


@pytest.fixture
def admin_client(client, records):
    client.force_login(records["user"])
    return client


# ---------------------------------------------------------------- the pages


def admin_url(label, view, *args):
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def with_query(url, params):
    return f"{url}?{urlencode(params, doseq=True)}"


def versions(obj):
    return Version.objects.get_for_object(obj).order_by("pk")


def add_form_initial(label):
    """The add form prefilled from the query string (a link anyone can send an editor)."""
    model = apps.get_model(label)
    return {
        field.name: PAYLOAD
        for field in model._meta.concrete_fields
        if field.editable and isinstance(field, models.CharField | models.TextField)
    }


# Each filter picks the hostile record from a list of hostile choices.
FILTERS = {
    "blog.post": lambda r: {"series__id__exact": r["blog.series"].pk, "status": "published"},
    "wiki.topic": lambda r: {"parent__id__exact": r["wiki.topic"].parent_id},
    "wiki.resource": lambda r: {"topics__id__exact": r["wiki.topic"].pk, "link": "broken"},
    "wiki.page": lambda r: {"topics__id__exact": r["wiki.topic"].pk},
    "policy.stagechange": lambda r: {"state__id__exact": r["policy.state"].pk},
    "policy.policyentry": lambda r: {"topics__id__exact": r["policy.topic"].pk, "year": 2020},
}
# States come from a migration: no add or delete pages.
READ_ONLY = {"policy.state"}
# Pages that list only what editors cannot write: state names, stages and dates.
WITHOUT_EDITOR_TEXT = {
    "policy.state-changelist", "policy.stagechange-changelist", "policy.stagechange-filtered",
    "policy.stagechange-delete", "policy.stagechange-delete-selected",
}  # fmt: skip


MODELS = [
    "blog.section", "blog.author", "blog.series", "blog.post", "wiki.topic", "wiki.resource",
    "wiki.page", "policy.state", "policy.stagechange", "policy.topic", "policy.policyentry",
    "competencyworks.movedpage", "taggit.tag",
]  # fmt: skip


def page_names(label):
    names = ["changelist", "search", "change", "history"]
    if label in FILTERS:
        names.append("filtered")
    if label not in READ_ONLY:
        names += ["add", "delete", "delete-selected"]
    if label in VERSIONED:
        names += ["compare", "revision", "recoverlist", "recover"]
    return names


def page_request(label, name, records):
    """(method, URL, POST data) for one admin page of the model `label`."""
    if name == "index":
        return "get", reverse("admin:index"), None
    obj = records[label]
    changelist = admin_url(label, "changelist")
    match name:
        case "changelist":
            return "get", changelist, None
        case "search":
            return "get", with_query(changelist, {"q": PAYLOAD}), None
        case "filtered":
            return "get", with_query(changelist, FILTERS[label](records)), None
        case "add":
            return "get", with_query(admin_url(label, "add"), add_form_initial(label)), None
        case "change":  # coming back from a search: its filters are kept in every link
            preserved = {"_changelist_filters": urlencode({"q": PAYLOAD})}
            return "get", with_query(admin_url(label, name, obj.pk), preserved), None
        case "delete" | "history":
            return "get", admin_url(label, name, obj.pk), None
        case "delete-selected":  # the action's confirmation page, before "Yes, I'm sure"
            return "post", changelist, {"action": "delete_selected", "_selected_action": obj.pk}
        case "compare":
            first, *_, last = versions(obj)
            url = admin_url(label, "compare", obj.pk)
            return "get", with_query(url, {"from": first.pk, "to": last.pk}), None
        case "revision":
            return "get", admin_url(label, "revision", obj.pk, versions(obj).first().pk), None
        case "recoverlist":
            return "get", admin_url(label, "recoverlist"), None
        case "recover":
            deleted = Version.objects.get_deleted(type(obj)).get()
            return "get", admin_url(label, "recover", deleted.pk), None


HTML_PAGES = [
    pytest.param(label, name, id=f"{label}-{name}")
    for label in MODELS
    for name in page_names(label)
] + [pytest.param("admin", "index", id="index")]


@pytest.mark.parametrize(("label", "name"), HTML_PAGES)
def test_admin_page_shows_payloads_as_text(admin_client, records, label, name):
    method, url, data = page_request(label, name, records)

    response = getattr(admin_client, method)(url, data)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert_inert(html)
    if f"{label}-{name}" not in WITHOUT_EDITOR_TEXT:
        assert ESCAPED_MARKER in html  # the payload is on the page, as text


# ---------------------------------------------------------------- JSON for the editors' widgets

AUTOCOMPLETES = [
    ("blog", "post", "series"),
    ("blog", "byline", "author"),
    ("wiki", "topic", "parent"),
    ("wiki", "resource", "topics"),
    ("wiki", "page", "topics"),
    ("policy", "policyentry", "topics"),
    ("policy", "policyentry", "related_posts"),
    ("policy", "policyentry", "related_resources"),
]
JSON_ENDPOINTS = [
    pytest.param(
        with_query(admin_url(label, "tag_suggestions"), {"term": TEXT[:5]}),
        "results",
        id=f"{label}-tag-suggestions",
    )
    for label in TAGGED
] + [
    pytest.param(
        with_query(
            reverse("admin:autocomplete"),
            {
                "app_label": app_label,
                "model_name": model_name,
                "field_name": field_name,
                "term": ATTRIBUTE_PAYLOAD,
            },
        ),
        "text",
        id=f"{app_label}.{model_name}.{field_name}-autocomplete",
    )
    for app_label, model_name, field_name in AUTOCOMPLETES
]


@pytest.mark.parametrize(("url", "key"), JSON_ENDPOINTS)
def test_admin_json_carries_payloads_as_data(admin_client, url, key):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed as HTML
    results = json.loads(response.content)["results"]
    names = results if key == "results" else [result[key] for result in results]
    assert any(name.startswith(ATTRIBUTE_PAYLOAD) for name in names)
