"""The state-policy tracker as readers and editors use it: the map, the filterable list of
entries, state and entry pages, CSV/JSON exports, the changes feed, the sitemaps and the
admin, plus the query budget of each public page.

Pages are read by parsing their HTML (not by matching fragments), exports with the csv and
json modules and feeds with an XML parser, so the tests see what a browser, a spreadsheet or
a feed reader would.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html.parser import HTMLParser

import factory
import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from competencyworks.publishing import Status as Publishing
from policy.models import (
    STAGE_DEFINITIONS,
    Event,
    Kind,
    PolicyEntry,
    Provision,
    Source,
    Stage,
    StageChange,
    State,
    Status,
    Topic,
)
from tests.factories import ContentFactory, PostFactory, ResourceFactory, UserFactory, committed

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
FIRST_MAP_YEAR = 2000
MAX_PAGE_QUERIES = 12
EXPORT_FIELDS = [
    "state", "title", "kind", "identifier", "session", "year", "status", "introduced_on",
    "enacted_on", "effective_on", "topics", "sponsors", "summary", "url",
]  # fmt: skip

# Written out independently of policy/jurisdictions.py: USPS code, name, Census FIPS code.
STATES = {
    "AL": ("Alabama", "01"), "AK": ("Alaska", "02"), "AZ": ("Arizona", "04"),
    "AR": ("Arkansas", "05"), "CA": ("California", "06"), "CO": ("Colorado", "08"),
    "CT": ("Connecticut", "09"), "DE": ("Delaware", "10"), "FL": ("Florida", "12"),
    "GA": ("Georgia", "13"), "HI": ("Hawaii", "15"), "ID": ("Idaho", "16"),
    "IL": ("Illinois", "17"), "IN": ("Indiana", "18"), "IA": ("Iowa", "19"),
    "KS": ("Kansas", "20"), "KY": ("Kentucky", "21"), "LA": ("Louisiana", "22"),
    "ME": ("Maine", "23"), "MD": ("Maryland", "24"), "MA": ("Massachusetts", "25"),
    "MI": ("Michigan", "26"), "MN": ("Minnesota", "27"), "MS": ("Mississippi", "28"),
    "MO": ("Missouri", "29"), "MT": ("Montana", "30"), "NE": ("Nebraska", "31"),
    "NV": ("Nevada", "32"), "NH": ("New Hampshire", "33"), "NJ": ("New Jersey", "34"),
    "NM": ("New Mexico", "35"), "NY": ("New York", "36"), "NC": ("North Carolina", "37"),
    "ND": ("North Dakota", "38"), "OH": ("Ohio", "39"), "OK": ("Oklahoma", "40"),
    "OR": ("Oregon", "41"), "PA": ("Pennsylvania", "42"), "RI": ("Rhode Island", "44"),
    "SC": ("South Carolina", "45"), "SD": ("South Dakota", "46"), "TN": ("Tennessee", "47"),
    "TX": ("Texas", "48"), "UT": ("Utah", "49"), "VT": ("Vermont", "50"),
    "VA": ("Virginia", "51"), "WA": ("Washington", "53"), "WV": ("West Virginia", "54"),
    "WI": ("Wisconsin", "55"), "WY": ("Wyoming", "56"),
}  # fmt: skip
DISTRICT = {"DC": ("District of Columbia", "11")}
TERRITORIES = {
    "AS": ("American Samoa", "60"), "GU": ("Guam", "66"),
    "MP": ("Northern Mariana Islands", "69"), "PR": ("Puerto Rico", "72"),
    "VI": ("U.S. Virgin Islands", "78"),
}  # fmt: skip
ALL_JURISDICTIONS = {**STATES, **DISTRICT, **TERRITORIES}
TOPICS = {
    "seat-time": "Seat time",
    "credit-flexibility": "Credit flexibility",
    "competency-based-diploma": "Competency-based diploma",
    "proficiency-based-graduation": "Proficiency-based graduation",
    "assessment": "Assessment",
    "pilots-and-innovation-zones": "Pilots and innovation zones",
    "personalized-learning-plans": "Personalized learning plans",
}


def state(code):
    return State.objects.get(code=code)


def this_year():
    return timezone.localdate().year


# ---------------------------------------------------------------------------- factories
# Kept here rather than in tests/factories.py, which is being changed for the wiki.


class PolicyEntryFactory(ContentFactory):
    """A published entry in Idaho; use `draft=True` / `scheduled=True` for the rest."""

    class Meta:
        model = PolicyEntry
        skip_postgeneration_save = True

    state = factory.LazyFunction(lambda: State.objects.get(code="ID"))
    title = factory.Sequence(lambda n: f"Policy entry {n}")
    kind = Kind.STATUTE
    identifier = factory.Sequence(lambda n: f"SB {n + 1000}")
    session = "2015"
    year = 2015
    policy_status = Status.IN_EFFECT
    summary = "Students move on when they show mastery, not after a set number of hours."
    status = Publishing.PUBLISHED
    publish_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=1, hours=n))

    @factory.post_generation
    def topics(entry, create, slugs, **kwargs):
        if create and slugs:
            entry.topics.set(Topic.objects.filter(slug__in=slugs))

    @factory.post_generation
    def tags(entry, create, names, **kwargs):
        if create and names:
            entry.tags.add(*names)

    @factory.post_generation
    def related_posts(entry, create, posts, **kwargs):
        if create and posts:
            entry.related_posts.set(posts)

    @factory.post_generation
    def related_resources(entry, create, resources, **kwargs):
        if create and resources:
            entry.related_resources.set(resources)

    class Params:
        draft = factory.Trait(status=Publishing.DRAFT, publish_at=None)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
        )


class StageChangeFactory(ContentFactory):
    class Meta:
        model = StageChange

    state = factory.LazyFunction(lambda: State.objects.get(code="ID"))
    stage = Stage.DEVELOPING
    effective_from = date(2015, 7, 1)
    reason = factory.Sequence(lambda n: f"Reason number {n} for the stage.")


class EventFactory(ContentFactory):
    class Meta:
        model = Event

    entry = factory.SubFactory(PolicyEntryFactory)
    date = factory.Sequence(lambda n: date(2015, 1, 1) + timedelta(days=n))
    description = factory.Sequence(lambda n: f"Step number {n}")


class SourceFactory(ContentFactory):
    class Meta:
        model = Source

    entry = factory.SubFactory(PolicyEntryFactory)
    title = factory.Sequence(lambda n: f"Source number {n}")
    url = factory.Sequence(lambda n: f"https://legislature.example.gov/bills/{n}")


class ProvisionFactory(ContentFactory):
    class Meta:
        model = Provision

    entry = factory.SubFactory(PolicyEntryFactory)
    citation = factory.Sequence(lambda n: f"Section {n}.1")
    description = "What this section does."
    url = ""


# ------------------------------------------------------------------------ reading HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


def attr_name(keyword):
    """aria_labelledby= means aria-labelledby, for_= means for."""
    return keyword.rstrip("_").replace("_", "-")


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def __getitem__(self, name):
        return self.attrs[name]

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    @property
    def text(self):
        parts = [child if isinstance(child, str) else child.text for child in self.children]
        return " ".join("".join(parts).split())

    def descendants(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.descendants()

    def find_all(self, tag, cls=None, **attrs):
        return [
            node
            for node in self.descendants()
            if node.tag == tag
            and (cls is None or cls in node.classes)
            and all(node.get(attr_name(name)) == value for name, value in attrs.items())
        ]

    def find(self, tag, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}>"
        return found[0]

    def children_named(self, tag):
        return [child for child in self.children if isinstance(child, Node) and child.tag == tag]


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response):
    assert response.status_code == 200, response.status_code
    builder = TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def map_links(doc):
    """{accessible name: (href, shape tag)} for every link drawn in the map's SVG: a link's own
    <title> names it."""
    svg = doc.find("figure", "state-map").find("svg")
    links = {}
    for link in svg.find_all("a"):
        shapes = [node.tag for node in link.descendants() if node.tag in ("use", "rect")]
        name = link.find("title").text
        assert name not in links
        links[name] = (link.get("href"), shapes)
    return links


def map_label(doc, name):
    """The accessible name of `name`'s link on the map ("Idaho: Developing")."""
    (label,) = [label for label in map_links(doc) if label.startswith(f"{name}: ")]
    return label


