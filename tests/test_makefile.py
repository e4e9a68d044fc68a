"""The Makefile's own targets, run as a developer runs them."""

import os
import re
import subprocess

import settings


def make(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}  # not a sub-make
    return subprocess.run(["make", *args], cwd=settings.ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_make_help_lists_every_target_the_readme_names():
    shown = make("help")
    assert shown.returncode == 0, shown.stderr
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    for target in set(re.findall(r"`make ([a-z][a-z-]*)", readme)):
        assert re.search(rf"^make {target}\b", shown.stdout, re.M), target


def test_make_test_fast_leaves_out_the_browser_the_servers_and_the_slow_tests():
    collected = make("test-fast", "PYTEST_ARGS=--collect-only -q tests/e2e tests/scripts tests/test_data.py")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    names = [line for line in collected.stdout.splitlines() if "::" in line]
    assert names, collected.stdout[-3000:]
    assert not [name for name in names if name.startswith(("tests/e2e/", "tests/scripts/test_serve.py"))]
    assert not [name for name in names if "test_test_stories_pass" in name]  # marked slow
    assert re.search(r"\d+ deselected", collected.stdout)


def test_make_lint_passes():
    linted = make("lint")
    assert linted.returncode == 0, linted.stdout[-5000:] + linted.stderr[-2000:]
    assert "All checks passed!" in linted.stdout
