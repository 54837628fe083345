"""Full-text search of recommended activities: the public catalogue and the similar-activity hint.

A request is *recommended* — in the catalogue — once its letter is issued: state issued, sent
or closed, and the letter's ``issued_at`` set. Only public fields ever leave this module (see
:class:`Hit`): never tracking codes, people, e-mail addresses or addresses.

One interface, two engines, chosen by the session's database:

* SQLite: the FTS5 table ``activity_fts`` (tokenizer ``unicode61 remove_diacritics 2``), one row
  per request (rowid = request id), ranked with ``bm25`` weighting the title highest. Whether a
  row is recommended is decided here, by joining the request and its letter.
* PostgreSQL: ``activity_search(request_id, document tsvector)`` with a GIN index, one row per
  recommended request, text search configuration ``simple`` (+ ``unaccent`` where the migration
  could create it), ranked with ``ts_rank_cd``: title A, objectives B, agency/sector C,
  variables D.

The index is kept in step by **database triggers** (migrations 0003, 0012) on activity_request,
letter (PostgreSQL) and request_variable: the workflow, the staff screens, bulk inserts of the
demo generator and hand-written SQL all keep it right, in their own transaction, without calling
anything here. :func:`index_request`, :func:`unindex_request` and :func:`reindex_all` are for
repairs (and :func:`check_index` says whether a repair is needed: a later SQLite batch migration
that recreates activity_request or request_variable drops their triggers).

The sector is stored as a code of models.SECTORS; the index holds its Indonesian label (the
"other, namely" text for "other"), so "kesehatan" finds health activities. The triggers carry
the labels written out (migration 0012), the repair here builds the same CASE from
models.SECTORS under ``force_locale("id")`` (:func:`sector_document_sql`), and
tests/test_catalogue_metadata.py holds the two together. The ``sector`` filter is a code.

Bounded work per query, whatever the catalogue's size: a query ranks at most
:data:`CANDIDATES` matches — the newest (highest request id), picked by the index in id order
without scoring the rest — and counts no further than that (:attr:`Page.more` says there are
more; the page asks for more words). A word found in most of 100 000 activities ("survei")
thus costs what a rare one does, and its ranking among the newest matches is what a reader
of a catalogue that broad wants anyway. Only the rows shown are then joined to their letters
and offices. The facets of the search form are cached per process (:data:`FACETS_TTL_S`).

User input never reaches the search syntax: it is cut into words (letters and digits), each word
is quoted (FTS5) or turned into a query by ``plainto_tsquery``/a quoted prefix (PostgreSQL), and
every value travels as a bound parameter.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import time
import unicodedata
from typing import Optional

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.dialects.postgresql import TSQUERY

from app.models import SECTORS, ActivityRequest, Letter, Office

RECOMMENDED_STATES = ("issued", "sent", "closed")

MAX_QUERY_CHARS = 500  # of the search box; the rest is ignored
MAX_TEXT_CHARS = 2000  # of the text similar() compares
MAX_QUERY_TERMS = 12
MAX_SIMILAR_TERMS = 40
MAX_TERM_CHARS = 64
MAX_FILTER_CHARS = 200
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
CANDIDATES = 1000  # matches ranked (and counted) per query: see the module's docstring
FACETS_TTL_S = 300.0  # a new letter shows in the form's lists at the latest this much later
SIMILAR_RARE_TERMS = 8  # similar() searches with the text's rarest words only,
SIMILAR_COMMON_AT = 200  # leaving out those found in this many activities or more

# FTS5 bm25 weights, in the column order of activity_fts.
FTS5_WEIGHTS = {"title": 10.0, "objectives": 4.0, "agency": 2.0, "sector": 2.0, "variables": 1.0}
# ts_rank_cd normalisation: divide by 1 + log(document length) (1), map into [0, 1) (32).
PG_RANK_NORMALISATION = 1 | 32

# Words too common to say two activities are alike (similar() only; search() keeps every word).
SIMILAR_STOPWORDS = frozenset("""
    yang dan di ke dari untuk dengan pada dalam ini itu atau oleh sebagai adalah akan juga tidak
    serta agar bagi kepada tentang terhadap per para secara antara setiap tiap guna melalui
    sesuai mengenai yaitu serta dapat telah
    survei survey kegiatan statistik data tahun kota kabupaten kab provinsi
    the of and for in on to a an
