"""The search's vocabulary, shared by every backend: what a search asks (``Filters``),
what it answers (``SearchResult``, ``Facet``), its limits, and the parts of a search that
do not depend on the engine (filters, sort orders, the grid's rows).

``PAGE_SIZE`` and ``FACET_CAP`` are read from this module at the moment of each search
(backends write ``query.FACET_CAP``, not a copy taken at import), so that a test or
``bench/search.py`` can change them here and every backend follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ACos, Cos, Least, Radians, Sin
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from photolib import languages
from photolib.catalog.models import SearchDocument, Synonym
from photolib.catalog.search import words
from photolib.consent.models import CommunityGroup
from photolib.photos.models import Photo, Tag

PAGE_SIZE = 24
FACET_CAP = 10_000  # totals are exact up to it, "10,000+" above
# PostgreSQL counts facets over at most this many matches (exact up to it, "n+" above:
# counted among the newest FACET_SAMPLE + 1); the other backends count them all.
FACET_SAMPLE = 1_000
FACET_LIMIT = 12
FACETS = ("group", "tag", "year", "shape", "make")
SHAPES = ("landscape", "portrait", "square")
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Filters:
    """One search as the page asks it: the words, every filter, the sort and the page."""

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

    @property
    def page_number(self) -> int:
        """The page asked for; anything below 1 is the first."""
        return max(1, self.page)

    @property
    def page_start(self) -> int:
        """The offset of that page's first result."""
        return (self.page_number - 1) * PAGE_SIZE


@dataclass
class Facet:
    value: str
    label: str
    count: int
    capped: bool = False

    @property
    def display(self) -> str:
        """The count; when ``capped`` (counted among the first matches found of a larger
        set) it is a lower bound, shown as "n+"."""
        return f"{min(self.count, FACET_CAP):,}+" if self.capped else f"{self.count:,}"


@dataclass
class SearchResult:
    photos: list[Photo]
    total: int
    total_capped: bool
    page: int
    pages: int
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    # Whether a page follows this one. Below the cap that is ``page < pages``; over it,
    # ``pages`` counts only the first FACET_CAP matches and later pages go on to the end.
    has_next: bool = False
    # Typo correction (``catalog.search.search``): the query the results are for when it
    # is not the one typed ("Showing results for harbour"), or a suggestion when few
    # matched ("Did you mean harbour?").
    showing_for: str = ""
    suggestion: str = ""
    # Why there are no results although the words were not looked for (only punctuation).
    notice: str = ""

    @property
    def pages_display(self) -> str:
        """The number of pages, "417+" when the total is capped (more follow)."""
        return f"{self.pages:,}+" if self.total_capped else f"{self.pages:,}"

    @property
    def total_display(self) -> str:
        return f"{FACET_CAP:,}+" if self.total_capped else f"{self.total:,}"

    @property
    def past_end(self) -> bool:
        """Whether the page asked for lies beyond the last match."""
        return not self.photos and self.page > 1 and (
            self.page > self.pages or self.total_capped)


def synonym_groups() -> list[tuple[tuple[str, ...], ...]]:
    """The reviewers' synonyms (``Synonym`` rows) as ``words.with_synonyms`` takes them.
    One small query."""
    return words.synonym_groups([s.term_list() for s in Synonym.objects.only("terms")])


def languages_in_use(group_id: int | None = None) -> tuple[str, ...]:
    """The languages the documents (of the group, when given) are indexed in: the site's
    first, then the others by name; the group's, or the site's, alone when there is no
    document yet. Read from the documents, not from the settings: a document indexed
    before its group's or the site's language changed is read in its own language until
    it is indexed again (``reindex_group``, ``manage.py reindex_search``). One small
    query: an index probe per known language (``SearchDocument``'s language index)."""
    site = languages.site_language()
    table = SearchDocument._meta.db_table
    where = " AND group_id = %s" if group_id else ""
    probes = [f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {table} "  # noqa: S608
              f"WHERE language = '{name}'{where})" for name in languages.LANGUAGES]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(probes),
                       [group_id] * len(probes) if group_id else [])
        found = sorted(row[0] for row in cursor.fetchall())
    if not found:
        chosen = ""
        if group_id:
            chosen = (CommunityGroup.objects.filter(pk=group_id)
                      .values_list("search_language", flat=True).first()) or ""
        return (chosen or site,)
    return tuple(sorted(found, key=lambda name: name != site))


def page_count(total: int) -> int:
    """How many pages ``total`` results fill (at least one, empty or not)."""
    return max(1, math.ceil(total / PAGE_SIZE))


