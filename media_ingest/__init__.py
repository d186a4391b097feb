"""media_ingest: a pure image-ingest library. Bytes in, frozen dataclasses out.

It never imports Django or ``photolib`` and never touches storage or models. Start from
:mod:`media_ingest.pipeline`: :func:`check_upload` at upload time, :func:`process` in the worker,
:func:`inspect` for the ``inspect_photo`` command.

pillow-heif's HEIF opener is registered with Pillow on the first HEIF file the library sees
(:func:`ensure_heif_opener`; idempotent), so HEIC/HEIF originals decode without every process
paying for libheif.
"""

from __future__ import annotations

from .errors import (
    CorruptImage,
    IngestError,
    TooLarge,
    TooManyPixels,
    TooMuchMemory,
    UnsupportedFormat,
)
from .exif import ExifRecord, extract_exif
from .hashing import hamming, perceptual_hash, sha256_file
from .imaging import RenderedImage, render
from .limits import DEFAULT_LIMITS, Limits
from .pipeline import IngestResult, check_upload, inspect, process
from .sniff import SniffResult, ensure_heif_opener, sniff
from .specs import DEFAULT_SPECS, PREVIEW, THUMB, RenditionSpec

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SPECS",
    "PREVIEW",
    "THUMB",
    "CorruptImage",
    "ExifRecord",
    "IngestError",
    "IngestResult",
    "Limits",
    "RenderedImage",
    "RenditionSpec",
    "SniffResult",
    "TooLarge",
    "TooManyPixels",
    "TooMuchMemory",
    "UnsupportedFormat",
    "check_upload",
    "ensure_heif_opener",
    "extract_exif",
    "hamming",
    "inspect",
    "perceptual_hash",
    "process",
    "render",
    "sha256_file",
    "sniff",
]
