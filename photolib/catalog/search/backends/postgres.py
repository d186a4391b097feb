"""The PostgreSQL backend: full-text search on ``SearchDocument.vector`` (weights A
title, B tags, C place, D description and the photographer's names; ``websearch``-like
syntax, the last word also matched as a prefix while typing), over the documents marked
``cleared`` (indexes limited to them), with every photo it shows checked against the
rights-cleared rule itself. The notes below say why it is shaped as it is."""

from __future__ import annotations

import json
import logging
from functools import cache

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.db.models import CharField, OuterRef, QuerySet, Value
from django.utils import timezone

from photolib import languages
from photolib.catalog.models import SearchDocument, SearchWord
from photolib.catalog.search import query, words
from photolib.catalog.search.backends.base import SearchBackend
from photolib.catalog.search.query import FACET_LIMIT, Facet, Filters, SearchResult
from photolib.catalog.search.words import Parsed
from photolib.photos.models import Photo

log = logging.getLogger(__name__)


def _words_sql(parsed: Parsed, langs: tuple[str, ...], weights: str = "") -> tuple[str, tuple]:
    """SQL for documents matching ``parsed`` (with ``weights``: its positive words in
    parts of those weights only, ``words.tsquery``), each read in its own language's
    configuration (``unaccent``, then its stemmer and stop words): one condition per
    language in use, ``language = <it> AND vector @@ <the words read in it>``, which
    that language's index (migration 0014) answers without reading the row. The
    language's name is SQL text (one of ``languages.LANGUAGES``, so that the planner
    matches it to its index); the query text and the configuration are parameters."""
    text = words.tsquery(parsed, weights)
    parts, params = [], ()
    for lang in langs:
        languages.check(lang, "language")
        parts.append(f"(language = '{lang}' AND vector @@ to_tsquery(%s::regconfig, %s))")
        params += (languages.ts_config(lang), text)
    return "(" + " OR ".join(parts) + ")", params


@cache
def _cleared_photos() -> QuerySet[Photo]:
    """``Photo.objects.cleared()``, built once per process: its SQL reads the database's
    clock, so it is the same for every search, and building it again took a millisecond
    and a half of each. Only ever narrowed (a copy), never evaluated itself."""
    return Photo.objects.cleared()


def _any_word_query(parsed: Parsed, language: str) -> SearchQuery:
    """Every positive word of ``parsed`` OR-ed (prefixes kept): what GIN has to list."""
    terms = [w + (":*" if t.prefix and w == t.words[-1] else "")
             for c in parsed.positive for t in c.terms for w in t.words][:12] or ["x"]
    return SearchQuery(" | ".join(terms), search_type="raw",
                       config=languages.ts_config(language))


