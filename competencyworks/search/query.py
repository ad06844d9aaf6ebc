"""Searching: one ranked list across every kind of document the apps register.

Every public-facing item has a SearchDocument row (index.py). The backend is chosen here, once, by
database: PostgreSQL ranks a weighted tsvector (title A, tags and summary B, body C) with
websearch syntax and highlights with ts_headline; SQLite ranks with FTS5 and bm25 using the
same weights; where FTS5 is missing, a plain term match ranks by where the terms appear.

Cost stays bounded however common a term is: at most CANDIDATES matches (newest first) are
ranked, and snippets are made only for the rows on the page.
"""

import difflib
import html
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
)
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import timezone

from competencyworks.models import SearchDocument
from competencyworks.search.index import CONFIG
from competencyworks.search.registry import KINDS

MAX_QUERY_LENGTH = 255
MAX_TERMS = 16
CANDIDATES = 1000
SUGGEST_MAX_WORDS = 4
WEIGHTS = (10.0, 5.0, 5.0, 1.0)  # bm25 weights of title, tags, summary, body on SQLite
MARK_START, MARK_END = "\x02", "\x03"
TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
WORD = re.compile(r"[\w'’-]+")


# --- reading what the reader typed -------------------------------------------------------


@dataclass
class ParsedQuery:
    """The reader's words: plain terms, "quoted phrases", -excluded terms, OR."""

    text: str
    include: list = field(default_factory=list)  # [(is_phrase, words)] or "OR"
    exclude: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not any(part != "OR" for part in self.include)

    def fts5(self):
        """An FTS5 MATCH expression; every term is quoted, so no input is a syntax error."""

        def quoted(words):
            return '"' + " ".join(words).replace('"', '""') + '"'

        parts, previous_or = [], False
        for part in self.include:
            if part == "OR":
                previous_or = bool(parts)
                continue
            term = quoted(part)
            if previous_or and parts:
                parts[-1] = f"({parts[-1]} OR {term})"
            else:
                parts.append(term)
            previous_or = False
        expression = " AND ".join(parts)
        for words in self.exclude:
            expression += f" NOT {quoted(words)}"
        return expression


def parse(text):
    text = (text or "").replace("\x00", " ")[:MAX_QUERY_LENGTH]
    query = ParsedQuery(text=text.strip())
    count = 0
    for match in TOKEN.finditer(text):
        negative = bool(match[1] or match[3])
        raw = match[2] if match[2] is not None else match[4]
        if raw == "OR" and not negative:
            query.include.append("OR")
            continue
        words = [word.strip("'’-") for word in WORD.findall(raw)]
        words = [word for word in words if len(word) > 1 or word.isdigit()]
        if not words or count >= MAX_TERMS:
            continue
        count += len(words)
        (query.exclude if negative else query.include).append(tuple(words))
    while query.include and query.include[-1] == "OR":
        query.include.pop()
    return query


def websearch_text(query):
    """The parsed query back as PostgreSQL websearch syntax (never a syntax error).

    A lone word websearch would read as its OR operator ("or" in any case) is quoted: only
    the reader's OR in capitals is an operator, as on the other engines."""
    parts = []
    for part in query.include:
        if part == "OR":
            parts.append("or")
        elif len(part) > 1 or part[0].lower() == "or":
            parts.append(f'"{" ".join(part)}"')
        else:
            parts.append(part[0])
    parts.extend(f'-"{" ".join(words)}"' for words in query.exclude)
    return " ".join(parts)


# --- searching ---------------------------------------------------------------------------


@dataclass
class Hit:
    document: SearchDocument
    snippet: str
    title: str  # the title as HTML, matched words in <mark>

    @property
    def kind_label(self):
        return KINDS[self.document.kind].label

    @property
    def own_date(self):
        """The item's date where it is not the day it was published (a resource's year)."""
        return "" if KINDS[self.document.kind].dated_by_publication else self.document.dated


