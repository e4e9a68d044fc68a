"""The dashboard: conversations and messages per day, fallback and handoff rates, the
most frequent intents and unanswered questions, over at most a year (30 days by default)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from console import charts, queries
from console.db import get_engine
from console.views.common import local_zone, log_view, refresh_index

bp = Blueprint("dashboard", __name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366


@bp.route("/panel")
def index() -> Any:
    refresh_index()
    today = datetime.now(local_zone()).date()
    filters, errors = queries.Filters.from_args(request.args)
    last = filters.date_to or today
    first = filters.date_from or (last - timedelta(days=DEFAULT_DAYS - 1))
    if (last - first).days > MAX_DAYS:
        errors.append("El panel muestra como máximo un año; se acortó el periodo.")
        first = last - timedelta(days=MAX_DAYS)
    with get_engine().connect() as conn:
        board = queries.dashboard(conn, first, last)
    log_view("ver_panel", detail=f"{first.isoformat()} a {last.isoformat()}")
    return render_template(
        "dashboard.html",
        board=board,
        first=first,
        last=last,
        errors=errors,
        volume_svg=charts.volume_chart(board.days, board.conversations, board.messages),
        rates_svg=charts.rates_chart(board.days, board.fallback_rate, board.handoff_rate),
        intents_svg=charts.intents_chart(board.top_intents),
    )
