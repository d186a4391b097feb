"""Catalog errors: each carries a sentence the marketing officer can act on."""

from __future__ import annotations

from photolib.errors import DomainError


class CatalogError(DomainError):
    """Base of every catalog error; nothing was stored or logged when one is raised."""


class DownloadRefused(CatalogError):
    """The download cannot happen (no purpose given, a use the agreement does not permit)."""


class FileUnavailable(CatalogError):
    """Storage did not answer while a download was made; nothing was recorded. Trying again
    in a few minutes may work."""

    status_code = 503
    code = "storage_unavailable"


class SigningFailed(CatalogError):
    """The download copy could not be written or signed (the metadata library or the C2PA
    signer refused: a misconfigured certificate, most likely); nothing was recorded and
    the error is logged for the library's staff."""

    status_code = 503
    code = "signing_failed"


class FilePreparing(CatalogError):
    """The photo's print file is not made yet; the worker has been asked for it and nothing
    was recorded. Trying again in a few minutes works."""

    status_code = 503
    code = "file_preparing"
    retry_after = 120

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class FileMissing(CatalogError):
    """The photo's stored file is gone; nothing was recorded. Staff have to restore it."""

    status_code = 404
    code = "file_missing"


class NotInCatalog(CatalogError):
    """No such photo among the cleared ones (never says whether it exists at all)."""

    status_code = 404
    code = "not_found"


class CollectionRefused(CatalogError):
    """A collection change its actor may not make or that makes no sense (sharing with
    someone outside marketing, a non-owner renaming); nothing was changed."""

    status_code = 400
    code = "collection_refused"


class NoSuchCollection(CatalogError):
    """No collection with that id that the user owns or edits (never says whether it
    exists)."""

    status_code = 404
    code = "not_found"
