"""Exceptions raised by the ingest pipeline.

Every refusal is an :class:`IngestError` subclass whose ``reason`` is a sentence a resident can
read ("This file is too large ..."). ``detail`` carries the technical cause (e.g. the Pillow
exception class and message) for logs and the ``inspect_photo`` command; it is never meant for
residents. ``code`` is a stable machine-readable slug for the adapter (form error codes, metrics).
``params`` holds the facts the reason states (sizes, limits, a frame number), so that an adapter
can write the same refusal in the resident's own language.

The Django adapter translates these once at the edge: a form error on upload, a ``failed``
status with ``reason`` in the ingest task.
"""

from __future__ import annotations

ACCEPTED_FORMATS_TEXT = "JPEG, PNG, WebP, HEIC/HEIF, AVIF, TIFF"


class IngestError(Exception):
    """Base class: the file was refused. ``str(err)`` is the resident-readable reason."""

    code: str = "ingest_error"
    default_reason: str = "This file could not be processed."

    def __init__(self, reason: str | None = None, *, detail: str | None = None,
                 params: dict | None = None) -> None:
        self.reason: str = reason or self.default_reason
        self.detail: str | None = detail
        self.params: dict = dict(params or {})
        super().__init__(self.reason)

    def __str__(self) -> str:
        return self.reason

    def __repr__(self) -> str:
        extra = f", detail={self.detail!r}" if self.detail else ""
        return f"{type(self).__name__}({self.reason!r}{extra})"


class UnsupportedFormat(IngestError):
    """The content is not one of the accepted image formats (decided from bytes, never names)."""

    code = "unsupported_format"
    default_reason = f"This file is not a supported image. Accepted: {ACCEPTED_FORMATS_TEXT}."


class TooLarge(IngestError):
    """The file has more bytes than the configured limit."""

    code = "too_large"
    default_reason = "This file is too large."


class TooManyPixels(IngestError):
    """Too many pixels (or frames), or a decompression bomb: refused before decoding."""

    code = "too_many_pixels"
    default_reason = "This image has too many pixels to be processed."


class CorruptImage(IngestError):
    """The file claims an accepted format but is damaged, truncated or cannot be decoded."""

    code = "corrupt_image"
    default_reason = (
        "This image appears to be damaged or incomplete and could not be read. "
        "Please try exporting or saving it again."
    )


class TooMuchMemory(TooManyPixels):
    """Decoding would need more memory than ``Limits.max_decoded_bytes``: refused from the
    headers, before decoding."""

    code = "too_much_memory"
    default_reason = "This image would need too much memory to process."
