"""Memory bound (issue 12, item 1): limits in decoded bytes, checked from headers before any
pixel is decoded, and renditions made without full-size copies of the decoded frame."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from media_ingest import Limits, TooManyPixels, TooMuchMemory, check_upload, process
from media_ingest.imaging import _shrink_and_normalise, decoded_bytes, open_image
from media_ingest.sniff import sniff
from media_ingest.specs import PREVIEW, THUMB
from media_ingest.synthetic import png_header_only, tiff_header_only


def test_the_issue_png_is_refused_from_its_header_before_decoding() -> None:
    """10,900 x 10,900 RGBA is inside 120 MP but takes 475 MB decoded and 475 MB more for
    the full-size RGB copy the print file is made from. Its IDAT holds one row, so any
    decoding attempt would be a CorruptImage, not this refusal."""
    data = png_header_only(10_900, 10_900, "RGBA")
    assert len(data) < 200
    started = time.perf_counter()
    with pytest.raises(TooMuchMemory) as refused:
        check_upload(io.BytesIO(data))
    assert time.perf_counter() - started < 0.5
    assert refused.value.code == "too_much_memory"
    assert "950 MB of memory" in refused.value.reason
    assert "400 MB" in refused.value.reason
    with pytest.raises(TooMuchMemory):  # the worker re-checks; still nothing decoded
        process(io.BytesIO(data))


def test_the_same_pixels_in_grey_fit() -> None:
    """The bound is bytes, not pixels: 8-bit grey at the same size is 119 MB."""
    data = png_header_only(10_900, 10_900, "L")
    assert check_upload(io.BytesIO(data)).format == "PNG"


def test_a_single_strip_16_bit_tiff_counts_its_strip_buffer() -> None:
    """libtiff fills one strip (6 bytes a pixel here) beside Pillow's 4-byte RGB frame."""
    data = tiff_header_only(6000, 4000, samples=3, bits=16)
    image = open_image(io.BytesIO(data), sniff(io.BytesIO(data)))
    assert decoded_bytes(image) == 6000 * 4000 * (4 + 6)
    striped = tiff_header_only(6000, 4000, samples=3, bits=16, rows_per_strip=16)
    image = open_image(io.BytesIO(striped), sniff(io.BytesIO(striped)))
    assert decoded_bytes(image) == 6000 * 4000 * 4 + 6000 * 16 * 6
    with pytest.raises(TooMuchMemory, match="240 MB"):
        check_upload(io.BytesIO(data), limits=Limits(max_decoded_bytes=200_000_000))
    check_upload(io.BytesIO(striped), limits=Limits(max_decoded_bytes=200_000_000))


def test_the_bound_is_a_too_many_pixels_refusal_for_existing_handlers() -> None:
    assert issubclass(TooMuchMemory, TooManyPixels)
    with pytest.raises(ValueError):
        Limits(max_decoded_bytes=0)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "I;16", "RGB", "1"])
def test_strip_wise_shrink_matches_whole_frame_processing(mode: str) -> None:
    """Shrinking strip by strip gives what whole-frame convert/composite/reduce would."""
    base = Image.radial_gradient("L").resize((999, 701))
    if mode == "RGBA":
        image = Image.merge("RGBA", (base, base.rotate(90), base.transpose(0), base))
    elif mode == "LA":
        image = Image.merge("LA", (base, base.rotate(45)))
    elif mode == "P":
        image = Image.merge("RGB", (base, base, base.rotate(30))).quantize(64)
    elif mode == "I;16":
        image = base.convert("I").point(lambda v: v * 257).convert("I;16")
    elif mode == "1":
        image = base.convert("1")
    else:
        image = Image.merge("RGB", (base, base.rotate(90), base))
    factor = 3
    shrunk = _shrink_and_normalise(image, factor)
    # The reference: whole-frame flatten on white, then one reduce.
    if mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, rgba).convert("L" if mode == "LA" else "RGB")
        reference = flat.reduce(factor)
    elif mode == "I;16":
        reference = image.convert("F").point(lambda v: v / 257).convert("L").reduce(factor)
    else:
        reference = image.convert("L" if mode == "1" else "RGB").reduce(factor)
    assert shrunk.size == reference.size == (333, 234)
    assert shrunk.mode == reference.mode
    worst = max(abs(a - b) for a, b in zip(_flat(shrunk), _flat(reference), strict=True))
    assert worst <= 2  # rounding of premultiplied alpha only


def _flat(image: Image.Image) -> list[int]:
    data = image.tobytes()
    return list(data)


def test_an_rgba_png_renders_every_spec_flattened_on_white() -> None:
    image = Image.new("RGBA", (3000, 2000), (0, 0, 255, 0))
    image.paste((255, 0, 0, 255), (0, 0, 1500, 2000))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = process(io.BytesIO(buffer.getvalue()), specs=[THUMB, PREVIEW])
    preview = Image.open(io.BytesIO(result.renditions[PREVIEW].data))
    assert preview.size == (1600, 1067) and preview.mode == "RGB"
    left, right = preview.getpixel((200, 500)), preview.getpixel((1400, 500))
    assert left[0] > 240 and left[1] < 15  # opaque red stays red
    assert min(right) > 240  # transparent becomes white, not black or blue


def test_a_frame_stored_turned_counts_the_copy_its_print_file_needs() -> None:
    """A JPEG stored sideways (EXIF orientation 6) is transposed at full size for the print
    file: the same pixels upright fit where turned they do not."""
    from PIL import Image

    from media_ingest.imaging import decoded_bytes

    def jpeg(orientation: int) -> Image.Image:
        exif = Image.Exif()
        exif[0x0112] = orientation
        out = io.BytesIO()
        Image.new("RGB", (64, 48)).save(out, "JPEG", exif=exif)
        return Image.open(io.BytesIO(out.getvalue()))

    upright, turned = decoded_bytes(jpeg(1)), decoded_bytes(jpeg(6))
    assert turned - upright == 64 * 48 * 4
