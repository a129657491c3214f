"""One calibrated answerability model: logistic regression over the features of `features.py`.

Fitted on the development sets only (`remiss fit-answerability`), shipped as a small JSON file
beside this module, and read once per process. Logistic regression because its probabilities
are calibrated by construction, it needs a few hundred cases rather than thousands, and its
weights can be read: each feature's contribution to a decision can be shown and explained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.answerability.features import FEATURES
from assistant.errors import ConfigError

MODEL_PATH = Path(__file__).with_name("answerability.json")


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
    x: np.ndarray, y: np.ndarray, threshold: float, l2: float = 1.0, report: dict | None = None
) -> AnswerabilityModel:
    mean, scale = standardise(x)
    weights, bias = fit_logistic((x - mean) / scale, y, l2)
    return AnswerabilityModel(FEATURES, mean, scale, weights, bias, threshold, report or {})


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
