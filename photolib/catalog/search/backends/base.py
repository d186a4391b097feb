"""What every search backend does: answer a search, and keep its part of a document."""

from __future__ import annotations

from abc import ABC, abstractmethod

from photolib.catalog.search.query import Filters, SearchResult


class SearchBackend(ABC):
    """One engine behind ``catalog.search.search``. A backend reads ``SearchDocument``
    rows and returns only photos of ``Photo.objects.cleared()``, checked when it searches;
    for the same documents every backend finds the same photos and counts (rank order
    among equally good matches may differ)."""

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
