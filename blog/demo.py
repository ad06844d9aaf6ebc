"""Demo content for a fresh site, in the project's own words."""

from datetime import date, timedelta

from django.utils import timezone

from blog.models import SitePage
from competencyworks import revisions
from competencyworks.publishing import Status

AUTHORS = [
    (
        "Maya Okafor",
        "Maya leads a district team redesigning grading around clear learning targets.",
    ),
    ("Daniel Reyes", "Daniel teaches high-school science and writes about student agency."),
    ("Priya Natarajan", "Priya studies competency-based degree programs at public universities."),
    ("Tom Lindqvist", "Tom follows state education policy for a regional research office."),
]

SERIES = {
    "title": "Redesigning Grading, Step by Step",
    "slug": "redesigning-grading",
    "description": (
        "One district's three-year move from points and averages to evidence of learning."
    ),
    "planned_parts": 3,
}

# (key, section, title, authors, tags, days_ago, body paragraphs, extra)
POSTS = [
    (
        "grading-part-1",
        "k-12",
        "Why We Stopped Averaging Grades",
        ["Maya Okafor"],
        ["grading", "assessment", "district leadership"],
        40,
        [
            "For years our report cards told families how compliant their children were, not what "
            "they had learned. A single late assignment could sink a grade long after the student "
            "had mastered the skill.",
            "This first part explains the question that started our work: what would a grade look "
            "like if it described learning and nothing else?",
        ],
        {"series_part": 1},
    ),
    (
        "grading-part-2",
        "k-12",
        "Writing Learning Targets Teachers Can Use",
        ["Maya Okafor", "Daniel Reyes"],
        ["grading", "learning targets"],
        26,
        [
            "Our first drafts of learning targets were either too vague to assess or so narrow "
            "they turned into checklists. We rewrote them three times.",
            "<ul><li>Each target names a skill a student can show.</li><li>Each has a short "
            "description of what proficient work looks like.</li><li>Teachers in the same course "
            "agree on both.</li></ul>",
        ],
        {"series_part": 2},
    ),
    (
        "grading-part-3",
        "k-12",
        "What Families Asked When Report Cards Changed",
        ["Maya Okafor"],
        ["grading", "family engagement"],
        12,
        [
            "The new report card arrived in the spring, and so did the questions. Most families "
            "wanted to know one thing: is my child on track?",
            "We answered with evening sessions, a one-page guide, and a promise to revisit the "
            "format after a year of feedback.",
        ],
        {"series_part": 3},
    ),
    (
        "student-agency-lab",
        "k-12",
        "Student Agency Starts With Choosing the Evidence",
        ["Daniel Reyes"],
        ["student agency", "assessment"],
        9,
        [
            "When students pick how they will show what they know, they spend more time on the "
            "learning and less on guessing what the teacher wants.",
            "<h2>What changed in my lab</h2><p>Students now propose an experiment, a model or a "
            "written explanation for each target, and we agree on the criteria together.</p>",
        ],
        {},
    ),
    (
        "credit-for-prior-learning",
        "higher-education",
        "Credit for What Adults Already Know",
        ["Priya Natarajan"],
        ["prior learning", "adult learners", "assessment"],
        20,
        [
            "Working adults arrive at college with years of experience. Competency-based programs "
            "let them prove it instead of sitting through courses they could teach.",
            "The hard part is not the policy; it is building assessments that faculty trust.",
        ],
        {},
    ),
    (
        "direct-assessment-aid",
        "higher-education",
        "Financial Aid Rules for Direct Assessment Programs",
        ["Priya Natarajan", "Tom Lindqvist"],
        ["financial aid", "policy"],
        15,
        [
            "Programs that measure learning rather than seat time still have to fit aid rules "
            "written for the credit hour. Here is how three institutions made it work.",
        ],
        {
            "crosspost_publisher": "The Learning Policy Review",
            "crosspost_url": "https://example.org/learning-policy-review/direct-assessment-aid",
            "crosspost_days_ago": 17,
        },
    ),
    (
        "state-seat-time-waivers",
        "k-12",
        "A Quick Guide to Seat-Time Waivers",
        ["Tom Lindqvist"],
        ["policy", "seat time"],
        5,
        [
            "Many states let districts award credit based on demonstrated mastery instead of "
            "hours in a classroom. The rules differ, and so does the paperwork.",
            "<table><thead><tr><th>Approach</th><th>What districts do</th></tr></thead><tbody>"
            "<tr><td>Blanket waiver</td><td>Apply once for all courses</td></tr><tr><td>Course "
            "waiver</td><td>Apply course by course</td></tr></tbody></table>",
        ],
        {},
    ),
]

SCHEDULED = (
    "summer-institute-preview",
    "k-12",
    "Coming Soon: Notes From the Summer Institute",
    ["Daniel Reyes"],
    ["professional learning"],
    ["A preview of the sessions we are most looking forward to this summer."],
)
DRAFT = (
    "pathways-draft",
    "higher-education",
    "Draft: Stackable Credentials and Career Pathways",
    ["Priya Natarajan"],
    ["career pathways"],
    ["Notes in progress on how short credentials can add up to a degree."],
)


def days_ago(days):
    return date.today() - timedelta(days=days)


# The site's own pages: (slug, title, where linked, position, body).
SITE_PAGES = [
    (
        "about",
        "About",
        "navigation",
        0,
        "<p>CompetencyWorks shares what practitioners are learning as schools and colleges move "
        "from seat time to showing mastery.</p><h2>What you will find here</h2><ul><li>Stories "
        "and analysis from classrooms, districts and campuses</li><li>A library of reports, "
        "tools and webinars</li><li>A tracker of state policy on competency-based education"
        "</li></ul>",
    ),
    (
        "contact",
        "Contact",
        "footer",
        0,
        "<p>Have a story from your school, a correction or a question? Write to the editors at "
        '<a href="mailto:editors@example.org">editors@example.org</a>; we read everything and '
        "answer most messages within a week.</p>",
    ),
    (
        "newsletter",
        "Newsletter",
        "footer",
        1,
        "<p>Once a month we send the posts readers found most useful, new resources in the "
        "library and the state policy changes worth knowing about. No advertising, and you can "
        "leave with one click.</p>",
    ),
]


def load_site_pages(comment):
    """Create the demo site pages once, each with a first revision under `comment`."""
    made = []
    for slug, title, show_in, position, body in SITE_PAGES:
        if SitePage.objects.filter(slug=slug).exists():
            continue
        made.append(
            SitePage.objects.create(
                slug=slug,
                title=title,
                show_in=show_in,
                position=position,
                body=body,
                status=Status.PUBLISHED,
                publish_at=timezone.now(),
            )
        )
    revisions.record_revisions(made, comment)
    return len(made)
