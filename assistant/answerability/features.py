"""General features of a question and its evidence, for the one answerability decision.

Each feature is a number any question has, whatever its topic: how well the best passages and
their best sentences match (by meaning and by words), how much of the question the corpus knows,
whether the names it uses speak, are only mentioned, or are unknown, and whether a passage gives
the kind of answer asked for (a number, a date, a name, a list). The model in `model.py` weighs
them; nothing here decides.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.lexical import LexicalIndex
from assistant.records import Hit
from assistant.retrieval import Retrieval
from assistant.sentences import SentenceSpan, SentenceVectors, quotable_sentences
from assistant.swedish import analyse, words
from assistant.understanding.answer_types import expectation, first_question, is_polar, support
from assistant.understanding.entities import Target, silent_speakers, unknown_organisations
from assistant.understanding.terms import question_terms
from ingest.records import Chunk

# Document kinds that summarise a report rather than state the sender's own position.
NON_POSITION_KINDS = frozenset({"sammanfattning", "betänkande", "summary"})
STANCE_QUESTION = re.compile(
    r"\b(tycker|tyckte|anser|ansåg|säger|sa|sade|skriver|skrev|menar|ser\b.*\bpå|syn på|ställning|inställning|"
    r"ställ\w* sig|stöd(?:jer|er|de)|tillstyrk\w*|avstyrk\w*|svara\w*|bemöt\w*|synpunkt\w*|kommentera\w*|"
    r"bedöm\w*|invänd\w*|positiv\w*|negativ\w*|kritisk\w*|tveksam\w*|"
    r"think\w*|say|says|said|write|wrote|view|position|opinion|stance|respond\w*|support\w*|oppose\w*|"
    r"critical|positive)\b",
    re.IGNORECASE,
)
EVIDENCE_DEPTH = 5  # passages whose sentences count as evidence

FEATURES = (
    "dense_top",
    "lexical_top",
    "sentence_meaning",
    "sentence_words",
    "sentence_words_speaker",
    "known_words",
    "missing_key_word",
    "unknown_name",
    "unknown_organisation",
    "names_speaker",
    "summary_asked_position",
    "typed",
    "typed_support",
    "typed_meaning",
    "names_non_speaker",
    "english",
    "joined",
    "topic_words_elsewhere",
    "polar_event",
    "question_kind",
)
# "question_kind" is not measured here: the model's question prior (`model.QuestionPrior`) reads the
# question's vector. Until then it holds this placeholder.
NEUTRAL_KIND = 0.5


@dataclass
class Evidence:
    """Features plus what an abstention message needs to say why."""

    values: dict[str, float]
    unknown: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    summary_organisation: str = ""
    missing_kind: str = ""  # message key of the answer kind no passage gives
    query_vector: Sequence[float] | None = None  # the question's embedding, which the question prior reads
    corpus: frozenset[str] = frozenset()  # the ids of the documents it was asked of

    def vector(self) -> np.ndarray:
        """The features in `FEATURES` order, "question_kind" neutral: the model fills it (`QuestionPrior`)."""
        values = {**self.values, "question_kind": NEUTRAL_KIND}
        return np.array([values[name] for name in FEATURES], dtype=float)


def gather(
    question: str,
    standalone: str,
    language: str,
    retrieval: Retrieval,
    lexical: LexicalIndex,
    sentences: SentenceVectors,
    speakers: tuple[set[str], set[str]],
    kinds_of: dict[str, set[str]],
) -> Evidence:
    """The features of one question. `kinds_of` maps an organisation to its documents' kinds."""
    organisations, bodies = speakers
    r = retrieval
    hits = r.hits[:EVIDENCE_DEPTH]
    spoken = [h for h in r.hits if _spoken_by(h, r.speakers)]
    terms = question_terms(standalone, lexical.vocab, r.targets)
    asks_stance = STANCE_QUESTION.search(question) is not None

    unknown = unknown_organisations(standalone, organisations, bodies, lexical.vocab)
    unknown_org = bool(unknown)
    unknown += [n for n in r.unknown_names if not r.targets]
    summary_org = ""
    for target in r.targets:
        kinds = kinds_of.get(target.value, set())
        if target.field == "organisation" and asks_stance and kinds and kinds <= NON_POSITION_KINDS:
            summary_org = target.value
    wanted = expectation(first_question(question))
    typed_support = 1.0
    if wanted is not None:
        asked = first_question(r.swedish_words if language == "en" else standalone)
        topic = question_terms(asked, lexical.vocab, [])
        typed_support = support(wanted, r.hits[:4], topic, lexical.vocab, lexical.idf, r.speakers, lexical.sentences_of)

    scored = best_sentences(r.query_vector, hits, sentences)
    meaning = scored[0][0] if scored else 0.0
    typed_meaning = meaning
    if wanted is not None:
        typed_meaning = next((s for s, _, span in scored if wanted.accepts(span.text)), 0.0)
    non_speakers = silent_speakers(question, organisations, bodies, r.glossary_words)
    words_cov = coverage(hits, terms, lexical) if terms else 0.0
    words_speaker = coverage(spoken, terms, lexical) if (terms and r.speakers) else words_cov
    words_elsewhere = 0.0
    if r.speakers and terms and asks_stance:
        # A named speaker that never takes up the topic while another body does: the near-miss
        # "Vad anser X om Y?" where Y is someone else's subject. Only for a question about a view:
        # "När fattade Farsta sitt beslut?" asks about the speaker's own act, whose words
        # ("fattade") other bodies' passages may hold while Farsta's holds the date.
        found = lexical.search(standalone, 2 * EVIDENCE_DEPTH, keep=lambda c: not _chunk_by(c, r.speakers))
        elsewhere = [Hit(c, s, i, ("lexical",)) for i, (c, s) in enumerate(found, start=1)]
        words_elsewhere = max(0.0, coverage(elsewhere, terms, lexical) - words_speaker)

    values = {
        "dense_top": r.top_dense,
        "lexical_top": math.log1p(r.top_lexical),
        "sentence_meaning": meaning,
        "sentence_words": words_cov,
        "sentence_words_speaker": words_speaker,
        "known_words": _known_share(r.swedish_words if language == "en" else standalone, lexical),
        "missing_key_word": _missing_key_word(terms, hits, lexical),
        "unknown_name": float(bool(unknown) and not unknown_org),
        "unknown_organisation": float(unknown_org),
        "names_speaker": float(bool(r.speakers)),
        "summary_asked_position": float(bool(summary_org)),
        "typed": float(wanted is not None),
        "typed_support": typed_support,
        "typed_meaning": typed_meaning,
        "names_non_speaker": float(asks_stance and not r.speakers and bool(non_speakers)),
        "english": float(language == "en"),
        "joined": float(first_question(question) != question),
        "topic_words_elsewhere": words_elsewhere,
        # A yes/no question about an event rather than a view ("Antog regeringen sedan förslaget?").
        "polar_event": float(is_polar(first_question(question)) and not asks_stance),
    }
    return Evidence(
        values,
        unknown=unknown + _unknown_numbers(question, lexical.vocab),
        silent=non_speakers if (asks_stance and not r.speakers) else [],
        summary_organisation=summary_org,
        missing_kind=wanted.missing if wanted is not None else "",
        query_vector=r.query_vector,
        corpus=lexical.document_ids,
    )


