"""Catalog search: words, filters, facets, sort and pages, over cleared photos only.

PostgreSQL: full-text search on ``SearchDocument.vector`` (weights A title, B tags,
C place, D description and the photographer's credit name; ``websearch_to_tsquery``
syntax, the last word also matched as a prefix while typing; GIN index). SQLite:
the same interface over ``icontains`` on the document's text. Every result passes
``Photo.objects.cleared()``: on SQLite the queryset starts from it, on PostgreSQL it is
applied to each candidate row (see "PostgreSQL" below for why).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ACos, Cos, Least, Radians, Sin
from django.utils import timezone

from photolib.catalog.models import SearchDocument
from photolib.photos.models import Photo, Tag

PAGE_SIZE = 24
FACET_CAP = 300  # counts above it are shown as "300+" (bench/search.py says why)
FACET_LIMIT = 12
EARTH_RADIUS_KM = 6371.0
SORTS = ("relevance", "newest", "taken")
SHAPES = ("landscape", "portrait", "square")
PEOPLE = ("none", "consented")
WORD = re.compile(r"\w+", re.UNICODE)
PLAIN_WORDS = re.compile(r"^[^\W_]+(\s+[^\W_]+)*$", re.UNICODE)


def _document_text(photo: Photo) -> dict[str, str]:
    return {
        "A": photo.title,
        "B": " ".join(t.name for t in photo.tags.all()),
        "C": photo.place_name,
        "D": " ".join(filter(None, [photo.description, photo.owner.credit_name,
                                    photo.owner.display_name])),
    }


def index_photo(photo: Photo) -> None:
    """Build (or rebuild) the photo's search document. Called at approval."""
    parts = _document_text(photo)
    text = " ".join(v for v in parts.values() if v)
    doc, _ = SearchDocument.objects.update_or_create(photo=photo, defaults={"text": text})
    if connection.vendor == "postgresql":
        vector = None
        for weight, value in parts.items():
            piece = SearchVector(Value(value, output_field=CharField()), weight=weight,
                                 config="english")
            vector = piece if vector is None else vector + piece
        SearchDocument.objects.filter(pk=doc.pk).update(vector=vector)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    group: int | None = None
    tags: tuple[str, ...] = ()
    place: str = ""
    taken_from: date | None = None
    taken_to: date | None = None
    shape: str = ""
    min_px: int | None = None
    make: str = ""
    people: str = ""
    near_lat: float | None = None
    near_lon: float | None = None
    radius_km: float | None = None
    sort: str = "relevance"
    page: int = 1


@dataclass
class Facet:
    value: str
    label: str
    count: int
    capped: bool = False

    @property
    def display(self) -> str:
        """The count; when ``capped`` (counted among the first FACET_CAP + 1 matches of
        a larger set) it is a lower bound, shown as "n+"."""
        return f"{min(self.count, FACET_CAP):,}+" if self.capped else f"{self.count:,}"


@dataclass
class SearchResult:
    photos: list[Photo]
    total: int
    total_capped: bool
    page: int
    pages: int
    facets: dict[str, list[Facet]] = field(default_factory=dict)

    @property
    def total_display(self) -> str:
        return f"{FACET_CAP:,}+" if self.total_capped else f"{self.total:,}"


def _text_query(q: str) -> SearchQuery | None:
    """``websearch_to_tsquery`` over the words, with the last word also as a prefix."""
    q = q.strip()
    if not q:
        return None
    if PLAIN_WORDS.match(q) and "or" not in q.lower().split():
        # Plain words: all of them, the last one as a prefix (which also matches the
        # whole word, so the query as written needs no separate look-up in GIN).
        words = q.lower().split()
        return SearchQuery(" & ".join(words[:-1] + [f"{words[-1]}:*"]), search_type="raw",
                           config="english")
    query = SearchQuery(q, search_type="websearch", config="english")
    words = WORD.findall(q)
    if words and re.search(r"\w$", q) and not q.rstrip().endswith('"'):
        last = words[-1].lower()
        prefix = SearchQuery(f"{last}:*", search_type="raw", config="english")
        # Either the whole query as written, or everything before the last word plus
        # the last word as a prefix: "harb" finds "harbour" while typing.
        rest = q[: q.rstrip().rfind(words[-1])].strip()
        typed = prefix if not rest else SearchQuery(rest, search_type="websearch",
                                                    config="english") & prefix
        query = query | typed
    return query


def _any_word_query(q: str) -> SearchQuery:
    """Every word of ``q`` OR-ed (the last as a prefix): what GIN has to list."""
    words = [w.lower() for w in WORD.findall(q) if w.lower() != "or"][:12] or ["x"]
    return SearchQuery(" | ".join(words[:-1] + [f"{words[-1]}:*"]), search_type="raw",
                       config="english")


