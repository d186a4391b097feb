"""``manage.py create_runtime_role --role NAME [--password PW]``: the site's database role.

Run as the owner role (the one that runs migrations: ``DATABASE_MIGRATE_URL``
when set). The runtime role the web processes and workers connect as owns
nothing and may only read and write rows, never change tables, so it cannot
switch off the ledger's triggers. On the ledger it may only SELECT and INSERT
(on its evidence rows also DELETE, for erasure, never UPDATE);
the ledger head it may also UPDATE (every append advances it); agreement
versions it may change as drafts, where the trigger of migration 0004 guards
published rows. Idempotent: each run sets the role's privileges to exactly
these, on every current table, and ``ALTER DEFAULT PRIVILEGES`` gives tables of
later migrations the ordinary row privileges (run it again after each migrate so
special tables get their narrower ones). PostgreSQL only.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from psycopg import sql

# Tables whose rows the runtime role may not freely change: table → privileges.
# Every other table gets ROW_PRIVILEGES. Never TRUNCATE, REFERENCES or TRIGGER.
ROW_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
RESTRICTED_TABLES: dict[str, tuple[str, ...]] = {
    "consent_consentrecord": ("SELECT", "INSERT"),
    # The personal data beside each record: written once, deleted by erasure, never changed.
    "consent_consentevidence": ("SELECT", "INSERT", "DELETE"),
    "consent_ledgerhead": ("SELECT", "INSERT", "UPDATE"),
    # Drafts are edited, published (an UPDATE) and deleted; the trigger refuses both
    # for a published row.
    "consent_agreementversion": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "django_migrations": ("SELECT",),
}
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Command(BaseCommand):
    help = ("Create or update the database role the site and workers run as: it owns "
            "nothing and may not change or truncate the consent ledger (PostgreSQL).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--role", required=True,
                            help="the runtime role's name (lower case, digits, _)")
        parser.add_argument("--password", default=None,
                            help="set this password (omit to keep the role's current one)")

    def handle(self, *args, role: str, password: str | None, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("create_runtime_role works on PostgreSQL only; SQLite has no "
                               "roles (the embedded default runs as one local process).")
        if not ROLE_NAME.match(role):
            raise CommandError(f"--role {role!r}: use lower-case letters, digits and _ (at most "
                               "63), starting with a letter or _.")
        try:
            exists, database, present = self._apply(role, password)
        except DatabaseError as exc:
            raise CommandError(
                f"PostgreSQL refused: {exc}. Run this as the owner role (DATABASE_MIGRATE_URL "
                "when set); creating or altering a role needs CREATEROLE.") from exc
        verb = "Updated" if exists else "Created"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} runtime role {role} on {database}: row privileges on {len(present)} "
            f"tables; the consent ledger SELECT and INSERT only; no TRUNCATE, no ownership. "
            f"Set DATABASE_URL to connect as {role}."))

    def _apply(self, role: str, password: str | None) -> tuple[bool, str, set[str]]:
        """Everything in one transaction; returns (role existed, database, tables)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            if role == owner:
                raise CommandError(f"--role {role} is the role this command connects as (the "
                                   "owner); the runtime role must be a different one.")
            raw = connection.connection
            ident = sql.Identifier(role)

            def run(statement: sql.Composable) -> None:
                cursor.execute(statement.as_string(raw))

            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            exists = cursor.fetchone() is not None
            attributes = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                                 "NOBYPASSRLS")
            if password is not None:
                attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
            run(sql.SQL("ALTER ROLE {} {}" if exists else "CREATE ROLE {} {}").format(
                ident, attributes))
            self._refuse_if_powerful(cursor, role, owner, database)
            names = {"db": sql.Identifier(database), "schema": sql.Identifier(schema),
                     "role": ident, "owner": sql.Identifier(owner)}
            run(sql.SQL("GRANT CONNECT ON DATABASE {db} TO {role}").format(**names))
            run(sql.SQL("GRANT USAGE ON SCHEMA {schema} TO {role}").format(**names))
            run(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}").format(**names))
            run(sql.SQL("GRANT {privs} ON ALL TABLES IN SCHEMA {schema} TO {role}").format(
                privs=sql.SQL(", ".join(ROW_PRIVILEGES)), **names))
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
            present = {name for (name,) in cursor.fetchall()}
            for table, privileges in RESTRICTED_TABLES.items():
                if table not in present:
                    continue
                target = sql.Identifier(schema, table)
                run(sql.SQL("REVOKE ALL ON {} FROM {}").format(target, ident))
                run(sql.SQL("GRANT {} ON {} TO {}").format(
                    sql.SQL(", ".join(privileges)), target, ident))
            run(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
                .format(**names))
            run(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
                .format(**names))
            run(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                        "GRANT {privs} ON TABLES TO {role}").format(
                privs=sql.SQL(", ".join(ROW_PRIVILEGES)), **names))
            run(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                        "GRANT USAGE, SELECT ON SEQUENCES TO {role}").format(**names))
        return exists, database, present

    @staticmethod
    def _refuse_if_powerful(cursor, role: str, owner: str, database: str) -> None:
        """The runtime role must own nothing here and must not act as the owner."""
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s", [role])
        owned = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
        acts_as_owner = cursor.fetchone()[0]
        cursor.execute("SELECT d.datdba = r.oid FROM pg_database d, pg_roles r "
                       "WHERE d.datname = %s AND r.rolname = %s", [database, role])
        owns_database = cursor.fetchone()[0]
        if owned or acts_as_owner or owns_database:
            raise CommandError(
                f"Role {role} owns {owned} tables or sequences"
                f"{', owns the database' if owns_database else ''}"
                f"{', or is a member of ' + owner if acts_as_owner else ''}: a runtime role "
                "must own nothing. Use a new role name, or REASSIGN OWNED BY it to the owner.")