""".split())

# Objects of the index outside the models' metadata (Alembic autogenerate leaves them alone).
SEARCH_TABLES = frozenset({
    # SQLite: the FTS5 table and its shadow tables
    "activity_fts", "activity_fts_data", "activity_fts_idx", "activity_fts_content",
    "activity_fts_docsize", "activity_fts_config",
    # PostgreSQL
    "activity_search",
})
SQLITE_TRIGGERS = (
    "activity_fts_request_ai", "activity_fts_request_au", "activity_fts_request_ad",
    "activity_fts_variable_ai", "activity_fts_variable_au", "activity_fts_variable_ad",
)
PG_TRIGGERS = ("activity_search_request", "activity_search_letter", "activity_search_variable")

_R = ActivityRequest.__table__
_L = Letter.__table__
_O = Office.__table__
_FTS = sa.table("activity_fts", sa.column("rowid"))
_PGS = sa.table("activity_search", sa.column("request_id"), sa.column("document"))
_SIMPLE = sa.literal_column("'simple'::regconfig")
_WORD = re.compile(r"[^\W_]+")


# Indexes made by raw SQL of a migration on PostgreSQL only, not by the models: the requests
# list's title search (pg_trgm, migration 0030).
RAW_INDEXES = frozenset({"ix_request_title_trgm"})


def include_name(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: skip the search index's own tables and the raw indexes."""
    return not ((type_ == "table" and name in SEARCH_TABLES)
                or (type_ == "index" and name in RAW_INDEXES))


# --- results ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hit:
    """One recommended activity, public fields only."""

    request_id: int
    recommendation_code: Optional[str]
    title: str
    year: int
    agency_name: Optional[str]
    sector: Optional[str]  # a code of models.SECTORS
    sector_label: str  # in the reader's language; "other": the applicant's text
    kind: str
    letter_number: str
    letter_date: Optional[dt.date]
    office_name: str
    score: Optional[float] = None  # higher is closer; None when listing without words
    result: str = "fit"  # the letter's: "fit", or "not_fit" (not yet fit, with its reasons)

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["letter_date"] = self.letter_date.isoformat() if self.letter_date else None
        data["score"] = None if self.score is None else round(self.score, 6)
        return data


@dataclasses.dataclass(frozen=True)
class Page:
    items: list
    total: int  # matches counted, at most CANDIDATES
    page: int
    per_page: int
    more: bool = False  # more than ``total`` match: only the newest ``total`` are ranked

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first item shown (0 when nothing is shown)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0


@dataclasses.dataclass(frozen=True)
class Facets:
    years: list
    agencies: list


# --- sectors ---------------------------------------------------------------------------------


def sector_label(code: Optional[str], other: Optional[str] = None) -> str:
    """A sector as a person reads it, in the current language: the label of its code, the
    "other, namely" text for "other" (the label "Other sector" when there is none), "" for
    none. The index holds the same text in Indonesian (:func:`sector_document_sql`)."""
    if not code:
        return ""
    if code == "other":
        text = (other or "").strip()
        if text:
            return text
    label = SECTORS.get(code)
    return code if label is None else str(label)


def is_sector(code) -> bool:
    return isinstance(code, str) and code in SECTORS


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sector_document_sql(r: str) -> str:
    """SQL of the sector's text in the index, from the request row ``r``: the CASE migration
    0012 writes into the triggers, built from models.SECTORS' Indonesian labels."""
    with force_locale("id"):
        labels = {code: str(label) for code, label in SECTORS.items()}
    whens = " ".join(f"WHEN {_sql_text(code)} THEN {_sql_text(label)}"
                     for code, label in labels.items() if code != "other")
    other = (f"WHEN 'other' THEN coalesce(nullif(trim({r}.sector_other), ''), "
             f"{_sql_text(labels['other'])})")
    return f"(CASE {r}.sector {whens} {other} ELSE coalesce({r}.sector, '') END)"


# --- input -----------------------------------------------------------------------------------


def terms(text: Optional[str], *, max_chars: int = MAX_QUERY_CHARS,
          max_terms: int = MAX_QUERY_TERMS, stopwords=frozenset(), distinct: bool = False,
          min_chars: int = 1) -> list[str]:
    """The words of user text: runs of letters and digits, lower-cased, at most ``max_terms``.

    Everything else — quotes, ``*``, ``:``, parentheses, operators — separates words and is
    dropped, so no search syntax can come through.
    """
    text = unicodedata.normalize("NFKC", text or "")[:max_chars]
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group().lower()[:MAX_TERM_CHARS]
        if len(word) < min_chars or word in stopwords or (distinct and word in found):
            continue
        found.append(word)
        if len(found) >= max_terms:
            break
    return found


