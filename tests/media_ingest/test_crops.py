"""Social-ready crops (media_ingest.crops): the four formats, the largest box of each ratio
around a focal point, and the rendered crop. No database."""

import io

import pytest
from PIL import Image

from media_ingest.crops import CROPS, CROPS_BY_NAME, crop_box, render_crop

SIZES = {"square": (1080, 1080), "portrait": (1080, 1350), "wide": (1200, 628),
         "story": (1080, 1920)}


def test_the_four_formats_are_the_sizes_the_networks_ask_for():
    assert {spec.name: spec.size for spec in CROPS} == SIZES
    for spec in CROPS:
        w, h = spec.size
        assert abs(w / h - spec.ratio[0] / spec.ratio[1]) < 0.005, spec


@pytest.mark.parametrize(("size", "ratio", "focal", "box"), [
    ((3000, 2000), (1, 1), (0.5, 0.5), (500, 0, 2500, 2000)),  # centred
    ((3000, 2000), (1, 1), (0.1, 0.5), (0, 0, 2000, 2000)),  # clamped at the left edge
    ((3000, 2000), (1, 1), (0.95, 0.2), (1000, 0, 3000, 2000)),  # and at the right
    ((3000, 2000), (1, 1), (0.4, 0.5), (200, 0, 2200, 2000)),  # follows the point
    ((2000, 3000), (191, 100), (0.5, 0.1), (0, 0, 2000, 1047)),  # tall image: full width
    ((2000, 3000), (191, 100), (0.5, 0.5), (0, 976, 2000, 2023)),
    ((3000, 2000), (9, 16), (0.5, 0.5), (938, 0, 2063, 2000)),
    ((3000, 2000), (4, 5), (-3, 7), (0, 0, 1600, 2000)),  # out-of-range points are clamped
])
def test_the_crop_box_is_the_largest_of_its_ratio_around_the_focal_point(size, ratio, focal,
                                                                         box):
    assert crop_box(size, ratio, focal) == box


def marked_jpeg(size=(3000, 2000), mark=(0.8, 0.3)) -> bytes:
    """Grey, with a red square at ``mark``."""
    image = Image.new("RGB", size, (128, 128, 128))
    cx, cy = int(mark[0] * size[0]), int(mark[1] * size[1])
    image.paste((220, 20, 20), (cx - 60, cy - 60, cx + 60, cy + 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(SIZES))
def test_a_rendered_crop_has_its_size_and_the_focal_point_where_its_box_puts_it(name):
    data = render_crop(io.BytesIO(marked_jpeg()), CROPS_BY_NAME[name], (0.8, 0.3))
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == SIZES[name]
    left, top, right, _bottom = crop_box((3000, 2000), CROPS_BY_NAME[name].ratio, (0.8, 0.3))
    scale = image.width / (right - left)
    red = image.getpixel((round((2400 - left) * scale), round((600 - top) * scale)))
    assert red[0] > 180 and red[1] < 80, red
    assert data[2:4] == b"\xff\xe0"  # JFIF first


def test_a_small_image_is_cropped_but_never_enlarged():
    data = render_crop(io.BytesIO(marked_jpeg(size=(800, 600))), CROPS_BY_NAME["story"],
                       (0.5, 0.5))
    assert Image.open(io.BytesIO(data)).size == (337, 599)
