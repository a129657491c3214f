"""Files uploaded on the admin page: kept under the data dir's `uploads/` with a catalog of their own.

An upload is checked before it is kept (a supported suffix, within REMISS_MAX_FILE_MB, a
readable text), stored under a sanitised name that cannot leave the folder nor take the name of
a corpus document, and described in `uploads/catalog.toml` (the corpus catalog's format), which
the admin page lets staff correct before indexing. `remiss ingest` indexes this folder together
with the corpus, so uploads survive a rebuild.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.settings import Settings
from ingest.catalog import Catalog, CatalogError, document_id, load_catalog
from ingest.clean import clean
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load
from ingest.records import CleanText, DocumentMeta, layout_text
from ingest.sections import split_sections

CATALOG_NAME = "catalog.toml"
PREVIEW_CHARS = 800
SHOWN_SECTIONS = 12
FIELDS = ("title", "organisation", "body", "kind", "date", "reference")  # what staff may correct, in order
UNKNOWN = "Okänd organisation"  # what the inference says when it cannot tell
_LOCK = threading.Lock()  # one writer of the uploads catalog at a time in this process


class UploadError(Exception):
    """An upload that is refused; the message names the file and what to do."""


@dataclass(frozen=True)
class Parsed:
    """How one uploaded file was read: what the admin page shows before indexing."""

    file: str
    meta: DocumentMeta
    preview: str
    characters: int
    pages: int
    sections: tuple[tuple[str, str], ...]  # (heading path, speaking body)
    warnings: tuple[str, ...] = field(default=())


def uploads_catalog_path(settings: Settings) -> Path:
    return settings.uploads_dir / CATALOG_NAME


def uploads_catalog(settings: Settings) -> Catalog:
    """The uploads' catalog (empty when none); a damaged one reads as empty rather than stopping the page."""
    try:
        return load_catalog(uploads_catalog_path(settings))
    except CatalogError:
        return Catalog({}, None)