def _ends_in_word(text: str) -> bool:
    """Is the user still typing the last word (no space or punctuation after it)?"""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS]
    return bool(text) and bool(_WORD.fullmatch(text[-1]))


def _clean_filter(value: Optional[str]) -> Optional[str]:
    """A free-text filter: control characters (NUL included) removed, trimmed, capped."""
    if value is None:
        return None
    value = "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cc").strip()
    return value[:MAX_FILTER_CHARS] or None


def _fts5_query(words: list[str], joiner: str, prefix_last: bool) -> str:
    """An FTS5 MATCH string of quoted words (a quoted string is a phrase, never syntax)."""
    parts = ['"%s"' % w.replace('"', '""') for w in words]
    if prefix_last:
        parts[-1] += "*"
    return f" {joiner} ".join(parts)


def _pg_tsquery(words: list[str], op: str, prefix_last: bool):
    """A tsquery built from one plainto_tsquery per word (a prefix query for the last one)."""
    parts = []
    for i, word in enumerate(words):
        norm = sa.func.rekomstat_search_norm(sa.literal(word, sa.Text))
        if prefix_last and i == len(words) - 1:
            parts.append(sa.func.to_tsquery(
                _SIMPLE, sa.func.quote_literal(norm).op("||")(sa.literal(":*", sa.Text))))
        else:
            parts.append(sa.func.plainto_tsquery(_SIMPLE, norm))
    query = parts[0]
    for part in parts[1:]:
        query = query.op(op)(part)
    # A scalar subquery: PostgreSQL computes it once (an InitPlan), not once per row.
    return sa.select(query).scalar_subquery()


# --- queries ---------------------------------------------------------------------------------


def dialect(session) -> str:
    return session.get_bind().dialect.name


def _recommended():
    return sa.and_(_R.c.state.in_(RECOMMENDED_STATES), _L.c.issued_at.is_not(None))


def in_catalogue():
    """The WHERE of "recommended" on activity_request alone (for queries without the letter
    joined, e.g. the catalogue API's ORM list): the state, and an issued letter exists."""
    issued = sa.exists(sa.select(_L.c.id).where(_L.c.request_id == _R.c.id,
                                                _L.c.issued_at.is_not(None)))
    return sa.and_(_R.c.state.in_(RECOMMENDED_STATES), issued)


def _hit_columns():
    return (
        _R.c.id, _R.c.recommendation_code, _R.c.title, _R.c.year, _R.c.agency_name, _R.c.sector,
        _R.c.kind, _L.c.number, _L.c.letter_date, _O.c.name, _R.c.sector_other, _L.c.result,
    )


def _catalogue_from(index=None):
    joined = _R.join(_L, _L.c.request_id == _R.c.id).join(_O, _O.c.id == _R.c.office_id)
    if index is None:
        return joined
    key = index.c.rowid if index is _FTS else index.c.request_id
    return index.join(joined, _R.c.id == key)


def _to_hit(row, score=None) -> Hit:
    return Hit(row[0], row[1], row[2], row[3], row[4], row[5], sector_label(row[5], row[10]),
               row[6], row[7], row[8], row[9], score, row[11] or "fit")


def _sqlite_score(value) -> float:
    """bm25 (lower is better, <= 0) as a score in [0, 1), higher is closer."""
    value = max(0.0, -float(value))
    return value / (1.0 + value)