def listed_entries(response):
    """Titles of the entries in the page's list of entries, in order (none: empty list)."""
    doc = parse(response)
    tables = doc.find_all("table", "entries")
    if not tables:
        assert doc.find("p", "empty").text == "No entries match."
        return []
    return [row.find_all("td")[1].find("a").text for row in tables[0].find("tbody").find_all("tr")]


def section(doc, heading_id):
    return doc.find("section", aria_labelledby=heading_id)


def selected_map_year(doc):
    select = doc.find("select", name="map_year")
    (selected,) = [option for option in select.find_all("option") if "selected" in option.attrs]
    return int(selected["value"])


# ---------------------------------------------------------------------- shared content


@pytest.fixture
def entries():
    """Four published entries that differ in every filterable way, plus hidden ones."""
    idaho = PolicyEntryFactory(
        state=state("ID"), title="Move from seat time toward mastery-based education",
        identifier="HB 110", year=2015, kind=Kind.STATUTE, policy_status=Status.IN_EFFECT,
        enacted_on=date(2015, 3, 19), effective_on=date(2015, 7, 1),
        topics=["seat-time", "credit-flexibility"],
    )  # fmt: skip
    ohio = PolicyEntryFactory(
        state=state("OH"), title="Competency-based education pilot", identifier="HB 64",
        year=2016, kind=Kind.PILOT, policy_status=Status.SIGNED,
        introduced_on=date(2015, 2, 10), topics=["pilots-and-innovation-zones"],
    )  # fmt: skip
    carolina = PolicyEntryFactory(
        state=state("NC"), title="Intent to move to competency-based assessments",
        identifier="", session="", year=2017, kind=Kind.BUDGET,
        policy_status=Status.INTRODUCED, topics=["assessment"],
    )  # fmt: skip
    hampshire = PolicyEntryFactory(
        state=state("NH"), title="Carnegie unit removed from graduation requirements",
        identifier="", year=2005, kind=Kind.REGULATION, policy_status=Status.IN_EFFECT,
        topics=["seat-time", "proficiency-based-graduation"],
    )  # fmt: skip
    # Hidden: would match most filters (Idaho, statute, in effect, seat time, 2015).
    PolicyEntryFactory(
        draft=True, state=state("ID"), title="Draft Idaho bill", year=2015,
        topics=["seat-time"],
    )  # fmt: skip
    PolicyEntryFactory(
        scheduled=True, state=state("ID"), title="Scheduled Idaho bill", year=2015,
        topics=["seat-time"],
    )  # fmt: skip
    return {"ID": idaho, "OH": ohio, "NC": carolina, "NH": hampshire}


HIDDEN = {"Draft Idaho bill", "Scheduled Idaho bill"}


@pytest.fixture
def reader_client(client):
    """Logged in, but not staff: sees exactly what an anonymous reader sees."""
    client.force_login(UserFactory(username="reader"))
    return client


# --------------------------------------------------------------------- the migration


def test_migration_loads_the_states_dc_and_territories_with_codes_and_fips():
    loaded = {s.code: (s.name, s.fips, s.jurisdiction) for s in State.objects.all()}

    assert len(loaded) == 56
    assert loaded == {
        **{code: (name, fips, "state") for code, (name, fips) in STATES.items()},
        **{code: (name, fips, "district") for code, (name, fips) in DISTRICT.items()},
        **{code: (name, fips, "territory") for code, (name, fips) in TERRITORIES.items()},
    }


def test_migration_loads_the_seven_topics():
    assert dict(Topic.objects.values_list("slug", "name")) == TOPICS


def test_editors_may_add_and_change_policy_entries_but_not_states(editor):
    for model in ("policyentry", "event", "source", "provision", "stagechange"):
        for action in ("add", "change", "delete", "view"):
            assert editor.has_perm(f"policy.{action}_{model}"), f"{action}_{model}"
    assert editor.has_perm("policy.view_state")
    for action in ("add", "change", "delete"):
        assert not editor.has_perm(f"policy.{action}_state")
        assert not editor.has_perm(f"policy.{action}_topic")
    codenames = set(
        Group.objects.get(name="Editors")
        .permissions.filter(content_type__app_label="policy", codename__endswith="_state")
        .values_list("codename", flat=True)
    )
    assert codenames == {"view_state"}


def test_editors_reach_the_entry_admin_but_cannot_change_a_state(editor_client):
    idaho = state("ID")

    assert editor_client.get("/admin/policy/policyentry/add/").status_code == 200
    assert editor_client.get(f"/admin/policy/state/{idaho.pk}/change/").status_code == 200
    response = editor_client.post(f"/admin/policy/state/{idaho.pk}/change/", {"_save": "Save"})
    assert response.status_code == 403
    assert editor_client.get("/admin/policy/state/add/").status_code == 403


# --------------------------------------------------------------------------- the map


def test_map_links_every_jurisdiction_to_its_state_page_with_an_accessible_name(client):
    links = map_links(parse(client.get("/policy/")))

    assert len(links) == 56
    expected = {}
    for code, (name, _fips) in ALL_JURISDICTIONS.items():
        shape = "use" if code in STATES else "rect"  # DC and territories are tiles
        expected[f"{name}: Not assessed"] = (f"/policy/states/{code.lower()}/", [shape])
    assert links == expected


def test_map_outlines_come_from_one_static_file_holding_every_drawn_state(client):
    """The page carries links and colors; the outlines are a file browsers keep."""
    svg = parse(client.get("/policy/")).find("figure", "state-map").find("svg")
    targets = [use.get("href") for use in svg.find_all("use")]
    files = {target.split("#")[0] for target in targets}
    assert len(files) == 1 and files.pop().startswith("/static/img/state-shapes")
    outlines = ET.parse(finders.find("img/state-shapes.svg")).getroot()
    drawn = {path.get("id") for path in outlines.iter("{http://www.w3.org/2000/svg}path")}
    used = {target.split("#")[1] for target in targets}
    assert used == set(STATES) and used <= drawn  # DC is drawn as a tile


def test_map_shapes_are_coloured_and_titled_by_stage(client):
    StageChangeFactory(state=state("ID"), stage=Stage.DEVELOPING)
    StageChangeFactory(state=state("PR"), stage=Stage.EMERGING)

    doc = parse(client.get("/policy/"))

    links = map_links(doc)
    assert links["Idaho: Developing"] == ("/policy/states/id/", ["use"])
    assert links["Puerto Rico: Emerging"] == ("/policy/states/pr/", ["rect"])
    svg = doc.find("svg")
    (idaho,) = [a for a in svg.find_all("a") if a["href"] == "/policy/states/id/"]
    assert "stage-developing" in idaho.find("use").classes
    assert idaho.find("title").text == "Idaho: Developing"
    (ohio,) = [a for a in svg.find_all("a") if a["href"] == "/policy/states/oh/"]
    assert "stage-not_assessed" in ohio.find("use").classes


