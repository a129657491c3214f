"""A sentence's stance on what it speaks of: lexicon cues with negation plus its e5 vector.

Four one-vs-rest logistic regressions (numpy, as the answerability model) over a few lexicon
counts (support, negated support, opposition, conditions and hedges, opinion verbs) and the
sentence's unit vector. Fitted on sentences labelled by hand from the documents
(`stance_labels.jsonl`); `remiss fit-positions` refits and prints the cross-validated figures.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from assistant.answerability.model import fit_logistic, standardise

CUES = Path(__file__).with_name("cues_sv.toml")
MODEL_PATH = Path(__file__).with_name("stance_model.json")
LABELS_PATH = Path(__file__).with_name("stance_labels.jsonl")
CLASSES: tuple[str, ...] = ("tillstyrker", "tillstyrker_delvis", "avstyrker", "synpunkter")
LEXICAL_FEATURES: tuple[str, ...] = ("support", "negated_support", "oppose", "condition", "opinion", "length")
# Beside the counts, the design holds: hedges, and support said with a reservation in the same sentence.
DESIGN_EXTRAS: tuple[str, ...] = ("hedge", "support_with_reservation")


@cache
def _cues(path: Path = CUES) -> dict[str, tuple[re.Pattern[str], ...]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = {
        key: tuple(re.compile(rf"(?<![\wåäö]){re.escape(c.lower())}") for c in data.get(key, []))
        for key in ("support", "oppose", "condition", "opinion", "hedge")
    }
    out["negations"] = tuple(re.compile(rf"^{re.escape(n)}$") for n in data.get("negations", []))
    return out


def lexical_features(sentence: str) -> np.ndarray:
    """Counts of the cues in one sentence (a negated support cue counts as negated support)."""
    return np.array(_lexical_counts(sentence), dtype=np.float64)


@lru_cache(maxsize=1 << 16)
def _lexical_counts(sentence: str) -> tuple[float, ...]:
    """Cached: the matrix asks for a sentence's cues once per proposal it may address."""
    cues = _cues()
    text = sentence.lower()
    support = negated = 0
    for pattern in cues["support"]:
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()].split()[-3:]
            if any(n.match(w) for n in cues["negations"] for w in before):
                negated += 1
            else:
                support += 1
    oppose = sum(1 for p in cues["oppose"] if p.search(text))
    condition = sum(1 for p in cues["condition"] if p.search(text))
    opinion = sum(1 for p in cues["opinion"] if p.search(text))
    return (support, negated, oppose, condition, opinion, len(text.split()) / 30.0)


def without_cues(sentence: str) -> str:
    """The sentence less its support, opposition and condition cues: "delar" of "delar delegationens syn" is no
    word of a proposal ("en integrerad del")."""
    text = sentence.lower()
    keep = [True] * len(text)
    for key in ("support", "oppose", "condition"):
        for pattern in _cues()[key]:
            for match in pattern.finditer(text):  # on the whole sentence: cues may overlap
                keep[match.start() : match.end()] = [False] * (match.end() - match.start())
    return "".join(c if k else " " for c, k in zip(text, keep, strict=True))


def hedged(sentence: str) -> bool:
    """Does the sentence hold a hedge ("försiktigt positiva", "dock", "under förutsättning att")?"""
    text = sentence.lower()
    return any(p.search(text) for p in _cues()["hedge"])


def lexicon_stance(sentence: str) -> str:
    """The stance the cues alone give (the baseline, and the fallback without a fitted model)."""
    support, negated, oppose, condition, _, _ = lexical_features(sentence)
    against = oppose + negated
    if support and against:
        return "tillstyrker_delvis"
    if support:
        return "tillstyrker_delvis" if condition else "tillstyrker"
    if against:
        return "avstyrker"
    return "synpunkter"


def anchor_texts(path: Path = CUES) -> list[tuple[str, str]]:
    """(class, sentence) of the anchors in cues_sv.toml, in class order."""
    anchors = tomllib.loads(path.read_text(encoding="utf-8")).get("anchors", {})
    return [(c, text) for c in CLASSES for text in anchors.get(c, [])]