def _candidates(session, words, joiner, prefix_last, conditions, limit):
    """The newest ``limit`` recommended activities matching ``words`` (and ``conditions`` on
    activity_request), as (request id, score) in descending id order.

    The index yields matches in id order, so the scan stops after ``limit`` of them and only
    those are scored — a common word costs what a rare one does. On SQLite an issued letter
    marks a recommended activity (read from ix_letter_request_issued alone); the workflow keeps
    it in step with the request's state, which :func:`_hits` checks again on the rows shown.
    activity_request is joined only for the caller's filters.
    """
    if dialect(session) == "postgresql":
        # activity_search holds recommended activities only (its triggers see to that): no
        # letter to read here.
        # The query as a value, not a subquery: the planner then reads how common its words
        # are (the tsvector statistics) and walks the newest rows by primary key for a common
        # word, stopping at the limit, instead of fetching every match and sorting them.
        # Computed first because rekomstat_search_norm (unaccent) is only STABLE.
        text = session.execute(sa.select(sa.cast(
            _pg_tsquery(words, "&&" if joiner == "AND" else "||", prefix_last), sa.Text))).scalar()
        if not text:
            return []  # nothing left to search for (e.g. only signs)
        # Rendered into the statement (literal_execute), not a parameter: psycopg prepares a
        # statement it sees often and PostgreSQL would then plan it once for any words.
        query = sa.cast(sa.bindparam("tsquery_text", text, sa.Text, literal_execute=True),
                        TSQUERY)
        source = _PGS.join(_R, _R.c.id == _PGS.c.request_id) if conditions else _PGS
        # Scored outside the LIMIT: inside it, PostgreSQL would rank every match before
        # keeping the newest (ts_rank_cd is not costed as expensive enough to postpone).
        newest = (
            sa.select(_PGS.c.request_id, _PGS.c.document).select_from(source)
            .where(_PGS.c.document.bool_op("@@")(query), *conditions)
            .order_by(_PGS.c.request_id.desc()).limit(limit).subquery()
        )
        rank = sa.func.ts_rank_cd(newest.c.document, query, PG_RANK_NORMALISATION)
        rows = session.execute(
            sa.select(newest.c.request_id, rank).order_by(newest.c.request_id.desc())).all()
        return [(rid, float(score)) for rid, score in rows]
    match = sa.text("activity_fts MATCH :fts_query").bindparams(
        fts_query=_fts5_query(words, joiner, prefix_last))
    weights = ", ".join(repr(w) for w in FTS5_WEIGHTS.values())
    bm25 = sa.literal_column(f"bm25(activity_fts, {weights})")
    source = _FTS.join(_L, _L.c.request_id == _FTS.c.rowid)
    if conditions:
        source = source.join(_R, _R.c.id == _FTS.c.rowid)
    rows = session.execute(
        sa.select(_FTS.c.rowid, bm25).select_from(source)
        .where(match, _L.c.issued_at.is_not(None), *conditions)
        .order_by(_FTS.c.rowid.desc()).limit(limit)
    ).all()
    return [(rid, _sqlite_score(raw)) for rid, raw in rows]


def _best_first(candidates):
    """Closest first; among equals the newest request."""
    return sorted(candidates, key=lambda c: (c[1], c[0]), reverse=True)


def _hits(session, chosen) -> list[Hit]:
    """The public rows of the chosen (request id, score) candidates, in their order."""
    if not chosen:
        return []
    rows = session.execute(
        sa.select(*_hit_columns()).select_from(_catalogue_from())
        .where(_R.c.id.in_([c[0] for c in chosen]), _recommended())
    ).all()
    by_id = {row[0]: row for row in rows}
    return [_to_hit(by_id[rid], score) for rid, score in chosen if rid in by_id]


def _page_bounds(page: int, per_page: int, total: int) -> tuple[int, int]:
    start = (page - 1) * per_page
    return start, min(start + per_page, total)


def search(session, q: str = "", year: Optional[int] = None, agency: Optional[str] = None,
           sector: Optional[str] = None, page: int = 1, per_page: int = 20) -> Page:
    """Recommended activities matching every word of ``q`` (the last one as a prefix while it
    is being typed), best first; without words, the newest letters first.

    ``year`` is the activity's year; ``agency`` matches case-insensitively anywhere in the
    field; ``sector`` is a code of models.SECTORS (another value finds nothing; the callers
    refuse or ignore it). ``page`` counts from 1. At most :data:`CANDIDATES` matches are
    counted and ranked (``Page.more`` says when more match).
    """
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    page = min(max(int(page), 1), MAX_PAGE)
    if year is not None and not 1 <= int(year) <= 9999:
        return Page([], 0, page, per_page)
    conditions = []
    if year is not None:
        conditions.append(_R.c.year == int(year))
    agency, sector = _clean_filter(agency), _clean_filter(sector)
    if agency:
        conditions.append(sa.func.lower(_R.c.agency_name).contains(agency.lower(),
                                                                  autoescape=True))
    if sector:
        if not is_sector(sector):
            return Page([], 0, page, per_page)
        conditions.append(_R.c.sector == sector)

    words = terms(q)
    if words:
        found = _candidates(session, words, "AND", _ends_in_word(q), conditions,
                            CANDIDATES + 1)
        more, found = len(found) > CANDIDATES, found[:CANDIDATES]
        start, stop = _page_bounds(page, per_page, len(found))
        items = _hits(session, _best_first(found)[start:stop])
        return Page(items, len(found), page, per_page, more)

    # Without words the order is the letters' (an index on letter.issued_at walks it), and
    # the count stops at CANDIDATES + 1 like a search's.
    where = sa.and_(_recommended(), *conditions)
    counted = session.execute(sa.select(sa.func.count()).select_from(
        sa.select(_R.c.id).select_from(_catalogue_from()).where(where)
        .limit(CANDIDATES + 1).subquery())).scalar() or 0
    more, total = counted > CANDIDATES, min(counted, CANDIDATES)
    start, stop = _page_bounds(page, per_page, total)
    rows = [] if start >= stop else session.execute(
        sa.select(*_hit_columns()).select_from(_catalogue_from()).where(where)
        .order_by(_L.c.issued_at.desc(), _R.c.id.desc()).limit(stop - start).offset(start)
    ).all()
    return Page([_to_hit(row) for row in rows], total, page, per_page, more)


