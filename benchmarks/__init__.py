"""Benchmarks: they print figures and assert nothing.

nlu       `make eval`: the NLU pipeline against its peers on the held-out set
latency   model load time and per-message latency over REST
whatsapp  the WhatsApp channel's webhook and reply times
web       the website chat, measured in headless Chromium
console   the staff console's index and queries on 100,000 conversations
"""
