"""Table tests for blog.importers.detect: structure recovered from archived post text."""

from datetime import date

import pytest

from blog.importers.detect import (
    find_crosspost,
    find_series,
    series_key,
    split_glued_alt,
    standalone_captions,
)
from blog.importers.records import SeriesRef

# --- split_glued_alt -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # alt text run into the first word of the first paragraph
        (
            "eminenceI visited the district in August.",
            ("eminence", "I visited the district in August."),
        ),
        ("CThis piece first ran elsewhere.", ("C", "This piece first ran elsewhere.")),
        (
            "SpringPointWe’re glad to announce new schools.",
            ("SpringPoint", "We’re glad to announce new schools."),
        ),
        ("ChartingThis essay looks at policy.", ("Charting", "This essay looks at policy.")),
        ("iNACOL WebinarPlease sign up today.", ("iNACOL Webinar", "Please sign up today.")),
        (
            "NewsScreen Shot 2014-08-30 at 7.22.41 AM",
            ("News", "Screen Shot 2014-08-30 at 7.22.41 AM"),
        ),
        ("Figure 2It’s worth a look.", ("Figure 2", "It’s worth a look.")),
        ("district mapToday, ten schools opened.", ("district map", "Today, ten schools opened.")),
        # a lowercase file-name alt glued to any capitalised word
        (
            "voteStudents at the Center is hosting an award.",
            ("vote", "Students at the Center is hosting an award."),
        ),
        ("macOS is installed on every laptop.", ("", "macOS is installed on every laptop.")),
        ("eBooks are cheaper.", ("", "eBooks are cheaper.")),
        ("voteStudents", ("", "voteStudents")),
        # a capital after lowercase inside a name is not a seam
        ("McDonald’s opened a training center.", ("", "McDonald’s opened a training center.")),
        ("iPad carts arrived in every room.", ("", "iPad carts arrived in every room.")),
        ("iPhoto is where the pictures live.", ("", "iPhoto is where the pictures live.")),
        ("DeVos said little about it.", ("", "DeVos said little about it.")),
        ("LearningEdge published a profile.", ("", "LearningEdge published a profile.")),
        ("McIntosh County joined the network.", ("", "McIntosh County joined the network.")),
        # "LinkedIn" ends in an opening word but is one word
        ("Our LinkedIn page has the details.", ("", "Our LinkedIn page has the details.")),
        # a capital before a one-letter word: "USA" is not "US" + "A"
        ("USA today is a newspaper.", ("", "USA today is a newspaper.")),
        # ordinary openings with nothing glued on
        ("It’s no secret that grades matter.", ("", "It’s no secret that grades matter.")),
        ("Students in NYC wrote back.", ("", "Students in NYC wrote back.")),
        ("The K-12 team met on Friday.", ("", "The K-12 team met on Friday.")),
        ("I had a long week.", ("", "I had a long week.")),
        ("", ("", "")),
        # too many words before the seam to be alt text
        (
            "one two three four five six sevenThe end of the line.",
            ("", "one two three four five six sevenThe end of the line."),
        ),
        # the seam must be near the start
        (
            "A long opening sentence that runs on and on without stopping forThis reason.",
            ("", "A long opening sentence that runs on and on without stopping forThis reason."),
        ),
    ],
)
def test_split_glued_alt(paragraph, expected):
    assert split_glued_alt(paragraph) == expected


# --- standalone_captions ---------------------------------------------------------------

