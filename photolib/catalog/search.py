"""Catalog search: words, filters, facets, sort and pages, over cleared photos only.

PostgreSQL: full-text search on ``SearchDocument.vector`` (weights A title, B tags,
C place, D description and the photographer's credit name; ``websearch_to_tsquery``
syntax, the last word also matched as a prefix while typing; GIN index). SQLite:
the same interface over ``icontains`` on the document's text. Every query starts
from ``Photo.objects.cleared()``.
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
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ACos, Cos, Least, Radians, Sin
from django.utils import timezone

from photolib.catalog.models import SearchDocument
from photolib.photos.models import Photo

PAGE_SIZE = 24
FACET_CAP = 1_000  # counts above it are shown as "1,000+"
FACET_LIMIT = 12
EARTH_RADIUS_KM = 6371.0
SORTS = ("relevance", "newest", "taken")
SHAPES = ("landscape", "portrait", "square")
PEOPLE = ("none", "consented")
WORD = re.compile(r"\w+", re.UNICODE)
BARE_WORD = re.compile(r"^[^\W_]+$", re.UNICODE)


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
        return f"{FACET_CAP:,}+" if self.capped else f"{self.count:,}"


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
    if BARE_WORD.match(q):
        # One plain word: its prefix matches the word itself too, so one GIN look-up.
        return SearchQuery(f"{q.lower()}:*", search_type="raw", config="english")
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


def apply_filters(qs: QuerySet[Photo], f: Filters) -> QuerySet[Photo]:
    if f.group:
        qs = qs.filter(group_id=f.group)
    for tag in f.tags:
        qs = qs.filter(tags__name=tag)
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
        qs = qs.filter(width=F("height"))
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

    The number of queries is constant per call (2 on PostgreSQL, 3 when a match set
    over ``FACET_CAP`` is sorted by date; 2 + one per facet on SQLite). On PostgreSQL,
    when more than ``FACET_CAP`` photos match, the total is shown as "10,000+", facet
    counts are lower bounds taken over the first ``FACET_CAP + 1`` matches found (each
    marked ``capped``), and relevance ranks within those matches; sorts by date stay
    exact.
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


def _ordered(qs: QuerySet[Photo], f: Filters) -> QuerySet[Photo]:
    if f.sort == "relevance" and f.q.strip():
        return qs.order_by("-rank", "-uploaded_at", "pk")
    if f.sort == "taken":
        return qs.order_by(F("taken_at").desc(nulls_last=True), "-uploaded_at", "pk")
    return qs.order_by("-uploaded_at", "pk")


# --- PostgreSQL ------------------------------------------------------------------------
#
# Why it is shaped like this (bench/search.py measures it at 100k and 1M photos):
#
# * The planner cannot estimate ``cleared()`` joined to anything: its conditions tie the
#   photo to its consent record (``consent_record.user = owner`` ...), which the planner
#   takes for independent and so guesses about 1/(number of residents) of the true row
#   count. Every plan built on that guess was wrong in its own way (walking one owner's
#   photos, hashing whole tables, the date index walked backwards for a rare phrase).
#   So the candidates (words and filters: one-table predicates it estimates well) are
#   planned freely, and the rule is applied to each candidate by a correlated scalar
#   subquery built from ``Photo.objects.cleared()``: an opaque per-row check by primary
#   key that the planner neither flattens nor mis-counts. The rule itself is unchanged.
# * The match set is materialised once and capped at FACET_CAP + 1 rows: the total, the
#   page and every facet are read from it in the same statement, so no query ranks or
#   counts more than that however common the words. MATERIALIZED also fences the
#   planner from the old "phrase, newest first" walk of the date index.
# * Only a capped set sorted by date asks for its page again, in date order: there are
#   then at least FACET_CAP matches, so the walk down the date index meets them soon.

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


def _candidates(f: Filters) -> QuerySet[Photo]:
    """Photos matching the words and filters that pass the rights-cleared rule, checked
    one by one: ``(SELECT pk FROM <Photo.objects.cleared()> WHERE pk = this) IS NOT NULL``.

    The check is correlated to the search document when there are words, so that a walk
    down a date index runs it only for photos whose words matched.
    """
    qs = apply_filters(Photo.objects.all(), f)
    ref = "pk"
    if f.q.strip():
        query = _text_query(f.q)
        if _common(query):
            # Reading documents in order until enough match beats building the GIN
            # bitmap of a word found in every few documents; the function form of @@
            # keeps the GIN index out of the plan.
            qs = qs.filter(search_document__isnull=False).filter(
                Func(F("search_document__vector"), query, function="ts_match_vq",
                     output_field=BooleanField()))
        else:
            qs = qs.filter(search_document__vector=query)
        qs = qs.annotate(rank=SearchRank(F("search_document__vector"), query))
        ref = "search_document__pk"
    rule = Photo.objects.cleared().filter(pk=OuterRef(ref)).order_by().values("pk")[:1]
    return qs.alias(cleared_pk=Subquery(rule)).filter(cleared_pk__isnull=False)


def _common(query: SearchQuery) -> bool:
    """Whether the planner expects so many documents to match that a sequential read
    finds FACET_CAP + 1 of them sooner than the GIN index can list them all.

    Reading costs about 0.5 us a document and the GIN bitmap about 0.1 us a match
    (measured), so sequential wins when matches^2 > 5 * (FACET_CAP + 1) * documents.
    """
    sql, params = _sql(SearchDocument.objects.filter(vector=query).values("pk"))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql} UNION ALL "  # noqa: S608
                       "SELECT photo_id FROM catalog_searchdocument", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    matched, documents = (p["Plan Rows"] for p in plan[0]["Plan"]["Plans"])
    return matched * matched > 5 * (FACET_CAP + 1) * documents


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _search_postgres(f: Filters, names: tuple[str, ...]) -> SearchResult:
    qs = _candidates(f)
    ranked = f.sort == "relevance" and "rank" in qs.query.annotations
    sort = "relevance" if ranked else ("taken" if f.sort == "taken" else "newest")
    columns = _COLUMNS + (("rank",) if ranked else ())
    inner, params = _sql(qs.order_by().values("pk", *columns[1:])[: FACET_CAP + 1])
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
    with connection.cursor() as cursor:
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
    ids = [key for _, key in sorted(page_ids)]
    if capped and sort != "relevance" and page <= pages:
        # Over the cap the materialised rows are not the newest: this page in date order.
        ids = [str(pk) for pk in
               _ordered(qs, f).values_list("pk", flat=True)[start:start + PAGE_SIZE]]
    photos: list[Photo] = []
    if ids and page <= pages:
        by_id = {str(p.pk): p for p in Photo.objects.cleared().filter(pk__in=ids)
                 .select_related("group", "owner")}
        photos = [by_id[i] for i in ids if i in by_id]
    return SearchResult(
        photos=photos, total=shown, total_capped=capped, page=page, pages=pages,
        facets={name: [Facet(key, label.title() if name == "shape" else label, n,
                             capped=capped) for key, label, n in found[name]]
                for name in names})