def test_legend_lists_every_stage_with_its_definition(client):
    legend = parse(client.get("/policy/")).find("ul", "legend")

    items = [item.text for item in legend.find_all("li")]
    assert items == [f"{stage.label} — {STAGE_DEFINITIONS[stage]}" for stage in Stage]
    assert len(items) == 5


def test_table_lists_every_jurisdiction_with_its_stage(client):
    StageChangeFactory(state=state("NH"), stage=Stage.ADVANCED, effective_from=date(2005, 1, 1))

    table = parse(client.get("/policy/")).find("details", "map-table").find("table")

    rows = {
        row.find("th").find("a")["href"]: [
            row.find("th").text,
            *(td.text for td in row.find_all("td")),
        ]
        for row in table.find("tbody").find_all("tr")
    }
    assert len(rows) == 56
    assert rows["/policy/states/nh/"] == ["New Hampshire", "Advanced", "2005"]
    assert rows["/policy/states/vi/"] == ["U.S. Virgin Islands", "Not assessed", "—"]
    assert {href.split("/")[3].upper() for href in rows} == set(ALL_JURISDICTIONS)


@pytest.fixture
def idaho_history():
    StageChangeFactory(state=state("ID"), stage=Stage.EMERGING, effective_from=date(2010, 3, 1))
    StageChangeFactory(state=state("ID"), stage=Stage.DEVELOPING, effective_from=date(2016, 7, 1))


@pytest.mark.parametrize(
    ("query", "label", "since"),
    [
        ("", "Idaho: Developing", "2016"),
        ("?map_year=2012", "Idaho: Emerging", "2010"),
        ("?map_year=2010", "Idaho: Emerging", "2010"),
        ("?map_year=2015", "Idaho: Emerging", "2010"),
        ("?map_year=2016", "Idaho: Developing", "2016"),
        ("?map_year=2009", "Idaho: Not assessed", "—"),
    ],
)
def test_map_colours_follow_the_stage_history(client, idaho_history, query, label, since):
    doc = parse(client.get(f"/policy/{query}"))

    assert map_label(doc, "Idaho") == label
    table = doc.find("details", "map-table").find("tbody")
    (row,) = [row for row in table.find_all("tr") if row.find("th").text == "Idaho"]
    assert [td.text for td in row.find_all("td")] == [label.split(": ")[1], since]


def test_a_stage_change_later_this_year_is_not_on_todays_map(client, idaho_history):
    StageChangeFactory(
        state=state("ID"), stage=Stage.ADVANCED, effective_from=date(this_year() + 1, 1, 1)
    )

    assert map_label(parse(client.get("/policy/")), "Idaho") == "Idaho: Developing"


def test_a_state_with_no_stage_change_is_not_assessed(client, idaho_history):
    doc = parse(client.get("/policy/?map_year=2012"))

    assert map_label(doc, "Ohio") == "Ohio: Not assessed"
    assert map_label(doc, "Guam") == "Guam: Not assessed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "this year"),
        ("99999", "this year"),
        ("-1", FIRST_MAP_YEAR),
        ("0", FIRST_MAP_YEAR),
        ("1999", FIRST_MAP_YEAR),
        ("", "this year"),
        ("2012.5", "this year"),
        ("1e3", "this year"),
        ("0x7DA", "this year"),
        ("2012abc", "this year"),
        ("<script>", "this year"),
        ("9" * 5000, "this year"),
        ("%20", "this year"),
        ("2012", 2012),
    ],
)
def test_bad_map_years_are_clamped_not_errors(client, value, expected):
    response = client.get("/policy/", {"map_year": value})

    assert response.status_code == 200
    doc = parse(response)
    year = this_year() if expected == "this year" else expected
    assert selected_map_year(doc) == year
    assert f", {year}" in doc.find("svg")["aria-label"]


def test_the_year_selector_is_a_plain_get_form(client):
    doc = parse(client.get("/policy/?map_year=2012"))

    select = doc.find("select", name="map_year")
    form = select.parent
    while form.tag != "form":
        form = form.parent
    assert form.get("method") == "get"
    assert form.get("action") == "/policy/"
    assert [button.get("type") for button in form.find_all("button")] == ["submit"]
    assert doc.find("label", for_="map-year").text == "Show the map as of"
    assert select.get("id") == "map-year"
    years = [int(option["value"]) for option in select.find_all("option")]
    assert years == list(range(this_year(), FIRST_MAP_YEAR - 1, -1))
    # Nothing needs script: no inline handlers on the form or its controls.
    for node in [form, *form.descendants()]:
        assert not [name for name in node.attrs if name.startswith("on")]


# ------------------------------------------------------------------- the entry list


def test_list_shows_published_entries_newest_year_first(client, entries):
    assert listed_entries(client.get("/policy/")) == [
        "Intent to move to competency-based assessments",
        "HB 64: Competency-based education pilot",
        "HB 110: Move from seat time toward mastery-based education",
        "Carnegie unit removed from graduation requirements",
    ]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"state": "OH"}, ["OH"]),
        ({"state": "ID"}, ["ID"]),
        ({"kind": "pilot"}, ["OH"]),
        ({"kind": "regulation"}, ["NH"]),
        ({"policy_status": "in_effect"}, ["ID", "NH"]),
        ({"policy_status": "introduced"}, ["NC"]),
        ({"topic": "seat-time"}, ["ID", "NH"]),
        ({"topic": "assessment"}, ["NC"]),
        ({"topic": "personalized-learning-plans"}, []),
        ({"year": "2005"}, ["NH"]),
        ({"year": "2015"}, ["ID"]),
        ({"state": "ID", "kind": "statute", "topic": "seat-time", "year": "2015"}, ["ID"]),
        ({"state": "NH", "topic": "assessment"}, []),
        ({"state": "", "kind": "", "policy_status": "", "topic": "", "year": ""},
         ["NC", "OH", "ID", "NH"]),
    ],
)  # fmt: skip
def test_list_filters(client, entries, query, codes):
    response = client.get("/policy/", query)

    assert listed_entries(response) == [entries[code].label for code in codes]


@pytest.mark.parametrize(
    "query",
    [
        {"state": "ZZ"},
        {"state": "id"},  # codes are upper case in the filter, as its select offers them
        {"state": "Idaho"},
        {"state": "1"},
        {"kind": "bogus"},
        {"policy_status": "nope"},
        {"topic": "no-such-topic"},
        {"topic": "1"},
        {"year": "abc"},
        {"year": "99999"},
        {"year": "-1"},
        {"year": "1e400"},
        {"year": "NaN"},
        {"year": "Infinity"},
        {"state": "ID' OR '1'='1"},
        {"kind": "x" * 5000},
    ],
)
def test_invalid_filters_give_an_empty_list_not_an_error(client, entries, query):
    response = client.get("/policy/", query)

    assert response.status_code == 200
    assert listed_entries(response) == []


def test_unknown_parameters_are_ignored(client, entries):
    response = client.get("/policy/", {"colour": "red", "sort": "drop table"})

    assert len(listed_entries(response)) == 4


