-- PostgreSQL for the assistant and its staff console: four roles, two databases
-- (docs/deployment.md, "Databases, roles and grants"). Run once, before the first start,
-- as a superuser:
--
--     psql -v ON_ERROR_STOP=1 -f deploy/postgres/databases.sql
--
-- then give each role its password (ALTER ROLE ... PASSWORD '...') or your own
-- authentication, and, after Rasa's first start has created its `events` table,
-- deploy/postgres/grants.sql. tests/console/test_separation.py runs both scripts.
--
--   asistente_rasa     the Rasa servers: owns the conversations (TRACKER_STORE_URL)
--   asistente_consola  the console: owns its own tables (CONSOLE_DB_URL)
--   asistente_lector   the console reading conversations: SELECT on `events` only (CONSOLE_TRACKER_URL)
--   asistente_purga    `python -m console prune`: SELECT and DELETE on `events` (CONSOLE_PRUNE_URL)

CREATE ROLE asistente_rasa LOGIN;
CREATE ROLE asistente_consola LOGIN;
CREATE ROLE asistente_lector LOGIN;
CREATE ROLE asistente_purga LOGIN;

-- The conversations: only Rasa writes them; the console's reader and pruner may connect.
CREATE DATABASE asistente_conversaciones OWNER asistente_rasa;
REVOKE ALL ON DATABASE asistente_conversaciones FROM PUBLIC;
GRANT CONNECT ON DATABASE asistente_conversaciones TO asistente_lector, asistente_purga;

-- The console's own tables (staff, reviews, tags, notes, corrections, audit log, index):
-- Rasa's role cannot even connect, so credentials of a Rasa host cannot add staff or edit
-- the audit log.
CREATE DATABASE asistente_consola OWNER asistente_consola;
REVOKE ALL ON DATABASE asistente_consola FROM PUBLIC;

\connect asistente_conversaciones
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO asistente_rasa;
GRANT USAGE ON SCHEMA public TO asistente_lector, asistente_purga;

\connect asistente_consola
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO asistente_consola;
