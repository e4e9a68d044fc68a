"""Custom actions of the Asistente Consular and the facts store they answer from.

Modules, one per concern (shared settings: the top-level settings.py):
  countries  country names, aliases and demonyms -> canonical names
  topics     the topics citizens ask about and the intents that map to them
  store      SQLAlchemy models and queries of the facts store
  loader     validation and idempotent loading of the reviewed YAML under data/facts/
  cli        `python -m actions.cli load|check|list|export`
  answers    choosing facts for a question and writing the cited answer
  context    what the conversation so far says (country in context, last topic)
  actions    the Rasa actions: thin wrappers over the modules above
"""