# Why it is shaped like this (bench/search.py measures it at 100k and 1M photos; the
# numbers are in its output and in issue 13's note):
#
# * The rule is not evaluated for every match. Its conditions join the photo to its
#   grant, attestation and the withdrawals (8-17 us a row here), so counting 10,001
#   matches with it cost 100-170 ms. A document instead carries the rule's last answer
#   (``cleared``, ``cleared_until``), written only by ``index.refresh_clearance`` from
#   ``Photo.objects.cleared()`` and unset by triggers in the transaction of any change
#   to what the rule reads (migration 0013); every index the search walks is limited to
#   documents so marked. The photos of a page are then checked against the rule itself
#   (``grid_photos(Photo.objects.cleared(), ...)``): a stale mark could only hide a photo.
# * Totals are exact up to FACET_CAP: the matches are counted to FACET_CAP + 1 without
#   reading the table where GIN can say it (a bitmap scan of an all-visible page needs no
#   visit), so the end of a licence term (``cleared_until``, on the row) is subtracted
#   in a second count over the few marked documents whose term has ended since the
#   periodic job last looked (an index on ``cleared_until``).
# * GIN lists every posting of a word before it returns a row (about 0.15 us each): for
#   a word in a third of a million documents that is 45 ms, while reading documents in
#   order until 10,001 match costs about 0.35 us a document, the same at any size. So
#   each statement is planned for the access the planner's estimate of the matches
#   (one EXPLAIN, well under a millisecond) says is cheaper, with bitmap or sequential
#   scans turned off for it; a phrase always goes through GIN (its estimate is that of
#   its words, far too high).
# * Facets are counted over the newest FACET_SAMPLE + 1 matches (in the sort's date
#   order), shown as "n+" when there are more ("1,000+"): counting them over 10,000
#   matches cost 70 ms. The same statement returns those matches' order and relevance
#   tiers, and the page is taken from them whenever they hold it (every match newer
#   than the sample's oldest is in it): most searches read no page of their own.
# * Relevance is the best part in which all the words are found: title, then tags, then
#   place, then description and credit (tiers A, AB, ABC, the rest); newest first
#   within a tier. When the sample does not hold the page, each tier is read in date
#   order, walking the date index (dense matches) or sorted (sparse), and the page
#   statement stops as soon as the rows up to the page's end are found; ranking every
#   match (``ts_rank``) cost 65 ms at 100k.
# * Filters alone are counted and walked on the newest-first index, which carries
#   every fact a filter reads (INCLUDE): an index-only scan of narrow tuples instead of
#   the wide rows (50 ms to count 10,000 square photos at 100k, 13 ms through it).
# * Session settings for the statement only (SET LOCAL, one transaction): no JIT, no
#   parallel workers, no hash or merge joins: LIMITs of a few hundred rows want index
#   probes, and JIT compiled plans whose estimated cost is that of the uncapped set.
#   Joins in the order written (join_collapse_limit 1): the page's check against the
#   rule joins six tables from the page's two dozen photos outwards, the one order worth
#   having, and searching all the others took 2.5 ms of planning for 0.6 ms of work.

TIERS = ("A", "AB", "ABC")  # then the rest: description and credit (D)

# Measured on the bench machine (bench/search.py), in microseconds.
_GIN_POSTING = 0.15  # GIN lists one posting of a word
_HEAP_ROW = 1.0  # a document read through a bitmap, its columns taken
_HEAP_VISIT = 0.6  # a document visited through a bitmap to count it
_SCAN_ROW = 0.35  # a document read in order and matched against the words
_WALK_ROW = 0.5  # a step down the date index: a document read and matched

_FACET_SQL = {
    "group": """SELECT 'group', c.group_id::text, g.name, c.n FROM (
                  SELECT m.group_id, count(*) AS n FROM m GROUP BY m.group_id) c
                JOIN consent_communitygroup g ON g.id = c.group_id
                ORDER BY c.n DESC, g.name LIMIT {limit}""",
    # Names looked up only for the most frequent tags (rank keeps those tied with the
    # last): a sample's hundreds of distinct tags cost a millisecond of look-ups.
    "tag": """SELECT 'tag', t.name, t.name, c.n FROM (
                SELECT x.tag_id, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS r
                FROM m, unnest(m.tag_ids) AS x(tag_id) GROUP BY x.tag_id) c
              JOIN photos_tag t ON t.id = c.tag_id
              WHERE c.r <= {limit}
              ORDER BY c.n DESC, t.name LIMIT {limit}""",
    "year": """SELECT 'year', y::text, y::text, count(*) FROM (
                 SELECT EXTRACT(YEAR FROM m.taken_at AT TIME ZONE %s)::int AS y
                 FROM m WHERE m.taken_at IS NOT NULL) c
               GROUP BY y ORDER BY y DESC LIMIT {limit}""",
    "shape": """SELECT 'shape', s, s, count(*) FROM (
                  SELECT CASE WHEN m.width > m.height THEN 'landscape'
                              WHEN m.width < m.height THEN 'portrait'
                              ELSE 'square' END AS s
                  FROM m WHERE m.width IS NOT NULL) c
                GROUP BY s ORDER BY count(*) DESC, s""",
    "make": """SELECT 'make', m.camera_make, m.camera_make, count(*) FROM m
               WHERE m.camera_make <> '' GROUP BY m.camera_make
               ORDER BY count(*) DESC, m.camera_make LIMIT {limit}""",
}
_SAMPLE_COLUMNS = ("photo_id", "group_id", "taken_at", "width", "height", "camera_make",
                   "tag_ids")

