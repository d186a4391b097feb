"""The two engines ``bench/search.py`` measures the catalog's search service against:

- ``docs_search``: search as Django's documentation shows it (``SearchVector`` stored
  in a GIN-indexed field, ``SearchQuery`` in websearch syntax, ``SearchRank``, ordered by
  rank), with the same filters (``query.apply_filters``), the same three facets, a count
  and one page, and the rights-cleared rule as a subquery
  (``photo_id IN (Photo.objects.cleared())``). No cap and no typo fallback: the way a
  team would start.
- ``TantivyEngine``: Tantivy (the ``tantivy`` package, an embedded Rust search engine),
  indexed from the same search documents (per language, folded and Snowball-stemmed as
  our PostgreSQL configurations do), asked the same words (``words.parse``, the same
  prefix and the same typo fallback: a fuzzy query when nothing matches),
  the same filters and the same three facets, counted exactly. Without the rights rule:
  the speed a dedicated search engine reaches with nothing to check.

Both are for the benchmark only: the site uses neither.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, time, timedelta

FACET_SIZE = 12
TEXT_PARTS = {"title": 1.0, "tags": 0.4, "place": 0.2, "desc": 0.1}  # ts_rank's weights
LANGS = {"english": "en", "german": "de"}


# --- (2) the Django documentation's way ----------------------------------------------------

def docs_search(f, facet_names: tuple[str, ...] = ("tag", "year", "make")) -> tuple[int, list]:
    """One page and the facets of ``f`` the documentation's way; returns (total, photos).
    Five queries: count, page, one per facet; plus the grid's rows."""
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import Case, Count, F, FloatField, Q, Value, When
    from django.db.models.functions import ExtractYear

    from photolib import languages
    from photolib.catalog.models import SearchDocument
    from photolib.catalog.search import query
    from photolib.photos.models import Photo

    matched = query.apply_filters(
        SearchDocument.objects.filter(photo_id__in=Photo.objects.cleared().values("pk")), f)
    ranked = matched
    if f.q.strip():
        langs = query.languages_in_use(f.group)
        queries = {lang: SearchQuery(f.q, search_type="websearch",
                                     config=languages.ts_config(lang)) for lang in langs}
        if len(langs) == 1:
            (q,) = queries.values()
            matched = matched.filter(vector=q)
            ranked = matched.annotate(rank=SearchRank(F("vector"), q))
        else:
            condition = Q()
            for lang, q in queries.items():
                condition |= Q(language=lang, vector=q)
            matched = matched.filter(condition)
            ranked = matched.annotate(rank=Case(
                *[When(language=lang, then=SearchRank(F("vector"), q))
                  for lang, q in queries.items()], default=Value(0.0),
                output_field=FloatField()))
    total = matched.count()
    if "rank" in ranked.query.annotations and f.sort == "relevance":
        order = ("-rank", "-uploaded_at")
    elif f.sort == "taken":
        order = (F("taken_at").desc(nulls_last=True), "-uploaded_at")
    else:
        order = ("-uploaded_at",)
    ids = list(ranked.order_by(*order).values_list("photo_id", flat=True)
               [f.page_start:f.page_start + query.PAGE_SIZE])
    if "tag" in facet_names:
        list(Photo.tags.through.objects.filter(photo_id__in=matched.values("photo_id"))
             .values("tag__name").annotate(n=Count("id")).order_by("-n", "tag__name")
             [:FACET_SIZE])
    if "year" in facet_names:
        list(matched.exclude(taken_at=None).annotate(y=ExtractYear("taken_at")).values("y")
             .annotate(n=Count("photo_id")).order_by("-y")[:FACET_SIZE])
    if "make" in facet_names:
        list(matched.exclude(camera_make="").values("camera_make")
             .annotate(n=Count("photo_id")).order_by("-n", "camera_make")[:FACET_SIZE])
    return total, query.grid_photos(Photo.objects.all(), ids)


# --- (4) Tantivy ---------------------------------------------------------------------------

