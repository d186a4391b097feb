"""The search engines, one per database vendor, and the choice between them."""

from __future__ import annotations

from django.db import connection

from photolib.catalog.search.backends.base import SearchBackend
from photolib.catalog.search.backends.portable import PortableBackend
from photolib.catalog.search.backends.postgres import PostgresBackend
from photolib.catalog.search.backends.sqlite import SqliteBackend

# In order of preference: the first whose ``vendors`` name the database (or that names
# none, and so runs anywhere) is the one used.
BACKENDS: tuple[type[SearchBackend], ...] = (PostgresBackend, SqliteBackend, PortableBackend)

_chosen: list[SearchBackend] = []


def get_backend() -> SearchBackend:
    """The backend for the default connection's vendor, chosen on first use and kept
    (the site searches one database)."""
    if not _chosen:
        _chosen.append(next(cls() for cls in BACKENDS
                            if not cls.vendors or connection.vendor in cls.vendors))
    return _chosen[0]


__all__ = ["BACKENDS", "PortableBackend", "PostgresBackend", "SearchBackend", "SqliteBackend",
           "get_backend"]
