"""Policy exports: the columns of the policy list's CSV and JSON downloads. The machinery
(caching per filter and content version, slots) is competencyworks.exports."""

from django.db.models import CharField, OuterRef, Value
from django.db.models.functions import Cast, Concat, LPad
from django.urls import reverse

from competencyworks.exports import (  # noqa: F401  (the policy list's export, as before)
    EXPORT_CHUNK_ROWS,
    EXPORT_SLOTS,
    client_slot_names,
    compressed,
    csv_lines,
    export_slot_names,
    joined,
    json_chunks,
    matching,
    split,
    taken_slot,
)
from policy.models import Sponsor, SponsorRole

EXPORT_FIELDS = [
    "state", "title", "kind", "identifier", "session", "year", "status", "introduced_on",
    "enacted_on", "effective_on", "topics", "sponsors", "summary", "url",
]  # fmt: skip


def build(request, filters, export_format):
    """The export's body, gzip-compressed, read from the database with one query."""
    # reverse() once, not per row: it cost more than the rest of a row. Slugs need no
    # quoting, so an entry's address is this prefix, its slug and a slash.
    entry_url = request.build_absolute_uri(reverse("policy:entry", args=["0"]))[:-2]
    rows = (
        export_row(entry_url, entry)
        for entry in matching(filters)
        .for_export()
        .annotate(sponsor_list=sponsors())
        .iterator(chunk_size=EXPORT_CHUNK_ROWS)
    )
    if export_format == "csv":
        return compressed(csv_lines(rows, EXPORT_FIELDS))
    return compressed(json_chunks(rows, "entries"))


def sponsors():
    """An entry's sponsors in one column of the export's query: each is its place in the
    list, name, role, party and chamber, separated by record separators."""

    def padded(field):
        return LPad(Cast(field, CharField()), 10, Value("0"))

    fields = [padded("order"), padded("pk"), "name", "role", "party", "chamber"]
    separated = [piece for field in fields for piece in (field, Value(SEPARATOR))][:-1]
    rows = Sponsor.objects.filter(entry=OuterRef("pk")).annotate(described=Concat(*separated))
    return joined(rows, "entry", "described")


SEPARATOR = "\x1e"
ROLES = dict(SponsorRole.choices)


def sponsor_text(described):
    """ "Jane Doe (R, Senate), primary sponsor" from a sponsors() value, as the entry page
    names a sponsor."""
    _order, _pk, name, role, *more = described.split(SEPARATOR)
    affiliation = ", ".join(part for part in more if part)
    role = ROLES.get(role, role).lower()
    return f"{name} ({affiliation}), {role}" if affiliation else f"{name}, {role}"


def export_row(entry_url, entry):
    """An entry as exports show it, from a for_export() row."""
    return {
        "state": entry["state_code"],
        "title": entry["title"],
        "kind": entry["kind"],
        "identifier": entry["identifier"],
        "session": entry["session"],
        "year": entry["year"],
        "status": entry["policy_status"],
        **{
            field: entry[field].isoformat() if entry[field] else None
            for field in ("introduced_on", "enacted_on", "effective_on")
        },
        "topics": sorted(entry["topic_slugs"].split(",")) if entry["topic_slugs"] else [],
        "sponsors": [sponsor_text(each) for each in sorted(split(entry["sponsor_list"]))],
        "summary": entry["summary"],
        "url": f"{entry_url}{entry['slug']}/",
    }