_ENDED = ("SELECT count(*) FROM catalog_searchdocument "
          "WHERE cleared AND cleared_until <= statement_timestamp()")
# The settings, and how many marked documents have seen their term end since the
# periodic job last looked (usually none; an index on cleared_until).
_SETTINGS = ("SELECT set_config('jit', 'off', true), "
             "set_config('max_parallel_workers_per_gather', '0', true), "
             "set_config('enable_hashjoin', 'off', true), "
             "set_config('enable_mergejoin', 'off', true), "
             "set_config('join_collapse_limit', '1', true), "
             f"set_config('from_collapse_limit', '1', true), ({_ENDED})")
_SCANS = ("SELECT set_config('enable_bitmapscan', %s, true), "
          "set_config('enable_seqscan', %s, true), set_config('enable_indexscan', %s, true)")
_SETTING_NAMES = ("jit", "max_parallel_workers_per_gather", "enable_hashjoin",
                  "enable_mergejoin", "join_collapse_limit", "from_collapse_limit",
                  "enable_bitmapscan", "enable_seqscan", "enable_indexscan")
# (enable_bitmapscan, enable_seqscan, enable_indexscan) for each way of reading.
_LIST = ("on", "off", "off")  # through GIN: list the postings (no plain index walk either)
_READ = ("off", "on", "on")  # documents in order, each matched
_WALK = ("off", "off", "on")  # down the date index
_FREE = ("on", "on", "on")  # the planner's choice (filters only)
_CURRENT_SETTINGS = "SELECT " + ", ".join(f"current_setting('{n}')" for n in _SETTING_NAMES)
_RESTORE_SETTINGS = "SELECT " + ", ".join(f"set_config('{n}', %s, true)"
                                          for n in _SETTING_NAMES)


def _execute(cursor, scans: tuple[str, str, str], sql: str, params: tuple) -> list[tuple]:
    """Run ``sql`` planned with ``scans`` (``_LIST``, ``_READ``, ``_WALK``, ``_FREE``) for
    this transaction: both statements in one round trip; returns the rows of ``sql``."""
    cursor.execute(f"{_SCANS}; {sql}", tuple(scans) + tuple(params))
    cursor.nextset()
    return cursor.fetchall()


def _has_phrase(parsed: Parsed) -> bool:
    """Whether the words hold a phrase, which the planner misjudges (see above)."""
    return any(t.phrase for c in parsed.clauses for t in c.terms)