def every_activity(session, year: Optional[int] = None, batch: int = 1000):
    """Every recommended activity (public fields), the newest letter first: the open-data
    download. Read in batches, so a catalogue of any size streams in bounded memory."""
    where = [_recommended()]
    if year is not None:
        where.append(_R.c.year == int(year))
    stmt = (sa.select(*_hit_columns()).select_from(_catalogue_from()).where(*where)
            .order_by(_L.c.issued_at.desc(), _R.c.id.desc())
            .execution_options(yield_per=batch))
    for row in session.execute(stmt):
        yield _to_hit(row)


def _rarest(session, words: list[str], keep: int) -> list[str]:
    """At most ``keep`` of the words, the rarest first: words found nowhere are dropped (they
    cannot make two activities alike), and so are words in SIMILAR_COMMON_AT activities or
    more (a place or agency name every request carries says nothing) unless nothing rarer is
    left. One statement; each word's count stops there, a short scan of the index."""
    if not words:
        return []
    counts = []
    for position, word in enumerate(words):
        if dialect(session) == "postgresql":
            hit = sa.select(sa.literal(1)).select_from(_PGS).where(
                _PGS.c.document.bool_op("@@")(_pg_tsquery([word], "&&", False)))
        else:
            hit = sa.select(_FTS.c.rowid).where(sa.text(f"activity_fts MATCH :w{position}")
                                                .bindparams(**{f"w{position}":
                                                               _fts5_query([word], "AND", False)}))
        counted = sa.select(sa.func.count()).select_from(
            hit.limit(SIMILAR_COMMON_AT).subquery())
        counts.append(sa.select(sa.literal(position).label("position"),
                                counted.scalar_subquery().label("found")))
    rows = session.execute(sa.union_all(*counts)).all()
    ranked = sorted((found, position) for position, found in rows if found)
    telling = [r for r in ranked if r[0] < SIMILAR_COMMON_AT] or ranked[:2]
    return [words[position] for _found, position in telling[:keep]]


def similar(session, text: str, limit: int = 5,
            exclude_request_id: Optional[int] = None) -> list[Hit]:
    """The recommended activities closest to a free text (a request's title and objectives
    while it is typed): any of its rarest words may match, the rarer and the more in the title
    the better. For catching duplicate surveys."""
    limit = min(max(int(limit), 1), MAX_PER_PAGE)
    words = terms(text, max_chars=MAX_TEXT_CHARS, max_terms=MAX_SIMILAR_TERMS,
                  stopwords=SIMILAR_STOPWORDS, distinct=True, min_chars=2)
    words = _rarest(session, words, SIMILAR_RARE_TERMS)
    if not words:
        return []
    conditions = []
    if exclude_request_id is not None and -2**31 <= int(exclude_request_id) < 2**31:
        conditions.append(_R.c.id != int(exclude_request_id))
    found = _candidates(session, words, "OR", False, conditions, CANDIDATES)
    return _hits(session, _best_first(found)[:limit])


_facets_cache: dict = {}


def clear_facets_cache() -> None:
    _facets_cache.clear()


