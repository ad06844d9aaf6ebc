"""Recover structure from the plain text of one archived post.

Old posts reach us as saved plain-text listing pages: the HTML is gone, so an image's
alt text is glued to the first word of the post, captions stand alone as short lines,
the "This post originally appeared at ..." note is ordinary prose, and a post's place
in a series is only stated in words ("the third in a ten-part series on ...") or in
the title ("... – Part 3").  The functions here read that text back into fields.

Everything is pure: plain strings in, plain values (or a SeriesRef) out, standard
library only, no Django and no database, so each rule can be table-tested.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from blog.importers.records import SeriesRef

__all__ = [
    "FINAL_WORDS",
    "NUMBERS",
    "OPENING_WORDS",
    "ORDINALS",
    "find_crosspost",
    "find_series",
    "series_key",
    "split_glued_alt",
    "standalone_captions",
]

# --- numbers, ordinals, months ------------------------------------------------------

_NUMBER_WORDS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    "twenty"
)  # fmt: skip
_ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth"
)  # fmt: skip
_ROMAN_WORDS = (
    "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv",
    "xv", "xvi", "xvii", "xviii", "xix", "xx"
)  # fmt: skip

NUMBERS = {word: n for n, word in enumerate(_NUMBER_WORDS, 1)}
ORDINALS = {word: n for n, word in enumerate(_ORDINAL_WORDS, 1)} | {
    "introductory": 1,
    "opening": 1,
}
# These ordinals mean "the last one": the part number is the series' total.
FINAL_WORDS = frozenset({"concluding", "final", "last"})
_ROMAN = {word: n for n, word in enumerate(_ROMAN_WORDS, 1)}

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip


def _alternation(words):
    """A regex alternation that tries longer words first ("seventeen" before "seven")."""
    return "|".join(sorted(words, key=len, reverse=True))


_ORD = rf"(?:{_alternation([*ORDINALS, *FINAL_WORDS])}|\d{{1,2}}(?:st|nd|rd|th))"
_TOTAL = rf"(?:{_alternation(NUMBERS)}|\d{{1,2}})"
_PART_NUM = rf"(?:{_alternation([*NUMBERS, *_ROMAN])}|\d{{1,2}})\b"
_DASH = r"[-‐‑–—]"
_N_PART = rf"(?P<total>{_TOTAL})(?:{_DASH}|\s+)part\s+"
_MONTH = _alternation(name.capitalize() for name in _MONTHS)
_DATE = rf"(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"


def _number(token):
    """The integer a part/total token stands for: 3, "3rd", "third", "three" or "III"."""
    token = token.lower()
    if token.isdigit():
        return int(token)
    if token[:-2].isdigit():  # 1st, 2nd, 3rd, 12th
        return int(token[:-2])
    return ORDINALS.get(token) or NUMBERS.get(token) or _ROMAN.get(token)


# --- 1. image alt text glued to the first word ---------------------------------------

# Words a post's first sentence plausibly starts with.  The saved page ran an image's
# alt text straight into the first word ("eminenceI had a chance"); a capital letter
# inside a word only marks such a seam when the rest starts with one of these words.
# Contractions ("We’re", "It’s") are matched as the bare word plus an apostrophe.
OPENING_WORDS = frozenset(
    {
        "I", "We", "You", "He", "She", "They", "It", "This", "That", "These", "Those", "There",
        "Here", "The", "A", "An", "In", "On", "At", "As", "For", "From", "With", "By", "To",
        "Our", "My", "Your", "Their", "His", "Her", "Its", "When", "What", "How", "Why", "Where",
        "Who", "While", "If", "Once", "Today", "Yesterday", "Last", "Next", "Over", "After",
        "Before", "During", "Since", "Each", "Every", "One", "Many", "Most", "Some", "All",
        "Recently", "Earlier", "Welcome", "Please", "Join", "Read", "Screen", "Photo", "Image",
        "Video", "Register", "Meet", "Let", "Imagine"
    }
)  # fmt: skip
# Real words whose capitalised tail is an opening word ("LinkedIn"): never split them.
_CAMEL_COMPOUNDS = frozenset(
    {"linkedin", "login", "logon", "signin", "signon", "checkin", "plugin", "addon",
     "optin", "buyin", "dropin", "walkin", "builtin", "handson", "standin"}
)  # fmt: skip
_GLUE_WINDOW = 60  # the seam is near the start: alt text is short
_MAX_ALT_WORDS = 6
_OPENING_AT = re.compile(r"([A-Z][a-z]*)(?=[’'][a-z]+\s|,?\s)")
_LAST_LETTERS = re.compile(r"[A-Za-z]+$")
_FILE_NAME_ALT = re.compile(r"[a-z]{3,}")


def split_glued_alt(paragraph: str) -> tuple[str, str]:
    """Split "eminenceI had a chance" into ("eminence", "I had a chance").

    Returns ("", paragraph) unless there is a seam: within the first ~60 characters,
    a letter or digit directly followed by an opening word (then a space, a comma or
    an apostrophe contraction), with at most six words before it.  A single lowercase
    word of 3+ letters (an image file name, "voteStudents at") may precede any
    capitalised word.
    """
    limit = min(len(paragraph), _GLUE_WINDOW + 1)
    for i in range(1, limit):
        before = paragraph[i - 1]
        if not (before.isalnum() and paragraph[i].isupper()):
            continue
        match = _OPENING_AT.match(paragraph, i)
        if match and _is_seam(paragraph[:i], match.group(1)):
            return paragraph[:i], paragraph[i:]
    return "", paragraph


def _is_seam(alt, word):
    """Whether alt + word is glued text rather than a name like "McDonald’s" or "iPad"."""
    if len(alt.split()) > _MAX_ALT_WORDS:
        return False
    if word not in OPENING_WORDS:
        # "voteStudents at": a lowercase file-name alt before any capitalised word, since a
        # paragraph never starts in lowercase ("macOS", "iPad" do not fit this shape).
        return bool(_FILE_NAME_ALT.fullmatch(alt)) and len(word) >= 2
    # "CThis": a capital before the seam is only believable before a real word, not "I"/"A".
    if alt[-1].isupper() and len(word) < 2:
        return False
    # A one-character alt must be a capital ("C"), never "i" as in "iPhoto".
    if len(alt) == 1 and not alt.isupper():
        return False
    # "LinkedIn is" is a name, not "Linked" + "In is".
    tail = _LAST_LETTERS.search(alt)
    return not (tail and (tail.group() + word).lower() in _CAMEL_COMPOUNDS)


# --- 2. captions standing alone before the prose -------------------------------------

_MAX_CAPTION = 100
_SENTENCE_PUNCT_END = re.compile(r"[.!?:;…][\"'”’»)\]]*$")
_BULLET = re.compile(r"^(?:[•●○◦▪▫■□‣∙·*+]|[-–—]|\d{1,3}[.)](?:\s|$)|\(?[a-zA-Z]\)\s)")
_DATE_LINE = re.compile(
    rf"^(?:{_DATE}(?:\s+by\b.*)?|\d{{4}}-\d{{2}}-\d{{2}})$",
)


def standalone_captions(lines: list[str]) -> tuple[str, str, int]:
    """Find an image alt and/or caption standing alone before the first prose line.

    Returns (image_alt, caption, consumed).  Two short lines give alt and caption, one
    gives the caption, none gives ("", "", 0).  At most two lines are consumed, and only
    when a non-caption line (the body) follows them: a post made only of short lines has
    no caption.  `consumed` counts positions in `lines`, so lines[consumed:] is the body.
    """
    taken = []  # (index, text)
    body_follows = False
    for index, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if not _is_caption_line(text):
            body_follows = True
            break
        taken.append((index, text))
    if not body_follows or not taken:
        return "", "", 0
    taken = taken[:2]
    consumed = taken[-1][0] + 1
    if len(taken) == 2:
        return taken[0][1], taken[1][1], consumed
    if _reads_as_heading(taken[0][1]):
        return "", "", 0
    return "", taken[0][1], consumed


def _reads_as_heading(text):
    """A lone Title Case line of five or more words opens a section; names are shorter."""
    words = text.split()
    long_words = [word for word in words if len(word) > 3]
    capitalised = [word for word in long_words if word[0].isupper()]
    return len(words) >= 5 and len(capitalised) == len(long_words)


def _is_caption_line(text):
    """Short, no sentence punctuation at the end, not a list item and not a date."""
    return (
        len(text) <= _MAX_CAPTION
        and any(ch.isalnum() for ch in text)
        and not _SENTENCE_PUNCT_END.search(text)
        and not _BULLET.match(text)
        and not _DATE_LINE.match(text)
    )


# --- 3. "This post originally appeared at ..." ---------------------------------------

_CROSSPOST = re.compile(
    r"(?:\b[Tt]his\s+(?:blog\s+)?(?:post|article|piece|entry|essay|interview|story|op-ed)\s+"
    r"(?:was\s+|has\s+)?(?:originally|first)\s+|\bOriginally\s+)"
    r"(?:appeared|published|posted|ran)\s+(?:at|on|in|by)\s+"
    r"(?P<publisher>[^\n]+?)"
    rf"(?:(?:,?\s+on|,)\s+{_DATE})?"
    # the sentence ends at a full stop that is not an initial ("U.S."), a line end or the end
    r"[ \t]*(?:(?<!\b[A-Z])\.(?=\s|$)|(?=\n)|$)"
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def find_crosspost(text: str) -> tuple[str, date | None, str] | None:
    """Find "This post originally appeared at PUBLISHER on DATE." in text.

    Returns (publisher, date or None, the text without that sentence), or None.
    Call split_glued_alt first: "CThis post ..." is not matched while glued.
    """
    match = _CROSSPOST.search(text)
    if not match:
        return None
    publisher = _LEADING_THE.sub("", match.group("publisher").strip())
    publisher = publisher.strip(" ,;:\"'“”‘’")
    if not publisher:
        return None
    return publisher, _date_from(match), _remove_span(text, match.start(), match.end())


def _date_from(match):
    """The date named in a match of _DATE, or None when absent or impossible (Feb 30)."""
    if not match.group("month"):
        return None
    month = _MONTHS[match.group("month").lower()]
    try:
        return date(int(match.group("year")), month, int(match.group("day")))
    except ValueError:
        return None


def _remove_span(text, start, end):
    """Text without [start:end], the seam joined by one space and blank lines collapsed."""
    before, after = text[:start].rstrip(" \t"), text[end:].lstrip(" \t")
    joiner = " " if before and after and before[-1] != "\n" and after[0] != "\n" else ""
    rest = _BLANK_LINES.sub("\n\n", before + joiner + after)
    return rest.strip()


# --- 4. series ---------------------------------------------------------------------

_MAX_NAME = 100
_SERIES_PARAGRAPHS = 3  # a post says it belongs to a series at its start
_SERIES_ADJECTIVES = r"(?:(?:blog|new|ongoing|occasional|special|short)\s+)*"
_DETERMINER = r"(?:a|an|the|this|our|my|their|its)\s+"

# "the third in a three-part series", "the fourth and final post in the series",
# "the introductory article to an eight-part series", "the second post on a series"
_ORDINAL_IN_SERIES = re.compile(
    rf"\b(?P<ord>{_ORD})(?:\s+and\s+(?P<final>final|last))?"
    r"(?:\s+(?:blog\s+)?(?:post|article|piece|entry|installment|instalment|part|essay|blog))?"
    rf"\s+(?:in|of|on|to|for|from)\s+{_DETERMINER}(?:{_N_PART})?{_SERIES_ADJECTIVES}series\b",
    re.IGNORECASE,
)
# "the fourth and final article on X": no word "series", the name follows directly
_ORDINAL_AND_FINAL = re.compile(
    rf"\b(?P<ord>{_ORD})\s+and\s+(?P<final>final|last)\s+"
    r"(?:blog\s+)?(?:post|article|piece|entry|installment|instalment|essay)\s+(?:on|about)\s+",
    re.IGNORECASE,
)
# "This is part 2 of a series on X" (this post's part), "In part I of this three-part
# series, I wrote ..." (another part: only the total is about this post)
_PART_N_OF_SERIES = re.compile(
    r"\b(?P<this>this\s+(?:(?:blog\s+)?(?:post|article|piece)\s+)?is\s+)?"
    rf"part\s+(?P<n>{_PART_NUM})\s+of\s+{_DETERMINER}(?:{_N_PART})?{_SERIES_ADJECTIVES}series\b",
    re.IGNORECASE,
)
# "This article is part of a series on X": membership and a name, no place in it
_PART_OF_SERIES = re.compile(
    rf"\bpart\s+of\s+{_DETERMINER}(?:{_N_PART})?{_SERIES_ADJECTIVES}series\b",
    re.IGNORECASE,
)
# "a series of workshops": a series of something other than posts is not a blog series
_SERIES_OF_OTHER = re.compile(
    r"^\s+of\s+(?!(?:blog\s+)?(?:posts|articles|pieces|essays|blogs)\b)", re.IGNORECASE
)
# "... series on the report, X."
_REPORT_TAIL = re.compile(
    r"^\s*,?\s*(?:on|about)\s+the\s+(?:report|paper|brief|book)[,:]?\s+(?P<x>.+)$",
    re.IGNORECASE | re.DOTALL,
)
# "... series by PERSON on X", "... series based on X", "... series that aims to ..."
_TAIL_NAME = re.compile(
    r"^\s*,?\s*(?:of\s+(?:blog\s+)?(?:posts|articles|pieces|essays|blogs)\s+)?"
    r"(?:by\s+.+?\s+)?"
    r"(?P<conn>on|about|based\s+on|focused\s+on|focusing\s+on|exploring|examining"
    r"|looking\s+at|that)\s+(?P<x>.+)$",
    re.IGNORECASE | re.DOTALL,
)
# "... described in the Moving Toward Mastery: ... report ..." inside a "that" clause
# (bounded: an unbounded lazy run from every "the" is quadratic in a long clause)
_NAMED_REPORT = re.compile(rf"\bthe\s+(?P<r>[A-Z][^.!?]{{0,{_MAX_NAME * 2}}}?)\s+[Rr]eport\b")
_TITLE_SMALL_WORDS = frozenset(
    {
        "a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"
    }
)  # fmt: skip

# Title markers: "... (Part 2)", "... – Part 3", "...: Part II", "Part Two: ..."
_TITLE_PART_AT_END = re.compile(
    rf"^(?P<name>.*?\S)\s*(?:[(\[]\s*|{_DASH}\s*|[:,|]\s*|\s)"
    rf"Part\s+(?P<n>{_PART_NUM})(?:\s+of\s+(?P<total>{_PART_NUM}))?\s*[)\]]?\s*$",
    re.IGNORECASE,
)
_TITLE_PART_AT_START = re.compile(
    rf"^\s*[(\[]?Part\s+(?P<n>{_PART_NUM})(?:\s+of\s+(?P<total>{_PART_NUM}))?\s*[)\]]?"
    rf"\s*(?:{_DASH}|[:.,|])\s*(?P<name>\S.*)$",
    re.IGNORECASE,
)

# Sentences: end punctuation, closing quotes, then a capital.  Not after initials/titles.
# Only from the first mark of a run ("....."), taken whole: retrying inside the run is quadratic.
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"”’')\]]*+(?=\s+[\"“‘(]?[A-Z])")
_ABBREVIATIONS = frozenset(
    {
        "dr", "mr", "mrs", "ms", "st", "mt", "jr", "sr", "inc", "co", "vs", "no", "sen", "rep",
        "gov", "prof"
    }
)  # fmt: skip
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_NAME_TRIM = " \t\n.,;:!?…\"'“”‘’"
_TRAILING_SMALL_WORD = re.compile(r"\s+(?:and|or|but|the|a|an)$", re.IGNORECASE)
_KEY_STOPWORDS = frozenset(
    {
        "the", "a", "an", "of", "on", "in", "and", "to", "for", "by", "that", "report", "series",
        "blog"
    }
)  # fmt: skip
_KEY_WORDS = 6


@dataclass
class _Mention:
    """One statement in the prose that the post belongs to a series."""

    start: int
    end: int
    part: int | None = None
    total: int | None = None
    final: bool = False  # "concluding", "final", "last": the part is the total
    ordinal: bool = False  # says which part this post is
    direct: bool = False  # the name follows the match directly (no word "series")
    name: str = ""


def series_key(name: str) -> str:
    """A normalised series name, equal for the same series however a post words it.

    Lowercase, punctuation dropped, small words and "report"/"series"/"blog" dropped,
    then the first six remaining words joined by "-".
    """
    text = re.sub(r"[’'‘`]", "", name.lower())
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    kept = [word for word in words if word not in _KEY_STOPWORDS] or words
    return "-".join(kept[:_KEY_WORDS])


def find_series(title: str, paragraphs: list[str]) -> SeriesRef | None:
    """Detect a series from the title and the first three paragraphs.

    The prose names the series ("... series on X"), the title may carry a part marker
    ("... – Part 3"; the name is then the title without it).  The prose name wins; the
    part comes from a prose ordinal, else the title; the total from whichever states it.
    Hints like "Read Part 1 here" never give a part or a name, so without a name from
    prose or title the result is None.
    """
    prose = _merge(_prose_mentions(paragraphs[:_SERIES_PARAGRAPHS]))
    title_name, title_part, title_total = _title_part(title)
    name = prose.name or title_name
    if not name:
        return None
    part = prose.part if prose.part is not None else title_part
    total = prose.total if prose.total is not None else title_total
    if prose.final:  # "the concluding post": part and total are the same number
        part = part if part is not None else total
        total = total if total is not None else part
    return SeriesRef(title=name, key=series_key(name), part=part, total=total)


def _prose_mentions(paragraphs):
    """All series mentions, sentence by sentence, each with the name that follows it."""
    mentions = []
    for paragraph in paragraphs:
        for sentence in _sentences(paragraph):
            mentions.extend(_sentence_mentions(sentence))
    return mentions


def _sentence_mentions(sentence):
    """Mentions in one sentence; a mention's name runs to the next mention or the end."""
    found = [
        *_ordinal_in_series(sentence),
        *_ordinal_and_final(sentence),
        *_part_n_of_series(sentence),
        *_part_of_series(sentence),
    ]
    # Prefer the mention that says which part this is when two overlap.
    ordinal = sorted((m for m in found if m.ordinal), key=lambda m: m.start)
    ordinal_starts = [m.start for m in ordinal]
    reach = list(accumulate((m.end for m in ordinal), max))  # furthest end up to each start

    def overlaps_ordinal(mention):
        before = bisect_left(ordinal_starts, mention.end) - 1
        return before >= 0 and reach[before] > mention.start

    found = [m for m in found if m.ordinal or not overlaps_ordinal(m)]
    found.sort(key=lambda m: m.start)
    starts = [m.start for m in found]
    for mention in found:
        following = bisect_left(starts, mention.end)
        tail = sentence[mention.end : starts[following] if following < len(starts) else None]
        mention.name = _clean_name(tail) if mention.direct else _name_from_tail(tail)
    return found


