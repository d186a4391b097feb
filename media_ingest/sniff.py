"""Detect the real image format from the first bytes of a file (never from its name).

Accepted: JPEG (incl. MPO, which is JPEG with extra frames), PNG (incl. APNG), WebP,
HEIC/HEIF (ISO-BMFF ``ftyp`` with an HEVC or generic image brand), AVIF (``ftyp`` brand
``avif``/``avis``, or a generic ``mif1`` file whose only coding brand is ``avif``; decoded by
Pillow's own AVIF plugin, Pillow >= 11.3 built with libavif) and classic TIFF.

Refused with :class:`~media_ingest.errors.UnsupportedFormat`, naming what is accepted:

- AVIF when the installed Pillow cannot read it (:func:`avif_supported`).
- Camera RAW files that use TIFF containers: DNG (IFD0 has a ``DNGVersion`` tag), Canon CR2
  (``CR`` marker after the TIFF header), and TIFFs whose first IFD is a reduced-resolution
  preview with ``SubIFDs`` (the usual NEF/ARW/PEF layout). Pillow would only open the small
  embedded preview, so we would silently ingest a thumbnail; instead the resident is told to
  export a JPEG.
- BigTIFF, GIF, BMP, and anything else, including empty files.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

from .errors import ACCEPTED_FORMATS_TEXT, UnsupportedFormat

HEAD_BYTES = 64

_HEVC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

_TAG_NEW_SUBFILE_TYPE = 0x00FE
_TAG_SUBIFDS = 0x014A
_TAG_DNG_VERSION = 0xC612
_MAX_IFD_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class SniffResult:
    """What the bytes say the file is.

    ``format`` is one of ``JPEG``, ``PNG``, ``WEBP``, ``HEIF``, ``AVIF``, ``TIFF``;
    ``mime_type`` and ``extension`` (no dot) are canonical and safe to use for the stored
    original's key and ``Content-Type``; ``pil_formats`` are the Pillow plugin names allowed
    to open it.
    """

    format: str
    mime_type: str
    extension: str
    pil_formats: tuple[str, ...]


JPEG = SniffResult("JPEG", "image/jpeg", "jpg", ("JPEG",))  # MPO opens via JPEG
PNG = SniffResult("PNG", "image/png", "png", ("PNG",))
WEBP = SniffResult("WEBP", "image/webp", "webp", ("WEBP",))
HEIC = SniffResult("HEIF", "image/heic", "heic", ("HEIF",))
HEIF = SniffResult("HEIF", "image/heif", "heif", ("HEIF",))
TIFF = SniffResult("TIFF", "image/tiff", "tif", ("TIFF",))
AVIF = SniffResult("AVIF", "image/avif", "avif", ("AVIF",))

ACCEPTED: tuple[SniffResult, ...] = (JPEG, PNG, WEBP, HEIC, HEIF, AVIF, TIFF)


@lru_cache(maxsize=1)
def avif_supported() -> bool:
    """Whether this Pillow reads AVIF itself (its AVIF plugin, built with libavif)."""
    from PIL import features

    return bool(features.check("avif"))


def _avif(detail: str) -> SniffResult:
    if not avif_supported():
        raise _unsupported("an AVIF image", f"{detail}; this Pillow has no AVIF support")
    return AVIF


def _unsupported(what: str | None, detail: str) -> UnsupportedFormat:
    if what:
        reason = (
            f"This file looks like {what}, which is not accepted. "
            f"Accepted: {ACCEPTED_FORMATS_TEXT}."
        )
    else:
        reason = f"This file is not a supported image. Accepted: {ACCEPTED_FORMATS_TEXT}."
    return UnsupportedFormat(reason, detail=detail, params={"what": what} if what else None)


# Magic numbers of formats we recognise only to give a better refusal reason.
_KNOWN_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
    (b"\xffO\xffQ", "a JPEG 2000 image"),
    (b"II*\x00\x10\x00\x00\x00CR", "a camera RAW file (CR2)"),
    (b"II+\x00", "a BigTIFF file"),
    (b"MM\x00+", "a BigTIFF file"),
    (b"IIRO", "a camera RAW file (ORF)"),
    (b"IIU\x00", "a camera RAW file (RW2)"),
    (b"FUJIFILMCCD-RAW", "a camera RAW file (RAF)"),
    (b"\x00\x00\x01\x00", "an icon (ICO) file"),
    (b"icns", "an icon (ICNS) file"),
    (b"DDS ", "a DDS texture"),
    (b"SIMPLE  =", "a FITS file"),
    (b"\xc5\xd0\xd3\xc6", "an EPS file"),
    (b"%!PS", "a PostScript file"),
    (b"<?xml", "a text/XML file"),
    (b"<svg", "an SVG drawing"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"ID3", "an audio file"),
)


def sniff_bytes(head: bytes) -> SniffResult:
    """Classify a file from its first bytes (at least 32 recommended, 64 is plenty).

    TIFF RAW detection needs more than the head; :func:`sniff` does that part. Raises
    :class:`UnsupportedFormat` for anything not accepted.
    """
    if not head:
        raise UnsupportedFormat(
            f"This file is empty. Accepted: {ACCEPTED_FORMATS_TEXT}.",
            detail="empty file (0 bytes)",
            params={"empty": True},
        )
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head.startswith((b"II*\x00", b"MM\x00*")):
        if head[8:10] == b"CR":
            raise _unsupported("a camera RAW file (CR2)", "TIFF header with CR2 marker")
        return TIFF
    for magic, what in _KNOWN_UNSUPPORTED:
        if head.startswith(magic):
            raise _unsupported(what, f"magic {magic!r}")
    return _raise_unknown(head)


def _raise_unknown(head: bytes) -> SniffResult:
    raise _unsupported(None, f"unrecognised leading bytes {head[:16].hex()}")


def _sniff_ftyp(head: bytes) -> SniffResult:
    (box_size,) = struct.unpack(">I", head[:4])
    major = head[8:12]
    end = min(max(box_size, 16), len(head))
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    brands = compatible | {major}
    if major in _AVIF_BRANDS:
        return _avif(f"ftyp major brand {major!r}")
    if major in _HEVC_BRANDS:
        return HEIC
    if brands & _HEVC_BRANDS:
        return HEIC
    if brands & _AVIF_BRANDS:
        return _avif(f"ftyp brands {sorted(brands)!r}")
    if major in _GENERIC_HEIF_BRANDS:
        return HEIF
    raise _unsupported("a video or other media container", f"ftyp brands {sorted(brands)!r}")


_heif_lock = threading.Lock()
_heif_registered = False


def ensure_heif_opener() -> None:
    """Register pillow-heif's HEIF opener with Pillow, once per process (idempotent).

    Done lazily, on the first HEIF file, because importing pillow-heif maps libheif and its
    codecs (~7 MB RSS) into every process, including web processes that never see a HEIC.
    """
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True


def sniff(fileobj: BinaryIO) -> SniffResult:
    """Detect the format of a seekable binary file object from its content.

    Reads from the start (a few bytes, plus the first TIFF IFD for TIFF files) and leaves the
    position at 0. Raises :class:`UnsupportedFormat` with a resident-readable reason.
    """
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    try:
        result = sniff_bytes(head)
        if result is TIFF:
            raw = _tiff_raw_kind(fileobj, head)
            if raw:
                raise _unsupported(f"a camera RAW file ({raw})", f"TIFF container: {raw}")
        return result
    finally:
        fileobj.seek(0)


def _tiff_raw_kind(fileobj: BinaryIO, head: bytes) -> str | None:
    """Return ``"DNG"``/``"RAW"`` if IFD0 says this TIFF is a camera RAW container, else None.

    Only IFD0's entry table is read (bounded); malformed tables are left for Pillow to judge.
    """
    endian = "<" if head[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack(endian + "I", head[4:8])
        fileobj.seek(offset)
        raw_count = fileobj.read(2)
        if len(raw_count) != 2:
            return None
        (count,) = struct.unpack(endian + "H", raw_count)
        table = fileobj.read(12 * min(count, _MAX_IFD_ENTRIES))
    except (OSError, ValueError, OverflowError, struct.error):
        return None
    tags: dict[int, int] = {}
    for i in range(len(table) // 12):
        tag, typ, _cnt, value = struct.unpack(endian + "HHI4s", table[i * 12 : i * 12 + 12])
        if typ == 3:  # SHORT, stored left-justified in the value field
            tags[tag] = struct.unpack(endian + "H", value[:2])[0]
        elif typ == 4:  # LONG
            tags[tag] = struct.unpack(endian + "I", value)[0]
        else:
            tags[tag] = -1
    if _TAG_DNG_VERSION in tags:
        return "DNG"
    if _TAG_SUBIFDS in tags and tags.get(_TAG_NEW_SUBFILE_TYPE) == 1:
        return "RAW"
    return None