PROSE = "When I started teaching, nobody talked about mastery."


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # one short line before the prose is a caption
        (["Mary Bellavance", PROSE], ("", "Mary Bellavance", "", 1)),
        # two short lines: image alt, then caption
        (
            ["Eliot, Students, and Son in 2006", "Me with my class and my son, 2006", PROSE],
            ("Eliot, Students, and Son in 2006", "Me with my class and my son, 2006", "", 2),
        ),
        # never more than two lines
        (["Alt text", "A caption", "A heading", PROSE], ("Alt text", "A caption", "", 2)),
        # blank lines are skipped but counted, so lines[consumed:] is the body
        (["", "Mary Bellavance", "", PROSE], ("", "Mary Bellavance", "", 2)),
        # prose first: nothing to consume
        ([PROSE, "Short line"], ("", "", "", 0)),
        # sentence punctuation at the end makes a line prose
        (["Time to cast your vote!", PROSE], ("", "", "", 0)),
        (["Here is what we found:", PROSE], ("", "", "", 0)),
        (["She said “go.”", PROSE], ("", "", "", 0)),
        (["Wait for it…", PROSE], ("", "", "", 0)),
        # bullets and numbered items are list items, not captions
        (["• First item", PROSE], ("", "", "", 0)),
        (["- First item", PROSE], ("", "", "", 0)),
        (["1. First item", PROSE], ("", "", "", 0)),
        # a date line is not a caption
        (["January 16, 2018 by", PROSE], ("", "", "", 0)),
        (["Sept. 8, 2015", PROSE], ("", "", "", 0)),
        # too long to be a caption
        (["x" * 101, PROSE], ("", "", "", 0)),
        # no body after the short lines: not captions
        (["Only a heading"], ("", "", "", 0)),
        ([], ("", "", "", 0)),
        # a lone Title Case line of five or more words is a section heading
        (["Why Schools Should Rethink the Diploma", PROSE], ("", "", "", 0)),
        (["Students at the science fair", PROSE], ("", "Students at the science fair", "", 1)),
        # a caption stops at the first non-caption line, even a bullet
        (["Photo of the garden", "• Bullet", "Short"], ("", "Photo of the garden", "", 1)),
    ],
)
def test_standalone_captions(lines, expected):
    assert standalone_captions(lines) == expected


# --- find_crosspost --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "This post originally appeared at Getting Smart on September 15, 2015.",
            ("Getting Smart", date(2015, 9, 15), ""),
        ),
        # "the" before the publisher is dropped; abbreviated month with a dot
        (
            "This post originally appeared at the Clayton Christensen Institute on Sept. 8, 2015.",
            ("Clayton Christensen Institute", date(2015, 9, 8), ""),
        ),
        # text after the sentence is kept
        (
            "This post originally appeared at Students at the Center on January 2, 2018. "
            "Read Part 1 here.",
            ("Students at the Center", date(2018, 1, 2), "Read Part 1 here."),
        ),
        # no date
        ("This post originally appeared at EdSurge.", ("EdSurge", None, "")),
        ("This post originally appeared on EdSurge", ("EdSurge", None, "")),
        # other verbs and prepositions
        (
            "This article was originally published by the Aurora Institute on Jan. 4, 2019.",
            ("Aurora Institute", date(2019, 1, 4), ""),
        ),
        (
            "This piece was originally published on Education Week on March 3, 2017.",
            ("Education Week", date(2017, 3, 3), ""),
        ),
        (
            "This post first appeared in The Hechinger Report.",
            ("Hechinger Report", None, ""),
        ),
        (
            "This essay first appeared at KnowledgeWorks on Oct 12, 2016.",
            ("KnowledgeWorks", date(2016, 10, 12), ""),
        ),
        # a publisher with " on " in its name still leaves the date separate
        (
            "This post originally appeared at Thoughts on Learning on May 2, 2016.",
            ("Thoughts on Learning", date(2016, 5, 2), ""),
        ),
        # initials do not end the sentence
        (
            "This post originally appeared at U.S. News. More below.",
            ("U.S. News", None, "More below."),
        ),
        # an impossible date is dropped, the publisher kept
        (
            "This post originally appeared at Getting Smart on February 30, 2015.",
            ("Getting Smart", None, ""),
        ),
        # the sentence in the middle of a body; paragraphs keep their breaks
        (
            "Editor’s note. This post originally appeared at Getting Smart. Enjoy.\n\nNext.",
            ("Getting Smart", None, "Editor’s note. Enjoy.\n\nNext."),
        ),
        (
            "This post originally appeared at Getting Smart\n\n\n\nThe body.",
            ("Getting Smart", None, "The body."),
        ),
    ],
)
def test_find_crosspost(text, expected):
    assert find_crosspost(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "We published a report on grading last year.",
        "The idea first appeared in a faculty meeting.",
        "This post is about where ideas appear.",
        # still glued to its alt text: split_glued_alt runs first
        "CThis post originally appeared at Getting Smart.",
    ],
)
def test_find_crosspost_none(text):
    assert find_crosspost(text) is None


