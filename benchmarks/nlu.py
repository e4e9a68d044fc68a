"""NLU benchmark (`make eval`): the project's pipeline against its peers, on held-out data.

Every system is trained on the same training data (data/nlu/) and scored on the same
held-out set (tests/nlu_heldout.yml, never used for training). Rasa systems are trained
and scored each in a fresh subprocess, so that times and memory do not leak between
them. Writes docs/benchmarks/nlu.md (table, earlier runs' figures beside this one's from
benchmarks/nlu_recorded.yml, worst intents, then the notes kept in benchmarks/nlu_notes.md)
and docs/benchmarks/nlu-confusion.png.

    python -m benchmarks.nlu                    # every system, writes the document
    python -m benchmarks.nlu --systems project  # some systems, prints only
    python -m benchmarks.nlu --split validation # score on the validation split instead
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

ROOT = Path(__file__).resolve().parent.parent
TRAIN_DIR = ROOT / "data" / "nlu"
SPLITS = {"heldout": ROOT / "tests" / "nlu_heldout.yml", "validation": ROOT / "tests" / "nlu_validation.yml"}
DOCS = ROOT / "docs" / "benchmarks"
NOTES = Path(__file__).with_name("nlu_notes.md")
RECORDED = Path(__file__).with_name("nlu_recorded.yml")
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"

# Candidates measured against the project's config.yml: each variant changes one
# thing (adds a component the project does not use, or removes one it uses, or swaps
# the intent classifier), so the table shows what each choice is worth.
ENCODER = "components.sentence_encoder.UniversalSentenceEncoderFeaturizer"
SPELLING = "components.spelling.SpellingCorrector"
UNKNOWN_WORDS = "components.unknown_words.UnknownWordsFallback"
LINEAR = "components.linear_intent_classifier.LinearIntentClassifier"
DIET = {
    "name": "DIETClassifier",
    "epochs": 100,
    "entity_recognition": False,
    "constrain_similarities": True,
    "random_seed": 2026,
}


@dataclass(frozen=True)
class Toggle:
    """config.yml without `component` if the project uses it; otherwise with it, inserted after
    the last component named `after`."""

    component: str
    after: str


@dataclass(frozen=True)
class Replace:
    """config.yml with `component` replaced by the component configured as `replacement`."""

    component: str
    replacement: Dict[str, Any]


@dataclass(frozen=True)
class System:
    """A system in the table: its description, and how to get its config. `config` is a config
    file, a variant of config.yml, or None for the scikit-learn baseline (no Rasa config).
    A toggle's description has a `{toggle}` that becomes "con" or "sin"."""

    description: str
    config: Union[Path, Toggle, Replace, None]

    def describe(self) -> str:
        if isinstance(self.config, Toggle):
            return self.description.format(toggle="sin" if self.config.component in project_pipeline() else "con")
        return self.description


SYSTEMS: Dict[str, System] = {
    "project": System("Pipeline del proyecto (config.yml)", ROOT / "config.yml"),
    "project-encoder": System("Proyecto {toggle} vectores densos USE", Toggle(ENCODER, after="CountVectorsFeaturizer")),
    "project-spelling": System(
        "Proyecto {toggle} corrección ortográfica", Toggle(SPELLING, after="WhitespaceTokenizer")
    ),
    "project-unknown-words": System(
        "Proyecto {toggle} filtro de palabras desconocidas", Toggle(UNKNOWN_WORDS, after=LINEAR)
    ),
    "project-diet": System("Proyecto con DIET en lugar del clasificador lineal", Replace(LINEAR, DIET)),
    "rasa-default": System(
        "Pipeline por defecto de Rasa 3.6 (rasa init)", ROOT / "benchmarks" / "configs" / "rasa-default.yml"
    ),
    "tfidf-logreg": System("TF-IDF palabras + caracteres, regresión logística", None),
}


def project_pipeline() -> List[str]:
    import yaml

    return [c["name"] for c in yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]]


def description(system: str) -> str:
    return SYSTEMS[system].describe()


def config_file(system: str, directory: Path) -> Path:
    """The config to train `system` with; variants of config.yml are written to `directory`."""
    import yaml

    how = SYSTEMS[system].config
    if isinstance(how, Path):
        return how
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    if isinstance(how, Replace):
        config["pipeline"][names.index(how.component)] = dict(how.replacement)
    elif how.component in names:
        config["pipeline"].pop(names.index(how.component))
    else:  # insert after the last component named `how.after`
        config["pipeline"].insert(len(names) - names[::-1].index(how.after), {"name": how.component})
    path = directory / f"{system}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file or directory, entity markup removed."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def collapse(label: str) -> str:
    """Low-confidence fallback counts as out of scope: neither is answered as in scope."""
    return OUT_OF_SCOPE if label == FALLBACK else label


class WeakIntent(NamedTuple):
    """One of a system's five weakest intents, and what it was most often mistaken for."""

    intent: str
    f1: float
    confusion: str  # the most frequent wrong prediction, "—" when there is none
    count: int


