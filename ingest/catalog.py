"""Read the corpus catalog, and infer metadata for documents it does not list."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.records import Block, DocumentMeta

REQUIRED_FIELDS = ("file", "title", "organisation")


class CatalogError(Exception):
    """The catalog file is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Catalog:
    entries: dict[str, dict]  # file name -> raw entry
    path: Path | None

    def meta_for(
        self, path: Path, source: str, first_blocks: tuple[Block, ...], doc_id: str | None = None
    ) -> DocumentMeta:
        """Metadata for a file: from the catalog, or inferred (catalogued=False) when absent."""
        entry = self.entries.get(path.name)
        doc_id = doc_id or document_id(path)
        if entry is None:
            title = infer_title(first_blocks) or path.stem
            return DocumentMeta(
                doc_id=doc_id,
                source=source,
                title=title,
                organisation="Okänd organisation",
                body="Okänd organisation",
                kind="okänd",
                original_file=path.name,
                catalogued=False,
            )
        speakers = entry.get("speakers", {}) or {}
        return DocumentMeta(
            doc_id=doc_id,
            source=source,
            title=str(entry["title"]),
            organisation=str(entry["organisation"]),
            body=str(entry.get("body") or entry["organisation"]),
            kind=str(entry.get("kind", "")),
            date=str(entry.get("date", "")),
            reference=str(entry.get("reference", "")),
            concerns=tuple(str(c) for c in entry.get("concerns", [])),
            original_file=str(entry.get("original_file", path.name)),
            speakers=tuple((str(k), str(v)) for k, v in speakers.items()),
            speakers_after=str(entry.get("speakers_after", "")),
            catalogued=True,
        )


def load_catalog(path: Path) -> Catalog:
    """Parse and validate the catalog; a missing file is an empty catalog."""
    if not path.is_file():
        return Catalog({}, None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: katalogen går inte att läsa som TOML ({exc})") from exc
    entries: dict[str, dict] = {}
    documents = data.get("documents", [])
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        raise CatalogError(f"{path}: skriv varje dokument som en tabell [[documents]] (med dubbla hakparenteser)")
    for i, entry in enumerate(documents, start=1):
        for name in REQUIRED_FIELDS:
            if not str(entry.get(name, "")).strip():
                raise CatalogError(f"{path}: dokument nr {i} saknar fältet '{name}'; lägg till det")
        if not isinstance(entry.get("speakers", {}), dict):
            raise CatalogError(f"{path}: dokument nr {i} ({entry['file']}): 'speakers' ska vara en tabell")
        entries[str(entry["file"])] = entry
    return Catalog(entries, path)


def document_id(path: Path) -> str:
    """A readable, stable id from the file name: lower case, words joined by hyphens."""
    stem = path.stem.lower()
    return re.sub(r"[^\wåäö]+", "-", stem).strip("-") or "dokument"


def infer_title(blocks: tuple[Block, ...]) -> str:
    """First heading, else the first line of text, shortened."""
    for block in blocks[:40]:
        if block.is_heading and len(block.text) > 3:
            return block.text
    for block in blocks:
        if block.text.strip():
            return block.text[:100]
    return ""