DOCUMENTS = """
SELECT d.photo_id::text, d.language, p.title, coalesce(t.names, ''), p.place_name,
       concat_ws(' ', nullif(p.description, ''),
                 coalesce(nullif(u.credit_name, ''), nullif(u.display_name, ''))),
       d.group_id, d.uploaded_at, d.taken_at, d.width, d.height, d.camera_make, d.people,
       d.coarse_latitude, d.coarse_longitude, coalesce(t.list, '{}')
FROM catalog_searchdocument d
JOIN photos_photo p ON p.id = d.photo_id
JOIN accounts_user u ON u.id = p.owner_id
LEFT JOIN LATERAL (SELECT string_agg(tg.name, ' ') AS names, array_agg(tg.name) AS list
                   FROM photos_photo_tags pt JOIN photos_tag tg ON tg.id = pt.tag_id
                   WHERE pt.photo_id = p.id) t ON true
"""


class TantivyEngine:
    """An in-memory Tantivy index of the search documents, and the service's questions
    asked of it."""

    def __init__(self, url: str, *, threads: int = 2) -> None:
        import psycopg
        import tantivy
        from tantivy import Filter, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

        self.t = tantivy
        sb = SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        self.text_fields: dict[str, float] = {}
        for short in LANGS.values():
            for part, boost in TEXT_PARTS.items():
                name = f"{part}_{short}"
                sb.add_text_field(name, tokenizer_name=f"fold_{short}")
                self.text_fields[name] = boost
        for name in ("tag", "make", "people", "shape"):
            sb.add_text_field(name, tokenizer_name="raw", fast=True)
        for name in ("group", "year", "width", "height"):
            sb.add_integer_field(name, fast=True, indexed=True)
        for name in ("lat", "lon"):
            sb.add_float_field(name, fast=True, indexed=True)
        for name in ("uploaded", "taken"):
            sb.add_date_field(name, fast=True, indexed=True)
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema)
        self.analyzers = {}
        for lang, short in LANGS.items():
            self.analyzers[short] = TextAnalyzerBuilder(
                Tokenizer.simple()).filter(Filter.lowercase()).filter(Filter.ascii_fold()) \
                .filter(Filter.stemmer(lang)).build()
            self.index.register_tokenizer(f"fold_{short}", self.analyzers[short])
        writer = self.index.writer(heap_size=400_000_000, num_threads=threads)
        self.count = 0
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn, \
                conn.cursor(name="tantivy_docs") as cur:
            cur.itersize = 20_000
            cur.execute(DOCUMENTS)
            for row in cur:
                writer.add_document(self._document(row))
                self.count += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def _document(self, row):
        (pid, language, title, tags, place, desc, group, uploaded, taken, width, height,
         make, people, lat, lon, tag_list) = row
        short = LANGS.get(language, "en")
        doc = self.t.Document(id=pid, group=group, uploaded=uploaded, people=people,
                              make=make.lower())
        for part, value in (("title", title), ("tags", tags), ("place", place),
                            ("desc", desc)):
            if value:
                doc.add_text(f"{part}_{short}", value)
        for tag in tag_list:
            doc.add_text("tag", tag)
        if taken is not None:
            doc.add_date("taken", taken)
            doc.add_integer("year", taken.year)
        if width is not None:
            doc.add_integer("width", width)
            doc.add_integer("height", height)
            doc.add_text("shape", "landscape" if width > height else
                         "portrait" if width < height else "square")
        if lat is not None:
            doc.add_float("lat", lat)
            doc.add_float("lon", lon)
        return doc

    # The words: ``words.parse`` clauses as Tantivy queries over every text field.
    def _text(self, text: str, fuzzy: bool):
        fields = list(self.text_fields)
        return self.index.parse_query(
            text, fields, field_boosts=self.text_fields, conjunction_by_default=True,
            fuzzy_fields={f: (False, 1, True) for f in fields} if fuzzy else None)

    def _term(self, term, fuzzy: bool):
        from tantivy import Occur, Query

        words = list(term.words)
        if term.phrase and len(words) > 1:
            quoted = '"' + " ".join(words) + '"'
            return self._text(quoted + ("*" if term.prefix and not fuzzy else ""), False)
        parts = []
        if term.prefix and not fuzzy:  # a corrected word is not a prefix (as the service)
            # As PostgreSQL's ``word:*``: the word stemmed in each language, then any term
            # that starts with that stem.
            last = words.pop()
            stems = {short: (a.analyze(last) or [last])[0]
                     for short, a in self.analyzers.items()}
            parts.append(Query.boolean_query([
                (Occur.Should, Query.boost_query(Query.regex_query(
                    self.schema, f, re.escape(stems[f.rsplit("_", 1)[1]]) + ".*"), boost))
                for f, boost in self.text_fields.items()]))
        if words:
            parts.append(self._text(" ".join(words), fuzzy))
        return parts[0] if len(parts) == 1 else Query.boolean_query(
            [(Occur.Must, p) for p in parts])

    def words_query(self, parsed, fuzzy: bool = False):
        from tantivy import Occur, Query

        subs = []
        for clause in parsed.clauses:
            alts = [self._term(t, fuzzy) for t in clause.terms]
            q = alts[0] if len(alts) == 1 else Query.boolean_query(
                [(Occur.Should, a) for a in alts])
            subs.append((Occur.MustNot if clause.negated else Occur.Must, q))
        if not parsed.positive:
            subs.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(subs)

    def filters_query(self, f) -> list:
        from tantivy import FieldType, Occur, Query

        def day(d):
            return datetime.combine(d, time.min, tzinfo=UTC)

        out = []
        if f.group:
            out.append(Query.term_query(self.schema, "group", f.group))
        for tag in f.tags:
            out.append(Query.term_query(self.schema, "tag", tag))
        if f.shape:
            out.append(Query.term_query(self.schema, "shape", f.shape))
        if f.make:
            out.append(Query.term_query(self.schema, "make", f.make.lower()))
        if f.people:
            out.append(Query.term_query(self.schema, "people", f.people))
        if f.taken_from or f.taken_to:
            out.append(Query.range_query(
                self.schema, "taken", FieldType.Date,
                day(f.taken_from) if f.taken_from else None,
                day(f.taken_to + timedelta(days=1)) if f.taken_to else None,
                include_upper=not f.taken_to))
        if f.min_px:
            out.append(Query.boolean_query([
                (Occur.Should, Query.range_query(self.schema, side, FieldType.Integer,
                                                 f.min_px, None))
                for side in ("width", "height")]))
        if f.near_lat is not None and f.radius_km:
            # The bounding box (the service then keeps the exact circle).
            dlat = f.radius_km / 111.0
            dlon = f.radius_km / max(111.0 * math.cos(math.radians(f.near_lat)), 0.01)
            out.append(Query.range_query(self.schema, "lat", FieldType.Float,
                                         f.near_lat - dlat, f.near_lat + dlat))
            out.append(Query.range_query(self.schema, "lon", FieldType.Float,
                                         f.near_lon - dlon, f.near_lon + dlon))
        if f.place:
            raise NotImplementedError("the bench's queries have no place filter")
        return out

    def search(self, f, page_size: int,
               facet_names: tuple[str, ...] = ("tag", "year", "make")) -> tuple[int, list]:
        """(total, page of photo ids) and the facets, as the service answers them."""
        from tantivy import Occur, Query

        from photolib.catalog.search import words

        parsed = words.parse(f.q)
        filters = self.filters_query(f)

        def build(fuzzy: bool):
            parts = [(Occur.Must, q) for q in filters]
            if parsed:
                parts.append((Occur.Must, self.words_query(parsed, fuzzy)))
            return Query.boolean_query(parts) if parts else Query.all_query()

        q = build(False)
        ranked = bool(parsed.positive) and f.sort == "relevance"
        result = self._page(q, f, ranked, page_size)
        # As the service: only with no match at all are the corrected words searched (with
        # one or two it merely looks up a suggestion, which Tantivy has no counterpart for).
        if parsed.positive and result.count == 0 and f.page_number == 1:
            again = build(True)
            retry = self._page(again, f, ranked, page_size)
            if retry.count:
                q, result = again, retry
        aggs = {}
        if "tag" in facet_names:
            aggs["tag"] = {"terms": {"field": "tag", "size": FACET_SIZE}}
        if "year" in facet_names:
            aggs["year"] = {"terms": {"field": "year", "size": FACET_SIZE,
                                      "order": {"_key": "desc"}}}
        if "make" in facet_names:
            aggs["make"] = {"terms": {"field": "make", "size": FACET_SIZE}}
        if aggs:
            self.searcher.aggregate(q, aggs)
        ids = [self.searcher.doc(address)["id"][0] for _, address in result.hits]
        return result.count, ids

    def _page(self, q, f, ranked: bool, page_size: int):
        kwargs = {} if ranked else {"order_by_field": "taken" if f.sort == "taken"
                                    else "uploaded"}
        return self.searcher.search(q, page_size, count=True, offset=f.page_start, **kwargs)
