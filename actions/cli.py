"""Command line for the facts store.

    python -m actions.cli check  [--dir data/facts]
    python -m actions.cli load   [--dir data/facts] [--prune]
    python -m actions.cli list   [--topic T] [--country C]
    python -m actions.cli export [--output FILE]

The database is FACTS_DB_URL (SQLite under var/ by default) unless --db is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

import settings
from actions import countries
from actions.loader import LoaderError, export, load, read_dir
from actions.store import FactStore


def export_catalog(store: FactStore) -> Dict[str, List[Dict[str, Any]]]:
    """The store's content in the seed-file format (round-trips through `load`)."""
    return export(store).dict(exclude_defaults=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actions.cli", description="Almacén de hechos del Asistente Consular"
    )
    parser.add_argument("--db", help="URL SQLAlchemy (por defecto FACTS_DB_URL o var/facts.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("check", "valida los archivos YAML sin escribir"),
        ("load", "valida y carga los archivos YAML"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--dir", type=Path, default=None, help="carpeta de hechos (por defecto data/facts)")
        if name == "load":
            sub.add_argument("--prune", action="store_true", help="elimina lo que ya no está en los archivos")
    listing = commands.add_parser("list", help="lista los hechos")
    listing.add_argument("--topic")
    listing.add_argument("--country")
    export = commands.add_parser("export", help="exporta todo en el formato de data/facts")
    export.add_argument("--output", "-o", type=Path, help="archivo de salida (por defecto, la salida estándar)")
    args = parser.parse_args(argv)

    try:
        if args.command in ("check", "load"):
            catalog = read_dir(args.dir or settings.facts_dir())
            if args.command == "check":
                claims = sum(len(f.claims) for f in catalog.facts)
                print(
                    f"OK: {len(catalog.sources)} fuentes, {len(catalog.facts)} hechos ({claims} afirmaciones), "
                    f"{len(catalog.offices)} oficinas."
                )
                return 0
            store = FactStore(args.db)
            report = load(store, catalog, prune=args.prune)
            print(f"Cargado en {store.engine.url.render_as_string(hide_password=True)}: {report}.")
            return 0
        store = FactStore(args.db)
        store.create_schema()
        if args.command == "list":
            country = countries.canonical(args.country) or args.country
            facts = store.facts(topic=args.topic, country=country)
            for f in facts:
                where = f" [{', '.join(f.countries)}]" if f.countries else ""
                print(
                    f"{f.key} ({f.topic}){where}\n    {f.answer}\n    Fuente: {f.source.title}, {f.source.published_on}"
                )
                for claim in f.claims:
                    print(f"      - {claim.attribute}: {claim.value}")
            print(f"{len(facts)} hechos.")
            return 0
        text = yaml.safe_dump(export_catalog(store), allow_unicode=True, sort_keys=False, width=100)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    except LoaderError as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
