"""The split of the conversation set into a tuning half and a held-out half.

Rule (fixed before anything was built on the set; do not change it):

1. Each conversation's stratum is (the first category of STRATA_ORDER among its checked
   turns, whether it has more than one turn). STRATA_ORDER lists the categories from the
   rarest to the most common, so a conversation is filed under the category that is
   hardest to balance.
2. Within a stratum, conversations are sorted by id and shuffled with
   random.Random(f"{SEED}:{stratum}").
3. They are dealt alternately to the two halves; strata are taken in sorted order and
   the half that receives the first conversation alternates from stratum to stratum, so
   that odd strata do not all favour the same half.

    python -m benchmarks.conversation_split           # rewrite tuning.yml and heldout.yml
    python -m benchmarks.conversation_split --check   # exit 1 if the files do not follow the rule
    python -m benchmarks.conversation_split --from a.yml b.yml   # split other files (the first split)
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

from benchmarks.conversation_checks import Conversation, parse_conversations

ROOT = Path(__file__).resolve().parent.parent
SET_DIR = ROOT / "tests" / "conversations"
HALVES = ("tuning", "heldout")
SEED = 2026
STRATA_ORDER = (
    "about_source",
    "out_of_scope",
    "multi_question",
    "false_premise",
    "aggregate",
    "entity_followup",
    "tone",
    "missing_detail",
    "attribute_followup",
    "specific_fact",
)
HEADERS = {
    "tuning": "Tuning half of the conversation set: tune and look at failures here.",
    "heldout": "Held-out half of the conversation set: never tune on it; every scoring is logged in "
               "docs/benchmarks/conversations.md.",
}


def stratum(conversation: Conversation) -> Tuple[str, bool]:
    categories = set(conversation.categories)
    return next(c for c in STRATA_ORDER if c in categories), conversation.multi_turn


def assign(conversations: Sequence[Conversation]) -> Dict[str, str]:
    """Conversation id -> "tuning" or "heldout", by the rule above."""
    strata: Dict[Tuple[str, bool], List[Conversation]] = {}
    for conversation in conversations:
        strata.setdefault(stratum(conversation), []).append(conversation)
    halves: Dict[str, str] = {}
    for number, key in enumerate(sorted(strata)):
        members = sorted(strata[key], key=lambda c: c.id)
        random.Random(f"{SEED}:{key[0]}:{key[1]}").shuffle(members)
        for position, conversation in enumerate(members):
            halves[conversation.id] = HALVES[(position + number) % 2]
    return halves


def _raw(path: Path) -> List[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data.get("conversations") if isinstance(data, dict) else data


def dump(half: str, raw_conversations: List[dict]) -> str:
    """A half as YAML: one line per turn, in the order the conversations were written."""
    lines = [f"# {HEADERS[half]}", "# Schema and split rule: tests/conversations/README.md.",
             f"split: {half}", "conversations:"]
    for conversation in raw_conversations:
        lines.append(f"- id: {conversation['id']}")
        if conversation.get("note"):
            lines.append("  note: " + yaml.safe_dump(conversation["note"], allow_unicode=True, width=10**6).strip()
                         .removesuffix("...").strip())
        lines.append("  turns:")
        for turn in conversation["turns"]:
            flow = yaml.safe_dump(turn, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6)
            lines.append("  - " + flow.strip())
    return "\n".join(lines) + "\n"


def split_files(sources: Sequence[Path]) -> Dict[str, str]:
    raw = [c for path in sources for c in _raw(path)]
    conversations = parse_conversations(raw, ", ".join(map(str, sources)))
    halves = assign(conversations)
    order = {c["id"]: n for n, c in enumerate(raw)}
    texts = {}
    for half in HALVES:
        chosen = sorted((c for c in raw if halves[c["id"]] == half), key=lambda c: order[c["id"]])
        texts[half] = dump(half, chosen)
    return texts


def main(argv: Sequence[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the files follow the rule")
    parser.add_argument("--from", dest="sources", nargs="+", type=Path, help="conversation files to split")
    args = parser.parse_args(argv)
    targets = {half: SET_DIR / f"{half}.yml" for half in HALVES}
    texts = split_files(args.sources or list(targets.values()))
    if args.check:
        wrong = [str(path) for half, path in targets.items()
                 if not path.exists() or yaml.safe_load(path.read_text(encoding="utf-8")) != yaml.safe_load(texts[half])]
        if wrong:
            print("Not split by the rule: " + ", ".join(wrong), file=sys.stderr)
            return 1
        print("The split follows the rule.")
        return 0
    for half, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[half], encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {texts[half].count(chr(10) + '- id: ')} conversations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
