"""Who owns which stored objects: the registry ``manage.py sweep_storage`` walks.

Each app registers, in its ``AppConfig.ready()``, one :class:`StoredFiles` per kind of object
it keeps (photos: originals and renditions; the catalog: download copies), saying which
storage alias holds them, which keys its rows name, and what ``--delete`` does with rows whose
object is gone. The sweep then never mistakes one app's files for another's orphans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.files.storage import Storage


@dataclass(frozen=True)
class StoredFiles:
    alias: str
    """The storage alias that holds these objects (nothing else may share it)."""
    known_keys: Callable[[], set[str]]
    """Every key the owner's rows name."""
    forget_missing: Callable[[list[str]], str] | None = None
    """With ``--delete``: settle rows whose object is gone; returns what it did, for the
    report. None: such rows are only reported (they are evidence, never changed here)."""


_registry: dict[str, StoredFiles] = {}


def register(files: StoredFiles) -> None:
    """Register one kind of stored object (idempotent per alias)."""
    _registry[files.alias] = files


def registered() -> list[StoredFiles]:
    return [_registry[alias] for alias in sorted(_registry)]


def walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name under ``path``, recursively (works on every storage backend); nothing
    for a folder that does not exist yet (a local storage nothing was written to)."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from walk(storage, f"{path}/{directory}" if path else directory)
