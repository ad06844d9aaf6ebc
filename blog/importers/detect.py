"""Recover structure from the plain text of one archived post.

Old posts reach us as saved plain-text listing pages: the HTML is gone, so an image's
alt text is glued to the first word of the post, captions stand alone as short lines,
the "This post originally appeared at ..." note is ordinary prose, and a post's place
in a series is only stated in words ("the third in a ten-part series on ...") or in
the title ("... – Part 3").  The functions here read that text back into fields.

Everything is pure: plain strings in, plain values (or a SeriesRef) out, standard
library only, no Django and no database, so each rule can be table-tested.
"""

import html
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from blog.importers.records import PostRecord, SeriesRef

__all__ = [
    "FINAL_WORDS",
    "NUMBERS",
    "OPENING_WORDS",
    "ORDINALS",
    "find_crosspost",
    "find_part_links",
    "find_series",
    "is_title",
    "recognise",
    "series_key",
    "split_glued_alt",
    "split_image_file_name",
    "standalone_captions",
    "title_stem",
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
_CREDIT = re.compile(
    r"^[(\[]?(?:(?:photo(?:graph)?s?|images?|pictures?|illustrations?|graphics?|video)"
    r"\s*(?:by\b|credits?\b|courtesy\b|:|©)|credits?\s*:|courtesy\s+of\b|©|source\s*:)",
    re.IGNORECASE,
)
# "Rosa Delgado, Director of Teaching and Learning": two to four capitalised names, a comma
_NAME_AND_TITLE = re.compile(r"^[A-Z][\w.’'-]*(?:\s[A-Z][\w.’'-]*){1,3},\s+[A-Z]")
_DATE_LINE = re.compile(
    rf"^(?:{_DATE}(?:\s+by\b.*)?|\d{{4}}-\d{{2}}-\d{{2}})$",
)


def standalone_captions(lines: list[str]) -> tuple[str, str, str, int]:
    """Find an image alt, caption and/or credit standing alone before the first prose line.

    Returns (image_alt, caption, credit, consumed).  A credit line ("Photo by …", "Photo:
    …", "Courtesy of …") may end in a full stop; of the other short lines, two give alt and
    caption, one the caption.  At most one credit and two other lines are consumed, and
    only when a non-caption line (the body) follows them: a post made only of short lines
    has no caption.  `consumed` counts positions in `lines`, so lines[consumed:] is the body.
    """
    taken, credit = [], None  # (index, text) each
    body_follows = False
    for index, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if credit is None and _is_credit_line(text):
            credit = (index, text)
            continue
        if len(taken) == 2 or not _is_caption_line(text):
            body_follows = True
            break
        taken.append((index, text))
    if not body_follows or not (taken or credit):
        return "", "", "", 0
    if len(taken) == 1 and credit is None and _reads_as_heading(taken[0][1]):
        return "", "", "", 0
    consumed = max(index for index, _ in [*taken, *([credit] if credit else [])]) + 1
    texts = [text for _, text in taken]
    alt, caption = (texts[0], texts[1]) if len(texts) == 2 else ("", "".join(texts))
    return alt, caption, credit[1] if credit else "", consumed


def _is_credit_line(text):
    """ "Photo by Jane Doe.", "Image: Getty", "Courtesy of the district": short, any ending."""
    return len(text) <= _MAX_CAPTION and bool(_CREDIT.match(text))


def _reads_as_heading(text):
    """A lone Title Case line of five or more words opens a section; names are shorter, and
    "Name, Title" (a person and their job) is a caption however many words it has."""
    if _NAME_AND_TITLE.match(text):
        return False
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

_PIECE = r"(?:blog\s+)?(?:post|article|piece|entry|essay|interview|story|op-ed|column|blog)"
_CROSSPOST = re.compile(
    # "This post (was) originally appeared/published at", "This article is cross-posted
    # from", "A version of this essay first ran in", "Originally posted on", "Reprinted from"
    rf"(?:\b[Tt]his\s+{_PIECE}\s+(?:was\s+|has\s+(?:been\s+)?|is\s+)?"
    r"(?:(?:originally|first|also)\s+(?:appeared|appears|published|posted|ran)"
    r"|(?:originally\s+)?(?:cross-?posted|reposted|reprinted))"
    rf"|\b[Aa]\s+version\s+of\s+this\s+{_PIECE}\s+(?:(?:originally|first|also)\s+)?"
    r"(?:appeared|ran|was\s+published)"
    r"|\bOriginally\s+(?:appeared|published|posted|ran)"
    r"|\b(?:Cross-?posted|Reposted|Reprinted))"
    r"\s+(?:with\s+permission\s+)?(?:at|on|in|by|from)\s+"
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
# What one part is called: "the third installment", "the second blog post", "the 4th piece"
_NOUNS = (
    r"(?:post|article|piece|entry|installment|instalment|part|essay|blog|story|chapter"
    r"|edition|column|segment|episode)"
)
_NOUN = rf"(?:blog\s+)?{_NOUNS}"
_PLURAL_NOUN = r"(?:blog\s+)?(?:posts|articles|pieces|entries|installments|instalments|parts"
_PLURAL_NOUN += r"|essays|blogs|stories|chapters|columns|segments|episodes)"
_SERIES_WORD = r"(?:mini-?)?series\b"

# "the third in a three-part series", "the fourth and final post in the series",
# "the introductory article to an eight-part series", "the second post on a series"
_ORDINAL_IN_SERIES = re.compile(
    rf"\b(?P<ord>{_ORD})(?:\s+and\s+(?P<final>final|last))?(?:\s+{_NOUN})?"
    rf"\s+(?:in|of|on|to|for|from)\s+{_DETERMINER}(?:{_N_PART})?{_SERIES_ADJECTIVES}{_SERIES_WORD}",
    re.IGNORECASE,
)
# "the fourth and final article on X": no word "series", the name follows directly
_ORDINAL_AND_FINAL = re.compile(
    rf"\b(?P<ord>{_ORD})\s+and\s+(?P<final>final|last)\s+{_NOUN}\s+(?:on|about)\s+",
    re.IGNORECASE,
)
# "the third of four posts on X": the name follows directly
_ORDINAL_OF_TOTAL = re.compile(
    rf"\b(?P<ord>{_ORD})\s+of\s+(?P<total>{_TOTAL})\s+{_PLURAL_NOUN}\s+"
    r"(?:on|about|exploring|examining|looking\s+at)\s+",
    re.IGNORECASE,
)
# "This is part 2 of a series on X", "Welcome to part three in our series on X" (this
# post's part), "In part I of this three-part series, I wrote ..." (another part: only the
# total is about this post)
_PART_N_OF_SERIES = re.compile(
    rf"\b(?P<this>(?:this\s+(?:{_NOUN}\s+)?is|welcome\s+to|here\s+is|below\s+is)\s+)?"
    rf"part\s+(?P<n>{_PART_NUM})\s+(?:of|in)\s+{_DETERMINER}(?:{_N_PART})?{_SERIES_ADJECTIVES}"
    rf"{_SERIES_WORD}",
    re.IGNORECASE,
)
# "This article is part of a series on X": membership and a name, no place in it
_PART_OF_SERIES = re.compile(
    rf"\bpart\s+of\s+{_DETERMINER}(?:{_N_PART})?{_SERIES_ADJECTIVES}{_SERIES_WORD}",
    re.IGNORECASE,
)
# Every series pattern needs one of these words: a sentence without them mentions none.
_MAY_MENTION = re.compile(rf"series|\b(?:final|last)\b|\b{_PLURAL_NOUN}\b", re.IGNORECASE)
# The words _MAY_MENTION looks for, as substrings: a sentence with none cannot match.
_MENTION_WORDS = (
    "series", "final", "last", "posts", "articles", "pieces", "entries", "installments",
    "instalments", "parts", "essays", "blogs", "stories", "chapters", "columns", "segments",
    "episodes",
)  # fmt: skip
# "a series of workshops": a series of something other than posts is not a blog series
_SERIES_OF_OTHER = re.compile(rf"^\s+of\s+(?!{_PLURAL_NOUN}\b)", re.IGNORECASE)
# "... series on the report, X."
_REPORT_TAIL = re.compile(
    r"^\s*,?\s*(?:on|about)\s+the\s+(?:report|paper|brief|book)[,:]?\s+(?P<x>.+)$",
    re.IGNORECASE | re.DOTALL,
)
# "... series by PERSON on X", "... series based on X", "... series that aims to ..."
_TAIL_NAME = re.compile(
    rf"^\s*,?\s*(?:of\s+{_PLURAL_NOUN}\s+)?"
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
        "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on",
        "or", "so", "the", "to", "up", "via", "vs", "with"
    }
)  # fmt: skip
_OPENING_QUOTES = "“\"‘'«"

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
# The first mark leads the pattern (the check that no mark precedes it follows), so the regex
# engine jumps from mark to mark instead of trying each position: 5x faster on a paragraph.
_SENTENCE_END = re.compile(r"[.!?…](?<![.!?…]{2})[.!?…]*+[\"”’')\]]*+(?=\s+[\"“‘(]?[A-Z])")
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
    quoted: bool = False  # the writer put the name in quotation marks


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
    prose or title the result is None.  `titled` says whether the name reads as a title
    (from the title marker, quoted, or capitalised): a sentence fragment is not one.
    """
    prose = _merge(_prose_mentions(paragraphs[:_SERIES_PARAGRAPHS]))
    title_name, title_part, title_total = _title_part(title)
    name = prose.name or title_name
    if not name:
        return None
    titled = not prose.name or prose.quoted or is_title(name)
    part = prose.part if prose.part is not None else title_part
    total = prose.total if prose.total is not None else title_total
    if prose.final:  # "the concluding post": part and total are the same number
        part = part if part is not None else total
        total = total if total is not None else part
    return SeriesRef(title=name, key=series_key(name), part=part, total=total, titled=titled)


def _prose_mentions(paragraphs):
    """All series mentions, sentence by sentence, each with the name that follows it."""
    mentions = []
    for paragraph in paragraphs:
        for sentence in _sentences(paragraph):
            mentions.extend(_sentence_mentions(sentence))
    return mentions


def _sentence_mentions(sentence):
    """Mentions in one sentence; a mention's name runs to the next mention or the end."""
    if not _may_mention(sentence):
        return []  # most sentences: one cheap scan instead of five patterns
    found = [
        *_ordinal_in_series(sentence),
        *_ordinal_and_final(sentence),
        *_ordinal_of_total(sentence),
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
        raw = tail if mention.direct else _raw_name(tail)
        mention.name = _clean_name(raw)
        mention.quoted = raw.lstrip()[:1] in _OPENING_QUOTES
    return found


def _may_mention(sentence):
    """Whether _MAY_MENTION can match: plain substring tests rule out most sentences faster
    than the pattern (ASCII only, where lowercasing and the pattern's case rules agree)."""
    if sentence.isascii():
        lowered = sentence.lower()
        if not any(word in lowered for word in _MENTION_WORDS):
            return False
    return _MAY_MENTION.search(sentence) is not None


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


def _ordinal_of_total(sentence):
    # "the third of four posts on X": part and total, name right after "on"
    for match in _ORDINAL_OF_TOTAL.finditer(sentence):
        yield _ordinal_mention(match, direct=True)


def _ordinal_mention(match, direct=False):
    """A mention from a match with an "ord" group and optional "final"/"total" groups."""
    word = match.group("ord").lower()
    total = _number(match.group("total")) if match.groupdict().get("total") else None
    final = word in FINAL_WORDS or bool(match.groupdict().get("final"))
    part = None if word in FINAL_WORDS else _number(word)
    if match.groupdict().get("final"):  # "fourth and final": the total is four
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
    named = lead if lead.name else next((m for m in mentions if m.name), lead)
    return _Mention(
        0,
        0,
        part=lead.part,
        total=lead.total or next((m.total for m in mentions if m.total), None),
        final=lead.final,
        name=named.name,
        quoted=named.quoted,
    )


def _raw_name(tail):
    """The words that name the series after "series" (" on X", " by P on X", ...), uncleaned."""
    match = _REPORT_TAIL.match(tail)
    if match:  # "on the report, X": the report's title is the name
        return match.group("x")
    match = _TAIL_NAME.match(tail)
    if not match:
        return ""
    if match.group("conn").lower() == "that":
        report = _named_report(match.group("x"))
        if report:
            return report
    return match.group("x")


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
    return match.group("r").split(":")[0]


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


def is_title(name: str) -> bool:
    """Whether a name reads as a title: its first and most of its significant words capitalised.

    "Moving Toward Mastery", "Quality and Equity by Design" and "iNACOL Symposium" do;
    "complex, fundamental questions that practitioners …" and "grading in Maine" do not.
    """
    words = [word.strip(_NAME_TRIM + "()[]") for word in name.split()]
    significant = [
        word
        for word in words
        if word.lower() not in _TITLE_SMALL_WORDS and any(ch.isalpha() for ch in word)
    ]
    if not significant:
        return False
    capitalised = [word for word in significant if any(ch.isupper() for ch in word[:2])]
    return significant[0] in capitalised and 3 * len(capitalised) >= 2 * len(significant)


# "Grading for Equity: Report Cards", "Grading for Equity – Homework", "… | Part 2"
_STEM_SEPARATOR = re.compile(rf":\s|\s{_DASH}\s|\s\|\s")


def title_stem(title: str) -> str:
    """The part of a title a series' posts share: the name before a part marker, else the
    words before ": ", " – " or " | ".  "" when the title has neither."""
    name, _part, _total = _title_part(title)
    if name:
        return name
    head = _STEM_SEPARATOR.split(title, maxsplit=1)
    return head[0].strip() if len(head) == 2 else ""


# --- 5. links to other parts: "Read Part 1 here", "Read parts one and two" --------------

_PART_LIST = (
    rf"{_PART_NUM}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)(?:parts?\s+)?{_PART_NUM}){{0,5}}"
)
_PART_LINK = re.compile(
    # "Read Part 1 here", "see parts one and two", "Start here: part 1", "catch up on Part I"
    r"\b(?:(?:read|see|start\s+with|begin\s+with|catch\s+up\s+(?:on|with)|revisit)"
    r"\s+(?:the\s+)?(?:(?:first|previous|earlier)\s+)?"
    r"|start\s+here\s*[:\-–—]?\s*)"
    rf"(?P<a>parts?\s+{_PART_LIST})"
    # "Part 1 is here; Part 2 is here", "parts one and two can be found here"
    rf"|\b(?P<b>parts?\s+{_PART_LIST})(?=\s+(?:is|are|can\s+be\s+(?:found|read))\s+"
    r"(?:available\s+)?here\b)",
    re.IGNORECASE,
)
_PART_TOKEN = re.compile(rf"\b{_PART_NUM}", re.IGNORECASE)


def find_part_links(text: str) -> list[tuple[int, int, int]]:
    """Where the text points readers to other parts: (start, end, part number) spans.

    "Read Part 1 here" gives the span of "Part 1"; "Read parts one and two" one span for
    "parts one" and one for "two", so each can link to its own part.
    """
    spans = []
    for match in _PART_LINK.finditer(text):
        group = "a" if match.group("a") else "b"
        start, end = match.span(group)
        first = True
        for token in _PART_TOKEN.finditer(text, start + 4, end):
            part = _number(token.group())
            if part:
                spans.append((start if first else token.start(), token.end(), part))
                first = False
    return spans


# --- 6. image file names left in the text ------------------------------------------

_IMAGE_FILE_NAME = re.compile(
    # "Screen Shot 2014-08-30 at 7.22.41 AM", "Screenshot_2019-01-02-10-00-00.png"
    r"(?:Screen ?[Ss]hot|Screenshot)[ _-]?\d{4}-\d{2}-\d{2}"
    r"(?:[ _-](?:at[ _])?\d{1,2}[.:_-]\d{2}(?:[.:_-]\d{2})?(?:\s?[AP]M)?)?(?:\s?\(\d{1,3}\))?"
    r"(?:\.(?:png|jpe?g|gif|webp))?"
    # "IMG_2041.JPG", "DSC01234", "team-photo.jpg" (bounded: no scan over a long word)
    r"|(?<![\w-])(?:IMG|DSCN?|PXL)[_-]?\d{3,9}(?:\.(?:jpe?g|png|gif|heic|webp))?"
    r"|(?<![\w-])[\w-]{1,80}\.(?:jpe?g|png|gif|webp)\b",
    re.IGNORECASE,
)


def split_image_file_name(line: str) -> tuple[str, str] | None:
    """("News", "Screen Shot 2014-08-30 at 7.22.41 AM") for a heading glued to the file
    name of a lost image; the text is what is left around the name.  None without one."""
    match = _IMAGE_FILE_NAME.search(line)
    if not match:
        return None
    rest = f"{line[: match.start()].rstrip()} {line[match.end() :].lstrip()}".strip()
    return rest, match.group()


# --- 7. one record: cross-post and series, whatever the source ---------------------

_HEAD_CHARS = 20_000  # notices and series statements open a post
_BLOCK_OPEN = re.compile(r"<(p|h[1-6]|blockquote)\b[^<>]*>", re.IGNORECASE)
_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|li|blockquote|div|figure|figcaption|ul|ol|table)\s*>|<br\s*/?>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]*>")  # stops at the next "<": linear even with stray brackets
_HREF = re.compile(r"""href\s*=\s*["']([^"'<>]+)["']""", re.IGNORECASE)


