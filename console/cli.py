"""`python -m console ...`: migrate, manage staff users, index, serve.

python -m console migrate
python -m console user create ana --role admin        (asks for the password twice)
python -m console user create luis --password-stdin   (reads it from standard input)
python -m console user list | passwd NAME | disable NAME | enable NAME
python -m console reindex [--rebuild]
python -m console serve [--host 127.0.0.1] [--port 8050]
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from typing import List, Optional

from console import auth
from console.config import Settings


def _engine(settings: Settings):
    from console.db import make_engine

    return make_engine(settings.db_url)


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
            indexer = Indexer(engine, settings.timezone)
            started = time.perf_counter()
            count = indexer.rebuild() if args.rebuild else indexer.refresh(force=True)
            print(f"{count} conversaciones indexadas en {time.perf_counter() - started:.1f} s.")
        elif args.command == "serve":
            return serve(settings, engine, args.host, args.port)
    except auth.UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def serve(settings: Settings, engine, host: str, port: int) -> int:
    from waitress import serve as waitress_serve

    from console.app import create_app

    _migrate(engine)
    app = create_app(settings, engine)
    app.extensions["console"]["indexer"].refresh(force=True)
    print(
        f"Consola del Asistente Consular en http://{host}:{port}/\n"
        f"  Conversaciones: {engine.url.render_as_string(hide_password=True)}\n"
        "  Cree un usuario con: .venv/bin/python -m console user create NOMBRE --role admin\n"
        "Ctrl-C detiene la consola.",
        flush=True,
    )
    waitress_serve(app, host=host, port=port, threads=8, ident="consola")
    return 0
