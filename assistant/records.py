"""Records of the question side: a retrieved hit, a citation, an answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.records import Chunk


@dataclass(frozen=True)
class Hit:
    """A chunk found for a question: fused score, rank and which retrievers found it."""

    chunk: Chunk
    score: float
    rank: int
    retrievers: tuple[str, ...]
    dense_score: float | None = None
    lexical_score: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The hit shape other scripts rely on (`remiss search --json`)."""
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": c.text,
            "doc_id": c.doc_id,
            "source": c.source,
            "title": c.title,
            "organisation": c.organisation,
            "body": c.body,
            "section": c.section,
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "retrievers": list(self.retrievers),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "lexical_score": None if self.lexical_score is None else round(self.lexical_score, 6),
            "kind": c.kind,
            "chunk_id": c.id,
            "ocr": c.ocr,
        }


@dataclass(frozen=True)
class Citation:
    """Source number n of an answer: the hit and the exact span quoted from it."""

    n: int
    hit: Hit
    quote: str
    quote_start: int
    quote_end: int

    def as_json(self) -> dict[str, Any]:
        data = {"n": self.n, **self.hit.as_json()}
        data.update({"quote": self.quote, "quote_start": self.quote_start, "quote_end": self.quote_end})
        return data


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    mode: str
    standalone_question: str = ""
    notices: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    language: str = "sv"

    @property
    def notices_to_show(self) -> tuple[str, ...]:
        """The notices the text does not already hold (the LLM fallback puts its notice in both),
        so a display that shows notices and then the text says each once."""
        return tuple(n for n in self.notices if n not in self.text)

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [c.as_json() for c in self.citations],
            "abstained": self.abstained,
            "mode": self.mode,
            "standalone_question": self.standalone_question,
            "notices": list(self.notices),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "language": self.language,
        }
