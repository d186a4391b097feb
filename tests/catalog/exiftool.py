"""ExifTool (Debian's libimage-exiftool-perl) as the independent reader of what a download
carries: it shares no code with exiv2, which wrote the fields.

Without exiftool these tests skip, except where CI=true or REQUIRE_EXIFTOOL=1: there a
missing reader is a failure, never a silent pass (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest


def exiftool_path() -> str:
    path = shutil.which("exiftool")
    if path is None:
        if os.environ.get("CI") == "true" or os.environ.get("REQUIRE_EXIFTOOL") == "1":
            pytest.fail("exiftool is required here (CI=true or REQUIRE_EXIFTOOL=1): "
                        "apt-get install libimage-exiftool-perl")
        pytest.skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")
    return path


def exiftool(data: bytes, *args: str) -> dict:
    """Every tag exiftool finds in ``data``, keyed ``Group1:Tag`` with raw values (``-n``),
    structures flattened the way exiftool names them (``XMP-plus:LicensorName``)."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own test data on stdin
        [exiftool_path(), "-json", "-a", "-G1", "-n", "-charset", "iptc=UTF8", *args, "-"],
        input=data, capture_output=True, check=True, timeout=60)
    [tags] = json.loads(result.stdout)
    return tags


def xmp_packet(data: bytes) -> str:
    """The XMP packet of ``data`` as exiftool extracts it ("" when there is none)."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own test data on stdin
        [exiftool_path(), "-b", "-XMP", "-"], input=data, capture_output=True, check=True,
        timeout=60)
    return result.stdout.decode("utf-8")


def segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """The JPEG's marker segments up to the scan, as (marker, payload), then the scan itself
    (marker 0xDA, everything from its header to the end of the file)."""
    assert jpeg[:2] == b"\xff\xd8", "not a JPEG"
    found, pos = [], 2
    while pos + 4 <= len(jpeg):
        assert jpeg[pos] == 0xFF, f"no marker at {pos}"
        marker = jpeg[pos + 1]
        length = int.from_bytes(jpeg[pos + 2:pos + 4], "big")
        if marker == 0xDA:
            found.append((marker, jpeg[pos + 2:]))
            break
        found.append((marker, jpeg[pos + 4:pos + 2 + length]))
        pos += 2 + length
    return found


def image_data(jpeg: bytes) -> list[tuple[int, bytes]]:
    """What decodes to pixels (tables, frame header, scan): every segment but APPn and
    comments. Equal image data means the pixels were not re-encoded."""
    return [(m, p) for m, p in segments(jpeg) if not (0xE0 <= m <= 0xEF or m == 0xFE)]
