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
    keep: Callable[[list[str]], dict[str, str]] | None = None
    """Of the objects no row names, those that must never be deleted all the same, each
    with the reason (e.g. an original whose photo the consent evidence names: the rows may
    have been lost to a database restore). None: every orphan may go."""


_registry: dict[str, StoredFiles] = {}


def register(files: StoredFiles) -> None:
    """Register one kind of stored object (idempotent per alias)."""
    _registry[files.alias] = files


def registered() -> list[StoredFiles]:
    return [_registry[alias] for alias in sorted(_registry)]


def _s3_listing(storage: Storage):
    """The boto3 client and key prefix of a django-storages S3 backend, or None for any
    other backend."""
    connection = getattr(storage, "connection", None)
    bucket_name = getattr(storage, "bucket_name", None)
    client = getattr(getattr(connection, "meta", None), "client", None)
    if client is None or not bucket_name:
        return None
    location = (getattr(storage, "location", "") or "").strip("/")
    return client, bucket_name, f"{location}/" if location else ""


def walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name under ``path``, recursively; nothing for a folder that does not exist
    yet (a local storage nothing was written to).

    On S3 this is one paginated listing of the whole prefix (1,000 keys a request) instead of
    a listing per folder; on every other backend a recursive ``listdir``. Both give the same
    names."""
    s3 = _s3_listing(storage)
    if s3 is not None:
        client, bucket_name, prefix = s3
        start = f"{prefix}{path.strip('/')}/" if path else prefix
        for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket_name, Prefix=start):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(prefix):]
                if name and not name.endswith("/"):  # a console-made "folder" is no file
                    yield name
        return
    yield from _walk_listdir(storage, path)


def _walk_listdir(storage: Storage, path: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _walk_listdir(storage, f"{path}/{directory}" if path else directory)
