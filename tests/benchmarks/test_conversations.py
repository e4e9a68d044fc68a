"""The conversation benchmark's harness (benchmarks/conversations.py): playing, scoring, the document.

The assistant's own figures are not asserted here (they are what the benchmark measures);
these tests check that the harness plays real conversations over REST, checks them, and
writes and keeps its document as documented.
"""
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from benchmarks import conversations as bench
from benchmarks.conversation_checks import CATEGORIES, CheckResult, Conversation, Turn, TurnVerdict
from benchmarks.grounding import Mention
from tests.conftest import ROOT


def conversation(cid, *turns):
    return Conversation(cid, tuple(Turn.from_dict(t) for t in turns))


# --- against the running servers -----------------------------------------------------------

@pytest.fixture(scope="module")
def one_per_category():
    """The first tuning conversation of each category."""
    chosen = {}
    for item in bench.load_split("tuning"):
        for category in item.categories:
            chosen.setdefault(category, item)
    return list({c.id: c for c in chosen.values()}.values())


def test_score_plays_every_turn_over_rest_and_checks_it(servers, one_per_category):
    report = bench.score(one_per_category, servers.rasa_url, facts_url=servers.env["FACTS_DB_URL"])
    assert [c.id for c in report.conversations] == [c.id for c in one_per_category]
    assert set(report.by_category()) == set(CATEGORIES)
    for played, written in zip(report.conversations, one_per_category):
        assert len(played.turns) == len(written.turns)
        for turn in played.turns:
            assert turn.reply.strip(), f"{played.id} turn {turn.index}: no reply"
            assert turn.latency_ms > 0
            assert (turn.verdict is None) == (turn.category is None)
    assert 0 <= report.accuracy <= 1 and 0 <= report.conversation_accuracy <= 1


def test_score_fails_a_turn_whose_reply_lacks_the_fact(servers):
    impossible = conversation("imposible", {"user": "cuantos peruanos repatriaron de jamaica?",
                                            "category": "specific_fact", "first": "novecientos noventa"})
    report = bench.score([impossible], servers.rasa_url, facts_url=servers.env["FACTS_DB_URL"])
    assert report.accuracy == 0 and report.conversation_accuracy == 0
    assert [c.name for c in report.failures[0].verdict.failed] == ["first"]


def test_each_conversation_gets_a_fresh_sender(servers):
    """Two plays of the same conversation are two citizens: nothing carries over between them."""
    from tests.conftest import stored_events

    same = conversation("mismo", {"user": "hola"}, {"user": "cuantos peruanos trajeron de bolivia",
                                                   "category": "specific_fact", "first": "72"})
    report = bench.score([same, same], servers.rasa_url, facts_url=servers.env["FACTS_DB_URL"])
    senders = [c.sender for c in report.conversations]
    assert len(set(senders)) == 2
    for sender in senders:
        assert [e["text"] for e in stored_events(servers, sender)] == ["hola", "cuantos peruanos trajeron de bolivia"]


