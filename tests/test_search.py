"""Site search as readers use it: /search/, its RSS feed, /blog/tags/ and /tags/<slug>/.

Everything goes through the HTTP client, on whichever engine the database gives us
(PostgreSQL full text search, or FTS5 on SQLite); parse(), fts5() and websearch_text() also
get table-driven unit tests that need no database.
"""

import html
import io
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from blog.models import Post
from competencyworks.models import SearchDocument
from competencyworks.publishing import Status as Publishing
from competencyworks.search import index
from competencyworks.search import query as search
from policy.models import Kind, PolicyEntry, State, Status
from tests.factories import PageFactory, PostFactory, ResourceFactory, committed

FIXTURES = Path(__file__).parent / "fixtures"
RESULT = re.compile(
    r'<li class="result">\s*<p class="kicker">(?P<kicker>.*?)</p>\s*'
    r'<h2><a href="(?P<url>[^"]*)">(?P<title>.*?)</a></h2>\s*<p>(?P<snippet>.*?)</p>\s*</li>',
    re.S,
)
FACET = re.compile(
    r'<a href="[^"]*"(?: aria-current="true")?>([^<]+)</a> <span class="count">(\d+)'
)
TAG_COUNT = re.compile(r'<a href="/blog/tag/([^/]+)/">[^<]*</a> <span class="count">\((\d+)\)')
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram suggestions need PostgreSQL"
)


# --- helpers -----------------------------------------------------------------------------


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def policy_entry(title, summary="", *, tags=(), status=Publishing.PUBLISHED, publish_at=None):
    if publish_at is None and status == Publishing.PUBLISHED:
        publish_at = ago(days=2)
    with committed():
        entry = PolicyEntry.objects.create(
            state=State.objects.get(code="ID"), title=title, kind=Kind.STATUTE, year=2020,
            policy_status=Status.SIGNED, summary=summary, status=status, publish_at=publish_at,
        )  # fmt: skip
        if tags:
            entry.tags.add(*tags)
    return entry


def get_search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def results(page):
    """[{kicker, url, title, snippet}] of the result list, in order (snippet is raw HTML)."""
    return [match.groupdict() for match in RESULT.finditer(page)]


def titles(page):
    return [html.unescape(re.sub(r"</?mark>", "", hit["title"])) for hit in results(page)]


def facets(page):
    return {html.unescape(label): int(count) for label, count in FACET.findall(page)}


def search_titles(client, q, **params):
    return titles(get_search(client, q=q, **params))


def feed_items(client, **params):
    response = client.get("/search/feed/", params)
    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")
    return [
        (item.findtext("title"), item.findtext("link"), item.findtext("pubDate"))
        for item in channel.findall("item")
    ]


def tag_counts(client):
    response = client.get("/blog/tags/")
    assert response.status_code == 200
    return {slug: int(count) for slug, count in TAG_COUNT.findall(response.content.decode())}


def tag_page_titles(client, slug):
    response = client.get(f"/blog/tag/{slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    return {
        html.unescape(title) for title in re.findall(r'<h3[^>]*><a href="[^"]*">(.*?)</a>', page)
    }


def import_archive(*paths):
    with committed():
        call_command("import_archive", *paths, stdout=quiet())


def quiet():
    return io.StringIO()


def item_noun(index):
    return ["post", "resource", "page", "entry"][index]


def one_of_each(word, *, tags=(), **extra):
    """A published post, resource, wiki page and policy entry, `word` in each body."""
    return [
        PostFactory(title=f"Blog {word}", body=f"<p>About {word}.</p>", tags=list(tags), **extra),
        ResourceFactory(
            title=f"Resource {word}", summary=f"About {word}.", tags=list(tags), **extra
        ),
        PageFactory(title=f"Wiki {word}", body=f"About {word}.", tags=list(tags), **extra),
        policy_entry(f"Policy {word}", f"About {word}.", tags=tags, **extra),
    ]


# --- parse(), fts5(), websearch_text(): no database --------------------------------------

PARSE_CASES = [
    # text, include, exclude
    ("", [], []),
    ("   \t ", [], []),
    ("Assessment", [("Assessment",)], []),
    ("mastery grading", [("mastery",), ("grading",)], []),
    ('"seat time" credit', [("seat", "time"), ("credit",)], []),
    ("rubric -portfolio", [("rubric",)], [("portfolio",)]),
    ('credit -"seat time"', [("credit",)], [("seat", "time")]),
    ("rubric OR portfolio", [("rubric",), "OR", ("portfolio",)], []),
    ("rubric or portfolio", [("rubric",), ("or",), ("portfolio",)], []),  # only OR is OR
    ("rubric OR", [("rubric",)], []),
    ("OR", [], []),
    ("-", [], []),
    ("- -- ---", [], []),
    ('"unbalanced quote', [("unbalanced",), ("quote",)], []),
    ('""', [], []),
    ("a I x", [], []),  # single letters carry no meaning
    ("7 grade", [("7",), ("grade",)], []),  # a digit does
    ("title:mastery", [("title", "mastery")], []),
    ("assess* ^mastery (credit", [("assess",), ("mastery",), ("credit",)], []),
    ("k-12 don't", [("k-12",), ("don't",)], []),
    ("mastery\x00grading", [("mastery",), ("grading",)], []),
    ("学习 العربية 🎓", [("学习",), ("العربية",)], []),
]


@pytest.mark.parametrize(("text", "include", "exclude"), PARSE_CASES)
def test_parse(text, include, exclude):
    query = search.parse(text)
    assert query.include == include
    assert query.exclude == exclude
    assert query.is_empty == (not [part for part in include if part != "OR"])


def test_parse_bounds_length_and_terms():
    assert len(search.parse("x" * 10_000).text) == search.MAX_QUERY_LENGTH
    words = " ".join(f"word{n}" for n in range(50))
    assert len(search.parse(words).include) == search.MAX_TERMS
    assert search.parse(None).is_empty


FTS5_CASES = [
    ("rubric", '"rubric"'),
    ("rubric portfolio", '"rubric" AND "portfolio"'),
    ('"seat time" credit', '"seat time" AND "credit"'),
    ("rubric OR portfolio", '("rubric" OR "portfolio")'),
    ("rubric OR portfolio grading", '("rubric" OR "portfolio") AND "grading"'),
    ("rubric OR portfolio OR exhibition", '(("rubric" OR "portfolio") OR "exhibition")'),
    ("OR rubric", '"rubric"'),
    ("rubric -portfolio", '"rubric" NOT "portfolio"'),
    ('rubric -"seat time"', '"rubric" NOT "seat time"'),
    ("NEAR AND NOT", '"NEAR" AND "AND" AND "NOT"'),  # operators become plain words
    ("title:mastery", '"title mastery"'),
]


@pytest.mark.parametrize(("text", "expression"), FTS5_CASES)
def test_fts5_expression(text, expression):
    assert search.parse(text).fts5() == expression


