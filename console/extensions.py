"""The Flask extensions of the console, created once and attached to an app by
console.app.create_app with `init_app` (Flask's extension pattern).

  csrf     every form carries a CSRF token (Flask-WTF)
  limiter  login attempts per client address (Flask-Limiter; the limit is the app's
           CONSOLE_LOGIN_LIMIT). Its counters are kept in memory by this one object: an
           app created later in the same process (a test) starts them afresh.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)
