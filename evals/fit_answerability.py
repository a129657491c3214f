"""`remiss fit-answerability`: fit the answerability model on the development sets and ship it.

Measures the features of every dev case through the real pipeline (condense, search, sentence
evidence), fits one logistic regression, picks the threshold on out-of-fold probabilities, prints
the cross-validated figures and writes `assistant/answerability/answerability.json`. Never give
it the test set: its figures would stop meaning anything (evals/README.md).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.answerability.features import FEATURES, NEUTRAL_KIND
from assistant.answerability.model import (
    MODEL_PATH,
    QuestionPrior,
    choose_threshold,
    cross_validated_probabilities,
    fit,
    fit_prior,
)
from assistant.chain import Assistant
from assistant.errors import RemissError
from assistant.settings import Settings
from evals.dataset import Case, load_dataset
from evals.sets import load_sets

DEV_SET = "dev"  # the set of evals/sets.toml the model is fitted on; never "test"
L2 = 1.0
# The question prior's penalty: strong, so that it learns the few directions the dev questions share
# (chosen by leave-one-file-out on dev among 10, 100 and 1000: 1000 gave the best answer rate plus
# abstention recall).
PRIOR_L2 = 1000.0


def measure(assistant: Assistant, cases: Sequence[Case]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels (1 = answerable) and question vectors of the cases; a case with no hits
    gets zeros (and the neutral question kind, which `prior_column` then fills)."""
    rows, labels, vectors = [], [], []
    for case in cases:
        turn = assistant.measure(case.question, [(q, "") for q in case.history])
        rows.append(turn.evidence.vector() if turn.evidence else np.zeros(len(FEATURES)))
        labels.append(1.0 if case.answerable else 0.0)
        vector = turn.retrieval.query_vector if turn.retrieval is not None else None
        vectors.append(np.asarray(vector, dtype=float) if vector is not None else None)
    width = next((len(v) for v in vectors if v is not None), 0)
    q = np.array([v if v is not None else np.zeros(width) for v in vectors])
    return np.array(rows), np.array(labels), q


def prior_column(q: np.ndarray, y: np.ndarray, groups: Sequence[str], l2: float = PRIOR_L2) -> np.ndarray:
    """Out-of-file question kind for every case: each file's from a prior fitted on the other files,
    so the main model learns how far the prior carries to an author it was not fitted on. Capped at
    the column's mean: the prior may warn, never vouch (`QuestionPrior`)."""
    labels = np.array(groups)
    names = list(dict.fromkeys(groups))
    if len(names) < 2:  # one file: five folds instead
        labels = np.arange(len(y)) % 5
        names = list(range(5))
    out = np.full(len(y), NEUTRAL_KIND)
    for name in names:
        train, held = labels != name, labels == name
        prior = fit_prior(q[train], y[train], l2)
        out[held] = [_read(prior, v) for v in q[held]]
    return np.minimum(out, out.mean())


def _read(prior: QuestionPrior, vector: np.ndarray) -> float:
    read = prior(vector)
    return NEUTRAL_KIND if read is None else read