def test_make_eval_conversations_runs_the_real_servers(tmp_path):
    """`make eval-conversations` as documented, on two tuning conversations, into a scratch document."""
    doc, replies = tmp_path / "conversations.md", tmp_path / "replies.jsonl"
    result = subprocess.run(
        ["make", "--no-print-directory", "eval-conversations", "SPLIT=tuning",
         f"CONVERSATIONS_ARGS=--limit 2 --output {doc} --replies {replies}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if k not in ("SPLIT", "BASELINE")},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    text = doc.read_text(encoding="utf-8")
    assert "## Tuning half" in text and "2 conversations (a subset)" in text
    assert "### Per category" in text and "Model load" in text
    assert "| Date (UTC) |" in text and "## Held-out scoring log" in text
    lines = [json.loads(line) for line in replies.read_text(encoding="utf-8").splitlines()]
    assert lines and all(line["reply"] for line in lines)
    assert "strict accuracy per turn" in result.stdout


# --- the document ------------------------------------------------------------------------------

def fake_report(label="actual", passed=True):
    verdict = TurnVerdict([CheckResult("first", passed, "" if passed else "«24» not in the first sentence")])
    turn = bench.TurnResult("jam-01", 1, "cuantos trajeron de jamaica", "specific_fact",
                            "Fueron 500 | peruanos\nFuente: …", 42.0, verdict,
                            [] if passed else [Mention("number", "500", 500.0)])
    return bench.Report(label, [bench.ConversationResult("jam-01", [turn])], load_seconds=12.5)


def write(path, split, reports, subset=False):
    now = dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.timezone.utc)
    commits = ["abc1234"] * len(reports)
    section = bench.split_section(split, reports, commits, now, 30, [object()], subset)
    rows = bench.log_rows(reports, commits, now, subset, 183) if split == "heldout" else []
    bench.write_document(path, split, section, rows)
    return path.read_text(encoding="utf-8")


def test_a_run_replaces_its_split_and_keeps_the_other_and_the_log(tmp_path):
    path = tmp_path / "conversations.md"
    write(path, "heldout", [fake_report()])
    write(path, "tuning", [fake_report(passed=False)])
    text = write(path, "heldout", [fake_report(passed=False), fake_report("base main")])
    assert text.count("<!-- split:tuning -->") == 1 and text.count("<!-- split:heldout -->") == 1
    log = text.split(bench.LOG_HEADER)[1]
    rows = [line for line in log.splitlines() if line.startswith("| 2026-")]
    assert len(rows) == 3  # every held-out scoring, both systems of the second one
    assert "| actual | 1 | 1.000 |" in rows[0] and "| actual | 1 | 0.000 |" in rows[1]
    assert "base main" in rows[2]


def test_the_document_lists_failures_and_ungrounded_mentions(tmp_path):
    text = write(tmp_path / "c.md", "tuning", [fake_report(passed=False)])
    assert "### Failed turns: actual (1 of 1)" in text
    assert "`jam-01` turn 1 (specific_fact)" in text and "first: «24» not in the first sentence" in text
    assert "number «500»" in text
    assert "Fueron 500 \\| peruanos ⏎ Fuente" in text  # table-safe, one line


def test_the_baseline_is_compared_in_the_same_table(tmp_path):
    text = write(tmp_path / "c.md", "tuning", [fake_report(), fake_report("base main", passed=False)])
    assert "| actual (`abc1234`) | base main (`abc1234`) |" in text
    assert "p95 × 1.00" in text and "meets the target" in text


def test_held_out_failures_are_counted_not_listed(tmp_path):
    text = write(tmp_path / "c.md", "heldout", [fake_report(passed=False)])
    assert "### Failed turns: actual (1 of 1)" in text and "Not listed for the held-out half" in text
    assert "cuantos trajeron de jamaica" not in text and "Fueron 500" not in text
    assert "`jam-01` turn 1: number «500»" in text  # ungrounded: by name and conversation


def test_a_subset_of_the_held_out_half_is_logged_as_such(tmp_path):
    text = write(tmp_path / "c.md", "heldout", [fake_report()], subset=True)
    assert "| 1 of 183 |" in text


# --- the baseline's tree and model ----------------------------------------------------------

def test_export_tree_writes_the_commit(tmp_path):
    commit = bench.export_tree("HEAD", tmp_path / "tree")
    assert commit == bench.git("rev-parse", "HEAD")
    assert (tmp_path / "tree" / "scripts" / "serve.py").exists()


def test_training_key_follows_training_inputs_not_facts(tmp_path):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "facts").mkdir()
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: []\n")
    (tmp_path / "data" / "facts" / "f.yml").write_text("facts: []\n")
    key = bench.training_key(tmp_path)
    (tmp_path / "data" / "facts" / "f.yml").write_text("facts: [changed]\n")
    assert bench.training_key(tmp_path) == key
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: [changed]\n")
    assert bench.training_key(tmp_path) != key


def test_the_command_line_refuses_an_unknown_split():
    result = subprocess.run([sys.executable, "-m", "benchmarks.conversations", "--split", "todo"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "invalid choice" in result.stderr
