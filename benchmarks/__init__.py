"""Benchmarks: they print figures, write them to docs/benchmarks/, and assert nothing.

  nlu       `make eval`: the NLU pipeline against its peers on the held-out set (nlu.md)
  conversations  `make eval-conversations`: citizens' conversations checked turn by turn
            (conversation_checks: the set's schema and checks; grounding: numbers and names
            must have a source; conversation_split: the tuning/held-out split)
  serving   `make bench`: one deployment measured on every channel (serving.md), from
  latency   the start-up, memory and latency per message over REST
  whatsapp  the WhatsApp channel's webhook and reply times
  web       the website chat, measured in headless Chromium
  console   the staff console's index and queries on 100,000 conversations
  report    the tables and the documents they are written to

Figures in docs/benchmarks/ come from these runs only; nothing there is typed by hand.
"""