def recognise(item):
    """Cross-post notice and series of a post record, read from its HTML body and title.

    Both sources pass through here, so text pages and WordPress posts follow the same
    rules.  The notice sentence leaves the body (the post page shows its own notice).
    Anything that is not a PostRecord passes through unchanged.
    """
    if isinstance(item, PostRecord):
        if not item.crosspost_source:
            _take_crosspost(item)
        item.series = find_series(item.title, _paragraphs(item.body))
    return item


def _blocks(body):
    """(start, inner start, inner end, end) of the first paragraphs and headings."""
    position, limit = 0, min(len(body), _HEAD_CHARS)
    for _ in range(_SERIES_PARAGRAPHS):
        opening = _BLOCK_OPEN.search(body, position, limit)
        if not opening:
            return
        closing = re.compile(rf"</{opening[1]}\s*>", re.IGNORECASE).search(body, opening.end())
        if not closing:
            return
        yield opening.start(), opening.end(), closing.start(), closing.end()
        position = closing.end()


def _plain(fragment):
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def _take_crosspost(record):
    body = record.body
    for start, inner_start, inner_end, end in _blocks(body):
        inner = body[inner_start:inner_end]
        found = find_crosspost(_plain(inner))
        if not found:
            continue
        record.crosspost_source, record.crosspost_date, rest = found
        if not record.crosspost_url and (href := _HREF.search(inner)):
            record.crosspost_url = html.unescape(href[1])
        if not rest:
            record.body = (body[:start] + body[end:]).strip()
        elif "<" not in inner:  # plain text: the rest of the paragraph stays
            record.body = body[:inner_start] + html.escape(rest) + body[inner_end:]
        return


