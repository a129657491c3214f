"""Hybrid retrieval: dense (Chroma) + Swedish BM25, fused with reciprocal-rank fusion.

Questions that name an organisation or body lift that speaker's passages; questions across
bodies get at most `max_per_speaker` passages per speaking body, so one long answer cannot
crowd out the rest. An optional cross-encoder reorders the fused list.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.glossary import Translation, translate
from assistant.language import detect_language
from assistant.records import Hit
from assistant.sentences import SentenceVectors
from assistant.settings import Settings
from assistant.store import Store
from assistant.swedish import analyse
from assistant.understanding.answer_types import expectation, first_question, support
from assistant.understanding.entities import Target, aliases, find_targets, mentions, unknown_names
from assistant.understanding.terms import question_terms
from ingest.records import Chunk

_ACROSS = re.compile(
    r"\b(remissinstans\w*|vilka|jämför\w*|skiljer|olika|alla|flera|instanser|several|which|compare|differ\w*)\b",
    re.IGNORECASE,
)
_CARRIED = re.compile(r"\s\(([^()]+)\)\s*$")  # what a follow-up carries over from earlier turns
RERANK_DEPTH = 20  # fused hits that the sentence evidence may reorder
AGREED_DEPTH = 2  # both retrievers' first passages (see `_agreed`)


@dataclass(frozen=True)
class Filters:
    """Metadata filters; empty strings mean no filter."""

    organisation: str = ""
    body: str = ""
    doc_id: str = ""
    kind: str = ""
    inquiry: str = ""  # a report number ("SOU 2018:47"): only documents that concern it
    inquiry_docs: tuple[str, ...] = ()  # those documents' ids (filled by `resolved`)

    def where(self) -> dict | None:
        clauses: list[dict] = [
            {key: value}
            for key, value in (
                ("organisation", self.organisation),
                ("body", self.body),
                ("doc_id", self.doc_id),
                ("kind", self.kind),
            )
            if value
        ]
        if self.inquiry:
            clauses.append({"doc_id": {"$in": list(self.inquiry_docs) or [""]}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def fields(self) -> dict[str, str | tuple[str, ...]]:
        """The active filters as chunk field -> value; an inquiry as `doc_ids`, the documents concerning it."""
        fields: dict[str, str | tuple[str, ...]] = {
            k: v
            for k, v in (
                ("organisation", self.organisation),
                ("body", self.body),
                ("doc_id", self.doc_id),
                ("kind", self.kind),
            )
            if v
        }
        if self.inquiry:
            fields["doc_ids"] = self.inquiry_docs
        return fields

    def keep(self, chunk: Chunk) -> bool:
        return (
            (not self.organisation or chunk.organisation == self.organisation)
            and (not self.body or chunk.body == self.body)
            and (not self.doc_id or chunk.doc_id == self.doc_id)
            and (not self.kind or chunk.kind == self.kind)
            and (not self.inquiry or chunk.doc_id in self.inquiry_docs)
        )

    @property
    def active(self) -> bool:
        return bool(self.organisation or self.body or self.doc_id or self.kind or self.inquiry)

    def resolved(self, store: Store) -> Filters:
        """The inquiry turned into its documents, from the manifest (one record per document, cached)."""
        if not self.inquiry or self.inquiry_docs:
            return self
        docs = tuple(sorted(d for d, e in store.manifest().items() if self.inquiry in e.concerns))
        return replace(self, inquiry_docs=docs)


@dataclass
class Retrieval:
    """Hits plus what the retriever learnt about the question (for abstention)."""

    hits: list[Hit]
    targets: list[Target] = field(default_factory=list)
    speakers: list[Target] = field(default_factory=list)  # the targets that are speakers, not topics
    unknown_names: list[str] = field(default_factory=list)
    top_dense: float = 0.0
    top_lexical: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    # The question's words in the documents' language: for an English question the glossary's
    # Swedish words; the question itself when it is Swedish or the glossary knows none of its words.
    swedish_words: str = ""
    glossary_words: frozenset[str] = frozenset()  # English words of the question the glossary translated
    query_vector: list[float] | None = None  # the dense query embedding (reused for sentence evidence)


class HybridSearcher:
    """The retrieval logic, independent of LangChain (the retriever below wraps it)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._reranker: Any = None
        self.sentences: SentenceVectors | None = None  # set by the Assistant: sentence evidence in ranking
        self._topic_cache: dict[tuple[str, str], bool] = {}

    def search(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        retrievers: tuple[str, ...] = ("dense", "lexical"),
    ) -> Retrieval:
        """Top-k hits. `retrievers` selects a baseline: ("dense",) or ("lexical",) alone."""
        settings = self.settings
        k = k or settings.top_k
        filters = (filters or Filters()).resolved(self.store)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        organisations, bodies = self.store.speaker_names()
        targets = find_targets(question, organisations, bodies)
        lexical = self.store.lexical()
        english = translate(question) if detect_language(question) == "en" else Translation((), frozenset())
        unknown = unknown_names(question, lexical.vocab, english.covered, organisations | bodies)
        # An English question also searches with the glossary's Swedish words.
        words = f"{question} ({' '.join(english.swedish)})" if english.swedish else question
        t1 = time.perf_counter()
        dense: list[tuple[Chunk, float]] = []
        lex: list[tuple[Chunk, float]] = []
        vector: list[float] | None = None
        if "dense" in retrievers:
            vector = self.store.embedder.embed_query(words)
        t2 = time.perf_counter()
        if "dense" in retrievers:
            dense = self.store.dense_search(vector, settings.candidate_k, filters.where())
        t3 = time.perf_counter()
        if "lexical" in retrievers:
            lex = self.store.lexical_search(words, settings.candidate_k, filters.fields())
        t4 = time.perf_counter()
        full = len(retrievers) > 1  # baselines get neither the speaker lift nor reranking
        speakers = self._most_specific(self._speaking(targets))
        agreed = _agreed(dense, lex) if speakers and self._carried_only(question, speakers) else frozenset()
        hits = self._fuse(dense, lex, speakers if full else [], agreed)
        if full and settings.sentence_weight > 0:
            hits = self._favour_answering_sentences(words, hits, targets, speakers, vector, agreed)
        if full and self._wants_rerank():
            hits = self._rerank(question, hits[: max(3 * k, 20)])
        hits = self._diversify(question, hits, targets, filters, k)
        timings.update(
            {
                "entities": t1 - t0,
                "embed": t2 - t1,
                "dense": t3 - t2,
                "lexical": t4 - t3,
                "fuse": time.perf_counter() - t4,
            }
        )
        return Retrieval(
            hits=hits,
            targets=targets,
            speakers=speakers,
            unknown_names=unknown,
            top_dense=max((s for _, s in dense), default=0.0),
            top_lexical=max((s for _, s in lex), default=0.0),
            timings=timings,
            swedish_words=" ".join(english.swedish) if english.covered else question,
            glossary_words=english.covered,
            query_vector=vector,
        )

    def _fuse(
        self,
        dense: list[tuple[Chunk, float]],
        lexical: list[tuple[Chunk, float]],
        targets: list[Target],
        agreed: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        rrf = self.settings.rrf_k
        scores: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        found: dict[str, list[str]] = {}
        dense_scores: dict[str, float] = {}
        lexical_scores: dict[str, float] = {}
        weights = {"dense": 1.0, "lexical": self.settings.lexical_weight}
        for name, results, store in (("dense", dense, dense_scores), ("lexical", lexical, lexical_scores)):
            for rank, (chunk, score) in enumerate(results, start=1):
                scores[chunk.id] = scores.get(chunk.id, 0.0) + weights[name] / (rrf + rank)
                chunks[chunk.id] = chunk
                found.setdefault(chunk.id, []).append(name)
                store[chunk.id] = score
        if targets:
            # Lift the named speakers' passages by the weight of a first-rank hit.
            organisation_of = self.store.lexical().organisation_of()
            for chunk_id, chunk in chunks.items():
                if chunk_id in agreed or _speaks_for(chunk, targets, organisation_of):
                    scores[chunk_id] += 1.0 / (rrf + 1)
        ordered = sorted(scores, key=lambda cid: -scores[cid])
        return [
            Hit(
                chunk=chunks[cid],
                score=scores[cid],
                rank=i,
                retrievers=tuple(found[cid]),
                dense_score=dense_scores.get(cid),
                lexical_score=lexical_scores.get(cid),
            )
            for i, cid in enumerate(ordered, start=1)
        ]

    def _favour_answering_sentences(
        self,
        question: str,
        hits: list[Hit],
        targets: list[Target],
        speakers: list[Target],
        vector: list[float] | None = None,
        agreed: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        """Add `sentence_weight` × the best one-sentence coverage of the question's terms (plus, for
        count, date and name questions, the answer-type support), and reorder.

        Fusion ranks whole passages; this prefers the passage where one sentence holds the
        question's (IDF-weighted) words, which is the passage that can be quoted as the answer."""
        lexical = self.store.lexical()
        terms = question_terms(question, lexical.vocab, targets)
        if not terms:
            return hits
        weight = self.settings.sentence_weight
        head, tail = hits[:RERANK_DEPTH], hits[RERANK_DEPTH:]
        wanted = expectation(first_question(question))
        if wanted is not None:
            # A count, date or name question prefers the passage that holds one beside the topic.
            topic = question_terms(first_question(question), lexical.vocab, [])
            typed = {
                h.chunk.id: support(wanted, [h], topic, lexical.vocab, lexical.idf, speakers, lexical.sentences_of)
                for h in head
            }
        else:
            typed = {}

        meaning = self._sentence_meaning(vector, head)
        organisation_of = lexical.organisation_of()

        def bonus(hit: Hit) -> float:
            # With named speakers, only their passages are lifted: another body's wording must
            # not overtake the speaker the user asked about.
            spoken = hit.chunk.id in agreed or _speaks_for(hit.chunk, speakers, organisation_of)
            if speakers and not spoken:
                return 0.0
            lifted = lexical.sentence_coverage(hit.chunk.id, terms) + typed.get(hit.chunk.id, 0.0)
            return weight * lifted + self.settings.sentence_meaning_weight * meaning.get(hit.chunk.id, 0.0)

        scored = [(h.score + bonus(h), h) for h in head]
        scored.sort(key=lambda pair: -pair[0])
        scored += [(h.score, h) for h in tail]
        return [
            Hit(h.chunk, score, i, h.retrievers, h.dense_score, h.lexical_score)
            for i, (score, h) in enumerate(scored, start=1)
        ]

    def _sentence_meaning(self, vector: list[float] | None, hits: list[Hit]) -> dict[str, float]:
        """Per passage, a reciprocal-rank score of its best sentence's cosine to the question.

        A third ranking fused with the other two: passages ordered by their single best sentence,
        so a paraphrase counts ("lämnar jobbet" ~ "personalomsättning") where words do not."""
        if vector is None or self.sentences is None or self.settings.sentence_meaning_weight <= 0 or not hits:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        found = self.sentences.of([h.chunk for h in hits])
        best = {cid: float((matrix @ query).max()) for cid, (spans, matrix) in found.items() if spans}
        ordered = sorted(best, key=lambda cid: -best[cid])
        return {cid: 1.0 / (self.settings.rrf_k + rank) for rank, cid in enumerate(ordered, start=1)}

    def _diversify(self, question: str, hits: list[Hit], targets: list[Target], filters: Filters, k: int) -> list[Hit]:
        """Cap passages per speaker (document and body) when the question looks across speakers.

        A city and one of its bodies ("stadsledningskontoret i Stockholm") is one speaker; two
        bodies of one joint answer are two, so the cap is per body, not per document."""
        named = max(sum(1 for t in targets if t.field == "body"), sum(1 for t in targets if t.field == "organisation"))
        across = not filters.active and (named > 1 or bool(_ACROSS.search(question)))
        if not across:
            chosen = hits[:k]
        else:
            per_speaker: dict[tuple[str, str], int] = {}
            chosen = []
            for hit in hits:
                speaker = (hit.chunk.doc_id, hit.chunk.body)
                n = per_speaker.get(speaker, 0)
                if n < self.settings.max_per_speaker:
                    per_speaker[speaker] = n + 1
                    chosen.append(hit)
                if len(chosen) == k:
                    break
        return [
            Hit(h.chunk, h.score, i, h.retrievers, h.dense_score, h.lexical_score)
            for i, h in enumerate(chosen, start=1)
        ]

    def _carried_only(self, question: str, speakers: list[Target]) -> bool:
        """Are the speakers named only in the context a follow-up carries over ("… (äldreförvaltningen)"),
        not in the question's own words? Then they are a guess from an earlier turn."""
        match = _CARRIED.search(question)
        if not match:
            return False
        organisations, bodies = self.store.speaker_names()
        own = {(t.field, t.value) for t in find_targets(question[: match.start()], organisations, bodies)}
        return not any((t.field, t.value) in own for t in speakers)

    def _speaking(self, targets: list[Target]) -> list[Target]:
        """The named targets whose own passages are asked for: not the names most documents talk about
        ("Tillitsdelegationen"), unless such a body is named with nothing but its own organisation
        ("socialförvaltningen i Stockholm"): then it is the one asked, however often others mention it."""
        plain = [t for t in targets if not self._is_topic(t)]
        widely = [t for t in targets if t.field == "body" and self._is_topic(t)]
        if not widely or not plain or any(t.field != "organisation" for t in plain):
            return plain
        organisation_of = self.store.lexical().organisation_of()
        named = {t.value for t in plain}
        own = [t for t in widely if organisation_of.get(t.value) in named]
        if named <= {organisation_of.get(t.value) for t in own}:
            return [*plain, *own]
        return plain

    def _most_specific(self, speakers: list[Target]) -> list[Target]:
        """A body and its own organisation named together ("stadsledningskontoret i Stockholm") are
        one speaker: the body. The organisation alone would lift every body of the city."""
        bodies = {t.value for t in speakers if t.field == "body"}
        if not bodies:
            return speakers
        organisation_of = self.store.lexical().organisation_of()
        organisations_of_bodies = {organisation_of.get(b) for b in bodies}
        return [t for t in speakers if not (t.field == "organisation" and t.value in organisations_of_bodies)]

    def _is_topic(self, target: Target) -> bool:
        """A name most documents talk about ("Tillitsdelegationen") is a topic, not a speaker to lift."""
        lexical = self.store.lexical()
        key = (lexical.version, target.value)
        if key not in self._topic_cache:
            names = [set(analyse(name)) for name in aliases(target.value)]
            mentioning, documents = lexical.documents_holding(names)
            self._topic_cache[key] = documents > 2 and mentioning > documents / 2
        return self._topic_cache[key]

    def _wants_rerank(self) -> bool:
        return bool(self.settings.reranker_model)

    def _rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        if self._reranker is None:
            from sentence_transformers import CrossEncoder

            self._reranker = CrossEncoder(self.settings.reranker_model, device="cpu")
        scores = self._reranker.predict([(question, h.chunk.indexed_text()) for h in hits])
        order = sorted(range(len(hits)), key=lambda i: -float(scores[i]))
        return [
            Hit(
                hits[i].chunk,
                float(scores[i]),
                r,
                (*hits[i].retrievers, "rerank"),
                hits[i].dense_score,
                hits[i].lexical_score,
            )
            for r, i in enumerate(order, start=1)
        ]


def _speaks_for(chunk: Chunk, speakers: list[Target], organisation_of: Mapping[str, str]) -> bool:
    """The passage is a named speaker's own, or another body of its organisation telling what it said
    ("Norrmalms stadsdelsnämnd ställer sig positiv …" in the city's summary of the answers). Only of
    its organisation: Malmö's "Arbetsmarknads- och socialnämnden" names no Stockholm socialnämnd."""
    return any(
        getattr(chunk, t.field) == t.value
        or (
            t.field == "body"
            and chunk.organisation == organisation_of.get(t.value)
            and _names(chunk.id, chunk.text, t.value)
        )
        for t in speakers
    )


@lru_cache(maxsize=8192)
def _names(chunk_id: str, text: str, name: str) -> bool:
    """`mentions`, remembered per passage (the same candidates come back question after question)."""
    return mentions(text, name)


def _agreed(dense: list[tuple[Chunk, float]], lexical: list[tuple[Chunk, float]]) -> frozenset[str]:
    """The passages both retrievers rank among their first `AGREED_DEPTH`: as strong a sign as a speaker
    carried over from an earlier question, so that guess does not bury them."""
    return frozenset(c.id for c, _ in dense[:AGREED_DEPTH]) & frozenset(c.id for c, _ in lexical[:AGREED_DEPTH])


class RemissRetriever(BaseRetriever):
    """LangChain seam: the hybrid search as a `BaseRetriever` returning `Document`s."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: Any
    k: int = 6
    filters: Filters = Filters()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.searcher.search(query, self.k, self.filters)
        return [hit_to_document(h) for h in result.hits]


def hit_to_document(hit: Hit) -> Document:
    return Document(page_content=hit.chunk.text, metadata=hit.as_json(), id=hit.chunk.id)