def test_filter_form_offers_the_filters_and_keeps_the_chosen_values(client, entries):
    doc = parse(client.get("/policy/", {"state": "ID", "topic": "seat-time"}))

    form = doc.find("form", role="search", **{"aria-label": "Filter policy entries"})
    assert form.get("method") == "get"
    names = [node["name"] for node in form.descendants() if node.get("name")]
    # "Match all/any" joins once a second tag is chosen.
    assert names == ["state", "kind", "policy_status", "topic", "year", "tag"]
    state_select = form.find("select", name="state")
    assert [o["value"] for o in state_select.find_all("option") if "selected" in o.attrs] == ["ID"]
    assert len(state_select.find_all("option")) == 57  # "Any state" and the 56


def test_export_links_carry_the_filters_but_not_the_map_year(client, entries):
    doc = parse(client.get("/policy/", {"state": "ID", "map_year": "2012", "page": "1"}))

    links = {a.text: a["href"] for a in doc.find_all("a") if "/export." in a.get("href", "")}
    assert links == {"CSV": "/policy/export.csv?state=ID", "JSON": "/policy/export.json?state=ID"}


def test_list_is_paginated_and_pages_keep_the_filters(client):
    for n in range(30):
        PolicyEntryFactory(title=f"Entry {n:02}", year=2015)

    first = client.get("/policy/", {"state": "ID"})
    second = client.get("/policy/", {"state": "ID", "page": "2"})

    assert len(listed_entries(first)) == 25
    assert len(listed_entries(second)) == 5
    nav = parse(first).find("nav", "pagination")
    assert nav.find("a", rel="next")["href"] == "?state=ID&page=2"


def test_hidden_entries_are_not_listed_or_counted(client, entries):
    response = client.get("/policy/", {"state": "ID"})

    assert listed_entries(response) == [entries["ID"].label]
    assert (
        parse(response)
        .find("section", aria_labelledby="entries-title")
        .find("p", "meta")
        .text.startswith("1 entry ·")
    )


# ---------------------------------------------------------- drafts and scheduled entries


def test_hidden_entries_never_reach_readers(client, reader_client, entries):
    draft = PolicyEntry.objects.get(title="Draft Idaho bill")
    scheduled = PolicyEntry.objects.get(title="Scheduled Idaho bill")
    for hidden in (draft, scheduled):
        EventFactory(entry=hidden, description=f"Event of {hidden.title}")
    EventFactory(entry=entries["ID"], description="Took effect")

    for browser in (client, reader_client):
        pages = [
            browser.get("/policy/").content.decode(),
            browser.get("/policy/states/id/").content.decode(),
            b"".join(browser.get("/policy/export.csv").streaming_content).decode(),
            b"".join(browser.get("/policy/export.json").streaming_content).decode(),
            browser.get("/policy/feed/").content.decode(),
            browser.get("/policy/feed/atom/").content.decode(),
            browser.get("/sitemap-policy-entries.xml").content.decode(),
        ]
        for page in pages:
            assert entries["ID"].slug in page  # the published one is there
            for hidden in (draft, scheduled):
                assert hidden.title not in page
                assert hidden.slug not in page
        for hidden in (draft, scheduled):
            assert browser.get(hidden.get_absolute_url()).status_code == 404


def test_staff_without_change_permission_cannot_preview(client, entries):
    client.force_login(UserFactory(username="staffer", is_staff=True))
    draft = PolicyEntry.objects.get(title="Draft Idaho bill")

    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("title", sorted(HIDDEN))
def test_editors_preview_hidden_entries_uncached(editor_client, entries, title):
    entry = PolicyEntry.objects.get(title=title)

    response = editor_client.get(entry.get_absolute_url())

    doc = parse(response)
    notice = doc.find("p", "notice-preview")
    assert notice.text == "Preview: this entry is not published yet."
    assert notice.get("role") == "status"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= cache_control
    assert response.has_header("Expires")


def test_published_entries_carry_no_preview_notice_and_may_be_cached(
    client, editor_client, entries
):
    url = entries["ID"].get_absolute_url()
    for browser in (client, editor_client):
        response = browser.get(url)
        assert not parse(response).find_all("p", "notice-preview")
        assert "no-store" not in response.get("Cache-Control", "")


# ------------------------------------------------------------------------ state pages


def test_state_page_shows_the_current_stage_and_its_history(client, idaho_history):
    doc = parse(client.get("/policy/states/id/"))

    assert doc.find("h1").text == "Idaho"
    assert doc.find("p", "lede").text == "Stage: Developing since 2016."
    history = section(doc, "stage-history").find("ol")
    items = history.find_all("li")
    assert [item.find("time")["datetime"] for item in items] == ["2016-07-01", "2010-03-01"]
    badges = [item.find("span", "stage-badge") for item in items]
    assert [badge.text for badge in badges] == ["Developing", "Emerging"]
    assert [badge["class"].split()[1] for badge in badges] == ["stage-developing", "stage-emerging"]
    current = StageChange.objects.get(state__code="ID", effective_from=date(2016, 7, 1))
    assert current.reason in doc.text
    assert current.reason in items[0].text


def test_state_page_lists_sources_of_stage_changes(client):
    StageChangeFactory(state=state("ID"), effective_from=date(2010, 1, 1), stage=Stage.NOT_YET)
    StageChangeFactory(state=state("ID"), sources="https://example.gov/a\nhttps://example.gov/b")

    history = section(parse(client.get("/policy/states/id/")), "stage-history")

    hrefs = [a["href"] for a in history.find_all("a")]
    assert hrefs == ["https://example.gov/a", "https://example.gov/b"]


def test_state_with_no_stage_change_is_not_assessed(client):
    doc = parse(client.get("/policy/states/oh/"))

    assert doc.find("p", "lede").text == "Stage: Not assessed."
    assert not doc.find_all("section", aria_labelledby="stage-history")
    assert section(doc, "state-entries").find("p", "empty").text == "No entries for Ohio yet."


def test_state_page_ignores_a_stage_change_not_yet_in_force(client, idaho_history):
    StageChangeFactory(
        state=state("ID"), stage=Stage.ADVANCED, effective_from=date(this_year() + 1, 1, 1)
    )

    doc = parse(client.get("/policy/states/id/"))

    assert doc.find("p", "lede").text == "Stage: Developing since 2016."


@pytest.mark.parametrize("code", ["id", "ID", "Id"])
def test_state_page_address_uses_the_code(client, code):
    assert client.get(f"/policy/states/{code}/").status_code == 200


@pytest.mark.parametrize("code", ["zz", "idaho", "i", "00", "16", "-", "%2E%2E"])
def test_unknown_state_is_not_found(client, code):
    assert client.get(f"/policy/states/{code}/").status_code == 404


def test_state_page_lists_its_entries_with_events_in_date_order(client, entries):
    idaho = entries["ID"]
    EventFactory(entry=idaho, date=date(2015, 7, 1), description="Took effect")
    EventFactory(entry=idaho, date=date(2015, 3, 19), description="Signed by the governor")
    EventFactory(entry=idaho, date=date(2015, 1, 12), description="Introduced")
    older = PolicyEntryFactory(state=state("ID"), title="Older Idaho waiver", year=2012)
    EventFactory(entry=entries["OH"], description="An Ohio step")

    doc = parse(client.get("/policy/states/id/"))

    cards = section(doc, "state-entries").find_all("article", "entry-card")
    assert [card.find("h3").text for card in cards] == [idaho.label, older.label]
    assert cards[0].find("h3").find("a")["href"] == idaho.get_absolute_url()
    assert cards[0].find("p", "meta").text == "Statute · In effect · 2015"
    steps = cards[0].find("ol", "timeline").find_all("li")
    assert [step.text for step in steps] == [
        "January 12, 2015: Introduced",
        "March 19, 2015: Signed by the governor",
        "July 1, 2015: Took effect",
    ]
    assert not cards[1].find_all("ol")
    listed = section(doc, "state-entries").text
    assert "An Ohio step" not in listed
    for title in HIDDEN:
        assert title not in listed


