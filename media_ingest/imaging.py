"""Open untrusted images safely and render stripped, oriented, sRGB renditions with Pillow.

Safety rules, in order:

1. The caller sniffs the format from bytes (:mod:`media_ingest.sniff`); Pillow may only use that
   one plugin (``Image.open(..., formats=...)``), so a file can never reach a decoder we did
   not choose.
2. :func:`open_image` reads headers only and checks every frame's declared size against
   :class:`~media_ingest.limits.Limits` before any pixel is decoded: TIFF pages and MPO/HEIF
   frames by seeking (header parsing only), animated PNG by walking its chunk table (Pillow
   would decode every earlier frame to seek). WebP frames are bounded by the canvas.
3. Every Pillow call runs inside :func:`pillow_guard`, which escalates
   ``DecompressionBombWarning`` to an error for the duration of the call and converts every
   exception a hostile file can provoke into an :class:`~media_ingest.errors.IngestError`.
   ``ImageFile.LOAD_TRUNCATED_IMAGES`` stays off (the guard turns it off if anything else in
   the process turned it on): truncated files are refused.
4. :mod:`media_ingest.integrity` checks what Pillow's decoders let through (PNG CRCs, JPEG
   entropy-data warnings); :func:`media_ingest.pipeline.process` runs it before rendering.

``warnings.catch_warnings`` is process-global state, as Python's docs warn: run renders in
worker processes (Celery's default prefork pool), not in many threads of one process.

Rendering: JPEG is decoded with ``draft()`` at the fitted target size (DCT scaling in
libjpeg-turbo, so a 45 MP photo never exists at full size in memory); other formats decode
at full size, bounded by ``Limits.max_decoded_bytes`` (see :func:`decoded_bytes`), and are
box-reduced and converted to RGB/L strip by strip (:func:`_shrink_and_normalise`), so the
decoded frame is the only full-size image; the largest rendition is made first (Lanczos from
the reduced frame) and each smaller one from the previous; colour is converted to
sRGB only when an embedded non-sRGB ICC profile is present; EXIF orientation is applied to the
small outputs; outputs carry no EXIF, GPS, XMP or ICC.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, TypeVar

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from .errors import CorruptImage, IngestError, TooManyPixels
from .limits import (
    DEFAULT_LIMITS,
    Limits,
    check_decoded_bytes,
    check_pixels,
    too_many_frames,
)
from .sniff import SniffResult, ensure_heif_opener, sniff
from .specs import DEFAULT_SPECS, RenditionSpec

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Lanczos after an integer box ``reduce()`` of up to ``size * REDUCING_GAP``; a gap of 2.0 is
#: visually indistinguishable from plain Lanczos on photos and much faster for big reductions.
REDUCING_GAP = 2.0
RESAMPLE = Image.Resampling.LANCZOS
MAX_ICC_BYTES = 4 * 1024 * 1024
MAX_PNG_CHUNKS = 500_000
MAX_COLLECTED_WARNINGS = 20
#: Source pixels per strip in :func:`_shrink_and_normalise` (a 1 MP RGBA strip is 4 MB).
STRIP_PIXELS = 1_000_000

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_BOMB_TEXT_MESSAGES = ("Decompressed data too large", "Too much memory used in text chunks")


@dataclass(frozen=True, slots=True)
class RenderedImage:
    """One encoded rendition: ``data`` holds the complete file (no metadata at all)."""

    spec: RenditionSpec
    width: int
    height: int
    content_type: str
    data: bytes

    @property
    def size_bytes(self) -> int:
        return len(self.data)

    def open(self) -> io.BytesIO:
        """A fresh readable file object over ``data`` (e.g. for ``storage.save``)."""
        return io.BytesIO(self.data)


@dataclass(frozen=True, slots=True)
class RenderOutcome:
    """Everything :func:`render_image` learned while rendering (used by the pipeline)."""

    renditions: dict[RenditionSpec, RenderedImage]
    stored_size: tuple[int, int]
    display_size: tuple[int, int]
    orientation: int
    smallest: Image.Image | None
    warnings: tuple[str, ...]


class _PillowBombWarning(TooManyPixels):
    """Pillow's DecompressionBombWarning fired; our own (possibly higher) limit may still pass."""


# ---------------------------------------------------------------------------------------------
# The guard


