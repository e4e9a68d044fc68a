"""Conversation benchmark (`make eval-conversations`): citizens' conversations, checked turn by turn.

Starts the real action and Rasa servers (scripts/serve.py, throw-away SQLite stores),
plays every conversation of a split of the conversation set (tests/conversations/) over
the REST channel, a fresh sender per conversation, checks every turn
(benchmarks/conversation_checks.py) and every reply's numbers and names
(benchmarks/grounding.py), and writes docs/benchmarks/conversations.md.

    python -m benchmarks.conversations                       # tuning half
    python -m benchmarks.conversations --split heldout       # held-out half (logged in the document)
    python -m benchmarks.conversations --baseline main       # the same run against another commit too

With --baseline, that commit is exported to a temporary directory, its model is trained
there unless one trained from the same inputs is cached (var/eval-models/), its servers
are started with this venv, and both systems answer the same conversations, one
conversation after the other in alternating order, so that load on the machine affects
both alike. Importable: `score(conversations, rasa_url)` plays and checks against
servers already running.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import requests

from benchmarks import latency
from benchmarks.conversation_checks import (
    CATEGORIES,
    CheckResult,
    Conversation,
    TurnVerdict,
    check_reply,
    load_conversations,
    reply_text,
)
from benchmarks.grounding import Corpus, Mention, build_corpus, ungrounded

ROOT = Path(__file__).resolve().parent.parent
SET_DIR = ROOT / "tests" / "conversations"
SPLITS = {"tuning": SET_DIR / "tuning.yml", "heldout": SET_DIR / "heldout.yml"}
DOC = ROOT / "docs" / "benchmarks" / "conversations.md"
NOTES = Path(__file__).with_name("conversations_notes.md")
MODEL_CACHE = ROOT / "var" / "eval-models"
CURRENT_MODEL = ROOT / "models" / "asistente.tar.gz"
P95_RATIO_TARGET = 1.3
REQUEST_TIMEOUT = 60
# What a change to retrains (as the Makefile's TRAIN_INPUTS): facts are read at run time.
TRAIN_GLOBS = ("config.yml", "domain.yml", "components/*.py", "data/**/*.yml")


def load_split(split: str) -> List[Conversation]:
    """The conversations of a split ("tuning" or "heldout") or of a YAML file."""
    return load_conversations(SPLITS.get(split) or Path(split))


def percentile(values: Sequence[float], fraction: float) -> float:
    return latency.percentile(list(values), fraction) if values else float("nan")


# --- results --------------------------------------------------------------------------


@dataclass
class TurnResult:
    conversation: str
    index: int  # 1-based
    user: str
    category: Optional[str]
    reply: str
    latency_ms: float
    verdict: Optional[TurnVerdict]  # None for a turn that only sets the scene
    ungrounded: List[Mention] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.verdict is not None and self.verdict.passed


@dataclass
class ConversationResult:
    id: str
    turns: List[TurnResult]
    sender: str = ""

    @property
    def checked(self) -> List[TurnResult]:
        return [t for t in self.turns if t.verdict is not None]

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.checked)


@dataclass
class CategoryFigures:
    turns: int
    right: int
    conversations: int
    conversations_right: int

    @property
    def accuracy(self) -> float:
        return self.right / self.turns if self.turns else float("nan")

    @property
    def conversation_accuracy(self) -> float:
        return self.conversations_right / self.conversations if self.conversations else float("nan")


@dataclass
class Report:
    """What one system did on a set of conversations."""

    label: str
    conversations: List[ConversationResult] = field(default_factory=list)
    load_seconds: Optional[float] = None
    # Latencies of further rounds (--rounds): only for the latency figures.
    extra_latencies: List[float] = field(default_factory=list)

    @property
    def turns(self) -> List[TurnResult]:
        return [t for c in self.conversations for t in c.turns]

    @property
    def checked_turns(self) -> List[TurnResult]:
        return [t for t in self.turns if t.verdict is not None]

    @property
    def accuracy(self) -> float:
        checked = self.checked_turns
        return sum(t.passed for t in checked) / len(checked) if checked else float("nan")

    @property
    def conversation_accuracy(self) -> float:
        return sum(c.passed for c in self.conversations) / len(self.conversations) if self.conversations else float("nan")

    def by_category(self) -> Dict[str, CategoryFigures]:
        figures = {}
        for category in CATEGORIES:
            turns = [t for t in self.checked_turns if t.category == category]
            if not turns:
                continue
            conversations = [c for c in self.conversations if any(t.category == category for t in c.checked)]
            figures[category] = CategoryFigures(
                len(turns), sum(t.passed for t in turns), len(conversations), sum(c.passed for c in conversations)
            )
        return figures

    @property
    def latencies(self) -> List[float]:
        return [t.latency_ms for t in self.turns] + self.extra_latencies

    @property
    def failures(self) -> List[TurnResult]:
        return [t for t in self.checked_turns if not t.passed]

    @property
    def ungrounded(self) -> List[Tuple[TurnResult, Mention]]:
        return [(t, m) for t in self.turns for m in t.ungrounded]


# --- playing ----------------------------------------------------------------------------


def ask(session: requests.Session, rasa_url: str, sender: str, text: str) -> Tuple[str, float, Optional[str]]:
    """Send one message over REST: (reply text, latency in ms, error or None)."""
    started = time.perf_counter()
    try:
        response = session.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                timeout=REQUEST_TIMEOUT)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return reply_text(response.json()), elapsed, None
    except (requests.RequestException, ValueError) as error:
        return "", (time.perf_counter() - started) * 1000, f"{type(error).__name__}: {error}"


def play_conversation(conversation: Conversation, rasa_url: str, corpus: Corpus,
                      session: Optional[requests.Session] = None) -> ConversationResult:
    """Play one conversation with a fresh sender and check every turn's reply."""
    session = session or requests.Session()
    sender = f"conv-{re.sub(r'[^A-Za-z0-9-]', '-', conversation.id)}-{uuid.uuid4().hex[:8]}"
    results: List[TurnResult] = []
    said: List[str] = []
    for index, turn in enumerate(conversation.turns, start=1):
        said.append(turn.user)
        reply, elapsed, error = ask(session, rasa_url, sender, turn.user)
        problems = ungrounded(reply, corpus, said)
        verdict = None
        if turn.checked:
            verdict = check_reply(turn, reply)
            if error:
                verdict.checks.insert(0, CheckResult("error", False, error))
            verdict.checks.append(CheckResult(
                "grounded", not problems,
                "" if not problems else "no source for " + ", ".join(f"«{m.text}»" for m in problems),
            ))
        results.append(TurnResult(conversation.id, index, turn.user, turn.category, reply, elapsed, verdict,
                                  problems))
    return ConversationResult(conversation.id, results, sender)


