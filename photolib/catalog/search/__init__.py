"""Catalog search: words, filters, facets, sort and pages, over cleared photos only.

Laid out as a small search framework:

- ``query``: the vocabulary every engine shares (``Filters``, ``SearchResult``,
  ``Facet``, ``PAGE_SIZE``, ``FACET_CAP``, ``FACETS``, ``SHAPES``; filters and sort orders
  as querysets over ``SearchDocument``);
- ``index``: the documents (``index_photo``, ``unindex_photo``, ``reindex_owner``,
  ``DOCUMENT_FACTS``): one narrow row per approved photo with its words and a copy of
  the facts filters read;
- ``backends``: one engine per database behind ``backends.base.SearchBackend``
  (``postgres``: full-text search; ``portable``: plain ORM queries, SQLite's engine),
  chosen once by the connection's vendor.

Every result passes ``Photo.objects.cleared()``, checked at search time (a document
never says whether its photo may be used). To change ``PAGE_SIZE`` or ``FACET_CAP`` at
run time, set them on ``query``: they are not re-exported here, so that setting them on
this package fails instead of silently doing nothing.
"""

from __future__ import annotations

from photolib.catalog.search import query
from photolib.catalog.search.backends import get_backend
from photolib.catalog.search.index import (
    DOCUMENT_FACTS,
    index_photo,
    reindex_owner,
    unindex_photo,
)
from photolib.catalog.search.query import (
    FACETS,
    SHAPES,
    WORD,
    Facet,
    Filters,
    SearchResult,
    known_facets,
)


def search(f: Filters, *, with_facets: bool = True,
           facet_names: tuple[str, ...] = FACETS) -> SearchResult:
    """One page of cleared photos matching ``f``, the total and the facet counts (those
    named in ``facet_names``; none without ``with_facets``), from the database's backend.

    Called by the search page. The number of queries does not depend on the number of
    results (each backend's docstring lists them). When more than ``query.FACET_CAP``
    photos match, ``total_capped`` is set and the total shows as "300+"; PostgreSQL then
    counts facets over the first matches found (see its backend). Raises nothing for odd
    words.
    """
    names = known_facets(facet_names) if with_facets else ()
    return get_backend().search(f, names)


__all__ = ["DOCUMENT_FACTS", "FACETS", "SHAPES", "WORD", "Facet", "Filters", "SearchResult",
           "index_photo", "query", "reindex_owner", "search", "unindex_photo"]
