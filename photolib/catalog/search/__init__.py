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

Every photo a search returns passes ``Photo.objects.cleared()``, checked at search
time. On PostgreSQL totals and facets count documents marked ``cleared`` (the rule's
last answer, written by ``index.refresh_clearance`` and unset by triggers whenever what
the rule reads changes: ``SearchDocument``); elsewhere the rule is applied to every
match. To change ``PAGE_SIZE`` or ``FACET_CAP`` at
run time, set them on ``query``: they are not re-exported here, so that setting them on
this package fails instead of silently doing nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from photolib.catalog.search import query, words
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
    Facet,
    Filters,
    SearchResult,
    known_facets,
    languages_in_use,
)
from photolib.catalog.search.words import WORD

# Fewer matches than this and the words are checked for typos: none, and the nearest
# words are searched instead ("Showing results for harbour"); one or two, and they are
# offered ("Did you mean harbour?"). Exact matches are never displaced by corrections.
FEW = 3


def search(f: Filters, *, with_facets: bool = True,
           facet_names: tuple[str, ...] = FACETS) -> SearchResult:
    """One page of cleared photos matching ``f``, the total and the facet counts (those
    named in ``facet_names``; none without ``with_facets``), from the database's backend.

    The words are parsed once (``words.parse``: words, "phrases", OR, -exclusion) and
    widened by the reviewers' synonyms; each document reads them in its own language.
    When they find fewer than ``FEW`` photos, words that no document holds are looked up
    in the dictionary of indexed words: with no match at all, the nearest words are
    searched instead and ``showing_for`` says so; with a few, ``suggestion`` offers them.

    Called by the search page. The number of queries does not depend on the number of
    results (each backend's docstring lists them; two small look-ups more here: the
    synonyms and the languages in use; a typo check only when few match). When more than
    ``query.FACET_CAP`` photos match, ``total_capped`` is set and the total shows as
    "10,000+"; later pages still reach every match. On PostgreSQL facets are counted over
    the first ``query.FACET_SAMPLE`` matches ("n+" when there are more). Raises nothing
    for odd words.
    """
    names = known_facets(facet_names) if with_facets else ()
    backend = get_backend()
    parsed = words.parse(f.q)
    if f.q.strip() and not parsed:
        # Only punctuation: nothing to look for, and not "everything" either.
        return SearchResult(photos=[], total=0, total_capped=False, page=f.page_number,
                            pages=1, facets={name: [] for name in names},
                            notice=_("There are no words to search for: use letters or "
                                     "digits."))
    if parsed.excludes_itself:
        # "harbour -harbour": nothing can match; no engine need look through everything.
        return SearchResult(photos=[], total=0, total_capped=False, page=f.page_number,
                            pages=1, facets={name: [] for name in names})
    if parsed:
        parsed = words.with_synonyms(parsed, query.synonym_groups())
    langs = query.languages_in_use(f.group)
    result = backend.search(f, names, parsed, langs)
    if parsed.positive and result.total < FEW and f.page_number == 1:
        fixes = backend.nearest_words(parsed.plain_words())
        if fixes:
            corrected = parsed.corrected(fixes)
            if result.total == 0:
                again = backend.search(f, names, corrected, langs)
                if again.total:
                    again.showing_for = words.parse(f.q).corrected(fixes).text
                    return again
            else:
                result.suggestion = words.parse(f.q).corrected(fixes).text
    return result


__all__ = ["DOCUMENT_FACTS", "FACETS", "SHAPES", "WORD", "Facet", "Filters", "SearchResult",
           "index_photo", "languages_in_use", "query", "reindex_owner", "search",
           "unindex_photo", "words"]
