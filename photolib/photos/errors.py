"""Photo errors: each carries a sentence the resident or reviewer can act on and the HTTP
status it maps to.

Services and moderation decisions raise them; views show them as a form error or a message,
and whatever a view lets through is answered by ``photolib.errors.DomainErrorMiddleware``.
Nothing was stored or changed when one is raised.
"""

from __future__ import annotations

from photolib.errors import DomainError


class PhotoError(DomainError):
    """Base of every photo error: ``str(exc)`` is the message; ``field`` names the form
    field, if any."""


class NotAllowed(PhotoError):
    """The person may not do this (upload to this group, moderate, retry)."""

    status_code = 403
    code = "not_allowed"


class InvalidInput(PhotoError):
    """A value the resident typed or chose is not acceptable (missing title, attestation...)."""


class FileRefused(PhotoError):
    """The file is not an image we accept, or is too large; translated from ``IngestError``."""

    status_code = 415
    code = "unsupported_format"

    STATUS_BY_CODE = {"too_large": 413, "too_many_pixels": 422, "too_much_memory": 422,
                      "corrupt_image": 422}

    def __init__(self, message: str, *, code: str | None = None, field: str | None = "file"):
        super().__init__(message, code=code, field=field)
        self.status_code = self.STATUS_BY_CODE.get(self.code, 415)


class DailyLimitReached(PhotoError):
    status_code = 429
    code = "daily_limit"


class StorageUnavailable(PhotoError):
    """File storage failed; nothing was kept. Trying again later may work."""

    status_code = 503
    code = "storage_unavailable"


class NotEditable(PhotoError):
    """The photo has left the resident's hands (reviewed, rejected)."""

    status_code = 409
    code = "not_editable"


class WrongState(PhotoError):
    """A decision that does not apply to the photo's state (approve a rejected photo,
    withdraw twice, take down what is not in the catalog), or one missing its reason."""

    status_code = 409
    code = "wrong_state"


class PhotoNotFound(PhotoError):
    """No such photo, or not one the person may see (never leak which)."""

    status_code = 404
    code = "not_found"


class NoFileOnRecord(PhotoError):
    """The photo has no such file on record (an original the ingest refused and removed, a
    release never attached): a 404 that says so, rather than a link to nothing."""

    status_code = 404
    code = "no_file"


class OriginalMissing(Exception):
    """The stored original is gone: ingest cannot run (not transient, not the resident's fault).

    Internal to ingest, never shown: not a ``PhotoError``."""
