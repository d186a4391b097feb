"""EXIF into a typed record; metadata problems never fail a photo."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from media_ingest import ExifRecord, extract_exif
from media_ingest.exif import (
    RAW_MAX_TAGS,
    RAW_MAX_VALUE_CHARS,
    parse_exif_datetime,
    parse_exif_offset,
)

from .conftest import camera_exif, encode, photo_like


def test_camera_exif_is_typed(make_jpeg) -> None:
    record = extract_exif(make_jpeg((64, 48), exif=camera_exif(orientation=6)))
    assert record.source == "exifread"
    assert (record.make, record.model, record.lens) == (
        "TestMaker",
        "Model 7",
        "TestLens 50mm f/1.8",
    )
    assert (record.software, record.artist, record.copyright) == (
        "firmware 1.2",
        "Ana Resident",
        "(c) Ana Resident",
    )
    assert record.taken_at == datetime(
        2023, 7, 14, 18, 30, 5, 250000, tzinfo=timezone(timedelta(hours=-5))
    )
    assert record.taken_at_offset == "-05:00"
    assert record.exposure_time == "1/125"
    assert record.exposure_seconds == pytest.approx(1 / 125)
    assert record.aperture == 2.8 and record.focal_length == 50.0 and record.iso == 400
    assert record.orientation == 6
    assert record.gps_latitude == pytest.approx(-(33 + 51 / 60 + 54 / 3600), abs=1e-6)
    assert record.gps_longitude == pytest.approx(-(70 + 39 / 60 + 36 / 3600), abs=1e-6)
    assert record.gps_altitude == -12.5
    assert record.raw["Image Make"] == "TestMaker"
    assert record.warnings == ()


def test_naive_taken_at_without_offset(make_jpeg) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2020:01:02 03:04:05"
    record = extract_exif(make_jpeg((32, 32), exif=exif))
    assert record.taken_at == datetime(2020, 1, 2, 3, 4, 5)  # noqa: DTZ001 - camera local time
    assert record.taken_at.tzinfo is None and record.taken_at_offset is None


def test_missing_gps_ref_and_out_of_range_values(make_jpeg) -> None:
    exif = camera_exif(lat=("", (95.0, 0.0, 0.0)), lon=("E", (10.0, 30.0, 0.0)), altitude=None)
    record = extract_exif(make_jpeg((32, 32), exif=exif))
    assert record.gps_latitude is None and record.gps_longitude is None
    assert any("out of range" in warning for warning in record.warnings)


def test_raw_is_bounded(make_jpeg) -> None:
    exif = camera_exif()
    exif[0x010E] = "x" * (RAW_MAX_VALUE_CHARS + 10)  # ImageDescription, too long to keep
    record = extract_exif(make_jpeg((32, 32), exif=exif))
    assert "Image ImageDescription" not in record.raw
    assert len(record.raw) <= RAW_MAX_TAGS
    assert all(len(value) <= RAW_MAX_VALUE_CHARS for value in record.raw.values())
    assert not any("Thumbnail" in key or "MakerNote" in key for key in record.raw)


def test_webp_exif_without_prefix_comes_from_pillow() -> None:
    # Pillow writes spec-conformant WebP EXIF chunks (raw TIFF, no "Exif\0\0"), which exifread
    # does not find; Pillow's reader fills the record.
    data = encode(photo_like((32, 32)), "WEBP", exif=camera_exif(orientation=3).tobytes())
    record = extract_exif(io.BytesIO(data))
    assert record.make == "TestMaker" and record.orientation == 3
    assert record.gps_latitude == pytest.approx(-33.865, abs=1e-3)
    assert "pillow" in record.source


def test_png_exif_chunk() -> None:
    data = encode(photo_like((32, 32)), "PNG", exif=camera_exif().tobytes())
    record = extract_exif(io.BytesIO(data))
    assert record.model == "Model 7"


def test_no_exif_at_all(make_jpeg) -> None:
    record = extract_exif(make_jpeg((32, 32)))
    assert record == ExifRecord(source="none", warnings=record.warnings)
    assert record.as_dict()["taken_at"] is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"\xff\xd8\xff\xe1\xff\xffExif\0\0II*\0" + b"\xff" * 64,
        b"II*\0" + b"\xff" * 8,
    ],
)
def test_extract_exif_never_raises(data: bytes) -> None:
    record = extract_exif(io.BytesIO(data))
    assert isinstance(record, ExifRecord)


def test_as_dict_is_json_friendly(make_jpeg) -> None:
    import json

    record = extract_exif(make_jpeg((32, 32), exif=camera_exif()))
    payload = json.loads(json.dumps(record.as_dict()))
    assert payload["taken_at"] == "2023-07-14T18:30:05.250000-05:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2008:05:30 15:56:01", datetime(2008, 5, 30, 15, 56, 1)),  # noqa: DTZ001
        ("2008-05-30T15:56:01", datetime(2008, 5, 30, 15, 56, 1)),  # noqa: DTZ001
        ("2008:05:30 15:56:01\x00", datetime(2008, 5, 30, 15, 56, 1)),  # noqa: DTZ001
        (":  :     :  :", None),
        ("0000:00:00 00:00:00", None),
        ("2008:13:30 15:56:01", None),
        ("", None),
    ],
)
def test_parse_exif_datetime(text: str, expected: datetime | None) -> None:
    assert parse_exif_datetime(text) == expected


def test_parse_exif_offset() -> None:
    assert parse_exif_offset("+05:30") == timezone(timedelta(hours=5, minutes=30))
    assert parse_exif_offset("-03:00") == timezone(timedelta(hours=-3))
    assert parse_exif_offset("+25:00") is None
    assert parse_exif_offset("   :  ") is None
