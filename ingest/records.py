"""Small immutable records that travel from ingestion to retrieval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocumentMeta:
    """What the catalog (or inference) says about one document."""

    doc_id: str
    source: str
    title: str
    organisation: str
    body: str
    kind: str = ""
    date: str = ""
    reference: str = ""
    concerns: tuple[str, ...] = ()
    original_file: str = ""
    speakers: tuple[tuple[str, str], ...] = ()
    speakers_after: str = ""
    catalogued: bool = True


@dataclass(frozen=True)
class Page:
    """Raw text of one page (PDF) or of the whole file (page None)."""

    number: int | None
    text: str
    ocr: bool = False  # read from a page image by OCR: its text may hold misread words
    running: tuple[str, ...] = ()  # running header/footer lines taken off the page (not in `text`)


def layout_text(pages: Sequence[Page]) -> str:
    """The pages' text with line breaks as extracted, for reading metadata: the first page's running
    lines go back on top, since a letterhead repeated as a running header is still the letterhead."""
    if not pages:
        return ""
    return "\n".join([*pages[0].running, *(p.text for p in pages)])


@dataclass(frozen=True)
class Block:
    """One paragraph, list item or heading of the cleaned text, with its place in it."""

    text: str
    start: int
    end: int
    page: int | None
    heading_level: int = 0  # 0 = not a heading; 1 = markdown '#', and so on

    @property
    def is_heading(self) -> bool:
        return self.heading_level > 0


@dataclass(frozen=True)
class CleanText:
    """Cleaned text of a document and its blocks; offsets refer to `text`."""

    text: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Section:
    """A run of blocks under one heading path, spoken by one body."""

    path: tuple[str, ...]
    body: str
    blocks: tuple[Block, ...] = field(default=())


@dataclass(frozen=True)
class Chunk:
    """A token-bounded passage: the unit that is embedded, searched and cited."""

    id: str
    doc_id: str
    doc_hash: str
    text: str
    source: str
    title: str
    organisation: str
    body: str
    kind: str
    section: str
    page: int | None
    start: int
    end: int
    token_count: int
    ocr: bool = False  # read by OCR from a scanned page: quote it with care

    def indexed_text(self) -> str:
        """What the embedder and BM25 see: a short header naming the speaker, then the passage.

        Passages rarely name their speaker ("Nämnden anser ..."); the header lets a question
        about Malmö or Äldrenämnden find them. The stored and shown text stays clean.
        """
        header = f"{self.organisation} – {self.body}"
        if self.section:
            header += f" – {self.section}"
        return f"{header}\n{self.text}"

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for Chroma (no None values allowed there)."""
        return {
            "doc_id": self.doc_id,
            "doc_hash": self.doc_hash,
            "source": self.source,
            "title": self.title,
            "organisation": self.organisation,
            "body": self.body,
            "kind": self.kind,
            "section": self.section,
            "page": -1 if self.page is None else self.page,
            "start": self.start,
            "end": self.end,
            "token_count": self.token_count,
            "ocr": self.ocr,
        }

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict) -> Chunk:
        page = int(meta.get("page", -1))
        return cls(
            id=chunk_id,
            doc_id=str(meta["doc_id"]),
            doc_hash=str(meta["doc_hash"]),
            text=text,
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            organisation=str(meta.get("organisation", "")),
            body=str(meta.get("body", "")),
            kind=str(meta.get("kind", "")),
            section=str(meta.get("section", "")),
            page=None if page < 0 else page,
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            token_count=int(meta.get("token_count", 0)),
            ocr=bool(meta.get("ocr", False)),
        )