def score(conversations: Sequence[Conversation], rasa_url: str, *, corpus: Optional[Corpus] = None,
          facts_url: Optional[str] = None, root: Path = ROOT, label: str = "actual") -> Report:
    """Play and check `conversations` against the Rasa server at `rasa_url`.

    Grounding uses `corpus`, or one built from the facts store at `facts_url` (the one the
    servers read; by default, data/facts/ loaded into a scratch store) and the templates in
    `root`.
    """
    if corpus is None:
        corpus = corpus_for(facts_url, root)
    session = requests.Session()
    return Report(label, [play_conversation(c, rasa_url, corpus, session) for c in conversations])


def corpus_for(facts_url: Optional[str], root: Path = ROOT) -> Corpus:
    if facts_url:
        return build_corpus(facts_url, root)
    from scripts.serve import scratch_stores

    with tempfile.TemporaryDirectory() as directory:
        return build_corpus(scratch_stores(Path(directory))["FACTS_DB_URL"], root)


# --- the systems under test ---------------------------------------------------------------

# Run inside the tree under test (its own scripts/serve.py and actions/), so that a
# baseline commit runs exactly as it was; prints the URLs once ready; stops its servers on
# stdin EOF or SIGTERM.
LAUNCHER = r"""
import json, signal, sys, time
from pathlib import Path
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
from scripts.serve import Servers, free_port, scratch_stores
workdir, model = Path(sys.argv[1]), Path(sys.argv[2])
env = scratch_stores(workdir)
servers = Servers(free_port(), free_port(), model, env=env, log_dir=workdir / "logs")
started = time.perf_counter()
servers.start()
print(json.dumps({"rasa_url": servers.rasa_url, "facts_url": env["FACTS_DB_URL"],
                  "load_seconds": time.perf_counter() - started}), flush=True)
try:
    sys.stdin.read()
finally:
    servers.stop()
"""


