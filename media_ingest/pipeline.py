"""The one entry point the Django adapter calls.

- :func:`check_upload` at upload time (cheap): byte limit, content sniffing, header-only pixel
  and frame checks. Nothing is decoded.
- :func:`process` in the worker: SHA-256, EXIF, the integrity check of
  :mod:`media_ingest.integrity`, renditions and perceptual hash (damaged image data anywhere
  is refused, never rendered with missing pixels).
- :func:`inspect` for ``manage.py inspect_photo``: a JSON-friendly verdict that never raises.

All refusals are :class:`~media_ingest.errors.IngestError` subclasses with a resident-readable
``reason``.
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import IngestError
from .exif import ExifRecord, read_exifread_tags, record_from_sources
from .hashing import perceptual_hash, sha256_file
from .imaging import (
    RenderedImage,
    RenderOutcome,
    open_image,
    pillow_guard,
    render_image,
    with_bomb_retry,
)
from .integrity import verify_complete
from .limits import DEFAULT_LIMITS, Limits, check_bytes
from .sniff import SniffResult, sniff
from .specs import DEFAULT_SPECS, RenditionSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Facts and renditions for one accepted original.

    - ``format``/``mime_type``/``extension``: from the content (see :class:`SniffResult`).
    - ``width``/``height``: as displayed, i.e. after EXIF orientation (use these for layout
      and the catalog's orientation facet); ``stored_width``/``stored_height``: as stored in
      the file; ``orientation``: the transform applied to renditions (1 = none).
    - ``exif``: the :class:`ExifRecord` (its ``orientation`` is the raw tag, see there).
    - ``sha256``: hex digest of the original bytes; ``phash``: 16-hex-digit perceptual hash
      (None only if no rendition was requested).
    - ``renditions``: one :class:`RenderedImage` per requested spec.
    - ``warnings``: non-fatal problems (metadata, colour profile, decoder warnings).
    """

    format: str
    mime_type: str
    extension: str
    size_bytes: int
    width: int
    height: int
    stored_width: int
    stored_height: int
    orientation: int
    exif: ExifRecord
    sha256: str
    phash: str | None
    renditions: Mapping[RenditionSpec, RenderedImage]
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (rendition bytes are summarised, not included)."""
        return {
            "format": self.format,
            "mime_type": self.mime_type,
            "extension": self.extension,
            "size_bytes": self.size_bytes,
            "width": self.width,
            "height": self.height,
            "stored_width": self.stored_width,
            "stored_height": self.stored_height,
            "orientation": self.orientation,
            "sha256": self.sha256,
            "phash": self.phash,
            "exif": self.exif.as_dict(),
            "renditions": {
                str(spec): {
                    "width": item.width,
                    "height": item.height,
                    "content_type": item.content_type,
                    "size_bytes": item.size_bytes,
                }
                for spec, item in self.renditions.items()
            },
            "warnings": list(self.warnings),
        }


def _stream_size(fileobj: BinaryIO) -> int:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def check_upload(
    fileobj: BinaryIO, size: int | None = None, limits: Limits = DEFAULT_LIMITS
) -> SniffResult:
    """Cheap upload-time gate; returns what the file is or raises an ``IngestError``.

    ``size`` is the byte count the caller already knows (``UploadedFile.size``); it is checked
    before anything is read. Then the format is sniffed from content and the headers of every
    frame are checked against ``limits`` (no pixel decoding). ``fileobj`` must be seekable; its
    position is left at 0.
    """
    check_bytes(_stream_size(fileobj) if size is None else size, limits)
    sniffed = sniff(fileobj)

    def header_check(escalate: bool) -> None:
        # Not image.close(): Pillow would close the caller's file object too.
        open_image(fileobj, sniffed, limits, escalate_bomb_warning=escalate)

    try:
        with_bomb_retry(limits, header_check)
    finally:
        fileobj.seek(0)
    return sniffed


def process(
    fileobj: BinaryIO,
    limits: Limits = DEFAULT_LIMITS,
    specs: Sequence[RenditionSpec] = DEFAULT_SPECS,
) -> IngestResult:
    """Fully ingest one original: validate, hash, read EXIF, render ``specs``.

    ``fileobj`` must be seekable (a local temp file or ``storage.open()`` result); it is
    re-validated from scratch, since the worker must not trust the upload-time check. Raises
    ``IngestError`` subclasses for refused files; metadata problems never raise (they end up
    in ``warnings``).
    """
    size = _stream_size(fileobj)
    check_bytes(size, limits)
    sniffed = sniff(fileobj)
    digest = sha256_file(fileobj)
    tags, exif_warnings = read_exifread_tags(fileobj)
    integrity_warnings = verify_complete(fileobj, sniffed, limits)

    def run(escalate: bool) -> tuple[RenderOutcome, ExifRecord, list[str]]:
        notes: list[str] = []
        image = open_image(
            fileobj, sniffed, limits, escalate_bomb_warning=escalate, collected=notes
        )
        try:
            # EXIF first: render_image releases the decoded pixels as it goes. Under the guard:
            # for PNG, Pillow decodes the image to reach EXIF, and a decode error refuses it.
            with pillow_guard(escalate_bomb_warning=escalate, collected=notes):
                exif = record_from_sources(tags, list(exif_warnings), pil_image=image)
            outcome = render_image(image, specs, escalate_bomb_warning=escalate)
        finally:
            # Not image.close(): Pillow would close the caller's file object too. Dropping the
            # last reference frees the pixels.
            del image
            fileobj.seek(0)
        return outcome, exif, notes

    outcome, exif, notes = with_bomb_retry(limits, run)
    phash = perceptual_hash(outcome.smallest) if outcome.smallest is not None else None
    return IngestResult(
        format=sniffed.format,
        mime_type=sniffed.mime_type,
        extension=sniffed.extension,
        size_bytes=size,
        width=outcome.display_size[0],
        height=outcome.display_size[1],
        stored_width=outcome.stored_size[0],
        stored_height=outcome.stored_size[1],
        orientation=outcome.orientation,
        exif=exif,
        sha256=digest,
        phash=phash,
        renditions=outcome.renditions,
        warnings=tuple(dict.fromkeys([*integrity_warnings, *notes, *outcome.warnings])),
    )


def _rejection(exc: BaseException, reason: str, code: str, detail: str | None) -> dict[str, Any]:
    return {"status": "rejected", "reason": reason, "error": type(exc).__name__, "code": code,
            "detail": detail}


def inspect(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Run :func:`process` on a local file and describe the verdict; never raises.

    Returns ``{"file", "size_bytes", "elapsed_ms", "status": "accepted", ...facts}`` or
    ``{"file", ..., "status": "rejected", "reason", "error", "code", "detail"}``, where
    ``reason`` is the resident-readable text and ``error`` the exception class name (for
    unexpected exceptions too: they are logged and reported as rejections).
    """
    target = Path(path)
    summary: dict[str, Any] = {"file": str(target)}
    started = time.perf_counter()
    try:
        summary["size_bytes"] = target.stat().st_size
        with target.open("rb") as fileobj:
            result = process(fileobj, limits)
        summary.update(status="accepted", **result.as_dict())
    except IngestError as exc:
        summary.update(_rejection(exc, exc.reason, exc.code, exc.detail))
    except OSError as exc:
        summary.update(_rejection(exc, "The file could not be read.", "unreadable",
                                  str(exc)[:500]))
    except Exception as exc:
        logger.exception("inspect: unexpected error on %s", target)
        summary.update(_rejection(exc, "This file could not be processed.", "unexpected_error",
                                  str(exc)[:500]))
    summary["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return summary
