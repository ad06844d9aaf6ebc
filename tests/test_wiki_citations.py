"""Posts citing a resource are recorded when either side is saved, not searched per request."""

import pytest

from tests.factories import PostFactory, committed
from wiki.models import Citation, Resource

pytestmark = pytest.mark.django_db
LINK = '<p>See <a href="http://www.example.org/Reports/Mastery/#intro">the report</a>.</p>'


def make_resource(url="https://example.org/reports/mastery"):
    with committed():
        return Resource.objects.create(title="Mastery report", url=url, status="published")


def test_a_new_resource_finds_the_posts_that_already_link_to_it():
    post = PostFactory(body=LINK)
    PostFactory(body="<p>No links here.</p>")
    resource = make_resource()
    assert list(Citation.objects.values_list("post_id", "resource_id")) == [(post.pk, resource.pk)]


def test_saving_a_post_records_or_drops_its_citations():
    resource = make_resource()
    post = PostFactory(body=LINK)
    assert resource.citations.count() == 1
    post.body = "<p>The link is gone.</p>"
    with committed():
        post.save()
    assert resource.citations.count() == 0


def test_changing_a_resource_address_moves_its_citations():
    PostFactory(body=LINK)
    resource = make_resource("https://example.org/elsewhere")
    assert resource.citations.count() == 0
    resource.url = "https://example.org/reports/mastery/"
    with committed():
        resource.save()
    assert resource.citations.count() == 1


def test_resource_page_lists_citing_posts_but_not_drafts(client):
    resource = make_resource()
    PostFactory(title="Public citing post", body=LINK)
    PostFactory(title="Draft citing post", body=LINK, draft=True)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Public citing post" in page and "Draft citing post" not in page


def test_url_key_ignores_scheme_www_case_and_trailing_slash():
    resource = make_resource("HTTPS://WWW.Example.org/Reports/Mastery/")
    assert Resource.objects.get(pk=resource.pk).url_key == "example.org/reports/mastery"