class _Plan:
    """The scans each statement of one search is planned with, from the planner's
    estimates (``_estimates``) and the costs measured above."""

    def __init__(self, where: _Where, parsed: Parsed, langs: tuple[str, ...]) -> None:
        self.words = bool(parsed.positive)
        self.phrase = _has_phrase(parsed)
        self.matched, self.listed, self.documents = _estimates(
            where, parsed if self.words else None, langs[0])

    def _read_in_order(self, rows: float) -> bool:
        """Whether reading documents in order until ``rows`` match beats listing the
        words' postings from GIN and reading the matches (words only)."""
        if not self.words:
            return True
        if self.phrase:
            return False
        scanned = min(self.documents, rows * self.documents / self.matched)
        listed = _GIN_POSTING * self.listed + _HEAP_ROW * min(self.matched, rows)
        return _SCAN_ROW * scanned < listed

    def count(self) -> tuple[str, str, str]:
        """The scans for counting to FACET_CAP + 1; the bitmap count reads no row, so
        only the postings weigh."""
        if not self.words:
            return _FREE
        cap = query.FACET_CAP + 1
        scanned = min(self.documents, cap * self.documents / self.matched)
        listed = _GIN_POSTING * self.listed + _HEAP_VISIT * min(self.matched, cap)
        if not self.phrase and _SCAN_ROW * scanned < listed:
            return _READ
        return _LIST

    def one_pass(self) -> bool:
        """Whether the count and the sample are best read together: both would list the
        matches from GIN and read each (no date walk), and the estimate leaves room under
        FACET_CAP (above it, the rows counted are not the newest, and the sample is read
        again: an estimate too low costs that statement)."""
        return (self.words and self.matched * 2 <= query.FACET_CAP
                and self.count() == _LIST and self.sample() == _LIST
                and not self.walk(query.FACET_SAMPLE + 1))

    def sample(self) -> tuple[str, str, str]:
        if not self.words:
            return _FREE
        return _READ if self._read_in_order(query.FACET_SAMPLE + 1) else _LIST

    def walk(self, rows: int, shares: tuple[float, ...] = (1.0,)) -> bool:
        """Whether walking the date index beats finding the matches and sorting them,
        for the first ``rows`` of the matches split into parts (relevance tiers) of these
        ``shares``, read one after the other: a part smaller than what is still needed
        is walked to the end of the index (or listed and sorted whole)."""
        walked = gathered = 0.0
        need = float(rows)
        for share in shares:
            part = self.matched * share
            listing = (_GIN_POSTING * self.listed if self.words else 0.0) \
                + _HEAP_ROW * self.matched
            gathered += listing + 0.05 * part
            if part >= need:
                walked += _WALK_ROW * need * self.documents / part
                break
            walked += _WALK_ROW * self.documents
            need -= part
        return walked < gathered


def _estimates(where: _Where, q: Parsed | None, language: str) -> tuple[float, float, float]:
    """The planner's estimates, in one EXPLAIN: documents matching ``where`` (words and
    filters), documents holding any positive word of ``q`` in ``language`` (what GIN
    lists before its first row; 0 without such words), all documents marked cleared."""
    matching, params = where.select("photo_id", live=False)
    table = where.TABLE
    listed = ""
    if q:
        compiler = SearchDocument.objects.none().query.get_compiler(connection=connection)
        any_word, more = compiler.compile(_any_word_query(q, language))
        listed = (f"SELECT photo_id FROM {table} WHERE cleared "  # noqa: S608
                  f"AND vector @@ {any_word} UNION ALL ")
        params += tuple(more)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {matching} UNION ALL {listed}"  # noqa: S608
                       f"SELECT photo_id FROM {table} WHERE cleared", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = [p["Plan Rows"] for p in plan[0]["Plan"]["Plans"]]
    matched, documents = rows[0], rows[-1]
    return max(matched, 1), rows[1] if q else 0, max(documents, 1)


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _tier_conditions(parsed: Parsed, langs: tuple[str, ...]) -> list[tuple[str, tuple]]:
    """The relevance tiers of documents that match ``parsed``, best first, as SQL
    conditions: all positive words in the title; else in title or tags; else in title,
    tags or place; the rest."""
    out, before, before_params = [], [], ()
    for weights in TIERS:
        sql, params = _words_sql(parsed, langs, weights)
        out.append((" AND ".join([sql] + [f"NOT {b}" for b in before]), params + before_params))
        before.append(sql)
        before_params += params
    out.append((" AND ".join(f"NOT {b}" for b in before), before_params))
    return out


def _tier_case(parsed: Parsed, langs: tuple[str, ...]) -> tuple[str, tuple]:
    """SQL for a matching document's tier, 1-4."""
    whens, params = [], ()
    for i, weights in enumerate(TIERS, start=1):
        sql, more = _words_sql(parsed, langs, weights)
        whens.append(f"WHEN {sql} THEN {i}")
        params += more
    return f"CASE {' '.join(whens)} ELSE {len(TIERS) + 1} END", params