WEBSEARCH_CASES = [
    ("rubric", "rubric"),
    ("rubric portfolio", "rubric portfolio"),
    ('"seat time" credit', '"seat time" credit'),
    ("rubric OR portfolio", "rubric or portfolio"),
    ("rubric or portfolio", 'rubric "or" portfolio'),
    ("rubric Or portfolio", 'rubric "Or" portfolio'),
    ("rubric -portfolio", 'rubric -"portfolio"'),
    ('rubric -"seat time"', 'rubric -"seat time"'),
    ("(a & b) | !c <-> d:*", ""),
    ('mastery "unbalanced', "mastery unbalanced"),
]


@pytest.mark.parametrize(("text", "websearch"), WEBSEARCH_CASES)
def test_websearch_text(text, websearch):
    assert search.websearch_text(search.parse(text)) == websearch


# --- one ranked list across every kind ---------------------------------------------------


@pytest.mark.django_db
def test_one_ranked_list_across_all_kinds(client):
    post, resource, page, entry = one_of_each("mastery")
    listing = results(get_search(client, q="mastery"))
    assert {hit["url"] for hit in listing} == {
        post.get_absolute_url(),
        resource.get_absolute_url(),
        page.get_absolute_url(),
        entry.get_absolute_url(),
    }
    by_url = {hit["url"]: hit for hit in listing}
    assert by_url[post.get_absolute_url()]["kicker"].startswith("Blog post")
    assert by_url[resource.get_absolute_url()]["kicker"].startswith("Resource")
    assert by_url[page.get_absolute_url()]["kicker"].startswith("Guide")
    assert by_url[entry.get_absolute_url()]["kicker"].startswith("Policy entry")
    entry_title = by_url[entry.get_absolute_url()]["title"]
    assert entry_title == "Idaho: Policy <mark>mastery</mark>"
    for hit in listing:
        assert "<mark>" in hit["snippet"], hit


@pytest.mark.django_db
@pytest.mark.parametrize("factory", ["post", "resource", "page", "policy"])
def test_title_match_ranks_above_body_match(client, factory):
    make = {
        "post": lambda title, text: PostFactory(title=title, body=f"<p>{text}</p>"),
        "resource": lambda title, text: ResourceFactory(title=title, summary=text),
        "page": lambda title, text: PageFactory(title=title, body=text),
        "policy": lambda title, text: policy_entry(title, text),
    }[factory]
    # The body-only match is newer, so recency alone would put it first.
    make("Portfolio defenses", "Students present their work to a panel.")
    make("Exhibitions of learning", "Each student prepares a portfolio for the panel.")
    found = search_titles(client, "portfolio")
    assert len(found) == 2
    assert "Portfolio defenses" in found[0]
    assert "Exhibitions of learning" in found[1]


@pytest.mark.django_db
def test_title_match_ranks_first_across_kinds(client):
    PostFactory(title="Notes from the field", body="<p>Why a rubric helps students.</p>")
    ResourceFactory(title="Rubric design guide", summary="How to write one.")
    PageFactory(title="Grading", body="Teachers share a rubric.")
    found = search_titles(client, "rubric")
    assert found[0] == "Rubric design guide"
    assert len(found) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "title", ["Why We Stopped Averaging Grades", "Averaging & <Grades> Compared"]
)
def test_the_words_found_are_marked_in_the_title_too(client, title):
    PostFactory(title=title, body="<p>Nothing about it here.</p>")
    [hit] = results(get_search(client, q="averaging"))
    assert set(re.findall(r"</?(\w+)", hit["title"])) <= {"mark"}
    assert html.unescape(re.sub(r"</?mark>", "", hit["title"])) == title  # text kept whole
    if "<" not in title:  # PostgreSQL cannot mark a title holding tag-like text
        assert re.search(r"<mark>averaging</mark>", hit["title"], re.I)


@pytest.mark.django_db
def test_term_engine_marks_title_words(client, term_engine):
    PostFactory(title="Rubric guide", body="<p>How to write one.</p>")
    [hit] = results(get_search(client, q="rubric"))
    assert hit["title"] == "<mark>Rubric</mark> guide"


@pytest.mark.django_db
def test_snippet_marks_the_word_and_escapes_the_text(client):
    PostFactory(
        title="Escaping test",
        body="<p>Tom &amp; Jerry read the transcript: &lt;script&gt;alert(1)&lt;/script&gt; "
        "&amp; more.</p>",
    )
    ResourceFactory(
        title="Raw summary", summary="Transcript <script>alert(2)</script> & <b>bold</b> text."
    )
    page = get_search(client, q="transcript")
    listing = results(page)
    assert len(listing) == 2
    snippets = " ".join(hit["snippet"] for hit in listing)
    assert re.search(r"<mark>transcript</mark>", snippets, re.I)
    assert "alert(1)" in snippets and "alert(2)" in snippets
    # Never markup: the only tags are <mark>, every & starts an entity, escaped once.
    assert set(re.findall(r"</?(\w+)", snippets)) == {"mark"}
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", snippets)
    assert "&amp;amp;" not in snippets and "&amp;lt;" not in snippets
    assert "&amp; more" in snippets
    assert all("&amp; " in hit["snippet"] for hit in listing)
    if connection.vendor == "sqlite":
        # FTS5 keeps the text as written. (ts_headline on PostgreSQL drops what looks
        # like an HTML tag from a headline, so there only the words between remain.)
        assert "Tom &amp; Jerry" in snippets
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippets
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in snippets
        assert "&lt;b&gt;bold&lt;/b&gt;" in snippets


@pytest.mark.django_db
def test_title_with_markup_is_escaped(client):
    ResourceFactory(title="<img src=x onerror=alert(1)> Standards & rubrics", summary="none")
    page = get_search(client, q="standards")
    assert "<img src=x" not in page
    [title] = [hit["title"] for hit in results(page)]
    assert re.sub(r"</?mark>", "", title) == (
        "&lt;img src=x onerror=alert(1)&gt; Standards &amp; rubrics"
    )


# --- drafts and scheduled items ----------------------------------------------------------


@pytest.fixture
def hidden_and_public(db):
    """Published, draft and scheduled items of every kind, all about 'competency', tagged."""
    public = one_of_each("competency", tags=["equity"])
    drafts = [
        PostFactory(title="Draft competency post", draft=True, tags=["equity", "secret"]),
        ResourceFactory(title="Draft competency resource", draft=True, tags=["equity", "secret"]),
        PageFactory(title="Draft competency page", draft=True, tags=["equity", "secret"]),
        policy_entry(
            "Draft competency entry", "competency", tags=["equity", "secret"],
            status=Publishing.DRAFT,
        ),
    ]  # fmt: skip
    soon = timezone.now() + timedelta(days=3)
    scheduled = [
        PostFactory(title="Scheduled competency post", scheduled=True, tags=["equity", "soon"]),
        ResourceFactory(
            title="Scheduled competency resource", scheduled=True, tags=["equity", "soon"]
        ),
        PageFactory(title="Scheduled competency page", scheduled=True, tags=["equity", "soon"]),
        policy_entry(
            "Scheduled competency entry", "competency", tags=["equity", "soon"], publish_at=soon
        ),
    ]
    return public, drafts, scheduled


HIDDEN = re.compile(r"(Draft|Scheduled) competency")


