"""Posts connected to states, library topics, resources and policy entries."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.utils import timezone

from blog.models import Post
from competencyworks.pagecache import content_changed, version
from policy.models import Stage, State
from tests.factories import PostFactory, ResourceFactory, TopicFactory, committed
from tests.test_alerts import follow, send
from tests.test_blog_admin import bylines_management, post_change_url, post_form_data
from tests.test_policy_pages import PolicyEntryFactory, StageChangeFactory

pytestmark = pytest.mark.django_db


def state(code):
    return State.objects.get(code=code)


def about(post, *codes):
    with committed():
        post.states.add(*State.objects.filter(code__in=codes))
    return post


# The admin ------------------------------------------------------------------------------------


def change_data(post, **overrides):
    data = post_form_data(post.section, title=post.title, slug=post.slug, body=post.body)
    data.update(bylines_management(total=0))
    data.update(overrides)
    return data


def test_editors_set_a_posts_states_and_topics_in_the_admin(editor_client):
    post = PostFactory(title="Competency pathways")
    topic = TopicFactory(name="Assessment")
    response = editor_client.post(
        post_change_url(post),
        change_data(post, states=[state("ID").pk, state("NH").pk], topics=[topic.pk]),
    )
    assert response.status_code == 302
    assert set(post.states.values_list("code", flat=True)) == {"ID", "NH"}
    assert list(post.topics.all()) == [topic]
    # Both fields offer the search-as-you-type widget, served by the admin's autocomplete.
    form = editor_client.get(post_change_url(post)).content.decode()
    assert 'name="states"' in form and 'name="topics"' in form and "admin-autocomplete" in form
    found = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "blog", "model_name": "post", "field_name": "states", "term": "Idah"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["Idaho"]
    found = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "blog", "model_name": "post", "field_name": "topics", "term": "Assess"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["Assessment"]


def suggested(client, post):
    form = client.get(post_change_url(post)).content.decode()
    start = form.index("field-suggested_states")
    line = form[start : form.index("</div>", form.index("readonly", start))]
    return {
        State.objects.get(pk=pk).name
        for pk in State.objects.values_list("pk", flat=True)
        if f'name="add_suggested_state" value="{pk}"' in line
    }


def test_the_change_form_suggests_the_states_a_post_names_or_is_tagged_with(editor_client):
    post = PostFactory(
        title="West Virginia follows New Hampshire",
        body="<p>Washington, D.C. and Washington State too; Washington Irving is no state. "
        "Kansas City is in Missouri. Mid-Virginia-ish is not a name.</p>",
        tags=["idaho", "Maine"],
    )
    assert suggested(editor_client, post) == {
        "West Virginia", "New Hampshire", "District of Columbia", "Washington",
        "Missouri", "Kansas", "Idaho", "Maine",
    }  # fmt: skip
    about(post, "ME")
    assert "Maine" not in suggested(editor_client, post)  # already chosen


def test_ticking_a_suggestion_adds_the_state(editor_client):
    post = PostFactory(title="What Vermont learned", body="<p>Not much about Virginia.</p>")
    assert suggested(editor_client, post) == {"Vermont", "Virginia"}
    data = change_data(post, add_suggested_state=[str(state("VT").pk), "junk"])
    assert editor_client.post(post_change_url(post), data).status_code == 302
    assert list(post.states.values_list("code", flat=True)) == ["VT"]


# The state page, its feed and alerts ---------------------------------------------------------


def test_the_state_page_lists_posts_about_the_state_marked_ones_first(client):
    now = timezone.now()
    marked = about(PostFactory(title="Marked Idaho", publish_at=now - timedelta(days=9)), "ID")
    tagged = PostFactory(title="Tagged Idaho", tags=["Idaho"], publish_at=now - timedelta(days=1))
    linked = PostFactory(title="Linked Idaho", publish_at=now - timedelta(days=2))
    PolicyEntryFactory(related_posts=[linked])
    about(PostFactory(title="Draft about Idaho", draft=True), "ID")
    about(PostFactory(title="Marked Maine"), "ME")
    page = client.get("/policy/states/id/").content.decode()
    titles = [marked.title, tagged.title, linked.title]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "Draft about Idaho" not in page and "Marked Maine" not in page


def test_the_state_feed_and_alerts_include_posts_marked_about_it(client):
    about(PostFactory(title="Marked Idaho"), "ID")
    about(PostFactory(title="Draft Idaho", draft=True), "ID")
    feed = ElementTree.fromstring(client.get("/policy/states/id/feed/").content)
    titles = {element.text for element in feed.iter() if element.tag.endswith("title")}
    assert "Marked Idaho" in titles and "Draft Idaho" not in titles

    follow(client, "state", "ID")
    about(PostFactory(title="New marked Idaho", publish_at=timezone.now()), "ID")
    send("daily")
    [digest] = mail.outbox
    assert "New marked Idaho" in digest.body


# The post page --------------------------------------------------------------------------------


def test_the_post_page_shows_its_state_policy_and_topics(client):
    StageChangeFactory(state=state("ID"), stage=Stage.DEVELOPING)
    topic = TopicFactory(name="Assessment", slug="assessment")
    post = about(PostFactory(title="Idaho and Maine"), "ID", "ME")
    with committed():
        post.topics.add(topic)
    for n in range(7):
        PolicyEntryFactory(title=f"Idaho law {n}", year=2010 + n)
    PolicyEntryFactory(title="Idaho draft rule", year=2030, draft=True)
    PolicyEntryFactory(state=state("NH"), title="New Hampshire law", year=2030)
    page = client.get(post.get_absolute_url()).content.decode()
    box = page[
        page.index('id="state-policy-title"') : page.index(
            "</section>", page.index("state-policy-title")
        )
    ]
    assert (
        '<a href="/policy/states/id/">Idaho</a> <span class="stage-badge stage-developing">' in box
    )
    assert "stage-not_assessed" in box and "Maine" in box
    # The five newest public entries of its states, newest first.
    shown = [f"Idaho law {n}" for n in range(6, 1, -1)]
    positions = [box.index(title) for title in shown]
    assert positions == sorted(positions)
    assert "Idaho law 1" not in box and "draft" not in box and "New Hampshire" not in box
    assert 'href="/library/?topic=assessment">Assessment</a>' in page


def test_the_post_page_mixes_related_posts_resources_and_entries(client):
    topic = TopicFactory(name="Grading")
    post = PostFactory(title="Standards-based grading", tags=["grading"])
    with committed():
        post.topics.add(topic)
    PostFactory(title="Another grading post", tags=["grading"])
    ResourceFactory(title="Grading by topic", topics=[topic])
    ResourceFactory(title="Grading by tag", tags=["grading"])
    ResourceFactory(title="Draft grading resource", tags=["grading"], draft=True)
    ResourceFactory(title="Unrelated resource", tags=["seat time"])
    PolicyEntryFactory(title="Grading statute", tags=["grading"])
    PolicyEntryFactory(title="Draft grading statute", tags=["grading"], draft=True)
    page = client.get(post.get_absolute_url()).content.decode()
    for title in ("Another grading post", "Grading by topic", "Grading by tag", "Grading statute"):
        assert title in page
    for title in ("Draft grading", "Unrelated resource"):
        assert title not in page


def make_related(count):
    topic = TopicFactory()
    post = about(PostFactory(tags=["grading", "equity"]), "ID", "ME")
    with committed():
        post.topics.add(topic)
    for n in range(count):
        PostFactory(tags=["grading"])
        ResourceFactory(tags=["equity"], topics=[topic] if n % 2 else [])
        PolicyEntryFactory(tags=["grading"], state=state("ID" if n % 2 else "ME"))
    return post


@pytest.mark.parametrize("count", [2, 20])
def test_the_post_page_costs_the_same_queries_however_many_related_items(
    client, settings, monkeypatch, count, django_assert_num_queries
):
    settings.FRAGMENT_CACHE = True  # the navigation is read once, as in production
    monkeypatch.setattr(version, "TRUST_SECONDS", 600)
    post = make_related(count)
    content_changed()
    client.get("/blog/")  # reads the navigation
    # The post with its states, topics, bylines and tags; related posts; the rest.
    with django_assert_num_queries(3):
        response = client.get(post.get_absolute_url())
    # Then none: the post and what surrounds it are remembered for the content version.
    with django_assert_num_queries(0):
        assert client.get(post.get_absolute_url()).content == response.content
    page = response.content.decode()
    assert page.count("Policy entry") == min(count, 5) + min(count, 3)  # state box, related
    assert page.count("Resource number") == min(count, 3)


def test_a_draft_post_shows_nowhere_by_its_connections(client):
    topic = TopicFactory()
    draft = about(PostFactory(title="Secret Idaho plan", draft=True, tags=["grading"]), "ID")
    with committed():
        draft.topics.add(topic)
    public = PostFactory(title="Public grading", tags=["grading"])
    assert "Secret Idaho plan" not in client.get(public.get_absolute_url()).content.decode()
    assert "Secret Idaho plan" not in client.get("/policy/states/id/").content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert Post.objects.published().filter(states__code="ID").count() == 0