@dataclass
class Results:
    query: ParsedQuery
    hits: list
    total: int
    capped: bool  # more than CANDIDATES matched: only the newest CANDIDATES were ranked
    facets: list  # [(kind, label, count)]
    suggestion: str = ""


def search(text, *, kinds=(), tags=(), match_all=True, offset=0, limit=20):
    query = parse(text)
    if query.is_empty:
        return Results(query, [], 0, False, [])
    engine = engine_for(connection)
    # Tag filters narrow the documents; the engines add "published" in their own way.
    tagged = with_tags(SearchDocument.objects.all(), tags, match_all) if tags else None
    ranked = engine.ranked(query, tagged)  # [(pk, kind)], best first, bounded
    capped = len(ranked) > CANDIDATES
    ranked = ranked[:CANDIDATES]
    facets = facet_counts(ranked)
    if kinds:
        ranked = [(pk, kind) for pk, kind in ranked if kind in kinds]
    page = [pk for pk, _ in ranked[offset : offset + limit]]
    hits = engine.hits(page, query)
    suggestion = "" if ranked else engine.suggest(query)
    return Results(query, hits, len(ranked), capped, facets, suggestion)


def with_tags(documents, slugs, match_all):
    if match_all:
        for slug in slugs:
            documents = documents.filter(tags__slug=slug)
        return documents
    return documents.filter(tags__slug__in=slugs).distinct()


def facet_counts(candidates):
    counts = {}
    for _, kind in candidates:
        counts[kind] = counts.get(kind, 0) + 1
    return [(kind, KINDS[kind].label, counts[kind]) for kind in KINDS if kind in counts]


def highlight(text):
    """Escape a snippet, then turn the engine's markers into <mark>."""
    escaped = html.escape(text or "")
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def marked_title(title, marked):
    """The title as HTML with the engine's marks, or plain if the engine changed its text
    (ts_headline drops anything that looks like an HTML tag)."""
    if marked is None or marked.replace(MARK_START, "").replace(MARK_END, "") != title:
        marked = title
    return highlight(marked)


def ordered(documents, ids):
    by_id = {document.pk: document for document in documents}
    return [by_id[pk] for pk in ids if pk in by_id]


class PostgresEngine:
    def ts_query(self, query):
        return SearchQuery(websearch_text(query), search_type="websearch", config=CONFIG)

    def ranked(self, query, tagged=None):
        """Rank the newest matches only: ranking a term found everywhere costs too much."""
        documents = SearchDocument.objects.published()
        if tagged is not None:
            documents = documents.filter(pk__in=tagged.values("pk"))
        matches = documents.filter(vector=self.ts_query(query)).order_by("-publish_at")
        newest = matches.values("pk")[: CANDIDATES + 1]
        ranked = (
            SearchDocument.objects.filter(pk__in=newest)
            .annotate(rank=SearchRank(F("vector"), self.ts_query(query)))
            .order_by("-rank", "-publish_at")
        )
        return list(ranked.values_list("pk", "kind"))

    def hits(self, ids, query):
        def headline(column):
            return SearchHeadline(
                column, self.ts_query(query), config=CONFIG, start_sel=MARK_START,
                stop_sel=MARK_END, max_words=30, min_words=12, max_fragments=2,
                fragment_delimiter=" … ",
            )  # fmt: skip

        whole_title = SearchHeadline(
            "title", self.ts_query(query), config=CONFIG, start_sel=MARK_START,
            stop_sel=MARK_END, highlight_all=True,
        )  # fmt: skip
        documents = SearchDocument.objects.filter(pk__in=ids).defer("body", "vector")
        documents = documents.annotate(
            body_snippet=headline("body"),
            summary_snippet=headline("summary"),
            title_marked=whole_title,
        )
        return [
            Hit(doc, highlight(best_snippet(doc)), marked_title(doc.title, doc.title_marked))
            for doc in ordered(documents, ids)
        ]

    def suggest(self, query):
        words = [word for part in query.include if part != "OR" for word in part]
        # Short or many words match most titles' trigrams: too costly, and no help.
        if not words or len(words) > SUGGEST_MAX_WORDS or min(map(len, words)) < 3:
            return ""
        words = " ".join(words)
        try:
            best = (
                SearchDocument.objects.published()
                .filter(title__trigram_similar=words)  # the % operator: uses the trigram index
                .annotate(similarity=TrigramSimilarity("title", words))
                .order_by("-similarity")
                .values_list("title", flat=True)
                .first()
            )
        except DatabaseError:  # pg_trgm not installed
            return ""
        return best or ""


