"""Size limits, checked before anything is decoded.

``Limits`` is a frozen value the adapter builds once from settings. The checks here are pure
arithmetic; the Pillow-facing guard that turns Pillow's own bomb protection and decoder failures
into :mod:`media_ingest.errors` lives in :mod:`media_ingest.imaging`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import TooLarge, TooManyPixels, TooMuchMemory

MB = 1000 * 1000


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one upload.

    - ``max_bytes``: file size (default 60 MB).
    - ``max_pixels``: width x height of *every* frame, read from headers (default 120 MP).
      Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) still refuses anything above twice its
      value, so the effective cap is ``min(max_pixels, 2 * Image.MAX_IMAGE_PIXELS)``.
    - ``max_frames``: pages/frames examined in a multi-frame file (TIFF, MPO, HEIF); more than
      this is refused, so a hostile file with millions of IFDs cannot keep a worker busy.
    - ``max_decoded_bytes``: memory one frame may take once decoded (default 400 MB), i.e.
      width x height x bands x bytes per sample of the frame as Pillow holds it, plus the
      decoder's own full-size buffers where it keeps one (a TIFF strip, libjpeg's coefficients
      of a progressive JPEG, the RGBA buffer libwebp/libheif/libavif hand over). Computed
      from headers by :func:`media_ingest.imaging.decoded_bytes` and checked before decoding.
      A file compressing 0.9 MB into 475 MB of RGBA pixels is refused here, whatever its
      pixel count. The default keeps a worker's peak under 600 MB (see ``bench/ingest.py``).
    """

    max_bytes: int = 60 * MB
    max_pixels: int = 120_000_000
    max_frames: int = 64
    max_decoded_bytes: int = 400 * MB

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels, self.max_frames, self.max_decoded_bytes) <= 0:
            raise ValueError("Limits must be positive integers")


DEFAULT_LIMITS = Limits()


def _human_bytes(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.0f} MB" if n % MB == 0 else f"{n / MB:.1f} MB"
    return f"{n / 1000:.0f} kB"


def check_bytes(size: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise :class:`TooLarge` if ``size`` (bytes) exceeds ``limits.max_bytes``."""
    if size > limits.max_bytes:
        raise TooLarge(
            f"This file is too large ({_human_bytes(size)}). "
            f"The maximum is {_human_bytes(limits.max_bytes)}.",
            detail=f"{size} bytes > max_bytes={limits.max_bytes}",
            params={"size": _human_bytes(size), "max": _human_bytes(limits.max_bytes)},
        )


def check_pixels(
    width: int, height: int, limits: Limits = DEFAULT_LIMITS, *, frame: int = 0
) -> None:
    """Raise :class:`TooManyPixels` if a frame's declared size is empty or above the limit."""
    if width <= 0 or height <= 0:
        # Not a bomb but not decodable either; callers map this to CorruptImage if they prefer.
        raise TooManyPixels(
            "This image declares an invalid size and cannot be processed.",
            detail=f"frame {frame}: {width}x{height}",
            params={"invalid_size": True},
        )
    pixels = width * height
    if pixels > limits.max_pixels:
        where = "" if frame == 0 else f" (frame {frame + 1})"
        raise TooManyPixels(
            f"This image is too big to process{where}: {width} x {height} pixels "
            f"({pixels / 1e6:.0f} megapixels). The maximum is "
            f"{limits.max_pixels / 1e6:.0f} megapixels.",
            detail=f"frame {frame}: {width}x{height}={pixels} > max_pixels={limits.max_pixels}",
            params={"width": width, "height": height, "frame": frame + 1,
                    "megapixels": round(pixels / 1e6), "max": round(limits.max_pixels / 1e6)},
        )


def too_many_frames(limits: Limits) -> TooManyPixels:
    """The error for a file with more frames/pages than ``limits.max_frames``."""
    return TooManyPixels(
        f"This file contains too many pages or frames (more than {limits.max_frames}). "
        "Please upload a single photo.",
        detail=f"frames > max_frames={limits.max_frames}",
        params={"max_frames": limits.max_frames},
    )


def check_decoded_bytes(
    width: int, height: int, needed: int, limits: Limits = DEFAULT_LIMITS, *, frame: int = 0
) -> None:
    """Raise :class:`TooMuchMemory` if decoding a frame would take more than
    ``limits.max_decoded_bytes`` (``needed``, computed from its headers)."""
    if needed > limits.max_decoded_bytes:
        where = "" if frame == 0 else f" (frame {frame + 1})"
        raise TooMuchMemory(
            f"This image is too big to process{where}: {width} x {height} pixels would take "
            f"{needed / MB:.0f} MB of memory once decoded. The maximum is "
            f"{limits.max_decoded_bytes / MB:.0f} MB. Please upload a smaller export.",
            detail=f"frame {frame}: {width}x{height} needs {needed} bytes "
            f"> max_decoded_bytes={limits.max_decoded_bytes}",
            params={"width": width, "height": height, "frame": frame + 1,
                    "needed": round(needed / MB), "max": round(limits.max_decoded_bytes / MB)},
        )