def test_state_page_lists_posts_and_resources_about_the_state(client, entries):
    idaho, ohio = entries["ID"], entries["OH"]
    draft_entry = PolicyEntry.objects.get(title="Draft Idaho bill")
    shown_posts = [
        PostFactory(title="Tagged Idaho", tags=["Idaho"]),
        PostFactory(title="Tagged idaho in lower case", tags=["idaho"]),
        PostFactory(title="Related to HB 110"),
        PostFactory(title="Tagged and related", tags=["Idaho"]),
    ]
    idaho.related_posts.add(*shown_posts[2:])
    hidden_posts = [
        PostFactory(draft=True, title="Draft post tagged Idaho", tags=["Idaho"]),
        PostFactory(scheduled=True, title="Scheduled post tagged Idaho", tags=["Idaho"]),
        PostFactory(title="About Ohio", tags=["Ohio"]),
        PostFactory(title="Related to an Ohio entry"),
        PostFactory(title="Related only to a draft Idaho entry"),
        PostFactory(draft=True, title="Draft post related to HB 110"),
    ]
    ohio.related_posts.add(hidden_posts[3])
    draft_entry.related_posts.add(hidden_posts[4])
    idaho.related_posts.add(hidden_posts[5])
    shown_resources = [
        ResourceFactory(title="Idaho report", tags=["Idaho"]),
        ResourceFactory(title="Cited by HB 110"),
    ]
    idaho.related_resources.add(shown_resources[1])
    hidden_resources = [
        ResourceFactory(draft=True, title="Draft Idaho report", tags=["Idaho"]),
        ResourceFactory(scheduled=True, title="Scheduled Idaho report", tags=["Idaho"]),
        ResourceFactory(title="Cited only by a draft Idaho entry"),
        ResourceFactory(title="Ohio report", tags=["Ohio"]),
    ]
    draft_entry.related_resources.add(hidden_resources[2])

    about = section(parse(client.get("/policy/states/id/")), "about-state")

    lists = about.find_all("ul")
    posts = [a.text for a in lists[0].find_all("a")]
    resources = [a.text for a in lists[1].find_all("a")]
    # Posts newest first (the factory dates each later post earlier); resources by title.
    assert posts == [post.title for post in shown_posts]
    assert resources == sorted(resource.title for resource in shown_resources)
    for hidden in hidden_posts + hidden_resources:
        assert hidden.title not in about.text
    assert [h3.text for h3 in about.find_all("h3")] == ["Blog posts", "Resources"]


def test_state_page_without_related_content_has_no_about_section(client, entries):
    doc = parse(client.get("/policy/states/oh/"))

    assert not doc.find_all("section", aria_labelledby="about-state")


# ------------------------------------------------------------------------ entry pages


def test_entry_page_shows_facts_timeline_provisions_and_sources(client, entries):
    entry = entries["ID"]
    entry.session = "2015 regular"
    entry.save()
    EventFactory(entry=entry, date=date(2015, 7, 1), description="Took effect")
    EventFactory(entry=entry, date=date(2015, 3, 19), description="Signed by the governor")
    ProvisionFactory(
        entry=entry, citation="Idaho Code 33-1632", description="", url="https://law.example/1632"
    )
    ProvisionFactory(entry=entry, citation="Section 2", description="Mastery pilots.")
    SourceFactory(entry=entry, title="Bill text", url="https://legislature.idaho.gov/hb110")
    SourceFactory(entry=entry, title="Fiscal note", url="https://legislature.idaho.gov/fn")

    doc = parse(client.get(entry.get_absolute_url()))

    article = doc.find("article", "post")
    assert article.find("h1").text == "HB 110: Move from seat time toward mastery-based education"
    assert article.find("p", "kicker").text == "Idaho · Statute"
    assert article.find("p", "kicker").find("a")["href"] == "/policy/states/id/"
    facts = article.find("dl", "facts")
    terms = [dt.text for dt in facts.find_all("dt")]
    # Each fact once: the session names the year, and the timeline tells the dates.
    assert dict(zip(terms, [dd.text for dd in facts.find_all("dd")], strict=True)) == {
        "Status": "In effect",
        "Session": "2015 regular",
        "Topics": "Credit flexibility, Seat time",
    }  # fmt: skip
    topic_links = [a["href"] for a in facts.find_all("a")]
    assert topic_links == ["/policy/?topic=credit-flexibility", "/policy/?topic=seat-time"]
    assert entry.summary in article.find("div", "prose").text
    lists = {h2.text: h2 for h2 in article.find_all("h2")}
    assert list(lists) == ["Timeline", "Provisions", "Sources"]
    timeline = article.find("ol", "timeline").find_all("li")
    assert [li.text for li in timeline] == [
        "March 19, 2015: Signed by the governor",
        "July 1, 2015: Took effect",
    ]
    events = list(entry.events.order_by("date"))
    assert [li["id"] for li in timeline] == [f"event-{event.pk}" for event in events]
    provisions, sources = article.find_all("ul")
    items = provisions.find_all("li")
    # Each provision can be linked to, from a link of its own after its text.
    anchors = [li.find("a", "anchor-link") for li in items]
    assert [a["href"] for a in anchors] == [
        f"{entry.get_absolute_url()}#{li['id']}" for li in items
    ]
    assert [li["id"] for li in items] == [
        f"provision-{pk}" for pk in entry.provisions.order_by("pk").values_list("pk", flat=True)
    ]
    assert [li.text.removesuffix(a.text).strip() for li, a in zip(items, anchors, strict=True)] == [
        "Idaho Code 33-1632",
        "Section 2 — Mastery pilots.",
    ]
    links = [a["href"] for a in provisions.find_all("a") if "anchor-link" not in a.classes]
    assert links == ["https://law.example/1632"]
    assert [(a.text, a["href"]) for a in sources.find_all("a")] == [
        ("Bill text", "https://legislature.idaho.gov/hb110"),
        ("Fiscal note", "https://legislature.idaho.gov/fn"),
    ]


def test_entry_page_without_events_provisions_or_sources_leaves_them_out(client, entries):
    doc = parse(client.get(entries["NC"].get_absolute_url()))

    article = doc.find("article", "post")
    assert not article.find_all("h2")
    assert article.find("h1").text == "Intent to move to competency-based assessments"
    assert not doc.find_all("section", "related")


