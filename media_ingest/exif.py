"""EXIF extraction into a typed, bounded, frozen record.

exifread (``details=False``: no MakerNotes; ``strict=False``) is the primary reader; Pillow's
``Image.getexif()`` (plus the Exif and GPS sub-IFDs) fills whatever exifread missed. exifread
misses EXIF in some real files: spec-conformant WebP EXIF chunks without the ``Exif\\0\\0``
prefix, EXIF placed after a large XMP segment, PNG ``eXIf``/ImageMagick text profiles; and it
raises on some broken ones.

Metadata never fails a photo: :func:`extract_exif` does not raise. Problems are recorded in
``ExifRecord.warnings``.

Orientation note: ``ExifRecord.orientation`` is the tag as the camera wrote it (exifread
first). Renditions are oriented by :mod:`media_ingest.imaging` using Pillow's view of the
file, which for HEIF is already applied by libheif (pillow-heif reports 1). Use the
dimensions in :class:`~media_ingest.pipeline.IngestResult` for display, not this tag.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import warnings as warnings_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO

import exifread
from PIL import ExifTags, Image

from .sniff import ensure_heif_opener

logger = logging.getLogger(__name__)

RAW_MAX_TAGS = 300
RAW_MAX_VALUE_CHARS = 256
_SKIP_RAW_KEYS = frozenset({"JPEGThumbnail", "TIFFThumbnail", "Filename", "EXIF MakerNote"})

_PILLOW_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "AVIF", "TIFF")  # MPO opens via JPEG
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825

_DATETIME_RE = re.compile(
    r"^\s*(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
)
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ExifRecord:
    """Facts from a photo's EXIF. Every field is optional; ``None`` means absent or unusable.

    - ``taken_at``: DateTimeOriginal (fallback DateTimeDigitized) with SubSecTimeOriginal;
      timezone-aware when OffsetTimeOriginal/OffsetTime is valid, naive (camera local time)
      otherwise. ``taken_at_offset`` is that offset string, e.g. ``"+01:00"``.
    - ``focal_length`` mm, ``aperture`` f-number, ``exposure_time`` display string
      (``"1/125"``, ``"2"``) and ``exposure_seconds`` float, ``iso`` int.
    - ``orientation``: EXIF Orientation 1-8 as written (out-of-range values are dropped).
    - ``gps_latitude``/``gps_longitude``: decimal degrees, S/W negative; ``None`` when missing,
      unparseable or out of range. ``gps_altitude``: metres, negative below sea level.
    - ``raw``: printable tag values, bounded (<= 300 tags, each <= 256 chars, no MakerNote or
      thumbnails), keyed like exifread (``"EXIF FNumber"``).
    - ``warnings``: what went wrong while reading, for logs and the inspect command.
    - ``source``: which reader supplied data: ``exifread``, ``pillow``, ``exifread+pillow``,
      or ``none``.
    """

    taken_at: datetime | None = None
    taken_at_offset: str | None = None
    make: str | None = None
    model: str | None = None
    lens: str | None = None
    focal_length: float | None = None
    aperture: float | None = None
    exposure_time: str | None = None
    exposure_seconds: float | None = None
    iso: int | None = None
    orientation: int | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    software: str | None = None
    artist: str | None = None
    copyright: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    source: str = "none"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (datetimes as ISO 8601 strings, tuples as lists)."""
        out = asdict(self)
        out["taken_at"] = self.taken_at.isoformat() if self.taken_at else None
        out["raw"] = dict(self.raw)
        out["warnings"] = list(self.warnings)
        return out


# ---------------------------------------------------------------------------------------------
# Value helpers (work on exifread values and on Pillow values alike)


