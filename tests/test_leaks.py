"""What readers and editors must not learn: unpublished wiki text, who saved it and their
notes; where an item went when it stopped being public; other people's usernames.

Editors work through the admin forms, as they read them from the rendered page; readers
through the public site.
"""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import reversion
from django.core.management import call_command
from django.utils import timezone
from reversion.models import Version

from blog.models import Author, Post
from competencyworks.models import MovedPage
from competencyworks.publishing import Status
from tests.factories import AuthorFactory, PageFactory, PostFactory, UserFactory
from tests.test_revisions_admin import form_data, form_errors
from wiki.models import Page
from wiki.views import HISTORY_VERSIONS

pytestmark = pytest.mark.django_db

SECRET = "Embargoed findings from the pilot districts"
NOTE = "Checked with legal before the board vote"
FIXTURES = Path(__file__).parent / "fixtures" / "wxr"


def save_page(client, page=None, note=NOTE, **changes):
    """Open the page's add or change form, change some fields and save, as an editor does."""
    url = f"/admin/wiki/page/{page.pk}/change/" if page else "/admin/wiki/page/add/"
    data = {**form_data(client.get(url), "page_form"), "change_comment": note, **changes}
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    return page or Page.objects.get(title=data["title"])


def publish_at_fields(when):
    local = timezone.localtime(when)
    return {"publish_at_0": f"{local:%Y-%m-%d}", "publish_at_1": f"{local:%H:%M:%S}"}


def version_ids(page):
    """Newest first."""
    return list(Version.objects.get_for_object(page).values_list("pk", flat=True))


@pytest.fixture
def mixed_history(editor_client):
    """A page written as a draft, published, reworked while private and published again.

    Returns the page and its versions by state: draft, public, private, public.
    """
    page = save_page(editor_client, title="Seat time waivers", body=f"{SECRET}.", status="draft")
    save_page(editor_client, page, body="Waivers let schools drop seat time.", status="published")
    save_page(editor_client, page, body=f"Waivers. {SECRET}, revised.", status="private")
    save_page(editor_client, page, body="Waivers let schools award credit.", status="published")
    draft, first, private, second = version_ids(page)[::-1]
    return page, {"draft": draft, "public": [second, first], "private": private}


def test_public_history_lists_only_versions_saved_while_public(client, mixed_history):
    page, versions = mixed_history
    response = client.get(f"/library/guides/{page.slug}/history/")
    assert response.status_code == 200
    assert [version.pk for version in response.context["versions"]] == versions["public"]
    content = response.content.decode()
    assert f'value="{versions["draft"]}"' not in content
    assert f'value="{versions["private"]}"' not in content


def test_readers_see_no_names_or_notes_while_editors_still_do(
    client, editor_client, editor, mixed_history
):
    page, versions = mixed_history
    newer, older = versions["public"]
    history = client.get(f"/library/guides/{page.slug}/history/").content.decode()
    compare = client.get(f"/library/guides/{page.slug}/compare/", {"from": older, "to": newer})
    assert "Added: Waivers let schools award credit." in compare.content.decode()
    for content in (history, compare.content.decode()):
        assert NOTE not in content and SECRET not in content
        assert editor.get_username() not in content

    admin_history = editor_client.get(f"/admin/wiki/page/{page.pk}/history/").content.decode()
    assert admin_history.count(NOTE) == len(version_ids(page))
    assert editor.get_username() in admin_history


def test_a_version_saved_while_scheduled_is_not_public_history(client, editor_client):
    page = save_page(editor_client, title="Credit flexibility", body="Public.", status="published")
    save_page(
        editor_client,
        page,
        body=f"{SECRET}.",
        status="published",
        **publish_at_fields(timezone.now() + timedelta(days=2)),
    )
    scheduled = version_ids(page)[0]
    # Back to a live date: the page is public again, its scheduled version was never seen.
    save_page(
        editor_client,
        page,
        body="Public again.",
        **publish_at_fields(timezone.now() - timedelta(minutes=1)),
    )
    response = client.get(f"/library/guides/{page.slug}/history/")
    assert scheduled not in [version.pk for version in response.context["versions"]]
    assert len(response.context["versions"]) == 2


