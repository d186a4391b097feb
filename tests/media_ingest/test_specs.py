"""Rendition specs: string form round-trips and is the storage key segment."""

from __future__ import annotations

import pytest

from media_ingest.specs import DEFAULT_SPECS, PREVIEW, THUMB, RenditionSpec


def test_defaults() -> None:
    assert (THUMB.max_edge, PREVIEW.max_edge) == (400, 1600)
    assert THUMB.format == PREVIEW.format == "JPEG" and THUMB.quality == 85
    assert DEFAULT_SPECS == (PREVIEW, THUMB)


@pytest.mark.parametrize(
    "spec",
    [THUMB, PREVIEW, RenditionSpec("card_2x", 800, "WEBP", 72), RenditionSpec("x", 16, quality=1)],
)
def test_str_round_trips_and_is_the_key(spec: RenditionSpec) -> None:
    text = str(spec)
    assert RenditionSpec.parse(text) == spec
    assert spec.key == text
    assert text.endswith("." + spec.extension)
    assert "/" not in text


def test_known_forms() -> None:
    assert str(PREVIEW) == "preview-1600-q85.jpg"
    assert str(RenditionSpec("thumb", 400, "WEBP", 80)) == "thumb-400-q80.webp"
    assert PREVIEW.content_type == "image/jpeg"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "thumb.jpg",
        "thumb-400.jpg",
        "Thumb-400-q85.jpg",
        "thumb-400-q85.png",
        "../x-400-q85.jpg",
        "thumb-400-q85.jpg/extra",
        "thumb-10-q85.jpg",
        "thumb-400-q101.jpg",
    ],
)
def test_parse_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        RenditionSpec.parse(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "Thumb", "max_edge": 400},
        {"name": "thumb", "max_edge": 0},
        {"name": "thumb", "max_edge": 400, "format": "PNG"},
        {"name": "thumb", "max_edge": 400, "quality": 0},
    ],
)
def test_invalid_specs_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RenditionSpec(**kwargs)
