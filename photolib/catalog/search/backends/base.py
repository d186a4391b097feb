"""What every search backend does: answer a search, and keep its part of a document."""

from __future__ import annotations

from abc import ABC, abstractmethod

from photolib.catalog.search.query import Filters, SearchResult


class SearchBackend(ABC):
    """One engine behind ``catalog.search.search``. A backend reads ``SearchDocument``
    rows and returns only photos of ``Photo.objects.cleared()``, checked when it searches.
    Backends agree on filters, facets, date orders and pages (below FACET_CAP matches);
    how words match and rank is each engine's own (PostgreSQL: websearch syntax, stems,
    phrases, exclusion; portable: every word as a substring of the text)."""

    #: The ``connection.vendor`` values this backend is chosen for (empty: any).
    vendors: tuple[str, ...] = ()

    @abstractmethod
    def search(self, f: Filters, facet_names: tuple[str, ...]) -> SearchResult:
        """One page of cleared photos matching ``f``, the total and the counts of the
        facets named (known names only, in ``FACETS`` order; empty: none)."""

    @abstractmethod
    def index_document(self, photo_id, parts: dict[str, str]) -> None:
        """Store what this engine needs beyond the document's ``text`` and facts, which
        ``index_photo`` has just written; ``parts`` are the words by weight A-D."""
