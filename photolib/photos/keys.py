"""Where a photo's files live: storage aliases, object keys, rendition kinds, and the two
storage helpers every writer of photo files uses.

Keys are relative to each alias; on S3 the alias adds its ``location`` prefix:

- original: ``<photo uuid>/<ascii slug of the name>.<extension sniffed from the content>``
  in ``originals``
- signed release: ``<photo uuid>/release.<pdf|image extension>``, also in ``originals``
- rendition: ``<photo uuid>/<spec>``, e.g. ``<uuid>/thumb-400-q85.jpg``, in ``renditions``

Rendition kinds are addressed by name (``"thumb"``, ``"preview"``), never by position. The
full-resolution ``print`` rendition is made by ingest too (a download then only copies stored
bytes), but it is no viewable kind: it leaves only as a recorded catalog download.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import PurePath
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import Storage
from django.utils.text import slugify

import media_ingest
from media_ingest import RenditionSpec
from photolib.storage_config import ORIGINALS, RENDITIONS

logger = logging.getLogger(__name__)

__all__ = ["ORIGINALS", "RENDITIONS", "SPECS", "RENDITION_KINDS", "THUMB", "PREVIEW", "PRINT"]

PRINT = RenditionSpec("print", 16384, "JPEG", 92)
"""The catalog's print file: full resolution (the largest edge the limits admit is below
16384), orientation applied, sRGB, no EXIF or GPS. Made by the worker, never on request."""
SPECS: tuple[RenditionSpec, ...] = (*media_ingest.DEFAULT_SPECS, PRINT)
"""Every rendition ingest makes for each photo."""
RENDITION_KINDS: dict[str, RenditionSpec] = {spec.name: spec
                                             for spec in media_ingest.DEFAULT_SPECS}
"""The renditions by the name that URLs and templates use: ``thumb`` and ``preview``."""
THUMB = RENDITION_KINDS["thumb"]
PREVIEW = RENDITION_KINDS["preview"]


def safe_stem(name: str) -> str:
    """An ASCII slug of a file name without its extension (``"photo"`` when nothing is left)."""
    stem = slugify(PurePath(name).stem.replace("_", "-"))[:80].strip("-")
    return stem or "photo"


def original_key(photo_id: uuid.UUID | str, name: str, extension: str) -> str:
    return f"{photo_id}/{safe_stem(name)}.{extension}"


def release_key(photo_id: uuid.UUID | str, extension: str) -> str:
    return f"{photo_id}/release.{extension}"


def rendition_key(photo_id: uuid.UUID | str, spec: RenditionSpec) -> str:
    return f"{photo_id}/{spec}"


def display_name(name: str, limit: int = 255) -> str:
    """The uploaded file's own name, kept for display: no path, no control characters."""
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > limit:
        suffix = PurePath(name).suffix[:16]
        name = name[: limit - len(suffix)] + suffix
    return name or "photo"


def typed_file(fileobj: BinaryIO, name: str, content_type: str) -> File:
    """A ``File`` that carries its content type: django-storages' S3 backend sends it as the
    object's ``ContentType`` instead of guessing from the name or trusting the browser."""
    wrapped = File(fileobj, name=name)
    wrapped.content_type = content_type
    return wrapped


def delete_quietly(storage: Storage, names: Iterable[str]) -> None:
    """Remove objects, logging (not raising) failures: ``sweep_storage`` finds what is left."""
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not delete %s; sweep_storage will report it", name,
                           exc_info=True)