def summary(probabilities: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:
    answered = probabilities >= threshold
    return {
        "cases": len(y),
        "answerable": int(y.sum()),
        "answer_rate": round(float(answered[y == 1].mean()), 3),
        "abstention_recall": round(float((~answered)[y == 0].mean()), 3),
        "accuracy": round(float((answered == (y == 1)).mean()), 3),
        "auc": round(_auc(probabilities, y), 3),
    }


def _auc(scores: np.ndarray, y: np.ndarray) -> float:
    positive, negative = scores[y == 1], scores[y == 0]
    if not len(positive) or not len(negative):
        return float("nan")
    wins = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return float(wins / (len(positive) * len(negative)))


def leave_one_file_out(
    x: np.ndarray, y: np.ndarray, groups: Sequence[str], hard: np.ndarray | None = None, q: np.ndarray | None = None
) -> dict[str, dict[str, float]]:
    """Fit on every file but one (threshold from its own cross-validation), score the one left out.

    The honest estimate of how the model meets questions written by an author it was not fitted on;
    `hard` marks the cases the hard rule abstains on whatever the model says. With the question
    vectors `q`, the question prior is refitted without the file too (nothing of it leaks in)."""
    names = list(dict.fromkeys(groups))
    labels = np.array(groups)
    hard = np.zeros(len(y), dtype=bool) if hard is None else hard
    kind = FEATURES.index("question_kind")
    out: dict[str, dict[str, float]] = {}
    for name in names:
        train, held = labels != name, labels == name
        x_train, x_held = x[train].copy(), x[held].copy()
        if q is not None:
            x_train[:, kind] = prior_column(q[train], y[train], list(labels[train]))
            prior = fit_prior(q[train], y[train], PRIOR_L2, ceiling=float(x_train[:, kind].max()))
            x_held[:, kind] = [_read(prior, v) for v in q[held]]
        oof = cross_validated_probabilities(x_train, y[train], l2=L2)
        threshold = choose_threshold(np.where(hard[train], 0.0, oof), y[train])
        model = fit(x_train, y[train], threshold, L2)
        probabilities = np.array([model.probability(row) for row in x_held])
        out[name] = summary(np.where(hard[held], 0.0, probabilities), y[held], threshold)
    keys = ("answer_rate", "abstention_recall", "accuracy", "auc")
    out["mean"] = {k: round(float(np.mean([out[n][k] for n in names])), 3) for k in keys}
    return out


def print_leave_one_file_out(figures: dict[str, dict[str, float]]) -> None:
    print("Leave one file out (fitted on the other files, scored on the one named):")
    for name, f in figures.items():
        print(
            f"  {name:26s} answer rate {f['answer_rate']:.3f}, abstention recall {f['abstention_recall']:.3f}, "
            f"accuracy {f['accuracy']:.3f}, AUC {f['auc']:.3f}"
        )


def refit(settings: Settings, datasets: Sequence[Path], out: Path, rounds: int = 2) -> dict:
    """Fit, then refit once with the first model deciding which follow-ups stand alone."""
    cases = [c for path in datasets for c in load_dataset(path)]
    groups = [Path(c.source).name for c in cases]
    assistant = Assistant(settings, fitted=False)
    report: dict = {}
    for _ in range(rounds):
        x, y, q = measure(assistant, cases)
        kind = FEATURES.index("question_kind")
        x[:, kind] = prior_column(q, y, groups)
        hard = x[:, FEATURES.index("unknown_organisation")] > 0
        oof = np.where(hard, 0.0, cross_validated_probabilities(x, y, l2=L2))
        threshold = choose_threshold(oof, y)
        report = {"datasets": [p.name for p in datasets], "cross_validated": summary(oof, y, threshold)}
        if len(set(groups)) > 1:
            report["leave_one_file_out"] = leave_one_file_out(x, y, groups, hard, q)
        corpus = assistant.store.lexical().document_ids
        model = fit(x, y, threshold, L2, report, fit_prior(q, y, PRIOR_L2, corpus, float(x[:, kind].max())))
        assistant.model = model  # the next round's follow-ups are resolved with it
    out.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"model": model, **report}


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    datasets = args.dataset or list(load_sets()[DEV_SET].files)
    if any(p.name.startswith("test") for p in datasets):
        raise RemissError("Anpassa aldrig modellen på testmängden (evals/README.md); välj utvecklingsfiler.")
    out = args.out or settings.answerability_model or MODEL_PATH
    result = refit(settings, datasets, out)
    cv = result["cross_validated"]
    model = result["model"]
    print(f"Fitted on {cv['cases']} dev cases ({cv['answerable']} answerable) from {', '.join(result['datasets'])}")
    print(
        f"5-fold cross-validated: answer rate {cv['answer_rate']:.3f}, "
        f"abstention recall {cv['abstention_recall']:.3f}, "
        f"accuracy {cv['accuracy']:.3f}, AUC {cv['auc']:.3f}; threshold {model.threshold:.2f}"
    )
    if "leave_one_file_out" in result:
        print_leave_one_file_out(result["leave_one_file_out"])
    for name, weight in sorted(zip(model.features, model.weights, strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:26s} {weight:+.3f}")
    print(f"Written: {out}")
    return 0
