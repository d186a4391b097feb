"""Request-side upload handling: stop receiving a file once it passes the byte limit.

Django streams file parts to a temporary file (``FILE_UPLOAD_MAX_MEMORY_SIZE`` is 2 MB); this
handler sits in front of that and skips the rest of any file larger than
``PHOTOLIB_MAX_UPLOAD_BYTES``, so an oversized upload never fills the disk either. The view
reads :attr:`MaxSizeUploadHandler.refused` to tell the resident which file was too large.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class MaxSizeUploadHandler(FileUploadHandler):
    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused: list[str] = []
        self._received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.refused.append(self.file_name or "file")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) builds the file