@dataclass
class System:
    label: str
    tree: Path
    model: Path
    commit: str


@dataclass
class Running:
    system: System
    rasa_url: str
    facts_url: str
    load_seconds: float
    corpus: Corpus


def tree_env(tree: Path) -> Dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(tree), RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
               SQLALCHEMY_SILENCE_UBER_WARNING="1")
    return env


@contextmanager
def running(system: System, workdir: Path) -> Iterator[Running]:
    """The system's action and Rasa servers, started from its own tree."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / "launcher.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(workdir), str(system.model)], cwd=system.tree,
        env=tree_env(system.tree), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
        start_new_session=True,
    )
    try:
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=30)
            tail = (workdir / "launcher.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"The servers of «{system.label}» did not start:\n{tail}")
        info = json.loads(line)
        corpus = build_corpus(info["facts_url"], system.tree)
        yield Running(system, info["rasa_url"], info["facts_url"], info["load_seconds"], corpus)
    finally:
        try:
            process.stdin.close()
            process.wait(timeout=60)
        except (subprocess.TimeoutExpired, OSError):
            process.terminate()  # the launcher stops its servers, which run in sessions of their own
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def current_commit() -> str:
    """HEAD's short hash, with "+" when tracked files (other than the document) have changed."""
    head = git("rev-parse", "--short", "HEAD")
    changes = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                  f":(exclude){DOC.relative_to(ROOT)}")
    return head + ("+" if changes else "")


def export_tree(ref: str, destination: Path) -> str:
    """Write the files of commit `ref` to `destination` (git archive); returns its full hash."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination)
    return commit


def training_key(tree: Path) -> str:
    """A hash of everything a model is trained from in `tree` (the facts excluded)."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in TRAIN_GLOBS for p in tree.glob(pattern)
                    if p.is_file() and "facts" not in p.relative_to(tree).parts})
    for path in files:
        digest.update(str(path.relative_to(tree)).encode() + b"\0" + path.read_bytes() + b"\0")
    import rasa

    digest.update(rasa.__version__.encode())
    return digest.hexdigest()[:20]


def baseline_model(tree: Path, log_path: Path) -> Path:
    """The model of the exported `tree`: from the cache, or trained there and cached."""
    cached = MODEL_CACHE / f"{training_key(tree)}.tar.gz"
    if cached.exists():
        print(f"Baseline model from the cache: {cached.relative_to(ROOT)}", flush=True)
        return cached
    print("Training the baseline model (a few minutes)...", flush=True)
    started = time.perf_counter()
    with open(log_path, "ab") as log:
        subprocess.run(
            [str(Path(sys.executable).parent / "rasa"), "train", "--fixed-model-name", "asistente", "--out",
             str(tree / "models")],
            cwd=tree, env=tree_env(tree), check=True, stdout=log, stderr=subprocess.STDOUT,
        )
    MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tree / "models" / "asistente.tar.gz", cached)
    print(f"Trained in {time.perf_counter() - started:.0f} s; cached as {cached.relative_to(ROOT)}", flush=True)
    return cached


def run_systems(conversations: Sequence[Conversation], systems: Sequence[System], workdir: Path,
                rounds: int = 1) -> List[Report]:
    """Start every system (one after the other, so that model loads do not compete), then
    play each conversation against all of them, alternating which goes first. Further
    rounds replay everything with fresh senders and only add latencies."""
    reports = [Report(s.label) for s in systems]
    with _all_running(systems, workdir) as live:
        for report, server in zip(reports, live):
            report.load_seconds = server.load_seconds
            ask(requests.Session(), server.rasa_url, f"calentamiento-{uuid.uuid4().hex[:8]}", "hola")
        sessions = [requests.Session() for _ in live]
        for round_number in range(rounds):
            for number, conversation in enumerate(conversations):
                order = list(range(len(live)))
                if (number + round_number) % 2:
                    order.reverse()
                for index in order:
                    played = play_conversation(conversation, live[index].rasa_url, live[index].corpus,
                                               sessions[index])
                    if round_number == 0:
                        reports[index].conversations.append(played)
                    else:
                        reports[index].extra_latencies += [t.latency_ms for t in played.turns]
                if (number + 1) % 50 == 0:
                    print(f"  round {round_number + 1}: {number + 1}/{len(conversations)} conversations", flush=True)
    return reports


