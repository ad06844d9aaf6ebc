"""Demo content for a fresh site, in the project's own words."""

import hashlib
import io
import random
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from blog.models import SitePage
from competencyworks import revisions
from competencyworks.publishing import Status
from medialibrary.models import Image as LibraryImage

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
        "performance-assessment-trust",
        "k-12",
        "Competency-Based, Student-Centered Learning in K-12: Interdisciplinary Performance "
        "Assessments That Teachers Trust",
        ["Daniel Reyes", "Maya Okafor"],
        ["assessment", "performance assessment", "student agency"],
        33,
        [
            "A performance assessment asks students to use what they know on a task that matters "
            "outside school. Teachers trust the results only when they have scored work together.",
            "We spent a year of common planning time on calibration: scoring the same student "
            "work, arguing about it, and writing down what we agreed.",
        ],
        {},
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


# Colours of the site's palette that the drawings combine (navy, teal, plum, marigold, rust...).
PALETTE = [
    (18, 50, 74), (15, 107, 99), (106, 61, 154), (242, 169, 59), (168, 64, 12),
    (11, 93, 140), (241, 238, 231), (120, 180, 200), (230, 120, 90),
]  # fmt: skip
COVER_SIZE = (1280, 720)  # the large rendition's width: no bigger original to shrink


def rng_for(key):
    return random.Random(hashlib.sha256(key.encode()).digest())


def cover_image(key):
    """An abstract featured image, the same for a key on every run and distinct across keys:
    layered discs, bars and a band in the site's colours (JPEG bytes)."""
    rng = rng_for(key)
    colours = rng.sample(PALETTE, 5)
    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, colours[0])
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 6)):
        radius = rng.randint(height // 5, int(height / 1.6))
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=rng.choice(colours[1:]))
    # Rising bars, the "steps of mastery" of the logo, somewhere in the frame.
    bars, bar_width = rng.randint(3, 6), rng.randint(60, 110)
    left, base = rng.randint(80, width // 2), rng.randint(int(height * 0.7), height - 60)
    for n in range(bars):
        top = base - (n + 1) * rng.randint(60, 110)
        x = left + n * (bar_width + 24)
        draw.rounded_rectangle((x, top, x + bar_width, base), 14, fill=colours[(n % 4) + 1])
    band = rng.randint(height // 3, height - 120)
    draw.rectangle((0, band, width, band + 14), fill=colours[-1])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    # A short name: the post's image field holds 100 characters of the library's path.
    return ContentFile(out.getvalue(), name=f"{key[:60]}.jpg")


def portrait_image(name):
    """A square initials avatar on a colour of the palette (PNG bytes)."""
    rng = rng_for(name)
    size = 320
    background = rng.choice(PALETTE[:6])
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.55, -size * 0.2, size * 1.3, size * 0.55), fill=rng.choice(PALETTE))
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    draw.text((size / 2, size / 2), initials, fill="white", anchor="mm", font_size=140)
    out = io.BytesIO()
    image.save(out, "PNG")
    return ContentFile(out.getvalue(), name=f"{rng.randrange(10**8)}.png")


COVER_ALT = "An abstract drawing of rising bars and circles"
COVER_CREDIT = "Drawing made for the CompetencyWorks demo"


def add_pictures(posts, authors):
    """Featured images for the demo posts, as media library items the way an editor's upload
    on the post form files them (so the library has them to browse and reuse), and portraits
    for their authors; both stored through the image fields, so the renditions exist."""
    for post in posts:
        if not post.image:
            post.featured_image = LibraryImage.objects.create(
                file=cover_image(post.slug),
                title=post.title[:200],
                alt_text=COVER_ALT,
                credit=COVER_CREDIT,
            )
            post.save()  # copies the library item's file, alt text and credit to the post
    for author in authors:
        if not author.photo:
            author.photo = portrait_image(author.name)
            author.save(update_fields=["photo"])