class _Where:
    """The search's conditions as SQL over ``catalog_searchdocument``: marked cleared,
    the filters (compiled once by Django from ``query.apply_filters``) and the words."""

    TABLE = "catalog_searchdocument"
    LIVE = "(cleared_until IS NULL OR cleared_until > statement_timestamp())"

    def __init__(self, docs: QuerySet[SearchDocument], parsed: Parsed,
                 langs: tuple[str, ...]) -> None:
        sql, params = _sql(docs.order_by().values("photo_id"))
        # One table, one selected column: everything after the first WHERE is the filters.
        self.sql, self.params = sql.split(" WHERE ", 1)[1], params
        if parsed:
            more, more_params = _words_sql(parsed, langs)
            self.sql, self.params = f"{self.sql} AND {more}", self.params + more_params

    def select(self, columns: str, *extra: tuple[str, tuple], live: bool = True,
               order: str = "", limit: str = "") -> tuple[str, tuple]:
        """SELECT ``columns`` of the matching documents (``live``: their term not ended),
        with ``extra`` conditions, ORDER BY ``order`` and LIMIT ``limit``."""
        where = [self.sql] + ([self.LIVE] if live else []) + [e[0] for e in extra]
        params = self.params + tuple(p for e in extra for p in e[1])
        sql = f"SELECT {columns} FROM {self.TABLE} WHERE {' AND '.join(where)}"  # noqa: S608
        if order:
            sql += f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {limit}"
        return sql, params


# Date orders: as the index holds them (walked), or the same with nothing an index
# provides (sorted).
_DATE_ORDER = {
    ("taken", True): "taken_at DESC NULLS LAST, uploaded_at DESC, photo_id",
    ("taken", False): "taken_at + interval '0' DESC NULLS LAST, uploaded_at DESC, photo_id",
    ("newest", True): "uploaded_at DESC, photo_id",
    ("newest", False): "uploaded_at + interval '0' DESC, photo_id",
}