def test_entry_page_lists_published_related_posts_and_resources(client, entries):
    entry = entries["ID"]
    newer = PostFactory(title="Newer post", publish_at=timezone.now() - timedelta(days=1))
    older = PostFactory(title="Older post", publish_at=timezone.now() - timedelta(days=9))
    hidden_posts = [
        PostFactory(draft=True, title="Draft post"),
        PostFactory(scheduled=True, title="Scheduled post"),
    ]
    entry.related_posts.add(older, newer, *hidden_posts)
    report = ResourceFactory(title="A report")
    guide = ResourceFactory(title="B guide")
    hidden_resources = [
        ResourceFactory(draft=True, title="Draft resource"),
        ResourceFactory(scheduled=True, title="Scheduled resource"),
    ]
    entry.related_resources.add(guide, report, *hidden_resources)

    related = parse(client.get(entry.get_absolute_url())).find("section", "related")

    links = [(a.text, a["href"]) for a in related.find_all("a")]
    assert links == [
        ("Newer post", newer.get_absolute_url()),
        ("Older post", older.get_absolute_url()),
        ("A report", report.get_absolute_url()),
        ("B guide", guide.get_absolute_url()),
    ]


def test_unknown_entry_is_not_found(client):
    assert client.get("/policy/entries/no-such-entry/").status_code == 404


def test_a_published_entry_whose_slug_changes_redirects_from_the_old_address(client, entries):
    entry = entries["ID"]
    old_url = entry.get_absolute_url()
    entry.slug = "id-hb-110-mastery"
    entry.save()

    response = client.get(old_url)

    assert response.status_code == 301
    assert response["Location"] == "/policy/entries/id-hb-110-mastery/"


# ---------------------------------------------------------------------------- exports


def export(client, export_format, query=None):
    response = client.get(f"/policy/export.{export_format}", query or {})
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, body


def csv_rows(client, query=None):
    _response, body = export(client, "csv", query)
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == EXPORT_FIELDS
    return [dict(zip(EXPORT_FIELDS, row, strict=True)) for row in rows[1:]]


def json_rows(client, query=None):
    _response, body = export(client, "json", query)
    return json.loads(body)["entries"]


def expected_row(entry):
    """What an export should say about `entry`, straight from the database."""
    entry = PolicyEntry.objects.get(pk=entry.pk)
    return {
        "state": entry.state.code,
        "title": entry.title,
        "kind": entry.kind,
        "identifier": entry.identifier,
        "session": entry.session,
        "year": entry.year,
        "status": entry.policy_status,
        "introduced_on": entry.introduced_on,
        "enacted_on": entry.enacted_on,
        "effective_on": entry.effective_on,
        "topics": sorted(entry.topics.values_list("slug", flat=True)),
        "sponsors": [
            f"{s.name}{f' ({s.affiliation})' if s.affiliation else ''}, "
            f"{s.get_role_display().lower()}"
            for s in entry.sponsors.all()
        ],
        "summary": entry.summary,
        "url": f"http://testserver{entry.get_absolute_url()}",
    }


def from_json(row):
    return {
        **row,
        **{
            field: date.fromisoformat(row[field]) if row[field] is not None else None
            for field in ("introduced_on", "enacted_on", "effective_on")
        },
        "topics": sorted(row["topics"]),
    }


def from_csv(row):
    return {
        **row,
        "year": int(row["year"]),
        **{
            field: date.fromisoformat(row[field]) if row[field] else None
            for field in ("introduced_on", "enacted_on", "effective_on")
        },
        "topics": sorted(row["topics"].split(";")) if row["topics"] else [],
        "sponsors": row["sponsors"].split(";") if row["sponsors"] else [],
    }


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_exports_are_streamed_attachments(client, entries, export_format):
    response, _body = export(client, export_format)

    assert response["Content-Disposition"] == (
        f'attachment; filename="policy-entries.{export_format}"'
    )
    expected_type = {"csv": "text/csv", "json": "application/json"}[export_format]
    assert response["Content-Type"].split(";")[0] == expected_type


def test_csv_export_round_trips_the_published_entries(client, entries):
    rows = csv_rows(client)

    published = sorted(entries.values(), key=lambda entry: entry.pk)
    assert [from_csv(row) for row in rows] == [expected_row(entry) for entry in published]
    idaho = next(row for row in rows if row["state"] == "ID")
    assert idaho["topics"] == "credit-flexibility;seat-time"
    assert idaho["enacted_on"] == "2015-03-19"
    assert idaho["introduced_on"] == ""


def test_json_export_round_trips_the_published_entries(client, entries):
    rows = json_rows(client)

    published = sorted(entries.values(), key=lambda entry: entry.pk)
    assert [from_json(row) for row in rows] == [expected_row(entry) for entry in published]
    idaho = next(row for row in rows if row["state"] == "ID")
    assert idaho["topics"] == ["credit-flexibility", "seat-time"]
    assert idaho["year"] == 2015
    assert idaho["introduced_on"] is None


def test_exports_keep_text_exactly(client):
    entry = PolicyEntryFactory(
        title='Équité — "mastery", commas, and\nnew lines', summary="Line one\r\nLine two; ü ✓"
    )

    (row,) = csv_rows(client)
    (item,) = json_rows(client)

    assert from_csv(row) == from_json(item) == expected_row(entry)


def test_empty_exports_are_still_well_formed(client):
    assert csv_rows(client) == []
    assert json_rows(client) == []


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"state": "OH"}, ["OH"]),
        ({"kind": "pilot"}, ["OH"]),
        ({"policy_status": "in_effect"}, ["ID", "NH"]),
        ({"topic": "seat-time"}, ["ID", "NH"]),
        ({"year": "2017"}, ["NC"]),
        ({"state": "ID", "kind": "statute", "topic": "seat-time", "year": "2015"}, ["ID"]),
        ({"state": "NH", "topic": "assessment"}, []),
        ({}, ["ID", "OH", "NC", "NH"]),
    ],
)
def test_exports_honour_the_list_filters(client, entries, query, codes):
    expected = sorted(entries[code].pk for code in codes)
    by_url = {
        f"http://testserver{entry.get_absolute_url()}": entry.pk for entry in entries.values()
    }

    assert [by_url[row["url"]] for row in csv_rows(client, query)] == expected
    assert [by_url[row["url"]] for row in json_rows(client, query)] == expected
    listed = {e.label: e.pk for e in entries.values()}
    assert sorted(listed[title] for title in listed_entries(client.get("/policy/", query))) == (
        expected
    )


@pytest.mark.parametrize(
    "query",
    [{"state": "ZZ"}, {"kind": "bogus"}, {"policy_status": "nope"}, {"topic": "nope"},
     {"year": "abc"}, {"year": "99999"}, {"state": "ID", "year": "abc"}],
)  # fmt: skip
def test_exports_with_invalid_filters_match_the_list(client, entries, query):
    """The page's "Download this list" links carry its query: they must download that list."""
    assert listed_entries(client.get("/policy/", query)) == []
    assert csv_rows(client, query) == []
    assert json_rows(client, query) == []


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_formulas_but_json_keeps_the_text(client, prefix):
    title = f'{prefix}HYPERLINK("https://evil.example","x")'
    summary = f"{prefix}1+2"
    entry = PolicyEntryFactory(title=title, summary=summary, identifier=f"{prefix}SUM(A1)")

    (row,) = csv_rows(client)
    (item,) = json_rows(client)

    assert row["title"] == "'" + title
    assert row["summary"] == "'" + summary
    assert row["identifier"] == f"'{prefix}SUM(A1)"
    assert item["title"] == title
    assert item["summary"] == summary
    assert item["identifier"] == f"{prefix}SUM(A1)"
    assert from_json(item) == expected_row(entry)


def test_csv_leaves_ordinary_text_alone(client):
    PolicyEntryFactory(title="Plain title with = and + inside", summary="A - B @ C")

    (row,) = csv_rows(client)

    assert row["title"] == "Plain title with = and + inside"
    assert row["summary"] == "A - B @ C"