def test_a_scheduled_version_hidden_before_its_time_never_counts_as_public(client):
    """Scheduled for day 3, made private on day 2, published again on day 4: the scheduled
    text never went live, whatever came after."""
    start = timezone.now() - timedelta(days=10)
    page = PageFactory.build(title="Competency-based diplomas", publish_at=start)

    def save_on(day, **fields):
        for name, value in fields.items():
            setattr(page, name, value)
        with reversion.create_revision():
            reversion.set_date_created(start + timedelta(days=day))
            page.save()
        return version_ids(page)[0]

    first = save_on(0, body="Public.")
    scheduled = save_on(1, body=f"{SECRET}.", publish_at=start + timedelta(days=3))
    save_on(2, status=Status.PRIVATE)
    last = save_on(4, status=Status.PUBLISHED, publish_at=start + timedelta(days=4))
    response = client.get(f"/library/guides/{page.slug}/history/")
    assert [version.pk for version in response.context["versions"]] == [last, first]
    compare = {"from": first, "to": scheduled}
    assert client.get(f"/library/guides/{page.slug}/compare/", compare).status_code == 404


@pytest.mark.parametrize("hidden", ["draft", "private"])
@pytest.mark.parametrize("side", ["from", "to"])
def test_compare_with_an_unpublished_version_is_404(client, mixed_history, hidden, side):
    page, versions = mixed_history
    chosen = {"from": versions["public"][1], "to": versions["public"][0], side: versions[hidden]}
    response = client.get(f"/library/guides/{page.slug}/compare/", chosen)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_public_history_costs_the_same_queries_however_long(client, django_assert_max_num_queries):
    page = PageFactory(title="Long history")
    # The page, its versions, and the site's page links in the header and footer.
    with django_assert_max_num_queries(3):
        few = client.get(f"/library/guides/{page.slug}/history/")
    for number in range(1, HISTORY_VERSIONS * 2 + 10):
        page.status = Status.PUBLISHED if number % 2 else Status.PRIVATE
        with reversion.create_revision():
            page.save()
    with django_assert_max_num_queries(3):
        many = client.get(f"/library/guides/{page.slug}/history/")
    assert list(few.context["versions"]) == []
    shown = many.context["versions"]
    assert len(shown) == HISTORY_VERSIONS
    assert all(version.field_dict["status"] == Status.PUBLISHED for version in shown)
    assert shown[0].pk == version_ids(page)[0]
    assert f"Only the {HISTORY_VERSIONS} most recent versions are listed." in (
        many.content.decode()
    )


# Moved pages ------------------------------------------------------------------------------


@pytest.fixture
def public_page(editor_client):
    return save_page(editor_client, title="Mastery grading", body="Public.", status="published")


def test_renaming_and_hiding_in_one_save_leaves_no_trail(client, editor_client, public_page):
    old_url = public_page.get_absolute_url()
    save_page(editor_client, public_page, slug="mastery-grading-board-draft", status="private")
    response = client.get(old_url)
    assert response.status_code == 404
    assert not response.has_header("Location")
    assert "board-draft" not in response.content.decode()

    # Public again: the address readers knew leads to it once more.
    save_page(editor_client, public_page, status="published")
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/library/guides/mastery-grading-board-draft/"


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": "private"},
        {"status": "draft"},
        publish_at_fields(timezone.now() + timedelta(days=2)),
    ],
    ids=["private", "draft", "scheduled"],
)
def test_an_old_address_stops_leading_on_while_its_page_is_not_public(
    client, editor_client, public_page, hidden
):
    old_url = public_page.get_absolute_url()
    save_page(editor_client, public_page, slug="grading-for-mastery")
    assert client.get(old_url)["Location"] == "/library/guides/grading-for-mastery/"
    save_page(editor_client, public_page, **hidden)
    response = client.get(old_url)
    assert response.status_code == 404
    assert not response.has_header("Location")


def test_a_page_renamed_while_private_is_found_at_its_newest_address(
    client, editor_client, public_page
):
    old_url = public_page.get_absolute_url()
    save_page(editor_client, public_page, slug="grading-reform", status="private")
    save_page(editor_client, public_page, slug="grading-reform-explained")
    assert client.get(old_url).status_code == 404
    save_page(editor_client, public_page, status="published")
    assert client.get(old_url)["Location"] == "/library/guides/grading-reform-explained/"
    # Its address while private was never public: nothing remembers it.
    assert client.get("/library/guides/grading-reform/").status_code == 404


