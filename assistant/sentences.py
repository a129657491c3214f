"""The quotable sentences of a passage and their vectors.

A passage (chunk) answers as a whole, but what the user reads is one or two of its sentences.
Sentence vectors let a paraphrase count as evidence ("lämnar jobbet" ~ "personalomsättning"):
they are embedded at ingest into the same embedding cache as the passages, so a question only
looks them up (one SQLite read for the sentences of the top passages), and embeds on the spot
what the cache lacks (an index built before sentences were embedded still works).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.embeddings import EmbeddingBackend, EmbeddingCache
from ingest.chunking import sentence_spans
from ingest.records import Chunk

MIN_SENTENCE_CHARS = 20
_TERMINATED = re.compile(r"[.!?:)”\"]$")
_ENDS_SENTENCE = re.compile(r"[.!?:;”\"]$")
_CONTINUATION = re.compile(r"[a-zåäöé0-9(]")
_LIST_ITEM = re.compile(r"(?:[-•*\uf0b7]|\d+[.)])\s")


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence of a passage: its text and its offsets in the cleaned document text."""

    text: str
    start: int
    end: int
    heading_like: bool  # a short line without a closing stop: a heading or a fragment


def quotable_sentences(chunk: Chunk) -> list[SentenceSpan]:
    """The sentences of a passage with document offsets; very short ones dropped.

    Text from PDFs breaks lines inside sentences ("… samt även\nadministrativt stöd …"): a line
    that does not end a sentence and is followed by one starting in lower case is read on, so a
    quote is a whole sentence. The quoted text has its whitespace collapsed; the offsets point at
    the exact source."""
    out: list[SentenceSpan] = []
    text = chunk.text
    for begin, end in _logical_lines(text):
        block = text[begin:end]
        first_line = block.split("\n", 1)[0].strip()
        heading_like = (
            "\n" not in block.strip()
            and len(first_line) < 80
            and not _TERMINATED.search(first_line)
            and not _LIST_ITEM.match(first_line)  # a list item answers "Vilka …?"
        )
        for start, stop in sentence_spans(block, begin):
            raw = text[start:stop]
            sentence = " ".join(raw.split())
            if len(sentence) < MIN_SENTENCE_CHARS:
                continue
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw) - len(raw.rstrip())
            # A lead-in ("… föreslår Tillitsdelegationen följande:") introduces an answer; it is none.
            lead_in = sentence.endswith(":")
            out.append(
                SentenceSpan(sentence, chunk.start + start + lead, chunk.start + stop - trail, heading_like or lead_in)
            )
    return out


def _logical_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of runs of lines that belong together: a line is continued by the next when it
    ends mid-sentence and the next starts in lower case (not a list item)."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    runs: list[tuple[int, int]] = []
    for start, end in lines:
        if runs and _continues(text[runs[-1][0] : runs[-1][1]], text[start:end]):
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _continues(previous: str, line: str) -> bool:
    last = previous.rstrip()
    head = line.lstrip()
    return bool(last and head) and not _ENDS_SENTENCE.search(last) and _CONTINUATION.match(head) is not None


class SentenceVectors:
    """Unit vectors of a passage's quotable sentences, from the embedding cache (bounded memo)."""

    def __init__(
        self,
        embedder: Callable[[], EmbeddingBackend],
        cache: Callable[[], EmbeddingCache],
        batch_size: int,
        memo: int = 512,
    ) -> None:
        # Both are opened on first use: building an Assistant must not load the model.
        self._embedder = embedder
        self._cache = cache
        self._opened: EmbeddingCache | None = None
        self.batch_size = batch_size
        self._memo: OrderedDict[str, tuple[list[SentenceSpan], np.ndarray]] = OrderedDict()
        self._memo_size = memo
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> list[float]:
        return self._embedder().embed_query(text)

    def of(self, chunks: Sequence[Chunk]) -> dict[str, tuple[list[SentenceSpan], np.ndarray]]:
        """chunk id -> (sentences, matrix of their unit vectors, one row each)."""
        out: dict[str, tuple[list[SentenceSpan], np.ndarray]] = {}
        wanted: list[Chunk] = []
        with self._lock:
            for chunk in chunks:
                if chunk.id in self._memo:
                    self._memo.move_to_end(chunk.id)
                    out[chunk.id] = self._memo[chunk.id]
                elif chunk.id not in out:
                    wanted.append(chunk)
        if wanted:
            spans = {c.id: quotable_sentences(c) for c in wanted}
            texts = [s.text for c in wanted for s in spans[c.id]]
            if self._opened is None:
                self._opened = self._cache()
            vectors, _ = self._opened.embed(self._embedder(), texts, self.batch_size)
            matrix = _unit(np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1))
            row = 0
            with self._lock:
                for chunk in wanted:
                    n = len(spans[chunk.id])
                    entry = (spans[chunk.id], matrix[row : row + n])
                    row += n
                    out[chunk.id] = entry
                    self._memo[chunk.id] = entry
                while len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
        return out


def sentence_texts(chunks: Sequence[Chunk]) -> list[str]:
    """Every quotable sentence of the chunks, in order: what ingest embeds beside the passages."""
    return [s.text for c in chunks for s in quotable_sentences(c)]


def _unit(matrix: np.ndarray) -> np.ndarray:
    if matrix.size == 0:
        return matrix
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