@pytest.mark.django_db
def test_drafts_and_scheduled_never_appear(client, hidden_and_public):
    _, drafts, scheduled = hidden_and_public
    assert SearchDocument.objects.count() == 12  # indexed, just not shown
    page = get_search(client, q="competency")
    assert not HIDDEN.search(page)
    assert len(results(page)) == 4
    assert "4 results" in page
    assert facets(page) == {"Blog post": 1, "Resource": 1, "Guide": 1, "Policy entry": 1}
    for kind in ("post", "resource", "page", "policy"):  # the kinds made above
        assert len(results(get_search(client, q="competency", type=kind))) == 1
    for q in ("draft", "scheduled", '"draft competency"'):
        assert results(get_search(client, q=q)) == []
    assert not any(HIDDEN.search(title) for title, _, _ in feed_items(client, q="competency"))
    assert len(feed_items(client, q="competency")) == 4
    # Tags: counts and pages from published items only.
    counts = tag_counts(client)
    assert counts["equity"] == 4
    assert "secret" not in counts and "soon" not in counts
    assert not any(HIDDEN.search(title) for title in tag_page_titles(client, "equity"))
    assert len(tag_page_titles(client, "equity")) == 4
    # A tag only hidden items carry has no page: it stays as unknown as they are.
    assert client.get("/blog/tag/secret/").status_code == 404
    assert client.get("/blog/tag/soon/").status_code == 404
    assert results(get_search(client, q="competency", tag="secret")) == []
    # Nor the items' own pages.
    for item in drafts + scheduled:
        assert client.get(item.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_scheduled_items_appear_once_their_time_passes(client, hidden_and_public):
    """No save happens when a scheduled time arrives: the clock moving is enough."""
    later = timezone.now() + timedelta(days=4)
    with mock.patch("django.utils.timezone.now", return_value=later):
        found = search_titles(client, "competency")
        counts = tag_counts(client)
        tagged = tag_page_titles(client, "soon")
        fed = [title for title, _, _ in feed_items(client, q="competency")]
    assert len(found) == 8
    assert {title for title in found if "Scheduled" in title} == {
        "Scheduled competency post",
        "Scheduled competency resource",
        "Scheduled competency page",
        "Idaho: Scheduled competency entry",
    }
    assert not any("Draft" in title for title in found)
    assert counts["soon"] == 4 and counts["equity"] == 8 and "secret" not in counts
    assert len(tagged) == 4
    assert len(fed) == 8


@pytest.mark.django_db
def test_scheduled_item_backdated_by_queryset_update(client, hidden_and_public):
    """A queryset update bypasses signals: updating the item and its index row together
    (what a data migration or a script must do) makes it public at once."""
    _, _, scheduled = hidden_and_public
    post = scheduled[0]
    past = ago(hours=1)
    Post.objects.filter(pk=post.pk).update(publish_at=past)
    SearchDocument.objects.filter(kind="post", object_id=post.pk).update(publish_at=past)
    assert "Scheduled competency post" in search_titles(client, "competency")
    assert tag_counts(client)["soon"] == 1
    assert tag_page_titles(client, "soon") == {"Scheduled competency post"}
    assert client.get(Post.objects.get(pk=post.pk).get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_scheduled_item_backdated_by_queryset_update_then_reindexed(client, hidden_and_public):
    """Updating only the item leaves the index stale until reindex_search rebuilds it."""
    _, _, scheduled = hidden_and_public
    resource = scheduled[1]
    type(resource).objects.filter(pk=resource.pk).update(publish_at=ago(hours=1))
    assert "Scheduled competency resource" not in search_titles(client, "competency")
    call_command("reindex_search", kind=["resource"], stdout=quiet())
    assert "Scheduled competency resource" in search_titles(client, "competency")
    assert tag_counts(client)["soon"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("index", [0, 1, 2, 3], ids=["post", "resource", "page", "policy"])
def test_scheduled_item_backdated_through_save(client, hidden_and_public, index):
    _, _, scheduled = hidden_and_public
    item = scheduled[index]
    item.publish_at = ago(hours=1)
    with committed():
        item.save()
    found = search_titles(client, "competency")
    assert len(found) == 5
    assert any(title.endswith(f"Scheduled competency {item_noun(index)}") for title in found)
    assert tag_counts(client)["soon"] == 1
    assert len(tag_page_titles(client, "soon")) == 1
    assert len(feed_items(client, q="competency")) == 5


@pytest.mark.django_db
def test_published_item_made_draft_leaves_results(client):
    post = PostFactory(title="Credit flexibility", tags=["credit"])
    assert search_titles(client, "flexibility") == ["Credit flexibility"]
    post.status = Publishing.DRAFT
    with committed():
        post.save()
    assert search_titles(client, "flexibility") == []
    assert "credit" not in tag_counts(client)


@pytest.mark.django_db
def test_deleted_item_leaves_results(client):
    resource = ResourceFactory(title="Flexible pacing toolkit")
    assert search_titles(client, "pacing") == ["Flexible pacing toolkit"]
    with committed():
        resource.delete()
    assert search_titles(client, "pacing") == []
    assert not SearchDocument.objects.filter(kind="resource").exists()


# --- query syntax -------------------------------------------------------------------------


@pytest.fixture
def syntax_corpus(db):
    PostFactory(title="Note one", body="<p>Competency based grading in rural schools.</p>")
    PostFactory(title="Note two", body="<p>Grading based on competency, not seat time.</p>")
    ResourceFactory(title="Note three", summary="A grading rubric for teachers.")
    PageFactory(title="Note four", body="A grading portfolio for students.")
    policy_entry("Note five", "The state requires an assessment of mastery.")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"competency based"', {"Note one"}),
        ('"based on competency"', {"Note two"}),
        ("competency based", {"Note one", "Note two"}),
        ('"rubric grading"', set()),
        ("grading -rubric", {"Note one", "Note two", "Note four"}),
        ("grading -rubric -portfolio", {"Note one", "Note two"}),
        ('grading -"seat time"', {"Note one", "Note three", "Note four"}),
        ("rubric OR portfolio", {"Note three", "Note four"}),
        ("rubric portfolio", set()),
        ("rubric or portfolio", set()),  # only OR in capitals is the operator
        ("rubric OR portfolio OR rural", {"Note one", "Note three", "Note four"}),
        ("grading rubric OR portfolio", {"Note three", "Note four"}),
        ("RUBRIC", {"Note three"}),
        ("Rubric", {"Note three"}),
        ('"COMPETENCY Based"', {"Note one"}),
        ("assessments", {"Idaho: Note five"}),
        ("assessment", {"Idaho: Note five"}),
        ("assessing", {"Idaho: Note five"}),
        ("rubrics", {"Note three"}),
        ("portfolios", {"Note four"}),
        ("grades", {"Note one", "Note two", "Note three", "Note four"}),
        ("-rubric", set()),
    ],
)
def test_query_syntax(client, syntax_corpus, q, expected):
    assert set(search_titles(client, q)) == expected


@pytest.mark.django_db
def test_stemming_finds_singular_from_plural_in_titles(client):
    ResourceFactory(title="Assessment literacy", summary="For teachers.")
    assert search_titles(client, "assessments") == ["Assessment literacy"]
    assert search_titles(client, "ASSESSMENTS") == ["Assessment literacy"]


# --- facets and tag filters ---------------------------------------------------------------


@pytest.fixture
def faceted(db):
    PostFactory(title="Equity post one", body="<p>equity</p>", tags=["equity", "rural"])
    PostFactory(title="Equity post two", body="<p>equity</p>", tags=["equity"])
    ResourceFactory(title="Equity resource", summary="equity", tags=["equity", "rural"])
    PageFactory(title="Equity page", body="equity", tags=["rural"])
    policy_entry("Equity entry", "equity", tags=["urban"])


@pytest.mark.django_db
def test_type_facets_count_every_kind(client, faceted):
    page = get_search(client, q="equity")
    assert facets(page) == {"Blog post": 2, "Resource": 1, "Guide": 1, "Policy entry": 1}
    assert len(results(page)) == 5


@pytest.mark.django_db
def test_type_filter_restricts_results_but_not_facets(client, faceted):
    page = get_search(client, q="equity", type="post")
    assert set(titles(page)) == {"Equity post one", "Equity post two"}
    assert all(hit["kicker"].startswith("Blog post") for hit in results(page))
    assert facets(page) == {"Blog post": 2, "Resource": 1, "Guide": 1, "Policy entry": 1}
    assert "2 results" in page
    both = titles(get_search(client, q="equity", type=["resource", "policy"]))
    assert set(both) == {"Equity resource", "Idaho: Equity entry"}


P1, P2, RES, PAGE, ENTRY = (
    "Equity post one", "Equity post two", "Equity resource", "Equity page", "Idaho: Equity entry"
)  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": "equity"}, {P1, P2, RES}),
        ({"tag": "EQUITY"}, {P1, P2, RES}),
        ({"tag": ["equity", "rural"]}, {P1, RES}),
        ({"tag": ["equity", "rural"], "match": "all"}, {P1, RES}),
        ({"tag": ["equity", "rural"], "match": "any"}, {P1, P2, RES, PAGE}),
        ({"tag": ["rural", "urban"]}, set()),
        ({"tag": ["rural", "urban"], "match": "any"}, {P1, RES, PAGE, ENTRY}),
        ({"tag": ["equity", "rural"], "match": "any", "type": "post"}, {P1, P2}),
        ({"tag": "no-such-tag"}, set()),
        ({"tag": ["equity", "no-such-tag"], "match": "any"}, {P1, P2, RES}),
        ({"tag": ""}, {P1, P2, RES, PAGE, ENTRY}),
    ],
)
def test_tag_filters(client, faceted, params, expected):
    page = get_search(client, q="equity", **params)
    assert set(titles(page)) == expected
    assert len(titles(page)) == len(expected)  # match=any never repeats an item
    assert sum(facets(page).values()) >= len(expected)


