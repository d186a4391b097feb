"""The PostgreSQL backend: full-text search on ``SearchDocument.vector`` (weights A
title, B tags, C place, D description and the photographer's names; ``websearch_to_tsquery``
syntax, the last word also matched as a prefix while typing; GIN index), with the
rights-cleared rule applied to each candidate row and every count taken over at most
FACET_CAP + 1 matches (the notes below say why)."""

from __future__ import annotations

import json

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import Case, CharField, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from photolib import languages
from photolib.catalog.models import SearchDocument, SearchWord
from photolib.catalog.search import query, words
from photolib.catalog.search.backends.base import SearchBackend
from photolib.catalog.search.query import (
    FACET_LIMIT,
    Facet,
    Filters,
    SearchResult,
)
from photolib.catalog.search.words import Parsed
from photolib.photos.models import Photo


def _text_query(parsed: Parsed, language: str) -> SearchQuery:
    """``parsed`` as ``to_tsquery`` in ``language``'s configuration (``unaccent``, then
    its stemmer and stop words)."""
    return SearchQuery(words.tsquery(parsed), search_type="raw",
                       config=languages.ts_config(language))


def _any_word_query(parsed: Parsed, language: str) -> SearchQuery:
    """Every positive word of ``parsed`` OR-ed (prefixes kept): what GIN has to list."""
    terms = [w + (":*" if t.prefix and w == t.words[-1] else "")
             for c in parsed.positive for t in c.terms for w in t.words][:12] or ["x"]
    return SearchQuery(" | ".join(terms), search_type="raw",
                       config=languages.ts_config(language))


def _match(qs: QuerySet[SearchDocument], parsed: Parsed,
           langs: tuple[str, ...]) -> QuerySet[SearchDocument]:
    """``qs`` narrowed to documents matching ``parsed``, each read in its own language,
    annotated with ``rank`` (``ts_rank``: weights A title 1.0, B tags 0.4, C place 0.2,
    D description and credit 0.1). With one language in use (the usual case) this is
    one ``vector @@ query``; with several, one per language, each with its documents."""
    if len(langs) == 1:
        tsquery = _text_query(parsed, langs[0])
        return qs.filter(vector=tsquery).annotate(rank=SearchRank(F("vector"), tsquery))
    queries = {lang: _text_query(parsed, lang) for lang in langs}
    condition = Q()
    for lang, tsquery in queries.items():
        condition |= Q(language=lang, vector=tsquery)
    rank = Case(*[When(language=lang, then=SearchRank(F("vector"), tsquery))
                  for lang, tsquery in queries.items()],
                default=Value(0.0), output_field=FloatField())
    return qs.filter(condition).annotate(rank=rank)


# Why it is shaped like this (bench/search.py measures it at 100k and 1M photos; the
# numbers are in its output and in issue 5's note):
#
# * The planner cannot estimate ``cleared()`` joined to anything: its conditions tie the
#   photo to its consent record (``consent_record.user = owner`` ...), which the planner
#   takes for independent and so guesses about 1/(number of residents) of the true row
#   count. Every plan built on that guess was wrong in its own way (walking one owner's
#   photos, hashing whole tables, the date index walked backwards for a rare phrase).
#   So the candidates (words and filters: predicates it estimates well, all on the one
#   narrow ``catalog_searchdocument`` row, so a candidate costs one read and no join to
#   the wide photo row) are planned on their own, and the rule is applied to each
#   candidate by a correlated scalar subquery built from ``Photo.objects.cleared()``: an
#   opaque per-row check by primary key that the planner neither flattens nor mis-counts.
#   The rule itself is unchanged.
# * The match set is materialised once and capped at FACET_CAP + 1 rows: the total, the
#   page and every facet are read from it in the same statement, so no query ranks,
#   counts or checks the rule for more rows than that however common the words.
#   MATERIALIZED also fences the planner from the old "phrase, newest first" walk.
# * Only a capped set sorted by date asks for its page again, in date order, walking the
#   date index or sorting the matches as ``_candidates`` estimates is cheaper. The walk
#   is asked for one page, not FACET_CAP + 1 rows.
# * GIN lists every match of every word before it returns a row (about 0.2 us each):
#   30-60 ms for a word in a third of a million documents. ``_estimates`` asks the
#   planner (EXPLAIN of words and filters together, well under a millisecond) and, for
#   such words, bitmap scans are turned off for the statement so that documents are
#   read in order until enough match. The same estimate chooses between walking the
#   date index and sorting. A phrase goes through GIN (sequential scans off).
# * Session settings for the statement only (SET LOCAL, one transaction): no JIT, no
#   parallel workers, no hash or merge joins: a LIMIT of a few hundred rows wants index
#   probes, and JIT compiled plans whose estimated cost is that of the uncapped set.
# * What it costs on the bench machine (2 cores, shared_buffers 128 MB, so a 1M-photo
#   catalog is read mostly from the OS cache): about 8-17 us per matched row for the
#   rule, a few us for the document and its tags, about 3 ms of Python per search (the
#   rule's SQL is compiled once; the grid loads only the fields it shows). That is why
#   FACET_CAP is 300 and not 10,000: at 10,000 a common word costs ~100 ms.

