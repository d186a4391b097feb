"""The portable backend: plain ORM queries any database runs (SQLite's engine, and a
second opinion on PostgreSQL). Words match ``icontains`` on the document's text, every
one of them required; rank follows where each word appears (title, then the start of a
word, then the place). Counts are exact up to FACET_CAP (total) and exact for facets."""

from __future__ import annotations

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import Length

from photolib.catalog.models import SearchDocument, SearchWord
from photolib.catalog.search import query
from photolib.catalog.search.backends.base import SearchBackend
from photolib.catalog.search.query import (
    FACET_LIMIT,
    FACETS,
    Facet,
    Filters,
    SearchResult,
    shape_expr,
)
from photolib.catalog.search.words import (
    CANDIDATE_SIMILARITY,
    CANDIDATES,
    Parsed,
    Term,
    correction,
    similarity,
)
from photolib.photos.models import Photo


def matching(f: Filters, parsed: Parsed) -> QuerySet[SearchDocument]:
    """Documents of cleared photos matching the words and filters (unordered, unsliced;
    annotated with ``rank`` when there are words)."""
    qs = query.apply_filters(SearchDocument.objects.filter(
        photo__in=Photo.objects.cleared().values("pk")), f)
    if parsed:
        # Ranked by where each word appears, in the same order of weight as PostgreSQL's.
        score = Value(0)
        for clause in parsed.clauses:
            either = Q()
            for term in clause.terms:
                either |= _term_q(term)
            if clause.negated:
                qs = qs.exclude(either)
                continue
            qs = qs.filter(either)
            for word in [w for t in clause.terms for w in t.words]:
                score = score + Case(
                    When(photo__title__icontains=word, then=Value(8)),
                    When(text__icontains=f" {word}", then=Value(1)),
                    default=Value(0))
                score = score + Case(When(place_name__icontains=word, then=Value(2)),
                                     default=Value(0))
        qs = qs.annotate(rank=score)
    return qs


def _term_q(term: Term) -> Q:
    """A term as substrings of the text: the phrase as written, or each of its words."""
    if term.phrase:
        return Q(text__icontains=" ".join(term.words))
    q = Q()
    for word in term.words:
        q &= Q(text__icontains=word)
    return q


def _count_capped(qs: QuerySet) -> tuple[int, bool]:
    n = qs.order_by()[: query.FACET_CAP + 1].count()
    return min(n, query.FACET_CAP), n > query.FACET_CAP


def facets(qs: QuerySet[SearchDocument], names: tuple[str, ...]) -> dict[str, list[Facet]]:
    """Exact counts by group, tag, year, orientation and camera make over ``qs``, for
    the facets named (one query per facet), in ``FACETS`` order."""
    base = qs.order_by()
    out: dict[str, list[Facet]] = {}
    if "group" in names:
        rows = (base.values("group_id", "group__name").annotate(n=Count("pk"))
                .order_by("-n", "group__name")[:FACET_LIMIT])
        out["group"] = [Facet(str(r["group_id"]), r["group__name"], r["n"]) for r in rows]
    if "tag" in names:
        rows = (base.filter(photo__tags__isnull=False).values("photo__tags__name")
                .annotate(n=Count("pk")).order_by("-n", "photo__tags__name")[:FACET_LIMIT])
        out["tag"] = [Facet(r["photo__tags__name"], r["photo__tags__name"], r["n"])
                      for r in rows]
    if "year" in names:
        rows = (base.filter(taken_at__isnull=False).values("taken_at__year")
                .annotate(n=Count("pk")).order_by("-taken_at__year")[:FACET_LIMIT])
        out["year"] = [Facet(str(r["taken_at__year"]), str(r["taken_at__year"]), r["n"])
                       for r in rows]
    if "shape" in names:
        rows = (base.filter(width__isnull=False).annotate(shape=shape_expr()).values("shape")
                .annotate(n=Count("pk")).order_by("-n", "shape"))
        out["shape"] = [Facet(r["shape"], r["shape"].title(), r["n"]) for r in rows]
    if "make" in names:
        rows = (base.exclude(camera_make="").values("camera_make").annotate(n=Count("pk"))
                .order_by("-n", "camera_make")[:FACET_LIMIT])
        out["make"] = [Facet(r["camera_make"], r["camera_make"], r["n"]) for r in rows]
    return {name: out[name] for name in FACETS if name in out}


class PortableBackend(SearchBackend):
    """Any database. Queries: a tag look-up when there are tags, the count, the page's
    ids and its rows (neither past the last page; no rows query for an empty page), and
    one per facet named."""

    def index_document(self, photo_id, parts: dict[str, str], language: str) -> None:
        """Nothing: the document's ``text`` and facts are all this backend reads."""

    def nearest_words(self, wanted: list[str]) -> dict[str, str]:
        """pg_trgm's similarity computed here, over the dictionary's words of about the
        same length (one query per word not in the dictionary; a catalog this backend
        serves is small); the most similar ``CANDIDATES`` go to ``words.correction``, as
        PostgreSQL's do."""
        known = set(SearchWord.objects.filter(word__in=wanted).values_list("word", flat=True))
        out = {}
        for word in wanted:
            if word in known or len(word) < 3:
                continue
            near = SearchWord.objects.annotate(n=Length("word")).filter(
                n__gte=len(word) - 2, n__lte=len(word) + 2).values_list("word", flat=True)
            scored = sorted((-similarity(word, w), -len(w), w) for w in near)
            candidates = [w for sim, _, w in scored if -sim >= CANDIDATE_SIMILARITY]
            best = correction(word, candidates[:CANDIDATES])
            if best:
                out[word] = best
        return out

    def match(self, f: Filters, parsed: Parsed,
              langs: tuple[str, ...]) -> QuerySet[SearchDocument]:
        """The matching documents, annotated with ``rank`` when there are words."""
        return matching(f, parsed)

    def ranked_ids(self, qs: QuerySet[SearchDocument], f: Filters, parsed: Parsed,
                   langs: tuple[str, ...], start: int, stop: int) -> list:
        """The photo ids of one page of ``qs`` in ``f``'s order."""
        return list(query.ordered(qs, f).values_list("photo_id", flat=True)[start:stop])

    def run(self, f: Filters, facet_names: tuple[str, ...],
            parsed: Parsed, langs: tuple[str, ...]) -> SearchResult:
        qs = self.match(f, parsed, langs)
        total, capped = _count_capped(qs)
        pages = query.page_count(total)
        start = f.page_start
        ids = (self.ranked_ids(qs, f, parsed, langs, start, start + query.PAGE_SIZE + 1)
               if f.page_number <= pages or capped else [])
        more = len(ids) > query.PAGE_SIZE
        photos = query.grid_photos(Photo.objects.cleared(), ids[:query.PAGE_SIZE])
        return SearchResult(photos=photos, total=total, total_capped=capped,
                            page=f.page_number, pages=pages, has_next=more,
                            facets=facets(qs, facet_names) if facet_names else {})