def _distance_km(lat: float, lon: float):
    """Great-circle distance from (lat, lon) to each photo's coarse location."""
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    cos_angle = (Sin(Value(lat_r)) * Sin(Radians(F("coarse_latitude")))
                 + Cos(Value(lat_r)) * Cos(Radians(F("coarse_latitude")))
                 * Cos(Radians(F("coarse_longitude")) - Value(lon_r)))
    return Value(EARTH_RADIUS_KM) * ACos(Least(Value(1.0), cos_angle),
                                         output_field=FloatField())


def _shape_expr():
    return Case(
        When(width__gt=F("height"), then=Value("landscape")),
        When(width__lt=F("height"), then=Value("portrait")),
        default=Value("square"), output_field=CharField())


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def apply_filters(qs: QuerySet[Photo], f: Filters,
                  tag_ids: dict[str, int] | None = None) -> QuerySet[Photo]:
    """``qs`` narrowed by every filter but the words. ``tag_ids`` (name to id, looked up
    beforehand) lets the planner use the tag's own frequency instead of an average."""
    if f.group:
        qs = qs.filter(group_id=f.group)
    for tag in f.tags:
        if tag_ids is None:
            qs = qs.filter(tags__name=tag)
        elif tag in tag_ids:
            qs = qs.filter(tags=tag_ids[tag])
        else:
            return qs.none()
    if f.place:
        qs = qs.filter(place_name__icontains=f.place)
    # Day bounds in the current time zone, as ``taken_at__date`` means them, but as a
    # range on the column itself so that its index serves.
    if f.taken_from:
        qs = qs.filter(taken_at__gte=_day_start(f.taken_from))
    if f.taken_to:
        qs = qs.filter(taken_at__lt=_day_start(f.taken_to + timedelta(days=1)))
    if f.shape == "landscape":
        qs = qs.filter(width__gt=F("height"))
    elif f.shape == "portrait":
        qs = qs.filter(width__lt=F("height"))
    elif f.shape == "square":
        # width = height, written as two inequalities: the planner guesses 1/3 for each
        # (1/9 in all, near the truth) where it guesses 1/200 for an equality of columns.
        qs = qs.filter(width__lte=F("height"), width__gte=F("height"))
    if f.min_px:
        qs = qs.filter(Q(width__gte=f.min_px) | Q(height__gte=f.min_px))
    if f.make:
        qs = qs.filter(camera_make__iexact=f.make)
    if f.people:
        qs = qs.filter(attestation__people=f.people)
    if f.near_lat is not None and f.near_lon is not None and f.radius_km:
        # A bounding box first (cheap, indexable), then the exact distance.
        dlat = f.radius_km / 111.0
        dlon = f.radius_km / max(111.0 * math.cos(math.radians(f.near_lat)), 0.01)
        qs = (qs.filter(coarse_latitude__range=(f.near_lat - dlat, f.near_lat + dlat),
                        coarse_longitude__range=(f.near_lon - dlon, f.near_lon + dlon))
              .annotate(distance_km=_distance_km(f.near_lat, f.near_lon))
              .filter(distance_km__lte=f.radius_km))
    return qs


def matching(f: Filters, base: QuerySet[Photo] | None = None) -> QuerySet[Photo]:
    """Cleared photos matching the words and filters (unordered, unsliced)."""
    qs = apply_filters(base if base is not None else Photo.objects.cleared(), f)
    if f.q.strip():
        if connection.vendor == "postgresql":
            query = _text_query(f.q)
            qs = qs.filter(search_document__vector=query).annotate(
                rank=SearchRank(F("search_document__vector"), query))
        else:
            # The fallback ranks by where each word appears, in the same order of weight.
            score = Value(0)
            for word in WORD.findall(f.q)[:12]:
                qs = qs.filter(search_document__text__icontains=word)
                score = score + Case(
                    When(title__icontains=word, then=Value(8)),
                    When(search_document__text__icontains=f" {word}", then=Value(1)),
                    default=Value(0))
                score = score + Case(When(place_name__icontains=word, then=Value(2)),
                                     default=Value(0))
            qs = qs.annotate(rank=score)
    return qs


FACETS = ("group", "tag", "year", "shape", "make")


def _count_capped(qs: QuerySet) -> tuple[int, bool]:
    n = qs.order_by()[: FACET_CAP + 1].count()
    return min(n, FACET_CAP), n > FACET_CAP


