"""Custom Rasa input channels (configured in credentials.yml by module path).

  common           what every channel shares: never leave a citizen without a reply
  rest             the REST channel with its input validated
  socketio         the website widget's Socket.IO channel, sessions fixed, input checked
  whatsapp         WhatsApp through Meta's Cloud API (signed webhook, answers in the background)
  whatsapp_format  the assistant's replies as WhatsApp messages (buttons, lists, splitting)
  whatsapp_graph   sending through the Graph API (retries, timeouts)
  whatsapp_store   message ids seen and numbered menus (SQLAlchemy)
  twilio           WhatsApp or SMS through Twilio (Rasa's channel, fixed)
  identity         keyed-hash conversation ids for phone numbers
"""
