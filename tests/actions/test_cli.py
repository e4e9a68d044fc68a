"""The facts CLI, run as staff would run it."""

import subprocess
import sys

import yaml

from tests.conftest import ROOT


def cli(*args, env_db=None):
    command = [sys.executable, "-m", "actions.cli"]
    if env_db:
        command += ["--db", env_db]
    return subprocess.run(command + list(args), cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_check_load_list_and_export(tmp_path):
    db = f"sqlite:///{tmp_path / 'facts.db'}"
    checked = cli("check")
    assert checked.returncode == 0 and "20 hechos (71 afirmaciones)" in checked.stdout

    loaded = cli("load", "--prune", env_db=db)
    assert loaded.returncode == 0 and "21 creados" in loaded.stdout
    again = cli("load", "--prune", env_db=db)
    assert "0 creados, 0 actualizados, 21 sin cambios, 0 eliminados" in again.stdout

    listed = cli("list", "--country", "bolivianos", env_db=db)
    assert listed.returncode == 0 and "repatriation.bolivia" in listed.stdout and "1 hechos." in listed.stdout

    out = tmp_path / "export.yml"
    exported = cli("export", "--output", str(out), env_db=db)
    assert exported.returncode == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert len(data["facts"]) == 20 and data["sources"][0]["key"] == "np-9-26"


def test_bad_data_is_reported_with_file_and_exit_code(tmp_path):
    (tmp_path / "bad.yml").write_text("facts:\n  - {key: a.b, topic: nope, source: s, answer: x}\n", encoding="utf-8")
    result = cli("check", "--dir", str(tmp_path))
    assert result.returncode == 2
    assert "bad.yml" in result.stderr and "tema desconocido" in result.stderr
    assert "Traceback" not in result.stderr