def _paragraphs(body):
    """The plain text of the first paragraphs (and headings, list items) of an HTML body."""
    text = _TAG.sub("", _BLOCK_END.sub("\n\n", body[:_HEAD_CHARS]))
    chunks = (" ".join(html.unescape(chunk).split()) for chunk in text.split("\n\n"))
    return [chunk for chunk in chunks if chunk][:_SERIES_PARAGRAPHS]


_MARKUP = re.compile(r"(<[^<>]*>)")
_LINK_OPEN = re.compile(r"<a\b", re.IGNORECASE)
_LINK_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)


def link_parts(body: str, url_for) -> str:
    """The HTML body with "Read Part 1 here" linking to part 1, and so on.

    `url_for(part)` gives a part's address or None (not imported: the words stay as they
    are).  Text already inside a link is left alone.
    """
    pieces, in_link = [], False
    for index, piece in enumerate(_MARKUP.split(body)):
        if index % 2:  # a tag
            in_link = bool(_LINK_OPEN.match(piece)) or (in_link and not _LINK_CLOSE.match(piece))
            pieces.append(piece)
            continue
        position = 0
        for start, end, part in [] if in_link else find_part_links(piece):
            if url := url_for(part):
                link = f'<a href="{html.escape(url)}">{piece[start:end]}</a>'
                pieces += [piece[position:start], link]
                position = end
        pieces.append(piece[position:])
    return "".join(pieces)
