"""Benchmark figures as tables: printed as they are measured, and written to docs/benchmarks/.

Each serving benchmark returns `Section`s; `benchmarks.serving` (make bench) writes them
all to docs/benchmarks/serving.md with the machine they were measured on. Nothing in a
document under docs/benchmarks/ is typed by hand.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import List, Sequence

import settings

DOCS = settings.ROOT / "docs" / "benchmarks"


@dataclass
class Section:
    """One table of figures, with how they were measured."""

    title: str
    method: str
    headers: Sequence[str]
    rows: List[Sequence[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])
        print("  " + " | ".join(self.rows[-1]), flush=True)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", self.method, ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("| --- |" + " ---: |" * (len(self.headers) - 1))
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        return "\n".join(lines) + "\n"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def machine() -> str:
    """The machine and the moment, for the document's header."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except (OSError, ValueError, IndexError):
        memory, load = float("nan"), "?"
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB of memory; load average at the start: {load}"


def commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=settings.ROOT, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def write(path: Path, title: str, introduction: str, sections: Sequence[Section], about: str) -> None:
    """Write the document: title, how it was generated and on what, then each section."""
    header = [
        f"# {title}",
        "",
        introduction,
        "",
        f"Generated on {datetime.now():%Y-%m-%d %H:%M} from commit {commit()}, on {about}.",
        "Figures depend on the machine and on what else runs on it; compare runs on the same machine.",
        "",
        "",
    ]
    body = "\n".join(section.markdown() for section in sections)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header) + body, encoding="utf-8")
    print(f"\nWrote {path}")