@pytest.mark.django_db
def test_tag_facet_counts_follow_tag_filter(client, faceted):
    page = get_search(client, q="equity", tag=["equity", "rural"], match="any")
    assert facets(page) == {"Blog post": 2, "Resource": 1, "Guide": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"type": "bogus"},
        {"type": ["post", "bogus"]},
        {"type": ""},
        {"type": "POST"},
        {"tag": "does-not-exist"},
        {"tag": ["a", "b", "c", "d", "e", "f", "g"]},
        {"tag": "x" * 5000},
        {"tag": "<script>"},
        {"match": "bogus"},
        {"tag": "equity", "match": ["any", "all"]},
    ],
)
def test_unknown_filters_give_a_page(client, faceted, params):
    page = get_search(client, q="equity", **params)
    assert "<h1>Search</h1>" in page
    assert "<script>" not in page.split("</head>", 1)[1]


# --- hostile input -------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "\t\n  \r",
    "x" * 10_000,
    "equity " * 2000,
    '"unbalanced',
    'equity "unbalanced',
    '"""',
    '" "',
    "OR",
    "-",
    "--",
    "AND",
    "AND NEAR( OR",
    "OR OR OR equity OR",
    "equity OR -",
    "NOT equity",
    "NEAR(equity rural)",
    "title:x",
    "title:equity",
    "{title body}: equity",
    "a*",
    "equ*",
    "^x",
    "^equity",
    "(a",
    "(equity",
    "equity)",
    "!",
    "!equity",
    "&|",
    "equity & rural | !urban",
    "equity <-> rural",
    "equity:*",
    "'",
    "''",
    "equity'",
    "\\",
    "equity\\",
    "%",
    "%_%",
    "_",
    "__",
    "; DROP TABLE competencyworks_searchdocument; --",
    "' OR 1=1 --",
    "学习",
    "العربية",
    "🎓📚",
    "équité",
    "Ṩ̴̨̛ͅ",
    "\u200b",
    "\ufeff",
    "\U0010ffff",
    "\ufffe",
    "equity\x0b\x0c\x1f",
    "equity\x01\x02\x03",
    "equity \x1b[31m",
    "-equity",
    "-equity -rural",
    '-"equity rural"',
    "or",
    "the of and",
    "1",
    "12345678901234567890",
]


@pytest.mark.django_db
@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_give_a_page(client, faceted, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    feed = client.get("/search/feed/", {"q": q})
    assert feed.status_code == 200
    ElementTree.fromstring(feed.content)


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["\x00", "equity\x00", "\x00equity\x00rural", "%00"])
def test_nul_bytes_give_200_or_400(client, faceted, q):
    for path in ("/search/", "/search/feed/"):
        assert client.get(path, {"q": q}).status_code in (200, 400)
    assert client.get("/search/?q=equity%00").status_code in (200, 400)
    assert client.get("/search/?q=equity", {"tag": "\x00"}).status_code in (200, 400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    ["abc", "-1", "0", "99999", "1.5", "", "9" * 40, "1e3", " 2 ", "２"],
)
def test_odd_page_numbers_give_a_page(client, faceted, page):
    response = client.get("/search/", {"q": "equity", "page": page})
    assert response.status_code == 200


@pytest.mark.django_db
def test_other_scripts_are_searchable(client):
    ResourceFactory(title="学习 方法", summary="关于学习")
    PageFactory(title="التعليم القائم على الكفاءة", body="العربية")
    ResourceFactory(title="Équité et réussite", summary="École")
    assert search_titles(client, "学习") == ["学习 方法"]
    assert search_titles(client, "العربية") == ["التعليم القائم على الكفاءة"]
    assert search_titles(client, "équité") == ["Équité et réussite"]


@pytest.mark.django_db
def test_pagination(client):
    for n in range(25):
        PostFactory(title=f"Mastery note {n}", body="<p>mastery</p>")
    first = titles(get_search(client, q="mastery"))
    second = titles(get_search(client, q="mastery", page=2))
    assert len(first) == 20 and len(second) == 5
    assert not set(first) & set(second)
    assert titles(get_search(client, q="mastery", page=99999)) == []
    assert titles(get_search(client, q="mastery", page="abc")) == first
    assert titles(get_search(client, q="mastery", page=-1)) == first


# --- query counts -------------------------------------------------------------------------


def count_queries(client, url):
    # The first search in a process checks once whether SQLite has the FTS5 table.
    search.engine_for(connection)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def touches_search(sql):
    return "searchdocument" in sql.lower() or "search_fts" in sql.lower()


