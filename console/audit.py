"""The audit log: which staff member viewed, changed or exported what."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from console.models import audit
from console.text import clean_text

ACTION_LABELS = {
    "inicio_sesion": "Inició sesión",
    "login_fallido": "Intento de inicio de sesión fallido",
    "login_bloqueado": "Inicio de sesión bloqueado por demasiados intentos fallidos",
    "csrf_rechazado": "Formulario rechazado (token CSRF no válido)",
    "acceso_denegado": "Acceso denegado a una página de administradores",
    "cierre_sesion": "Cerró sesión",
    "ver_lista": "Vio la lista de conversaciones",
    "ver_conversacion": "Vio una conversación",
    "ver_panel": "Vio el panel",
    "ver_auditoria": "Vio el registro de auditoría",
    "marcar_revisada": "Marcó como revisada",
    "desmarcar_revisada": "Quitó la marca de revisada",
    "etiquetar": "Añadió una etiqueta",
    "quitar_etiqueta": "Quitó una etiqueta",
    "nota": "Escribió una nota",
    "corregir_intencion": "Corrigió una intención",
    "exportar_nlu": "Exportó correcciones (NLU YAML)",
    "exportar_csv": "Exportó conversaciones (CSV)",
    "exportar_jsonl": "Exportó conversaciones (JSONL)",
    "purga_simulada": "Simuló la purga de conversaciones antiguas",
    "purga": "Borró conversaciones antiguas (retención)",
}


def record(conn: Connection, username: str, action: str, target: str = "", detail: str = "", ip: str = "") -> None:
    conn.execute(
        insert(audit).values(
            at=datetime.now(timezone.utc),
            username=clean_text(username, 64),
            action=clean_text(action, 64),
            target=clean_text(target, 512),
            detail=clean_text(detail, 4000),
            ip=clean_text(ip, 64),
        )
    )


def entries(conn: Connection, page: int = 1, page_size: int = 100, username: str = "") -> Dict[str, Any]:
    where = [audit.c.username == username] if username else []
    total = conn.scalar(select(func.count()).select_from(audit).where(*where)) or 0
    rows: List[Dict[str, Any]] = [
        dict(r._mapping)
        for r in conn.execute(
            select(audit).where(*where).order_by(audit.c.id.desc()).limit(page_size).offset((page - 1) * page_size)
        )
    ]
    for row in rows:
        row["label"] = ACTION_LABELS.get(row["action"], row["action"])
    return {"rows": rows, "total": total, "pages": max(1, -(-total // page_size))}
