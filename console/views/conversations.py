"""Conversations: the filtered list, one conversation, and what staff change on it
(reviewed mark, tags, notes, corrected intents), each change recorded in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from console import queries, work
from console import text as console_text
from console.db import get_engine, get_tracker
from console.views.common import audited, local_zone, log_view, query_string, refresh_index

# The largest ID the databases' INTEGER columns hold: a larger one in a URL is simply not found.
MAX_ID = 2**31 - 1

bp = Blueprint("conversations", __name__)


@bp.route("/")
def home() -> Any:
    return redirect(url_for("conversations.index"))


@bp.route("/conversaciones")
def index() -> Any:
    refresh_index()
    zone = local_zone()
    filters, errors = queries.Filters.from_args(request.args)
    with get_engine().connect() as conn:
        page = queries.list_conversations(conn, filters, zone, current_app.config["CONSOLE_PAGE_SIZE"])
        known = queries.known_intents(conn)
        labels = queries.known_tags(conn)
    log_view("ver_lista", detail=query_string())
    yesterday = datetime.now(zone).date() - timedelta(days=1)
    return render_template(
        "list.html",
        page=page,
        filters=filters,
        errors=errors,
        intents=known,
        tags=labels,
        yesterday=yesterday,
        outcomes=console_text.OUTCOME_LABELS,
    )


def load_conversation(conversation_id: int) -> Dict[str, Any]:
    """The indexed conversation, or 404."""
    if conversation_id > MAX_ID:
        abort(404)
    with get_engine().connect() as conn:
        found = queries.conversation(conn, conversation_id)
    if found is None:
        abort(404)
    return found


@bp.route("/conversaciones/<int:conversation_id>")
def view(conversation_id: int) -> Any:
    refresh_index()
    found = load_conversation(conversation_id)
    with get_engine().connect() as conn, get_tracker().connect() as source:
        items = queries.transcript(conn, found["sender_id"], local_zone(), source)
        staff_work = queries.staff_work(conn, found["sender_id"])
        labels = queries.known_tags(conn)
    log_view("ver_conversacion", target=found["sender_id"])
    return render_template(
        "transcript.html",
        conversation=found,
        items=items,
        work=staff_work,
        intents=current_app.config["CONSOLE_INTENTS"],
        tags=labels,
        channel=console_text.channel_label(found["channel"]),
        back=request.args.get("volver", ""),
    )


def back_to(conversation_id: int, anchor: str = "") -> Any:
    return redirect(url_for("conversations.view", conversation_id=conversation_id) + anchor)


@bp.route("/conversaciones/<int:conversation_id>/revisada", methods=["POST"])
def mark_reviewed(conversation_id: int) -> Any:
    sender = load_conversation(conversation_id)["sender_id"]
    reviewed = request.form.get("revisada") == "1"
    with audited("marcar_revisada" if reviewed else "desmarcar_revisada", sender) as change:
        work.set_reviewed(change.conn, sender, g.user.username, reviewed)
    flash("Conversación marcada como revisada." if reviewed else "Se quitó la marca de revisada.", "ok")
    return back_to(conversation_id)


@bp.route("/conversaciones/<int:conversation_id>/etiquetas", methods=["POST"])
def add_tag(conversation_id: int) -> Any:
    sender = load_conversation(conversation_id)["sender_id"]
    try:
        with audited("etiquetar", sender) as change:
            change.detail = work.add_tag(change.conn, sender, request.form.get("etiqueta") or "", g.user.username)
        flash(f"Etiqueta «{change.detail}» añadida.", "ok")
    except work.WorkError as error:
        flash(str(error), "error")
    return back_to(conversation_id)


@bp.route("/conversaciones/<int:conversation_id>/etiquetas/quitar", methods=["POST"])
def remove_tag(conversation_id: int) -> Any:
    sender = load_conversation(conversation_id)["sender_id"]
    tag = (request.form.get("etiqueta") or "")[:64]
    with audited("quitar_etiqueta", sender, tag) as change:
        work.remove_tag(change.conn, sender, tag)
    flash(f"Etiqueta «{tag}» quitada.", "ok")
    return back_to(conversation_id)


@bp.route("/conversaciones/<int:conversation_id>/notas", methods=["POST"])
def add_note(conversation_id: int) -> Any:
    sender = load_conversation(conversation_id)["sender_id"]
    try:
        with audited("nota", sender) as change:
            work.add_note(change.conn, sender, request.form.get("nota") or "", g.user.username)
        flash("Nota guardada.", "ok")
    except work.WorkError as error:
        flash(str(error), "error")
    return back_to(conversation_id)


@bp.route("/conversaciones/<int:conversation_id>/mensajes/<int:event_id>/intencion", methods=["POST"])
def correct_intent(conversation_id: int, event_id: int) -> Any:
    sender = load_conversation(conversation_id)["sender_id"]
    if event_id > MAX_ID:
        abort(404)
    intent = (request.form.get("intencion") or "").strip()
    try:
        with (
            audited("corregir_intencion", sender, f"evento {event_id}: {intent or '(sin corrección)'}") as change,
            get_tracker().connect() as source,
        ):
            allowed = current_app.config["CONSOLE_INTENTS"]
            work.correct_intent(change.conn, sender, event_id, intent, g.user.username, allowed, source)
        flash(f"Intención corregida a «{intent}»." if intent else "Corrección eliminada.", "ok")
    except work.WorkError as error:
        flash(str(error), "error")
    return back_to(conversation_id, f"#m{event_id}")
