"""The stance classifier's cross-validation holds out whole respondents, and every label names its respondent."""

from __future__ import annotations

import numpy as np

from assistant.positions.classifier import CLASSES, cross_validate, read_labels
from assistant.positions.fit import respondent_groups


def test_held_out_respondents_are_never_seen_in_training() -> None:
    # Each respondent says one stance, in a wording only it uses (its own feature column).
    respondents = ["a", "b", "c", "d"]
    per = 12
    groups = [g for g in respondents for _ in range(per)]
    y = np.array([k for k in range(len(respondents)) for _ in range(per)])
    x = np.zeros((len(y), len(respondents)))
    for row, k in enumerate(y):
        x[row, k] = 1.0
    x += np.random.default_rng(0).normal(0, 0.01, x.shape)
    random_folds = cross_validate(x, y, 1.0)
    held_out = cross_validate(x, y, 1.0, groups=groups)
    assert (random_folds == y).mean() > 0.9  # random folds learn each respondent's own wording
    assert (held_out == y).mean() < 0.1  # a held-out respondent's stance is never seen with its wording


def test_every_labelled_sentence_names_its_document_and_body() -> None:
    rows = read_labels()
    groups = respondent_groups()
    assert len(groups) == len(rows) >= 300
    assert all(r.get("doc_id") and r.get("body") for r in rows), "a label without doc_id/body"
    assert len(set(groups)) >= 10
    assert {r["stance"] for r in rows} == set(CLASSES)