# --- find_series -----------------------------------------------------------------------

AGENCY = "student agency"
CHALLENGES = "challenges and opportunities emerging in education"
QUALITY = (
    "Quality and Equity by Design: Charting the Course for the Next Phase of "
    "Competency-Based Education"
)


def ref(title, part=None, total=None):
    return SeriesRef(title=title, key=series_key(title), part=part, total=total)


def untitled(name, part=None, total=None):
    """A series name that is not a title: the loader keeps it only if other posts share it."""
    return SeriesRef(name, series_key(name), part=part, total=total, titled=False)


@pytest.mark.parametrize(
    ("title", "paragraphs", "expected"),
    [
        # ordinal + "N-part series on X"
        (
            "A Title",
            ["Here is the third in a three-part series on student agency."],
            untitled(AGENCY, 3, 3),
        ),
        # "on a series about X", no total
        (
            "A Title",
            ["Hello again. Today brings the second post on a series about grading in Maine."],
            untitled("grading in Maine", 2),
        ),
        # "ORD and final article on X" without the word series
        (
            "A Title",
            ["We close with the fourth and final article on learner profiles."],
            untitled("learner profiles", 4, 4),
        ),
        (
            "A Title",
            ["Below is the fourth and final post in the series on learner profiles."],
            untitled("learner profiles", 4, 4),
        ),
        # "in the blog series on the report, X": the report title is the name
        (
            "A Title",
            [f"Welcome to the twelfth post in the blog series on the report, {QUALITY}."],
            ref(QUALITY, 12),
        ),
        # "introductory" is part 1
        (
            "A Title",
            [
                "What follows is the introductory article to an eight-part series based on how "
                "schools handle grading."
            ],
            untitled("how schools handle grading", 1, 8),
        ),
        (
            "A Title",
            ["Consider this the opening post in a 5-part series on rural schools."],
            untitled("rural schools", 1, 5),
        ),
        # "concluding" is the total; "by PERSON" is skipped, the name follows " on "
        (
            "Seeding the Future of Learning Today – Part 3",
            [
                "This is the concluding post in a three-part series by futurist Katherine Prince "
                "on the challenges and opportunities emerging in education. Part 1 is here."
            ],
            untitled(CHALLENGES, 3, 3),
        ),
        (
            "An Era Shift Raises Big Questions for Education – Part 1",
            [
                "Below, the first in a three-part series by Katherine Prince on the challenges "
                "and opportunities emerging in education."
            ],
            untitled(CHALLENGES, 1, 3),
        ),
        # "last" with no total anywhere: part unknown
        (
            "A Title",
            ["This is the last post in our series on assessment."],
            untitled("assessment", None, None),
        ),
        # "final" in prose, the part number from the title: total = part
        (
            "Assessment Stories – Part 5",
            ["This is the final post in our series on assessment."],
            untitled("assessment", 5, 5),
        ),
        # digit ordinals and digit totals
        (
            "A Title",
            ["This is the 3rd article in a 10-part series about school culture."],
            untitled("school culture", 3, 10),
        ),
        # "of posts on X"
        (
            "A Title",
            ["This is the second in a series of posts on peer review."],
            untitled("peer review", 2),
        ),
        # two mentions in one sentence: the one with an ordinal wins
        (
            "Micro-Credentialing at Kettle Moraine",
            [
                "This article belongs to part of a series on proficiency-based learning in "
                "Wisconsin and is the eighth in a ten-part series on Kettle Moraine. "
                "Please read the first post on Kettle Moraine before this one."
            ],
            ref("Kettle Moraine", 8, 10),
        ),
        # a membership mention alone gives a name
        (
            "A Title",
            ["This article is part of a series on personalized learning in Wisconsin."],
            untitled("personalized learning in Wisconsin"),
        ),
        # "part N of a series": this post's part when introduced by "This is"
        (
            "A Title",
            ["This is part 2 of a four-part series on math talks."],
            untitled("math talks", 2, 4),
        ),
        # "In part I of this three-part series": the total only; part and name from title
        (
            "Creating a Peer Coaching Program (Part 2)",
            [
                "This post originally appeared at Students at the Center. Read Part 1 here.",
                "Mary Bellavance",
                "In part I of this three-part series, I described how the district began.",
            ],
            ref("Creating a Peer Coaching Program", 2, 3),
        ),
        # only the first three paragraphs are read
        (
            "A Title",
            ["One.", "Two.", "Three.", "This is the second in a four-part series on math."],
            None,
        ),
        # a long name is cut at a word boundary near 100 characters
        (
            "A Title",
            ["This is the first in a two-part series on " + "very " * 30 + "long things."],
            untitled(("very " * 20).strip(), 1, 2),
        ),
        # the name is cut at the sentence end, quotes kept balanced
        (
            "A Title",
            ["This is the first in a four-part series on life “in the field.” More soon."],
            untitled("life “in the field”", 1, 4),
        ),
        # a name that is one quotation loses the quotes
        (
            "A Title",
            ["This is the first in a four-part series on “real life.” More soon."],
            ref("real life", 1, 4),
        ),
    ],
)
def test_find_series_prose(title, paragraphs, expected):
    assert find_series(title, paragraphs) == expected


