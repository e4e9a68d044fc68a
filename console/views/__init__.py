"""The console's pages, one blueprint per area (registered by console.app.create_app).

  auth           login and logout, and the login check every request goes through
  conversations  the list and its filters, one conversation, and what staff change there
  dashboard      volumes, rates and unanswered questions per day
  exports        corrections as NLU training data, conversations as CSV and JSONL
  audit          the audit log (administrators only)
  common         what the views share: the time zone, auditing, admin_required

Each module defines `bp`; what a page reads or changes lives outside the views
(console.queries, console.work, console.exports, console.audit, console.auth), so a page
is request handling only. A new area (knowledge, handoff) is a new module here with its
`bp`, added to BLUEPRINTS; its URLs and form fields are Spanish, like the others.
"""

from __future__ import annotations

from console.views import audit, auth, common, conversations, dashboard, exports

BLUEPRINTS = (auth.bp, conversations.bp, dashboard.bp, exports.bp, audit.bp)

__all__ = ["BLUEPRINTS", "common"]