def _ordinal_in_series(sentence):
    # "the third in a three-part series on X": part, maybe total, name after "series"
    for match in _ORDINAL_IN_SERIES.finditer(sentence):
        if _SERIES_OF_OTHER.match(sentence, match.end()):
            continue
        yield _ordinal_mention(match)


def _ordinal_and_final(sentence):
    # "the fourth and final article on X": part = total, name right after "on"
    for match in _ORDINAL_AND_FINAL.finditer(sentence):
        yield _ordinal_mention(match, direct=True)


def _ordinal_mention(match, direct=False):
    """A mention from a match with an "ord" group and optional "final"/"total" groups."""
    word = match.group("ord").lower()
    total = _number(match.group("total")) if match.groupdict().get("total") else None
    final = word in FINAL_WORDS or bool(match.group("final"))
    part = None if word in FINAL_WORDS else _number(word)
    if match.group("final"):  # "fourth and final": the total is four
        total = total or part
    return _Mention(match.start(), match.end(), part, total, final, ordinal=True, direct=direct)


def _part_n_of_series(sentence):
    # "This is part 2 of a series" gives the part; "In part I of this series" only the total
    for match in _PART_N_OF_SERIES.finditer(sentence):
        if _SERIES_OF_OTHER.match(sentence, match.end()):
            continue
        total = _number(match.group("total")) if match.group("total") else None
        this_post = bool(match.group("this"))
        part = _number(match.group("n")) if this_post else None
        yield _Mention(match.start(), match.end(), part, total, ordinal=this_post)


