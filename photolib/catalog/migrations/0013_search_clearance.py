"""Search documents remember whether the rights-cleared rule cleared their photo
(``cleared``, ``cleared_until``) and carry their tag ids; PostgreSQL counts and walks only
documents so marked, through indexes limited to them (see ``SearchDocument``).

On PostgreSQL, triggers unset the mark in the same transaction as any change to a row
the rule reads, so that the mark can only ever be too cautious:

- a photo whose status, dates, licence term, grant, agreement version or owner changes
  (``WATCHED_PHOTO_COLUMNS``; ``tests/catalog/test_search_clearance.py`` checks that it
  names every column of ``photos_photo`` the rule's SQL reads);
- a photo whose attestation is changed or removed;
- every photo of a person in a group when they withdraw from it (a consent record of
  ``ENDING_ACTIONS``), or any of their records there is changed or removed;
- every photo under an agreement version that is changed.

The conditions are in the functions' bodies, not in the triggers' WHEN clauses, so that
later migrations may still alter the columns they read.

Only ``catalog.search.index.refresh_clearance``, which asks ``Photo.objects.cleared()``,
sets the mark; documents that exist when this runs are marked by it after ``migrate``
(``catalog.receivers.mark_cleared_after_migrate``).
"""

from django.db import migrations, models
import photolib.catalog.models

from photolib.migration_ops import postgres_indexes

WATCHED_PHOTO_COLUMNS = ("status", "withdrawn_at", "taken_down_at", "processed_at",
                         "rights_expire_at", "consent_record_id", "agreement_version_id",
                         "owner_id")

# Consent records that end a person's grants in a group (``withdrawals()``, which the
# rule's ``withdrawn_after`` reads; the test checks the two agree).
ENDING_ACTIONS = ("WITHDRAW",)

OLD_INDEXES = {
    "catalog_search_vector_gin": "ON catalog_searchdocument USING gin (vector)",
    "catalog_doc_uploaded": "ON catalog_searchdocument (uploaded_at DESC)",
    "catalog_doc_taken_sort":
        "ON catalog_searchdocument (taken_at DESC NULLS LAST, uploaded_at DESC)",
}

INDEXES = {
    "catalog_doc_cleared_vector": "ON catalog_searchdocument USING gin (vector) WHERE cleared",
    "catalog_doc_cleared_tags": "ON catalog_searchdocument USING gin (tag_ids) WHERE cleared",
    # Newest first, and every fact a filter reads: counts and date walks over filters
    # only read this narrow index (an index-only scan), not the wide rows.
    "catalog_doc_cleared_uploaded":
        "ON catalog_searchdocument (uploaded_at DESC, photo_id) INCLUDE (taken_at, width, "
        "height, group_id, camera_make, people, coarse_latitude, coarse_longitude, "
        "cleared_until) WHERE cleared",
    "catalog_doc_cleared_until":
        "ON catalog_searchdocument (cleared_until) WHERE cleared",
    "catalog_doc_cleared_taken":
        "ON catalog_searchdocument (taken_at DESC NULLS LAST, uploaded_at DESC, photo_id) "
        "WHERE cleared",
}

_UNCLEAR = ("UPDATE catalog_searchdocument SET cleared = false, cleared_until = NULL "
            "WHERE cleared AND photo_id {target};")

TRIGGERS = f"""
CREATE FUNCTION catalog_unclear_photo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED_PHOTO_COLUMNS)} THEN
    {_UNCLEAR.format(target="= OLD.id")}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER catalog_unclear_photo AFTER UPDATE ON photos_photo FOR EACH ROW
  EXECUTE FUNCTION catalog_unclear_photo();

CREATE FUNCTION catalog_unclear_attested() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_UNCLEAR.format(target="= OLD.photo_id")}
  IF TG_OP = 'UPDATE' THEN
    {_UNCLEAR.format(target="= NEW.photo_id")}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER catalog_unclear_attested AFTER UPDATE OR DELETE ON photos_photoattestation
  FOR EACH ROW EXECUTE FUNCTION catalog_unclear_attested();

CREATE FUNCTION catalog_unclear_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  IF TG_OP = 'INSERT' AND NEW.action NOT IN ({", ".join(f"'{a}'" for a in ENDING_ACTIONS)}) THEN
    RETURN NULL;  -- a grant ends nothing; one photo's withdrawal marks that photo
  END IF;
  FOR r IN SELECT DISTINCT x.user_id, x.group_id FROM (
      SELECT NEW.user_id, NEW.group_id WHERE TG_OP <> 'DELETE'
      UNION ALL SELECT OLD.user_id, OLD.group_id WHERE TG_OP <> 'INSERT') x(user_id, group_id)
  LOOP
    {_UNCLEAR.format(target="IN (SELECT p.id FROM photos_photo p "
                             "WHERE p.owner_id = r.user_id AND p.group_id = r.group_id)")}
  END LOOP;
  RETURN NULL;
END $$;
CREATE TRIGGER catalog_unclear_member AFTER INSERT OR UPDATE OR DELETE
  ON consent_consentrecord FOR EACH ROW EXECUTE FUNCTION catalog_unclear_member();

CREATE FUNCTION catalog_unclear_agreement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_UNCLEAR.format(target="IN (SELECT p.id FROM photos_photo p "
                           "WHERE p.agreement_version_id = OLD.id)")}
  RETURN NULL;
END $$;
CREATE TRIGGER catalog_unclear_agreement AFTER UPDATE ON consent_agreementversion
  FOR EACH ROW EXECUTE FUNCTION catalog_unclear_agreement();
"""  # noqa: S608 (fixed names only)

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS catalog_unclear_photo ON photos_photo;
DROP TRIGGER IF EXISTS catalog_unclear_attested ON photos_photoattestation;
DROP TRIGGER IF EXISTS catalog_unclear_member ON consent_consentrecord;
DROP TRIGGER IF EXISTS catalog_unclear_agreement ON consent_agreementversion;
DROP FUNCTION IF EXISTS catalog_unclear_photo();
DROP FUNCTION IF EXISTS catalog_unclear_attested();
DROP FUNCTION IF EXISTS catalog_unclear_member();
DROP FUNCTION IF EXISTS catalog_unclear_agreement();
"""

TAG_IDS = """
UPDATE catalog_searchdocument d SET tag_ids = ARRAY(
    SELECT pt.tag_id FROM photos_photo_tags pt WHERE pt.photo_id = d.photo_id ORDER BY 1)
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TAG_IDS, params=None)
        schema_editor.execute(TRIGGERS, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0012_translatable_labels'),
        ('consent', '0001_initial'),
        ('photos', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchdocument',
            name='cleared',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='searchdocument',
            name='cleared_until',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='searchdocument',
            name='tag_ids',
            field=photolib.catalog.models.TagIdsField(base_field=models.IntegerField(), null=True, size=None),
        ),
        postgres_indexes(OLD_INDEXES, drop=True),
        postgres_indexes(INDEXES),
        migrations.RunPython(forward, backward),
    ]
