"""Size limits, checked before anything is decoded.

``Limits`` is a frozen value the adapter builds once from settings. The checks here are pure
arithmetic; the Pillow-facing guard that turns Pillow's own bomb protection and decoder failures
into :mod:`media_ingest.errors` lives in :mod:`media_ingest.imaging`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import TooLarge, TooManyPixels

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
    """

    max_bytes: int = 60 * MB
    max_pixels: int = 120_000_000
    max_frames: int = 64

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pixels <= 0 or self.max_frames <= 0:
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
        )
    pixels = width * height
    if pixels > limits.max_pixels:
        where = "" if frame == 0 else f" (frame {frame + 1})"
        raise TooManyPixels(
            f"This image is too big to process{where}: {width} x {height} pixels "
            f"({pixels / 1e6:.0f} megapixels). The maximum is "
            f"{limits.max_pixels / 1e6:.0f} megapixels.",
            detail=f"frame {frame}: {width}x{height}={pixels} > max_pixels={limits.max_pixels}",
        )


def too_many_frames(limits: Limits) -> TooManyPixels:
    """The error for a file with more frames/pages than ``limits.max_frames``."""
    return TooManyPixels(
        f"This file contains too many pages or frames (more than {limits.max_frames}). "
        "Please upload a single photo.",
        detail=f"frames > max_frames={limits.max_frames}",
    )