def safe_name(name: str) -> str:
    """A file name that stays inside the uploads folder: no folders, no dot files, plain characters."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^\wåäöÅÄÖ.\- ]+", "_", stem).strip(" ._-")[:120] or "dokument"
    return f"{stem}{suffix}"


def store_upload(settings: Settings, temp_path: Path, original_name: str, taken_ids: set[str]) -> Path:
    """Check an uploaded file and keep it in the uploads folder; raises UploadError naming the file."""
    name = safe_name(original_name)
    suffix = Path(name).suffix
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(
            f"{original_name}: filtypen {suffix or '(ingen)'} stöds inte; ladda upp {', '.join(SUPPORTED_SUFFIXES)}"
        )
    size = temp_path.stat().st_size
    limit = int(settings.max_file_mb * 1_000_000)
    if size > limit:
        raise UploadError(
            f"{original_name}: filen är {size / 1e6:.1f} MB, över gränsen {settings.max_file_mb:g} MB "
            "(REMISS_MAX_FILE_MB)"
        )
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    stem = Path(name).stem
    n = 1
    # A name of a corpus document would replace that document in the index: take another one.
    while document_id(target) in taken_ids:
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    partial = folder / f".{target.name}.part"
    shutil.copyfile(temp_path, partial)
    partial.replace(target)
    return target


def parse_upload(settings: Settings, path: Path) -> Parsed:
    """Read, clean and sectionise a stored upload (no indexing); raises LoadError naming the file."""
    pages = load(
        path,
        int(settings.max_file_mb * 1_000_000),
        max_unpacked_bytes=int(settings.max_unpacked_mb * 1_000_000),
        max_seconds=settings.max_parse_seconds,
    )
    cleaned = clean(pages)
    if not cleaned.text.strip():
        raise LoadError(path, "filen innehåller ingen läsbar text")
    catalog = uploads_catalog(settings)
    raw_text = layout_text(pages)
    if path.name in catalog.entries:  # uploaded before: what staff wrote stands
        meta = catalog.meta_for(path, str(path), cleaned.blocks, raw_text=raw_text)
    else:
        meta = detected_metadata(path, cleaned, raw_text)
    sections = split_sections(cleaned.blocks, meta)
    warnings = []
    if meta.organisation == UNKNOWN:
        warnings.append("Organisationen kunde inte avgöras ur texten; fyll i den nedan innan du indexerar.")
    if not meta.date:
        warnings.append("Inget datum hittades.")
    if not meta.reference:
        warnings.append("Inget diarienummer hittades.")
    shown = tuple((" › ".join(s.path) or "(inledning)", s.body) for s in sections[:SHOWN_SECTIONS])
    preview = cleaned.text[:PREVIEW_CHARS] + (" …" if len(cleaned.text) > PREVIEW_CHARS else "")
    return Parsed(path.name, meta, preview, len(cleaned.text), len(pages), shown, tuple(warnings))


def detected_metadata(path: Path, cleaned: CleanText, raw_text: str = "") -> DocumentMeta:
    """THE place where an uploaded file's metadata is obtained before staff correct it: read from the
    document itself (letterhead, decision lines, signature, file name; see ingest/metadata.py)."""
    meta = Catalog({}, None).meta_for(path, str(path), cleaned.blocks, raw_text=raw_text)
    return replace(meta, catalogued=False)


def save_entry(settings: Settings, meta: DocumentMeta, original_name: str) -> None:
    """Write (or replace) the uploads catalog entry of one file."""
    entry = {
        "file": Path(meta.source).name,
        "title": meta.title,
        "organisation": meta.organisation,
        "body": meta.body or meta.organisation,
        "kind": meta.kind,
        "date": meta.date,
        "reference": meta.reference,
        "concerns": list(meta.concerns),
        "original_file": original_name,
    }
    with _LOCK:
        entries = dict(uploads_catalog(settings).entries)
        old = entries.get(entry["file"], {})
        if old.get("speakers"):
            entry["speakers"] = old["speakers"]
        entries[entry["file"]] = entry
        _write_catalog(uploads_catalog_path(settings), list(entries.values()))


def update_entry(settings: Settings, file: str, values: dict[str, str], concerns: list[str]) -> None:
    """Staff's corrections of one file's fields (FIELDS and the inquiries it concerns)."""
    with _LOCK:
        entries = dict(uploads_catalog(settings).entries)
        if file not in entries:
            raise UploadError(f"{file}: filen finns inte bland de uppladdade; ladda upp den igen")
        entry = dict(entries[file])
        if values.get("body", "").strip() in (entry.get("organisation"), UNKNOWN):
            values = {**values, "body": ""}  # the body that was only the organisation follows the corrected one
        for name in FIELDS:
            value = " ".join(values.get(name, "").split())
            if value:
                entry[name] = value
            elif name not in ("title", "organisation"):
                entry.pop(name, None)
        entry["concerns"] = concerns
        entries[file] = entry
        _write_catalog(uploads_catalog_path(settings), list(entries.values()))


def _write_catalog(path: Path, entries: list[dict]) -> None:
    """The catalog as TOML (strings written as JSON strings, which TOML reads the same), replaced atomically."""
    lines = ["# Files uploaded on the admin page; edit on the page or here. Same format as corpus/catalog.toml.", ""]
    for entry in entries:
        lines.append("[[documents]]")
        for key, value in entry.items():
            if key == "speakers" or value in ("", None):
                continue
            if isinstance(value, list):
                lines.append(f"{key} = [{', '.join(json.dumps(str(v), ensure_ascii=False) for v in value)}]")
            else:
                lines.append(f"{key} = {json.dumps(str(value), ensure_ascii=False)}")
        if entry.get("speakers"):
            lines.append("[documents.speakers]")
            for heading, body in entry["speakers"].items():
                lines.append(f"{json.dumps(heading, ensure_ascii=False)} = {json.dumps(body, ensure_ascii=False)}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".toml.part")
    partial.write_text("\n".join(lines), encoding="utf-8")
    partial.replace(path)


def remove_upload(settings: Settings, file: str) -> None:
    """Forget a refused upload: its file and its catalog entry (the index is not touched)."""
    with _LOCK:
        (settings.uploads_dir / safe_name(file)).unlink(missing_ok=True)
        entries = dict(uploads_catalog(settings).entries)
        if entries.pop(file, None) is not None:
            _write_catalog(uploads_catalog_path(settings), list(entries.values()))