def test_moving_toward_mastery_posts_share_a_key():
    third = find_series(
        "VOICES: Developing Teacher Mindsets",
        [
            "This is the third post in a ten-part series that aims to make concepts, themes, "
            "and strategies described in the Moving Toward Mastery: Growing, Developing and "
            "Sustaining Educators for Competency-Based Education report accessible and "
            "transferable. Other articles in the series are linked below."
        ],
    )
    second = find_series(
        "Entry Points",
        [
            "This is the second post in a ten-part series that aims to make concepts, themes "
            "and strategies described in the Moving Toward Mastery report accessible and "
            "transferable. The introduction to the series is here."
        ],
    )
    assert (third.part, third.total, second.part, second.total) == (3, 10, 2, 10)
    assert third.key == second.key
    assert third.title == second.title == "Moving Toward Mastery"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Creating a Peer Coaching Program (Part 2)", ref("Creating a Peer Coaching Program", 2)),
        (
            "Seeding the Future of Learning Today – Part 3",
            ref("Seeding the Future of Learning Today", 3),
        ),
        (
            "Seeding the Future of Learning Today — Part 3",
            ref("Seeding the Future of Learning Today", 3),
        ),
        (
            "Seeding the Future of Learning Today - Part 3",
            ref("Seeding the Future of Learning Today", 3),
        ),
        (
            "Seeding the Future of Learning Today: Part 3",
            ref("Seeding the Future of Learning Today", 3),
        ),
        ("Grading for Equity, Part II", ref("Grading for Equity", 2)),
        ("Grading for Equity Part IV", ref("Grading for Equity", 4)),
        ("Grading for Equity – Part Two", ref("Grading for Equity", 2)),
        ("Grading for Equity [Part 3 of 5]", ref("Grading for Equity", 3, 5)),
        ("Part One: Grading for Equity", ref("Grading for Equity", 1)),
        ("Part 2 – Grading for Equity", ref("Grading for Equity", 2)),
    ],
)
def test_find_series_title_marker(title, expected):
    assert find_series(title, []) == expected


@pytest.mark.parametrize(
    ("title", "paragraphs", "expected"),
    [
        # prose name wins over the title name; part from the title when prose has none
        (
            "An Era Shift Creates New Opportunities – Part 2",
            [
                "This series by Katherine Prince looks ahead. It is part of a series on the "
                "future of learning."
            ],
            untitled("future of learning", 2),
        ),
        # prose ordinal beats the title's number
        (
            "Grading Stories – Part 9",
            ["This is the third in a three-part series on grading."],
            untitled("grading", 3, 3),
        ),
        # total from the title when the prose has none
        (
            "Grading Stories (Part 2 of 4)",
            ["This is the second post in our series on grading."],
            untitled("grading", 2, 4),
        ),
        # a bare hint with a title marker: the title decides, the hint adds no part
        (
            "Creating a Peer Coaching Program (Part 2)",
            ["Read Part 1 here."],
            ref("Creating a Peer Coaching Program", 2),
        ),
    ],
)
def test_find_series_prose_and_title(title, paragraphs, expected):
    assert find_series(title, paragraphs) == expected