class PostgresBackend(SearchBackend):
    """PostgreSQL full-text search over documents marked cleared. Queries: the plan
    settings (with the count of ended terms) and an EXPLAIN (the estimates), then each
    statement after the scans it is planned with: the total (counted to FACET_CAP + 1,
    less the documents whose term has since ended), the sample (the newest
    FACET_SAMPLE + 1 matches: facets, tiers, and the page when it holds it), the page
    (only when the sample does not hold it); then the page's photos, checked against
    the rights-cleared rule. A tag look-up when there are tags. Raises nothing for odd
    words: they are parsed by ``words.parse``."""

    vendors = ("postgresql",)

    def index_document(self, photo_id, parts: dict[str, str], language: str) -> None:
        """Write the document's weighted vector (A-D) in ``language``'s configuration,
        and its tag ids."""
        config = languages.ts_config(language)
        vector = None
        for weight, value in parts.items():
            piece = SearchVector(Value(value, output_field=CharField()), weight=weight,
                                 config=config)
            vector = piece if vector is None else vector + piece
        tags = Photo.tags.through.objects.filter(photo_id=OuterRef("photo_id"))
        SearchDocument.objects.filter(pk=photo_id).update(
            vector=vector, tag_ids=ArraySubquery(tags.order_by("tag_id").values("tag_id")))

    def nearest_words(self, wanted: list[str]) -> dict[str, str]:
        """One query: for each word no document holds, the ``CANDIDATES`` most similar
        words of the dictionary (``%`` and its trigram GIN index, at the threshold
        ``CANDIDATE_SIMILARITY`` for this statement only), of which ``words.correction``
        takes the nearest: pg_trgm's default threshold, or one slip of the keyboard."""
        if not wanted:
            return {}
        table = SearchWord._meta.db_table
        sql = (f"SELECT w.q, n.word FROM unnest(%s::text[]) AS w(q) "  # noqa: S608
               f"CROSS JOIN LATERAL (SELECT s.word FROM {table} s "
               f"WHERE s.word %% w.q ORDER BY similarity(s.word, w.q) DESC, "
               f"length(s.word) DESC, s.word LIMIT %s) n "
               f"WHERE NOT EXISTS (SELECT 1 FROM {table} e WHERE e.word = w.q)")
        candidates: dict[str, list[str]] = {}
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # set_config(..., true) lasts until the outermost transaction ends: put back
            # what a caller's transaction had.
            # (Unset before pg_trgm first loads in this session: its default then.)
            cursor.execute("SELECT coalesce(current_setting("
                           "'pg_trgm.similarity_threshold', true), %s)",
                           [str(words.SIMILARITY)])
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                           [str(words.CANDIDATE_SIMILARITY)])
            cursor.execute(sql, [wanted, words.CANDIDATES])
            for word, candidate in cursor.fetchall():
                candidates.setdefault(word, []).append(candidate)
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                           [before])
        fixes = {w: words.correction(w, found) for w, found in candidates.items()}
        return {w: fix for w, fix in fixes.items() if fix}

    def run(self, f: Filters, facet_names: tuple[str, ...],
            parsed: Parsed, langs: tuple[str, ...]) -> SearchResult:
        docs = query.apply_filters(SearchDocument.objects.filter(cleared=True), f,
                                   tag_array=True)
        page, start = f.page_number, f.page_start
        if docs.query.is_empty():  # an unknown tag
            return SearchResult(photos=[], total=0, total_capped=False, page=page,
                                pages=1, facets={name: [] for name in facet_names})
        where = _Where(docs, parsed, langs)
        ranked = f.sort == "relevance" and bool(parsed.positive)
        own_transaction = not connection.in_atomic_block
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if own_transaction:
                # One snapshot for every statement and the page's rows; one round trip.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; "
                               + _SETTINGS)
                cursor.nextset()
            else:
                # SET LOCAL outlives a savepoint: note the caller's values to restore.
                cursor.execute(_CURRENT_SETTINGS)
                restore = cursor.fetchone()
                cursor.execute(_SETTINGS)
            ended = cursor.fetchone()[-1]
            plan = _Plan(where, parsed, langs)
            stop = start + query.PAGE_SIZE + 1
            sort = "taken" if f.sort == "taken" and not ranked else "newest"
            counted = None
            if plan.one_pass():
                # Every match is read for the count anyway: the sample from the same rows.
                counted, sample = self._sample(cursor, where, facet_names, plan, parsed,
                                               langs, ranked, sort, stop, count_to=ended)
            if counted is None or counted[1]:
                total, capped = counted or self._total(cursor, where, plan, ended)
                # (Over the cap, the rows counted were not the newest: sample them.)
                _, sample = self._sample(cursor, where, facet_names, plan, parsed, langs,
                                         ranked, sort, stop)
            else:
                total, capped = counted
            sampled, tiers, found, rows = sample
            pages = query.page_count(total)
            page_rows = self._page_from_sample(sampled, tiers, rows, ranked, start, stop)
            ids, more = page_rows or self._page(cursor, where, f, plan, parsed, langs,
                                                ranked, tiers, sampled, start)
            # The rule itself, for the photos shown.
            photos = query.grid_photos(_cleared_photos(), ids)
            if len(photos) < len(ids):
                log.warning("search: %d photo(s) marked cleared failed the rule; not shown "
                            "(search-clearance-audit corrects the marks)",
                            len(ids) - len(photos))
            if not own_transaction:
                cursor.execute(_RESTORE_SETTINGS, restore)
        facets_capped = capped or sampled < total
        return SearchResult(
            photos=photos, total=total, total_capped=capped, page=page, pages=pages,
            has_next=more,
            facets={name: [Facet(key, label.title() if name == "shape" else label, n,
                                 capped=facets_capped) for key, label, n in found[name]]
                    for name in facet_names})

    @staticmethod
    def _total(cursor, where: _Where, plan: _Plan, ended: int) -> tuple[int, bool]:
        """The total, exact up to FACET_CAP, and whether it is over. Documents are
        counted without their term's end (no row read where GIN can answer), to
        FACET_CAP + 1 plus the ``ended`` marked documents whose term has ended, which
        are then counted among the matches and taken off."""
        counted, params = where.select("", live=False, limit="%s")
        ended_sql, more = where.select("", ("cleared_until <= statement_timestamp()", ()),
                                       live=False)
        ((matched, over),) = _execute(
            cursor, plan.count(),
            f"SELECT (SELECT count(*) FROM ({counted}) a), "  # noqa: S608
            f"(SELECT count(*) FROM ({ended_sql}) e)",
            params + (query.FACET_CAP + 1 + ended,) + more)
        total = matched - over
        return min(total, query.FACET_CAP), total > query.FACET_CAP

    @staticmethod
    def _sample(cursor, where: _Where, facet_names: tuple[str, ...], plan: _Plan,
                parsed: Parsed, langs: tuple[str, ...], ranked: bool, sort: str,
                stop: int, count_to: int | None = None):
        """The newest FACET_SAMPLE + 1 live matches (in the order of ``sort``, "newest"
        or "taken"): how many there were, how many in each relevance tier (when
        ``ranked``), each facet's counts over them, and (photo id, tier) of the first
        ``stop`` of each tier in that order, from which ``_page_from_sample`` takes the
        page when it can: every match newer than the sample's oldest is in it.

        With ``count_to`` (the ``ended`` of ``_total``), the same statement first reads
        the matches as ``_total`` counts them (to FACET_CAP + 1 + ``count_to``) and takes
        the sample from those rows; the total and whether it is over the cap come first
        in the answer. Over the cap those rows were not all the matches, and the sample
        is not to be used. Without it, the first element is None."""
        params: tuple = ()
        tier_case, tier_params = _tier_case(parsed, langs) if ranked else ("", ())
        names = (*_SAMPLE_COLUMNS, "i") + (("tier",) if ranked else ())
        if count_to is None:
            walk = plan.walk(query.FACET_SAMPLE + 1)
            order = _DATE_ORDER[sort, walk]
            columns = ", ".join(_SAMPLE_COLUMNS) + f", row_number() OVER (ORDER BY {order})"
            if ranked:
                columns += f", {tier_case}"
                params += tier_params
            inner, more = where.select(columns, order=order, limit="%s")
            params += more + (query.FACET_SAMPLE + 1,)
            scans = _WALK if walk else plan.sample()
            head = f"WITH m ({', '.join(names)}) AS MATERIALIZED ({inner}) "
        else:
            # Each match read once (the bitmap the count would walk); the sample sorted
            # from the rows kept, its tiers read again only for the sample's rows.
            order = _DATE_ORDER[sort, False]
            kept = ", ".join(dict.fromkeys(("ctid AS t", *_SAMPLE_COLUMNS, "uploaded_at",
                                            "cleared_until")))
            every, more = where.select(kept, live=False, limit="%s")
            params += more + (query.FACET_CAP + 1 + count_to,)
            columns = ", ".join(f"s.{c}" for c in _SAMPLE_COLUMNS) + ", s.i"
            if ranked:  # for the sample's rows only, after the LIMIT
                columns += (f", (SELECT {tier_case} FROM {_Where.TABLE} "  # noqa: S608
                            "WHERE ctid = s.t)")
            head = (f"WITH a AS MATERIALIZED ({every}), "  # noqa: S608
                    f"m ({', '.join(names)}) AS MATERIALIZED (SELECT {columns} FROM ("
                    f"SELECT a.*, row_number() OVER (ORDER BY {order}) AS i FROM a "
                    f"WHERE a.cleared_until IS NULL OR a.cleared_until > statement_timestamp() "
                    f"ORDER BY {order} LIMIT %s) s) ")
            params += tier_params + (query.FACET_SAMPLE + 1,)
            scans = _LIST
        tier = "m.tier" if ranked else "1"
        parts = ["SELECT 'sampled', NULL, NULL, count(*) FROM m",
                 f"""SELECT 'row', r.photo_id::text, r.tier::text, r.i FROM (
                       SELECT m.photo_id, {tier} AS tier, m.i, row_number() OVER (
                         PARTITION BY {tier} ORDER BY m.i) AS k FROM m) r
                     WHERE r.k <= {stop:d}"""]  # noqa: S608 (fixed text, numbers)
        if count_to is not None:
            parts[:0] = ["SELECT 'counted', NULL, NULL, count(*) FROM a",
                         "SELECT 'over', NULL, NULL, count(*) FROM a "
                         "WHERE a.cleared_until <= statement_timestamp()"]
        if ranked:
            parts.append("SELECT 'tier', m.tier::text, NULL, count(*) FROM m GROUP BY m.tier")
        for name in facet_names:
            parts.append(_FACET_SQL[name].format(limit=FACET_LIMIT))
            if name == "year":
                params += (timezone.get_current_timezone_name(),)
        rows = _execute(cursor, scans,
                        head + " UNION ALL ".join(f"({part})" for part in parts), params)
        sampled, tiers, ordered, matched, over = 0, {}, [], 0, 0
        found: dict[str, list[tuple[str, str, int]]] = {name: [] for name in facet_names}
        for kind, key, label, n in rows:
            if kind == "sampled":
                sampled = n
            elif kind == "counted":
                matched = n
            elif kind == "over":
                over = n
            elif kind == "row":
                ordered.append((n, int(label), key))
            elif kind == "tier":
                tiers[int(key)] = n
            else:
                found[kind].append((key, label, n))
        ordered.sort()
        sample = sampled, tiers, found, [(key, tier) for _, tier, key in ordered]
        if count_to is None:
            return None, sample
        total = matched - over
        return (min(total, query.FACET_CAP), total > query.FACET_CAP), sample

    @staticmethod
    def _page_from_sample(sampled: int, tiers: dict[int, int], rows: list, ranked: bool,
                          start: int, stop: int) -> tuple[list, bool] | None:
        """The page's ids and whether more follow, from the sample when it holds them:
        it holds every match (fewer than FACET_SAMPLE + 1), or the page lies within its
        date order (by date), or within its first tier (by relevance: the tier's newest
        are all in it). None otherwise."""
        complete = sampled <= query.FACET_SAMPLE
        if ranked:
            ids = [key for key, _ in sorted(rows, key=lambda r: r[1])]  # stable: by date
            first = [key for key, tier in rows if tier == 1]
            if not complete:
                if len(first) < stop:
                    return None
                ids = first
        else:
            ids = [key for key, _ in rows]
            if not complete and len(ids) < stop:
                return None
        return ids[start:stop - 1], len(ids) >= stop

    @staticmethod
    def _page(cursor, where: _Where, f: Filters, plan: _Plan, parsed: Parsed,
              langs: tuple[str, ...], ranked: bool, tiers: dict[int, int], sampled: int,
              start: int) -> tuple[list, bool]:
        """The page's photo ids in order, and whether another page follows: one
        statement reading, in order, up to the row after the page's end. Ranked: each
        relevance tier in turn, newest first within it (UNION ALL under one LIMIT:
        PostgreSQL reads a tier only when the ones before it ran out)."""
        stop = start + query.PAGE_SIZE + 1
        if ranked:
            shares = tuple(tiers.get(i, 0) / sampled if sampled else 1.0
                           for i in range(1, len(TIERS) + 2))
            walk = plan.walk(stop, shares)
            order = _DATE_ORDER["newest", walk]
            selects, params = [], ()
            for condition in _tier_conditions(parsed, langs):
                sql, more = where.select("photo_id", condition, order=order, limit=str(stop))
                selects.append(f"({sql})")
                params += more
            sql = f"SELECT * FROM ({' UNION ALL '.join(selects)}) p LIMIT {stop:d}"  # noqa: S608
        else:
            walk = plan.walk(stop)
            sort = "taken" if f.sort == "taken" else "newest"
            sql, params = where.select("photo_id", order=_DATE_ORDER[sort, walk],
                                       limit=str(stop))
        ids = [row[0] for row in _execute(cursor, _WALK if walk else _FREE, sql, params)]
        return ids[start:start + query.PAGE_SIZE], len(ids) > start + query.PAGE_SIZE
