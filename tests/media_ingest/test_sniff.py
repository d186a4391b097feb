"""Format detection from content, never from names."""

from __future__ import annotations

import importlib
import io
import struct

import pytest
from PIL import Image

from media_ingest import UnsupportedFormat, sniff
from media_ingest.sniff import sniff_bytes

from .conftest import encode, photo_like

sniff_module = importlib.import_module("media_ingest.sniff")  # `sniff` is also the function


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\0" * 16


@pytest.mark.parametrize(
    ("fmt", "params", "expected", "mime", "ext"),
    [
        ("JPEG", {}, "JPEG", "image/jpeg", "jpg"),
        ("PNG", {}, "PNG", "image/png", "png"),
        ("WEBP", {}, "WEBP", "image/webp", "webp"),
        ("TIFF", {}, "TIFF", "image/tiff", "tif"),
        ("TIFF", {"compression": "tiff_deflate"}, "TIFF", "image/tiff", "tif"),
    ],
)
def test_accepted_formats_are_recognised(fmt, params, expected, mime, ext) -> None:
    data = encode(photo_like((32, 24)), fmt, **params)
    result = sniff(io.BytesIO(data))
    assert (result.format, result.mime_type, result.extension) == (expected, mime, ext)


def test_big_endian_tiff_is_recognised() -> None:
    assert sniff_bytes(b"MM\0*\0\0\0\x08" + b"\0" * 8).format == "TIFF"


def test_name_is_irrelevant_and_position_is_reset() -> None:
    fileobj = io.BytesIO(encode(photo_like((16, 16)), "PNG"))
    fileobj.name = "holiday.jpg"
    fileobj.seek(5)
    assert sniff(fileobj).format == "PNG"
    assert fileobj.tell() == 0


@pytest.mark.parametrize(
    ("head", "expected_ext"),
    [
        (_ftyp(b"heic", b"mif1", b"heic"), "heic"),
        (_ftyp(b"mif1", b"mif1", b"heic"), "heic"),
        (_ftyp(b"heix", b"mif1"), "heic"),
        (_ftyp(b"msf1", b"msf1", b"hevc"), "heic"),
        (_ftyp(b"mif1", b"mif1"), "heif"),
    ],
)
def test_heif_brands(head: bytes, expected_ext: str) -> None:
    result = sniff_bytes(head)
    assert result.format == "HEIF" and result.extension == expected_ext


@pytest.mark.parametrize(
    "head",
    [_ftyp(b"avif", b"mif1", b"miaf"), _ftyp(b"avis", b"msf1"), _ftyp(b"mif1", b"mif1", b"avif")],
)
def test_avif_brands_are_recognised_when_pillow_reads_avif(head: bytes, monkeypatch) -> None:
    result = sniff_bytes(head)
    assert (result.format, result.mime_type, result.extension) == ("AVIF", "image/avif", "avif")
    assert result.pil_formats == ("AVIF",)
    monkeypatch.setattr(sniff_module, "avif_supported", lambda: False)
    with pytest.raises(UnsupportedFormat, match="AVIF"):
        sniff_bytes(head)


def test_video_containers_are_refused() -> None:
    with pytest.raises(UnsupportedFormat):
        sniff_bytes(_ftyp(b"isom", b"isom", b"mp41"))


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (encode(photo_like((8, 8)), "GIF"), "GIF"),
        (encode(photo_like((8, 8)), "BMP"), "BMP"),
        (b"%PDF-1.7\n", "PDF"),
        (b"hello, world", None),
    ],
)
def test_other_content_is_refused_naming_accepted_formats(data: bytes, what: str | None) -> None:
    with pytest.raises(UnsupportedFormat) as excinfo:
        sniff(io.BytesIO(data))
    reason = excinfo.value.reason
    assert "JPEG, PNG, WebP, HEIC/HEIF, AVIF, TIFF" in reason
    if what:
        assert what in reason


def test_empty_file_is_refused() -> None:
    with pytest.raises(UnsupportedFormat, match="empty"):
        sniff(io.BytesIO(b""))


def _tiff_with_ifd0(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
    return b"II*\0" + struct.pack("<I", 8) + ifd + b"\0\0\0\0"


def test_dng_is_refused_as_raw() -> None:
    data = _tiff_with_ifd0([(0xC612, 1, 4, b"\x01\x04\x00\x00")])
    with pytest.raises(UnsupportedFormat, match=r"RAW file \(DNG\)"):
        sniff(io.BytesIO(data))


def test_raw_style_tiff_with_preview_ifd0_is_refused() -> None:
    data = _tiff_with_ifd0([(0x00FE, 4, 1, struct.pack("<I", 1)), (0x014A, 4, 1, b"\0\0\0\0")])
    with pytest.raises(UnsupportedFormat, match="RAW"):
        sniff(io.BytesIO(data))


def test_cr2_is_refused_as_raw() -> None:
    with pytest.raises(UnsupportedFormat, match="CR2"):
        sniff_bytes(b"II*\0\x10\0\0\0CR\x02\0" + b"\0" * 8)


def test_plain_tiff_with_exif_is_not_mistaken_for_raw() -> None:
    image = photo_like((32, 24))
    exif = Image.Exif()
    exif[0x010F] = "Scanner"
    data = encode(image, "TIFF", exif=exif)
    assert sniff(io.BytesIO(data)).format == "TIFF"