@pytest.mark.parametrize(
    ("title", "paragraphs"),
    [
        # bare hints only mark membership: no name, no series
        ("A Title", ["Read Part 1 here."]),
        ("A Title", ["Part 1 is here; Part 2 is here."]),
        ("A Title", ["Start the series here."]),
        ("A Title", ["The introduction to the series is here."]),
        ("A Title", ["Links to the other articles in the series are at the end of this post."]),
        # "series" in a title without a part marker
        ("Wrap-Up on the New Zealand Series", ["I’ll keep the series going next year."]),
        # ordinary prose about a series of something else
        ("A Title", ["The district ran a series of workshops on grading."]),
        ("A Title", ["We attended the first in a series of workshops on grading."]),
        ("A Title", ["This is part of a series of events on equity."]),
        # an ordinal without a series
        ("A Title", ["Please read the first post on Kettle Moraine before this one."]),
        # an ordinal series mention without a name and no title marker
        ("A Title", ["This is the second in a three-part series."]),
        # "In part I of this series" without a title marker has no name
        ("A Title", ["In part I of this three-part series, I wrote about coaching."]),
        # "part" in a title that is not a part marker
        ("Part of the Solution", []),
        ("Students Take Part in Design", []),
        ("", []),
    ],
)
def test_find_series_none(title, paragraphs):
    assert find_series(title, paragraphs) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kettle Moraine", "kettle moraine."),
        ("the Moving Toward Mastery report", "Moving Toward Mastery"),
        ("Maine’s schools", "Maines schools"),
        ("Competency-Based Education", "competency based education"),
    ],
)
def test_series_key_equal(a, b):
    assert series_key(a) == series_key(b)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Kettle Moraine", "kettle-moraine"),
        (QUALITY, "quality-equity-design-charting-course-next"),
        ("A Blog Series on the Report", "a-blog-series-on-the-report"),  # all small words
        ("", ""),
    ],
)
def test_series_key(name, key):
    assert series_key(name) == key


# --- the ways writers phrase series, cross-posts, captions and part links ---------------

from blog.importers.detect import (  # noqa: E402
    _sentences,
    find_part_links,
    is_title,
    link_parts,
    recognise,
    split_image_file_name,
    title_stem,
)
from blog.importers.records import PostRecord  # noqa: E402


@pytest.mark.parametrize(
    ("title", "paragraph", "expected"),
    [
        (
            "T",
            "This is the third installment in our series on Rural Schools.",
            ("Rural Schools", 3, None),
        ),
        (
            "T",
            "Here is the second article in a three-part series about Math Talks.",
            ("Math Talks", 2, 3),
        ),
        (
            "T",
            "This is the 2nd piece in a 4-part series on Learner Agency.",
            ("Learner Agency", 2, 4),
        ),
        ("T", "This is the fifth blog in our mini-series on Open Walls.", ("Open Walls", 5, None)),
        ("T", "Below is the third of four posts on Grading Reform.", ("Grading Reform", 3, 4)),
        ("T", "Welcome to part three in our series on Student Voice.", ("Student Voice", 3, None)),
        ("T", "This post is part 2 of a five-part series on Design Labs.", ("Design Labs", 2, 5)),
        (
            "T",
            "This is the last instalment in the series on “deeper learning.”",
            ("deeper learning", None, None),
        ),
        (
            "T",
            "This is the sixth episode of the series on Maker Spaces.",
            ("Maker Spaces", 6, None),
        ),
        (
            "Grading for Equity (Part III)",
            "Read parts one and two first.",
            ("Grading for Equity", 3, None),
        ),
        (
            "Grading for Equity – Part Two",
            "Start here: part 1 sets the scene.",
            ("Grading for Equity", 2, None),
        ),
        ("Part 2 of 4: Grading for Equity", "", ("Grading for Equity", 2, 4)),
    ],
)
def test_series_phrasings(title, paragraph, expected):
    found = find_series(title, [paragraph])
    assert (found.title, found.part, found.total, found.titled) == (*expected, True)