@contextmanager
def pillow_guard(
    *, escalate_bomb_warning: bool = True, collected: list[str] | None = None
) -> Iterator[None]:
    """Run Pillow calls on untrusted data; translate every failure into an ``IngestError``.

    - ``DecompressionBombError`` (and the warning, escalated when ``escalate_bomb_warning``),
      and PNG text-chunk bombs -> :class:`TooManyPixels`.
    - Anything else (``OSError`` "truncated", ``SyntaxError``, ``ValueError``, ``TypeError``,
      ``struct.error``, ``EOFError``, ``MemoryError`` ...) -> :class:`CorruptImage` with the
      exception class and message in ``detail``.
    - Other Python warnings raised meanwhile are appended to ``collected`` (text only).
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Process-global: something else in this process turned it on. With it on, Pillow
        # returns truncated images as complete; ingest never accepts that.
        logger.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES was on; media_ingest turns it off")
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ResourceWarning)
        warnings.simplefilter(
            "error" if escalate_bomb_warning else "ignore", Image.DecompressionBombWarning
        )
        try:
            yield
        except IngestError:
            raise
        except Image.DecompressionBombError as exc:
            raise TooManyPixels(
                "This image is far too large to process (it may be a decompression bomb).",
                detail=f"DecompressionBombError: {exc}",
                params={"bomb": True},
            ) from exc
        except Image.DecompressionBombWarning as exc:
            raise _PillowBombWarning(
                "This image has too many pixels to be processed.",
                detail=f"DecompressionBombWarning: {exc}",
            ) from exc
        except MemoryError as exc:
            raise TooManyPixels(
                "This image needs too much memory to process.", detail="MemoryError",
                params={"memory": True},
            ) from exc
        except ValueError as exc:
            if any(text in str(exc) for text in _BOMB_TEXT_MESSAGES):
                raise TooManyPixels(
                    "This image contains embedded data that expands to an unsafe size "
                    "(a possible decompression bomb).",
                    detail=f"ValueError: {exc}",
                    params={"bomb": True, "embedded": True},
                ) from exc
            raise _corrupt(exc) from exc
        except UnidentifiedImageError as exc:
            raise CorruptImage(detail=f"UnidentifiedImageError: {exc}") from exc
        except Exception as exc:  # every failure on a hostile file is a refusal, never a crash
            raise _corrupt(exc) from exc
        finally:
            if collected is not None:
                for item in caught:
                    if len(collected) >= MAX_COLLECTED_WARNINGS:
                        break
                    text = f"{item.category.__name__}: {item.message}"[:200]
                    if text not in collected:
                        collected.append(text)


def _corrupt(exc: BaseException) -> CorruptImage:
    # Debug-level traceback: on a hostile file this is expected; on a library bug it is the clue.
    logger.debug("image refused as corrupt", exc_info=exc)
    return CorruptImage(detail=f"{type(exc).__name__}: {exc}"[:500])


# ---------------------------------------------------------------------------------------------
# Opening and header checks


def open_image(
    fileobj: BinaryIO,
    sniffed: SniffResult,
    limits: Limits = DEFAULT_LIMITS,
    *,
    escalate_bomb_warning: bool = True,
    collected: list[str] | None = None,
) -> Image.Image:
    """Open ``fileobj`` with the sniffed format's plugin, headers only, and check all frames.

    Returns the image positioned on frame 0, not yet loaded (no pixels decoded). Raises
    :class:`TooManyPixels` or :class:`CorruptImage`. The caller owns ``fileobj`` and must keep
    it open until the image is loaded.
    """
    if "HEIF" in sniffed.pil_formats:
        ensure_heif_opener()
    with pillow_guard(escalate_bomb_warning=escalate_bomb_warning, collected=collected):
        fileobj.seek(0)
        image = Image.open(fileobj, formats=sniffed.pil_formats)
        _check_frames(image, fileobj, limits)
    return image


#: Bytes per pixel of each Pillow mode as stored in memory (RGB takes 4: Pillow pads it).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
_TAG_BITS_PER_SAMPLE = 258
_TAG_SAMPLES_PER_PIXEL = 277
_TAG_ROWS_PER_STRIP = 278
_TAG_TILE_WIDTH = 322
_TAG_TILE_LENGTH = 323


def decoded_bytes(image: Image.Image) -> int:
    """Memory the current frame takes once decoded, from headers only (nothing is decoded).

    The frame as Pillow stores it (width x height x bytes per pixel of its mode), the
    full-size copy the print file needs for a frame not in RGB or L or not stored upright,
    plus the full-size or strip-size buffer the format's decoder fills first:

    - TIFF: one strip or tile, width x rows x samples x bytes per sample as the file stores
      them (a single-strip 16-bit RGB TIFF holds 6 bytes a pixel there, beside Pillow's 4);
    - progressive JPEG: libjpeg keeps every DCT coefficient (2 bytes a sample) until the
      last scan, even when ``draft()`` scales the output down;
    - WebP, HEIF, AVIF: the library decodes the whole frame into its own buffer, which
      Pillow then copies.
    """
    width, height = image.size
    pixels = width * height
    total = pixels * _MODE_BYTES.get(image.mode, 4)
    bands = len(image.getbands())
    fmt = image.format
    if fmt == "TIFF":
        tags = getattr(image, "tag_v2", {})
        samples = int(tags.get(_TAG_SAMPLES_PER_PIXEL, bands) or bands)
        bits = tags.get(_TAG_BITS_PER_SAMPLE, 8)
        bits = max(bits) if isinstance(bits, tuple) and bits else bits
        sample_bytes = max(1, -(-int(bits or 8) // 8))
        if _TAG_TILE_WIDTH in tags and _TAG_TILE_LENGTH in tags:
            span = int(tags[_TAG_TILE_WIDTH]) * int(tags[_TAG_TILE_LENGTH])
        else:
            rows = int(tags.get(_TAG_ROWS_PER_STRIP, height) or height)
            span = width * min(max(rows, 1), height)
        # Strips decoded through libtiff's RGBA interface (JPEG/YCbCr TIFF) take 4 bytes.
        total += span * max(samples * sample_bytes, 4)
    elif fmt in ("JPEG", "MPO") and image.info.get("progressive"):
        total += pixels * 2 * bands
    elif fmt in ("WEBP", "HEIF", "AVIF"):
        total += pixels * max(bands, 3)
    # The print file is made at full size: a frame in any mode but RGB or L is converted into
    # a full-size RGB copy, and a frame stored turned or mirrored is transposed into one,
    # while the decoded frame is still held. Count that copy too.
    if image.mode not in ("RGB", "L") or _stored_orientation(image) in range(2, 9):
        total += pixels * (1 if image.mode == "L" else 4)
    return total


def _stored_orientation(image: Image.Image) -> int:
    """The EXIF orientation as far as the headers already read tell it (never decodes: a
    PNG's eXIf chunk after its image data is not seen, and counts as upright)."""
    try:
        if image.format == "TIFF":
            return int(getattr(image, "tag_v2", {}).get(0x0112, 1) or 1)
        raw = image.info.get("exif")
        if not raw:
            return 1
        exif = Image.Exif()
        exif.load(raw)
        return int(exif.get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - a header we cannot read counts as upright here
        return 1


def _check_frame(image: Image.Image, limits: Limits, frame: int = 0) -> None:
    check_pixels(*image.size, limits, frame=frame)
    check_decoded_bytes(*image.size, decoded_bytes(image), limits, frame=frame)


def _check_frames(image: Image.Image, fileobj: BinaryIO, limits: Limits) -> None:
    _check_frame(image, limits)
    fmt = image.format
    if fmt == "TIFF":
        # Seek page by page (IFD parsing only) instead of n_frames, which walks the whole
        # IFD chain: a hostile file can hold millions of IFDs.
        frame = 0
        while True:
            try:
                image.seek(frame + 1)
            except EOFError:
                break
            frame += 1
            if frame >= limits.max_frames:
                raise too_many_frames(limits)
            _check_frame(image, limits, frame)
        image.seek(0)
    elif fmt in ("MPO", "HEIF", "AVIF"):
        n_frames = int(getattr(image, "n_frames", 1))
        if n_frames > limits.max_frames:
            raise too_many_frames(limits)
        for frame in range(1, n_frames):
            image.seek(frame)
            _check_frame(image, limits, frame)
        if n_frames > 1:
            image.seek(0)
    elif fmt == "PNG" and getattr(image, "n_frames", 1) > 1:
        if image.n_frames > limits.max_frames:
            raise too_many_frames(limits)
        _check_apng_chunks(fileobj, image.size)
        fileobj.seek(0)
    # WEBP: libwebp's demuxer rejects frames outside the canvas, whose size was checked.


def _check_apng_chunks(fileobj: BinaryIO, canvas: tuple[int, int]) -> None:
    """Validate APNG frame control without decoding: sequence numbers and frame bounds.

    Pillow can only seek an APNG by decoding each earlier frame, and some broken files fail
    only there; this walk reads 8-byte chunk headers and the small fcTL/fdAT prefixes.
    """
    width, height = canvas
    fileobj.seek(8)
    expected_seq = 0
    frames = 0
    for _ in range(MAX_PNG_CHUNKS):
        header = fileobj.read(8)
        if len(header) < 8:
            raise CorruptImage(detail="APNG: file ends before IEND")
        length, ctype = struct.unpack(">I4s", header)
        if length > 0x7FFFFFFF:
            raise CorruptImage(detail=f"APNG: invalid chunk length {length}")
        if ctype == b"IEND":
            break
        if ctype in (b"fcTL", b"fdAT"):
            body = fileobj.read(min(length, 26))
            if len(body) < 4:
                raise CorruptImage(detail=f"APNG: short {ctype!r} chunk")
            (seq,) = struct.unpack(">I", body[:4])
            if seq != expected_seq:
                raise CorruptImage(detail=f"APNG: sequence {seq}, expected {expected_seq}")
            expected_seq += 1
            if ctype == b"fcTL":
                if len(body) < 26:
                    raise CorruptImage(detail="APNG: short fcTL chunk")
                frames += 1
                w, h, x, y = struct.unpack(">4I", body[4:20])
                if w == 0 or h == 0 or x + w > width or y + h > height:
                    raise CorruptImage(detail=f"APNG: frame {w}x{h}+{x}+{y} outside canvas")
            fileobj.seek(length - len(body) + 4, io.SEEK_CUR)
        else:
            fileobj.seek(length + 4, io.SEEK_CUR)
    else:
        raise CorruptImage(detail="APNG: too many chunks")
    if frames == 0:
        raise CorruptImage(detail="APNG: no frame control chunks")


# ---------------------------------------------------------------------------------------------
# Geometry


def fit_within(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    """Scale ``size`` so its long edge is ``max_edge``; never upscale; at least 1x1."""
    width, height = size
    long_edge = max(width, height)
    if long_edge <= max_edge:
        return width, height
    scale = max_edge / long_edge
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(image: Image.Image, notes: list[str]) -> int:
    try:
        value = image.getexif().get(0x0112)
    except Exception as exc:  # metadata never fails the photo
        notes.append(f"orientation unreadable ({type(exc).__name__}); not applied")
        return 1
    if value is None:
        return 1
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    notes.append(f"orientation {value!r} is out of range 1-8; not applied")
    return 1


# ---------------------------------------------------------------------------------------------
# Colour and mode


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=16)
def _transform_for(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Cached transform from an embedded profile to sRGB; None when it already is sRGB."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    description = (ImageCms.getProfileDescription(profile) or "").lower()
    if mode == "RGB" and "srgb" in description:
        return None
    return ImageCms.buildTransform(
        profile,
        _srgb_profile(),
        mode,
        "RGB",
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
        # No shared one-pixel cache: a cached transform may then be used from several threads.
        flags=ImageCms.Flags.NOCACHE,
    )


def _grey_range(image: Image.Image) -> tuple[float, float]:
    """The input range mapped to 0-255 for 16/32-bit grey: 16-bit types are scaled by 1/257,
    others by their own extrema (read from the whole frame, so every strip scales alike)."""
    if image.mode.startswith("I;16"):
        return 0.0, 65535.0
    if image.mode not in ("I", "F"):
        return 0.0, 255.0
    extrema = image.getextrema()
    low, high = float(extrema[0]), float(extrema[1])  # type: ignore[arg-type]
    if low >= 0 and high <= 255:
        return 0.0, 255.0
    return low, high


def _reducible(strip: Image.Image, grey: tuple[float, float]) -> Image.Image:
    """A strip in a mode ``Image.reduce`` supports (P, 1 and 16-bit grey are not)."""
    mode = strip.mode
    if mode == "P":
        return strip.convert("RGBA" if "transparency" in strip.info else "RGB")
    if mode == "1":
        return strip.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        low, high = grey
        scale = 255.0 / (high - low) if high > low else 0.0
        return strip.convert("F").point(lambda value: (value - low) * scale).convert("L")
    return strip


def _flatten(strip: Image.Image) -> Image.Image:
    """A (small) strip as ``RGB``, ``L`` or ``CMYK``; alpha composited on white."""
    mode = strip.mode
    if mode in ("RGB", "L", "CMYK"):
        return strip
    if mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        rgba = strip.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened = Image.alpha_composite(background, rgba)
        return flattened.convert("L" if mode in ("LA", "La") else "RGB")
    return strip.convert("RGB")  # RGBX, YCbCr, HSV, LAB and friends


def _shrink_and_normalise(image: Image.Image, factor: int) -> Image.Image:
    """``image`` box-reduced by ``factor`` and converted to ``RGB``, ``L`` or ``CMYK``.

    Works strip by strip (about ``STRIP_PIXELS`` source pixels at a time): each strip is
    cropped, made reducible, reduced, flattened and pasted into the output, so no full-size
    copy of the decoded frame ever exists (Pillow's own ``reduce``/``convert`` of an RGBA
    image would premultiply, composite and convert whole-frame copies). Strips are whole
    multiples of ``factor`` rows, so the box filter gives exactly what one whole-frame
    ``reduce`` would; compositing on white commutes with the box average of premultiplied
    pixels, which is what ``reduce`` averages for RGBA.
    """
    if factor <= 1 and image.mode in ("RGB", "L", "CMYK"):
        return image
    width, height = image.size
    grey = _grey_range(image)
    rows = max(factor, (STRIP_PIXELS // max(1, width)) // factor * factor)
    out: Image.Image | None = None
    out_size = (-(-width // factor), -(-height // factor))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        if "transparency" in image.info:
            strip.info["transparency"] = image.info["transparency"]
        strip = _reducible(strip, grey)
        if factor > 1:
            strip = strip.reduce(factor)
        strip = _flatten(strip)
        if out is None:
            out = Image.new(strip.mode, out_size)
        out.paste(strip, (0, top // factor))
    assert out is not None
    return out


def _reduce_factor(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The integer box factor Pillow's ``resize(reducing_gap=REDUCING_GAP)`` would use."""
    ratio = min(size[0] / target[0], size[1] / target[1])
    return max(1, int(ratio / REDUCING_GAP))


def _to_srgb(image: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    if icc and image.mode in ("RGB", "CMYK"):
        if len(icc) > MAX_ICC_BYTES:
            notes.append("embedded colour profile is implausibly large; ignored")
        else:
            try:
                transform = _transform_for(icc, image.mode)
            except Exception as exc:  # a bad profile must not fail the photo
                notes.append(f"embedded colour profile unusable ({type(exc).__name__}); ignored")
            else:
                if transform is None:
                    return image
                if image.mode == "RGB":
                    ImageCms.applyTransform(image, transform, inPlace=True)
                    return image
                return ImageCms.applyTransform(image, transform)  # type: ignore[return-value]
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


# ---------------------------------------------------------------------------------------------
# Decoding and rendering


def decode(image: Image.Image, target: tuple[int, int] | None) -> Image.Image:
    """Load frame 0, letting JPEG decode at the smallest DCT scale still >= ``target``.

    ``target`` must be the *fitted* output size (same aspect ratio as the image): Pillow picks
    the scale from ``min(width // tw, height // th)``, so a square box would leave a 3:2 photo
    at full size. Returns the loaded image (its ``size`` is the decoded, possibly reduced size).
    Call inside :func:`pillow_guard`.
    """
    if target is not None and image.format in ("JPEG", "MPO") and target != image.size:
        image.draft(image.mode, target)
    image.load()
    return image


def _release(image: Image.Image) -> None:
    """Free an image's pixel memory now. ``Image.Image.close`` drops only the pixel core;
    ``ImageFile.close`` would also close the caller's file object."""
    Image.Image.close(image)


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, RESAMPLE, reducing_gap=REDUCING_GAP)


def _encode(image: Image.Image, spec: RenditionSpec) -> bytes:
    image.info.clear()  # nothing inherited (exif, icc_profile, xmp, comments) may be written
    buffer = io.BytesIO()
    if spec.format == "JPEG":
        image.save(buffer, "JPEG", quality=spec.quality, optimize=False, progressive=False)
    else:
        image.save(buffer, "WEBP", quality=spec.quality, method=4)
    return buffer.getvalue()


def render_image(
    image: Image.Image,
    specs: Sequence[RenditionSpec] = DEFAULT_SPECS,
    *,
    escalate_bomb_warning: bool = True,
) -> RenderOutcome:
    """Render ``specs`` from an image returned by :func:`open_image` (not yet loaded).

    Largest spec first, each smaller one from the previous result. The image is consumed: its
    decoded pixels are released as soon as the largest rendition exists (read any metadata you
    need, e.g. EXIF, before calling). Raises :class:`CorruptImage`/:class:`TooManyPixels` when
    the pixels cannot be decoded.
    """
    notes: list[str] = []
    ordered = sorted(set(specs), key=lambda spec: spec.max_edge, reverse=True)
    if not ordered:
        raise ValueError("render_image needs at least one RenditionSpec")
    stored_size = image.size
    targets = {spec: fit_within(stored_size, spec.max_edge) for spec in ordered}
    with pillow_guard(escalate_bomb_warning=escalate_bomb_warning, collected=notes):
        icc = image.info.get("icc_profile")
        decoded = decode(image, targets[ordered[0]])
        orientation = _orientation(image, notes)
        method = _TRANSPOSE.get(orientation)
        # Shrink (integer box) and convert strip by strip, then let Lanczos do the rest on
        # the small image: the decoded frame is the only full-size image there ever is.
        factor = _reduce_factor(decoded.size, targets[ordered[0]])
        current = _shrink_and_normalise(decoded, factor)
        if current is not decoded:
            _release(decoded)
        renditions: dict[RenditionSpec, RenderedImage] = {}
        smallest: Image.Image | None = None
        for index, spec in enumerate(ordered):
            resized = _resize(current, targets[spec])
            if index == 0:
                if resized is not current:
                    _release(current)  # the full decoded frame is not needed any more
                # Colour-convert once, at the largest output size; the rest derive from it.
                current = _to_srgb(resized, icc if isinstance(icc, bytes) else None, notes)
                if current.mode not in ("RGB", "L"):
                    current = current.convert("RGB")
            else:
                current = resized
            output = current.transpose(method) if method is not None else current
            data = _encode(output, spec)
            renditions[spec] = RenderedImage(
                spec=spec,
                width=output.width,
                height=output.height,
                content_type=spec.content_type,
                data=data,
            )
            smallest = output
    swap = orientation in (5, 6, 7, 8)
    display_size = (stored_size[1], stored_size[0]) if swap else stored_size
    return RenderOutcome(
        renditions=renditions,
        stored_size=stored_size,
        display_size=display_size,
        orientation=orientation,
        smallest=smallest,
        warnings=tuple(notes),
    )


def render(
    fileobj: BinaryIO,
    specs: Sequence[RenditionSpec] = DEFAULT_SPECS,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[RenditionSpec, RenderedImage]:
    """Sniff, check and render ``fileobj``; returns one :class:`RenderedImage` per spec.

    Raises :class:`~media_ingest.errors.IngestError` subclasses for refused files.
    """
    sniffed = sniff(fileobj)
    return with_bomb_retry(
        limits, lambda escalate: _render_file(fileobj, sniffed, specs, limits, escalate)
    ).renditions


def _render_file(
    fileobj: BinaryIO,
    sniffed: SniffResult,
    specs: Sequence[RenditionSpec],
    limits: Limits,
    escalate: bool,
) -> RenderOutcome:
    image = open_image(fileobj, sniffed, limits, escalate_bomb_warning=escalate)
    # No image.close(): it would close the caller's file object; the pixels go with `image`.
    return render_image(image, specs, escalate_bomb_warning=escalate)


def with_bomb_retry(limits: Limits, run: Callable[[bool], T]) -> T:
    """Call ``run(True)``, retrying as ``run(False)`` when only Pillow's bomb *warning* objected.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` (~89 MP by default), below our default
    ``max_pixels`` (120 MP). The warning is escalated first; if it fires and our limit is higher,
    the work is redone with the warning ignored. Our explicit per-frame checks still apply, and
    Pillow's hard ``DecompressionBombError`` (2x its limit) is never ignored. The warning fires
    while headers are parsed, so the retry costs no decoding.
    """
    try:
        return run(True)
    except _PillowBombWarning:
        if limits.max_pixels <= Image.MAX_IMAGE_PIXELS:
            raise
    return run(False)
