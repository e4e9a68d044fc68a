-- After Rasa's first start has created its `events` table in asistente_conversaciones
-- (see databases.sql), as a superuser or as asistente_rasa:
--
--     psql -v ON_ERROR_STOP=1 -d asistente_conversaciones -f deploy/postgres/grants.sql
--
-- The console reads the events and nothing else; the pruner may also delete them. Neither
-- may insert or change one.

\connect asistente_conversaciones
GRANT SELECT ON TABLE events TO asistente_lector;
GRANT SELECT, DELETE ON TABLE events TO asistente_purga;
