"""Custom Rasa input channels (configured in credentials.yml by class path).

  common          what every channel shares: never leave a citizen without a reply,
                  conversation ids and text that are safe to store
  identity        keyed-hash conversation ids for phone numbers
  signed_webhook  the base of the channels whose provider signs each request
                  (health, 503 when unconfigured, 413, 403)
  locks           one asyncio lock per key (a conversation's messages one at a time)
  rest            the REST channel with its input validated
  socketio        the website widget's Socket.IO channel, sessions fixed, input checked
  twilio          WhatsApp or SMS through Twilio (Rasa's channel, fixed)
  whatsapp/       WhatsApp through Meta's Cloud API (see its __init__ for the modules)

A new channel answers through `common.handle_message`; if its provider signs requests
it subclasses `signed_webhook.SignedWebhookInput`. Replies and errors a citizen reads
are Spanish; logs are English and never contain phone numbers or tokens.
"""
