"""WhatsApp through Meta's Cloud API.

  channel     WhatsAppInput: the signed webhook, and answering in the background
  config      WhatsAppConfig: the WHATSAPP_* settings and what is missing
  parsing     a delivery's signature and messages, as typed values (Delivery, Inbound)
  output      WhatsAppOutput: the assistant's replies sent to one citizen
  formatting  replies as WhatsApp messages (buttons, lists, numbered menus, splitting)
  graph       the Graph API client (retries, timeouts; the token is never logged)
  store       message ids seen and numbered menus, across restarts (SQLAlchemy)

The conversation id is a keyed hash of the sender (channels/identity.py): the tracker
store never sees the phone number. The channel holds the number only while it answers
a message, in memory and in its own table (see store). Not configured (empty WHATSAPP_*
variables or PHONE_HASH_KEY) the webhook answers 503. docs/whatsapp.md is the runbook.

`channels.whatsapp.WhatsAppInput` is the class path credentials.yml names.
"""

from channels.whatsapp.channel import WhatsAppInput

__all__ = ["WhatsAppInput"]
