"""What every search backend does: answer a search, and keep its part of a document."""

from __future__ import annotations

from abc import ABC, abstractmethod

from photolib.catalog.search import query, words
from photolib.catalog.search.query import Filters, SearchResult
from photolib.catalog.search.words import Parsed


class SearchBackend(ABC):
    """One engine behind ``catalog.search.search``. A backend reads ``SearchDocument``
    rows and returns only photos of ``Photo.objects.cleared()``, checked when it searches.
    Backends agree on filters, facets, date orders and pages (below FACET_CAP matches);
    how words match and rank is each engine's own (PostgreSQL: websearch syntax, stems,
    phrases, exclusion; portable: every word as a substring of the text)."""

    #: The ``connection.vendor`` values this backend is chosen for (empty: any).
    vendors: tuple[str, ...] = ()

    def search(self, f: Filters, facet_names: tuple[str, ...], parsed: Parsed | None = None,
               langs: tuple[str, ...] | None = None) -> SearchResult:
        """One page of cleared photos matching ``f``, the total and the counts of the
        facets named (known names only, in ``FACETS`` order; empty: none). ``parsed``
        is ``f.q`` parsed, synonyms applied (``catalog.search.words``; by default parsed
        here, with the synonyms); ``langs`` the languages of the documents it may meet,
        the site's first (by default ``query.languages_in_use``)."""
        if parsed is None:
            parsed = words.with_synonyms(words.parse(f.q), query.synonym_groups())
        return self.run(f, facet_names, parsed,
                        langs if langs is not None else query.languages_in_use(f.group))

    @abstractmethod
    def run(self, f: Filters, facet_names: tuple[str, ...], parsed: Parsed,
            langs: tuple[str, ...]) -> SearchResult:
        """``search`` with every argument given."""

    @abstractmethod
    def index_document(self, photo_id, parts: dict[str, str], language: str) -> None:
        """Store what this engine needs beyond the document's ``text`` and facts, which
        ``index_photo`` has just written; ``parts`` are the words by weight A-D, to be
        read in ``language`` (``photolib.languages``)."""

    def unindex_document(self, photo_id) -> None:  # noqa: B027 (an optional hook)
        """Drop what ``index_document`` stored beyond the document's row (nothing, for
        an engine that keeps all it needs in that row)."""

    @abstractmethod
    def nearest_words(self, words: list[str]) -> dict[str, str]:
        """For each of ``words`` (folded) that no document holds, the most similar word
        that one does (pg_trgm's similarity, at least ``words.SIMILARITY``); words with
        no such neighbour are left out."""
