"""A GIN index on the search vectors, on PostgreSQL (SQLite uses the fallback)."""

from django.db import migrations

from photolib.migration_ops import postgres_indexes


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [postgres_indexes(
        {"catalog_search_vector_gin": "ON catalog_searchdocument USING gin (vector)"})]
