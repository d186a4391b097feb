"""Migration operations the apps share."""

from __future__ import annotations

from django.db import migrations


def postgres_indexes(indexes: dict[str, str], *, drop: bool = False) -> migrations.RunPython:
    """Indexes only PostgreSQL has (GIN, expressions, INCLUDE): each name maps to the rest
    of its ``CREATE INDEX`` statement (``ON table ...``). Created going forward and dropped
    going back, or the other way round with ``drop``; other databases skip them."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, definition in indexes.items():
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}",
                                      params=None)

    def remove(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)

    return migrations.RunPython(remove, create) if drop else migrations.RunPython(create, remove)
