"""One respondent's position on each proposal: does it speak of it, and what stance do its words take.

"Addressed" is decided per sentence from two signals: how much of the proposal's distinctive
vocabulary (its title's rarest words across the proposals, less its text's) the sentence holds,
and the cosine of the sentence's e5 vector to the proposal's. A general statement ("positiv till
förslagen") names no proposal's own words, so it addresses none: ej_berört stays precise. The
stance is read from the addressing sentences by the fitted classifier (lexicon + vector).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.positions.classifier import StanceModel, lexical_features, lexicon_stance
from assistant.positions.evidence import RespondentText, Sentence
from assistant.positions.model import Cell, CellQuote, Proposal
from assistant.swedish import analyse

GENERAL = frozenset(analyse("förslag förslagen rekommendation rekommendationer betänkande betänkandet delegationen"))


@dataclass(frozen=True)
class AddressParams:
    """How sure a sentence must be that it speaks of a proposal (tuned on the dev gold only)."""

    cosine_weight: float = 2.0
    cosine_floor: float = 0.80  # e5 cosines of unrelated Swedish sentences sit around 0.75-0.8
    threshold: float = 0.55
    section_weight: float = 0.25
    max_quotes: int = 3


@dataclass
class ProposalProfile:
    """What a sentence must hold to speak of one proposal: weighted terms and a vector."""

    proposal: Proposal
    title_terms: dict[str, float]
    text_terms: dict[str, float]
    section_terms: dict[str, float]
    vector: np.ndarray


def profiles(proposals: Sequence[Proposal], embed: Callable[[list[str]], list[list[float]]]) -> list[ProposalProfile]:
    """Term weights are IDF over the proposals, so words every proposal shares count for little."""
    bags = [set(analyse(f"{p.title} {p.text}")) for p in proposals]
    df = Counter(t for bag in bags for t in bag)
    n = len(proposals)

    def idf(term: str) -> float:
        return math.log((n + 1) / (df.get(term, 0) + 0.5))

    vectors = embed([f"{p.title}. {p.text}"[:1200] for p in proposals]) if proposals else []
    out = []
    for p, vector in zip(proposals, vectors, strict=True):
        title = {t: idf(t) for t in analyse(p.title) if t not in GENERAL and len(t) > 2}
        text = {t: 0.3 * idf(t) for t in analyse(p.text) if t not in GENERAL and len(t) > 2 and t not in title}
        section = {t: idf(t) for t in analyse(p.section) if t not in GENERAL and len(t) > 2}
        v = np.asarray(vector, dtype=np.float32)
        out.append(ProposalProfile(p, title, text, section, v / (np.linalg.norm(v) or 1.0)))
    return out


def _coverage(terms: set[str], weights: dict[str, float], denominator: float) -> float:
    return sum(w for t, w in weights.items() if t in terms) / denominator if denominator else 0.0


def address_scores(
    respondent: RespondentText, profs: Sequence[ProposalProfile], params: AddressParams
) -> np.ndarray:
    """sentences × proposals: how strongly each sentence speaks of each proposal."""
    if not respondent.sentences or not profs:
        return np.zeros((len(respondent.sentences), len(profs)))
    cos = respondent.vectors @ np.vstack([p.vector for p in profs]).T
    lexical = np.zeros_like(cos)
    section = np.zeros_like(cos)
    for i, s in enumerate(respondent.sentences):
        terms = set(analyse(s.text))
        heading = set(analyse(s.section))
        for j, p in enumerate(profs):
            denominator = sum(p.title_terms.values()) or 1.0
            lexical[i, j] = min(1.0, _coverage(terms, p.title_terms, denominator) + _coverage(terms, p.text_terms, denominator))
            if p.section_terms:
                section[i, j] = _coverage(heading, p.section_terms, sum(p.section_terms.values()))
    return lexical + params.cosine_weight * np.maximum(0.0, cos - params.cosine_floor) + params.section_weight * section


def cell_for(
    respondent: RespondentText,
    proposal: Proposal,
    column: np.ndarray,
    stance_of: Callable[[list[Sentence], list[int]], list[tuple[str, float]]],
    params: AddressParams,
) -> Cell:
    """The cell from the sentences that address the proposal (none: ej_berört)."""
    chosen = [i for i in np.argsort(-column) if column[i] >= params.threshold and not respondent.sentences[i].heading_like]
    if not chosen:
        return Cell(proposal.id, respondent.organisation, respondent.body, "ej_berört", 0.6, (), "lexicon+classifier")
    # Prefer sentences that carry a stance cue; then the most addressing.
    cued = [i for i in chosen[:8] if lexical_features(respondent.sentences[i].text)[:4].any()]
    picked = (cued + [i for i in chosen if i not in cued])[: params.max_quotes]
    labels = stance_of([respondent.sentences[i] for i in picked], picked)
    stance, confidence = combine(labels)
    strength = float(min(1.0, column[picked[0]]))
    quotes = tuple(quote(respondent.sentences[i]) for i in picked)
    return Cell(
        proposal.id, respondent.organisation, respondent.body, stance, round(confidence * strength, 3), quotes,
        "lexicon+classifier",
    )


def combine(labels: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """Several sentences' stances as one: support and opposition together make a conditional support."""
    if not labels:
        return "synpunkter", 0.3
    found = {s for s, _ in labels}
    confidence = float(np.mean([c for _, c in labels]))
    if "tillstyrker" in found and "avstyrker" in found:
        return "tillstyrker_delvis", confidence
    for stance in ("avstyrker", "tillstyrker_delvis", "tillstyrker"):
        if stance in found:
            return stance, max(c for s, c in labels if s == stance)
    return "synpunkter", confidence


def quote(s: Sentence) -> CellQuote:
    return CellQuote(s.text, s.doc_id, s.page, s.start, s.end, s.title)


def classifier_stances(model: StanceModel | None, respondent: RespondentText) -> Callable[[list[Sentence], list[int]], list[tuple[str, float]]]:
    def stance_of(sentences: list[Sentence], rows: list[int]) -> list[tuple[str, float]]:
        if model is None:
            return [(lexicon_stance(s.text), 0.5) for s in sentences]
        return model.classify([s.text for s in sentences], respondent.vectors[rows])

    return stance_of


def overall(respondent: RespondentText, model: StanceModel | None) -> tuple[str, str]:
    """The respondent's stance on the proposals as a whole: its first general sentence with a cue."""
    stance_of = classifier_stances(model, respondent)
    for i, s in enumerate(respondent.sentences):
        terms = set(analyse(s.text))
        if terms & GENERAL and lexical_features(s.text)[:3].any() and not s.heading_like:
            return stance_of([s], [i])[0][0], s.text
    return "synpunkter" if respondent.sentences else "ej_berört", ""