@dataclass
class Result:
    system: str
    description: str
    accuracy: float
    macro_f1: float
    oos_precision: float
    oos_recall: float
    oos_f1: float
    train_seconds: float
    model_mb: float
    worst: List[WeakIntent] = field(default_factory=list)
    gold: List[str] = field(default_factory=list)
    predicted: List[str] = field(default_factory=list)


def score(system: str, gold: Sequence[str], predicted: Sequence[str], train_seconds: float, model_bytes: int) -> Result:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    predicted = [collapse(p) for p in predicted]
    labels = sorted(set(gold))
    per_label = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    f1_by_label = dict(zip(labels, per_label[2]))
    oos = labels.index(OUT_OF_SCOPE)
    worst = []
    for label in sorted(labels, key=lambda name: f1_by_label[name])[:5]:
        errors = Counter(p for g, p in zip(gold, predicted) if g == label and p != label)
        confusion, count = errors.most_common(1)[0] if errors else ("—", 0)
        worst.append(WeakIntent(label, float(f1_by_label[label]), confusion, count))
    return Result(
        system=system,
        description=description(system),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        oos_precision=float(per_label[0][oos]),
        oos_recall=float(per_label[1][oos]),
        oos_f1=float(per_label[2][oos]),
        train_seconds=train_seconds,
        model_mb=model_bytes / 1e6,
        worst=worst,
        gold=list(gold),
        predicted=list(predicted),
    )


def run_rasa(system: str, config: Path, split: Path) -> Result:
    """Train an NLU-only Rasa model with `config` and parse every message of `split`."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        model = train_nlu(str(config), str(TRAIN_DIR), out, fixed_model_name=system, domain=str(ROOT / "domain.yml"))
        train_seconds = time.perf_counter() - started
        agent = Agent.load(model)
        examples = load_examples(split)

        async def parse_all() -> List[str]:
            return [(await agent.parse_message(text))["intent"]["name"] for text, _ in examples]

        predicted = asyncio.run(parse_all())
        return score(system, [i for _, i in examples], predicted, train_seconds, Path(model).stat().st_size)


def run_tfidf(split: Path) -> Result:
    """The classic baseline; its rejection threshold is tuned on the validation split."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    train = load_examples(TRAIN_DIR)
    started = time.perf_counter()
    model = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), strip_accents="unicode", sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), strip_accents="unicode", sublinear_tf=True),
        ),
        LogisticRegression(C=20, max_iter=5000, random_state=2026),
    )
    model.fit([t for t, _ in train], [i for _, i in train])
    train_seconds = time.perf_counter() - started

    def predict(probabilities: "np.ndarray", cutoff: float) -> List[str]:
        best = probabilities.argmax(axis=1)
        return [FALLBACK if probabilities[n, b] < cutoff else model.classes_[b] for n, b in enumerate(best)]

    # The rejection threshold is tuned on validation, never on the held-out set.
    validation = load_examples(SPLITS["validation"])
    gold = [i for _, i in validation]
    validation_probabilities = model.predict_proba([t for t, _ in validation])
    candidates = np.arange(0.0, 0.61, 0.02)
    accuracy = [
        np.mean([collapse(p) == g for p, g in zip(predict(validation_probabilities, c), gold)]) for c in candidates
    ]
    threshold = float(candidates[int(np.argmax(accuracy))])
    examples = load_examples(split)
    predicted = predict(model.predict_proba([t for t, _ in examples]), threshold)
    result = score("tfidf-logreg", [i for _, i in examples], predicted, train_seconds, len(pickle.dumps(model)))
    result.description += f" (umbral {threshold:.2f})"
    return result


def run_in_subprocess(system: str, split: str) -> Result:
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        env = dict(os.environ, RASA_MAX_CACHE_SIZE="0", TF_DETERMINISTIC_OPS="1", PYTHONHASHSEED="0")
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.nlu", "--one", system, "--split", split, "--json", output.name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if child.returncode != 0:
            raise RuntimeError(f"{system} falló:\n{child.stderr[-4000:]}")
        data = json.loads(Path(output.name).read_text(encoding="utf-8"))
    data["worst"] = [WeakIntent(*w) for w in data["worst"]]
    return Result(**data)


def table(results: List[Result]) -> str:
    lines = [
        "| Sistema | Exactitud | F1 macro | Fuera de alcance: precisión | recall | F1 "
        "| Entrenamiento (s) | Modelo (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.description} | {r.accuracy:.3f} | {r.macro_f1:.3f} | {r.oos_precision:.3f} | "
            f"{r.oos_recall:.3f} | {r.oos_f1:.3f} | {r.train_seconds:.0f} | {r.model_mb:.1f} |"
        )
    return "\n".join(lines)