@pytest.mark.django_db
def test_query_count_is_fixed_and_small(client):
    for n in range(5):
        (PostFactory if n % 2 else ResourceFactory)(title=f"Rubric {n}")
    for n in range(40):
        kind = [PostFactory, ResourceFactory, PageFactory][n % 3]
        kind(title=f"Portfolio {n}")
    few = count_queries(client, "/search/?q=rubric")
    many = count_queries(client, "/search/?q=portfolio")
    assert len(titles(client.get("/search/?q=rubric").content.decode())) == 5
    assert "40 results" in client.get("/search/?q=portfolio").content.decode()
    assert len(few) == len(many), (few, many)
    assert len(many) <= 5, many
    page_two = count_queries(client, "/search/?q=portfolio&page=2&type=post&type=page")
    assert len(page_two) == len(many)


@pytest.mark.django_db
def test_no_results_query_count_is_small(client):
    ResourceFactory(title="Rubric")
    few = count_queries(client, "/search/?q=nothingmatchesthis")
    for n in range(30):
        PostFactory(title=f"Portfolio {n}", tags=[f"topic {n}"])
    many = count_queries(client, "/search/?q=nothingmatchesthis")
    # The search, a spelling suggestion, popular tags and recent posts to go to instead.
    assert len(few) == len(many) <= 8, many


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "   ", "OR", "-", "-rubric", "a", "🎓"])
def test_empty_query_does_not_search(client, q):
    ResourceFactory(title="Rubric")
    queries = count_queries(client, "/search/?" + f"q={q}")
    assert not any(touches_search(sql) for sql in queries), queries


@pytest.mark.django_db
def test_feed_query_count_is_fixed(client):
    for n in range(5):
        PostFactory(title=f"Rubric {n}")
    for n in range(40):
        ResourceFactory(title=f"Portfolio {n}")
    few = count_queries(client, "/search/feed/?q=rubric")
    many = count_queries(client, "/search/feed/?q=portfolio")
    assert len(few) == len(many) <= 5


# --- the search feed ----------------------------------------------------------------------


@pytest.mark.django_db
def test_search_feed_lists_matches_newest_first(client):
    oldest = PostFactory(title="Seat time waivers, a history", publish_at=ago(days=30))
    newest = ResourceFactory(title="Seat time report", publish_at=ago(days=1))
    middle = policy_entry("Seat time waiver", "Ends seat time rules.", publish_at=ago(days=10))
    PageFactory(title="Unrelated page", body="Nothing here.", publish_at=ago(hours=1))
    PostFactory(title="Seat time draft", draft=True)
    PostFactory(title="Seat time future", scheduled=True)
    response = client.get("/search/feed/", {"q": "seat time"})
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "rss"
    channel = root.find("channel")
    assert "seat time" in channel.findtext("title")
    items = channel.findall("item")
    assert [item.findtext("link").split("testserver", 1)[-1] for item in items] == [
        newest.get_absolute_url(),
        middle.get_absolute_url(),
        oldest.get_absolute_url(),
    ]
    assert items[0].findtext("title") == "Seat time report (Resource)"
    assert items[1].findtext("title") == "Idaho: Seat time waiver (Policy entry, 2020)"
    assert items[2].findtext("title") == "Seat time waivers, a history (Blog post)"
    assert all(item.findtext("pubDate") for item in items)


@pytest.mark.django_db
def test_search_feed_escapes_and_filters(client):
    ResourceFactory(title="Tom & Jerry <b>rubric</b>", summary="<script>x</script> rubric")
    PostFactory(title="Rubric post", tags=["equity"])
    items = feed_items(client, q="rubric")
    assert {title for title, _, _ in items} == {
        "Tom & Jerry <b>rubric</b> (Resource)",
        "Rubric post (Blog post)",
    }
    assert [title for title, _, _ in feed_items(client, q="rubric", type="post")] == [
        "Rubric post (Blog post)"
    ]
    assert [title for title, _, _ in feed_items(client, q="rubric", tag="equity")] == [
        "Rubric post (Blog post)"
    ]
    assert feed_items(client, q="") == []


@pytest.mark.django_db
def test_search_feed_survives_control_characters_in_content(client):
    ResourceFactory(title="Bell\x07 rubric", summary="Form\x0cfeed rubric")
    assert feed_items(client, q="rubric\x01")[0][0] == "Bell  rubric (Resource)"


@pytest.mark.django_db
def test_results_page_links_to_its_feed(client):
    PostFactory(title="Rubric post")
    page = get_search(client, q="rubric", page=1)
    assert 'type="application/rss+xml"' in page
    assert "/search/feed/?q=rubric" in page
    assert "page=" not in re.search(r'href="(/search/feed/[^"]*)"', page)[1]


# --- tags ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tag_cloud_counts_published_items_of_every_kind(client):
    one_of_each("mastery", tags=["equity", "Rural Schools"])
    PostFactory(title="Another", tags=["equity"])
    PostFactory(title="Hidden", draft=True, tags=["equity", "drafts-only"])
    ResourceFactory(title="Later", scheduled=True, tags=["equity", "future-only"])
    counts = tag_counts(client)
    assert counts == {"equity": 5, "rural-schools": 4}
    page = client.get("/blog/tags/").content.decode()
    assert "Rural Schools" in page


@pytest.mark.django_db
def test_tag_page_lists_every_kind(client):
    post, resource, page, entry = one_of_each("mastery", tags=["equity"])
    PostFactory(title="Untagged")
    response = client.get("/blog/tag/equity/")
    assert response.status_code == 200
    content = response.content.decode()
    for item in (post, resource, page, entry):
        assert f'href="{item.get_absolute_url()}"' in content
    # Posts first, then resources, guides and policy entries, each under its heading.
    headings = re.findall(r"<h2 [^>]*>(.*?)</h2>", content)
    assert headings == ["Blog posts", "Resources", "Guides", "Policy entries"]
    assert tag_page_titles(client, "equity") == {
        "Blog mastery", "Resource mastery", "Wiki mastery", "Idaho: Policy mastery",
    }  # fmt: skip


@pytest.mark.django_db
def test_tag_added_later_reindexes(client):
    resource = ResourceFactory(title="Rubric guide")
    assert client.get("/blog/tag/equity/").status_code == 404
    with committed():
        resource.tags.add("equity")
    assert tag_page_titles(client, "equity") == {"Rubric guide"}
    assert search_titles(client, "rubric", tag="equity") == ["Rubric guide"]
    assert search_titles(client, "equity") == ["Rubric guide"]  # tag names are searchable
    with committed():
        resource.tags.remove("equity")
    assert search_titles(client, "rubric", tag="equity") == []
    assert "equity" not in tag_counts(client)
    with committed():
        resource.tags.add("rural")
        resource.tags.clear()
    assert search_titles(client, "rubric", tag="rural") == []


@pytest.mark.django_db
def test_policy_event_reindexes_entry(client):
    entry = policy_entry("Credit flexibility act", "Summary.")
    assert search_titles(client, "governor") == []
    with committed():
        entry.events.create(date=timezone.localdate(), description="Signed by the governor")
    assert search_titles(client, "governor") == ["Idaho: Credit flexibility act"]


@pytest.mark.django_db
def test_unknown_tag_is_404(client):
    assert client.get("/blog/tag/no-such-tag/").status_code == 404