def _clean_text(value: Any) -> str | None:
    """A tidy single-line string, cut at the first NUL; None for empty/placeholder values."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.split(b"\x00", 1)[0].decode("utf-8", "replace")
    elif isinstance(value, list | tuple):
        if not value or not all(isinstance(v, int) for v in value):
            return None
        try:
            value = bytes(value).split(b"\x00", 1)[0].decode("utf-8", "replace")
        except ValueError:
            return None
    text = str(value).split("\x00", 1)[0]
    text = _CONTROL_RE.sub("", text).strip()
    if not text or len(text) > RAW_MAX_VALUE_CHARS:
        return None
    return text


def _as_float(value: Any) -> float | None:
    """First element as a finite float, or None (zero denominators and NaN included)."""
    for _ in range(3):  # exifread wraps DOUBLE values as [(x,)]
        if not isinstance(value, list | tuple):
            break
        if not value:
            return None
        value = value[0]
    try:
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def _as_int(value: Any) -> int | None:
    for _ in range(3):
        if not isinstance(value, list | tuple):
            break
        if not value:
            return None
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = _as_float(value)
    return int(number) if number is not None and number.is_integer() else None


def _dms_to_degrees(value: Any) -> float | None:
    """[deg, min, sec] rationals (or a single decimal number) to decimal degrees."""
    if not isinstance(value, list | tuple):
        value = [value]
    elif len(value) == 1 and isinstance(value[0], list | tuple):
        value = value[0]  # exifread wraps DOUBLE triples as [(d, m, s)]
    parts = []
    for part in list(value)[:3]:
        number = _as_float(part)
        if number is None:
            return None
        parts.append(number)
    if not parts:
        return None
    while len(parts) < 3:
        parts.append(0.0)
    deg, minutes, seconds = parts
    if deg < 0 or minutes < 0 or seconds < 0 or minutes >= 60 or seconds >= 60:
        return None
    return deg + minutes / 60 + seconds / 3600


def _format_exposure(seconds: float) -> str:
    if seconds <= 0:
        return "0"
    if seconds < 1:
        denominator = 1 / seconds
        if abs(denominator - round(denominator)) < 0.05 * denominator or denominator >= 2:
            return f"1/{round(denominator)}"
    return f"{seconds:g}"


def parse_exif_datetime(text: str | None, subsec: str | None = None) -> datetime | None:
    """Parse ``YYYY:MM:DD HH:MM:SS`` (``-`` and ``T`` tolerated); None for blanks/garbage."""
    if not text:
        return None
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(match[i]) for i in range(1, 6))
    second = int(match[6] or 0)
    micro = 0
    if subsec:
        digits = re.sub(r"\D", "", subsec)[:6]
        if digits:
            micro = int(digits.ljust(6, "0"))
    if second == 60:  # leap second as written by some cameras
        second = 59
    try:
        return datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None


def parse_exif_offset(text: str | None) -> timezone | None:
    """Parse an EXIF 2.31 offset such as ``+01:00``; None when absent or out of range."""
    if not text:
        return None
    match = _OFFSET_RE.match(text)
    if not match:
        return None
    hours, minutes = int(match[2]), int(match[3])
    if hours > 14 or minutes >= 60:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if match[1] == "-" else delta)


# ---------------------------------------------------------------------------------------------
# Sources: a uniform "get tag by exifread-style name" view over exifread and Pillow

Getter = Callable[[str], Any]

# exifread key -> (Pillow IFD, Pillow tag id); IFD None means IFD0.
_PILLOW_TAGS: dict[str, tuple[int | None, int]] = {
    "Image Make": (None, 0x010F),
    "Image Model": (None, 0x0110),
    "Image Orientation": (None, 0x0112),
    "Image Software": (None, 0x0131),
    "Image DateTime": (None, 0x0132),
    "Image Artist": (None, 0x013B),
    "Image Copyright": (None, 0x8298),
    "EXIF ExposureTime": (_IFD_EXIF, 0x829A),
    "EXIF FNumber": (_IFD_EXIF, 0x829D),
    "EXIF ISOSpeedRatings": (_IFD_EXIF, 0x8827),
    "EXIF DateTimeOriginal": (_IFD_EXIF, 0x9003),
    "EXIF DateTimeDigitized": (_IFD_EXIF, 0x9004),
    "EXIF OffsetTime": (_IFD_EXIF, 0x9010),
    "EXIF OffsetTimeOriginal": (_IFD_EXIF, 0x9011),
    "EXIF ApertureValue": (_IFD_EXIF, 0x9202),
    "EXIF FocalLength": (_IFD_EXIF, 0x920A),
    "EXIF SubSecTimeOriginal": (_IFD_EXIF, 0x9291),
    "EXIF LensModel": (_IFD_EXIF, 0xA434),
    "GPS GPSLatitudeRef": (_IFD_GPS, 1),
    "GPS GPSLatitude": (_IFD_GPS, 2),
    "GPS GPSLongitudeRef": (_IFD_GPS, 3),
    "GPS GPSLongitude": (_IFD_GPS, 4),
    "GPS GPSAltitudeRef": (_IFD_GPS, 5),
    "GPS GPSAltitude": (_IFD_GPS, 6),
}


def _exifread_getter(tags: Mapping[str, Any]) -> Getter:
    def get(key: str) -> Any:
        tag = tags.get(key)
        if tag is None:
            return None
        return getattr(tag, "values", tag)

    return get


class _PillowExif:
    """Lazy, exception-proof access to Pillow's EXIF view of an opened image."""

    def __init__(self, image: Image.Image, warnings: list[str]) -> None:
        self._warnings = warnings
        self._base: Mapping[int, Any] = {}
        self._ifds: dict[int, Mapping[int, Any]] = {}
        with warnings_module.catch_warnings(record=True) as caught:
            warnings_module.simplefilter("always")
            self._read(image)
        for item in caught[:5]:
            warnings.append(f"Pillow: {item.message}"[:200])

    def _read(self, image: Image.Image) -> None:
        if image.format == "PNG" and "exif" not in image.info:
            # Pillow decodes a whole PNG to look for an eXIf chunk after the image data. A
            # failure there is damaged image data, not bad metadata: it must propagate (the
            # pipeline's guard refuses the file). Swallowed, it left a half-decoded image that
            # a second load() returned as complete, with part of its pixels black.
            image.load()
        try:
            exif = image.getexif()
            self._base = dict(exif)
        except Exception as exc:  # hostile metadata must not fail the photo
            self._warnings.append(f"Pillow could not read EXIF ({type(exc).__name__}: {exc})"[:200])
            return
        # Read the sub-IFDs now: the image (and its file) may be closed before values are used.
        for ifd in (_IFD_EXIF, _IFD_GPS):
            try:
                self._ifds[ifd] = dict(exif.get_ifd(ifd))
            except Exception as exc:
                self._ifds[ifd] = {}
                self._warnings.append(
                    f"Pillow could not read EXIF sub-IFD {ifd:#x} ({type(exc).__name__})"
                )

    def ifd(self, ifd: int | None) -> Mapping[int, Any]:
        if ifd is None:
            return self._base
        return self._ifds.get(ifd, {})

    def get(self, key: str) -> Any:
        where = _PILLOW_TAGS.get(key)
        if where is None:
            return None
        return self.ifd(where[0]).get(where[1])

    def has_data(self) -> bool:
        return bool(self._base) or bool(self.ifd(_IFD_EXIF)) or bool(self.ifd(_IFD_GPS))

    def printable(self) -> dict[str, str]:
        out: dict[str, str] = {}
        groups: tuple[tuple[str, int | None, Mapping[int, str]], ...] = (
            ("Image", None, ExifTags.TAGS),
            ("EXIF", _IFD_EXIF, ExifTags.TAGS),
            ("GPS", _IFD_GPS, ExifTags.GPSTAGS),
        )
        for prefix, ifd, names in groups:
            for tag_id, value in self.ifd(ifd).items():
                if tag_id in (_IFD_EXIF, _IFD_GPS) and ifd is None:
                    continue
                text = _printable_pillow(value)
                if text is not None:
                    out[f"{prefix} {names.get(tag_id, f'Tag {tag_id:#06x}')}"] = text
        return out


