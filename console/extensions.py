"""The Flask extensions of the console, created once and attached to an app by
console.app.create_app with `init_app` (Flask's extension pattern).

  csrf     every form carries a CSRF token (Flask-WTF)

Login throttling is the console's own, attached per app (console.throttle): its counters
must be shared by every console process (Redis), and an app must not share them with
another app of the same process.
"""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
