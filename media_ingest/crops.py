"""Social-ready crops: the largest box of a given aspect ratio that fits the image, placed
so the focal point is as near its centre as the image's edges allow, then scaled down to
the size the network asks for (never up).

Pure functions over a JPEG file object; no photolib.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image


@dataclass(frozen=True)
class CropSpec:
    """One social format: its name (the download's rendition code), aspect ratio and the
    pixel size the big networks ask for."""

    name: str
    ratio: tuple[int, int]  # width : height
    size: tuple[int, int]  # target width, height (same ratio, within a pixel)


# Square posts; 4:5 portrait posts; 1.91:1 link previews and landscape posts; 9:16 stories
# and vertical video covers.
CROPS = (
    CropSpec("square", (1, 1), (1080, 1080)),
    CropSpec("portrait", (4, 5), (1080, 1350)),
    CropSpec("wide", (191, 100), (1200, 628)),
    CropSpec("story", (9, 16), (1080, 1920)),
)
CROPS_BY_NAME = {spec.name: spec for spec in CROPS}


def crop_box(size: tuple[int, int], ratio: tuple[int, int],
             focal: tuple[float, float]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the largest ``ratio`` box inside ``size``, centred on
    ``focal`` (fractions of width and height, 0..1) as far as the edges allow."""
    width, height = size
    rw, rh = ratio
    if width * rh >= height * rw:  # the image is wider than the box: full height
        box_w, box_h = max(1, height * rw // rh), height
    else:
        box_w, box_h = width, max(1, width * rh // rw)
    fx = min(max(focal[0], 0.0), 1.0)
    fy = min(max(focal[1], 0.0), 1.0)
    left = min(max(round(fx * width - box_w / 2), 0), width - box_w)
    top = min(max(round(fy * height - box_h / 2), 0), height - box_h)
    return left, top, left + box_w, top + box_h


def render_crop(source: BinaryIO, spec: CropSpec, focal: tuple[float, float], *,
                quality: int = 88) -> bytes:
    """The crop of the JPEG in ``source`` as a new baseline JPEG (JFIF, sRGB as stored, no
    metadata), at most ``spec.size``. The decoder works at the smallest scale that still
    covers the target (``draft``), so a full-resolution file is not decoded whole."""
    with Image.open(source) as image:
        full = image.size
        left, top, right, bottom = crop_box(full, spec.ratio, focal)
        scale_w = spec.size[0] / (right - left)
        # Ask the JPEG decoder for a reduced image no smaller than the crop needs.
        image.draft("RGB", (max(1, int(full[0] * scale_w) + 1),
                            max(1, int(full[1] * scale_w) + 1)))
        factor = full[0] / image.size[0]
        box = (round(left / factor), round(top / factor), round(right / factor),
               round(bottom / factor))
        cropped = image.convert("RGB").crop(box)
    target_w = min(spec.size[0], cropped.width)
    target = (target_w, max(1, round(target_w * spec.ratio[1] / spec.ratio[0])))
    if cropped.size != target:
        cropped = cropped.resize(target, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    cropped.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