# ------------------------------------------------------------------------------- feeds


@pytest.fixture
def timeline(entries):
    """Events of published entries on three dates, and events of hidden entries newer still."""
    EventFactory(entry=entries["ID"], date=date(2015, 3, 19), description="Signed")
    EventFactory(entry=entries["ID"], date=date(2015, 7, 1), description="Took effect")
    EventFactory(entry=entries["OH"], date=date(2016, 1, 5), description="Pilot chosen")
    for title in HIDDEN:
        hidden = PolicyEntry.objects.get(title=title)
        EventFactory(entry=hidden, date=date(2020, 1, 1), description=f"Step of {title}")
    return entries


EXPECTED_FEED = [
    ("Ohio: HB 64: Competency-based education pilot — Pilot chosen", "OH"),
    ("Idaho: HB 110: Move from seat time toward mastery-based education — Took effect", "ID"),
    ("Idaho: HB 110: Move from seat time toward mastery-based education — Signed", "ID"),
]


def test_rss_feed_lists_events_of_published_entries_newest_first(client, timeline):
    response = client.get("/policy/feed/")

    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "CompetencyWorks: state policy changes"
    items = channel.findall("item")
    assert [(item.findtext("title"), item.findtext("link")) for item in items] == [
        (title, f"http://testserver{timeline[code].get_absolute_url()}")
        for title, code in EXPECTED_FEED
    ]
    assert items[0].findtext("description") == timeline["OH"].summary
    assert "05 Jan 2016" in items[0].findtext("pubDate")
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == 3
    assert all("#event-" in guid for guid in guids)


def test_atom_feed_lists_events_of_published_entries_newest_first(client, timeline):
    response = client.get("/policy/feed/atom/")

    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    items = feed.findall(f"{ATOM}entry")
    assert [
        (item.findtext(f"{ATOM}title"), item.find(f"{ATOM}link").get("href")) for item in items
    ] == [
        (title, f"http://testserver{timeline[code].get_absolute_url()}")
        for title, code in EXPECTED_FEED
    ]
    assert items[0].findtext(f"{ATOM}published").startswith("2016-01-05")


def test_feeds_are_linked_from_policy_pages(client, entries):
    for url in ("/policy/", "/policy/states/id/", entries["ID"].get_absolute_url()):
        doc = parse(client.get(url))
        feeds = [
            link["href"]
            for link in doc.find_all("link", rel="alternate")
            if link.get("type") == "application/rss+xml"
        ]
        assert "/policy/feed/" in feeds


def test_feed_shows_at_most_thirty_events(client):
    entry = PolicyEntryFactory()
    for n in range(35):
        EventFactory(entry=entry, date=date(2015, 1, 1) + timedelta(days=n))

    channel = ET.fromstring(client.get("/policy/feed/").content).find("channel")

    items = channel.findall("item")
    assert len(items) == 30
    assert items[0].findtext("title").endswith("— " + entry.events.last().description)


def test_feeds_of_an_empty_tracker_are_valid(client):
    for url in ("/policy/feed/", "/policy/feed/atom/"):
        response = client.get(url)
        assert response.status_code == 200
        ET.fromstring(response.content)


# ---------------------------------------------------------------------------- sitemaps


def sitemap_urls(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]


def test_sitemap_index_lists_the_policy_sections(client):
    urls = sitemap_urls(client, "/sitemap.xml")

    assert "http://testserver/sitemap-policy-entries.xml" in urls
    assert "http://testserver/sitemap-states.xml" in urls


def test_entries_sitemap_lists_published_entries_only(client, entries):
    urls = sitemap_urls(client, "/sitemap-policy-entries.xml")

    assert sorted(urls) == sorted(
        f"http://testserver{entry.get_absolute_url()}" for entry in entries.values()
    )


def test_states_sitemap_lists_every_state_page(client):
    urls = sitemap_urls(client, "/sitemap-states.xml")

    assert sorted(urls) == sorted(
        f"http://testserver/policy/states/{code.lower()}/" for code in ALL_JURISDICTIONS
    )
    for url in urls[:3]:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200


# ------------------------------------------------------------------------------- admin


