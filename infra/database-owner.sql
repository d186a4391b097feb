-- Once, as a PostgreSQL superuser (or the managed service's admin), before the
-- first deployment: the owner role that runs migrations and owns every table.
-- Then, as that owner (DATABASE_MIGRATE_URL):
--   manage.py migrate
--   manage.py create_runtime_role --role photolib_app --password '<runtime password>'
-- and set DATABASE_URL to postgres://photolib_app:<runtime password>@host:5432/photolib.
CREATE ROLE photolib_owner LOGIN CREATEROLE PASSWORD 'change-me-owner';
CREATE DATABASE photolib OWNER photolib_owner;
\connect photolib
-- Nobody but the owner creates objects in the schema (PostgreSQL 15's default;
-- explicit for servers upgraded from older versions).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