def best_snippet(document):
    """The body's snippet, or the summary's where only the summary matched (a policy
    entry's summary, a resource's publisher or authors): like FTS5, show where it matched."""
    for snippet in (document.body_snippet, document.summary_snippet):
        if MARK_START in (snippet or ""):
            return snippet
    return document.body_snippet


class Fts5Engine:
    def ranked(self, query, tagged=None):
        """The most recently indexed matches (FTS5 walks its index newest first and stops),
        ranked by bm25 with per-column weights; bm25 is computed for those rows only."""
        weights = ", ".join(str(weight) for weight in WEIGHTS)
        # "Published" is tested on each joined row: an IN over every public id costs more.
        conditions, params = "d.status = %s AND d.publish_at <= %s", ["published", timezone.now()]
        if tagged is not None:
            tagged_sql, tagged_params = tagged.values("pk").query.sql_with_params()
            conditions += f" AND d.id IN ({tagged_sql})"
            params.extend(tagged_params)
        sql = (
            f"SELECT d.id, d.kind, bm25(search_fts, {weights}) AS score, d.publish_at "
            f"FROM search_fts JOIN {SearchDocument._meta.db_table} d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH %s AND {conditions} "
            f"ORDER BY search_fts.rowid DESC LIMIT {CANDIDATES + 1}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [query.fts5(), *params])
            rows = cursor.fetchall()
        rows.sort(key=lambda row: str(row[3] or ""), reverse=True)  # newest first among ties
        rows.sort(key=lambda row: row[2])  # bm25: lower is better
        return [(pk, kind) for pk, kind, _, _ in rows]

    def hits(self, ids, query):
        """The documents of `ids` with their snippets, in one query."""
        if not ids:
            return []
        columns = ", ".join(
            f"d.{field.column}"
            for field in SearchDocument._meta.concrete_fields
            if field.name != "body"
        )
        snippet = f"snippet(search_fts, %s, '{MARK_START}', '{MARK_END}', ' … ', 24)"
        documents = SearchDocument.objects.raw(
            # Columns: 0 title, 1 tags, 2 summary, 3 body. Snippets come from the text.
            f"SELECT {columns}, {snippet} AS body_marked, {snippet} AS summary_marked, "
            f"highlight(search_fts, 0, %s, %s) AS title_marked "
            f"FROM search_fts JOIN {SearchDocument._meta.db_table} d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH %s AND search_fts.rowid IN ({','.join('%s' for _ in ids)})",
            [3, 2, MARK_START, MARK_END, query.fts5(), *ids],
        )
        hits = []
        for doc in ordered(documents, ids):
            body, summary = doc.body_marked, doc.summary_marked
            snippet = summary if MARK_START not in body and MARK_START in summary else body
            hits.append(Hit(doc, highlight(snippet), marked_title(doc.title, doc.title_marked)))
        return hits

    def suggest(self, query):
        """A spelling the index knows for each word it does not: the closest term (difflib)
        among the vocabulary's terms of a like start and length, shown as the word found
        in the text (the vocabulary holds stems). Three queries a word at most, four words."""
        words = [word for part in query.include if part != "OR" for word in part]
        if not words or len(words) > SUGGEST_MAX_WORDS or min(map(len, words)) < 3:
            return ""
        suggested = []
        with connection.cursor() as cursor:
            for word in words:
                suggested.append(self.spelling(cursor, word.lower()))
        return " ".join(suggested) if suggested != [w.lower() for w in words] else ""

    def spelling(self, cursor, word):
        cursor.execute("SELECT 1 FROM search_fts WHERE search_fts MATCH %s LIMIT 1", [f'"{word}"'])
        if cursor.fetchone():
            return word
        try:
            cursor.execute(
                "SELECT term FROM search_fts_vocab WHERE term >= %s AND term < %s "
                "AND length(term) BETWEEN %s AND %s ORDER BY doc DESC LIMIT 5000",
                [word[0], word[0] + "\U0010ffff", len(word) - 4, len(word) + 2],
            )
        except DatabaseError:  # no vocabulary table: no suggestion
            return word
        scored = [(closeness(word, term), term) for (term,) in cursor.fetchall()]
        close = [term for score, term in sorted(scored, reverse=True)[:1] if score >= 0.8]
        if not close:
            return word
        cursor.execute(
            f"SELECT snippet(search_fts, -1, '{MARK_START}', '{MARK_END}', '', 1) "
            "FROM search_fts WHERE search_fts MATCH %s LIMIT 1",
            [f'"{close[0]}"'],
        )
        row = cursor.fetchone()
        found = re.search(f"{MARK_START}(.*?){MARK_END}", row[0] if row else "")
        return found[1].lower() if found else close[0]


class TermEngine:
    """Where SQLite lacks FTS5: every term must appear; title matches rank first."""

    def terms(self, query):
        return [" ".join(part) for part in query.include if part != "OR"]

    def ranked(self, query, tagged=None):
        documents = SearchDocument.objects.published()
        if tagged is not None:
            documents = documents.filter(pk__in=tagged.values("pk"))
        for term in self.terms(query):
            documents = documents.filter(
                Q(title__icontains=term) | Q(tag_names__icontains=term) | Q(body__icontains=term)
            )
        for words in query.exclude:
            documents = documents.exclude(body__icontains=" ".join(words))
        newest = list(
            documents.order_by("-publish_at").values_list("pk", "kind", "title")[: CANDIDATES + 1]
        )
        terms = [term.lower() for term in self.terms(query)]
        newest.sort(key=lambda row: -sum(term in row[2].lower() for term in terms))
        return [(pk, kind) for pk, kind, _ in newest]

    def hits(self, ids, query):
        documents = ordered(SearchDocument.objects.filter(pk__in=ids), ids)
        terms = self.terms(query)
        return [
            Hit(
                doc,
                highlight(plain_snippet(doc.body or doc.summary, terms)),
                marked_title(doc.title, mark_terms(doc.title, terms)),
            )
            for doc in documents
        ]

    def suggest(self, query):
        return ""


def closeness(word, term):
    """How like a typed word a vocabulary term is; terms are stems ("assess" for
    "assessment"), so the word's opening of the term's length counts too."""
    return max(
        difflib.SequenceMatcher(None, word, term).ratio(),
        difflib.SequenceMatcher(None, word[: len(term)], term).ratio(),
    )


def plain_snippet(text, terms, width=200):
    lower = text.lower()
    positions = [lower.find(term.lower()) for term in terms if term.lower() in lower]
    start = max(min(positions) - width // 3, 0) if positions else 0
    snippet = mark_terms(text[start : start + width], terms)
    return ("… " if start else "") + snippet + (" …" if start + width < len(text) else "")


def mark_terms(text, terms):
    for term in terms:
        text = re.sub(re.escape(term), lambda m: MARK_START + m[0] + MARK_END, text, flags=re.I)
    return text


def engine_for(db):
    """The one place that picks the search engine, by database and its features."""
    if db.vendor == "postgresql":
        return PostgresEngine()
    if fts5_available(db):
        return Fts5Engine()
    return TermEngine()


def fts5_available(db):
    key = (db.alias, str(db.settings_dict["NAME"]))
    if key not in _fts5_tables:
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'")
            _fts5_tables[key] = cursor.fetchone()[0] == 1
    return _fts5_tables[key]


_fts5_tables = {}  # per database: migrations create the FTS5 table once, or cannot