def facets(qs: QuerySet[Photo], names: tuple[str, ...] = FACETS) -> dict[str, list[Facet]]:
    """Exact counts by group, tag, year, orientation and camera make over ``qs``
    (one query per facet; the portable path, used on SQLite)."""
    base = qs.order_by()
    out: dict[str, list[Facet]] = {}
    if "group" in names:
        rows = (base.values("group_id", "group__name").annotate(n=Count("pk"))
                .order_by("-n", "group__name")[:FACET_LIMIT])
        out["group"] = [Facet(str(r["group_id"]), r["group__name"], r["n"]) for r in rows]
    if "tag" in names:
        rows = (base.filter(tags__isnull=False).values("tags__name").annotate(n=Count("pk"))
                .order_by("-n", "tags__name")[:FACET_LIMIT])
        out["tag"] = [Facet(r["tags__name"], r["tags__name"], r["n"]) for r in rows]
    if "year" in names:
        rows = (base.filter(taken_at__isnull=False).values("taken_at__year")
                .annotate(n=Count("pk")).order_by("-taken_at__year")[:FACET_LIMIT])
        out["year"] = [Facet(str(r["taken_at__year"]), str(r["taken_at__year"]), r["n"])
                       for r in rows]
    if "shape" in names:
        rows = (base.filter(width__isnull=False).annotate(shape=_shape_expr()).values("shape")
                .annotate(n=Count("pk")).order_by("-n", "shape"))
        out["shape"] = [Facet(r["shape"], r["shape"].title(), r["n"]) for r in rows]
    if "make" in names:
        rows = (base.exclude(camera_make="").values("camera_make").annotate(n=Count("pk"))
                .order_by("-n", "camera_make")[:FACET_LIMIT])
        out["make"] = [Facet(r["camera_make"], r["camera_make"], r["n"]) for r in rows]
    return {name: out[name] for name in FACETS if name in out}


def search(f: Filters, *, with_facets: bool = True,
           facet_names: tuple[str, ...] = FACETS) -> SearchResult:
    """One page of cleared photos matching ``f``, the total and the facet counts.

    Called by the search page. The number of queries does not depend on the number of
    results (on PostgreSQL: the statement and the page's rows, plus an EXPLAIN when
    there are words, a tag look-up when there are tags, and the date-ordered page of a
    capped set; on SQLite: count, page and one query per facet). When more than
    ``FACET_CAP`` photos match, ``total_capped`` is set and the total shows as "300+";
    on PostgreSQL facet counts are then lower bounds taken over the first
    ``FACET_CAP + 1`` matches found (each marked ``capped``, shown as "n+") and
    relevance ranks within those matches; sorts by date stay exact. Raises nothing for
    odd words: ``websearch_to_tsquery`` accepts any text.
    """
    names = tuple(n for n in FACETS if n in facet_names) if with_facets else ()
    if connection.vendor == "postgresql":
        return _search_postgres(f, names)
    qs = matching(f)
    total, capped = _count_capped(qs)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = max(1, f.page)
    start = (page - 1) * PAGE_SIZE
    photos = (list(_ordered(qs, f).select_related("group", "owner")[start:start + PAGE_SIZE])
              if page <= pages else [])
    return SearchResult(photos=photos, total=total, total_capped=capped, page=page,
                        pages=pages, facets=facets(qs, names) if names else {})


def _ordered(qs: QuerySet[Photo], f: Filters, *, walk: bool = True) -> QuerySet[Photo]:
    """``qs`` in the order ``f.sort`` asks for. ``walk=False`` orders by the same dates
    plus nothing, which no index provides, so that PostgreSQL sorts the matches instead
    of walking a date index backwards in search of sparse ones."""
    uploaded, taken = F("uploaded_at"), F("taken_at")
    if not walk:
        uploaded = ExpressionWrapper(uploaded + Value(timedelta(0)),
                                     output_field=DateTimeField())
        taken = ExpressionWrapper(taken + Value(timedelta(0)), output_field=DateTimeField())
    if f.sort == "relevance" and f.q.strip():
        return qs.order_by("-rank", uploaded.desc(), "pk")
    if f.sort == "taken":
        return qs.order_by(taken.desc(nulls_last=True), uploaded.desc(), "pk")
    return qs.order_by(uploaded.desc(), "pk")


