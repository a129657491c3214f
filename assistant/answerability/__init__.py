"""Decide: answer or abstain, once per question, from general features and one fitted model.

`features.gather` measures the question and its evidence; `model.AnswerabilityModel` turns the
measurements into P(answerable); `decide` applies the two hard rules whose precision is near 1
(an organisation the corpus never names; a question none of whose words the corpus uses at all,
"Hur bakar man surdegsbröd?", which a model fitted on a few such cases can still answer) and the
model's threshold, and says why in the user's language when it abstains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.answerability.features import FEATURES, Evidence, gather
from assistant.answerability.model import MODEL_PATH, AnswerabilityModel, load_model
from assistant.prompts import message

__all__ = ["FEATURES", "MODEL_PATH", "AnswerabilityModel", "Decision", "Evidence", "decide", "gather", "load_model"]


@dataclass(frozen=True)
class Decision:
    answer: bool
    probability: float
    reason: str  # why it abstains, in the user's language ("" = weak evidence, no particular reason)


def decide(evidence: Evidence, model: AnswerabilityModel, prompts: Path, language: str) -> Decision:
    """Answer when the model's probability reaches its threshold, unless a hard rule says no."""
    probability = model.evidence_probability(evidence)
    if evidence.values["unknown_organisation"] or evidence.values["known_words"] == 0.0:
        return Decision(False, probability, _reason(evidence, prompts, language))
    if probability >= model.threshold:
        return Decision(True, probability, "")
    return Decision(False, probability, _reason(evidence, prompts, language))


def _reason(evidence: Evidence, prompts: Path, language: str) -> str:
    """The most specific thing the features can say about why the documents do not answer."""
    v = evidence.values
    if evidence.unknown:
        return message(prompts, language, "unknown_names", names=", ".join(dict.fromkeys(evidence.unknown)))
    if evidence.silent:
        return message(prompts, language, "not_a_speaker", name=evidence.silent[0])
    if evidence.summary_organisation:
        return message(prompts, language, "no_position", organisation=evidence.summary_organisation)
    if v["typed"] and evidence.missing_kind and v["typed_support"] < 0.5:
        return message(prompts, language, evidence.missing_kind)
    return ""
