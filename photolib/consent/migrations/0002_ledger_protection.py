"""Protect the ledger in the database itself, and create the ledger head.

On PostgreSQL a trigger refuses every UPDATE and DELETE on consent records, so
not even raw SQL from the application's role can rewrite history. (TRUNCATE is
left to the table owner, which the application role should not be.) SQLite has
no such trigger here; ``verify_consent_ledger`` finds tampering there.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION consent_record_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent records are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_record_append_only
    BEFORE UPDATE OR DELETE ON consent_consentrecord
    FOR EACH ROW EXECUTE FUNCTION consent_record_refuse_change();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS consent_record_append_only ON consent_consentrecord;
DROP FUNCTION IF EXISTS consent_record_refuse_change();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


def create_head(apps, schema_editor):
    LedgerHead = apps.get_model("consent", "LedgerHead")
    LedgerHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS_HASH})


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