@pytest.mark.django_db
def test_tag_page_paginates(client):
    for n in range(25):
        PostFactory(title=f"Tagged {n}", tags=["equity"])
    assert len(tag_page_titles(client, "equity")) == 20
    for page in ("2", "abc", "-1", "99999"):
        assert client.get("/blog/tag/equity/", {"page": page}).status_code == 200


# --- import and reindex commands ----------------------------------------------------------


@pytest.mark.django_db
def test_imported_posts_are_searchable(client):
    import_archive(str(FIXTURES / "wxr" / "site-export.xml"))
    assert Post.objects.count() >= 2
    assert search_titles(client, "credit rules") == ["Credit Rules Across Five States"]
    assert search_titles(client, "seat-time basics") == ["Seat-Time Basics"]
    assert search_titles(client, "spring roundup") == []  # scheduled for 2099
    assert SearchDocument.objects.filter(kind="post").count() == Post.objects.count()
    assert "credit" in tag_counts(client)


LONG_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Long</title><link>https://long.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://long.example.org</wp:base_site_url>
{items}
</channel></rss>
"""
LONG_EXPORT_ITEM = """<item><title>Field note {n}</title>
<content:encoded><![CDATA[<p>Mastery notes from classroom{n:04}.</p>]]></content:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2020-01-01 12:{minute:02}:00</wp:post_date_gmt>
<wp:post_name>field-note-{n}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
<category domain="post_tag" nicename="notes">notes</category>
</item>"""


@pytest.mark.django_db
def test_every_post_of_an_import_larger_than_one_index_statement_is_found(tmp_path):
    """Search documents are written many rows per statement, a few hundred at most."""
    count = 620  # more than one batch of the importer and one statement of the index
    items = [LONG_EXPORT_ITEM.format(n=n, minute=n % 60) for n in range(1, count + 1)]
    export = tmp_path / "long.xml"
    export.write_text(LONG_EXPORT.format(items="\n".join(items)), encoding="utf-8")
    import_archive(str(export))
    assert SearchDocument.objects.filter(kind="post").count() == count
    found = search.search("mastery", limit=count)
    assert sorted(hit.document.title for hit in found.hits) == sorted(
        f"Field note {n}" for n in range(1, count + 1)
    )
    # Each post's own word finds that post: at either side of each statement and batch edge
    # (at most 99 rows a statement on SQLite, 500 a batch), and between. One search per post
    # took PostgreSQL over a minute within the whole suite.
    for n in sorted({1, *range(31, count + 1, 37), 98, 99, 100, 500, 501, count}):
        (hit,) = search.search(f"classroom{n:04}").hits
        assert hit.document.title == f"Field note {n}"
    assert SearchDocument.tags.through.objects.filter(tag__name="notes").count() == count


def post_documents():
    """Every post's search document as stored (vector: PostgreSQL only), and its tag links."""
    documents = SearchDocument.objects.filter(kind="post").order_by("object_id")
    links = SearchDocument.tags.through.objects.filter(searchdocument__kind="post")
    return (
        list(documents.values_list(*index.COLUMNS, "vector")),
        sorted(links.values_list("searchdocument__object_id", "tag__name")),
    )


def documents_from_saving_every_post():
    """The documents the normal path writes: each post's save reindexes it."""
    SearchDocument.objects.all().delete()
    with committed():
        for post in Post.objects.all():
            post.save()
    return post_documents()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["wxr/site-export.xml", "wxr/statuses.xml", "text/listing-2018.txt"]
)
def test_imported_documents_equal_what_saving_the_post_writes(client, path):
    """The importer indexes from the posts it has in hand; a save indexes from the database."""
    import_archive(str(FIXTURES / path))
    imported = post_documents()
    assert len(imported[0]) == Post.objects.count() > 1
    assert imported == documents_from_saving_every_post()


@pytest.mark.django_db
def test_a_changed_source_rewrites_the_document_and_its_tags(client, tmp_path):
    source = FIXTURES / "wxr" / "site-export.xml"
    import_archive(str(source))
    changed = source.read_text().replace("Credit Rules Across", "Credit Rulings Across")
    changed = changed.replace(
        'nicename="credit"><![CDATA[credit]]>', 'nicename="g"><![CDATA[grading]]>'
    )
    (tmp_path / "site-export.xml").write_text(changed)
    import_archive(str(tmp_path / "site-export.xml"))
    document = SearchDocument.objects.get(title="Credit Rulings Across Five States")
    tags = set(document.tags.values_list("slug", flat=True))
    assert tags == {"grading", "policy", "state-policy"}
    assert search_titles(client, "rulings", tag="grading") == [document.title]
    assert post_documents() == documents_from_saving_every_post()


@pytest.mark.django_db
def test_imported_posts_are_found_by_body_summary_and_tag(client):
    import_archive(str(FIXTURES / "wxr" / "site-export.xml"))
    assert search_titles(client, "comparison follows") == ["Credit Rules Across Five States"]
    assert search_titles(client, "primer", tag="credit") == ["Credit Rules Across Five States"]
    assert search_titles(client, "short primer") == ["Seat-Time Basics"]  # the excerpt
    credit = SearchDocument.objects.get(title="Credit Rules Across Five States")
    assert set(credit.tags.values_list("slug", flat=True)) == {"credit", "policy", "state-policy"}


def export_of(path, count):
    items = "".join(
        f"<item><title>Indexed post {n}</title><content:encoded><![CDATA[<p>Body {n} on "
        f"mastery.</p>]]></content:encoded><wp:post_id>{n}</wp:post_id><wp:post_date_gmt>"
        "2020-01-01 15:00:00</wp:post_date_gmt><wp:status>publish</wp:status><wp:post_type>"
        f'post</wp:post_type><category domain="post_tag" nicename="t{n % 3}"><![CDATA[topic '
        f"{n % 3}]]></category></item>"
        for n in range(1, count + 1)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
        "</wp:wxr_version><wp:base_site_url>https://cw.example</wp:base_site_url>"
        f"{items}</channel></rss>"
    )
    return str(path)


def search_queries_of_import(path):
    with CaptureQueriesContext(connection) as queries:
        import_archive(path)  # the documents are written after the run commits
    return [query for query in queries if SearchDocument._meta.db_table in query["sql"]]


@pytest.mark.django_db
def test_import_indexes_posts_in_a_few_queries_whatever_their_number(tmp_path):
    with committed():  # tags made before: creating one starts a new page-cache version
        for n in range(3):
            Tag.objects.create(name=f"topic {n}")
    few = search_queries_of_import(export_of(tmp_path / "few.xml", 3))
    with committed():
        Post.objects.all().delete()
    many = search_queries_of_import(export_of(tmp_path / "many.xml", 60))
    assert len(many) == len(few) <= 6  # PostgreSQL adds its scratch table for COPY
    assert SearchDocument.objects.filter(kind="post").count() == 60
    assert SearchDocument.tags.through.objects.count() == 60


def stored_and_expected_vectors():
    as_text = SearchDocument.objects.values_list(
        Cast("vector", TextField()), Cast(index.weighted_vector(), TextField())
    )
    return list(as_text)


