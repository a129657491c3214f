"""Read the corpus catalog, and infer metadata for documents it does not list."""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.metadata import DetectedMetadata, detect_metadata
from ingest.records import Block, DocumentMeta

REQUIRED_FIELDS = ("file", "title", "organisation")
DETECTED_FIELDS = ("kind", "date", "reference", "concerns")  # filled from the text when the entry leaves them out
TEXT_FIELDS = ("file", "title", "organisation", "body", "kind", "date", "reference", "original_file", "speakers_after")


class CatalogError(Exception):
    """The catalog file is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Catalog:
    entries: dict[str, dict]  # file name -> entry, every field of the type it should have
    path: Path | None
    warnings: tuple[str, ...] = ()  # fields of the wrong type, and what was done with them

    def meta_for(
        self,
        path: Path,
        source: str,
        first_blocks: tuple[Block, ...],
        doc_id: str | None = None,
        raw_text: str = "",
    ) -> DocumentMeta:
        """Metadata for a file: from the catalog, or detected in its text (catalogued=False) when absent.

        Detected fields (ingest/metadata.py) fill what an entry leaves out; a catalog field always wins."""
        entry = self.entries.get(path.name)
        doc_id = doc_id or document_id(path)
        if entry is None:
            found = detect_metadata("\n".join(b.text for b in first_blocks), path.name, raw_text)
            title = found.title.value if found.title.confidence >= 0.8 else infer_title(first_blocks)
            organisation = found.organisation.value or "Okänd organisation"
            return DocumentMeta(
                doc_id=doc_id,
                source=source,
                title=title or path.stem,
                organisation=organisation,
                body=found.body.value or organisation,
                kind=found.kind.value or "okänd",
                date=found.date.value,
                reference=found.reference.value,
                concerns=tuple(found.concern_list()),
                original_file=path.name,
                catalogued=False,
            )
        # A catalog field always wins; a field the entry leaves out is read from the text when there is one.
        text = "\n".join(b.text for b in first_blocks)
        found = detect_metadata(text, path.name, raw_text) if first_blocks and needs_text(entry) else None

        def field(name: str) -> str:
            if name in entry or found is None:
                return entry.get(name, "")
            return getattr(found, name).value

        return DocumentMeta(
            doc_id=doc_id,
            source=source,
            title=entry["title"],
            organisation=entry["organisation"],
            body=entry.get("body") or (found and _same_organisation(found, entry)) or entry["organisation"],
            kind=field("kind"),
            date=field("date"),
            reference=field("reference"),
            concerns=tuple(entry.get("concerns", []) if "concerns" in entry or found is None else found.concern_list()),
            original_file=entry.get("original_file", path.name),
            speakers=tuple(entry.get("speakers", {}).items()),
            speakers_after=entry.get("speakers_after", ""),
            catalogued=True,
        )


def needs_text(entry: dict) -> bool:
    """True when an entry leaves out a field that detection from the text would fill."""
    return any(name not in entry for name in DETECTED_FIELDS) or not entry.get("body")


def _same_organisation(found: DetectedMetadata, entry: dict) -> str:
    """The detected body, when the detected organisation is the catalog's (else it may be someone else's)."""
    same = found.organisation.value.casefold() == entry["organisation"].casefold()
    return found.body.value if same and found.body.value != found.organisation.value else ""


def load_catalog(path: Path) -> Catalog:
    """Parse and validate the catalog; a missing file is an empty catalog.

    A field of the wrong type is turned into the right one (a number into text, one report
    number into a list) or left out, with a warning naming the file, the entry and the field."""
    if not path.is_file():
        return Catalog({}, None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: katalogen går inte att läsa som TOML ({exc})") from exc
    entries: dict[str, dict] = {}
    warnings: list[str] = []
    documents = data.get("documents", [])
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        raise CatalogError(f"{path}: skriv varje dokument som en tabell [[documents]] (med dubbla hakparenteser)")
    for i, raw in enumerate(documents, start=1):
        if not isinstance(raw.get("speakers", {}), dict):
            raise CatalogError(f"{path}: dokument nr {i} ({raw.get('file')}): 'speakers' ska vara en tabell")
        entry = _typed_entry(raw, f"{path}: dokument nr {i} ({raw.get('file', '?')})", warnings)
        for name in REQUIRED_FIELDS:
            if not str(entry.get(name, "")).strip():
                raise CatalogError(f"{path}: dokument nr {i} saknar fältet '{name}' (som text); lägg till det")
        entries[entry["file"]] = entry
    return Catalog(entries, path, tuple(warnings))


def _typed_entry(raw: dict[str, Any], where: str, warnings: list[str]) -> dict[str, Any]:
    """The entry with text fields as text, `concerns` as a list of text, `speakers` as text -> text."""
    entry = dict(raw)
    for name in TEXT_FIELDS:
        if name in entry:
            value = _text(entry[name], f"{where}: fältet '{name}'", warnings)
            if value is None:
                del entry[name]
            else:
                entry[name] = value
    if "concerns" in entry:
        concerns = entry["concerns"]
        if not isinstance(concerns, list):
            if isinstance(concerns, dict):
                warnings.append(f"{where}: fältet 'concerns' ska vara en lista, inte en tabell; det används inte")
                concerns = []
            else:
                warnings.append(
                    f"{where}: fältet 'concerns' ska vara en lista; läst som [{str(concerns)!r}]. "
                    f'Skriv concerns = ["{concerns}"]'
                )
                concerns = [concerns]
        items = (_text(c, f"{where}: ett värde i 'concerns'", warnings) for c in concerns)
        entry["concerns"] = [c for c in items if c is not None]
    speakers: dict[str, str] = {}
    for heading, body in (entry.get("speakers") or {}).items():
        value = _text(body, f"{where}: talaren under rubriken '{heading}'", warnings)
        if value is not None:
            speakers[str(heading)] = value
    entry["speakers"] = speakers
    return entry


def _text(value: object, what: str, warnings: list[str]) -> str | None:
    """Text as is; a number or a TOML date as its text (a number with a warning); anything else left out."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()  # date = 2018-10-30 without quotes is a TOML date: the intended text
    if isinstance(value, int | float) and not isinstance(value, bool):
        warnings.append(f'{what} är ett tal ({value}); läst som texten "{value}". Skriv det inom citattecken')
        return str(value)
    kind = {bool: "ett sant/falskt-värde", list: "en lista", dict: "en tabell"}.get(type(value), type(value).__name__)
    warnings.append(f"{what} ska vara text, inte {kind}; det används inte")
    return None


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
