"""The SQLite backend (what ``make run`` serves): FTS5 over each document's words,
stemmed in the document's language by the same Snowball stemmers PostgreSQL uses
(``photolib.languages.stem``) and folded, so that stems and accents behave as on
PostgreSQL; the same query syntax (``catalog.search.words``: words, "phrases", OR,
-exclusion, the last word a prefix). Relevance is FTS5's ``bm25`` with the columns
weighted as PostgreSQL weighs A-D: title 10, tags 5, place 3, description and credit 1.

Filters, facets, counts and pages are the portable backend's (plain ORM over
``SearchDocument``, ``Photo.objects.cleared()`` as a subquery). The FTS5 table is made by
the catalog's migration 0008 on SQLite only; each document has one row, written by
``index_document`` and dropped by ``unindex_document``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from photolib.catalog.models import SearchDocument
from photolib.catalog.search.backends.portable import PortableBackend, matching
from photolib.catalog.search.query import Filters
from photolib.catalog.search.words import WORD, Clause, Parsed, fts5
from photolib.languages import stem

TABLE = "catalog_search_fts"
# bm25 weights, one per column: photo_id and language (unindexed), then A-D.
WEIGHTS = "0, 0, 10, 5, 3, 1"
COLUMNS = {"A": "title", "B": "tags", "C": "place", "D": "description"}


def _key(photo_id) -> str:
    """The document's primary key as SQLite stores it (Django's UUID: 32 hex digits)."""
    return SearchDocument._meta.pk.get_db_prep_value(photo_id, connection)


def _stems(text: str, language: str) -> str:
    return " ".join(s for s in (stem(w, language) for w in WORD.findall(text)) if s)


class SqliteBackend(PortableBackend):
    """SQLite with FTS5. Queries: the portable backend's (a tag look-up when there are
    tags, the count, the page's ids and rows, one per facet), where the words are one
    FTS5 subquery per language in use; a sort by relevance reads the matches' scores
    once more (one FTS5 query) and orders the page in Python."""

    vendors = ("sqlite",)

    def index_document(self, photo_id, parts: dict[str, str], language: str) -> None:
        key = _key(photo_id)
        values = [_stems(parts.get(weight, ""), language) for weight in COLUMNS]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE photo_id = %s", [key])  # noqa: S608
            cursor.execute(f"INSERT INTO {TABLE} (photo_id, language, "  # noqa: S608
                           f"{', '.join(COLUMNS.values())}) VALUES (%s, %s, %s, %s, %s, %s)",
                           [key, language, *values])

    def unindex_document(self, photo_id) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE photo_id = %s",  # noqa: S608
                           [_key(photo_id)])

    def match(self, f: Filters, parsed: Parsed,
              langs: tuple[str, ...]) -> QuerySet[SearchDocument]:
        """Documents of cleared photos matching words and filters, each document's
        words read in its language: for every language in use, its documents whose
        FTS5 row matches the positive clauses and none of the negated ones."""
        qs = matching(f, Parsed())
        if not parsed:
            return qs
        selects, params = [], []
        for lang in langs:
            sql, more = _language_select(parsed, lang, score=False)
            if sql:
                selects.append(sql)
                params += more
        if not selects:  # only stop words or punctuation: nothing to look for
            return qs.none()
        # Fixed SQL text only; the FTS5 queries are parameters.
        return qs.filter(pk__in=RawSQL(" UNION ".join(selects), params))  # noqa: S611

    def ranked_ids(self, qs: QuerySet[SearchDocument], f: Filters, parsed: Parsed,
                   langs: tuple[str, ...], start: int, stop: int) -> list:
        if not (f.sort == "relevance" and parsed.positive):
            return super().ranked_ids(qs, f, Parsed(), langs, start, stop)
        scores: dict[str, float] = {}
        with connection.cursor() as cursor:
            for lang in langs:
                sql, params = _language_select(parsed, lang, score=True)
                if sql:
                    cursor.execute(sql, params)
                    scores.update(cursor.fetchall())
        rows = list(qs.order_by().values_list("photo_id", "uploaded_at"))
        # Best first (bm25 is lower for better matches), then newest, then by id.
        rows.sort(key=lambda r: (scores.get(r[0].hex, 0.0), -r[1].timestamp(), r[0].hex))
        return [photo_id for photo_id, _ in rows[start:stop]]


def _language_select(parsed: Parsed, lang: str, *, score: bool) -> tuple[str, list]:
    """SELECT of the photo ids (with their bm25 score when ``score``) of documents in
    ``lang`` that match ``parsed``; empty when no word of it survives stemming."""
    positive = fts5(parsed.positive, lang)
    if parsed.positive and not positive:
        return "", []
    cols = f"photo_id, bm25({TABLE}, {WEIGHTS})" if score else "photo_id"
    where, params = ["language = %s"], [lang]
    if positive:
        where.append(f"{TABLE} MATCH %s")
        params.append(positive)
    for clause in parsed.negative:
        excluded = fts5((Clause(clause.terms),), lang)
        if excluded:
            where.append(f"photo_id NOT IN (SELECT photo_id FROM {TABLE} "  # noqa: S608
                         f"WHERE {TABLE} MATCH %s)")
            params.append(excluded)
    return f"SELECT {cols} FROM {TABLE} WHERE {' AND '.join(where)}", params  # noqa: S608

