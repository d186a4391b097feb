"""Synthetic inputs for the library's tests and benchmarks (not used by ingest itself).

:func:`png_header_only` and :func:`tiff_header_only` declare a size their few bytes of
image data cannot fill: anything that decodes them fails, so a test that expects a size
refusal also shows the refusal came from the headers, before decoding.

Pillow can create sRGB, LAB and XYZ profiles but no wide-gamut one, so a Display P3
profile is assembled here by hand, byte by byte, from the primaries' chromaticities.
"""

from __future__ import annotations

import struct
import zlib


def display_p3_icc() -> bytes:
    """A minimal ICC v2 matrix/TRC RGB profile with Display P3 primaries (D65, gamma 2.2)."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz_tag(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    def to_xyz(x: float, y: float) -> tuple[float, float, float]:
        return (x / y, 1.0, (1 - x - y) / y)

    primaries = [to_xyz(0.680, 0.320), to_xyz(0.265, 0.690), to_xyz(0.150, 0.060)]
    white = to_xyz(0.3127, 0.3290)
    m = [[primaries[j][i] for j in range(3)] for i in range(3)]

    def det(a: list[list[float]]) -> float:
        return (
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        )

    scale = []
    for col in range(3):
        mc = [row[:] for row in m]
        for row in range(3):
            mc[row][col] = white[row]
        scale.append(det(mc) / det(m))
    rgb_to_xyz = [[m[i][j] * scale[j] for j in range(3)] for i in range(3)]
    bradford = [
        [1.0478112, 0.0228866, -0.0501270],
        [0.0295424, 0.9904844, -0.0170491],
        [-0.0092345, 0.0150436, 0.7521316],
    ]
    adapted = [
        [sum(bradford[i][k] * rgb_to_xyz[k][j] for k in range(3)) for j in range(3)]
        for i in range(3)
    ]
    columns = [(adapted[0][j], adapted[1][j], adapted[2][j]) for j in range(3)]
    text = b"Display P3 (synthetic)"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 78
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"cprt", b"text\0\0\0\0synthetic\0"),
        (b"wtpt", xyz_tag((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz_tag(columns[0])),
        (b"gXYZ", xyz_tag(columns[1])),
        (b"bXYZ", xyz_tag(columns[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">I", offset + len(body))
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    return header + table + body


_PNG_COLOUR_TYPES = {"L": 0, "RGB": 2, "P": 3, "LA": 4, "RGBA": 6}


def png_header_only(width: int, height: int, mode: str = "RGBA", bit_depth: int = 8) -> bytes:
    """A valid PNG chunk sequence (CRCs right) declaring ``width`` x ``height`` pixels of
    ``mode``, whose IDAT holds one row only."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, _PNG_COLOUR_TYPES[mode], 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def tiff_header_only(
    width: int, height: int, *, samples: int = 3, bits: int = 16, rows_per_strip: int = 0
) -> bytes:
    """A little-endian baseline TIFF declaring ``width`` x ``height`` uncompressed pixels of
    ``samples`` x ``bits``, in strips of ``rows_per_strip`` rows (0: one strip), with 16
    bytes of pixel data."""
    rows = rows_per_strip or height
    strips = -(-height // rows)
    photometric = 2 if samples >= 3 else 1
    entries: list[tuple[int, int, int, int]] = []  # tag, type, count, value/offset
    data_offset = 8
    pixel_offset = data_offset
    extra = b""
    bits_offset = pixel_offset + 16
    extra_bits = struct.pack("<" + "H" * samples, *([bits] * samples)) if samples > 2 else b""
    strip_table_offset = bits_offset + len(extra_bits)
    offsets = struct.pack("<" + "I" * strips, *([pixel_offset] * strips))
    counts = struct.pack("<" + "I" * strips, *([16] * strips))
    extra = b"\0" * 16 + extra_bits + offsets + counts
    ifd_offset = data_offset + len(extra)
    ifd_offset += ifd_offset & 1
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, samples, bits_offset if samples > 2 else bits),
        (259, 3, 1, 1),
        (262, 3, 1, photometric),
        (273, 4, strips, strip_table_offset if strips > 1 else pixel_offset),
        (277, 3, 1, samples),
        (278, 4, 1, rows),
        (279, 4, strips, strip_table_offset + 4 * strips if strips > 1 else 16),
        (284, 3, 1, 1),
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 and count == 1 else struct.pack(
            "<I", value
        )
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    ifd += struct.pack("<I", 0)
    head = b"II*\0" + struct.pack("<I", ifd_offset)
    body = extra + b"\0" * (ifd_offset - data_offset - len(extra))
    return head + body + ifd
