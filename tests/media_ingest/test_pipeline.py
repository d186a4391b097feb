"""The entry points the Django adapter uses: check_upload, process, inspect."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from media_ingest import (
    CorruptImage,
    IngestError,
    TooLarge,
    UnsupportedFormat,
    check_upload,
    inspect,
    process,
)
from media_ingest.specs import PREVIEW, THUMB

from .conftest import camera_exif


def test_check_upload_returns_what_the_file_is(make_jpeg) -> None:
    source = make_jpeg((640, 480))
    result = check_upload(source, len(source.getvalue()))
    assert (result.format, result.mime_type, result.extension) == ("JPEG", "image/jpeg", "jpg")
    assert source.tell() == 0


def test_process_a_camera_photo(make_jpeg) -> None:
    source = make_jpeg((3000, 2000), exif=camera_exif(orientation=6))
    result = process(source)
    assert result.format == "JPEG" and result.size_bytes == len(source.getvalue())
    assert (result.stored_width, result.stored_height) == (3000, 2000)
    assert (result.width, result.height) == (2000, 3000)
    assert result.orientation == 6
    assert result.exif.make == "TestMaker" and result.exif.orientation == 6
    assert result.sha256 == hashlib.sha256(source.getvalue()).hexdigest()
    assert len(result.phash) == 16
    assert (result.renditions[PREVIEW].width, result.renditions[PREVIEW].height) == (1067, 1600)
    assert (result.renditions[THUMB].width, result.renditions[THUMB].height) == (267, 400)
    assert source.tell() == 0 and not source.closed
    summary = json.loads(json.dumps(result.as_dict()))
    assert summary["renditions"]["thumb-400-q85.jpg"]["width"] == 267


def test_process_refuses_with_ingest_errors(make_jpeg) -> None:
    with pytest.raises(UnsupportedFormat):
        process(io.BytesIO(b"GIF89a" + b"\0" * 100))
    data = make_jpeg((200, 200)).getvalue()
    with pytest.raises(CorruptImage):
        process(io.BytesIO(data[:300]))


def test_inspect_accepted(tmp_path: Path, make_jpeg) -> None:
    path = tmp_path / "IMG_0001.jpeg"
    path.write_bytes(make_jpeg((800, 600), exif=camera_exif()).getvalue())
    verdict = inspect(path)
    assert verdict["status"] == "accepted"
    assert verdict["format"] == "JPEG" and (verdict["width"], verdict["height"]) == (800, 600)
    assert verdict["exif"]["make"] == "TestMaker"
    assert verdict["exif"]["gps_latitude"] < 0
    json.dumps(verdict)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "UnsupportedFormat"),
        (b"<html>not an image</html>", "UnsupportedFormat"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF\0" + b"\0" * 50, "CorruptImage"),
        (b"\x89PNG\r\n\x1a\n" + b"\xff" * 40, "CorruptImage"),
    ],
)
def test_inspect_rejected(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "upload.jpg"
    path.write_bytes(content)
    verdict = inspect(path)
    assert verdict["status"] == "rejected"
    assert verdict["error"] == error and verdict["reason"]
    json.dumps(verdict)


def test_inspect_missing_file(tmp_path: Path) -> None:
    verdict = inspect(tmp_path / "nope.jpg")
    assert verdict["status"] == "rejected" and verdict["error"] == "FileNotFoundError"


def test_inspect_turns_unexpected_exceptions_into_rejections(tmp_path: Path, monkeypatch) -> None:
    from media_ingest import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("library bug")

    monkeypatch.setattr(pipeline, "process", boom)
    path = tmp_path / "x.jpg"
    path.write_bytes(b"whatever")
    verdict = inspect(path)
    assert verdict["status"] == "rejected" and verdict["error"] == "RuntimeError"


def test_too_large_is_refused_at_upload(make_jpeg) -> None:
    from media_ingest import Limits

    source = make_jpeg((64, 64))
    with pytest.raises(TooLarge) as excinfo:
        check_upload(source, limits=Limits(max_bytes=100))
    assert isinstance(excinfo.value, IngestError)
    assert "too large" in str(excinfo.value)


def test_library_does_not_import_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, media_ingest, media_ingest.pipeline; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'photolib')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
