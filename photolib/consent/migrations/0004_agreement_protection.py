"""Protect published agreement versions in the database itself.

On PostgreSQL a trigger refuses UPDATE and DELETE of a version once it is
published (its old row has ``published_at`` set), so raw SQL cannot rewrite the
text residents agreed to. Drafts stay editable and deletable, and publishing (a
draft's row becoming published) still works; a row that is published, by
INSERT or by that UPDATE, must carry the SHA-256 of its text, computed by
PostgreSQL itself. SQLite has no such trigger; ``verify_consent_ledger``
re-hashes every published text there (and everywhere).
"""

from django.db import migrations

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION consent_agreement_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'agreement version % is published and immutable: % refused',
            OLD.id, TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.published_at IS NOT NULL
            AND NEW.text_sha256 <> encode(sha256(convert_to(NEW.text, 'UTF8')), 'hex') THEN
        RAISE EXCEPTION 'agreement version % would be published with a text_sha256 that '
            'is not the SHA-256 of its text', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_agreement_published_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON consent_agreementversion
    FOR EACH ROW EXECUTE FUNCTION consent_agreement_guard();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS consent_agreement_published_immutable ON consent_agreementversion;
DROP FUNCTION IF EXISTS consent_agreement_guard();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_record_collection_method_and_photo_withdrawal")]
    operations = [migrations.RunPython(add_trigger, drop_trigger)]