def texts_sent_to_second_session(monkeypatch):
    """The (title, tag names, summary, body) texts whose vectors the second session computes,
    listed as it is given them."""
    texts = []
    in_own_session = index.vectors_in_own_session

    def spy(given, vector):
        texts.extend(given)
        return in_own_session(given, vector)

    monkeypatch.setattr(index, "vectors_in_own_session", spy)
    return texts


# (characters of text an import computes vectors ahead for, rows from which a batch shares
# the rest after the commit, vectors computed ahead, vectors shared after the commit): 30
# posts of about 60 characters imported, then 30 changed and 30 drafts with the changed
# posts' texts, in one run.
HOW_VECTORS_ARE_COMPUTED = {
    "one session": (0, 10**9, range(0, 1), range(0, 1)),
    "two sessions": (0, 2, range(0, 1), range(45, 46)),  # half of each batch: 30 rows, then 60
    "ahead": (index.AHEAD_MAX_CHARS, 10**9, range(90, 91), range(0, 1)),  # all, while writing
    # Some rows of each run; the rest with their documents, or half of them shared.
    "partly ahead": (1200, 10**9, range(11, 60), range(0, 1)),
    "partly ahead, then shared": (1200, 2, range(11, 60), range(1, 90)),
}


@pytest.mark.django_db
@pytest.mark.parametrize("how", HOW_VECTORS_ARE_COMPUTED)
def test_vectors_written_with_documents_are_their_weighted_vectors(tmp_path, monkeypatch, how):
    """PostgreSQL's upsert computes each vector from the row it writes, as an UPDATE with
    weighted_vector() would: for new and rewritten documents, and for undated drafts; also
    when a second session computes them, while the import writes or half of each batch
    after it."""
    if connection.vendor != "postgresql":
        pytest.skip("stored vectors are PostgreSQL's")
    ahead_chars, shared_from, computed_ahead, computed_shared = HOW_VECTORS_ARE_COMPUTED[how]
    monkeypatch.setattr(index, "AHEAD_MAX_CHARS", ahead_chars)
    monkeypatch.setattr(index, "SHARED_FROM", shared_from)
    by_helper, ahead = texts_sent_to_second_session(monkeypatch), []
    taken_ahead = index.VectorsAhead.vectors

    def spy_ahead(self):
        ahead.extend(digest for digests, _ in self.jobs for digest in digests)
        return taken_ahead(self)

    monkeypatch.setattr(index.VectorsAhead, "vectors", spy_ahead)
    export = tmp_path / "posts.xml"
    import_archive(export_of(export, 30))
    undated_drafts = (
        export.read_text()
        .replace("mastery", "grading")
        .replace("<wp:post_date_gmt>2020-01-01 15:00:00</wp:post_date_gmt>", "")
        .replace("<wp:status>publish</wp:status>", "<wp:status>draft</wp:status>")
    )
    (tmp_path / "drafts.xml").write_text(undated_drafts.replace("cw.example", "cw.drafts"))
    export.write_text(export.read_text().replace("mastery", "grading"))
    import_archive(str(export), str(tmp_path / "drafts.xml"))
    stored_and_expected = stored_and_expected_vectors()
    assert len(stored_and_expected) == 60
    assert all(stored == expected for stored, expected in stored_and_expected)
    assert SearchDocument.objects.filter(publish_at=None).count() == 30
    assert search.search("grading").total == 30  # the published ones, rewritten
    assert search.search("mastery").total == 0
    assert len(ahead) in computed_ahead
    assert len(by_helper) - len(ahead) in computed_shared


@pytest.mark.django_db
def test_vectors_computed_by_the_second_session_take_any_text_as_it_is(tmp_path, monkeypatch):
    """What an array's text form must quote (quotes, backslashes, braces, commas, NULL) and
    any script reach the second session as they are."""
    if connection.vendor != "postgresql":
        pytest.skip("stored vectors are PostgreSQL's")
    computed = texts_sent_to_second_session(monkeypatch)
    export = export_of(tmp_path / "posts.xml", 6)
    awkward = 'Say "NULL", {braces} \\ back\\slash, élan, Ωμέγα, 学习 NULL'
    with open(export, encoding="utf-8") as source:
        text = source.read().replace("on mastery.", f"on mastery: {awkward}")
    with open(export, "w", encoding="utf-8") as target:
        target.write(text.replace("<title>Indexed post", "<title>NULL {post}, \\"))
    import_archive(export)
    assert len(computed) == 6 and all(awkward in body for _, _, _, body in computed)
    stored_and_expected = stored_and_expected_vectors()
    assert len(stored_and_expected) == 6
    assert all(stored == expected for stored, expected in stored_and_expected)
    assert search.search("Ωμέγα").total == 6


@pytest.mark.django_db
def test_a_post_changed_after_its_vector_was_computed_ahead_gets_the_vector_of_its_new_text(
    tmp_path,
):
    if connection.vendor != "postgresql":
        pytest.skip("stored vectors are PostgreSQL's")
    with committed():  # one transaction: the import, then an edit before it commits
        call_command("import_archive", export_of(tmp_path / "posts.xml", 5), stdout=quiet())
        post = Post.objects.get(title="Indexed post 3")
        post.body = "<p>Rewritten around portfolios.</p>"
        post.save()
    stored_and_expected = stored_and_expected_vectors()
    assert len(stored_and_expected) == 5
    assert all(stored == expected for stored, expected in stored_and_expected)
    assert [hit.document.title for hit in search.search("portfolios").hits] == ["Indexed post 3"]
    assert search.search("mastery").total == 4


