"""Complete-decode checks: damage that Pillow's decoders would paint over is refused here.

Pillow returns pixels for some damaged files without raising: the PNG decoder stops reading as
soon as it has every row (the bytes after that, and each chunk's CRC, are never checked), and
libjpeg only *warns* about damaged entropy-coded data ("Corrupt JPEG data: N extraneous bytes
before marker", "premature end of data segment", "bad Huffman code"), a warning Pillow's JPEG
decoder discards before filling the damaged blocks with grey. :func:`verify_complete` runs,
per format, the check the format allows:

- PNG: every chunk's CRC-32 (which covers every byte of the image data), IHDR first, IEND
  last, nothing cut off. Streams the file in 1 MB pieces.
- JPEG (and MPO's first frame, the one rendered): a second, strict decode by libjpeg-turbo
  through ``simplejpeg`` with ``strict=True``, which turns those warnings into errors. It
  decodes at 1/8 scale: the Huffman data of every block is still read (that is where damage
  shows), but the output is 1/64 of the pixels. The file is read into memory for it
  (bounded by ``Limits.max_bytes``). JPEG has no checksum, so damage after which the Huffman
  stream happens to re-synchronise exactly decodes to valid, wrong pixels that no decoder can
  tell from a photo; every inconsistency libjpeg notices is a refusal.
- WebP: the RIFF container (declared size equals the file, every chunk inside it). Lossy VP8
  data has no checksum and libwebp reports damage only when the token data runs out; those
  errors reach :func:`~media_ingest.imaging.pillow_guard` and refuse the file.
- TIFF, HEIF, AVIF: no container checksum; libtiff, libheif and libavif report damaged
  compressed data as errors, which the guard turns into refusals.

Every function raises :class:`~media_ingest.errors.CorruptImage` or returns warnings (text).
"""

from __future__ import annotations

import logging
import struct
import zlib
from typing import BinaryIO

from .errors import CorruptImage
from .limits import DEFAULT_LIMITS, Limits
from .sniff import SniffResult

logger = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_CHUNKS = 500_000
_READ_PIECE = 1024 * 1024


def verify_complete(
    fileobj: BinaryIO, sniffed: SniffResult, limits: Limits = DEFAULT_LIMITS
) -> list[str]:
    """Run the format's integrity check on ``fileobj`` (seekable; position left at 0).

    Returns warnings (e.g. a JPEG layout the strict decoder does not support, so only Pillow's
    own checks applied); raises :class:`CorruptImage` for damaged data.
    """
    try:
        if sniffed.format == "PNG":
            verify_png(fileobj)
        elif sniffed.format == "JPEG":
            return verify_jpeg(fileobj, limits)
        elif sniffed.format == "WEBP":
            verify_riff(fileobj)
        return []
    finally:
        fileobj.seek(0)


def verify_png(fileobj: BinaryIO) -> None:
    """Check the chunk sequence and every chunk's CRC-32; raise :class:`CorruptImage`."""
    fileobj.seek(0)
    if fileobj.read(8) != PNG_SIGNATURE:
        raise CorruptImage(detail="PNG: bad signature")
    for index in range(MAX_PNG_CHUNKS):
        header = fileobj.read(8)
        if len(header) < 8:
            raise CorruptImage(detail="PNG: the file ends before its IEND chunk")
        length, ctype = struct.unpack(">I4s", header)
        if length > 0x7FFFFFFF:
            raise CorruptImage(detail=f"PNG: invalid chunk length {length}")
        if index == 0 and ctype != b"IHDR":
            raise CorruptImage(detail=f"PNG: first chunk is {ctype!r}, not IHDR")
        crc = zlib.crc32(ctype)
        remaining = length
        while remaining:
            piece = fileobj.read(min(remaining, _READ_PIECE))
            if not piece:
                raise CorruptImage(detail=f"PNG: chunk {ctype!r} is cut off")
            crc = zlib.crc32(piece, crc)
            remaining -= len(piece)
        stored = fileobj.read(4)
        if len(stored) < 4:
            raise CorruptImage(detail=f"PNG: chunk {ctype!r} is cut off before its CRC")
        if struct.unpack(">I", stored)[0] != crc:
            raise CorruptImage(detail=f"PNG: CRC mismatch in chunk {index} {ctype!r}")
        if ctype == b"IEND":
            return
    raise CorruptImage(detail="PNG: too many chunks")


def verify_jpeg(fileobj: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Strict libjpeg-turbo decode at 1/8 scale; raise :class:`CorruptImage` on any warning.

    A file whose header the strict decoder cannot read (a sampling layout TurboJPEG does not
    handle) is left to Pillow, with a warning saying so.
    """
    import simplejpeg  # imported here: only JPEG ingest pays for it

    fileobj.seek(0)
    data = fileobj.read(limits.max_bytes + 1)
    try:
        _height, _width, colorspace, _subsampling = simplejpeg.decode_jpeg_header(data)
    except ValueError as exc:
        logger.info("strict JPEG check skipped: %s", exc)
        return [f"JPEG data could not be verified strictly ({exc})"[:200]]
    target = "CMYK" if colorspace in ("CMYK", "YCCK") else "GRAY"
    try:
        simplejpeg.decode_jpeg(data, colorspace=target, min_factor=8, strict=True)
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise CorruptImage(detail=f"JPEG: {exc}"[:500]) from exc
    return []


def verify_riff(fileobj: BinaryIO) -> None:
    """WebP's RIFF container: declared size equals the file; every chunk lies inside it."""
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    head = fileobj.read(12)
    if len(head) < 12:
        raise CorruptImage(detail="WebP: file shorter than its RIFF header")
    (declared,) = struct.unpack("<I", head[4:8])
    if declared + 8 != size and declared + 8 + 1 != size:  # one pad byte is tolerated
        raise CorruptImage(detail=f"WebP: RIFF declares {declared + 8} bytes, file has {size}")
    position = 12
    for _ in range(MAX_PNG_CHUNKS):
        if position + 8 > declared + 8:
            break
        fileobj.seek(position)
        chunk = fileobj.read(8)
        if len(chunk) < 8:
            raise CorruptImage(detail="WebP: chunk header cut off")
        (length,) = struct.unpack("<I", chunk[4:8])
        position += 8 + length + (length & 1)
        if position > declared + 8 + (length & 1):
            raise CorruptImage(detail=f"WebP: chunk {chunk[:4]!r} runs past the end of the file")
    else:
        raise CorruptImage(detail="WebP: too many chunks")