def _part_of_series(sentence):
    # "part of a series on X": membership and a name only
    for match in _PART_OF_SERIES.finditer(sentence):
        if _SERIES_OF_OTHER.match(sentence, match.end()):
            continue
        total = _number(match.group("total")) if match.group("total") else None
        yield _Mention(match.start(), match.end(), total=total)


def _merge(mentions):
    """One summary: the first ordinal mention leads, other mentions fill in the gaps."""
    ordinal = [m for m in mentions if m.ordinal]
    lead = ordinal[0] if ordinal else _Mention(0, 0)
    return _Mention(
        0,
        0,
        part=lead.part,
        total=lead.total or next((m.total for m in mentions if m.total), None),
        final=lead.final,
        name=lead.name or next((m.name for m in mentions if m.name), ""),
    )


def _name_from_tail(tail):
    """The series name in the words after "series" (" on X", " by P on X", ...)."""
    match = _REPORT_TAIL.match(tail)
    if match:  # "on the report, X": the report's title is the name
        return _clean_name(match.group("x"))
    match = _TAIL_NAME.match(tail)
    if not match:
        return ""
    if match.group("conn").lower() == "that":
        report = _named_report(match.group("x"))
        if report:
            return report
    return _clean_name(match.group("x"))


def _named_report(clause):
    """ "that aims to ... described in the R report ..." -> R without its subtitle.

    Posts cite a report with and without its subtitle, so only the main title is kept.
    """
    match = _NAMED_REPORT.search(clause)
    if not match:
        return ""
    words = match.group("r").split()
    if not all(w[0].isupper() or w[0].isdigit() or w in _TITLE_SMALL_WORDS for w in words):
        return ""
    return _clean_name(match.group("r").split(":")[0])


