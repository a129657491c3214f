"""Where a source card's "open the original" link points: only files inside the corpus or uploads folder.

The app serves those two folders through Gradio's file route (behind the login, like every
route); a document indexed from anywhere else gets no link. A PDF link opens at the cited page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from assistant.settings import Settings
from assistant.store import ManifestEntry

FILE_ROUTE = "gradio_api/file="  # relative: works under a proxy's root path too


@dataclass(frozen=True)
class SourceInfo:
    """What a source card shows besides the passage: date, Dnr and the original's link."""

    date: str = ""
    reference: str = ""
    url: str = ""  # without the page anchor
    is_pdf: bool = False

    def link(self, page: int | None) -> str:
        if not self.url:
            return ""
        return f"{self.url}#page={page}" if self.is_pdf and page else self.url


def served_folders(settings: Settings) -> list[Path]:
    """The folders whose files the app may hand out."""
    return [settings.corpus_dir.resolve(), settings.uploads_dir.resolve()]


def original_path(entry: ManifestEntry, settings: Settings) -> Path | None:
    """The original beside the indexed file when the catalog names one that is there, else the indexed
    file itself; None when it lies outside the served folders or is gone."""
    source = Path(entry.source)
    candidates = [source]
    if entry.original_file and Path(entry.original_file).name == entry.original_file:
        candidates.insert(0, source.parent / entry.original_file)
    folders = served_folders(settings)
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
        except OSError:
            continue
        if resolved.is_file() and any(resolved.is_relative_to(f) for f in folders):
            return resolved
    return None


def source_info(entry: ManifestEntry, settings: Settings) -> SourceInfo:
    path = original_path(entry, settings)
    url = FILE_ROUTE + quote(str(path)) if path else ""
    return SourceInfo(entry.date, entry.reference, url, bool(path) and path.suffix.lower() == ".pdf")


def source_infos(manifest: dict[str, ManifestEntry], settings: Settings, doc_ids: set[str]) -> dict[str, SourceInfo]:
    """The cards' facts for the cited documents only (the work grows with the citations, not the index)."""
    return {d: source_info(manifest[d], settings) for d in doc_ids if d in manifest}