@contextmanager
def _all_running(systems: Sequence[System], workdir: Path) -> Iterator[List[Running]]:
    with ExitStack() as stack:
        live = []
        for number, system in enumerate(systems):
            print(f"Starting the servers of «{system.label}» ({system.commit})...", flush=True)
            live.append(stack.enter_context(running(system, workdir / f"system-{number}")))
            print(f"  ready in {live[-1].load_seconds:.1f} s", flush=True)
        yield live


# --- the document ----------------------------------------------------------------------

LOG_HEADER = "## Held-out scoring log"
LOG_TABLE = ("| Date (UTC) | Commit | System | Conversations | Strict accuracy per turn | Conversation accuracy "
             "| Ungrounded | p95 per turn |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
CATEGORY_LABELS = {
    "specific_fact": "specific_fact (one fact asked)",
    "attribute_followup": "attribute_followup (asks about the last answer)",
    "entity_followup": "entity_followup (same question, another entity)",
    "aggregate": "aggregate (totals, counts, yes/no membership)",
    "missing_detail": "missing_detail (known topic, detail in no source)",
    "false_premise": "false_premise (must correct the citizen)",
    "multi_question": "multi_question (each answered, in order)",
    "about_source": "about_source (date, number, title of the note)",
    "tone": "tone (acknowledgements, thanks, frustration)",
    "out_of_scope": "out_of_scope (honest, official channel)",
}

INTRO = """# Conversation benchmark (`make eval-conversations`)

Generated by `benchmarks/conversations.py`; do not edit by hand (each run replaces its
split's section and keeps the held-out log). The conversations are written as citizens
write (Peruvian Spanish, no accents, typos, WhatsApp shorthand), by someone who never saw
the training data; each checked turn has a category and checks derived from the source,
Nota de Prensa 9-26 (`tests/conversations/README.md`). A turn is right only if all its
checks pass, including the grounding check (every number, name and link in the reply is
in the facts store, the fixed templates or the citizen's own messages); a conversation
is right only if all its checked turns are. Latency is the REST round trip of every turn;
model load is the time from starting the servers until both answer.

    make eval-conversations                      # tuning half (tune on this one)
    make eval-conversations SPLIT=heldout        # held-out half: every scoring is logged below
    make eval-conversations BASELINE=<git ref>   # also that commit, in the same run
    make eval-conversations ROUNDS=3             # replay 3 times for steadier latency figures
"""


def _pct(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.0f} ms"


def _cell(text: str, limit: int = 320) -> str:
    text = re.sub(r"\s*\n\s*", " ⏎ ", text.strip())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("`", "'")


def split_section(split: str, reports: List[Report], commits: List[str], started: dt.datetime, seconds: float,
                  conversations: Sequence[Conversation], subset: bool, rounds: int = 1) -> str:
    actual = reports[0]
    lines = [f"<!-- split:{split} -->", f"## {'Tuning' if split == 'tuning' else 'Held-out'} half "
             f"(`{SPLITS[split].relative_to(ROOT) if split in SPLITS else split}`)", ""]
    checked = len(actual.checked_turns)
    lines.append(
        f"Run of {started:%Y-%m-%d %H:%M} UTC, {len(conversations)} conversations"
        f"{' (a subset)' if subset else ''}, {checked} checked turns, {len(actual.turns)} turns in all; "
        f"{os.cpu_count()} cores; the whole run took {seconds:.0f} s"
        + (f"; latencies pooled over {rounds} rounds (accuracy from the first)." if rounds > 1 else ".")
    )
    lines.append("")
    header = "| | " + " | ".join(f"{r.label} (`{c}`)" for r, c in zip(reports, commits)) + " |"
    lines += [header, "| --- |" + " ---: |" * len(reports)]

    def row(name: str, values: List[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(values) + " |")

    row("Strict accuracy per turn", [f"**{_pct(r.accuracy)}** ({sum(t.passed for t in r.checked_turns)}/"
                                     f"{len(r.checked_turns)})" for r in reports])
    row("Conversation accuracy", [f"{_pct(r.conversation_accuracy)} ({sum(c.passed for c in r.conversations)}/"
                                  f"{len(r.conversations)})" for r in reports])
    row("Ungrounded numbers, names, links", [str(len(r.ungrounded)) for r in reports])
    row("Latency per turn p50 / p95 / max", [
        f"{_ms(percentile(r.latencies, .5))} / {_ms(percentile(r.latencies, .95))} / {_ms(max(r.latencies))}"
        for r in reports])
    row("Model load (both servers answering)", [f"{r.load_seconds:.1f} s" if r.load_seconds else "–"
                                                for r in reports])
    if len(reports) > 1:
        base = reports[1]
        ratio_p50 = percentile(actual.latencies, .5) / percentile(base.latencies, .5)
        ratio_p95 = percentile(actual.latencies, .95) / percentile(base.latencies, .95)
        verdict = "meets" if ratio_p95 <= P95_RATIO_TARGET else "misses"
        lines += ["", f"Latency of {actual.label} against {base.label}, measured in the same run: p50 × "
                  f"{ratio_p50:.2f}, **p95 × {ratio_p95:.2f}** ({verdict} the target of × {P95_RATIO_TARGET})."]
    lines += ["", "### Per category", ""]
    per = [r.by_category() for r in reports]
    head = "| Category | Turns | " + " | ".join(
        f"{r.label}: strict accuracy | {r.label}: conversation accuracy" for r in reports) + " |"
    lines += [head, "| --- | ---: |" + " ---: | ---: |" * len(reports)]
    for category in CATEGORIES:
        if category not in per[0]:
            continue
        cells = []
        for figures in per:
            f = figures.get(category)
            cells += [f"{_pct(f.accuracy)} ({f.right}/{f.turns})" if f else "–",
                      f"{_pct(f.conversation_accuracy)} ({f.conversations_right}/{f.conversations})" if f else "–"]
        lines.append(f"| {CATEGORY_LABELS[category]} | {per[0][category].turns} | " + " | ".join(cells) + " |")
    lines += ["", "Conversation accuracy per category: of the conversations with a turn of that category, "
              "the share whose checked turns are all right."]
    heldout = split == "heldout"
    for report in reports:
        issues = report.ungrounded
        lines += ["", f"### Ungrounded numbers, names and links: {report.label} ({len(issues)})", ""]
        if not issues:
            lines.append("None: every number, name and link in every reply is in the facts store, the "
                         "templates or the citizen's messages.")
        for turn, mention in issues:  # on the held-out half: the name and where, not the reply
            lines.append(f"- `{turn.conversation}` turn {turn.index}: {mention.kind} «{_cell(mention.text, 80)}»"
                         + ("" if heldout else f" in «{_cell(turn.reply, 200)}»"))
    failures = actual.failures
    lines += ["", f"### Failed turns: {actual.label} ({len(failures)} of {len(actual.checked_turns)})", ""]
    if heldout:
        lines.append("Not listed for the held-out half, so that nobody tunes on them: read the tuning half's.")
        failures = []
    elif not failures:
        lines.append("None.")
    for turn in failures:
        why = "; ".join(f"{c.name}: {c.detail}" for c in turn.verdict.failed)
        lines.append(f"- `{turn.conversation}` turn {turn.index} ({turn.category}): «{_cell(turn.user, 200)}» "
                     f"→ «{_cell(turn.reply)}» — {_cell(why, 400)}")
    for report in reports[1:]:
        lines += ["", f"{report.label}: {len(report.failures)} failed turns (not listed)."]
    lines.append(f"<!-- /split:{split} -->")
    return "\n".join(lines)


def log_rows(reports: List[Report], commits: List[str], started: dt.datetime, subset: bool, total: int) -> List[str]:
    rows = []
    for report, commit in zip(reports, commits):
        count = f"{len(report.conversations)}" + (f" of {total}" if subset else "")
        rows.append(
            f"| {started:%Y-%m-%d %H:%M} | `{commit}` | {report.label} | {count} | {_pct(report.accuracy)} | "
            f"{_pct(report.conversation_accuracy)} | {len(report.ungrounded)} | "
            f"{_ms(percentile(report.latencies, .95))} |"
        )
    return rows


def write_document(path: Path, split: str, section: str, new_log_rows: List[str]) -> None:
    """Replace `split`'s section of the document at `path`, keep the others and the log, add log rows."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = {}
    for name in ("tuning", "heldout"):
        match = re.search(rf"<!-- split:{name} -->.*?<!-- /split:{name} -->", old, re.S)
        if match:
            sections[name] = match.group()
    sections[split] = section
    log_match = re.search(re.escape(LOG_HEADER) + r".*", old, re.S)
    rows = [line for line in (log_match.group().splitlines() if log_match else [])
            if line.startswith("| ") and not line.startswith("| Date") and not line.startswith("| ---")]
    rows += new_log_rows
    parts = [INTRO]
    parts += [sections[name] for name in ("tuning", "heldout") if name in sections]
    if NOTES.exists():
        parts.append(NOTES.read_text(encoding="utf-8"))
    parts += [LOG_HEADER + "\n\nEvery scoring of the held-out half, by anyone, in order. Never tune on it.\n\n"
              + LOG_TABLE + ("\n" + "\n".join(rows) if rows else "")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(p.strip("\n") for p in parts) + "\n", encoding="utf-8")


def write_replies(path: Path, reports: Sequence[Report]) -> None:
    """Every turn of every system, one JSON object per line."""
    with open(path, "w", encoding="utf-8") as out:
        for report in reports:
            for turn in report.turns:
                out.write(json.dumps({
                    "system": report.label, "conversation": turn.conversation, "turn": turn.index,
                    "category": turn.category, "user": turn.user, "reply": turn.reply,
                    "latency_ms": round(turn.latency_ms, 1),
                    "passed": turn.passed if turn.verdict else None,
                    "failed": [f"{c.name}: {c.detail}" for c in turn.verdict.failed] if turn.verdict else [],
                    "ungrounded": [f"{m.kind}: {m.text}" for m in turn.ungrounded],
                }, ensure_ascii=False) + "\n")


# --- command line ------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default=os.environ.get("SPLIT") or "tuning", choices=sorted(SPLITS),
                        help="half of the set to play (default: tuning)")
    parser.add_argument("--baseline", default=os.environ.get("BASELINE") or None,
                        help="git ref of a baseline to play in the same run")
    parser.add_argument("--output", type=Path, default=DOC, help="document to write")
    parser.add_argument("--limit", type=int, help="only the first N conversations (to try things)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS") or 1),
                        help="rounds to play for latency (accuracy is the first round's)")
    parser.add_argument("--replies", type=Path,
                        help="also write every turn (message, reply, checks) to this JSON Lines file")
    args = parser.parse_args(argv)

    conversations = load_split(args.split)
    total = len(conversations)
    if args.limit:
        conversations = conversations[: args.limit]
    subset = len(conversations) < total
    if not CURRENT_MODEL.exists():
        print(f"No trained model in {CURRENT_MODEL}; run `make train`.", file=sys.stderr)
        return 1

    started_at = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eval-conversations-") as directory:
        workdir = Path(directory)
        systems = [System("actual", ROOT, CURRENT_MODEL, current_commit())]
        if args.baseline:
            tree = workdir / "baseline"
            commit = export_tree(args.baseline, tree)
            model = baseline_model(tree, workdir / "baseline-train.log")
            systems.append(System(f"base {args.baseline}", tree, model, commit[:7]))
        print(f"{len(conversations)} conversations of the {args.split} half"
              f"{f' against {len(systems)} systems' if len(systems) > 1 else ''}.", flush=True)
        reports = run_systems(conversations, systems, workdir, max(1, args.rounds))
    seconds = time.perf_counter() - started

    commits = [s.commit for s in systems]
    section = split_section(args.split, reports, commits, started_at, seconds, conversations, subset,
                            max(1, args.rounds))
    rows = log_rows(reports, commits, started_at, subset, total) if args.split == "heldout" else []
    write_document(args.output, args.split, section, rows)
    if args.replies:
        write_replies(args.replies, reports)
    for report in reports:
        print(f"{report.label}: strict accuracy per turn {_pct(report.accuracy)}, per conversation "
              f"{_pct(report.conversation_accuracy)}, ungrounded {len(report.ungrounded)}, p95 "
              f"{_ms(percentile(report.latencies, .95))}, model load {report.load_seconds:.1f} s")
        for category, figures in report.by_category().items():
            print(f"  {category:<20} {figures.turns:>4} turns  {_pct(figures.accuracy)}  "
                  f"conversations {_pct(figures.conversation_accuracy)}")
    print(f"Wrote {args.output} in {seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
