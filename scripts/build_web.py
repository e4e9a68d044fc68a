"""Prepare the chat widget's script for serving: web/node_modules -> web/vendor/.

`make` installs rasa-webchat from the npm registry (`npm ci` in web/, exact versions in
web/package-lock.json). Its prebuilt bundle (React and the socket.io client included)
injects a CSS `@import` of a web font from a CDN; this copy leaves that out, so the
widget loads nothing from outside the server that hosts it (the font falls back to
the system's; web/chat/asistente-consular.css sets it). Fails if the bundle changed
in a way the step no longer recognises.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from settings import ROOT

PACKAGE = ROOT / "web" / "node_modules" / "rasa-webchat"
VENDOR = ROOT / "web" / "vendor"
FONT_IMPORT = re.compile(r"@import url\(https://fonts\.googleapis\.com/[^)]*\);")
REMOTE_STYLESHEET = "fonts.googleapis.com"


def build(package: Path = PACKAGE, vendor: Path = VENDOR) -> Path:
    bundle = package / "lib" / "index.js"
    if not bundle.is_file():
        raise FileNotFoundError(f"No se encontró {bundle}; ejecute `npm ci` en web/ (lo hace `make install`).")
    source = bundle.read_text(encoding="utf-8")
    cleaned, count = FONT_IMPORT.subn("", source)
    if count == 0 or REMOTE_STYLESHEET in cleaned:
        raise ValueError(f"{bundle}: no se reconoce la importación de la fuente externa; revise este paso.")
    vendor.mkdir(parents=True, exist_ok=True)
    target = vendor / "rasa-webchat.js"
    target.write_text(cleaned, encoding="utf-8")
    shutil.copyfile(package / "LICENSE", vendor / "rasa-webchat.LICENSE")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    try:
        target = build()
    except (FileNotFoundError, ValueError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(f"{target.relative_to(ROOT)} listo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
