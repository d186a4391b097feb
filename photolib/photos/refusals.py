"""Image refusals in the resident's language.

``media_ingest`` knows nothing of Django or languages: its ``IngestError`` carries an English
``reason``, a ``code`` and the facts the reason states (``params``). Here, at the edge, the
refusal is written again through gettext, in the active language, from the error's class and
facts; the English ``reason`` stays what logs and ``inspect_photo`` print.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from media_ingest import IngestError
from media_ingest.errors import (
    ACCEPTED_FORMATS_TEXT,
    CorruptImage,
    TooLarge,
    TooManyPixels,
    TooMuchMemory,
    UnsupportedFormat,
)

# What a refused file looks like, as ``media_ingest.sniff`` names it (English), in words
# the resident reads; a name not listed here is shown as media_ingest wrote it.
LOOKS_LIKE = {
    "a GIF image": gettext_lazy("a GIF image"),
    "a BMP image": gettext_lazy("a BMP image"),
    "a PDF document": gettext_lazy("a PDF document"),
    "a Photoshop (PSD) file": gettext_lazy("a Photoshop (PSD) file"),
    "a JPEG 2000 image": gettext_lazy("a JPEG 2000 image"),
    "a BigTIFF file": gettext_lazy("a BigTIFF file"),
    "an icon (ICO) file": gettext_lazy("an icon (ICO) file"),
    "an icon (ICNS) file": gettext_lazy("an icon (ICNS) file"),
    "a DDS texture": gettext_lazy("a DDS texture"),
    "a FITS file": gettext_lazy("a FITS file"),
    "an EPS file": gettext_lazy("an EPS file"),
    "a PostScript file": gettext_lazy("a PostScript file"),
    "a text/XML file": gettext_lazy("a text/XML file"),
    "an SVG drawing": gettext_lazy("an SVG drawing"),
    "a ZIP archive": gettext_lazy("a ZIP archive"),
    "an audio file": gettext_lazy("an audio file"),
    "an AVIF image": gettext_lazy("an AVIF image"),
    "a video or other media container": gettext_lazy("a video or other media container"),
}
CAMERA_RAW = re.compile(r"^a camera RAW file \((?P<kind>[^)]+)\)$")


def _looks_like(what: str) -> str:
    raw = CAMERA_RAW.match(what)
    if raw:
        return _("a camera RAW file (%(kind)s)") % {"kind": raw["kind"]}
    return str(LOOKS_LIKE.get(what, what))


def _too_many_pixels(p: dict) -> str:
    if p.get("invalid_size"):
        return _("This image declares an invalid size and cannot be processed.")
    if p.get("embedded"):
        return _("This image contains embedded data that expands to an unsafe size "
                 "(a possible decompression bomb).")
    if p.get("bomb"):
        return _("This image is far too large to process (it may be a decompression bomb).")
    if p.get("memory"):
        return _("This image needs too much memory to process.")
    if "max_frames" in p:
        return _("This file contains too many pages or frames (more than %(max_frames)d). "
                 "Please upload a single photo.") % p
    if "megapixels" in p:
        if p.get("frame", 1) > 1:
            return _("This image is too big to process (frame %(frame)d): %(width)d x "
                     "%(height)d pixels (%(megapixels)d megapixels). The maximum is %(max)d "
                     "megapixels.") % p
        return _("This image is too big to process: %(width)d x %(height)d pixels "
                 "(%(megapixels)d megapixels). The maximum is %(max)d megapixels.") % p
    return _("This image has too many pixels to be processed.")


def refusal_text(exc: IngestError) -> str:
    """What to tell the resident about a refused file, in the active language."""
    p = exc.params
    if isinstance(exc, TooMuchMemory) and "needed" in p:
        if p.get("frame", 1) > 1:
            return _("This image is too big to process (frame %(frame)d): %(width)d x "
                     "%(height)d pixels would take %(needed)d MB of memory once decoded. The "
                     "maximum is %(max)d MB. Please upload a smaller export.") % p
        return _("This image is too big to process: %(width)d x %(height)d pixels would take "
                 "%(needed)d MB of memory once decoded. The maximum is %(max)d MB. Please "
                 "upload a smaller export.") % p
    if isinstance(exc, TooMuchMemory):
        return _("This image would need too much memory to process.")
    if isinstance(exc, TooManyPixels):
        return _too_many_pixels(p)
    if isinstance(exc, TooLarge):
        if "size" in p:
            return _("This file is too large (%(size)s). The maximum is %(max)s.") % p
        return _("This file is too large.")
    if isinstance(exc, CorruptImage):
        return _("This image appears to be damaged or incomplete and could not be read. "
                 "Please try exporting or saving it again.")
    if isinstance(exc, UnsupportedFormat):
        if p.get("what"):
            return _("This file looks like %(what)s, which is not accepted. Accepted: "
                     "%(formats)s.") % {"what": _looks_like(p["what"]),
                                        "formats": ACCEPTED_FORMATS_TEXT}
        if p.get("empty"):
            return _("This file is empty. Accepted: %(formats)s.") % {
                "formats": ACCEPTED_FORMATS_TEXT}
        return _("This file is not a supported image. Accepted: %(formats)s.") % {
            "formats": ACCEPTED_FORMATS_TEXT}
    return _("This file could not be processed.")
