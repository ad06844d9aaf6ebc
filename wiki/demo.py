"""Demo content for the wiki, in the project's own words. URLs point at example.org."""

from django.utils import timezone

from competencyworks import revisions
from competencyworks.publishing import Status
from wiki.models import Kind, Page, Resource, Topic

TOPICS = [
    ("Assessment", None, "How students show what they know."),
    ("Rubrics", "Assessment", "Shared descriptions of quality work."),
    ("Performance tasks", "Assessment", "Complex tasks that ask students to apply learning."),
    ("Policy", None, "State and federal rules that shape schools."),
    ("Seat time", "Policy", "Credit tied to hours in class, and the alternatives."),
    ("Teaching practice", None, "What changes in classrooms."),
    ("Higher education", None, "Competency-based programs at colleges and universities."),
]

# (title, kind, publisher, authors, year, topics, tags, summary)
RESOURCES = [
    ("A Field Guide to Mastery Grading", Kind.REPORT, "Learning Futures Lab", "Ana Ruiz, Ben Cole",
     2021, ["Rubrics"], ["grading", "assessment"],
     "Walks a school team from points to evidence of mastery, with sample report cards."),
    ("Designing Performance Tasks That Matter", Kind.BOOK, "Open Classroom Press", "Dana Whitfield",
     2019, ["Performance tasks"], ["assessment", "projects"],
     "A practical book on writing tasks that ask students to transfer what they learned."),
    ("Credit Flexibility in Five States", Kind.REPORT, "State Policy Review", "Marcus Green",
     2022, ["Seat time", "Policy"], ["policy", "credit"],
     "Compares how five states let districts award credit for demonstrated learning."),
    ("What Is Competency-Based Education?", Kind.VIDEO, "Learning Futures Lab", "",
     2020, ["Teaching practice"], ["introduction"],
     "A six-minute introduction for families and new teachers."),
    ("Rubric Builder", Kind.TOOL, "Open Classroom Press", "",
     2023, ["Rubrics"], ["grading", "tools"],
     "A free web tool for drafting rubrics with colleagues and sharing them."),
    ("Webinar: Moving Beyond Seat Time", Kind.WEBINAR, "State Policy Review", "M. Green, L. Park",
     2021, ["Seat time"], ["policy"],
     "A recorded panel of state officials on waivers, pilots and lessons learned."),
    ("Network for Personalized Learning", Kind.ORGANISATION, "", "",
     None, ["Teaching practice"], ["networks"],
     "A nonprofit network of districts sharing tools for student-centered learning."),
    ("Competency Programs in Community Colleges", Kind.ARTICLE, "Higher Ed Weekly", "Priya Shah",
     2022, ["Higher education"], ["higher education", "credit"],
     "Profiles three colleges that let working adults progress by demonstrating skills."),
    ("Student Voice in Assessment", Kind.ARTICLE, "Teaching Today", "Sam Okoro",
     2018, ["Assessment"], ["student agency", "assessment"],
     "Argues for students co-designing the evidence they submit, with classroom examples."),
    ("The Mastery Transcript Explained", Kind.WEBSITE, "Transcript Project", "",
     2020, ["Assessment", "Higher education"], ["transcripts"],
     "Explains a transcript that lists demonstrated competencies instead of course grades."),
    ("Calibrating Teacher Judgment", Kind.REPORT, "Learning Futures Lab", "Ana Ruiz",
     2023, ["Rubrics", "Teaching practice"], ["assessment", "professional learning"],
     "How teams score the same work together until their ratings agree."),
    ("Pacing Guides for Flexible Classrooms", Kind.TOOL, "Open Classroom Press", "",
     2022, ["Teaching practice"], ["pacing", "tools"],
     "Templates that help teachers track where each student is without losing the class."),
]  # fmt: skip

PAGES = [
    ("Competency-based education",
     "Competency-based education is a way of organizing school so that students move ahead "
     "when they show mastery, not when the calendar says so.\n\n"
     "Key ideas:\n\n* clear learning targets ([[Learning targets]])\n"
     "* meaningful assessment ([[Performance task|performance tasks]])\n"
     "* support when students need it\n\nSee also [[Seat time]] and [[Mastery transcript]].",
     ["Teaching practice"]),
    ("Seat time",
     "**Seat time** is credit earned by hours in a classroom. Many states now allow "
     "[[Competency-based education|credit for demonstrated learning]] instead.",
     ["Seat time"]),
    ("Learning targets",
     "A learning target says what a student will be able to do, in words the student can "
     "use. Targets are the backbone of [[Competency-based education]].",
     ["Assessment"]),
    ("Performance task",
     "A performance task asks students to apply what they know to a new, realistic problem. "
     "Teams often score them with shared rubrics; see [[Learning targets]].",
     ["Performance tasks"]),
]  # fmt: skip


def load(comment):
    """Create the demo topics, resources and pages once, each with a first revision under
    `comment`; return how many resources were made."""
    topics = {}
    for name, parent, description in TOPICS:
        topics[name], _ = Topic.objects.get_or_create(
            name=name, defaults={"parent": topics.get(parent), "description": description}
        )
    made = []
    now = timezone.now()
    for title, kind, publisher, authors, year, topic_names, tags, summary in RESOURCES:
        if Resource.objects.filter(title=title).exists():
            continue
        slug_part = title.lower().replace(" ", "-").replace(":", "").replace("?", "")
        resource = Resource.objects.create(
            title=title, kind=kind, publisher=publisher, authors=authors, year=year,
            summary=summary, url=f"https://example.org/resources/{slug_part}",
            status=Status.PUBLISHED, publish_at=now,
        )  # fmt: skip
        resource.topics.set([topics[name] for name in topic_names])
        resource.tags.set(tags)
        made.append(resource)
    created = len(made)
    for title, body, topic_names in PAGES:
        if Page.objects.filter(title=title).exists():
            continue
        page = Page.objects.create(title=title, body=body, status=Status.PUBLISHED, publish_at=now)
        page.topics.set([topics[name] for name in topic_names])
        made.append(page)
    revisions.record_revisions(made, comment)
    return created
