"""Demo policy data: only facts reported in the archive, summaries in the project's words.

States the archive says nothing about stay "not assessed": no stage is made up.
"""

from datetime import date

from competencyworks import revisions
from competencyworks.publishing import Status as Publishing
from policy.models import Kind, PolicyEntry, Stage, StageChange, State, Status, Topic

ENTRIES = [
    {
        "state": "ID", "title": "Move from seat time toward mastery-based education",
        "kind": Kind.STATUTE, "identifier": "HB 110", "session": "2015", "year": 2015,
        "policy_status": Status.IN_EFFECT, "enacted_on": date(2015, 3, 19),
        "effective_on": date(2015, 7, 1), "topics": ["seat-time", "credit-flexibility"],
        "summary": "Starts Idaho's shift away from counting hours in class and toward a system "
        "in which students progress by showing mastery.",
        "events": [
            (date(2015, 3, 19), "Signed by the governor"), (date(2015, 7, 1), "Took effect"),
        ],
    },
    {
        "state": "OH", "title": "Competency-based education pilot",
        "kind": Kind.PILOT, "identifier": "HB 64", "session": "2015", "year": 2015,
        "policy_status": Status.IN_EFFECT, "topics": ["pilots-and-innovation-zones"],
        "summary": "Lets five selected applicants plan and run competency-based programs over "
        "the pilot period, the 2015-16 through 2018-19 school years.",
        "events": [],
    },
    {
        "state": "NC", "title": "Intent to move to competency-based assessments",
        "kind": Kind.BUDGET, "identifier": "", "session": "2015", "year": 2015,
        "policy_status": Status.INTRODUCED, "topics": ["assessment"],
        "summary": "Budget language stating the General Assembly's intent to move toward "
        "testing that uses competency-based assessments, and encouraging the State Board of "
        "Education to study whether that is feasible. No funding was attached.",
        "events": [(date(2015, 9, 15), "Appeared in the budget conference report")],
        "provisions": [("Section 8.12", "Statement of intent (a) and the State Board study (b).")],
    },
    {
        "state": "NH", "title": "Carnegie unit removed from graduation requirements",
        "kind": Kind.REGULATION, "identifier": "", "session": "", "year": 2005,
        "policy_status": Status.IN_EFFECT, "topics": ["seat-time", "proficiency-based-graduation"],
        "summary": "New Hampshire stopped defining high school graduation by the Carnegie "
        "unit, opening the way to credit based on demonstrated competency.",
        "events": [],
    },
]  # fmt: skip

STAGES = [
    ("NH", Stage.ADVANCED, date(2005, 1, 1),
     "Graduation requirements no longer rest on the Carnegie unit (2005)."),
    ("ID", Stage.DEVELOPING, date(2015, 7, 1),
     "HB 110 took effect, moving the state toward mastery-based education."),
    ("OH", Stage.EMERGING, date(2015, 7, 1),
     "A competency-based pilot under HB 64 runs from the 2015-16 school year."),
    ("NC", Stage.EMERGING, date(2015, 9, 15),
     "Budget language set the intent to move to competency-based assessments."),
]  # fmt: skip


def load(comment):
    """Create the demo entries and stages once, each entry with a first revision under
    `comment`; return how many entries were made."""
    states = {state.code: state for state in State.objects.all()}
    made = []
    for data in ENTRIES:
        data = dict(data)
        state = states[data.pop("state")]
        topics, events = data.pop("topics"), data.pop("events")
        provisions = data.pop("provisions", [])
        if PolicyEntry.objects.filter(state=state, title=data["title"]).exists():
            continue
        entry = PolicyEntry.objects.create(state=state, status=Publishing.PUBLISHED, **data)
        entry.topics.set(Topic.objects.filter(slug__in=topics))
        for day, description in events:
            entry.events.create(date=day, description=description)
        for citation, description in provisions:
            entry.provisions.create(citation=citation, description=description)
        made.append(entry)
    revisions.record_revisions(made, comment)
    for code, stage, since, reason in STAGES:
        StageChange.objects.get_or_create(
            state=states[code], effective_from=since, defaults={"stage": stage, "reason": reason}
        )
    return len(made)
