"""A change to public content is acted on once per transaction, after it commits: the search
index rewrites each changed item once and the page cache starts one new version; a rollback
leaves no trace, and models that no page shows are left alone (and keep fast deletes)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from competencyworks.models import ContentVersion, MovedPage, SearchDocument
from policy.models import Event, Kind, PolicyEntry, State, Status
from tests.factories import PostFactory, UserFactory, committed
from tests.test_blog_admin import post_form_data
from tests.test_search import quiet, search_titles

pytestmark = pytest.mark.django_db
SAVE_QUERIES = 35  # an admin save of a post: form, bylines, revision, tags, search document


def version():
    return ContentVersion.objects.values_list("version", flat=True).first()


def writes(queries, statement):
    return [query["sql"] for query in queries if statement in query["sql"].replace('"', "")]


def admin_save_queries(client, post, tag_count, capture_on_commit):
    names = [f"theme {post.pk}-{n}" for n in range(tag_count)]
    for name in names:
        Tag.objects.create(name=name)
    data = post_form_data(
        post.section, title="Edited", slug=post.slug, status="published", publish_at_0="2024-01-01",
        publish_at_1="10:00", tags=", ".join(f'"{name}"' for name in names),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        response = client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert sorted(post.tags.names()) == sorted(names)
    return len(queries)


def test_an_admin_save_of_a_post_runs_the_same_queries_whatever_its_tags(
    admin_client, django_capture_on_commit_callbacks
):
    one = admin_save_queries(admin_client, PostFactory(), 1, django_capture_on_commit_callbacks)
    many = admin_save_queries(admin_client, PostFactory(), 20, django_capture_on_commit_callbacks)
    assert one == many <= SAVE_QUERIES


def test_saves_in_one_transaction_reindex_once_and_start_one_version_after_commit(
    django_capture_on_commit_callbacks,
):
    post = PostFactory(title="First title")
    before = version()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with transaction.atomic():
            for title in ("Second title", "Third title", "Last title"):
                post.title = title
                post.save()
        # Committed, but the after-commit work has not run yet: nothing changed.
        assert SearchDocument.objects.get(object_id=post.pk).title == "First title"
        assert version() == before
    assert SearchDocument.objects.get(object_id=post.pk).title == "Last title"
    assert version() != before
    assert len(writes(queries, "INSERT INTO competencyworks_searchdocument ")) == 1
    assert len(writes(queries, "UPDATE competencyworks_contentversion")) == 1


def test_a_rolled_back_transaction_changes_neither_search_nor_pages(
    client, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Kept title")
    before = version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        post.title = "Abandoned title"
        post.save()
        post.tags.add("abandoned")
        transaction.set_rollback(True)
    assert callbacks == []
    assert version() == before
    assert search_titles(client, "abandoned") == []
    assert search_titles(client, "kept") == ["Kept title"]


def test_a_deleted_policy_event_leaves_search(client):
    with committed():
        entry = PolicyEntry.objects.create(
            state=State.objects.get(code="ID"), title="Credit flexibility act", year=2020,
            kind=Kind.STATUTE, policy_status=Status.SIGNED, status="published",
        )  # fmt: skip
        event = entry.events.create(date=timezone.localdate(), description="Vetoed by governor")
    assert search_titles(client, "vetoed") == ["Idaho: Credit flexibility act"]
    with committed():
        Event.objects.get(pk=event.pk).delete()
    assert search_titles(client, "vetoed") == []
    assert search_titles(client, "flexibility") == ["Idaho: Credit flexibility act"]


def test_a_post_deleted_in_the_admin_leaves_search(
    admin_client, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Retired mastery post", tags=["retired"])
    assert search_titles(admin_client, "retired") == ["Retired mastery post"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/blog/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SearchDocument.objects.filter(object_id=post.pk, kind="post").exists()
    assert search_titles(admin_client, "retired") == []


def test_saving_what_no_page_shows_starts_no_version(django_capture_on_commit_callbacks):
    before = version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = UserFactory()
        user.last_login = timezone.now()
        user.save()
        AccessAttempt.objects.create(
            username="someone", ip_address="192.0.2.1", failures_since_start=1
        )
        session = SessionStore()
        session["seen"] = True
        session.save()
    assert callbacks == []
    assert version() == before


def test_rows_no_page_shows_are_deleted_in_one_query(django_assert_num_queries):
    for n in range(3):
        session = SessionStore()
        session[f"visit {n}"] = n
        session.save()
    PostFactory(tags=["one", "two", "three"])
    with django_assert_num_queries(1):
        Session.objects.all().delete()
    with django_assert_num_queries(1):
        TaggedItem.objects.filter(tag__name__in=["one", "two"]).delete()


WXR = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
    "<wp:base_site_url>https://cw.example</wp:base_site_url><item><title>Moving post</title>"
    "<content:encoded><![CDATA[<p>Body.</p>]]></content:encoded><wp:post_id>7</wp:post_id>"
    "<wp:post_name>{slug}</wp:post_name><wp:post_date_gmt>2020-01-01 15:00:00"
    "</wp:post_date_gmt><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
    "</item></channel></rss>"
)


def test_an_import_that_moves_a_post_again_redirects_every_old_address_in_one_step(
    client, tmp_path
):
    paths = []
    for slug in ("first-slug", "second-slug", "third-slug"):
        path = tmp_path / f"{slug}.xml"
        path.write_text(WXR.replace("{slug}", slug))
        with committed():
            call_command("import_archive", str(path), stdout=quiet())
        paths.append(f"/blog/2020/01/01/{slug}/")
    first, second, newest = paths
    assert client.get(newest).status_code == 200
    for old in (first, second):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, newest)
    assert dict(MovedPage.objects.values_list("old_path", "new_path")) == {
        first: newest,
        second: newest,
    }


def test_a_move_finds_the_addresses_that_led_to_it_along_an_index():
    post = PostFactory(slug="first-slug", publish_at=timezone.now())
    MovedPage.objects.bulk_create(
        MovedPage(old_path=f"/elsewhere/{n}/", new_path=f"/blog/other-{n}/") for n in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {MovedPage._meta.db_table}")
    post.slug = "second-slug"
    with CaptureQueriesContext(connection) as queries:
        post.save()
    (lookup,) = [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT") and "movedpage" in query["sql"]
        and "new_path" in query["sql"].split("WHERE")[-1]
    ]  # fmt: skip
    explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {lookup}")
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "moved_page_new_path_idx" in plan, plan