class FormFields(HTMLParser):
    """The name/value pairs a browser would submit from the form with the given id."""

    SKIPPED = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.in_form, self.pairs = form_id, False, []
        self.textarea = self.select = None

    def add(self, name, value):
        if "__prefix__" not in name:  # an inline's template row is never submitted
            self.pairs.append((name, value))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        name = attrs.get("name")
        if not self.in_form or (not name and tag != "option"):
            return
        if tag == "input" and attrs.get("type", "text") not in self.SKIPPED:
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(name, attrs.get("value") or "on")
            else:
                self.add(name, attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = [name, []]
        elif tag == "select":
            self.select = [name, []]
        elif tag == "option" and self.select is not None and "selected" in attrs:
            self.select[1].append(attrs.get("value", ""))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            self.add(name, "".join(parts).removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, chosen = self.select
            for value in chosen:
                self.add(name, value)
            self.select = None


def form_data(response, form_id):
    assert response.status_code == 200
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def form_errors(response):
    context = response.context
    if context is None:
        return response.status_code
    errors = [context["adminform"].form.errors] if "adminform" in context else []
    errors += [formset.errors for formset in context.get("inline_admin_formsets", [])]
    errors += [
        formset.formset.non_form_errors() for formset in context.get("inline_admin_formsets", [])
    ]
    return errors


def test_entry_change_form_has_event_source_and_provision_inlines(admin_client, entries):
    entry = entries["ID"]
    EventFactory(entry=entry)
    SourceFactory(entry=entry)
    ProvisionFactory(entry=entry)

    data = form_data(
        admin_client.get(f"/admin/policy/policyentry/{entry.pk}/change/"), "policyentry_form"
    )

    for prefix in ("events", "sources", "provisions"):
        assert data[f"{prefix}-INITIAL_FORMS"] == "1"
    assert data["events-0-description"] == entry.events.get().description
    assert data["sources-0-url"] == entry.sources.get().url
    assert data["provisions-0-citation"] == entry.provisions.get().citation


def test_editor_adds_an_entry_with_an_event_a_source_and_a_provision(editor_client, editor):
    response = editor_client.get("/admin/policy/policyentry/add/")
    data = form_data(response, "policyentry_form")
    # What the rendered form offers: one blank event and source row, no provision row.
    assert (data["events-TOTAL_FORMS"], data["events-INITIAL_FORMS"]) == ("1", "0")
    assert (data["sources-TOTAL_FORMS"], data["sources-INITIAL_FORMS"]) == ("1", "0")
    assert (data["provisions-TOTAL_FORMS"], data["provisions-INITIAL_FORMS"]) == ("0", "0")
    assert "events-0-description" in data
    assert "sources-0-url" in data
    assert "base_version" in data

    data.update(
        {
            "state": str(state("ID").pk),
            "title": "Move from seat time toward mastery-based education",
            "kind": Kind.STATUTE,
            "identifier": "HB 110",
            "session": "2015",
            "year": "2015",
            "policy_status": Status.IN_EFFECT,
            "enacted_on": "2015-03-19",
            "summary": "Starts Idaho's shift toward mastery.",
            "topics": [str(Topic.objects.get(slug="seat-time").pk)],
            "tags": "Idaho, mastery",
            "status": Publishing.PUBLISHED,
            "change_comment": "First version.",
            "events-0-date": "2015-03-19",
            "events-0-description": "Signed by the governor",
            "sources-0-title": "Bill text",
            "sources-0-url": "legislature.idaho.gov/hb110",
            "provisions-TOTAL_FORMS": "1",
            "provisions-0-citation": "Idaho Code 33-1632",
            "provisions-0-description": "Mastery-based education.",
            "provisions-0-url": "",
        }
    )
    response = editor_client.post("/admin/policy/policyentry/add/", {**data, "_save": "Save"})

    assert response.status_code == 302, form_errors(response)
    entry = PolicyEntry.objects.get(identifier="HB 110")
    assert entry.slug == "id-hb-110-2015"
    assert entry.is_public
    assert entry.created_by == editor
    assert [(e.date, e.description) for e in entry.events.all()] == [
        (date(2015, 3, 19), "Signed by the governor")
    ]
    # A bare domain gets the secure scheme, as everywhere else in the admin.
    assert [(s.title, s.url) for s in entry.sources.all()] == [
        ("Bill text", "https://legislature.idaho.gov/hb110")
    ]
    assert [(p.citation, p.description) for p in entry.provisions.all()] == [
        ("Idaho Code 33-1632", "Mastery-based education.")
    ]
    assert list(entry.topics.values_list("slug", flat=True)) == ["seat-time"]
    assert sorted(entry.tags.names()) == ["Idaho", "mastery"]

    (version,) = Version.objects.get_for_object(entry)
    assert version.revision.user == editor
    assert version.revision.comment == "First version."
    stored = {v.content_type.model for v in version.revision.version_set.all()}
    assert {"policyentry", "event", "source", "provision"} <= stored
    assert version.field_dict["title"] == entry.title

    editor_client.logout()
    assert "Signed by the governor" in editor_client.get(entry.get_absolute_url()).content.decode()


def test_entry_admin_lists_the_publishing_state_of_each_entry(admin_client, entries):
    html = admin_client.get("/admin/policy/policyentry/").content.decode()

    badges = re.findall(r'<span class="state state-(\w+)">(\w+)</span>', html)
    assert sorted(badges) == sorted(
        [("published", "published")] * 4 + [("draft", "draft"), ("scheduled", "scheduled")]
    )


def test_state_admin_has_a_stage_history_inline_and_no_add_or_delete(admin_client):
    idaho = state("ID")
    StageChangeFactory(state=idaho, stage=Stage.EMERGING, effective_from=date(2010, 3, 1))
    url = f"/admin/policy/state/{idaho.pk}/change/"

    response = admin_client.get(url)
    data = form_data(response, "state_form")
    html = response.content.decode()

    assert data["stage_changes-TOTAL_FORMS"] == "1"
    assert data["stage_changes-INITIAL_FORMS"] == "1"
    assert data["stage_changes-0-stage"] == Stage.EMERGING
    assert 'name="code"' not in html  # code, name, FIPS and kind are read-only
    assert admin_client.get("/admin/policy/state/add/").status_code == 403
    assert admin_client.get(f"/admin/policy/state/{idaho.pk}/delete/").status_code == 403
    changelist = admin_client.get("/admin/policy/state/").content.decode()
    assert "/admin/policy/state/add/" not in changelist
    assert 'value="delete_selected"' not in changelist

    data.update(
        {
            "stage_changes-TOTAL_FORMS": "2",
            "stage_changes-1-stage": Stage.DEVELOPING,
            "stage_changes-1-effective_from": "2016-07-01",
            "stage_changes-1-reason": "HB 110 took effect.",
            "stage_changes-1-sources": "https://legislature.idaho.gov/hb110",
            "stage_changes-1-state": str(idaho.pk),
            "name": "Hacked",
        }
    )
    response = admin_client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302, form_errors(response)
    assert list(idaho.stage_changes.values_list("stage", "effective_from")) == [
        (Stage.DEVELOPING, date(2016, 7, 1)),
        (Stage.EMERGING, date(2010, 3, 1)),
    ]
    assert state("ID").name == "Idaho"
    assert map_label(parse(admin_client.get("/policy/")), "Idaho") == "Idaho: Developing"


# ------------------------------------------------------------------------ query counts


def make_entries(count):
    """`count` entries spread over states (a third in Idaho), each with topics, tags, events,
    a source, a provision and related content; the first one has `count` of each."""
    codes = ["ID", "OH", "NC"]
    states = {code: state(code) for code in codes}
    topics = ["seat-time", "assessment"]
    made = []
    for n in range(count):
        code = codes[n % 3]
        post = PostFactory(tags=[states[code].name])
        resource = ResourceFactory(tags=[states[code].name])
        entry = PolicyEntryFactory(
            state=states[code], year=2010 + n % 10, topics=topics, tags=["mastery", code],
            related_posts=[post], related_resources=[resource],
            enacted_on=date(2015, 3, 1), title=f"=Entry {n}",
        )  # fmt: skip
        copies = count if n == 0 else 2
        for _ in range(copies):
            EventFactory(entry=entry)
            SourceFactory(entry=entry)
            ProvisionFactory(entry=entry)
        if n == 0:
            with committed():
                entry.related_posts.add(*PostFactory.create_batch(count))
                entry.related_resources.add(*ResourceFactory.create_batch(count))
        made.append(entry)
        StageChangeFactory(state=states[code], effective_from=date(2000 + n, 1, 1))
    PolicyEntryFactory(draft=True, state=states["ID"])
    return made


QUERY_PAGES = [
    "/policy/",
    "/policy/?state=ID&kind=statute&policy_status=in_effect&topic=seat-time",
    "/policy/?map_year=2012&year=2012",
    "/policy/?state=ZZ",
    "/policy/states/id/",
    "{entry}",
    "/policy/feed/",
    "/policy/feed/atom/",
    "/policy/export.csv",
    "/policy/export.json",
    "/policy/export.csv?state=ID&topic=seat-time",
    "/policy/export.json?state=ID&topic=seat-time",
    "/sitemap-policy-entries.xml",
    "/sitemap-states.xml",
]


def queries_for(client, page, entries):
    url = page.format(entry=entries[0].get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:  # an export runs its queries as it is read
            b"".join(response.streaming_content)
    return len(queries)


def test_query_count_is_fixed_and_small(client):
    """Every page runs as many queries with 3 entries as with 33, and few. The entries are
    made once for all the pages: made for each page, they took 7 s a page."""
    entries = make_entries(3)
    few = {page: queries_for(client, page, entries) for page in QUERY_PAGES}
    entries = make_entries(30)
    many = {page: queries_for(client, page, entries) for page in QUERY_PAGES}

    grew = {page: (few[page], many[page]) for page in QUERY_PAGES if few[page] != many[page]}
    assert not grew, f"queries with 3 entries and with 33: {grew}"
    assert not {page: count for page, count in many.items() if count > MAX_PAGE_QUERIES}


def test_entries_filter_by_tags_all_or_any(client):
    idaho = State.objects.get(code="ID")
    both = PolicyEntryFactory(state=idaho, title="Both tags")
    both.tags.add("credit", "pilots")
    one = PolicyEntryFactory(state=idaho, title="One tag")
    one.tags.add("credit")
    all_of = client.get("/policy/", {"tag": ["credit", "pilots"]})
    any_of = client.get("/policy/", {"tag": ["credit", "pilots"], "match": "any"})
    assert [e.title for e in all_of.context["entries"]] == ["Both tags"]
    assert sorted(e.title for e in any_of.context["entries"]) == ["Both tags", "One tag"]
