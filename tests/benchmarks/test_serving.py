"""`make bench` runs and writes its document (small sizes: the figures themselves are not checked)."""

import os
import re
import subprocess

import pytest

import settings

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.browser]

SECTIONS = [
    "## Start-up and memory",
    "## Latency per message over REST",
    "## WhatsApp channel",
    "## Website chat",
    "## WhatsApp message ids",
    "## Staff console on 200 conversations",
]


def test_make_bench_writes_the_serving_document(tmp_path):
    output = tmp_path / "serving.md"
    arguments = f"--no-train --messages 5 --rounds 1 --conversations 200 --output {output}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    run = subprocess.run(
        ["make", "bench", f"BENCH_ARGS={arguments}"],
        cwd=settings.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    document = output.read_text(encoding="utf-8")
    assert document.startswith("# Serving benchmark")
    positions = [document.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    for section in document.split("\n## ")[1:]:
        rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
        assert rows and all(re.search(r"\d", row) for row in rows), section