_COLUMNS = ("id", "group_id", "uploaded_at", "taken_at", "width", "height", "camera_make")

_PAGE_ORDER = {
    "relevance": "m.rank DESC, m.uploaded_at DESC, m.id",
    "taken": "m.taken_at DESC NULLS LAST, m.uploaded_at DESC, m.id",
    "newest": "m.uploaded_at DESC, m.id",
}

_FACET_SQL = {
    "group": """SELECT 'group', c.group_id::text, g.name, c.n FROM (
                  SELECT m.group_id, count(*) AS n FROM m GROUP BY m.group_id) c
                JOIN consent_communitygroup g ON g.id = c.group_id
                ORDER BY c.n DESC, g.name LIMIT {limit}""",
    "tag": """SELECT 'tag', t.name, t.name, c.n FROM (
                SELECT pt.tag_id, count(*) AS n FROM m
                JOIN photos_photo_tags pt ON pt.photo_id = m.id GROUP BY pt.tag_id) c
              JOIN photos_tag t ON t.id = c.tag_id
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


# For the statements of one search only (SET LOCAL ends with the transaction): plans
# made of index probes, which is what a LIMIT of FACET_CAP + 1 rows wants. JIT would
# spend tens of milliseconds compiling plans that run in a few (their estimated cost is
# that of the uncapped set), and a hash or merge join, or a parallel scan, reads whole
# tables to find the first thousand rows. For common words bitmap scans are off too:
# reading documents in order until enough match beats listing every match from GIN.
_PLAN_SETTINGS = ("SELECT set_config('jit', 'off', true), "
                  "set_config('max_parallel_workers_per_gather', '0', true), "
                  "set_config('enable_hashjoin', 'off', true), "
                  "set_config('enable_mergejoin', 'off', true), "
                  "set_config('enable_bitmapscan', '{bitmap}', true), "
                  "set_config('enable_seqscan', '{seqscan}', true)")
_SETTING_NAMES = ("jit", "max_parallel_workers_per_gather", "enable_hashjoin",
                  "enable_mergejoin", "enable_bitmapscan", "enable_seqscan")
_CURRENT_SETTINGS = "SELECT " + ", ".join(f"current_setting('{n}')" for n in _SETTING_NAMES)
_RESTORE_SETTINGS = "SELECT " + ", ".join(f"set_config('{n}', %s, true)"
                                          for n in _SETTING_NAMES)


def _has_phrase(parsed: Parsed) -> bool:
    """Whether the words hold a phrase, which the planner misjudges (see below)."""
    return any(t.phrase for c in parsed.clauses for t in c.terms)


def _candidates(f: Filters, parsed: Parsed,
                langs: tuple[str, ...]) -> tuple[QuerySet[SearchDocument], bool, bool]:
    """Documents matching the words and filters, the rule not yet applied
    (``_cleared_rows`` does). Returns the queryset; whether the words are common enough
    to read documents in order rather than through GIN; and whether, for a sort by date,
    walking down the date index beats sorting the matches.

    Both choices rest on the planner's estimate of the matches (words and filters
    together, one EXPLAIN) and on costs measured here: reading a document about 0.5 us,
    GIN listing one 0.2 us; a step of the date walk (a document, its filters) about
    5 us, fetching a match's date for the sort about 10 us. (Left to itself, for a tag
    on one photo in a hundred, the planner walked 43,000 steps of the date index to find
    FACET_CAP + 1 matches in date order: 170 ms at 1M. So a walk is only asked for one
    page, and only where the estimate says it pays.)
    """
    qs = query.apply_filters(SearchDocument.objects.all(), f)
    has_words = bool(parsed)
    if has_words:
        qs = _match(qs, parsed, langs)
    if qs.query.is_empty():
        return qs, False, False
    if _has_phrase(parsed):
        # A phrase is rarer than its words, and the planner's guess (the words together)
        # would send it on a long read: GIN narrows it to those words; sort its matches.
        return qs, False, False
    if not has_words and not qs.query.where:
        return qs, False, True  # everything: walk the dates
    matched, any_word, documents = _estimates(qs, parsed if parsed.positive else None,
                                              langs[0])
    common = has_words and 0.5 * (query.FACET_CAP + 1) * documents / matched < 0.2 * any_word
    page_end = f.page_number * query.PAGE_SIZE
    walk = common or 5 * page_end * documents / matched < 10 * matched
    return qs, common, walk


_RULE_SQL: dict[str, tuple[str, tuple]] = {}


def _rule_sql() -> tuple[str, tuple]:
    """``Photo.objects.cleared()`` as a check of one row, ``c.id``. The rule's SQL holds no
    value of the moment (the term's end is compared with the database's ``now()``), so
    it is compiled once per database alias rather than on every search."""
    if connection.alias not in _RULE_SQL:
        _RULE_SQL[connection.alias] = _sql(Photo.objects.cleared().filter(
            pk=RawSQL('"c"."id"', ())).order_by().values("pk")[:1])
    return _RULE_SQL[connection.alias]


def _cleared_rows(candidates: QuerySet, columns: tuple[str, ...],
                  rule: tuple[str, tuple]) -> tuple[str, tuple]:
    """SQL for the candidate rows (``columns``, the first the photo id) that pass the
    rights-cleared rule: ``(SELECT pk FROM <cleared> WHERE pk = c.id) IS NOT NULL``,
    checked row by row after every other condition, in the candidates' order.

    OFFSET 0 keeps the candidates a subquery of their own, which the planner plans
    with the outer LIMIT in mind (the outer query neither joins nor sorts, so it passes
    the LIMIT down), and keeps the check out of it: applied to each row only once words
    and filters have matched, and lazily, until the LIMIT is met. A scan of a subquery
    keeps its order.
    """
    inner, params = _sql(candidates.values(*columns))
    names = ", ".join(("id",) + columns[1:])
    sql = (f"SELECT * FROM ({inner} OFFSET 0) c ({names}) "  # noqa: S608
           f"WHERE ({rule[0]}) IS NOT NULL")
    return sql, params + rule[1]


def _estimates(qs: QuerySet[SearchDocument], q: Parsed | None,
               language: str) -> tuple[float, float, float]:
    """The planner's estimates, in one EXPLAIN: documents of ``qs`` (words and filters),
    documents holding any positive word of ``q`` in ``language`` (what GIN lists before
    its first row; 0 without such words), all documents."""
    # Every part is SQL from Django's compiler or fixed text; values are parameters.
    matching, params = _sql(qs.order_by().values("pk"))
    table = "catalog_searchdocument"
    listed = ""
    if q:
        compiler = SearchDocument.objects.none().query.get_compiler(connection=connection)
        any_word, more = compiler.compile(_any_word_query(q, language))
        listed = f"SELECT photo_id FROM {table} WHERE vector @@ {any_word} UNION ALL "  # noqa: S608
        params += tuple(more)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {matching} UNION ALL {listed}"  # noqa: S608
                       f"SELECT photo_id FROM {table}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = [p["Plan Rows"] for p in plan[0]["Plan"]["Plans"]]
    matched, documents = rows[0], rows[-1]
    return max(matched, 1), rows[1] if q else 0, max(documents, 1)


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


class PostgresBackend(SearchBackend):
    """PostgreSQL full-text search. Queries: the plan settings, one statement (total,
    page and facets over the materialised matches) and the page's rows, plus an EXPLAIN
    when there are words or filters (not for a phrase), a tag look-up when there are
    tags, and the date-ordered page of a capped set. Over FACET_CAP matches, facet
    counts are lower bounds taken over the first FACET_CAP + 1 matches found (each
    marked ``capped``) and relevance ranks within those; sorts by date stay exact.
    Raises nothing for odd words: ``websearch_to_tsquery`` accepts any text."""

    vendors = ("postgresql",)

    def index_document(self, photo_id, parts: dict[str, str], language: str) -> None:
        """Write the document's weighted vector (A-D) in ``language``'s configuration."""
        config = languages.ts_config(language)
        vector = None
        for weight, value in parts.items():
            piece = SearchVector(Value(value, output_field=CharField()), weight=weight,
                                 config=config)
            vector = piece if vector is None else vector + piece
        SearchDocument.objects.filter(pk=photo_id).update(vector=vector)

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
        qs, common, walk = _candidates(f, parsed, langs)
        if qs.query.is_empty():  # an unknown tag
            return SearchResult(photos=[], total=0, total_capped=False, page=f.page_number,
                                pages=1, facets={name: [] for name in facet_names})
        words = "rank" in qs.query.annotations
        ranked = f.sort == "relevance" and words
        sort = "relevance" if ranked else ("taken" if f.sort == "taken" else "newest")
        columns = _COLUMNS + (("rank",) if ranked else ())
        rule = _rule_sql()
        rows_sql, params = _cleared_rows(qs.order_by(), ("pk",) + columns[1:], rule)
        inner = f"{rows_sql} LIMIT {query.FACET_CAP + 1:d}"
        page, start = f.page_number, f.page_start
        order = _PAGE_ORDER[sort]
        # Only fixed SQL text is formatted in; every value is a parameter.
        parts = ["SELECT 'total', NULL, NULL, count(*) FROM m",
                 f"""SELECT 'page', p.id::text, NULL, p.i FROM (
                       SELECT m.id, row_number() OVER (ORDER BY {order}) AS i FROM m
                       ORDER BY {order} LIMIT %s OFFSET %s) p"""]  # noqa: S608
        params += (query.PAGE_SIZE, start)
        for name in facet_names:
            parts.append(_FACET_SQL[name].format(limit=FACET_LIMIT))
            if name == "year":
                params += (timezone.get_current_timezone_name(),)
        sql = (f"WITH m ({', '.join(columns)}) AS MATERIALIZED ({inner}) "  # noqa: S608
               + " UNION ALL ".join(f"({part})" for part in parts))
        # A phrase is read through GIN, never by a scan of every document: the planner takes
        # it for as common as its words together, and would scan for a rare one.
        settings_sql = _PLAN_SETTINGS.format(bitmap="off" if common else "on",
                                             seqscan="off" if _has_phrase(parsed) else "on")
        own_transaction = not connection.in_atomic_block
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                if own_transaction:
                    # One snapshot for the rule's check and the page's rows (see below); one
                    # round trip for both statements (no parameters: simple query protocol).
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; "
                                   + settings_sql)
                else:
                    # SET LOCAL outlives a savepoint: note the caller's values to restore.
                    cursor.execute(_CURRENT_SETTINGS)
                    restore = cursor.fetchone()
                    cursor.execute(settings_sql)
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            total = 0
            page_ids: list[tuple[int, str]] = []
            found: dict[str, list[tuple[str, str, int]]] = {name: [] for name in facet_names}
            for kind, key, label, n in rows:
                if kind == "total":
                    total = n
                elif kind == "page":
                    page_ids.append((n, key))
                else:
                    found[kind].append((key, label, n))
            capped = total > query.FACET_CAP
            shown = min(total, query.FACET_CAP)
            pages = query.page_count(shown)
            ids = [key for _, key in sorted(page_ids)] if page <= pages else []
            more = page < pages
            if capped:
                # Over the cap the materialised rows are the first found, neither the newest
                # nor the best: every page of such a set is read in its own order over all
                # the matches (by date: walking the date index pays for dense matches only,
                # see _candidates; by rank: every match ranked, the top ones kept), with the
                # rule checked lazily in that order, one row past the page to tell whether
                # another follows. So every match can be reached, page after page.
                by_order = query.ordered(qs, f, walk=walk)
                page_sql, page_params = _cleared_rows(by_order, ("pk",), rule)
                with connection.cursor() as cursor:
                    cursor.execute(f"{page_sql} LIMIT %s OFFSET %s",
                                   page_params + (query.PAGE_SIZE + 1, start))
                    ids = [str(row[0]) for row in cursor.fetchall()]
                more = len(ids) > query.PAGE_SIZE
                ids = ids[:query.PAGE_SIZE]
            # These ids passed the rule in this transaction. In a transaction of its own the
            # search reads one snapshot, so they are the very rows the rule passed; inside a
            # caller's transaction (whose isolation is not ours to set) the rule is applied
            # to them again.
            photos = query.grid_photos(Photo.objects.all() if own_transaction
                                 else Photo.objects.cleared(), ids)
            if not own_transaction:
                with connection.cursor() as cursor:
                    cursor.execute(_RESTORE_SETTINGS, restore)
        return SearchResult(
            photos=photos, total=shown, total_capped=capped, page=page, pages=pages,
            has_next=more,
            facets={name: [Facet(key, label.title() if name == "shape" else label, n,
                                 capped=capped) for key, label, n in found[name]]
                    for name in facet_names})