def test_old_wordpress_addresses_of_unpublished_posts_do_not_redirect(client):
    call_command(
        "import_archive", FIXTURES / "statuses.xml", stdout=io.StringIO(), stderr=io.StringIO()
    )
    public = {post.slug: post for post in Post.objects.published()}
    assert "post-1" in public
    for slug in ["post-1", "post-2", "post-3", "post-4", "post-5"]:
        response = client.get(f"/{slug}/")
        if slug in public:
            assert response["Location"] == public[slug].get_absolute_url()
        else:
            assert response.status_code == 404, slug
            assert not response.has_header("Location")


# Author accounts --------------------------------------------------------------------------


@pytest.fixture
def accounts(db):
    return {
        "staff": UserFactory(username="jo.march", is_staff=True),
        "retired": UserFactory(username="beth.march", is_staff=True, is_active=False),
        "reader": UserFactory(username="amy.reader"),
    }


def user_choices(response):
    """The values the author form's account menu offers."""
    (menu,) = re.findall(r'<select name="user".*?</select>', response.content.decode(), re.S)
    return {value for value in re.findall(r'<option value="([^"]*)"', menu) if value}


def test_editors_may_link_an_author_only_to_their_own_account(editor_client, editor, accounts):
    response = editor_client.get("/admin/blog/author/add/")
    assert user_choices(response) == {str(editor.pk)}
    for user in accounts.values():
        assert user.username not in response.content.decode()
    lookup = {"app_label": "blog", "model_name": "author", "field_name": "user", "term": "m"}
    assert editor_client.get("/admin/autocomplete/", lookup).status_code == 403

    data = {**form_data(response, "author_form"), "name": "Jo", "user": accounts["staff"].pk}
    response = editor_client.post("/admin/blog/author/add/", data)
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Author.objects.exists()


def test_an_editor_keeps_the_account_already_linked(editor_client, editor, accounts):
    author = AuthorFactory(name="Jo March", user=accounts["staff"])
    url = f"/admin/blog/author/{author.pk}/change/"
    response = editor_client.get(url)
    assert user_choices(response) == {str(editor.pk), str(accounts["staff"].pk)}
    data = {**form_data(response, "author_form"), "bio": "Writes about rubrics."}
    assert editor_client.post(url, data).status_code == 302
    author.refresh_from_db()
    assert (author.user, author.bio) == (accounts["staff"], "Writes about rubrics.")

    other = AuthorFactory(name="Someone else")
    url = f"/admin/blog/author/{other.pk}/change/"
    data = {**form_data(editor_client.get(url), "author_form"), "user": accounts["reader"].pk}
    response = editor_client.post(url, data)
    assert "user" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.user is None


def test_superusers_link_authors_to_active_staff_only(admin_client, admin_user, accounts):
    response = admin_client.get("/admin/blog/author/add/")
    assert user_choices(response) == {str(admin_user.pk), str(accounts["staff"].pk)}
    data = {**form_data(response, "author_form"), "name": "Amy", "user": accounts["reader"].pk}
    response = admin_client.post("/admin/blog/author/add/", data)
    assert "user" in response.context["adminform"].form.errors
    data["user"] = accounts["staff"].pk
    assert admin_client.post("/admin/blog/author/add/", data).status_code == 302
    assert Author.objects.get(name="Amy").user == accounts["staff"]


def test_the_author_list_names_accounts_to_superusers_only(editor_client, admin_client, accounts):
    AuthorFactory(name="Jo March", user=accounts["staff"])
    assert (
        accounts["staff"].username not in editor_client.get("/admin/blog/author/").content.decode()
    )
    assert accounts["staff"].username in admin_client.get("/admin/blog/author/").content.decode()


def test_a_redirect_made_by_hand_leads_on_only_while_its_item_is_public(client):
    post = PostFactory(title="Where grading goes next")
    MovedPage.objects.create(old_path="/old-grading/", new_path=post.get_absolute_url())
    MovedPage.objects.create(old_path="/old-blog/", new_path="/blog/")
    assert client.get("/old-grading/").status_code == 301
    assert client.get("/old-blog/")["Location"] == "/blog/"

    Post.objects.filter(pk=post.pk).update(status=Status.PRIVATE)

    hidden = client.get("/old-grading/")
    assert hidden.status_code == 404 and "Location" not in hidden
    assert client.get("/old-blog/").status_code == 301