def _printable_pillow(value: Any) -> str | None:
    if isinstance(value, bytes):
        return None
    if isinstance(value, tuple):
        value = "[" + ", ".join(str(v) for v in value) + "]"
    return _clean_text(value)


# ---------------------------------------------------------------------------------------------
# Record building


def _first(getters: Iterable[Getter], key: str) -> Any:
    for get in getters:
        value = get(key)
        if value is not None and value != "" and value != []:
            return value
    return None


def _text(getters: Iterable[Getter], key: str) -> str | None:
    for get in getters:
        text = _clean_text(get(key))
        if text:
            return text
    return None


def _gps_coordinate(
    getters: list[Getter], key: str, ref_key: str, negative: str, bound: float, warnings: list[str]
) -> float | None:
    for get in getters:
        value = get(key)
        if value is None or value == [] or value == ():
            continue
        degrees = _dms_to_degrees(value)
        if degrees is None:
            warnings.append(f"{key} is unreadable; ignored")
            return None
        ref = _clean_text(get(ref_key))
        if ref is None:
            warnings.append(f"{ref_key} is missing; assumed positive")
        elif ref.upper().startswith(negative):
            degrees = -degrees
        if abs(degrees) > bound:
            warnings.append(f"{key} {degrees:g} is out of range; ignored")
            return None
        return round(degrees, 7)
    return None