# --- PostgreSQL ------------------------------------------------------------------------
#
# Why it is shaped like this (bench/search.py measures it at 100k and 1M photos; the
# numbers are in its output and in issue 5's note):
#
# * The planner cannot estimate ``cleared()`` joined to anything: its conditions tie the
#   photo to its consent record (``consent_record.user = owner`` ...), which the planner
#   takes for independent and so guesses about 1/(number of residents) of the true row
#   count. Every plan built on that guess was wrong in its own way (walking one owner's
#   photos, hashing whole tables, the date index walked backwards for a rare phrase).
#   So the candidates (words and filters: predicates it estimates well) are planned on
#   their own, and the rule is applied to each candidate by a correlated scalar subquery
#   built from ``Photo.objects.cleared()``: an opaque per-row check by primary key that
#   the planner neither flattens nor mis-counts. The rule itself is unchanged.
# * The match set is materialised once and capped at FACET_CAP + 1 rows: the total, the
#   page and every facet are read from it in the same statement, so no query ranks,
#   counts or checks the rule for more rows than that however common the words.
#   MATERIALIZED also fences the planner from the old "phrase, newest first" walk.
# * Only a capped set sorted by date asks for its page again, in date order: there are
#   then more than FACET_CAP matches, so a walk down the date index meets them soon.
# * GIN lists every match of every word before it returns a row (about 0.2 us each):
#   30-60 ms for a word in a third of a million documents. ``_estimates`` asks the
#   planner (EXPLAIN, well under a millisecond) and, for such words, bitmap scans are
#   turned off for the statement so that documents are read in order until enough
#   match. The same estimate chooses between walking the date index and sorting.
# * Session settings for the statement only (SET LOCAL, one transaction): no JIT, no
#   parallel workers, no hash or merge joins: a LIMIT of a few hundred rows wants index
#   probes, and JIT compiled plans whose estimated cost is that of the uncapped set.
# * What it costs on the bench machine (2 cores, shared_buffers 128 MB, so a 1M-photo
#   catalog is read mostly from the OS cache): about 8-10 us per matched row for the
#   rule, 3-5 us for the photo and its tags, plus ~10 ms of ORM work per search. That
#   is why FACET_CAP is 300 and not 10,000: at 10,000 a common word costs ~100 ms.

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
                  "set_config('enable_bitmapscan', %s, true)")
_SETTING_NAMES = ("jit", "max_parallel_workers_per_gather", "enable_hashjoin",
                  "enable_mergejoin", "enable_bitmapscan")
_CURRENT_SETTINGS = "SELECT " + ", ".join(f"current_setting('{n}')" for n in _SETTING_NAMES)
_RESTORE_SETTINGS = "SELECT " + ", ".join(f"set_config('{n}', %s, true)"
                                          for n in _SETTING_NAMES)


# Large fields the result grid never shows.
_NOT_SHOWN = ("description", "status_reason", "takedown_reason", "exif_raw",
              "metadata_warnings", "near_duplicates")


def _candidates(f: Filters) -> tuple[QuerySet[Photo], bool, bool]:
    """Photos matching the words and filters, the rule not yet applied (``_cleared_rows``
    does). Returns the queryset; whether the words are common enough to read documents
    in order rather than through GIN; and whether, for a page sorted by date, walking
    down the date index beats sorting the matches.

    Measured costs: reading a document about 0.5 us, GIN listing one 0.2 us; a step of
    the date walk (photo and its document) about 5 us, fetching a match's date for the
    sort about 10 us.
    """
    tag_ids = dict(Tag.objects.filter(name__in=f.tags).values_list("name", "pk")) \
        if f.tags else None
    qs = apply_filters(Photo.objects.all(), f, tag_ids)
    common, walk = False, True  # no words: filters alone are dense enough to walk
    if f.q.strip():
        query = _text_query(f.q)
        walk = False
        # A phrase is rarer than its words, and the planner's guess (the words together)
        # would send it on a long read: GIN narrows it to those words; sort its matches.
        if '"' not in f.q:
            matched, any_word, documents = _estimates(f.q, query)
            common = 0.5 * (FACET_CAP + 1) * documents / matched < 0.2 * any_word
            page_end = max(1, f.page) * PAGE_SIZE
            walk = common or 5 * page_end * documents / matched < 10 * matched
        qs = qs.filter(search_document__vector=query).annotate(
            rank=SearchRank(F("search_document__vector"), query))
    return qs, common, walk


def _rule_sql(cleared: QuerySet[Photo]) -> tuple[str, tuple]:
    """``cleared`` (``Photo.objects.cleared()``) as a check of one row, ``c.id``."""
    return _sql(cleared.filter(pk=RawSQL('"c"."id"', ())).order_by().values("pk")[:1])


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


