"""Custom Rasa input channels (configured in credentials.yml by module path).

  common    what every channel shares: never leave a citizen without a reply
  rest      the REST channel with its input validated
  socketio  the website widget's Socket.IO channel, sessions fixed, input checked
"""