def _build_record(
    getters: list[Getter], raw: dict[str, str], warnings: list[str], source: str
) -> ExifRecord:
    # Dates
    taken_text = _text(getters, "EXIF DateTimeOriginal")
    subsec = _text(getters, "EXIF SubSecTimeOriginal")
    if taken_text is None:
        taken_text = _text(getters, "EXIF DateTimeDigitized")
        subsec = None
    taken_at = parse_exif_datetime(taken_text, subsec)
    if taken_text and taken_at is None:
        warnings.append(f"date taken {taken_text!r} is not a valid date; ignored")
    offset_text = _text(getters, "EXIF OffsetTimeOriginal") or _text(getters, "EXIF OffsetTime")
    offset = parse_exif_offset(offset_text)
    if offset_text and offset is None:
        warnings.append(f"time offset {offset_text!r} is not valid; ignored")
        offset_text = None
    if taken_at is not None and offset is not None:
        taken_at = taken_at.replace(tzinfo=offset)

    # Orientation
    orientation = _as_int(_first(getters, "Image Orientation"))
    if orientation is not None and not 1 <= orientation <= 8:
        warnings.append(f"orientation {orientation} is out of range 1-8; ignored")
        orientation = None

    # Exposure
    exposure_seconds = _as_float(_first(getters, "EXIF ExposureTime"))
    if exposure_seconds is not None and exposure_seconds <= 0:
        exposure_seconds = None
    aperture = _as_float(_first(getters, "EXIF FNumber"))
    if aperture is None or aperture <= 0:
        apex = _as_float(_first(getters, "EXIF ApertureValue"))
        aperture = 2 ** (apex / 2) if apex is not None and 0 <= apex < 32 else None
    focal = _as_float(_first(getters, "EXIF FocalLength"))
    iso = _as_int(_first(getters, "EXIF ISOSpeedRatings"))

    # GPS
    lat = _gps_coordinate(getters, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S", 90, warnings)
    lon = _gps_coordinate(getters, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W", 180, warnings)
    if (lat is None) != (lon is None):
        warnings.append("GPS position is incomplete; ignored")
        lat = lon = None
    altitude = _as_float(_first(getters, "GPS GPSAltitude"))
    if altitude is not None:
        if _as_int(_first(getters, "GPS GPSAltitudeRef")) == 1:
            altitude = -altitude
        if abs(altitude) > 100_000:
            warnings.append(f"GPS altitude {altitude:g} m is out of range; ignored")
            altitude = None
        else:
            altitude = round(altitude, 2)

    return ExifRecord(
        taken_at=taken_at,
        taken_at_offset=offset_text if offset is not None else None,
        make=_text(getters, "Image Make"),
        model=_text(getters, "Image Model"),
        lens=_text(getters, "EXIF LensModel"),
        focal_length=round(focal, 2) if focal is not None and focal > 0 else None,
        aperture=round(aperture, 2) if aperture else None,
        exposure_time=_format_exposure(exposure_seconds) if exposure_seconds else None,
        exposure_seconds=exposure_seconds,
        iso=iso if iso is not None and 0 < iso < 10_000_000 else None,
        orientation=orientation,
        gps_latitude=lat,
        gps_longitude=lon,
        gps_altitude=altitude,
        software=_text(getters, "Image Software"),
        artist=_text(getters, "Image Artist"),
        copyright=_text(getters, "Image Copyright"),
        raw=raw,
        warnings=tuple(dict.fromkeys(warnings)),
        source=source,
    )


def _exifread_raw(tags: Mapping[str, Any]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for key, tag in tags.items():
        if len(raw) >= RAW_MAX_TAGS:
            break
        if key in _SKIP_RAW_KEYS or key.startswith("MakerNote"):
            continue
        try:
            text = _clean_text(getattr(tag, "printable", None))
        except Exception:  # noqa: S112 - a single odd tag must not stop the rest
            continue
        if text is not None:
            raw[key] = text
    return raw


def read_exifread_tags(fileobj: BinaryIO) -> tuple[dict[str, Any], list[str]]:
    """Run exifread over the whole file from the start; never raises.

    Returns the tag dict (empty when none found or exifread failed) and warnings.
    """
    warnings: list[str] = []
    try:
        fileobj.seek(0)
        tags = exifread.process_file(fileobj, details=False, strict=False, extract_thumbnail=False)
    except Exception as exc:  # exifread raises many types on hostile input
        logger.info("exifread failed: %s: %s", type(exc).__name__, exc)
        warnings.append(f"exifread could not read EXIF ({type(exc).__name__}: {exc})"[:200])
        tags = {}
    finally:
        with contextlib.suppress(OSError, ValueError):
            fileobj.seek(0)
    return dict(tags or {}), warnings


def extract_exif(fileobj: BinaryIO, *, pil_image: Image.Image | None = None) -> ExifRecord:
    """Read EXIF from a seekable binary file into an :class:`ExifRecord`. Never raises.

    ``pil_image`` may be an already-opened Pillow image of the same file; it supplies the
    fallback values (Pillow's ``getexif()`` and the Exif/GPS sub-IFDs). Without it, the
    fallback opens the file with Pillow (headers only) when exifread found nothing useful.
    The file position is left at 0.
    """
    try:
        tags, warnings = read_exifread_tags(fileobj)
        return record_from_sources(tags, warnings, fileobj=fileobj, pil_image=pil_image)
    except Exception as exc:  # belt and braces: metadata never fails a photo
        logger.warning("EXIF extraction failed unexpectedly", exc_info=True)
        return ExifRecord(warnings=(f"EXIF extraction failed ({type(exc).__name__})",))


_KEY_FIELDS = (
    "Image Make",
    "Image Model",
    "Image Orientation",
    "EXIF DateTimeOriginal",
    "GPS GPSLatitude",
)


def record_from_sources(
    tags: Mapping[str, Any],
    warnings: list[str],
    *,
    fileobj: BinaryIO | None = None,
    pil_image: Image.Image | None = None,
) -> ExifRecord:
    """Combine exifread ``tags`` with Pillow's EXIF into a record (see :func:`extract_exif`)."""
    getters: list[Getter] = [_exifread_getter(tags)]
    raw = _exifread_raw(tags)
    sources = ["exifread"] if tags else []

    needs_fallback = not tags or any(tags.get(key) is None for key in _KEY_FIELDS)
    if needs_fallback:
        pillow = _pillow_source(pil_image, fileobj, warnings)
        if pillow is not None and pillow.has_data():
            getters.append(pillow.get)
            if not raw:
                raw = dict(list(pillow.printable().items())[:RAW_MAX_TAGS])
            before = _build_record(getters[:1], {}, [], "")
            after = _build_record(getters, {}, [], "")
            if before != after:
                sources.append("pillow")
    return _build_record(getters, raw, warnings, "+".join(sources) or "none")


def _pillow_source(
    pil_image: Image.Image | None, fileobj: BinaryIO | None, warnings: list[str]
) -> _PillowExif | None:
    if pil_image is not None:
        return _PillowExif(pil_image, warnings)
    if fileobj is None:
        return None
    try:
        ensure_heif_opener()
        fileobj.seek(0)
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("ignore")
            with Image.open(fileobj, formats=_PILLOW_FORMATS) as image:
                return _PillowExif(image, warnings)
    except Exception as exc:
        warnings.append(f"Pillow could not open the file for EXIF ({type(exc).__name__})")
        return None
    finally:
        with contextlib.suppress(OSError, ValueError):
            fileobj.seek(0)
