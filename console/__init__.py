"""Staff console: review conversations, find where the assistant failed, export corrections.

Flask's own model (the flaskr tutorial): an application factory, one blueprint per area,
extensions attached with `init_app`. The web layer and what it works on are kept apart:
console/views/<area>.py handles the requests of one area, console/<module>.py holds what
the pages read and change (plain functions over a SQLAlchemy connection, no Flask).

  app         create_app(): configuration, extensions, blueprints, error pages, filters
  extensions  the Flask extensions (CSRF)
  throttle    failed logins counted per name and address (Redis or memory), per app
  db          make_engine(); the engines (own tables, tracker store) and the index of an app
  errors      the error pages, from one table
  views/      the blueprints: auth, conversations, dashboard, exports, audit (+ common)
  config      the console's settings (CONSOLE_*), read from the environment
  models      the console's tables, and Rasa's `events` table it reads
  migrate     Alembic migrations (console/migrations/)
  indexer     the incremental index of the tracker store the lists query (hostile events skipped)
  retention   deleting conversations older than the retention period (`prune`)
  queries     what the pages show (filters, lists, a transcript, the dashboard)
  work        what staff change (reviews, tags, notes, corrected intents)
  auth        staff users: password hashes, roles, checking a login
  audit       the audit log
  exports     corrections as NLU data, conversations as CSV and JSONL
  charts      the dashboard's charts (matplotlib, inline SVG)
  text        channel labels, outcomes, reading event JSON, cleaning text, accent-insensitive search
  cli         `python -m console migrate | user ... | reindex | prune | serve`
"""
