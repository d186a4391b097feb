"""The shared corpus, file by file: camera photos ingest with the manifest's EXIF facts,
hostile files are refused cleanly and quickly, odd files are either accepted or refused cleanly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from media_ingest import (
    IngestError,
    UnsupportedFormat,
    check_upload,
    inspect,
    process,
)
from media_ingest.specs import PREVIEW, THUMB

TIME_LIMIT_S = 5.0

# Camera files refused by policy, with the error expected (none since AVIF is accepted).
REFUSED_CAMERA_FILES: dict[str, type] = {}


def _run(path: Path):
    with path.open("rb") as fh:
        check_upload(fh, path.stat().st_size)
        return process(fh)


def _expected_orientation_ok(expected: str, got: int | None) -> bool:
    if expected:
        return got == int(expected)
    # No EXIF Orientation tag; Pillow may report 1 from XMP tiff:Orientation (harmless no-op).
    return got in (None, 1)


def test_camera_file_is_ingested_with_manifest_facts(corpus: Path, camera_row: dict) -> None:
    path = corpus / camera_row["file"]
    refused = REFUSED_CAMERA_FILES.get(camera_row["file"])
    if refused:
        with pytest.raises(refused):
            _run(path)
        return
    started = time.perf_counter()
    result = _run(path)
    assert time.perf_counter() - started < TIME_LIMIT_S

    record = result.exif
    assert record.make == (camera_row["exif_make"] or None)
    assert record.model == (camera_row["exif_model"] or None)
    taken = record.taken_at.strftime("%Y:%m:%d %H:%M:%S") if record.taken_at else None
    assert taken == (camera_row["exif_datetime_original"] or None)
    assert _expected_orientation_ok(camera_row["exif_orientation"], record.orientation)
    for field, column in (("gps_latitude", "gps_lat"), ("gps_longitude", "gps_lon")):
        value = getattr(record, field)
        if camera_row[column]:
            assert value == pytest.approx(float(camera_row[column]), abs=1e-6)
        else:
            assert value is None

    if camera_row["pil_width"]:
        assert (result.stored_width, result.stored_height) == (
            int(camera_row["pil_width"]),
            int(camera_row["pil_height"]),
        )
    assert set(result.renditions) == {PREVIEW, THUMB}
    for spec, rendition in result.renditions.items():
        assert max(rendition.width, rendition.height) <= spec.max_edge
        assert rendition.data[:3] == b"\xff\xd8\xff"
    assert len(result.sha256) == 64
    assert result.phash and len(result.phash) == 16


def test_hostile_file_is_refused_cleanly_and_quickly(corpus: Path, hostile_row: dict) -> None:
    path = corpus / hostile_row["file"]
    started = time.perf_counter()
    with pytest.raises(IngestError) as excinfo:
        _run(path)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f}s"
    assert excinfo.value.reason and "Traceback" not in excinfo.value.reason

    verdict = inspect(path)
    assert verdict["status"] == "rejected"
    assert verdict["error"] in {"UnsupportedFormat", "TooLarge", "TooManyPixels", "CorruptImage"}
    json.dumps(verdict)


def test_odd_file_is_accepted_or_refused_cleanly(corpus: Path, odd_row: dict) -> None:
    path = corpus / odd_row["file"]
    started = time.perf_counter()
    try:
        result = _run(path)
    except IngestError as exc:
        assert exc.reason
    else:
        assert result.renditions
        assert result.width > 0 and result.height > 0
    assert time.perf_counter() - started < TIME_LIMIT_S


def test_inspect_never_raises_and_is_json(corpus: Path, manifest_row: dict) -> None:
    verdict = inspect(corpus / manifest_row["file"])
    assert verdict["status"] in {"accepted", "rejected"}
    if verdict["status"] == "rejected":
        assert verdict["reason"] and verdict["error"]
    json.dumps(verdict)


@pytest.mark.parametrize("number", range(1, 9))
def test_orientation_examples_all_come_out_landscape(corpus: Path, number: int) -> None:
    with (corpus / "oe_Landscape_1.jpg").open("rb") as fh:
        reference = process(fh)
    with (corpus / f"oe_Landscape_{number}.jpg").open("rb") as fh:
        result = process(fh)
    assert (result.width, result.height) == (1800, 1200)
    assert result.orientation == number
    for spec in (PREVIEW, THUMB):
        rendition, expected = result.renditions[spec], reference.renditions[spec]
        assert (rendition.width, rendition.height) == (expected.width, expected.height)
        assert rendition.width > rendition.height
    # Same picture, not merely the same shape: the perceptual hashes agree.
    from media_ingest import hamming

    assert hamming(result.phash, reference.phash) <= 6


def test_exif_fallbacks_fill_what_exifread_misses(corpus: Path) -> None:
    from media_ingest import extract_exif

    with (corpus / "me_HTC_Desire.webp").open("rb") as fh:
        record = extract_exif(fh)
    assert (record.make, record.model) == ("HTC", "HTC Desire")
    assert record.gps_latitude == pytest.approx(45.5006667, abs=1e-6)
    assert "pillow" in record.source

    with (corpus / "es_no_exif.jpg").open("rb") as fh:
        record = extract_exif(fh)
    assert record.source == "pillow" and record.raw


def test_heic_time_offset_makes_taken_at_aware(corpus: Path) -> None:
    from media_ingest import extract_exif

    with (corpus / "es_iphone_13_pro_max.heic").open("rb") as fh:
        record = extract_exif(fh)
    assert record.taken_at is not None and record.taken_at.utcoffset() is not None
    assert record.taken_at_offset == "+01:00"
    assert record.taken_at.isoformat() == "2022-02-16T12:55:41.762000+01:00"


def test_garbage_metadata_is_dropped_with_warnings(corpus: Path) -> None:
    from media_ingest import extract_exif

    with (corpus / "pil_exif_gps.jpg").open("rb") as fh:
        record = extract_exif(fh)
    assert record.gps_latitude is None and record.gps_longitude is None
    assert any("GPS" in warning for warning in record.warnings)

    with (corpus / "me_FujiFilm_DX-5.jpg").open("rb") as fh:
        record = extract_exif(fh)
    assert record.taken_at is None
    assert any("date taken" in warning for warning in record.warnings)


def test_camera_raw_is_refused_with_a_clear_reason(corpus: Path) -> None:
    path = corpus / "es_nikon_z_9_high_efficiency_compressed_dx_cropped_max_overexposed.dng"
    with path.open("rb") as fh, pytest.raises(UnsupportedFormat, match="RAW"):
        check_upload(fh)