def _estimates(q: str, query: SearchQuery) -> tuple[float, float, float]:
    """The planner's estimates, in one EXPLAIN: documents matching ``query``, documents
    holding any of its words (what GIN lists before its first row), all documents."""
    matching, params = _sql(SearchDocument.objects.filter(vector=query).values("pk"))
    listed, more = _sql(SearchDocument.objects.filter(vector=_any_word_query(q))
                        .values("pk"))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {matching} UNION ALL {listed} "  # noqa: S608
                       "UNION ALL SELECT photo_id FROM catalog_searchdocument",
                       params + more)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    matched, any_word, documents = (p["Plan Rows"] for p in plan[0]["Plan"]["Plans"])
    return max(matched, 1), any_word, max(documents, 1)


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _search_postgres(f: Filters, names: tuple[str, ...]) -> SearchResult:
    cleared = Photo.objects.cleared()
    qs, common, walk = _candidates(f)
    if qs.query.is_empty():  # an unknown tag
        return SearchResult(photos=[], total=0, total_capped=False, page=max(1, f.page),
                            pages=1, facets={name: [] for name in names})
    ranked = f.sort == "relevance" and "rank" in qs.query.annotations
    sort = "relevance" if ranked else ("taken" if f.sort == "taken" else "newest")
    columns = _COLUMNS + (("rank",) if ranked else ())
    rule = _rule_sql(cleared)
    rows_sql, params = _cleared_rows(qs.order_by(), ("pk",) + columns[1:], rule)
    inner = f"{rows_sql} LIMIT {FACET_CAP + 1:d}"
    page = max(1, f.page)
    start = (page - 1) * PAGE_SIZE
    order = _PAGE_ORDER[sort]
    # Only fixed SQL text is formatted in; every value is a parameter.
    parts = ["SELECT 'total', NULL, NULL, count(*) FROM m",
             f"""SELECT 'page', p.id::text, NULL, p.i FROM (
                   SELECT m.id, row_number() OVER (ORDER BY {order}) AS i FROM m
                   ORDER BY {order} LIMIT %s OFFSET %s) p"""]  # noqa: S608
    params += (PAGE_SIZE, start)
    for name in names:
        parts.append(_FACET_SQL[name].format(limit=FACET_LIMIT))
        if name == "year":
            params += (timezone.get_current_timezone_name(),)
    sql = (f"WITH m ({', '.join(columns)}) AS MATERIALIZED ({inner}) "  # noqa: S608
           + " UNION ALL ".join(f"({part})" for part in parts))
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            if own_transaction:
                # One snapshot for the rule's check and the page's rows (see below).
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            else:
                # SET LOCAL outlives a savepoint: note the caller's values to restore.
                cursor.execute(_CURRENT_SETTINGS)
                restore = cursor.fetchone()
            cursor.execute(_PLAN_SETTINGS, ["off" if common else "on"])
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        total = 0
        page_ids: list[tuple[int, str]] = []
        found: dict[str, list[tuple[str, str, int]]] = {name: [] for name in names}
        for kind, key, label, n in rows:
            if kind == "total":
                total = n
            elif kind == "page":
                page_ids.append((n, key))
            else:
                found[kind].append((key, label, n))
        capped = total > FACET_CAP
        shown = min(total, FACET_CAP)
        pages = max(1, math.ceil(shown / PAGE_SIZE))
        ids = [key for _, key in sorted(page_ids)] if page <= pages else []
        if capped and sort != "relevance" and page <= pages:
            # Over the cap the materialised rows are not the newest: this page in date
            # order, with the rule checked lazily in that order.
            # Walking the date index pays for dense matches only (see _candidates).
            page_sql, page_params = _cleared_rows(_ordered(qs, f, walk=walk), ("pk",), rule)
            with connection.cursor() as cursor:
                cursor.execute(f"{page_sql} LIMIT %s OFFSET %s",
                               page_params + (PAGE_SIZE, start))
                ids = [str(row[0]) for row in cursor.fetchall()]
        photos: list[Photo] = []
        if ids:
            # These ids passed the rule in this transaction. In a transaction of its own
            # the search reads one snapshot, so they are the very rows the rule passed;
            # inside a caller's transaction (whose isolation is not ours to set) the
            # rule is applied to them again.
            page_rows = (Photo.objects.filter(pk__in=ids) if own_transaction
                         else cleared.filter(pk__in=ids))
            by_id = {str(p.pk): p for p in page_rows.select_related("group", "owner")
                     .defer(*_NOT_SHOWN)}
            photos = [by_id[i] for i in ids if i in by_id]
        if not own_transaction:
            with connection.cursor() as cursor:
                cursor.execute(_RESTORE_SETTINGS, restore)
    return SearchResult(
        photos=photos, total=shown, total_capped=capped, page=page, pages=pages,
        facets={name: [Facet(key, label.title() if name == "shape" else label, n,
                             capped=capped) for key, label, n in found[name]]
                for name in names})
