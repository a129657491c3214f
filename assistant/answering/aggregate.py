"""Questions about the respondents as a whole, answered from the remissammanställning.

"Vilka instanser är kritiska till policylabbet?" or "Hur många tillstyrker förslaget om riktade
statsbidrag?" ask about every respondent; the top passages of a search hold a few of them. When
the position matrix has been computed, such a question is answered from it: every respondent
that takes a stance on the proposal, under its stance, with each quote cited [n] (the quote is
the citation's passage, so the source cards open it in its document), and those that do not
address it named last.

A question is aggregate when it asks about the respondents collectively (remissinstanser,
instanser, remissvar, hur många, vilka, which, how many …) with an opinion word (the stance
question words the answerability features use), names no respondent of its own, and names a
proposal: the proposal's title holds a topic word of the question, and its title and wording
together at least half of them (IDF-weighted, Swedish stems and compound parts, English through
the glossary). Anything else takes the normal path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.answerability.features import STANCE_QUESTION
from assistant.glossary import translate
from assistant.positions.model import STANCE_LABELS_SV, STANCES, Cell, CellQuote, PositionMatrix, Proposal
from assistant.prompts import message
from assistant.records import Citation, Hit
from assistant.retrieval import Filters
from assistant.swedish import analyse
from assistant.understanding.entities import find_targets, silent_speakers
from ingest.records import Chunk

COLLECTIVE = re.compile(
    r"\b(remissinstans\w*|instans\w*|remissvar\w*|remissvarare|svarande|hur\s+många|vilka|vem|"
    r"respondents?|consultees?|stakeholders?|which|who|how\s+many)\b",
    re.IGNORECASE,
)
# Words that say "a proposal" or who made it, not which one: never topic words.
_PROPOSAL_WORDS = re.compile(
    r"\b(förslag\w*|rekommendation\w*|utredning\w*|\w*delegation\w*|betänkande\w*|proposals?|recommendations?)\b",
    re.IGNORECASE,
)
# The stance a question asks for first ("Vilka är kritiska …" lists the opponents first).
_ASKED = (
    ("avstyrker", re.compile(r"\b(avstyrk\w*|kritisk\w*|negativ\w*|emot|oppose\w*|against|critical)\b", re.I)),
    ("tillstyrker", re.compile(r"\b(tillstyrk\w*|stöd\w*|positiv\w*|välkomna\w*|support\w*|favou?r\w*)\b", re.I)),
)
MIN_SHARE = 0.5  # the proposal's title and wording must hold this share of the question's topic (IDF-weighted)
TEXT_WEIGHT = 0.25  # a word of the title counts more than one of the proposal's wording
MAX_PROPOSALS = 3  # more equally good matches: the question is too vague for the matrix


@dataclass(frozen=True)
class Sources:
    """What the answer needs of the index: document metadata and text (for the source cards)."""

    entry: Callable[[str], object | None]  # doc_id -> ManifestEntry (or None)
    text: Callable[[str], str]  # doc_id -> cleaned document text


def is_aggregate(question: str) -> bool:
    """Does the question ask about the respondents as a whole, with an opinion word?"""
    return COLLECTIVE.search(question) is not None and STANCE_QUESTION.search(question) is not None


def topic_terms(question: str, language: str, vocab: frozenset[str]) -> set[str]:
    """The question's words that can name a proposal: without the collective, opinion and proposal words."""
    text = question
    if language == "en":
        swedish = translate(question).swedish
        text = " ".join(swedish) if swedish else question
    for pattern in (COLLECTIVE, STANCE_QUESTION, _PROPOSAL_WORDS):
        text = pattern.sub(" ", text)
    return set(analyse(text, vocab))


def match_proposals(
    question: str, language: str, matrix: PositionMatrix, vocab: frozenset[str], idf: Callable[[str], float]
) -> list[Proposal]:
    """The proposals the question names (best title match; ties kept, up to MAX_PROPOSALS), else []."""
    topic = {t for t in topic_terms(question, language, vocab) if not vocab or t in vocab}
    total = sum(idf(t) for t in topic)
    if not total:
        return []
    scored: list[tuple[float, Proposal]] = []
    for proposal in matrix.proposals:
        title = set(analyse(proposal.title, vocab))
        text = set(analyse(proposal.text, vocab)) - title
        in_title = sum(idf(t) for t in topic & title) / total
        in_text = sum(idf(t) for t in topic & text) / total
        if in_title == 0 or in_title + in_text < MIN_SHARE:
            continue
        scored.append((in_title + TEXT_WEIGHT * in_text, proposal))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    chosen = [p for score, p in scored if score >= best - 1e-9]
    return chosen if len(chosen) <= MAX_PROPOSALS else []