def design(sentences: Sequence[str], vectors: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Lexicon counts, then the sentence's best cosine to each class's anchor sentences."""
    lexical = np.vstack([lexical_features(s) for s in sentences]) if sentences else np.zeros((0, 6))
    extras = np.array([_extras(s) for s in sentences], dtype=np.float64).reshape(len(sentences), len(DESIGN_EXTRAS))
    v = np.asarray(vectors, dtype=np.float64).reshape(len(sentences), -1)
    cos = v @ anchors.T if len(anchors) else np.zeros((len(sentences), 0))
    classes = [c for c, _ in anchor_texts()]
    best = [cos[:, [i for i, k in enumerate(classes) if k == c]].max(axis=1) for c in CLASSES if c in classes]
    return np.hstack([lexical, extras, np.column_stack(best) if best else np.zeros((len(sentences), 0))])


def _extras(sentence: str) -> tuple[float, float]:
    text = sentence.lower()
    hedges = sum(1 for p in _cues()["hedge"] if p.search(text))
    support, _, _, condition, _, _ = _lexical_counts(sentence)
    return float(hedges), float(bool(support) and bool(hedges or condition))


@dataclass
class StanceModel:
    anchors: np.ndarray  # unit vectors of the anchor sentences (embedder-specific)
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # classes × features
    bias: np.ndarray
    report: dict

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Rows of P(class), normalised over the classes."""
        z = ((x - self.mean) / self.scale) @ self.weights.T + self.bias
        p = 1.0 / (1.0 + np.exp(-z))
        return p / p.sum(axis=1, keepdims=True)

    def classify(self, sentences: Sequence[str], vectors: np.ndarray) -> list[tuple[str, float]]:
        if not sentences:
            return []
        if vectors.shape[1] != self.anchors.shape[1]:  # another embedder than the model was fitted with
            return [(lexicon_stance(s), 0.5) for s in sentences]
        p = self.probabilities(design(sentences, vectors, self.anchors))
        return [(CLASSES[int(i)], float(row[i])) for row, i in zip(p, p.argmax(axis=1), strict=True)]

    def to_json(self) -> dict:
        return {
            "classes": list(CLASSES),
            "lexical_features": list(LEXICAL_FEATURES + DESIGN_EXTRAS),
            "anchors": self.anchors.round(5).tolist(),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(5).tolist(),
            "bias": self.bias.round(5).tolist(),
            "report": self.report,
        }

    @classmethod
    def from_json(cls, data: dict) -> StanceModel:
        if tuple(data.get("classes", ())) != CLASSES:
            raise ValueError("the model's classes are not the ones this code knows")
        return cls(
            np.asarray(data["anchors"]),
            np.asarray(data["mean"]),
            np.asarray(data["scale"]),
            np.asarray(data["weights"]),
            np.asarray(data["bias"]),
            dict(data.get("report", {})),
        )


@cache
def load_stance_model(path: Path = MODEL_PATH) -> StanceModel | None:
    """The shipped model, or None (then the lexicon alone decides)."""
    if not path.is_file():
        return None
    try:
        return StanceModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, json.JSONDecodeError):
        return None


def fit_stance(x: np.ndarray, y: np.ndarray, l2: float, anchors: np.ndarray | None = None) -> StanceModel:
    mean, scale = standardise(x)
    rows, biases = [], []
    for k in range(len(CLASSES)):
        w, b = fit_logistic((x - mean) / scale, (y == k).astype(float), l2)
        rows.append(w)
        biases.append(b)
    return StanceModel(
        anchors if anchors is not None else np.zeros((0, 1)), mean, scale, np.vstack(rows), np.asarray(biases), {}
    )


def cross_validate(
    x: np.ndarray, y: np.ndarray, l2: float, folds: int = 5, seed: int = 0, groups: Sequence[str] | None = None
) -> np.ndarray:
    """Out-of-fold predicted class of every labelled sentence: with `groups` (the respondent each
    sentence is from) every respondent is held out in turn, so no fold sees its own author's
    wording; else stratified random folds (fixed seed), which flatter a model that learns a
    respondent's phrasing."""
    if groups is not None:
        names = sorted(set(groups))
        fold_of = np.array([names.index(g) for g in groups])
        folds = len(names)
    else:
        rng = np.random.default_rng(seed)
        fold_of = np.empty(len(y), dtype=int)
        for label in np.unique(y):
            index = np.flatnonzero(y == label)
            rng.shuffle(index)
            fold_of[index] = np.arange(len(index)) % folds
    out = np.empty(len(y), dtype=int)
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        if test.any():
            out[test] = fit_stance(x[train], y[train], l2).probabilities(x[test]).argmax(axis=1)
    return out


def macro_f1(y: np.ndarray, predicted: np.ndarray, n: int = len(CLASSES)) -> float:
    scores = []
    for k in range(n):
        tp = float(((predicted == k) & (y == k)).sum())
        fp = float(((predicted == k) & (y != k)).sum())
        fn = float(((predicted != k) & (y == k)).sum())
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def read_labels(path: Path = LABELS_PATH) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("stance") not in CLASSES or not row.get("text"):
            raise ValueError(f"{path}:{n}: 'text' och 'stance' (en av {', '.join(CLASSES)}) krävs")
        rows.append(row)
    return rows
