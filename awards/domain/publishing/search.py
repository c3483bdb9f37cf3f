"""Full-text search of the impact cases, by each database's own engine.

SQLite: the FTS5 table `impact_cases_fts` (Porter stemmer), ranked by bm25; PostgreSQL: the
generated column `impact_cases.search_vector` (English configuration, GIN index), ranked by
ts_rank. Both are built by migration f7c2a9d4e801 and kept in step by the database itself (triggers,
a generated column), so every way a case is written (the ORM, the bulk seeding) is indexed.

A reader's words never reach either engine as query syntax: on SQLite each word is a quoted FTS5
string (a phrase of the tokens in it), on PostgreSQL the words go through `plainto_tsquery`, which
reads no operators. Every word is required. The title counts most, then the summary, then the rest
(organisation, partners): weights 10, 4 and 1 (bm25) as A, B and D (ts_rank's 1.0, 0.4 and 0.1).

The matched words of a case's summary come from the same engine (FTS5 `highlight()`, PostgreSQL
`ts_headline` over the whole text) between two private-use characters; `excerpt` cuts the marked
summary to a few dozen words around the first match and turns the marks into `<mark>` elements
around escaped text, the same way on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Integer, column, false, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSVECTOR

from awards.models import ImpactCase

# Around each matched word in the text the engine gives back (private use characters, never markup).
MARK_START, MARK_END = "\ue000", "\ue001"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_SENTINELS = re.compile(f"[{MARK_START}{MARK_END}]")

# The weight of a match in the title, the summary and the rest of the search text.
WEIGHTS = (10.0, 4.0, 1.0)
# An excerpt: this many words, starting this many words before the first match.
EXCERPT_WORDS = 30
EXCERPT_LEAD = 6
ELLIPSIS = "…"

_FTS = table("impact_cases_fts", column("rowid", Integer))
_FTS_NAME: ColumnElement[str] = literal_column("impact_cases_fts")
_VECTOR = literal_column("impact_cases.search_vector", TSVECTOR)
_ENGLISH: ColumnElement[str] = literal_column("'english'::regconfig")
_SUMMARY_COLUMN = 1
# The same weights for ts_rank, scaled to 1 at most, in its order: D (the rest), C (unused), B (summary), A (title).
_TS_WEIGHTS: ColumnElement[list[float]] = literal_column(
    "'{" + ",".join(str(w / WEIGHTS[0]) for w in (WEIGHTS[2], 0.0, WEIGHTS[1], WEIGHTS[0])) + "}'::float4[]"
)
# ts_rank's normalisation 1: divided by 1 + the logarithm of the text's length, so that, as with bm25,
# a word found in a short text counts for more than once in a long one.
_BY_LENGTH = 1  # the FTS5 table's columns: title, summary, search_text


def searchable_words(terms: list[str]) -> list[str]:
    """The words that can match something: those with a letter or a digit (a lone "*", "&" or
    quotation mark finds nothing on either engine, so it is not asked about)."""
    return [term for term in terms if any(ch.isalnum() for ch in term)]


def fts5_query(words: list[str]) -> str:
    """An FTS5 query requiring every word: each one a quoted string (a quotation mark in it
    doubled), so a reader's `*`, `:`, `NEAR`, `OR` or brackets are words, never operators."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


@dataclass(frozen=True)
class Search:
    """The SQL for one search on one database: the condition a matching case meets, its rank
    (lower is better) and its summary with the matched words marked.

    On SQLite the rank comes from the FTS5 table, which must be in the statement's FROM with its
    MATCH (`join`); on PostgreSQL it is an expression on the case's row."""

    dialect: str
    words: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.words

    def _tsquery(self):
        return func.plainto_tsquery(_ENGLISH, " ".join(self.words))

    def matches(self) -> ColumnElement[bool]:
        """Whether a case matches every word (a condition on ImpactCase, for counting and filtering)."""
        if self.empty:
            return false()
        if self.dialect == "postgresql":
            return _VECTOR.bool_op("@@")(self._tsquery())
        return ImpactCase.id.in_(select(_FTS.c.rowid).where(self._fts_match()))

    def _fts_match(self) -> ColumnElement[bool]:
        return _FTS_NAME.bool_op("MATCH")(fts5_query(list(self.words)))

    def join(self, statement):
        """`statement` (over ImpactCase) with what `rank` and `marked_summary` read: on SQLite the
        FTS5 table, joined by rowid and restricted to the matches."""
        if self.dialect == "postgresql":
            return statement.where(self.matches())
        return statement.join(_FTS, _FTS.c.rowid == ImpactCase.id).where(self._fts_match())

    def rank(self) -> ColumnElement[float]:
        """Relevance, lower first: bm25 (negative, more so the better the match) or minus ts_rank."""
        if self.dialect == "postgresql":
            return -func.ts_rank(_TS_WEIGHTS, _VECTOR, self._tsquery(), _BY_LENGTH)
        return func.bm25(_FTS_NAME, *WEIGHTS)

    def marked_summary(self) -> ColumnElement[str]:
        """The case's whole summary with each matched word between MARK_START and MARK_END (for a
        statement over ImpactCase). On SQLite a subquery finds the case's row of the FTS5 table by
        its rowid within the matches (`highlight()` needs the MATCH): for a page of cases that is
        quicker than joining the whole of the matches again."""
        if self.dialect == "postgresql":
            options = f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_END}"
            return func.ts_headline(_ENGLISH, ImpactCase.summary, self._tsquery(), options)
        marked = func.highlight(_FTS_NAME, _SUMMARY_COLUMN, MARK_START, MARK_END)
        return select(marked).where(self._fts_match(), _FTS.c.rowid == ImpactCase.id).scalar_subquery()


def search_for(dialect: str, terms: list[str]) -> Search:
    return Search(dialect, tuple(searchable_words(terms)))


def excerpt(marked: str | None) -> Markup | None:
    """A marked summary (see `Search.marked_summary`) as a short excerpt: EXCERPT_WORDS words from a
    little before the first matched word, an ellipsis where it is cut, each matched word in a
    `<mark>` element and everything else escaped text. None for an empty summary."""
    if not marked or not marked.strip():
        return None
    # The plain text, and where the marks were in it (any stray mark character in the text itself is dropped).
    plain, spans, at = [], [], 0
    for found in _MARKED.finditer(marked):
        before = _SENTINELS.sub("", marked[at : found.start()])
        plain.append(before)
        start = sum(map(len, plain))
        plain.append(found.group(1))
        spans.append((start, start + len(found.group(1))))
        at = found.end()
    plain.append(_SENTINELS.sub("", marked[at:]))
    text = "".join(plain)
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if not words:
        return None
    first = next((i for i, (_s, end) in enumerate(words) if spans and end > spans[0][0]), 0)
    start_word = max(0, first - EXCERPT_LEAD) if spans else 0
    end_word = min(len(words), start_word + EXCERPT_WORDS)
    start_word = max(0, end_word - EXCERPT_WORDS)
    begin, finish = words[start_word][0], words[end_word - 1][1]
    parts: list[str] = []
    if start_word > 0:
        parts.append(ELLIPSIS)
    at = begin
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, begin), min(span_end, finish)
        if span_start >= span_end:
            continue
        parts += [escape(text[at:span_start]), Markup("<mark>"), escape(text[span_start:span_end]), Markup("</mark>")]
        at = span_end
    tail = text[at:finish]
    if end_word < len(words):  # cut: no stop or comma before the ellipsis
        parts += [escape(tail.rstrip(",.;:")), ELLIPSIS]
    else:
        parts.append(escape(tail))
    return Markup("").join(parts)
