"""Benchmarks: they print figures and assert nothing.

  nlu       `make eval`: the NLU pipeline against its peers on the held-out set
  conversations  `make eval-conversations`: citizens' conversations checked turn by turn
            (conversation_checks: the set's schema and checks; grounding: numbers and names
            must have a source; conversation_split: the tuning/held-out split)
  latency   model load time and per-message latency over REST
  whatsapp  the WhatsApp channel's webhook and reply times
  web       the website chat, measured in headless Chromium
  console   the staff console's index and queries on 100,000 conversations
"""
