"""Staff who may change an item see "Edit this page" on its public page; readers never do,
whichever of them asked first while the page cache is on."""

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client

from competencyworks.pagecache import store
from policy.models import State
from tests.factories import PageFactory, PostFactory, ResourceFactory, UserFactory
from tests.test_page_cache import answer, front  # noqa: F401 (a fixture)
from tests.test_policy_pages import PolicyEntryFactory
from tests.test_site_pages import SitePageFactory

pytestmark = pytest.mark.django_db

EDIT = "Edit this page"

ITEMS = {
    "post": (PostFactory, "blog", "post"),
    "site page": (SitePageFactory, "blog", "sitepage"),
    "resource": (ResourceFactory, "wiki", "resource"),
    "wiki page": (PageFactory, "wiki", "page"),
    "policy entry": (PolicyEntryFactory, "policy", "policyentry"),
    "state": (lambda: State.objects.get(code="ID"), "policy", "state"),
}


@pytest.fixture(autouse=True)
def page_cache_on(settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE = True  # remembered markup must leave the link out too
    monkeypatch.setattr(store, "_state", {"down": False, "retry_at": 0.0})
    cache.clear()


@pytest.fixture(params=list(ITEMS))
def item(request):
    make, app_label, model_name = ITEMS[request.param]
    return make(), f"/admin/{app_label}/{model_name}/"


def edit_link(item):
    obj, admin_prefix = item
    if isinstance(obj, State):  # editors change a state's page through its stage changes
        return f'<a href="/admin/policy/stagechange/?state__id__exact={obj.pk}">{EDIT}</a>'
    return f'<a href="{admin_prefix}{obj.pk}/change/">{EDIT}</a>'


@pytest.fixture
def reader():
    return Client()  # `client` is the one editor_client logs in


def test_staff_who_may_change_it_see_the_link_after_a_reader_was_served(
    reader, editor_client, item
):
    address = item[0].get_absolute_url()
    first = reader.get(address)
    again = reader.get(address)  # from the cache, unless the content version moved on
    assert first.status_code == 200 and EDIT not in first.content.decode()
    assert first["X-Cache"] == "miss" and EDIT not in again.content.decode()  # stored

    staff = editor_client.get(address)

    assert staff.status_code == 200
    assert "X-Cache" not in staff
    assert edit_link(item) in staff.content.decode()


def test_a_reader_after_staff_gets_no_link(reader, editor_client, item):
    address = item[0].get_absolute_url()
    assert edit_link(item) in editor_client.get(address).content.decode()

    first = reader.get(address)
    again = reader.get(address)

    assert first["X-Cache"] == "miss"  # the staff page was never stored
    assert EDIT not in first.content.decode() and EDIT not in again.content.decode()


def test_staff_without_the_change_permission_get_no_link(client, item):
    obj = item[0]
    viewer = UserFactory(username="viewer", is_staff=True)
    opts = obj._meta  # (and no permission on a state's stage changes either)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label=opts.app_label,
                               codename=f"view_{opts.model_name}")
    )  # fmt: skip
    client.force_login(viewer)

    response = client.get(obj.get_absolute_url())

    assert response.status_code == 200
    assert EDIT not in response.content.decode()


def test_a_superuser_edits_the_state_itself(client):
    idaho = State.objects.get(code="ID")
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))

    response = client.get(idaho.get_absolute_url())

    assert (
        f'<a href="/admin/policy/state/{idaho.pk}/change/">{EDIT}</a>' in response.content.decode()
    )


def test_through_the_production_front_readers_and_staff_each_get_their_own(
    front,  # noqa: F811
    client,
    editor,
    item,
):
    """The WSGI front answers cached pages before Django: staff still reach Django."""
    address = item[0].get_absolute_url()
    plain = {"Accept-Encoding": "identity"}
    for _ in range(2):
        status, _, body, sent = answer(front, address, **plain)
    assert status == 200 and sent["X-Cache"] == "hit" and EDIT not in body.decode()
    client.force_login(editor)
    session = {"Cookie": f"sessionid={client.cookies['sessionid'].value}", **plain}

    status, _, body, sent = answer(front, address, **session)

    assert status == 200 and "x-cache" not in sent
    assert edit_link(item) in body.decode()
    status, _, body, sent = answer(front, address, **plain)
    assert sent["X-Cache"] == "hit" and EDIT not in body.decode()