@pytest.mark.parametrize(
    ("paragraph", "name"),
    [
        (
            "This is the introductory article to an eight-part series based on the hard, "
            "stubborn questions that teachers in mastery schools face.",
            "hard, stubborn questions that teachers in mastery schools face",
        ),
        ("This is the second post in a series on grading in Maine.", "grading in Maine"),
    ],
)
def test_a_series_name_that_is_not_a_title_is_marked(paragraph, name):
    found = find_series("A Title", [paragraph])
    assert (found.title, found.titled) == (name, False)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Moving Toward Mastery", True),
        ("Quality and Equity by Design", True),
        ("iNACOL Symposium", True),
        ("HB 110 in Idaho", True),
        ("grading in Maine", False),
        ("complex, fundamental questions that practitioners face", False),
        ("Students who struggle with math", False),
        ("", False),
    ],
)
def test_is_title(name, expected):
    assert is_title(name) is expected


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Grading for Equity: Report Cards", "Grading for Equity"),
        ("Grading for Equity – Homework", "Grading for Equity"),
        ("Grading for Equity (Part 2)", "Grading for Equity"),
        ("Grading for Equity | Notes", "Grading for Equity"),
        ("Competency-Based Grading", ""),
    ],
)
def test_title_stem(title, stem):
    assert title_stem(title) == stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "This post originally appeared on Education Week on May 5, 2015. It continues here.",
            ("Education Week", date(2015, 5, 5), "It continues here."),
        ),
        ("Cross-posted from Getting Smart.", ("Getting Smart", None, "")),
        (
            "Crossposted from EdSurge on June 1, 2016. Enjoy.",
            ("EdSurge", date(2016, 6, 1), "Enjoy."),
        ),
        (
            "This article is cross-posted with permission from KnowledgeWorks.",
            ("KnowledgeWorks", None, ""),
        ),
        (
            "A version of this essay appeared in Education Week on Jan. 3, 2017.",
            ("Education Week", date(2017, 1, 3), ""),
        ),
        ("Reprinted with permission from the Aurora Institute.", ("Aurora Institute", None, "")),
        (
            "This blog post has been reposted from EdSurge. We thank them.",
            ("EdSurge", None, "We thank them."),
        ),
        ("Originally posted at Medium on March 1, 2019.", ("Medium", date(2019, 3, 1), "")),
        ("This column first ran in The Seattle Times.", ("Seattle Times", None, "")),
        (
            "This piece also appears on the Christensen Institute blog.",
            ("Christensen Institute blog", None, ""),
        ),
        (
            "This story was first published by Chalkbeat on Oct 2, 2018. More below.",
            ("Chalkbeat", date(2018, 10, 2), "More below."),
        ),
    ],
)
def test_crosspost_phrasings(text, expected):
    assert find_crosspost(text) == expected


def test_a_post_posted_in_response_is_not_a_crosspost():
    assert find_crosspost("This post was posted in response to your questions.") is None


