"""Signed releases: what a file must be before it is kept as one.

A release is evidence that the people in a photo agreed, so it has to be a document a
reviewer can open, not any bytes with the right first line. ``check_release`` is called by
``photo_upload`` before anything is stored:

- a PDF (it starts with ``%PDF-``) is opened with pypdf and must parse and have at least one
  page; an encrypted PDF is accepted only if it opens with an empty password (many scanners
  "protect" PDFs that way, with no password to type), since a reviewer must be able to read it;
- anything else must be an image the photo pipeline accepts, and is decoded as a photo is
  (``media_ingest.process``: sniffing, byte, pixel and decoded-memory limits, the integrity
  check, a complete decode), so a decompression bomb or a damaged scan is refused.

Every refusal is ``InvalidInput`` on the ``release`` field with a sentence the resident can act
on; nothing is stored by this module.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import BinaryIO

from django.core.files import File
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import media_ingest
from media_ingest import THUMB, IngestError, Limits
from photolib.photos import errors
from photolib.photos.pipeline import pillow_lock
from photolib.photos.refusals import refusal_text

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"

NOT_A_RELEASE = _("The release must be a PDF or a photo of the signed page (JPEG, PNG, WebP, "
                 "HEIC/HEIF, AVIF or TIFF).")
UNREADABLE_PDF = _("The release PDF could not be opened: it looks damaged or is not really a "
                  "PDF. Save or scan it again and attach the new file.")
EMPTY_PDF = _("The release PDF has no pages. Attach the PDF of the signed release.")
LOCKED_PDF = _("The release PDF is protected by a password, so reviewers could not open it. "
              "Attach a copy without a password.")


def _refuse(message, code: str) -> errors.InvalidInput:
    return errors.InvalidInput(str(message), code=code, field="release")


def check_pdf(fileobj: BinaryIO) -> int:
    """Open ``fileobj`` (seekable, left at 0) as a PDF; return its page count.

    Raises ``InvalidInput`` (field ``release``) when it does not parse, has no page, or is
    encrypted with a password other than the empty one.
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    fileobj.seek(0)
    try:
        reader = PdfReader(fileobj, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refuse(LOCKED_PDF, "release_encrypted")
        pages = len(reader.pages)
        if pages:
            reader.pages[0].mediabox  # noqa: B018 - the first page's own dictionary must parse
    except errors.InvalidInput:
        raise
    except FileNotDecryptedError:
        raise _refuse(LOCKED_PDF, "release_encrypted") from None
    except Exception as exc:  # noqa: BLE001 - hostile input: any parser failure is a refusal
        # pypdf raises its own errors for what it recognises as damage, and whatever Python
        # error a malformed object leads to (KeyError, TypeError, RecursionError, zlib ...)
        # for the rest; each means the document cannot be read.
        logger.info("release refused: the PDF does not parse: %r", exc)
        raise _refuse(UNREADABLE_PDF, "release_unreadable") from None
    finally:
        fileobj.seek(0)
    if pages < 1:
        raise _refuse(EMPTY_PDF, "release_empty")
    return pages


# An image release is decoded in the upload request, so it gets a memory bound of its own:
# a baseline JPEG decodes at a small scale (the photo limits apply); any other image,
# progressive JPEGs included, is decoded whole,
# and at most this much of it, so an upload request stays within its 30 MB memory target (a
# grey A4 scan at 400 dpi, or a colour one at 200 dpi, fits; a larger scan goes as a PDF or
# a JPEG).
RELEASE_MAX_DECODED_BYTES = 24 * 1024 * 1024


def _progressive(fileobj: BinaryIO) -> bool:
    """A progressive JPEG keeps every coefficient of the full frame while it decodes, at any
    scale (headers only; ``fileobj`` is left at 0)."""
    from PIL import Image

    try:
        with Image.open(fileobj) as image:
            return bool(image.info.get("progressive"))
    except Exception:  # noqa: BLE001 - unreadable headers: the pipeline refuses it with a reason
        return True
    finally:
        fileobj.seek(0)


def release_limits(fileobj: BinaryIO, limits: Limits) -> Limits:
    """The limits an image release is decoded under (``fileobj`` is left at 0)."""
    try:
        kind = media_ingest.sniff(fileobj).format
    except media_ingest.UnsupportedFormat:
        return limits  # refused by the pipeline with its own reason
    if kind == "JPEG" and not _progressive(fileobj):
        return limits  # decoded at 1/8 scale, row by row
    return dataclasses.replace(
        limits, max_decoded_bytes=min(limits.max_decoded_bytes, RELEASE_MAX_DECODED_BYTES))


def check_image(fileobj: BinaryIO, limits: Limits) -> media_ingest.IngestResult:
    """Decode ``fileobj`` as the photo pipeline decodes an original (limits, integrity,
    complete decode; one small rendition, discarded), within :func:`release_limits`.
    Raises ``InvalidInput``."""
    try:
        limits = release_limits(fileobj, limits)
        with pillow_lock:
            return media_ingest.process(fileobj, limits, specs=(THUMB,))
    except media_ingest.UnsupportedFormat:
        raise _refuse(NOT_A_RELEASE, "release_unsupported") from None
    except IngestError as exc:
        raise _refuse(gettext("The release image was refused: %(reason)s") % {
            "reason": refusal_text(exc)}, exc.code) from exc
    finally:
        fileobj.seek(0)


def check_release(release: File, limits: Limits) -> tuple[str, str]:
    """Check one uploaded release; return (file extension, content type) to store it with.

    Raises ``InvalidInput`` (field ``release``) for a file that is too large, is not a PDF
    or an accepted image, or does not open as one.
    """
    fileobj = release.file
    size = release.size
    if size is None:
        fileobj.seek(0, 2)
        size = fileobj.tell()
    if size > limits.max_bytes:
        raise _refuse(
            gettext("The release file is too large; the maximum is %(max)d MB.") % {
                "max": limits.max_bytes // 1_000_000},
            "release_too_large")
    fileobj.seek(0)
    head = fileobj.read(len(PDF_MAGIC))
    fileobj.seek(0)
    if head == PDF_MAGIC:
        check_pdf(fileobj)
        return "pdf", "application/pdf"
    result = check_image(fileobj, limits)
    return result.extension, result.mime_type
