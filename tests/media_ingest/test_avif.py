"""AVIF is accepted (issue 12, item 8): phones write it and Pillow >= 11.3 reads it itself."""

from __future__ import annotations

import io

import pytest
from PIL import Image, features

from media_ingest import check_upload, process
from media_ingest.specs import PREVIEW, THUMB

from .conftest import camera_exif, photo_like

pytestmark = pytest.mark.skipif(not features.check("avif"),
                                reason="this Pillow was built without AVIF")


def avif_bytes(size: tuple[int, int] = (2400, 1600), **params) -> bytes:
    buffer = io.BytesIO()
    photo_like(size, seed=3).save(buffer, "AVIF", quality=60, speed=10, **params)
    return buffer.getvalue()


def test_an_avif_made_by_pillow_is_ingested_with_renditions_and_exif() -> None:
    data = avif_bytes(exif=camera_exif(orientation=6).tobytes())
    sniffed = check_upload(io.BytesIO(data))
    assert (sniffed.format, sniffed.mime_type, sniffed.extension) == ("AVIF", "image/avif", "avif")
    result = process(io.BytesIO(data), specs=[THUMB, PREVIEW])
    assert (result.stored_width, result.stored_height) == (2400, 1600)
    assert (result.orientation, result.width, result.height) == (6, 1600, 2400)  # shown upright
    assert (result.exif.make, result.exif.model) == ("TestMaker", "Model 7")
    assert result.exif.gps_latitude == pytest.approx(-33.865, abs=1e-4)
    preview = Image.open(io.BytesIO(result.renditions[PREVIEW].data))
    assert preview.format == "JPEG" and preview.size == (1067, 1600)
    assert "exif" not in preview.info  # stripped like every rendition
    assert result.phash and len(result.phash) == 16


def test_the_corpus_avif_is_accepted(corpus) -> None:
    with (corpus / "es_mountains.avif").open("rb") as fh:
        result = process(fh, specs=[THUMB])
    assert result.format == "AVIF" and (result.width, result.height) == (1920, 1080)
    assert max(Image.open(io.BytesIO(result.renditions[THUMB].data)).size) == 400