def known_facets(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` restricted to known facets, in the order of ``FACETS``."""
    return tuple(n for n in FACETS if n in names)


class _IsNotTrue(Func):
    """``(condition) IS NOT TRUE``: false only where the condition holds."""

    template = "(%(expressions)s) IS NOT TRUE"
    output_field = BooleanField()


def _distance_km(lat: float, lon: float):
    """Great-circle distance from (lat, lon) to each photo's coarse location."""
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    cos_angle = (Sin(Value(lat_r)) * Sin(Radians(F("coarse_latitude")))
                 + Cos(Value(lat_r)) * Cos(Radians(F("coarse_latitude")))
                 * Cos(Radians(F("coarse_longitude")) - Value(lon_r)))
    return Value(EARTH_RADIUS_KM) * ACos(Least(Value(1.0), cos_angle),
                                         output_field=FloatField())


def shape_expr() -> Case:
    """A document's orientation, one of ``SHAPES``, as an expression over its size."""
    return Case(
        When(width__gt=F("height"), then=Value("landscape")),
        When(width__lt=F("height"), then=Value("portrait")),
        default=Value("square"), output_field=CharField())


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _tagged(tag_id: int) -> Exists:
    return Exists(Photo.tags.through.objects.filter(photo_id=OuterRef("photo_id"),
                                                    tag_id=tag_id))


def _tag_ids(f: Filters) -> dict[str, int]:
    """The ids of the tags ``f`` filters on, by name (one query, none without tags);
    a name missing from the result is a tag no photo has."""
    return (dict(Tag.objects.filter(name__in=f.tags).values_list("name", "pk"))
            if f.tags else {})


def apply_filters(qs: QuerySet[SearchDocument], f: Filters, *,
                  tag_array: bool = False) -> QuerySet[SearchDocument]:
    """Documents of ``qs`` narrowed by every filter but the words (an unknown tag gives
    ``qs.none()``). Tag names are looked up first (one query when there are tags), so
    that the planner sees the tag's id and uses its own frequency instead of an
    average; ``tag_array``: tags are matched on the document's ``tag_ids`` (PostgreSQL,
    GIN-indexed) rather than on the photo's tag rows."""
    if f.group:
        qs = qs.filter(group_id=f.group)
    known = _tag_ids(f)
    for tag in f.tags:
        if tag not in known:
            return qs.none()
        qs = qs.filter(tag_ids__contains=[known[tag]]) if tag_array \
            else qs.filter(_tagged(known[tag]))
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
        qs = qs.filter(people=f.people)
    if f.near_lat is not None and f.near_lon is not None and f.radius_km:
        # A bounding box first (cheap, indexable; PostgreSQL estimates it from the
        # statistics on both columns together, migration 0017), then the exact distance,
        # asked as "farther than the radius is not true": the planner cannot estimate a
        # condition on an expression, and guesses 1/3 for "<=" (and for "NOT >", which it
        # turns into "<="), but 1 - 1/3 = 2/3 for this one, near the pi/4 of its bounding
        # box that a circle covers. Guessing 1/3, it took a 3 km circle's 13,800 matches
        # for 4,000 and sorted them all for the newest 1,001. (The box leaves no photo
        # without a location, whose distance alone would be unknown.)
        dlat = f.radius_km / 111.0
        dlon = f.radius_km / max(111.0 * math.cos(math.radians(f.near_lat)), 0.01)
        qs = (qs.filter(coarse_latitude__range=(f.near_lat - dlat, f.near_lat + dlat),
                        coarse_longitude__range=(f.near_lon - dlon, f.near_lon + dlon))
              .filter(_IsNotTrue(GreaterThan(_distance_km(f.near_lat, f.near_lon),
                                             f.radius_km))))
    return qs


def ordered(qs: QuerySet[SearchDocument], f: Filters, *,
            walk: bool = True) -> QuerySet[SearchDocument]:
    """``qs`` in the order ``f.sort`` asks for (relevance needs a ``rank`` annotation and
    words; otherwise newest first). ``walk=False`` orders by the same dates plus nothing,
    which no index provides, so that PostgreSQL sorts the matches instead of walking a
    date index backwards in search of sparse ones."""
    uploaded, taken = F("uploaded_at"), F("taken_at")
    if not walk:
        uploaded = ExpressionWrapper(uploaded + Value(timedelta(0)),
                                     output_field=DateTimeField())
        taken = ExpressionWrapper(taken + Value(timedelta(0)), output_field=DateTimeField())
    if f.sort == "relevance" and "rank" in qs.query.annotations:
        return qs.order_by("-rank", uploaded.desc(), "pk")
    if f.sort == "taken":
        return qs.order_by(taken.desc(nulls_last=True), uploaded.desc(), "pk")
    return qs.order_by(uploaded.desc(), "pk")


# What the result grid shows of a photo (templates/catalog/_grid.html); the rest of the
# row (EXIF, the search document, ...) stays in the database.
GRID_FIELDS = ("title", "width", "height", "rights_expire_at", "group", "group__name", "owner",
               "owner__credit_name", "owner__display_name")


def grid_photos(photos: QuerySet[Photo], ids: list) -> list[Photo]:
    """The photos of ``photos`` with these ids, in that order, with what the grid shows
    (one query; none for no ids). An id not in ``photos`` is left out."""
    if not ids:
        return []
    by_id = {str(p.pk): p for p in photos.filter(pk__in=ids)
             .select_related("group", "owner").only(*GRID_FIELDS)}
    return [by_id[str(i)] for i in ids if str(i) in by_id]
