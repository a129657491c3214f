"""One calibrated answerability model: logistic regression over the features of `features.py`.

Fitted on the development sets only (`remiss fit-answerability`), shipped as a small JSON file
beside this module, and read once per process. Logistic regression because its probabilities
are calibrated by construction, it needs a few hundred cases rather than thousands, and its
weights can be read: each feature's contribution to a decision can be shown and explained.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.answerability.features import FEATURES, Evidence
from assistant.errors import ConfigError

MODEL_PATH = Path(__file__).with_name("answerability.json")


@dataclass(frozen=True)
class QuestionPrior:
    """P(answerable | the question's wording alone): a strongly regularised logistic regression on the
    question's e5 vector, fitted on the dev questions.

    Some kinds of question are seldom answered by a remiss corpus whatever the passages say: what
    happened afterwards, a person's party, a figure nobody reports. Their wording shares a direction
    in embedding space that no count of matching words sees. The main model reads this probability as
    one feature beside the others (stacked: fitted on out-of-file values), so it weighs it, never
    obeys it. It can warn, never vouch: its value is capped at `ceiling` (the dev questions' mean),
    so a question that sounds answerable gains nothing over the evidence ("Vilka är de sju
    principerna?" sounds answerable; no passage lists them). What it learns is partly this corpus's
    (which bodies said nothing on which topic), so it is read only on the documents it was fitted
    on (`corpus`); on another inquiry's it weighs nothing until refitted on that inquiry's dev set."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    corpus: frozenset[str] = frozenset()  # the document ids of the index it was fitted on
    ceiling: float = 1.0  # the most it says: the mean of its stacked values on dev

    def applies_to(self, corpus: frozenset[str]) -> bool:
        """Mostly the documents it was fitted on (Jaccard overlap at least a half)?"""
        if not self.corpus:
            return True
        return len(self.corpus & corpus) >= 0.5 * len(self.corpus | corpus)

    def __call__(self, vector: Sequence[float] | None) -> float | None:
        """P(answerable | wording); None without a vector or for another embedder's (no opinion)."""
        if vector is None:
            return None
        v = np.asarray(vector, dtype=float)
        if v.shape != self.mean.shape:
            return None
        z = float(((v - self.mean) / self.scale) @ self.weights + self.bias)
        return min(1.0 / (1.0 + np.exp(-z)), self.ceiling)

    def to_json(self) -> dict:
        return {
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "corpus": sorted(self.corpus),
            "ceiling": self.ceiling,
        }

    @classmethod
    def from_json(cls, data: dict) -> QuestionPrior:
        return cls(
            np.array(data["mean"], dtype=float),
            np.array(data["scale"], dtype=float),
            np.array(data["weights"], dtype=float),
            float(data["bias"]),
            frozenset(data.get("corpus", ())),
            float(data.get("ceiling", 1.0)),
        )


def fit_prior(
    vectors: np.ndarray, y: np.ndarray, l2: float, corpus: frozenset[str] = frozenset(), ceiling: float = 1.0
) -> QuestionPrior:
    mean, scale = standardise(vectors)
    weights, bias = fit_logistic((vectors - mean) / scale, y, l2)
    return QuestionPrior(mean, scale, weights, bias, corpus, ceiling)


@dataclass(frozen=True)
class AnswerabilityModel:
    """P(answerable | features) = sigmoid(w · standardised(x) + b); answer when P >= threshold."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    report: dict = field(default_factory=dict)
    prior: QuestionPrior | None = None

    def evidence_probability(self, evidence: Evidence) -> float:
        """P(answerable) of measured evidence, its question kind read by the prior. Without one (no
        prior, no vector, another embedder, another corpus) the kind is the training mean: it then
        weighs nothing."""
        x = evidence.vector()
        kind = self.features.index("question_kind")
        prior = self.prior
        read = prior(evidence.query_vector) if prior is not None and prior.applies_to(evidence.corpus) else None
        x[kind] = self.mean[kind] if read is None else read
        return self.probability(x)

    def probability(self, x: np.ndarray) -> float:
        z = float(((x - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + np.exp(-z))

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """Each feature's push towards answering (+) or abstaining (-), in log-odds."""
        parts = ((x - self.mean) / self.scale) * self.weights
        return dict(zip(self.features, (float(p) for p in parts), strict=True))

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "threshold": self.threshold,
            "report": self.report,
            "question_prior": self.prior.to_json() if self.prior is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> AnswerabilityModel:
        return cls(
            tuple(data["features"]),
            np.array(data["mean"], dtype=float),
            np.array(data["scale"], dtype=float),
            np.array(data["weights"], dtype=float),
            float(data["bias"]),
            float(data["threshold"]),
            data.get("report", {}),
            QuestionPrior.from_json(data["question_prior"]) if data.get("question_prior") else None,
        )


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> AnswerabilityModel:
    """The shipped model; a clear error when it is missing or was fitted on other features."""
    try:
        model = AnswerabilityModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"{path}: answerability model cannot be read ({exc}); run `remiss fit-answerability`"
        ) from exc
    if model.features != FEATURES:
        raise ConfigError(f"{path}: fitted on other features than this version uses; run `remiss fit-answerability`")
    return model


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression on standardised x (Newton's method)."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale < 1e-9, 1.0, scale)


def fit(
    x: np.ndarray,
    y: np.ndarray,
    threshold: float,
    l2: float = 1.0,
    report: dict | None = None,
    prior: QuestionPrior | None = None,
) -> AnswerabilityModel:
    mean, scale = standardise(x)
    weights, bias = fit_logistic((x - mean) / scale, y, l2)
    return AnswerabilityModel(FEATURES, mean, scale, weights, bias, threshold, report or {}, prior)


def cross_validated_probabilities(
    x: np.ndarray, y: np.ndarray, folds: int = 5, l2: float = 1.0, seed: int = 0
) -> np.ndarray:
    """Out-of-fold P(answerable) for every case (stratified folds, fixed seed)."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for label in (0, 1):
        index = np.flatnonzero(y == label)
        rng.shuffle(index)
        fold_of[index] = np.arange(len(index)) % folds
    out = np.empty(len(y))
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        mean, scale = standardise(x[train])
        weights, bias = fit_logistic((x[train] - mean) / scale, y[train], l2)
        out[test] = 1.0 / (1.0 + np.exp(-(((x[test] - mean) / scale) @ weights + bias)))
    return out


def choose_threshold(probabilities: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the best balanced accuracy (answer rate and abstention recall weigh alike)."""
    best, best_score = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        answered = probabilities >= t
        answer_rate = answered[y == 1].mean() if (y == 1).any() else 0.0
        abstention = (~answered)[y == 0].mean() if (y == 0).any() else 0.0
        score = answer_rate + abstention
        if score > best_score + 1e-12:
            best, best_score = float(t), score
    return best