@pytest.mark.django_db
def test_a_dry_run_computes_no_vectors(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("stored vectors are PostgreSQL's")
    computed = texts_sent_to_second_session(monkeypatch)
    path = export_of(tmp_path / "posts.xml", 5)
    with committed():
        call_command("import_archive", path, "--dry-run", stdout=quiet())
    assert computed == [] and not SearchDocument.objects.exists()
    import_archive(path)
    assert len(computed) == 5  # the same import, for real: computed while it writes


@pytest.mark.django_db
def test_vectors_are_computed_with_their_documents_when_computing_them_ahead_fails(
    tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("stored vectors are PostgreSQL's")
    monkeypatch.setattr(index, "SHARED_FROM", 10**9)

    def unreachable(texts, vector):
        raise OperationalError("the second session could not connect")

    monkeypatch.setattr(index, "vectors_in_own_session", unreachable)
    import_archive(export_of(tmp_path / "posts.xml", 12))
    stored_and_expected = stored_and_expected_vectors()
    assert len(stored_and_expected) == 12
    assert all(stored == expected for stored, expected in stored_and_expected)
    assert search.search("mastery").total == 12


@pytest.mark.django_db
def test_fts5_index_agrees_with_imported_and_updated_documents(tmp_path):
    if connection.vendor != "sqlite" or not search.fts5_available(connection):
        pytest.skip("FTS5 is SQLite's")
    import_archive(export_of(tmp_path / "posts.xml", 30))
    export = (tmp_path / "posts.xml").read_text().replace("mastery", "grading")
    (tmp_path / "posts.xml").write_text(export)
    import_archive(str(tmp_path / "posts.xml"))
    with connection.cursor() as cursor:  # raises if the index and the documents disagree
        cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    assert search.search("grading").total == 30
    assert search.search("mastery").total == 0


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["one session", "two sessions", "ahead"])
def test_documents_written_in_many_batches_are_those_of_one(tmp_path, monkeypatch, how):
    """Each batch's rows are made while another thread writes the batch before: with batches
    of 4, an import and a deletion write every document, its tags and (PostgreSQL) its
    vector as a rebuild in one batch does."""
    if how != "one session" and connection.vendor != "postgresql":
        pytest.skip("vectors are PostgreSQL's: SQLite's documents are written one way")
    ahead_chars, shared_from, *_ = HOW_VECTORS_ARE_COMPUTED[how]
    monkeypatch.setattr(index, "AHEAD_MAX_CHARS", ahead_chars)
    monkeypatch.setattr(index, "SHARED_FROM", shared_from)
    export = tmp_path / "posts.xml"
    import_archive(export_of(export, 9))
    monkeypatch.setattr(index, "BATCH_SIZE", 4)
    export.write_text(export.read_text().replace("mastery", "grading").replace("topic", "theme"))
    import_archive(str(export))  # nine documents rewritten after the commit, in three batches
    with committed():
        Post.objects.filter(title__in=[f"Indexed post {n}" for n in (2, 3, 5, 6, 8)]).delete()
    in_batches = documents_and_tags()
    if connection.vendor == "postgresql":
        assert all(stored == expected for stored, expected in stored_and_expected_vectors())
    else:
        with connection.cursor() as cursor:  # raises if the index and the documents disagree
            cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    monkeypatch.setattr(index, "BATCH_SIZE", 500)
    SearchDocument.objects.all().delete()
    with committed():
        call_command("reindex_search", kind=["post"], stdout=quiet())
    assert in_batches == documents_and_tags()
    assert sorted(title for _, title in in_batches) == [f"Indexed post {n}" for n in (1, 4, 7, 9)]
    assert search.search("grading").total == 4 and search.search("mastery").total == 0
    tags = {tag for *_, tags, _, _ in in_batches.values() for tag in tags}
    assert tags == {"theme 0", "theme 1"}  # posts 1, 4, 7 and 9: n % 3


def documents_and_tags():
    """{(kind, title): (summary, body, tag names, status, url)} of every search document."""
    return {
        (document.kind, document.title): (
            document.summary,
            document.body,
            sorted(tag.name for tag in document.tags.all()),
            document.status,
            document.url,
        )
        for document in SearchDocument.objects.prefetch_related("tags")
    }


@pytest.mark.django_db
def test_a_batch_that_fails_to_write_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "BATCH_SIZE", 3)
    import_archive(export_of(tmp_path / "posts.xml", 10))
    before = documents_and_tags()
    written = []
    write = index.DocumentBatch.write

    def fail_on_the_third(batch):
        written.append(batch)
        if len(written) == 3:
            raise OperationalError("the disk is full")
        write(batch)

    monkeypatch.setattr(index.DocumentBatch, "write", fail_on_the_third)
    Post.objects.update(title="Renamed")
    with pytest.raises(OperationalError, match="disk is full"):
        call_command("reindex_search", kind=["post"], stdout=quiet())
    assert documents_and_tags() == before and len(written) == 3


@pytest.mark.django_db
def test_reimport_keeps_one_document_per_post(client):
    path = str(FIXTURES / "wxr" / "site-export.xml")
    import_archive(path)
    import_archive(path)
    assert SearchDocument.objects.filter(kind="post").count() == Post.objects.count()
    assert search_titles(client, "credit rules") == ["Credit Rules Across Five States"]


@pytest.mark.django_db
def test_reindex_command_rebuilds_the_index(client):
    one_of_each("mastery", tags=["equity"])
    PostFactory(title="Mastery draft", draft=True)
    before = set(search_titles(client, "mastery"))
    assert len(before) == 4
    SearchDocument.objects.all().delete()
    assert search_titles(client, "mastery") == []
    assert tag_counts(client) == {}
    out = quiet()
    call_command("reindex_search", stdout=out)
    assert "Search index rebuilt" in out.getvalue()
    assert set(search_titles(client, "mastery")) == before
    assert SearchDocument.objects.count() == 5
    assert tag_counts(client) == {"equity": 4}
    page = get_search(client, q="mastery")
    assert "<mark>" in page


@pytest.mark.django_db
def test_reindex_command_is_idempotent(client):
    one_of_each("mastery")
    call_command("reindex_search", stdout=quiet())
    call_command("reindex_search", stdout=quiet())
    assert SearchDocument.objects.count() == 4
    assert len(search_titles(client, "mastery")) == 4


# --- did you mean -------------------------------------------------------------------------


@on_postgres
@pytest.mark.django_db
def test_did_you_mean_suggests_closest_title(client):
    ResourceFactory(title="Competency-based grading handbook", summary="For schools.")
    ResourceFactory(title="Family guide to grading", summary="For families.")
    page = get_search(client, q="competancy basd gradng handbok")
    assert results(page) == []
    assert "Did you mean" in page
    suggestion = re.search(r"Did you mean <a href=\"([^\"]*)\">(.*?)</a>", page)
    assert html.unescape(suggestion[2]) == "Competency-based grading handbook"
    followed = client.get(html.unescape(suggestion[1]))
    assert "Competency-based grading handbook" in titles(followed.content.decode())


@on_postgres
@pytest.mark.django_db
def test_did_you_mean_ignores_drafts(client):
    ResourceFactory(title="Competency-based grading handbook", draft=True)
    page = get_search(client, q="competancy basd gradng handbok")
    assert "Did you mean" not in page


@pytest.mark.django_db
def test_no_suggestion_when_results_found(client):
    ResourceFactory(title="Competency-based grading handbook")
    page = get_search(client, q="handbook")
    assert "Did you mean" not in page


# --- the fallback engine (SQLite without FTS5) ---------------------------------------------


@pytest.fixture
def term_engine():
    with mock.patch.object(search, "engine_for", return_value=search.TermEngine()):
        yield


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"competency based"', {"Note one"}),
        ("competency based", {"Note one", "Note two"}),
        ("grading -rubric", {"Note one", "Note two", "Note four"}),
        ("RUBRIC", {"Note three"}),
        ("rubric portfolio", set()),
    ],
)
def test_term_engine_query_syntax(client, syntax_corpus, term_engine, q, expected):
    assert set(search_titles(client, q)) == expected


@pytest.mark.django_db
def test_term_engine_ranks_titles_first_and_escapes(client, term_engine):
    PostFactory(title="Notes", body="<p>Tom &amp; Jerry &lt;b&gt;rubric&lt;/b&gt;</p>")
    ResourceFactory(title="Rubric guide", summary="How to write one.")
    page = get_search(client, q="rubric")
    assert titles(page) == ["Rubric guide", "Notes"]
    snippets = " ".join(hit["snippet"] for hit in results(page))
    assert "Tom &amp; Jerry &lt;b&gt;<mark>rubric</mark>&lt;/b&gt;" in snippets


@pytest.mark.django_db
@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_term_engine_hostile_queries(client, faceted, term_engine, q):
    assert client.get("/search/", {"q": q}).status_code == 200