PROSE2 = "Our district spent a year rebuilding its report cards around skills."


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Photo by Jane Doe.", PROSE2], ("", "", "Photo by Jane Doe.", 1)),
        (["Photo: Ann Lee/District", PROSE2], ("", "", "Photo: Ann Lee/District", 1)),
        (["Courtesy of the district.", PROSE2], ("", "", "Courtesy of the district.", 1)),
        (["Image credit: Lee Park", PROSE2], ("", "", "Image credit: Lee Park", 1)),
        (["© 2016 Carl Brown", PROSE2], ("", "", "© 2016 Carl Brown", 1)),
        (
            ["Students at work", "Photo by Sam Ito", PROSE2],
            ("", "Students at work", "Photo by Sam Ito", 2),
        ),
        (["Alt", "Caption", "Credit: Ana Ruiz", PROSE2], ("Alt", "Caption", "Credit: Ana Ruiz", 3)),
        # "Name, Title" is a caption however many capitalised words follow the comma
        (
            ["Rosa Delgado, Director of Teaching and Learning", PROSE2],
            ("", "Rosa Delgado, Director of Teaching and Learning", "", 1),
        ),
        (
            ["Ben Okafor, Principal, Lincoln Middle School", PROSE2],
            ("", "Ben Okafor, Principal, Lincoln Middle School", "", 1),
        ),
        # a credit and nothing after it is not a caption
        (["Photo by Jane Doe."], ("", "", "", 0)),
        # a photo sentence in the prose is no credit
        (
            ["Photos of the event are on our site, and the video is coming soon. " * 2, PROSE2],
            ("", "", "", 0),
        ),
    ],
)
def test_caption_and_credit_lines(lines, expected):
    assert standalone_captions(lines) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read Part 1 here.", [("Part 1", 1)]),
        ("read part one here", [("part one", 1)]),
        ("Part 1 is here; Part 2 is here.", [("Part 1", 1), ("Part 2", 2)]),
        ("Read parts one and two first.", [("parts one", 1), ("two", 2)]),
        ("Start here: part 1 of the series.", [("part 1", 1)]),
        ("Catch up on Part I and Part II.", [("Part I", 1), ("II", 2)]),
        ("Parts 1, 2 and 3 can be found here.", [("Parts 1", 1), ("2", 2), ("3", 3)]),
        ("See the previous part 3 for data.", [("part 3", 3)]),
        ("Begin with Part One.", [("Part One", 1)]),
        ("Revisit part 4 if you missed it.", [("part 4", 4)]),
        ("We took part in 3 events.", []),
        ("Part 2 will follow next week.", []),
    ],
)
def test_find_part_links(text, expected):
    assert [(text[a:b], part) for a, b, part in find_part_links(text)] == expected


def test_link_parts_links_known_parts_outside_existing_links():
    body = '<p>Read Part 1 here. <a href="/old/">Part 2 is here</a>. Part 3 is here.</p>'
    assert link_parts(body, {1: "/p1/", 2: "/p2/"}.get) == (
        '<p>Read <a href="/p1/">Part 1</a> here. <a href="/old/">Part 2 is here</a>. '
        "Part 3 is here.</p>"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "NewsScreen Shot 2014-08-30 at 7.22.41 AM",
            ("News", "Screen Shot 2014-08-30 at 7.22.41 AM"),
        ),
        ("Screenshot_2019-01-02-10-00-00.png", ("", "Screenshot_2019-01-02-10-00-00.png")),
        ("Resources IMG_2041.JPG", ("Resources", "IMG_2041.JPG")),
        ("team-photo.jpg Our team", ("Our team", "team-photo.jpg")),
        ("Helpful Resources", None),
        ("x" * 48_000, None),
    ],
)
def test_split_image_file_name(line, expected):
    assert split_image_file_name(line) == expected


def test_recognise_reads_an_html_body_and_takes_the_notice_out():
    record = PostRecord(
        import_key="k",
        title="Rethinking Homework – Part 2",
        source="s",
        body='<p>This post originally appeared at <a href="https://example.org/h">Edutopia</a> '
        "on May 5, 2015.</p><p>This is the second of three posts on Homework Policy.</p>",
    )
    recognise(record)
    assert (record.crosspost_source, record.crosspost_date) == ("Edutopia", date(2015, 5, 5))
    assert record.crosspost_url == "https://example.org/h"
    assert record.body == "<p>This is the second of three posts on Homework Policy.</p>"
    assert (record.series.title, record.series.part, record.series.total) == (
        "Homework Policy", 2, 3,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("One here. Two there.", ["One here.", "Two there."]),
        ("Wait... What? Yes!! Fine.", ["Wait...", "What?", "Yes!!", "Fine."]),
        ('He said "go." Then left.', ['He said "go."', "Then left."]),
        ("Ask Dr. Lee. Then the U.S. Senate.", ["Ask Dr. Lee.", "Then the U.S. Senate."]),
        ("No capital. after this. Ever", ["No capital. after this.", "Ever"]),
        ("Trailing marks...", ["Trailing marks..."]),
        ("…then more… Next one.", ["…then more…", "Next one."]),
    ],
)
def test_paragraphs_split_into_sentences_at_runs_of_end_marks(paragraph, sentences):
    assert _sentences(paragraph) == sentences
