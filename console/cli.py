"""`python -m console ...`: migrate, manage staff users, index, prune, serve.

python -m console migrate
python -m console user create ana --role admin        (asks for the password twice)
python -m console user create luis --password-stdin   (reads it from standard input)
python -m console user list | passwd NAME | disable NAME | enable NAME
python -m console reindex [--rebuild]
python -m console prune [--days 180] [--apply]        (a dry run without --apply)
python -m console serve [--host 127.0.0.1] [--port 8050]

The console's own tables are in CONSOLE_DB_URL; conversations are read from
CONSOLE_TRACKER_URL (by default the same database) and pruned through CONSOLE_PRUNE_URL.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from datetime import datetime
from typing import List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from console import auth
from console.config import Settings

logger = logging.getLogger(__name__)


def _engine(settings: Settings):
    from console.db import make_engine

    return make_engine(settings.db_url)


def _tracker(settings: Settings, engine):
    """The engine that reads conversations: `engine` itself when they share the database."""
    from console.db import make_engine

    return engine if settings.tracker_database == settings.db_url else make_engine(settings.tracker_database)


def _operator() -> str:
    """Who ran a command, for the audit log."""
    try:
        name = getpass.getuser()
    except Exception:  # no user name in this environment (a container...)
        name = "sistema"
    return f"{name} (línea de comandos)"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Contraseña (mínimo 12 caracteres): ")
    if getpass.getpass("Repita la contraseña: ") != first:
        raise auth.UserError("Las contraseñas no coinciden.")
    return first


def _migrate(engine) -> None:
    from console.migrate import upgrade

    upgrade(engine)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console", description="Consola del personal del Asistente Consular."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="crea o actualiza las tablas de la consola")
    user = sub.add_parser("user", help="gestiona los usuarios del personal")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="crea un usuario")
    create.add_argument("username")
    create.add_argument("--role", choices=auth.ROLES, default="reviewer")
    create.add_argument("--password-stdin", action="store_true", help="lee la contraseña de la entrada estándar")
    passwd = user_sub.add_parser("passwd", help="cambia la contraseña (cierra sus sesiones)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    for name, text in (("disable", "desactiva un usuario"), ("enable", "reactiva un usuario")):
        user_sub.add_parser(name, help=text).add_argument("username")
    user_sub.add_parser("list", help="lista los usuarios")
    reindex = sub.add_parser("reindex", help="actualiza el índice de conversaciones")
    reindex.add_argument("--rebuild", action="store_true", help="lo rehace desde cero")
    prune = sub.add_parser("prune", help="borra las conversaciones más antiguas que el plazo de retención")
    prune.add_argument("--days", type=int, default=None, help="plazo en días (por omisión CONSOLE_RETENTION_DAYS)")
    prune.add_argument("--apply", action="store_true", help="borra de verdad (sin esta opción solo cuenta)")
    serve_parser = sub.add_parser("serve", help="inicia la consola web")
    serve_parser.add_argument("--host", default=os.environ.get("CONSOLE_HOST", "127.0.0.1"))
    serve_parser.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT", "8050")))
    args = parser.parse_args(argv)

    settings = Settings()
    engine = _engine(settings)
    try:
        if args.command == "migrate":
            _migrate(engine)
            print(f"Tablas de la consola al día en {engine.url.render_as_string(hide_password=True)}")
        elif args.command == "user":
            _migrate(engine)
            with engine.begin() as conn:
                if args.user_command == "create":
                    created = auth.create_user(conn, args.username, _password(args), args.role)
                    print(f"Usuario «{created.username}» creado con el rol {created.role_label}.")
                elif args.user_command == "passwd":
                    auth.set_password(conn, args.username, _password(args))
                    print("Contraseña cambiada; sus sesiones abiertas se cerraron.")
                elif args.user_command in ("disable", "enable"):
                    auth.set_active(conn, args.username, args.user_command == "enable")
                    print(
                        "Usuario "
                        + ("reactivado." if args.user_command == "enable" else "desactivado; sus sesiones se cerraron.")
                    )
                else:
                    rows = auth.list_users(conn)
                    if not rows:
                        print("No hay usuarios. Cree uno con: python -m console user create NOMBRE --role admin")
                    for row in rows:
                        state = "activo" if row["active"] else "desactivado"
                        print(f"{row['username']:<24} {auth.ROLE_LABELS[row['role']]:<14} {state}")
        elif args.command == "reindex":
            from console.indexer import Indexer

            _migrate(engine)
            indexer = Indexer(engine, settings.timezone, tracker=_tracker(settings, engine))
            started = time.perf_counter()
            count = indexer.rebuild() if args.rebuild else indexer.refresh(force=True)
            print(f"{count} conversaciones indexadas en {time.perf_counter() - started:.1f} s.")
        elif args.command == "prune":
            return prune_command(settings, engine, args.days, args.apply)
        elif args.command == "serve":
            return serve(settings, engine, args.host, args.port)
    except auth.UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def prune_command(settings: Settings, engine, days: Optional[int], really: bool) -> int:
    """`prune`: count (dry run) or delete the conversations older than the retention period; audited."""
    from console import audit, retention
    from console.db import make_engine
    from console.indexer import Indexer

    days = settings.retention_days if days is None else days
    if days < 1:
        print("Error: el plazo de retención debe ser de al menos un día.", file=sys.stderr)
        return 2
    _migrate(engine)
    tracker = _tracker(settings, engine)
    pruner = tracker if settings.prune_database == settings.tracker_database else make_engine(settings.prune_database)
    cutoff = retention.cutoff_for(days)
    limit = datetime.fromtimestamp(cutoff, ZoneInfo(settings.timezone)).strftime("%d/%m/%Y")
    found = retention.plan(pruner, engine, cutoff)
    summary = (
        f"{found.conversations} conversaciones con mensajes anteriores al {limit} ({days} días): "
        f"{len(found.whole)} enteras y {len(found.partial)} que siguieron después (pierden solo lo antiguo); "
        f"{found.events} eventos"
    )
    if found.index_only:
        summary += f"; {len(found.index_only)} conversaciones del índice cuyos eventos ya no existen"
    if not really:
        with engine.begin() as conn:
            audit.record(conn, _operator(), "purga_simulada", f"{days} días", summary)
        print(f"Simulación, no se borró nada. Se borrarían {summary}.")
        print("Para borrarlas: python -m console prune --apply")
        return 0
    try:
        retention.apply(pruner, engine, Indexer(engine, settings.timezone, tracker=tracker), found)
    except DBAPIError as error:
        with engine.begin() as conn:
            audit.record(conn, _operator(), "purga", f"{days} días", f"fallida: {error.orig}")
        print(
            "Error: no se pudieron borrar las conversaciones antiguas "
            f"({str(error.orig).strip().splitlines()[0]}). La consola lee las conversaciones con un usuario "
            "de solo lectura: indique en CONSOLE_PRUNE_URL uno que pueda borrarlas (docs/deployment.md).",
            file=sys.stderr,
        )
        return 1
    with engine.begin() as conn:
        audit.record(conn, _operator(), "purga", f"{days} días", summary)
    print(f"Borradas {summary}.")
    return 0


def serve(settings: Settings, engine, host: str, port: int) -> int:
    from waitress import serve as waitress_serve

    from console.app import create_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _migrate(engine)
    app = create_app(settings, engine, tracker=_tracker(settings, engine))
    try:
        app.extensions["console"]["indexer"].refresh(force=True)
    except Exception:  # the console starts anyway: the pages show what is indexed and retry
        logger.exception("The index could not be refreshed at start-up")
    print(
        f"Consola del Asistente Consular en http://{host}:{port}/\n"
        f"  Conversaciones: {app.extensions['console']['tracker'].url.render_as_string(hide_password=True)}\n"
        f"  Tablas de la consola: {engine.url.render_as_string(hide_password=True)}\n"
        "  Cree un usuario con: .venv/bin/python -m console user create NOMBRE --role admin\n"
        "Ctrl-C detiene la consola.",
        flush=True,
    )
    waitress_serve(app, host=host, port=port, threads=8, ident="consola")
    return 0