def _title_part(title):
    """(title without the part marker, part, total), or ("", None, None) without a marker."""
    match = _TITLE_PART_AT_END.match(title) or _TITLE_PART_AT_START.match(title)
    if not match:
        return "", None, None
    total = _number(match.group("total")) if match.group("total") else None
    name = match.group("name").strip().rstrip(" -‐‑–—:,|")
    return name, _number(match.group("n")), total


def _sentences(paragraph):
    """Split a paragraph into sentences, not after initials or titles ("U.S.", "Dr.")."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        last = _word_before(paragraph, start, match.start()).lstrip('("“‘')
        if last.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(last):
            continue
        sentences.append(paragraph[start : match.end()].strip())
        start = match.end()
    sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


def _word_before(text, start, end):
    """The last word of text[start:end], read from the end: slicing the whole span for each
    skipped abbreviation would be quadratic in a long paragraph."""
    while end > start and text[end - 1].isspace():
        end -= 1
    begin = end
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end]


def _clean_name(text):
    """Tidy a series name: no leading "the", no trailing punctuation, at most ~100 chars."""
    text = " ".join(text.split())
    text = _LEADING_THE.sub("", text)
    text = _trim_name(text)
    if len(text) > _MAX_NAME:
        text = _trim_name(text[: _MAX_NAME + 1].rsplit(" ", 1)[0])
        if text.count("“") > text.count("”"):  # the cut fell inside a quotation: drop it
            text = _trim_name(text[: text.rindex("“")])
    # Put back a closing quote the trim took off: grapple with “in real life”
    if text.count("“") > text.count("”"):
        text += "”"
    elif text.count('"') % 2:
        text += '"'
    return _unwrap_quotes(text)


def _unwrap_quotes(text):
    """ "“real life”" -> "real life": a name that is one quotation needs no quotes."""
    inner = text[1:-1]
    quoted = len(text) > 2 and (text[0], text[-1]) in (("“", "”"), ('"', '"'))
    if quoted and not any(mark in inner for mark in '“”"'):
        return inner.strip()
    return text


def _trim_name(text):
    """Strip trailing punctuation, quotes and dangling small words ("... and the")."""
    previous = None
    while text != previous:
        previous = text
        text = _TRAILING_SMALL_WORD.sub("", text.rstrip(_NAME_TRIM).lstrip())
    return text