def best_sentences(
    query_vector: Sequence[float] | None, hits: Sequence[Hit], sentences: SentenceVectors
) -> list[tuple[float, Hit, SentenceSpan]]:
    """Every quotable sentence of the hits with its cosine to the question, best first."""
    if query_vector is None or not hits:
        return []
    query = np.asarray(query_vector, dtype=np.float32)
    query = query / (np.linalg.norm(query) or 1.0)
    found = sentences.of([h.chunk for h in hits])
    scored: list[tuple[float, Hit, SentenceSpan]] = []
    for hit in hits:
        spans, matrix = found[hit.chunk.id]
        if not spans:
            continue
        for span, score in zip(spans, matrix @ query, strict=True):
            scored.append((float(score), hit, span))
    scored.sort(key=lambda item: -item[0])
    return scored


def _sentence_meaning(query_vector: Sequence[float] | None, hits: Sequence[Hit], sentences: SentenceVectors) -> float:
    scored = best_sentences(query_vector, hits, sentences)
    return scored[0][0] if scored else 0.0


def _known_share(question: str, lexical: LexicalIndex) -> float:
    """IDF-weighted share of the question's content words the corpus uses at all (1 = all known).

    A word counts as known when its stem is indexed or it splits into indexed parts (a compound)."""
    unseen = math.log(1 + lexical.n_chunks)  # the weight of a word no passage has
    known_weight = total = 0.0
    for word in words(question):
        terms = analyse(word, lexical.vocab)
        if not terms:
            continue
        head, parts = terms[0], terms[1:]
        known = head in lexical.document_frequency or (
            len(parts) >= 2 and all(p in lexical.document_frequency for p in parts)
        )
        weight = lexical.idf(head) if head in lexical.document_frequency else unseen
        total += weight
        known_weight += weight if known else 0.0
    return known_weight / total if total else 1.0


def coverage(hits: Sequence[Hit], terms: set[str], lexical: LexicalIndex) -> float:
    """Best share (IDF-weighted) of the question's terms that one quotable sentence of the hits holds.

    0 when no sentence shares a word with the question; 1 when one sentence has them all."""
    total = sum(lexical.idf(t) for t in terms)
    if total == 0:
        return 0.0
    best = 0.0
    for hit in hits:
        for span in quotable_sentences(hit.chunk):
            words_of = set(analyse(span.text, lexical.vocab))
            best = max(best, sum(lexical.idf(t) for t in terms & words_of) / total)
    return best


def _missing_key_word(terms: set[str], hits: Sequence[Hit], lexical: LexicalIndex) -> float:
    """The weight (IDF, 0–1) of the rarest question word that none of the best passages holds.

    A near-miss question is on the corpus's topic but hinges on one word the passages lack
    ("Vad kostade handlingsplanen?", "Vilka resultat visade utvärderingen?")."""
    if not terms:
        return 0.0
    present: set[str] = set()
    for hit in hits:
        for _, sentence_terms in lexical.sentences_of(hit.chunk):
            present |= sentence_terms
    unseen = math.log(1 + lexical.n_chunks)
    missing = [lexical.idf(t) if t in lexical.document_frequency else unseen for t in terms if t not in present]
    return max(missing, default=0.0) / unseen


def _spoken_by(hit: Hit, speakers: Sequence[Target]) -> bool:
    return _chunk_by(hit.chunk, speakers)


def _chunk_by(chunk: Chunk, speakers: Sequence[Target]) -> bool:
    return any(getattr(chunk, t.field) == t.value for t in speakers)


def _unknown_numbers(question: str, vocabulary: frozenset[str]) -> list[str]:
    """Numbers of four digits or more in the question (a year, an amount) that no document holds: not a
    feature (it adds nothing the others miss), but the most specific words of a refusal."""
    tokens = (t.strip("?.,!:;()") for t in question.split())
    return [t for t in tokens if len(t) >= 4 and t.isdigit() and t not in vocabulary]
