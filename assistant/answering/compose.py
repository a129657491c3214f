"""The default answerer: answer first, then verbatim quotes with [n] citations.

Sentences of the retrieved passages are ranked by how well they answer: their meaning (the
sentence vector against the question's), the share of the question's words they hold, and
whether they give the kind of answer asked for. Headings and fragments are never quoted, and a
sentence reprinted in a second document is quoted once. The answer leads with what answers:

- a count, date, amount or name: the value itself, with its citation;
- a stance question: each speaking body with positive, critical or mixed, above its quotes;
- a definition: the defining text of the report's own summary before others' comments.

Nothing is written that the quotes do not say: the lead is words of a quoted sentence, and the
stance label says what the quotes under it show (their cue words), not the body's whole position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.answerability.features import NON_POSITION_KINDS, STANCE_QUESTION, best_sentences
from assistant.answering.stance import stance_of
from assistant.lexical import LexicalIndex
from assistant.prompts import message
from assistant.records import Citation, Hit
from assistant.retrieval import Retrieval
from assistant.sentences import SentenceSpan, SentenceVectors
from assistant.swedish import analyse
from assistant.understanding.answer_types import Expectation, answer_value, expectation, first_question
from assistant.understanding.entities import mentions
from assistant.understanding.followup import without_names
from assistant.understanding.terms import question_terms

MAX_SENTENCES = 5
MIN_SENTENCES = 2  # a restatement of the proposal may lead on shared words; the verdict after it stays
MAX_PER_PASSAGE = 2
TOLD_MARGIN = 0.03  # how much better a telling sentence must be than the named body's own best
WORDS_WEIGHT = 0.15  # a sentence holding all the question's words gains this much cosine
RELATIVE_CUTOFF = 0.12  # quotes this far below the best are not worth the reader's time
OFF_TOPIC_PENALTY = 0.08  # a sentence with none of the question's topic words
_DEFINITION_Q = re.compile(
    r"^\s*(?:vad\s+(?:är|menas\s+med|betyder|innebär|avses\s+med)|what\s+(?:is|are|does)|define)\b", re.IGNORECASE
)
_DEFINING = re.compile(r"\b(?:innebär|betyder|avses|handlar om|definier\w*|är en|är ett|means|is)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Quote:
    hit: Hit
    span: SentenceSpan
    score: float

    @property
    def speaker(self) -> str:
        c = self.hit.chunk
        return c.organisation if c.body == c.organisation else f"{c.organisation}, {c.body}"


def compose_answer(
    question: str,
    language: str,
    retrieval: Retrieval,
    lexical: LexicalIndex,
    sentences: SentenceVectors,
    prompts: Path,
) -> tuple[str, list[Citation]]:
    """The answer text and its citations, numbered in order of appearance."""
    wanted = expectation(first_question(question))
    quotes = choose(rank(question, retrieval, lexical, sentences, wanted))
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    for q in quotes:
        if q.hit.chunk.id not in numbers:
            numbers[q.hit.chunk.id] = len(numbers) + 1
    for chunk_id, n in numbers.items():
        own = [q for q in quotes if q.hit.chunk.id == chunk_id]
        citations.append(
            Citation(
                n,
                own[0].hit,
                " … ".join(q.span.text for q in sorted(own, key=lambda q: q.span.start)),
                min(q.span.start for q in own),
                max(q.span.end for q in own),
            )
        )
    lines = _lead(question, language, quotes, numbers, wanted, prompts)
    groups: dict[str, list[Quote]] = {}
    for q in quotes:
        groups.setdefault(q.speaker, []).append(q)
    stance = STANCE_QUESTION.search(question) is not None
    for speaker, own in groups.items():
        label = stance_of([q.span.text for q in own]) if stance else None
        title = f"{speaker} – {message(prompts, language, 'stance_' + label)}" if label else speaker
        lines.append(f"**{title}**")
        lines.extend(f"- ”{q.span.text}” [{numbers[q.hit.chunk.id]}]" for q in own)
        lines.append("")
    return "\n".join(lines).strip(), sorted(citations, key=lambda c: c.n)


def rank(
    question: str,
    retrieval: Retrieval,
    lexical: LexicalIndex,
    sentences: SentenceVectors,
    wanted: Expectation | None,
) -> list[Quote]:
    """Every quotable sentence of the retrieved passages, best answer first."""
    hits = retrieval.hits
    terms = question_terms(question, lexical.vocab, retrieval.targets)
    total = sum(lexical.idf(t) for t in terms)
    defining = _DEFINITION_Q.search(question) is not None
    out: list[Quote] = []
    vector = retrieval.query_vector
    if retrieval.targets:
        # The speaker is already chosen by the passages kept; what a sentence must match is the
        # topic. Otherwise "Socialnämnden beslutade vid sitt sammanträde …" wins on the name alone.
        topic = " ".join(without_names(question, retrieval.targets).split())
        if topic.strip() and topic != question:
            vector = sentences.embed_query(topic)
    for cosine, hit, span in best_sentences(vector, hits, sentences):
        if span.heading_like:
            continue
        words = set(analyse(span.text, lexical.vocab))
        share = sum(lexical.idf(t) for t in terms & words) / total if total else 0.0
        score = cosine + WORDS_WEIGHT * share + 0.01 / hit.rank
        if terms and share == 0:
            score -= OFF_TOPIC_PENALTY  # "Socialnämnden beslutade vid sitt sammanträde …": names, no topic
        if wanted is not None and wanted.accepts(span.text):
            score += 0.05
        if defining and hit.chunk.kind in NON_POSITION_KINDS:
            score += 0.03 + (0.03 if _DEFINING.search(span.text) else 0.0)
        out.append(Quote(hit, span, score))
    out.sort(key=lambda q: -q.score)
    return _named_speakers_first(out, retrieval, STANCE_QUESTION.search(question) is not None)


def _named_speakers_first(ranked: list[Quote], retrieval: Retrieval, stance: bool = False) -> list[Quote]:
    """Who said it matters: a question naming a body (else an organisation) is answered with its
    words when the passages hold any; others' sentences only when they hold none.

    A question that asks no one's view about a body it names as a topic ("När tillsattes
    Tillitsdelegationen?") may be answered better by those who tell about it (a remissvar retelling
    when the delegation was appointed): when the best sentence is in a passage that mentions the
    name, those passages count as well."""
    speakers = {(t.field, t.value) for t in retrieval.speakers}
    for field in ("body", "organisation"):
        named = {t.value for t in retrieval.targets if t.field == field}
        if not named:
            continue
        own = [q for q in ranked if getattr(q.hit.chunk, field) in named]
        topics = {n for n in named if (field, n) not in speakers}
        if topics and not stance:
            mentioning = {h.chunk.id for h in retrieval.hits if any(mentions(h.chunk.text, n) for n in topics)}
            told = [q for q in ranked if getattr(q.hit.chunk, field) in named or q.hit.chunk.id in mentioning]
            if told and (not own or told[0].score > own[0].score + TOLD_MARGIN):
                return told
        if own:
            return own
    return ranked


def choose(ranked: list[Quote]) -> list[Quote]:
    """The best few, at most two per passage, each text once (reprints in other documents dropped)."""
    chosen: list[Quote] = []
    seen: set[str] = set()
    per_passage: dict[str, int] = {}
    best = ranked[0].score if ranked else 0.0
    for q in ranked:
        key = _fingerprint(q.span.text)
        if key in seen or per_passage.get(q.hit.chunk.id, 0) >= MAX_PER_PASSAGE:
            continue
        if len(chosen) >= MIN_SENTENCES and q.score < best - RELATIVE_CUTOFF:
            break
        seen.add(key)
        per_passage[q.hit.chunk.id] = per_passage.get(q.hit.chunk.id, 0) + 1
        chosen.append(q)
        if len(chosen) == MAX_SENTENCES:
            break
    return chosen


def _lead(
    question: str,
    language: str,
    quotes: list[Quote],
    numbers: dict[str, int],
    wanted: Expectation | None,
    prompts: Path,
) -> list[str]:
    """The line that answers, when the quotes hold a value; else the compilation heading."""
    if wanted is not None:
        for q in quotes:
            if wanted.accepts(q.span.text):
                value = answer_value(wanted, q.span.text)
                if value:
                    n = numbers[q.hit.chunk.id]
                    return [message(prompts, language, "lead_value", speaker=q.speaker), f"- **{value}** [{n}]", ""]
    return [message(prompts, language, "compilation"), ""]


def _fingerprint(text: str) -> str:
    """The words of a sentence, lower case, without punctuation: a reprint has the same fingerprint."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())
