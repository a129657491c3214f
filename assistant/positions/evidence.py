"""What the matrix is computed from: the summary's blocks, the respondents and their sentences.

Respondents are the speaking bodies as the index knows them (organisation + body of every
committed chunk), so a city's joint answer gives one respondent per nämnd it quotes. The
document that summarises the inquiry speaks for the inquiry and is no respondent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.positions.proposals import SUMMARY_KINDS
from assistant.sentences import quotable_sentences
from assistant.store import ManifestEntry
from ingest.records import Block, Chunk


@dataclass(frozen=True)
class Sentence:
    """A respondent's quotable sentence with where it stands and its unit vector's row."""

    text: str
    doc_id: str
    start: int
    end: int
    page: int | None
    title: str
    section: str
    heading_like: bool


@dataclass
class RespondentText:
    """One speaking body: its sentences (document order, each once) and their vectors."""

    organisation: str
    body: str
    doc_ids: tuple[str, ...]
    sentences: list[Sentence]
    vectors: np.ndarray

    @property
    def key(self) -> tuple[str, str]:
        return (self.organisation, self.body)


def summary_doc_ids(manifest: dict[str, ManifestEntry]) -> list[str]:
    return sorted(d for d, e in manifest.items() if e.kind.strip().lower() in SUMMARY_KINDS)


def respondent_chunks(
    chunks: Sequence[Chunk], manifest: dict[str, ManifestEntry]
) -> dict[tuple[str, str], list[Chunk]]:
    """Chunks of every speaking body outside the summaries, keyed by (organisation, body), in order."""
    summaries = set(summary_doc_ids(manifest))
    out: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.doc_id, c.start)):
        if chunk.doc_id in summaries or chunk.doc_id not in manifest:
            continue
        out.setdefault((chunk.organisation, chunk.body), []).append(chunk)
    return out


def sentences_of(chunks: Sequence[Chunk]) -> list[Sentence]:
    """Each quotable sentence once (chunks overlap), in document order."""
    seen: set[tuple[str, int]] = set()
    out: list[Sentence] = []
    for chunk in chunks:
        for span in quotable_sentences(chunk):
            key = (chunk.doc_id, span.start)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Sentence(
                    span.text,
                    chunk.doc_id,
                    span.start,
                    span.end,
                    chunk.page,
                    chunk.title,
                    chunk.section,
                    span.heading_like,
                )
            )
    return sorted(out, key=lambda s: (s.doc_id, s.start))


def blocks_of(entry: ManifestEntry, text: str) -> tuple[Block, ...]:
    """The summary's blocks with heading levels: re-read from its file when that still gives the
    indexed text (headings matter for where a proposal starts), else paragraphs of the text."""
    source = Path(entry.source)
    if source.is_file():
        try:
            from ingest.clean import clean
            from ingest.loaders import load

            cleaned = clean(load(source, 500_000_000))
            if cleaned.text == text:
                return cleaned.blocks
        except Exception:
            pass
    blocks = []
    for match in re.finditer(r"[^\n](?:.|\n(?!\n))*", text):
        blocks.append(Block(match.group(0), match.start(), match.end(), None))
    return tuple(blocks)
