"""The default answerer: a compilation of verbatim sentences from the retrieved passages.

It picks the sentences that share the most content words (stems and compound parts) with
the question, groups them by speaking body, and quotes them with [n] citations. It never
writes a claim of its own, so it cannot state what the sources do not say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.entities import Target, aliases
from assistant.records import Citation, Hit
from assistant.swedish import analyse
from ingest.chunking import sentence_spans

_STANCE = re.compile(
    r"\b(anser|instämmer|positiv\w*|negativ\w*|tveksam\w*|kritisk\w*|stödjer|stöder|välkomnar|föreslår|"
    r"rekommenderar|ställer sig|delar|avstyrker|tillstyrker|framhåller|betonar|saknar|menar|vill)\b",
    re.IGNORECASE,
)
MAX_SENTENCES = 6
MAX_PER_HIT = 2


@dataclass(frozen=True)
class Sentence:
    hit: Hit
    text: str
    start: int  # offsets in the cleaned document text
    end: int
    score: float
    matched: int


def question_terms(question: str, vocab: frozenset[str], targets: list[Target]) -> set[str]:
    """Content terms of the question, without the names of the speakers it asks about."""
    names = {t for target in targets for a in aliases(target.value) for t in analyse(f"{a} {a}s")}
    return {t for t in analyse(question, vocab) if t not in names}


def candidate_sentences(hit: Hit, terms: set[str], vocab: frozenset[str]) -> list[Sentence]:
    """Score every sentence of a hit against the question's terms."""
    out: list[Sentence] = []
    text = hit.chunk.text
    for block in re.finditer(r"[^\n]+", text):
        line = block.group(0)
        if len(line) < 25 or (not re.search(r"[.!?:)”]$", line.strip()) and len(line) < 80):
            continue  # headings and fragments are not quotable answers
        for start, end in sentence_spans(line, block.start()):
            sentence = text[start:end].strip()
            if len(sentence) < 20:
                continue
            words = set(analyse(sentence, vocab))
            matched = len(terms & words)
            coverage = matched / len(terms) if terms else 0.0
            score = coverage + 0.3 / hit.rank + (0.1 if _STANCE.search(sentence) else 0.0)
            out.append(Sentence(hit, sentence, hit.chunk.start + start, hit.chunk.start + end, score, matched))
    return out


def select_sentences(hits: list[Hit], terms: set[str], vocab: frozenset[str]) -> list[Sentence]:
    """The best sentences: at most two per passage, six in all, in passage rank order."""
    chosen: list[Sentence] = []
    for hit in hits:
        ranked = sorted(candidate_sentences(hit, terms, vocab), key=lambda s: -s.score)
        best = [s for s in ranked if s.matched > 0][:MAX_PER_HIT]
        if not best and hit.rank == 1 and ranked:
            best = ranked[:1]  # the top passage matched by meaning, not by words
        chosen.extend(best)
    chosen.sort(key=lambda s: -s.score)
    chosen = chosen[:MAX_SENTENCES]
    return sorted(chosen, key=lambda s: (s.hit.rank, s.start))


def compose(sentences: list[Sentence], heading: str) -> tuple[str, list[Citation]]:
    """Group quotes by organisation and body; number the passages in order of appearance."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    groups: dict[str, list[str]] = {}
    for s in sentences:
        chunk = s.hit.chunk
        if chunk.id not in numbers:
            numbers[chunk.id] = len(numbers) + 1
            quoted = [x for x in sentences if x.hit.chunk.id == chunk.id]
            span_start = min(x.start for x in quoted)
            span_end = max(x.end for x in quoted)
            citations.append(
                Citation(numbers[chunk.id], s.hit, " … ".join(x.text for x in quoted), span_start, span_end)
            )
        who = chunk.organisation if chunk.body == chunk.organisation else f"{chunk.organisation}, {chunk.body}"
        groups.setdefault(who, []).append(f"- ”{s.text}” [{numbers[chunk.id]}]")
    lines = [heading, ""]
    for who, quotes in groups.items():
        lines.append(f"**{who}**")
        lines.extend(quotes)
        lines.append("")
    return "\n".join(lines).strip(), citations


def coverage(
    hits: list[Hit],
    terms: set[str],
    vocab: frozenset[str],
    idf: Callable[[str], float],
) -> float:
    """Best share (IDF-weighted) of the question's terms that one sentence of the hits contains.

    0 when no sentence shares a word with the question; 1 when one sentence has them all.
    """
    total = sum(idf(t) for t in terms)
    if total == 0:
        return 0.0
    best = 0.0
    for hit in hits:
        for sentence in candidate_sentences(hit, terms, vocab):
            words = set(analyse(sentence.text, vocab))
            best = max(best, sum(idf(t) for t in terms & words) / total)
    return best
