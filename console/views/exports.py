"""Downloads: the intent corrections as Rasa NLU training data, and the filtered
conversations as CSV or JSONL (streamed). Each export is recorded in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from flask import Blueprint, Response, g, request, stream_with_context

from console import exports, queries
from console.db import get_engine, get_tracker
from console.views.common import local_zone, log_view, query_string, refresh_index

bp = Blueprint("exports", __name__, url_prefix="/exportar")


def download(body: Any, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/correcciones.yml")
def nlu() -> Any:
    with get_engine().connect() as conn:
        corrections = exports.corrections_nlu(conn, g.user.username, datetime.now(local_zone()))
    log_view("exportar_nlu", detail=f"{corrections.examples} ejemplos")
    return download(corrections.text, "correcciones.yml", "application/yaml; charset=utf-8")


def conversations(kind: str, write: Callable[..., Iterable[str]], mimetype: str) -> Response:
    """The filtered conversations as a download, streamed; the audit log keeps the filters."""
    refresh_index()
    filters, _ = queries.Filters.from_args(request.args)
    log_view(f"exportar_{kind}", detail=query_string())
    body = stream_with_context(write(get_engine(), filters, local_zone(), tracker=get_tracker()))
    return download(body, f"conversaciones.{kind}", mimetype)


@bp.route("/conversaciones.csv")
def csv() -> Any:
    return conversations("csv", exports.conversations_csv, "text/csv; charset=utf-8")


@bp.route("/conversaciones.jsonl")
def jsonl() -> Any:
    return conversations("jsonl", exports.conversations_jsonl, "application/x-ndjson; charset=utf-8")
