"""Byte, pixel and frame limits; decompression bombs; Pillow's own guard."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from media_ingest import (
    CorruptImage,
    Limits,
    TooLarge,
    TooManyPixels,
    check_upload,
    process,
)
from media_ingest.limits import check_bytes, check_pixels

from .conftest import encode, photo_like


class ExplodingReader(io.BytesIO):
    def read(self, *args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("read() called before the byte limit was checked")


def test_limits_defaults() -> None:
    limits = Limits()
    assert limits.max_bytes == 60_000_000
    assert limits.max_pixels == 120_000_000
    with pytest.raises(ValueError):
        Limits(max_bytes=0)


def test_byte_limit_is_checked_before_reading() -> None:
    with pytest.raises(TooLarge, match="60 MB"):
        check_upload(ExplodingReader(b""), 60_000_001)


def test_byte_limit_from_the_stream_in_process() -> None:
    data = encode(photo_like((64, 64)), "PNG")
    with pytest.raises(TooLarge):
        process(io.BytesIO(data), Limits(max_bytes=len(data) - 1))


def test_check_helpers() -> None:
    check_bytes(10, Limits(max_bytes=10))
    check_pixels(10, 10, Limits(max_pixels=100))
    with pytest.raises(TooManyPixels, match="megapixels"):
        check_pixels(11, 10, Limits(max_pixels=100))
    with pytest.raises(TooManyPixels):
        check_pixels(0, 10)


def test_pixel_limit_from_header_without_decoding(make_jpeg, monkeypatch) -> None:
    def no_decode(self):  # pragma: no cover - must not be reached
        raise AssertionError("pixels decoded before the pixel check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decode)
    with pytest.raises(TooManyPixels):
        check_upload(make_jpeg((200, 100)), limits=Limits(max_pixels=19_999))


def _two_page_tiff(second_size: tuple[int, int]) -> bytes:
    """A 2-page uncompressed TIFF whose second IFD claims ``second_size``."""
    buffer = io.BytesIO()
    first, second = photo_like((16, 16)), photo_like((8, 8), seed=1)
    first.save(buffer, "TIFF", save_all=True, append_images=[second])
    data = bytearray(buffer.getvalue())
    (ifd0,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd0)
    (ifd1,) = struct.unpack_from("<I", data, ifd0 + 2 + 12 * count)
    (count1,) = struct.unpack_from("<H", data, ifd1)
    for index in range(count1):
        entry = ifd1 + 2 + 12 * index
        tag, typ = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):  # ImageWidth, ImageLength
            value = second_size[0] if tag == 256 else second_size[1]
            fmt = "<H" if typ == 3 else "<I"
            struct.pack_into(fmt, data, entry + 8, value)
    return bytes(data)


def test_bomb_in_a_later_tiff_page_is_refused_before_decoding() -> None:
    data = _two_page_tiff((60_000, 60_000))  # 3.6 gigapixels claimed by page 2
    with pytest.raises(TooManyPixels) as excinfo:
        check_upload(io.BytesIO(data))
    assert "frame 1" in (excinfo.value.detail or "")


def test_legit_multi_page_tiff_renders_first_page() -> None:
    buffer = io.BytesIO()
    red, blue = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (32, 32), "blue")
    red.save(buffer, "TIFF", save_all=True, append_images=[blue])
    result = process(buffer)
    assert (result.width, result.height) == (64, 48)
    thumb = Image.open(result.renditions[next(iter(result.renditions))].open())
    r, g, b = thumb.convert("RGB").getpixel((10, 10))
    assert r > 200 and g < 40 and b < 40


def test_too_many_pages_are_refused() -> None:
    buffer = io.BytesIO()
    pages = [photo_like((8, 8), seed=i) for i in range(5)]
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    with pytest.raises(TooManyPixels, match="too many pages"):
        check_upload(buffer, limits=Limits(max_frames=3))
    check_upload(buffer, limits=Limits(max_frames=5))


def test_png_text_chunk_bomb_is_refused() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "A" * (PngImagePlugin.MAX_TEXT_CHUNK + 1024), zip=True)
    data = encode(photo_like((16, 16)), "PNG", pnginfo=info)
    assert len(data) < 100_000  # tiny on disk, huge once inflated
    with pytest.raises(TooManyPixels, match="decompression bomb"):
        check_upload(io.BytesIO(data))


def test_pillow_decompression_bomb_error_becomes_too_many_pixels(monkeypatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = encode(photo_like((100, 100)), "PNG")  # 10 000 px > 2 x 1000: Pillow's hard error
    with pytest.raises(TooManyPixels) as excinfo:
        check_upload(io.BytesIO(data))
    assert "DecompressionBombError" in (excinfo.value.detail or "")


def test_pillow_bomb_warning_is_an_error_unless_our_limit_is_higher(monkeypatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6000)
    data = encode(photo_like((100, 100)), "PNG")  # 10 000 px: between 1x and 2x Pillow's limit
    # Our limit (120 MP) is above Pillow's: the escalated warning is retried and accepted.
    assert process(io.BytesIO(data)).width == 100
    # Our limit is below Pillow's: the escalated warning stands.
    with pytest.raises(TooManyPixels):
        check_upload(io.BytesIO(data), limits=Limits(max_pixels=5000))


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _apng(frames: int, *, sequence_gap: bool = False) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("RGB", (32, 24), colour) for colour in ("red", "green", "blue")][:frames]
    images[0].save(buffer, "PNG", save_all=True, append_images=images[1:])
    data = buffer.getvalue()
    if not sequence_gap:
        return data
    # Rewrite the last fdAT chunk's sequence number to leave a gap.
    position = data.rindex(b"fdAT") - 4
    (length,) = struct.unpack_from(">I", data, position)
    body = bytearray(data[position + 8 : position + 8 + length])
    struct.pack_into(">I", body, 0, struct.unpack_from(">I", body, 0)[0] + 1)
    return data[:position] + _png_chunk(b"fdAT", bytes(body)) + data[position + 12 + length :]


def test_animated_png_first_frame_is_used() -> None:
    result = process(io.BytesIO(_apng(3)))
    thumb = Image.open(next(iter(result.renditions.values())).open()).convert("RGB")
    r, g, b = thumb.getpixel((5, 5))
    assert r > 200 and g < 40 and b < 40


def test_animated_png_with_a_sequence_gap_is_refused_without_decoding_frames() -> None:
    with pytest.raises(CorruptImage) as excinfo:
        check_upload(io.BytesIO(_apng(3, sequence_gap=True)))
    assert "APNG" in (excinfo.value.detail or "")


def test_truncated_file_is_corrupt_and_global_flag_untouched(make_jpeg) -> None:
    data = make_jpeg((400, 300)).getvalue()
    with pytest.raises(CorruptImage):
        process(io.BytesIO(data[: len(data) // 2]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
