"""The question prior: P(answerable | the question's wording), stacked into the answerability model
without leaking a file's own labels into its figures."""

from __future__ import annotations

import numpy as np

from assistant.answerability import FEATURES, Evidence, load_model
from assistant.answerability.features import NEUTRAL_KIND
from assistant.answerability.model import AnswerabilityModel, fit, fit_prior
from evals.fit_answerability import leave_one_file_out, prior_column


def _questions(seed: int = 3, n: int = 120, width: int = 8) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Question vectors whose first dimension tells answerable from not, in three files."""
    rng = np.random.default_rng(seed)
    y = np.tile([1.0, 0.0], n // 2)
    q = rng.normal(0, 1, (n, width))
    q[:, 0] += 2.0 * (y - 0.5)
    return q, y, ["a.jsonl"] * 50 + ["b.jsonl"] * 50 + ["c.jsonl"] * (n - 100)


def test_each_files_prior_value_comes_from_a_prior_fitted_without_it() -> None:
    q, y, groups = _questions()
    before = prior_column(q, y, groups, l2=1.0)
    flipped = y.copy()
    flipped[:50] = 1.0 - flipped[:50]  # file a's own labels change ...
    after = prior_column(q, flipped, groups, l2=1.0)
    # ... and its values do not (below the cap, the column's mean): they never saw them.
    below = (before[:50] < before.mean() - 1e-9) & (after[:50] < after.mean() - 1e-9)
    assert below.sum() >= 15 and np.allclose(before[:50][below], after[:50][below])
    assert not np.allclose(before[50:], after[50:])  # the other files' priors were fitted on a's labels
    assert np.mean(before[y == 0]) < np.mean(before[y == 1])
    # It warns, never vouches: every question that sounds answerable gets the same capped value.
    assert (before == before.max()).sum() >= 30


def test_leave_one_file_out_refits_the_prior_without_the_file() -> None:
    q, y, groups = _questions()
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, (len(y), len(FEATURES)))  # no feature but the prior tells anything
    with_prior = leave_one_file_out(x, y, groups, q=q)
    without = leave_one_file_out(x, y, groups)
    assert with_prior["mean"]["auc"] > 0.8
    assert abs(without["mean"]["auc"] - 0.5) < 0.2


def test_a_model_keeps_its_prior_through_its_file_and_ignores_another_embedder() -> None:
    q, y, _ = _questions()
    prior = fit_prior(q, y, l2=1.0)
    n, kind = len(FEATURES), FEATURES.index("question_kind")
    model = fit(np.random.default_rng(0).normal(0, 1, (len(y), n)), y, 0.5, prior=prior)
    again = AnswerabilityModel.from_json(model.to_json())
    assert again.prior is not None and again.prior(q[0]) == prior(q[0]) != NEUTRAL_KIND
    assert prior(np.ones(5)) is None and prior(None) is None  # another embedder's vector: no opinion

    asked = Evidence(dict.fromkeys(FEATURES, 0.5), query_vector=list(q[0]))
    x = asked.vector()
    x[kind] = prior(q[0])
    assert again.evidence_probability(asked) == again.probability(x)
    # Without a vector the kind weighs nothing: it takes the mean the model was fitted on.
    blind = Evidence(dict.fromkeys(FEATURES, 0.5))
    x = blind.vector()
    x[kind] = again.mean[kind]
    assert again.evidence_probability(blind) == again.probability(x)
    assert again.contributions(x)["question_kind"] == 0.0


def test_the_prior_weighs_nothing_on_another_inquirys_documents() -> None:
    """What the prior learned is partly this corpus's: on mostly other documents it has no say."""
    q, y, _ = _questions()
    n, kind = len(FEATURES), FEATURES.index("question_kind")
    prior = fit_prior(q, y, l2=1.0, corpus=frozenset({"a", "b", "c", "d"}))
    model = fit(np.random.default_rng(0).normal(0, 1, (len(y), n)), y, 0.5, prior=prior)
    model = AnswerabilityModel.from_json(model.to_json())
    assert model.prior is not None and model.prior.corpus == {"a", "b", "c", "d"}
    values = dict.fromkeys(FEATURES, 0.5)
    here = Evidence(values, query_vector=list(q[0]), corpus=frozenset({"a", "b", "c", "d", "e"}))
    elsewhere = Evidence(values, query_vector=list(q[0]), corpus=frozenset({"d", "x", "y", "z"}))
    x = here.vector()
    x[kind] = model.mean[kind]
    assert model.evidence_probability(elsewhere) == model.probability(x)
    assert model.evidence_probability(here) != model.probability(x)


def test_the_shipped_model_reads_the_question_prior_as_a_sign_of_an_answer() -> None:
    model = load_model()
    assert model.prior is not None and len(model.prior.weights) == len(model.prior.mean) > 100
    assert model.weights[model.features.index("question_kind")] > 0
    assert 0.0 < model.prior.ceiling < 1.0  # capped: it warns, never vouches
    assert model.prior.corpus  # read only on the documents it was fitted on