def aggregate_answer(
    question: str,
    language: str,
    matrix: PositionMatrix,
    vocab: frozenset[str],
    idf: Callable[[str], float],
    sources: Sources,
    prompts: Path,
    filters: Filters | None = None,
    speakers: tuple[set[str], set[str]] | None = None,
) -> tuple[str, list[Citation]] | None:
    """The answer text and its citations, or None when the question is not one the matrix answers.

    `speakers` (the index's organisations and bodies): a question that names anyone else ("Vad skrev
    Skolinspektionen i sitt remissvar om …") asks about that one, not the respondents as a whole."""
    if not is_aggregate(question):
        return None
    if speakers is not None and silent_speakers(question, *speakers):
        return None
    organisations = {r.organisation for r in matrix.respondents}
    bodies = {r.body for r in matrix.respondents}
    if find_targets(question, organisations, bodies):
        return None  # one respondent's view: the normal path quotes its own words
    proposals = match_proposals(question, language, matrix, vocab, idf)
    respondents = [r for r in matrix.respondents if _passes(r.organisation, r.body, r.doc_ids, filters)]
    if not proposals or not respondents:
        return None
    order = _stance_order(question)
    lines: list[str] = []
    citations: list[Citation] = []
    for proposal in proposals:
        cells = [matrix.cell(proposal.id, *r.key) for r in respondents]
        labels = {r.key: r.label for r in respondents}
        lines.append(message(prompts, language, "aggregate_lead", proposal=proposal.title, total=len(respondents)))
        counts = {s: sum(c.stance == s for c in cells) for s in STANCES}
        lines.append("- " + " · ".join(f"{_label(s, language, prompts)}: {counts[s]}" for s in STANCES))
        lines.append("")
        if not any(c.stance != "ej_berört" for c in cells):
            lines += [message(prompts, language, "aggregate_none"), ""]
        for stance in order:
            own = [c for c in cells if c.stance == stance]
            if not own:
                continue
            lines.append(f"**{_label(stance, language, prompts)} ({len(own)})**")
            for cell in own:
                numbers = []
                for quote in cell.quotes:
                    citations.append(quote_citation(len(citations) + 1, cell, quote, sources))
                    numbers.append(f"”{' '.join(quote.text.split())}” [{len(citations)}]")
                lines.append(f"- {labels[cell.respondent_key]}" + (": " + " ".join(numbers) if numbers else ""))
            lines.append("")
        silent = [labels[c.respondent_key] for c in cells if c.stance == "ej_berört"]
        if silent:
            lines += [message(prompts, language, "aggregate_not_addressed", names="; ".join(silent)), ""]
    return "\n".join(lines).strip(), citations


def _label(stance: str, language: str, prompts: Path) -> str:
    return STANCE_LABELS_SV[stance] if language == "sv" else message(prompts, language, f"position_{stance}")


def _stance_order(question: str) -> list[str]:
    """The stances with a stance, the one the question asks for first."""
    order = [s for s in STANCES if s != "ej_berört"]
    for stance, pattern in _ASKED:
        if pattern.search(question):
            return [stance, *(s for s in order if s != stance)]
    return order


def _passes(organisation: str, body: str, doc_ids: tuple[str, ...], filters: Filters | None) -> bool:
    """The chat's filters narrow the respondents (a kind filter says nothing about them)."""
    if filters is None:
        return True
    if filters.organisation and organisation != filters.organisation:
        return False
    if filters.body and body != filters.body:
        return False
    return not filters.doc_id or filters.doc_id in doc_ids


def quote_citation(n: int, cell: Cell, quote: CellQuote, sources: Sources) -> Citation:
    """A citation whose passage is the quote itself, placed in its document when it can be found."""
    entry = sources.entry(quote.doc_id)
    start, end = quote.start, quote.end
    if start is None or end is None:
        start, end = _locate(quote.text, sources.text(quote.doc_id))
    chunk = Chunk(
        id=f"{quote.doc_id}:position:{start}:{end}:{n}",
        doc_id=quote.doc_id,
        doc_hash=getattr(entry, "doc_hash", ""),
        text=quote.text,
        source=getattr(entry, "source", ""),
        title=quote.title or getattr(entry, "title", quote.doc_id),
        organisation=cell.organisation,
        body=cell.body,
        kind=getattr(entry, "kind", ""),
        section="",
        page=quote.page,
        start=start,
        end=end,
        token_count=0,
    )
    hit = Hit(chunk, cell.confidence, n, ("positions",))
    return Citation(n, hit, quote.text, start, end)


def _locate(quote: str, text: str) -> tuple[int, int]:
    """Where the quote stands in the document text (line breaks inside it allowed); (0, 0) when nowhere."""
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = quote.split()
    if words:
        found = re.search(r"\s+".join(re.escape(w) for w in words), text)
        if found:
            return found.start(), found.end()
    return 0, 0
