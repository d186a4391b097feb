"""Statistics on the search documents' coarse latitude and longitude together (the most
common pairs): a radius search's bounding box is estimated from where photos actually
are, instead of as if latitude and longitude were independent, which took a city
centre's 20,500 photos in a 3 km box for 12,000 (bench/search.py). PostgreSQL only;
ANALYZE once so that the estimate holds from now on, not from the next autovacuum."""

from django.db import migrations

TABLE = "catalog_searchdocument"
NAME = "catalog_doc_point"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv) "
                              f"ON coarse_latitude, coarse_longitude FROM {TABLE}", params=None)
        schema_editor.execute(f"ANALYZE {TABLE}", params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0016_search_unmarked'),
    ]

    operations = [
        migrations.RunPython(create, remove, elidable=False),
    ]
