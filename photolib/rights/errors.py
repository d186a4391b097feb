"""Data-rights errors: each a sentence the person can act on; nothing was changed."""

from __future__ import annotations

from photolib.errors import DomainError


class RightsError(DomainError):
    """Base of every data-rights error."""


class WrongPassword(RightsError):
    status_code = 400
    code = "wrong_password"


class AlreadyErased(RightsError):
    status_code = 409
    code = "already_erased"


class UploadInProgress(RightsError):
    status_code = 409
    code = "upload_in_progress"


class NotAllowed(RightsError):
    status_code = 403
    code = "not_allowed"
