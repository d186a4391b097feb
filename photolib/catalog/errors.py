"""Catalog errors: each carries a sentence the marketing officer can act on."""

from __future__ import annotations

from photolib.errors import DomainError


class CatalogError(DomainError):
    """Base of every catalog error; nothing was stored or logged when one is raised."""


class DownloadRefused(CatalogError):
    """The download cannot happen (no purpose given, a use the agreement does not permit)."""


class NotInCatalog(CatalogError):
    """No such photo among the cleared ones (never says whether it exists at all)."""

    status_code = 404
    code = "not_found"
