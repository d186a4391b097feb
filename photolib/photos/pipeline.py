"""How photos call :mod:`media_ingest`: the configured limits, the process-wide lock, the
errors worth a retry, and rendering a file from a stored original.

Every caller that decodes a stored photo goes through here (ingest and re-rendering, both in
the worker), so each gets the same limits and the same lock. No web request decodes a photo:
even the full-resolution print file is a rendition ingest stores.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.conf import settings
from django.core.files.storage import storages
from django.db import InterfaceError, OperationalError

import media_ingest
from media_ingest import IngestResult, Limits, RenditionSpec
from photolib.photos import errors
from photolib.photos.keys import ORIGINALS
from photolib.photos.models import Photo


def _transient_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [OSError, OperationalError, InterfaceError]
    try:  # the S3 client's own failures (connection, throttling, 5xx); absent without boto
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        pass
    else:
        found += [BotoCoreError, ClientError]
    return tuple(found)


TRANSIENT_ERRORS = _transient_errors()
"""Storage and database failures that may pass: the ingest task retries on these."""

# Pillow's bomb guard escalates warnings with ``warnings.catch_warnings``, which is process-wide
# state: calls into media_ingest are serialised within a process. A Celery prefork child runs
# one task at a time, so this only ever waits in a threaded web process (eager tasks, the
# cheap upload-time header check).
pillow_lock = threading.Lock()


def ingest_limits() -> Limits:
    """The limits from settings, read at call time."""
    return Limits(max_bytes=settings.PHOTOLIB_MAX_UPLOAD_BYTES,
                  max_pixels=settings.PHOTOLIB_MAX_PIXELS,
                  max_decoded_bytes=settings.PHOTOLIB_MAX_DECODED_BYTES)


def _open_original(photo: Photo):
    try:
        return storages[ORIGINALS].open(photo.original_key, "rb")
    except FileNotFoundError as exc:
        raise errors.OriginalMissing(photo.original_key) from exc


def process_original(photo: Photo, specs: Sequence[RenditionSpec]) -> IngestResult:
    """Read the original once from storage and run the whole pipeline on it.

    Raises ``OriginalMissing``, ``media_ingest.IngestError`` or ``TRANSIENT_ERRORS``."""
    fileobj = _open_original(photo)
    with fileobj, pillow_lock:
        return media_ingest.process(fileobj, ingest_limits(), specs=specs)
