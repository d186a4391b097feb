"""Fixtures for media_ingest tests: the shared photo corpus and synthetic images.

The corpus directory is ``$PHOTOLIB_CORPUS`` or ``<repo>/../shared/corpus``. When it is absent
the corpus tests skip, except under CI (``CI=true``) or ``REQUIRE_CORPUS=1``, where they fail.
No test here needs Django's database.
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    configured = os.environ.get("PHOTOLIB_CORPUS")
    return Path(configured) if configured else REPO.parent / "shared" / "corpus"


def _corpus_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_CORPUS") == "1"


def load_manifest() -> list[dict[str, str]]:
    manifest = corpus_dir() / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus directory; skips (or fails under CI / REQUIRE_CORPUS=1) when missing."""
    directory = corpus_dir()
    if not (directory / "MANIFEST.tsv").is_file():
        message = f"photo corpus not found at {directory} (set PHOTOLIB_CORPUS)"
        if _corpus_required():
            pytest.fail(message)
        pytest.skip(message)
    return directory


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``camera_row``/``odd_row``/``hostile_row``/``manifest_row`` over MANIFEST.

    Without a corpus each gets one ``None`` case, which the ``corpus`` fixture skips or fails.
    """
    kinds = {"camera_row": "camera", "odd_row": "odd", "hostile_row": "hostile"}
    for name in ("camera_row", "odd_row", "hostile_row", "manifest_row"):
        if name not in metafunc.fixturenames:
            continue
        rows = load_manifest()
        if name in kinds:
            rows = [row for row in rows if row["kind"] == kinds[name]]
        if rows:
            metafunc.parametrize(name, rows, ids=[row["file"] for row in rows])
        else:
            metafunc.parametrize(name, [None], ids=["no-corpus"])


# ---------------------------------------------------------------------------------------------
# Synthetic images


def photo_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A deterministic RGB image with gradients and hard-edged shapes (photo-ish structure)."""
    rng = random.Random(seed)
    width, height = size
    horizontal = Image.linear_gradient("L").rotate(90).resize(size)
    vertical = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (horizontal, vertical, Image.new("L", size, 128)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        rx, ry = rng.randrange(4, max(5, width // 4)), rng.randrange(4, max(5, height // 4))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=colour)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def camera_exif(
    *,
    orientation: int | None = None,
    lat: tuple[str, tuple[float, float, float]] | None = ("S", (33.0, 51.0, 54.0)),
    lon: tuple[str, tuple[float, float, float]] | None = ("W", (70.0, 39.0, 36.0)),
    altitude: tuple[int, float] | None = (1, 12.5),
) -> Image.Exif:
    """An EXIF block like a camera's, with every field the record types."""
    exif = Image.Exif()
    exif[0x010F] = "TestMaker"
    exif[0x0110] = "Model 7"
    exif[0x0131] = "firmware 1.2"
    exif[0x013B] = "Ana Resident"
    exif[0x8298] = "(c) Ana Resident"
    if orientation is not None:
        exif[0x0112] = orientation
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "2023:07:14 18:30:05"
    ifd[0x9011] = "-05:00"
    ifd[0x9291] = "25"
    ifd[0x829A] = IFDRational(1, 125)
    ifd[0x829D] = IFDRational(28, 10)
    ifd[0x8827] = 400
    ifd[0x920A] = IFDRational(50, 1)
    ifd[0xA434] = "TestLens 50mm f/1.8"
    gps = exif.get_ifd(0x8825)

    def dms(values: tuple[float, float, float]) -> tuple[IFDRational, ...]:
        return tuple(IFDRational(round(v * 100), 100) for v in values)

    if lat:
        gps[1], gps[2] = lat[0], dms(lat[1])
    if lon:
        gps[3], gps[4] = lon[0], dms(lon[1])
    if altitude:
        gps[5], gps[6] = altitude[0], IFDRational(round(altitude[1] * 10), 10)
    return exif


@pytest.fixture
def make_jpeg() -> Callable[..., io.BytesIO]:
    """Factory: ``make_jpeg((w, h), exif=..., icc=..., seed=..., **save_params)`` -> BytesIO."""

    def factory(
        size: tuple[int, int] = (640, 480),
        *,
        seed: int = 0,
        exif: Image.Exif | None = None,
        icc: bytes | None = None,
        image: Image.Image | None = None,
        **params: Any,
    ) -> io.BytesIO:
        source = image if image is not None else photo_like(size, seed)
        params.setdefault("quality", 90)
        if exif is not None:
            params["exif"] = exif.tobytes()
        if icc is not None:
            params["icc_profile"] = icc
        return io.BytesIO(encode(source, "JPEG", **params))

    return factory
