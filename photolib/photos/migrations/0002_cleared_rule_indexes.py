"""Covering indexes for the rights-cleared rule, on PostgreSQL.

Search checks ``Photo.objects.cleared()`` for every candidate row, by primary key. With
these, the photo's and the attestation's part of that check are index-only probes
instead of reads of the wide photo row (``bench/search.py`` measures it). The columns
they include are written a few times in a photo's life (approval, withdrawal,
takedown), so the cost on writes is small. SQLite has no INCLUDE and needs neither.
"""

from django.db import migrations

from photolib.migration_ops import postgres_indexes

INDEXES = {
    "photo_cleared_idx":
        "ON photos_photo (id) INCLUDE (status, withdrawn_at, taken_down_at, processed_at, "
        "rights_expire_at, owner_id, consent_record_id, agreement_version_id)",
    "attestation_cleared_idx":
        "ON photos_photoattestation (photo_id) INCLUDE (own_work, people, release_key)",
}


class Migration(migrations.Migration):
    dependencies = [("photos", "0001_initial")]
    operations = [postgres_indexes(INDEXES)]
