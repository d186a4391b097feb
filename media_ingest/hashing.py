"""Content hashes: SHA-256 of the original bytes and a perceptual hash of the picture.

The perceptual hash is ImageHash's dHash (64-bit gradient hash, 16 hex digits) computed from an
image that is already decoded and small (the pipeline passes its smallest rendition, oriented and
in sRGB), so it costs well under a millisecond. Re-encoded and resized copies differ by a few
bits; compare with :func:`hamming` (<= 10 of 64 bits is a likely duplicate). dHash rather than
pHash because pHash pulls in SciPy (~20 MB more RSS per worker) for no gain on duplicate
detection of re-encoded copies. ImageHash (and NumPy) are imported on first use, so web
processes that only call ``check_upload`` never load them.
"""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from PIL import Image

CHUNK_SIZE = 1024 * 1024
HASH_SIZE = 8  # 8x8 bits -> 16 hex digits


def sha256_file(fileobj: BinaryIO, *, chunk_size: int = CHUNK_SIZE) -> str:
    """Hex SHA-256 of the whole file, streamed from the start in ``chunk_size`` reads.

    Never holds more than one chunk in memory. Leaves the position at 0.
    """
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(chunk_size):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def perceptual_hash(image: Image.Image) -> str:
    """dHash of a decoded image as 16 lowercase hex digits (ImageHash's string form)."""
    import imagehash

    return str(imagehash.dhash(image, hash_size=HASH_SIZE))


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes of equal length (ValueError otherwise)."""
    if len(a) != len(b):
        raise ValueError("hashes must have the same length")
    return (int(a, 16) ^ int(b, 16)).bit_count()
