"""Renditions: sizes, orientation, colour, metadata stripping, modes, draft decoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from media_ingest import CorruptImage, Limits, RenditionSpec, render
from media_ingest.imaging import decode, fit_within, open_image
from media_ingest.sniff import sniff
from media_ingest.specs import PREVIEW, THUMB
from media_ingest.synthetic import display_p3_icc

from .conftest import camera_exif, encode, photo_like


def _open(rendition) -> Image.Image:
    image = Image.open(rendition.open())
    image.load()
    return image


@pytest.mark.parametrize(
    ("size", "preview", "thumb"),
    [
        ((3000, 2000), (1600, 1067), (400, 267)),
        ((2000, 3000), (1067, 1600), (267, 400)),
        ((1000, 800), (1000, 800), (400, 320)),
        ((300, 200), (300, 200), (300, 200)),  # never upscale
        ((5000, 20), (1600, 6), (400, 2)),
    ],
)
def test_sizes(make_jpeg, size, preview, thumb) -> None:
    out = render(make_jpeg(size))
    assert (out[PREVIEW].width, out[PREVIEW].height) == preview
    assert (out[THUMB].width, out[THUMB].height) == thumb
    assert _open(out[PREVIEW]).size == preview
    assert out[THUMB].content_type == "image/jpeg"


def test_fit_within() -> None:
    assert fit_within((4000, 3000), 1600) == (1600, 1200)
    assert fit_within((100, 50), 1600) == (100, 50)
    assert fit_within((10000, 1), 400) == (400, 1)


def test_orientation_is_applied(make_jpeg) -> None:
    # Stored landscape: left half white, right half black. Orientation 6 = rotate 90 deg CW
    # for display, so the display is portrait with the white half on top.
    stored = Image.new("RGB", (300, 200), "black")
    stored.paste((255, 255, 255), (0, 0, 150, 200))
    out = render(make_jpeg(image=stored, exif=camera_exif(orientation=6)))
    thumb = _open(out[THUMB]).convert("L")
    assert thumb.size == (200, 300)
    assert thumb.getpixel((100, 40)) > 200 and thumb.getpixel((100, 260)) < 50


def test_renditions_carry_no_metadata(make_jpeg) -> None:
    source = make_jpeg(
        (800, 600),
        exif=camera_exif(orientation=1),
        icc=display_p3_icc(),
        comment=b"secret",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>',
    )
    assert b"secret-xmp" in source.getvalue()
    data = bytearray(source.getvalue())
    out = render(io.BytesIO(bytes(data)))
    for rendition in out.values():
        image = _open(rendition)
        assert len(image.getexif()) == 0
        for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"):
            assert key not in image.info, key
        assert b"Exif" not in rendition.data[:4096]
        assert b"TestMaker" not in rendition.data and b"secret" not in rendition.data
        assert rendition.data[2:4] in (b"\xff\xdb", b"\xff\xe0")  # tables or JFIF, no APPn


def test_png_and_webp_sources_are_stripped_too() -> None:
    image = photo_like((500, 400))
    for fmt in ("PNG", "WEBP", "TIFF"):
        data = encode(image, fmt, exif=camera_exif().tobytes(), icc_profile=display_p3_icc())
        for rendition in render(io.BytesIO(data)).values():
            reopened = _open(rendition)
            assert len(reopened.getexif()) == 0 and "icc_profile" not in reopened.info


def _uniform_png(colour: tuple[int, int, int], icc: bytes | None) -> bytes:
    params = {"icc_profile": icc} if icc else {}
    return encode(Image.new("RGB", (256, 256), colour), "PNG", **params)


def test_display_p3_is_converted_to_srgb() -> None:
    colour = (40, 170, 60)
    p3 = display_p3_icc()
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour),
        ImageCms.ImageCmsProfile(io.BytesIO(p3)),
        ImageCms.createProfile("sRGB"),
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
    ).getpixel((0, 0))
    assert max(abs(a - b) for a, b in zip(expected, colour, strict=True)) > 15  # P3 != sRGB

    converted = _open(render(io.BytesIO(_uniform_png(colour, p3)))[THUMB]).getpixel((128, 128))
    untagged = _open(render(io.BytesIO(_uniform_png(colour, None)))[THUMB]).getpixel((128, 128))
    assert all(abs(a - b) <= 3 for a, b in zip(converted, expected, strict=True))
    assert all(abs(a - b) <= 3 for a, b in zip(untagged, colour, strict=True))


def test_srgb_tagged_source_is_left_alone() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    colour = (40, 170, 60)
    pixel = _open(render(io.BytesIO(_uniform_png(colour, srgb)))[THUMB]).getpixel((10, 10))
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, colour, strict=True))


def test_broken_icc_profile_is_a_warning_not_a_failure(make_jpeg) -> None:
    from media_ingest import process

    result = process(make_jpeg((64, 64), icc=b"not really an icc profile" * 10))
    assert result.renditions
    assert any("colour profile" in warning for warning in result.warnings)


def _mode_image(mode: str) -> Image.Image:
    base = photo_like((120, 90))
    if mode == "RGBA":
        image = base.convert("RGBA")
        image.putpixel((5, 5), (0, 0, 0, 0))
        return image
    if mode == "LA":
        image = base.convert("LA")
        image.putpixel((5, 5), (0, 0))
        return image
    if mode == "P":
        image = base.convert("P")
        image.info["transparency"] = image.getpixel((5, 5))
        return image
    if mode == "I;16":
        return base.convert("L").point(lambda v: v * 257, "I").convert("I;16")
    return base.convert(mode)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("1", "PNG"),
        ("L", "JPEG"),
        ("I;16", "PNG"),
        ("I;16", "TIFF"),
        ("CMYK", "JPEG"),
        ("CMYK", "TIFF"),
        ("RGBA", "WEBP"),
        ("RGB", "TIFF"),
    ],
)
def test_modes_are_normalised(mode: str, fmt: str) -> None:
    out = render(io.BytesIO(encode(_mode_image(mode), fmt)))
    thumb = _open(out[THUMB])
    assert thumb.mode in ("RGB", "L")
    assert thumb.size == (120, 90)
    if mode in ("RGBA", "LA", "P") and fmt == "PNG":
        # Transparent pixel composited on white.
        value = thumb.convert("L").getpixel((5, 5))
        assert value > 200
    if mode == "I;16":
        extrema = thumb.convert("L").getextrema()
        assert extrema[1] > 150  # scaled down from 16 bits, not clipped to white/black


def test_draft_decodes_a_reduced_jpeg(make_jpeg) -> None:
    # 3:2 photo, thumbnail target: the fitted target (400x267) allows a 1/8 DCT scale; a square
    # 400x400 box would only allow 1/4 (min(3300 // 400, 2200 // 400) = 5).
    source = make_jpeg((3300, 2200), quality=80)
    image = open_image(source, sniff(source), Limits())
    assert image.size == (3300, 2200)
    decoded = decode(image, fit_within(image.size, 400))
    assert decoded.size == (413, 275)

    source.seek(0)
    image = open_image(source, sniff(source), Limits())
    assert decode(image, fit_within(image.size, 1600)).size == (1650, 1100)


def test_renders_largest_first_and_webp_specs() -> None:
    card = RenditionSpec("card", 800, "WEBP", 80)
    out = render(io.BytesIO(encode(photo_like((2000, 1000)), "JPEG")), specs=(THUMB, card))
    assert list(out) == [card, THUMB]
    assert out[card].content_type == "image/webp" and _open(out[card]).format == "WEBP"
    assert (out[card].width, out[card].height) == (800, 400)


def test_truncated_jpeg_is_corrupt(make_jpeg) -> None:
    data = make_jpeg((640, 480)).getvalue()
    with pytest.raises(CorruptImage):
        render(io.BytesIO(data[:-2000]))


def test_file_object_stays_open(make_jpeg) -> None:
    source = make_jpeg((640, 480))
    render(source)
    assert not source.closed
    source.seek(0)
