"""Dossiers as readers get them: a state's, and a series', on one printable page and as a
PDF download; what they hold and leave out, their query budget and their addresses.

Pages are read by parsing their HTML, PDFs with pypdf's own text extraction."""

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from competencyworks import dossiers
from competencyworks.pagecache.version import content_changed
from policy.models import PolicyEntry, Stage, State
from tests.factories import (
    AuthorFactory,
    PostFactory,
    ResourceFactory,
    SeriesFactory,
    committed,
)
from tests.test_policy_pages import (
    EventFactory,
    PolicyEntryFactory,
    ProvisionFactory,
    SourceFactory,
    StageChangeFactory,
    parse,
    section,
)

pytestmark = pytest.mark.django_db


def pdf_text(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def made_on_text():
    return f"Made on {date_format(timezone.localdate(), 'j F Y')}"


def anchors_resolve(doc):
    """Every contents link points at an element of the page, and there is at least one."""
    nav = doc.find("nav", aria_labelledby="contents")
    targets = [a["href"] for a in nav.find_all("a")]
    assert targets and all(target.startswith("#") for target in targets)
    ids = {node.get("id") for node in doc.descendants() if node.get("id")}
    missing = [target for target in targets if target[1:] not in ids]
    assert not missing, missing
    return targets


def queries_for(client, url):
    """The page's own queries: the content version is read at most every quarter second per
    process, whichever page asks, so it is left out of the count."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len([query for query in queries if "contentversion" not in query["sql"]])


# ------------------------------------------------------------------------- state dossier


@pytest.fixture
def idaho():
    idaho = State.objects.get(code="ID")
    StageChangeFactory(state=idaho, stage=Stage.EMERGING, effective_from=date(2010, 3, 1))
    StageChangeFactory(
        state=idaho, stage=Stage.DEVELOPING, effective_from=date(2016, 7, 1),
        reason="Mastery-based pilots became state law.", sources="https://example.gov/hb110",
    )  # fmt: skip
    StageChangeFactory(
        state=idaho, stage=Stage.ADVANCED, reason="Planned, not yet in force.",
        effective_from=date(timezone.localdate().year + 1, 1, 1),
    )  # fmt: skip
    linked_post = PostFactory(title="What Idaho's pilot districts learned")
    PostFactory(title="Idaho graduation rules, explained", tags=["Idaho"])
    PostFactory(title="A draft about Idaho", tags=["Idaho"], draft=True)
    PostFactory(title="Nothing to do with the state")
    resource = ResourceFactory(title="Idaho mastery report")
    entry = PolicyEntryFactory(
        state=idaho, title="Move from seat time toward mastery-based education",
        identifier="HB 110", year=2015, enacted_on=date(2015, 3, 19),
        topics=["seat-time"], related_posts=[linked_post], related_resources=[resource],
    )  # fmt: skip
    EventFactory(entry=entry, date=date(2015, 2, 2), description="Passed the House")
    SourceFactory(entry=entry, title="Bill text", url="https://legislature.idaho.gov/hb110")
    ProvisionFactory(entry=entry, citation="Section 33-1632", description="Mastery pilots.")
    PolicyEntryFactory(
        state=idaho, title="Competency-based diploma guidance", identifier="", year=2018
    )
    hidden = PolicyEntryFactory(state=idaho, title="Secret draft entry", draft=True)
    hidden.related_posts.set([PostFactory(title="Only a draft entry links here")])
    PolicyEntryFactory(state=idaho, title="Not yet public entry", scheduled=True)
    return entry


def test_state_dossier_holds_stage_history_entries_and_what_is_about_the_state(client, idaho):
    response = client.get("/policy/states/id/dossier/")
    doc = parse(response)
    text = " ".join(doc.text.split())

    assert doc.find("h1").text == "Idaho"
    assert made_on_text() in text
    assert "tagged “Idaho”" in text and "one of its entries links to them" in text
    assert section(doc, "stage").find("p", "lede").text == "Stage: Developing since 2016."
    history = section(doc, "stage-history").find_all("li")
    assert [item.find("time")["datetime"] for item in history] == ["2016-07-01", "2010-03-01"]
    assert "Mastery-based pilots became state law." in history[0].text
    assert [a["href"] for a in history[0].find_all("a")] == ["https://example.gov/hb110"]
    assert "Planned, not yet in force." not in text

    entries = section(doc, "entries").find_all("article")
    assert [entry.find("h3").text for entry in entries] == [
        "Competency-based diploma guidance",
        "HB 110: Move from seat time toward mastery-based education",
    ]
    hb110 = entries[1]
    assert hb110.find("h3")["id"] == f"entry-{idaho.slug}"
    steps = [" ".join(li.text.split()) for li in hb110.find("ol", "timeline").find_all("li")]
    assert steps == ["February 2, 2015: Passed the House", "March 19, 2015: Enacted"]
    assert "Seat time" in hb110.text
    assert "Bill text" in hb110.text
    assert [a["href"] for a in hb110.find_all("a")] == ["https://legislature.idaho.gov/hb110"]
    assert "Section 33-1632: Mastery pilots." in " ".join(hb110.text.split())
    assert "Secret draft entry" not in text and "Not yet public entry" not in text

    posts = [a.text for a in section(doc, "posts").find_all("a")]
    assert sorted(posts) == [
        "Idaho graduation rules, explained",
        "What Idaho's pilot districts learned",
    ]
    assert [a.text for a in section(doc, "resources").find_all("a")] == ["Idaho mastery report"]

    targets = anchors_resolve(doc)
    assert {"#stage", "#stage-history", "#entries", "#posts", "#resources"} <= set(targets)
    assert f"#entry-{idaho.slug}" in targets
    download = doc.find("a", href="/policy/states/id/dossier/pdf/")
    assert download.text == "Download PDF" and "download" in download.attrs


def test_state_dossier_pdf_is_an_attachment_with_the_state_and_its_entries(client, idaho):
    response = client.get("/policy/states/id/dossier/pdf/")

    text = pdf_text(response)
    assert response["Content-Disposition"] == 'attachment; filename="idaho-policy-dossier.pdf"'
    assert "Idaho" in text and made_on_text() in text
    assert "HB 110: Move from seat time toward mastery-based education" in text
    assert "Passed the House" in text and "Section 33-1632" in text and "Bill text" in text
    assert "What Idaho's pilot districts learned" in text
    assert "Secret draft entry" not in text and "A draft about Idaho" not in text


def test_a_repeat_download_is_not_rebuilt_until_the_content_changes(client, idaho):
    url = "/policy/states/id/dossier/pdf/"
    first_queries = queries_for(client, url)
    first = client.get(url).content
    with CaptureQueriesContext(connection) as repeat:
        again = client.get(url).content
    assert again == first
    own = [query for query in repeat if "contentversion" not in query["sql"]]
    assert len(own) == 1 < first_queries  # the state, to know which PDF

    with committed():
        PolicyEntry.objects.filter(pk=idaho.pk).update(title="Renamed after an edit")
        content_changed()
    assert "HB 110: Renamed after an edit" in pdf_text(client.get(url))


def test_state_page_links_to_its_dossier(client, idaho):
    doc = parse(client.get("/policy/states/id/"))
    link = doc.find("a", href="/policy/states/id/dossier/")
    assert link.text == "Dossier"


def test_state_with_nothing_yet_has_a_dossier_that_says_so(client):
    doc = parse(client.get("/policy/states/oh/dossier/"))
    assert doc.find("h1").text == "Ohio"
    assert section(doc, "stage").find("p", "lede").text == "Stage: Not assessed."
    assert section(doc, "entries").find("p", "empty").text == "No entries for Ohio yet."
    anchors_resolve(doc)
    assert "Ohio" in pdf_text(client.get("/policy/states/oh/dossier/pdf/"))


def state_with_entries(code, count):
    state = State.objects.get(code=code)
    StageChangeFactory(state=state, effective_from=date(2012, 1, 1))
    for n in range(count):
        entry = PolicyEntryFactory(
            state=state, topics=["seat-time"], tags=[state.name],
            related_posts=[PostFactory(tags=[state.name])], related_resources=[ResourceFactory()],
        )  # fmt: skip
        EventFactory(entry=entry)
        SourceFactory(entry=entry)
        ProvisionFactory(entry=entry)
        PostFactory(title=f"{state.name} post {n}", tags=[state.name])


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_state_dossier_queries_do_not_grow_with_entries(client, suffix):
    state_with_entries("VT", 2)
    state_with_entries("ME", 10)
    few = queries_for(client, f"/policy/states/vt/dossier/{suffix}")
    many = queries_for(client, f"/policy/states/me/dossier/{suffix}")
    assert few == many <= 12


@pytest.mark.parametrize("code", ["zz", "idaho", "i"])
@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_unknown_state_dossier_is_not_found(client, code, suffix):
    assert client.get(f"/policy/states/{code}/dossier/{suffix}").status_code == 404


# ------------------------------------------------------------------------ series dossier


@pytest.fixture
def series():
    series = SeriesFactory(title="Report Card Stories", description="How grading changed.")
    author = AuthorFactory(name="Maya Okafor")
    now = timezone.now()
    PostFactory(
        series=series, series_part=2, title="Parents read the new report card",
        body="<p>Families asked what a 3 means.</p>", publish_at=now - timedelta(days=2),
    )  # fmt: skip
    PostFactory(
        series=series, series_part=1, title="Why we stopped averaging",
        body="<p>An average hides what a student can do now.</p>",
        publish_at=now - timedelta(days=5), authors=[author],
    )  # fmt: skip
    PostFactory(series=series, series_part=3, title="A draft third part", draft=True)
    PostFactory(series=series, series_part=4, title="A scheduled fourth part", scheduled=True)
    return series


def test_series_dossier_holds_every_public_part_in_order_in_full(client, series):
    doc = parse(client.get(f"/blog/series/{series.slug}/dossier/"))
    text = " ".join(doc.text.split())

    assert doc.find("h1").text == "Report Card Stories"
    assert made_on_text() in text
    parts = doc.find_all("article", "dossier-part")
    assert [part.find("h2").text for part in parts] == [
        "Why we stopped averaging",
        "Parents read the new report card",
    ]
    assert [part.find("p", "kicker").text for part in parts] == ["Part 1", "Part 2"]
    assert "An average hides what a student can do now." in parts[0].text
    assert "by Maya Okafor" in parts[0].text
    assert "Families asked what a 3 means." in parts[1].text
    assert "draft third part" not in text and "scheduled fourth part" not in text

    toc = doc.find("nav", aria_labelledby="contents").find_all("li")
    assert [(li["value"], li.text) for li in toc] == [
        ("1", "Why we stopped averaging"),
        ("2", "Parents read the new report card"),
    ]
    anchors_resolve(doc)
    download = doc.find("a", href=f"/blog/series/{series.slug}/dossier/pdf/")
    assert download.text == "Download PDF"


def test_series_dossier_pdf_is_an_attachment_with_every_part(client, series):
    response = client.get(f"/blog/series/{series.slug}/dossier/pdf/")

    text = pdf_text(response)
    assert response["Content-Disposition"] == (f'attachment; filename="{series.slug}-series.pdf"')
    assert "Report Card Stories" in text and made_on_text() in text
    assert text.index("Why we stopped averaging") < text.index("Parents read the new report card")
    assert "An average hides what a student can do now." in text
    assert "draft third part" not in text


def test_series_page_links_to_its_dossier(client, series):
    doc = parse(client.get(f"/blog/series/{series.slug}/"))
    assert doc.find("a", href=f"/blog/series/{series.slug}/dossier/").text == "Dossier"


def series_of(count):
    series = SeriesFactory()
    authors = [AuthorFactory(), AuthorFactory()]
    for part in range(1, count + 1):
        PostFactory(series=series, series_part=part, authors=authors, tags=["grading"])
    return series


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_series_dossier_queries_do_not_grow_with_parts(client, suffix):
    few, many = series_of(2), series_of(10)
    assert (
        queries_for(client, f"/blog/series/{few.slug}/dossier/{suffix}")
        == queries_for(client, f"/blog/series/{many.slug}/dossier/{suffix}")
        <= 6
    )


def test_a_series_too_long_for_a_pdf_offers_the_printable_page(client, monkeypatch):
    monkeypatch.setattr(dossiers, "MAX_PDF_ITEMS", 3)
    long_series = series_of(4)
    page = f"/blog/series/{long_series.slug}/dossier/"

    doc = parse(client.get(page))
    assert not doc.find_all("a", href=f"{page}pdf/")
    assert "more than 3 parts, too many for a PDF download" in " ".join(doc.text.split())
    assert len(doc.find_all("article", "dossier-part")) == 4

    text = pdf_text(client.get(f"{page}pdf/"))
    assert "too long for a PDF" in text and f"http://testserver{page}" in text.replace(" ", "")


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_unknown_or_unpublished_series_dossier_is_not_found(client, suffix):
    unpublished = SeriesFactory()
    PostFactory(series=unpublished, series_part=1, draft=True)
    PostFactory(series=unpublished, series_part=2, scheduled=True)
    SeriesFactory(title="No parts at all")
    for slug in ("no-such-series", unpublished.slug, "no-parts-at-all"):
        assert client.get(f"/blog/series/{slug}/dossier/{suffix}").status_code == 404, slug
