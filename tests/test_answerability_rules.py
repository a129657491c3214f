"""The hard rules of `assistant.answerability.decide`: they hold whatever the fitted model says."""

from __future__ import annotations

import numpy as np

from assistant.answerability import FEATURES, AnswerabilityModel, Evidence, decide
from assistant.settings import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"


def always_answers() -> AnswerabilityModel:
    """A model whose probability is about 1 for any question."""
    n = len(FEATURES)
    return AnswerabilityModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 20.0, 0.5)


def evidence(**values: float) -> Evidence:
    base = dict.fromkeys(FEATURES, 0.5) | {"unknown_organisation": 0.0, "known_words": 0.6}
    return Evidence(base | values)


def test_a_model_that_would_answer_answers_when_no_rule_applies() -> None:
    assert decide(evidence(), always_answers(), PROMPTS, "sv").answer


def test_a_question_none_of_whose_words_the_corpus_uses_is_never_answered() -> None:
    decision = decide(evidence(known_words=0.0), always_answers(), PROMPTS, "sv")
    assert not decision.answer and decision.probability > 0.99
    assert decide(evidence(known_words=0.05), always_answers(), PROMPTS, "sv").answer  # one known word is enough


def test_an_organisation_the_corpus_never_names_is_never_answered() -> None:
    assert not decide(evidence(unknown_organisation=1.0), always_answers(), PROMPTS, "en").answer
