"""Posts citing a resource are recorded when either side is saved, not searched per request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_saving_a_post_reads_only_the_resources_its_links_name():
    cited = make_resource()
    with committed():
        for n in range(30):
            Resource.objects.create(title=f"Other {n}", url=f"https://example.org/other/{n}")
    post = PostFactory(body="<p>No links yet.</p>")
    post.body = LINK + '<p><a href="https://example.org/other/7/">another</a></p>'
    with CaptureQueriesContext(connection) as queries, committed():
        post.save()
    assert sorted(post.citations.values_list("resource__slug", flat=True)) == sorted(
        [cited.slug, Resource.objects.get(title="Other 7").slug]
    )
    reads = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "wiki_resource" in q["sql"]
    ]
    # Whether the library is empty, then the resources the links name: never all of them.
    assert reads and all(
        "LIMIT 1" in sql or "url_key" in sql.partition("WHERE")[2] for sql in reads
    ), reads


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
