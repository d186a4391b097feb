"""Indexes the catalog's search plans rely on, on PostgreSQL (SQLite needs none).

They live on ``photos_photo`` but serve only the catalog's search, so they are made here
(after the photos app's latest migration) rather than in the photos app:

- ``taken_at DESC NULLS LAST, uploaded_at DESC``: the "date taken" sort walks it, as
  the "newest" sort walks ``uploaded_at``;
- ``UPPER(camera_make)``: the camera filter (``iexact``);
- ``(coarse_latitude, coarse_longitude)``: the bounding box of "near a point".

``bench/search.py`` measures the plans that use them.
"""

from django.db import migrations

from photolib.migration_ops import postgres_indexes

INDEXES = {
    "catalog_photo_taken_sort":
        "ON photos_photo (taken_at DESC NULLS LAST, uploaded_at DESC)",
    "catalog_photo_make_upper":
        "ON photos_photo (UPPER(camera_make::text))",
    "catalog_photo_coarse_point":
        "ON photos_photo (coarse_latitude, coarse_longitude)",
}


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_gin_index"), ("photos", "0001_initial")]
    operations = [postgres_indexes(INDEXES)]
