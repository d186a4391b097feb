"""Residents' data rights: the catalog's world (a resident, marketing, a reviewer) reused."""

from pathlib import Path

import pytest
from django.db import connection

from photolib.catalog import services as catalog_services
from tests.catalog.conftest import catalog_world, cleared  # noqa: F401 (fixtures)

PASSWORD = "a-long-test-password"


def download(photo, officer, campaign="Summer festival"):
    """A marketing download through the real service: the usage log and its copy."""
    return catalog_services.download_prepare(photo_id=photo.pk, user=officer, rendition="web",
                                             use="web", campaign=campaign).download


def rows_containing(needle: str) -> list[str]:
    """Every table.column whose stored text contains ``needle`` (all tables, all columns)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(
                cursor, table)]
            for column in columns:
                cursor.execute(
                    f"SELECT count(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE CAST({connection.ops.quote_name(column)} AS TEXT) LIKE %s",
                    [f"%{needle}%"])
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}")
    return found


def files_containing(root: Path, needle: str) -> list[str]:
    data = needle.encode()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and data in p.read_bytes())


@pytest.fixture
def storage_root(_file_storage) -> Path:
    return _file_storage