def facets(session, limit: int = 300) -> Facets:
    """The years and agencies present in the catalogue (for the search form; the sectors are
    models.SECTORS, all of them).

    Two DISTINCTs over the whole catalogue cost more than the search itself at 100 000
    activities, and they change only when a letter is issued: each process keeps them until
    a letter is added or issued or FACETS_TTL_S has passed (other edits show within that time).
    """
    # Two scalar subqueries, each answered from an index end (one SELECT of two max()
    # aggregates would scan the table on SQLite).
    newest = tuple(session.execute(sa.select(
        sa.select(sa.func.max(_L.c.issued_at)).scalar_subquery(),
        sa.select(sa.func.max(_L.c.id)).scalar_subquery())).one())
    key = (str(session.get_bind().url), limit)
    cached = _facets_cache.get(key)
    now = time.monotonic()
    if cached and cached[0] == newest and now - cached[1] < FACETS_TTL_S:
        return cached[2]

    def distinct(column, descending=False):
        stmt = (sa.select(column).distinct().select_from(_catalogue_from())
                .where(_recommended(), column.is_not(None))
                .order_by(column.desc() if descending else column).limit(limit))
        return [v for v in session.execute(stmt).scalars() if v not in ("", None)]

    result = Facets(distinct(_R.c.year, descending=True), distinct(_R.c.agency_name))
    _facets_cache[key] = (newest, now, result)
    return result


# --- keeping the index in step (repairs: triggers do it day to day) ---------------------------

def _sqlite_row() -> str:
    """The FTS5 rows of activity_request r, as the triggers write them (migration 0012)."""
    return f"""
INSERT INTO activity_fts (rowid, title, objectives, agency, sector, variables)
SELECT r.id, coalesce(r.title, ''), coalesce(r.objectives, ''),
       trim(coalesce(r.agency_name, '') || ' ' || coalesce(r.agency_unit, '')),
       {sector_document_sql("r")},
       (SELECT coalesce(group_concat(v.name || ' ' || coalesce(v.concept, ''), ' '), '')
          FROM request_variable v WHERE v.request_id = r.id)
  FROM activity_request r
"""


def _in_catalogue(session, request_id: int) -> bool:
    return session.execute(
        sa.select(_R.c.id).select_from(_catalogue_from())
        .where(_R.c.id == request_id, _recommended())
    ).first() is not None


def index_request(session, request_id: int) -> bool:
    """Recompute one request's index entry in the caller's transaction (the triggers already
    do this on every change). Returns whether the request is in the catalogue."""
    if dialect(session) == "postgresql":
        session.execute(sa.text("SELECT rekomstat_search_refresh(:id)"), {"id": request_id})
    else:
        session.execute(sa.text("DELETE FROM activity_fts WHERE rowid = :id"), {"id": request_id})
        session.execute(sa.text(_sqlite_row() + " WHERE r.id = :id"), {"id": request_id})
    return _in_catalogue(session, request_id)


def unindex_request(session, request_id: int) -> None:
    """Drop one request's index entry (it comes back with its next change or a reindex)."""
    if dialect(session) == "postgresql":
        session.execute(sa.text("DELETE FROM activity_search WHERE request_id = :id"),
                        {"id": request_id})
    else:
        session.execute(sa.text("DELETE FROM activity_fts WHERE rowid = :id"), {"id": request_id})


def reindex_all(session) -> int:
    """Rebuild the whole index in the caller's transaction (the caller commits). Returns the
    number of activities in the catalogue."""
    if dialect(session) == "postgresql":
        session.execute(sa.text("DELETE FROM activity_search"))
        session.execute(
            sa.select(sa.func.rekomstat_search_refresh(_R.c.id)).select_from(_catalogue_from())
            .where(_recommended())
        ).all()
    else:
        session.execute(sa.text("DELETE FROM activity_fts"))
        session.execute(sa.text(_sqlite_row()))
        session.execute(sa.text("INSERT INTO activity_fts (activity_fts) VALUES ('optimize')"))
    return int(session.execute(
        sa.select(sa.func.count()).select_from(_catalogue_from()).where(_recommended())
    ).scalar())


def check_index(session) -> list[str]:
    """What is missing for the index to stay in step (empty when all is well)."""
    if dialect(session) == "postgresql":
        present = set(session.execute(sa.text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        tables = set(session.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
        expected_triggers, expected_table = PG_TRIGGERS, "activity_search"
    else:
        present = set(session.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        tables = set(session.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
        expected_triggers, expected_table = SQLITE_TRIGGERS, "activity_fts"
    problems = [f"missing table {expected_table}"] if expected_table not in tables else []
    problems += [f"missing trigger {name}" for name in expected_triggers if name not in present]
    return problems
