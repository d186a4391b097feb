"""The catalog's stored objects, as ``sweep_storage`` knows them: the download copies."""

from __future__ import annotations

from photolib.catalog.models import Download
from photolib.storage_config import DOWNLOADS
from photolib.sweep import StoredFiles


def _download_keys() -> set[str]:
    return set(Download.objects.exclude(file_key="").values_list("file_key", flat=True))


# A download row is the usage log: one whose copy is gone is reported, never changed.
DOWNLOAD_COPIES = StoredFiles(alias=DOWNLOADS, known_keys=_download_keys)
