"""SHA-256 streaming and perceptual hashing."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image

from media_ingest import hamming, perceptual_hash, process, sha256_file

from .conftest import encode, photo_like


class ChunkCheckingReader(io.BytesIO):
    """Fails the test if anyone reads the whole file (or more than one chunk) at once."""

    def __init__(self, data: bytes, max_read: int) -> None:
        super().__init__(data)
        self.max_read = max_read

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 < size <= self.max_read, f"read({size})"
        return super().read(size)


def test_sha256_matches_hashlib_and_streams() -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    reader = ChunkCheckingReader(data, max_read=1024 * 1024)
    reader.seek(123)
    assert sha256_file(reader) == hashlib.sha256(data).hexdigest()
    assert reader.tell() == 0


def test_process_reports_sha256_of_original_bytes(make_jpeg) -> None:
    fileobj = make_jpeg((320, 240))
    assert process(fileobj).sha256 == hashlib.sha256(fileobj.getvalue()).hexdigest()


def test_hamming() -> None:
    assert hamming("00ff", "00ff") == 0
    assert hamming("0000", "ffff") == 16
    assert hamming("8000000000000000", "0000000000000000") == 1
    with pytest.raises(ValueError):
        hamming("00", "000")


def test_phash_survives_recompression_and_resizing() -> None:
    original = photo_like((1200, 800), seed=3)
    recompressed = Image.open(io.BytesIO(encode(original, "JPEG", quality=60)))
    smaller = original.resize((600, 400))
    other = photo_like((1200, 800), seed=4)
    reference = perceptual_hash(original)
    assert len(reference) == 16
    assert hamming(reference, perceptual_hash(recompressed)) <= 4
    assert hamming(reference, perceptual_hash(smaller)) <= 6
    assert hamming(reference, perceptual_hash(other)) > 12


def test_pipeline_phash_of_recompressed_copy_is_close(make_jpeg) -> None:
    image = photo_like((1600, 1200), seed=7)
    first = process(make_jpeg(image=image, quality=92))
    second = process(make_jpeg(image=image, quality=70))
    assert first.sha256 != second.sha256
    assert hamming(first.phash, second.phash) <= 4
