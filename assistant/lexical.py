"""BM25 over the indexed chunks with Swedish analysis, persisted beside the index.

Built from the committed chunks of the store and tagged with the store's manifest version,
so it is rebuilt whenever the collection changes and is always in step with it.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from assistant.swedish import analyse, vocabulary
from ingest.chunking import sentence_spans
from ingest.records import Chunk

LEXICAL_FORMAT = 10  # bump when the analysis or the pickled fields change


def chunk_sentences(text: str) -> list[str]:
    """The sentences of a passage, line by line (headings and list items are lines of their own)."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        out.extend(text[s:e].strip() for s, e in sentence_spans(line.group(0), line.start()))
    return [s for s in out if s]


@dataclass
class LexicalIndex:
    version: str
    chunks: list[Chunk]
    vocab: frozenset[str]
    model: bm25s.BM25 | None
    document_frequency: dict[str, int]
    terms_by_document: dict[str, frozenset[str]]
    sentences: dict[str, tuple[tuple[str, frozenset[str]], ...]]  # chunk id -> (sentence, its terms)
    format: int = LEXICAL_FORMAT

    @classmethod
    def build(cls, chunks: Sequence[Chunk], version: str) -> LexicalIndex:
        texts = [c.indexed_text() for c in chunks]
        vocab = vocabulary(texts)
        analysed = [analyse(t, vocab) or ["_"] for t in texts]
        frequency: dict[str, int] = {}
        by_document: dict[str, set[str]] = {}
        for chunk, terms in zip(chunks, analysed, strict=True):
            unique = set(terms)
            by_document.setdefault(chunk.doc_id, set()).update(unique)
            for term in unique:
                frequency[term] = frequency.get(term, 0) + 1
        model = None
        if chunks:
            model = bm25s.BM25(k1=1.2, b=0.75)
            model.index(analysed, show_progress=False)
        documents = {d: frozenset(t) for d, t in by_document.items()}
        sentences = {c.id: tuple((s, frozenset(analyse(s, vocab))) for s in chunk_sentences(c.text)) for c in chunks}
        return cls(version, list(chunks), vocab, model, frequency, documents, sentences)

    def idf(self, term: str) -> float:
        """Inverse document frequency: rare terms weigh more when judging evidence."""
        return math.log(1 + len(self.chunks) / (1 + self.document_frequency.get(term, 0)))

    def sentence_coverage(self, chunk_id: str, terms: set[str]) -> float:
        """Best IDF-weighted share of `terms` that one sentence of the chunk contains (0–1).

        A chunk whose single sentence answers the question beats one that spreads the same
        words over several sentences about other things."""
        total = sum(self.idf(t) for t in terms)
        if total == 0:
            return 0.0
        best = max((sum(self.idf(t) for t in terms & s) for _, s in self.sentences.get(chunk_id, ())), default=0.0)
        return best / total

    def sentences_of(self, chunk: Chunk) -> Sequence[tuple[str, frozenset[str]]]:
        """The chunk's sentences with their analysed terms (kept in the index; analysed here if not)."""
        kept = self.sentences.get(chunk.id)
        if kept is None:
            kept = tuple((s, frozenset(analyse(s, self.vocab))) for s in chunk_sentences(chunk.text))
        return kept

    def search(self, question: str, k: int, keep: Callable[[Chunk], bool] | None = None) -> list[tuple[Chunk, float]]:
        """Top-k chunks by BM25 score (> 0), optionally only those `keep` accepts."""
        if self.model is None:
            return []
        terms = [t for t in analyse(question, self.vocab) if t in self.model.vocab_dict]
        if not terms:
            return []
        scores = self.model.get_scores(terms)
        if keep is not None:
            mask = np.fromiter((keep(c) for c in self.chunks), dtype=bool, count=len(self.chunks))
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")  # several processes may save at once
        with tmp.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex | None:
        try:
            with path.open("rb") as fh:
                index = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        fresh = isinstance(index, cls) and vars(index).get("format") == LEXICAL_FORMAT
        return index if fresh else None