def worst_table(results: List[Result]) -> str:
    lines = ["| Sistema | Intención | F1 | Confusión principal (casos) |", "| --- | --- | ---: | --- |"]
    for r in results:
        for w in r.worst:
            lines.append(f"| {r.system} | {w.intent} | {w.f1:.2f} | {w.confusion} ({w.count}) |")
    return "\n".join(lines)


METRICS = ("accuracy", "macro_f1", "oos_precision", "oos_recall", "oos_f1")


@dataclass(frozen=True)
class RecordedRun:
    """An earlier run's held-out figures (benchmarks/nlu_recorded.yml): system -> metric -> value."""

    label: str
    date: str
    commit: str
    heldout_messages: int
    systems: Dict[str, Dict[str, float]]


def recorded_runs(path: Path = RECORDED) -> List[RecordedRun]:
    import yaml

    return [RecordedRun(**run) for run in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def this_run() -> str:
    """Today's date and the commit the evaluation ran on, flagged when its inputs had uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "desconocido"
    inputs = ["config.yml", "domain.yml", "components", "data/nlu", "benchmarks", *map(str, SPLITS.values())]
    if git("status", "--porcelain", "--untracked-files=no", "--", *inputs):
        commit += " con cambios sin confirmar"
    return f"{datetime.date.today().isoformat()}, commit {commit}"


def comparison(run: RecordedRun, results: List[Result], current: str) -> str:
    """The recorded run's figures beside this run's, "before → now", for the systems in both."""
    lines = [
        f"### {run.label}",
        "",
        f"Antes: {run.heldout_messages} mensajes reservados, ejecución del {run.date}, commit {run.commit}. "
        f"Ahora: {len(results[0].gold)} mensajes, ejecución del {current}.",
        "",
        "| Sistema | Exactitud | F1 macro | Fuera de alcance: precisión | recall | F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        before = run.systems.get(r.system)
        if before:
            cells = " | ".join(f"{before[m]:.3f} → {getattr(r, m):.3f}" for m in METRICS)
            lines.append(f"| {r.description} | {cells} |")
    return "\n".join(lines)


def confusion_image(result: Result, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = sorted(set(result.gold))
    figure, axis = plt.subplots(figsize=(13, 11))
    ConfusionMatrixDisplay.from_predictions(
        result.gold, result.predicted, labels=labels, ax=axis, xticks_rotation=90, colorbar=False, cmap="Blues"
    )
    axis.set_title(f"{result.description}: matriz de confusión (conjunto reservado)")
    axis.set_xlabel("Intención predicha")
    axis.set_ylabel("Intención real")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--split", choices=list(SPLITS), default="heldout")
    parser.add_argument("--one", choices=list(SYSTEMS), help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # child process: one system, result as JSON
        split = SPLITS[args.split]
        with tempfile.TemporaryDirectory() as directory:
            if SYSTEMS[args.one].config is None:
                result = run_tfidf(split)
            else:
                result = run_rasa(args.one, config_file(args.one, Path(directory)), split)
        args.json.write_text(json.dumps(asdict(result)), encoding="utf-8")
        return 0

    from tqdm import tqdm

    results = []
    with tqdm(args.systems, desc="Entrenando y evaluando", unit="sistema") as progress:
        for system in progress:
            progress.set_postfix_str(system)
            results.append(run_in_subprocess(system, args.split))
    report = table(results)
    print("\n" + report + "\n\n" + worst_table(results))
    if args.split == "heldout" and args.systems == list(SYSTEMS):
        DOCS.mkdir(parents=True, exist_ok=True)
        confusion_image(results[0], DOCS / "nlu-confusion.png")
        heldout = len(results[0].gold)
        current = this_run()
        earlier = "".join(f"\n\n{comparison(run, results, current)}" for run in recorded_runs())
        document = (
            "# Benchmark de NLU\n\n"
            "Generado por `make eval` (benchmarks/nlu.py): mismo entrenamiento (`data/nlu/`) y mismo "
            f"conjunto reservado (`tests/nlu_heldout.yml`, {heldout} mensajes, nunca usado para entrenar) "
            "para todos los sistemas. Una predicción `nlu_fallback` cuenta como fuera de alcance. "
            "Los tiempos dependen de la máquina (2 núcleos). Las métricas de los sistemas sin DIET se "
            "reproducen exactas; las de DIET y del pipeline por defecto de Rasa (TensorFlow en CPU, que "
            "no es determinista bit a bit) varían en torno a ±0,01 entre ejecuciones. "
            f"Ejecución del {current}.\n\n"
            + report
            + ("\n\n## Ejecuciones anteriores (antes → ahora)" + earlier if earlier else "")
            + "\n\n## Las cinco intenciones más débiles de cada sistema\n\n"
            + worst_table(results)
            + "\n\n![Matriz de confusión del pipeline del proyecto](nlu-confusion.png)\n\n"
            + NOTES.read_text(encoding="utf-8")
        )
        (DOCS / "nlu.md").write_text(document, encoding="utf-8")
        print(f"\nEscrito {DOCS / 'nlu.md'} y {DOCS / 'nlu-confusion.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
