"""Streaming a ZIP to the browser while it is written, for every app that hands out one."""

from __future__ import annotations


class ZipSink:
    """A write-only, non-seekable file that collects what ``zipfile`` writes; ``drain()``
    hands the bytes written so far to a streaming response's generator."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data
