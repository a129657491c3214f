"""The inquiries (betänkanden) the documents concern: a filter, and a description for new staff.

Each document's catalog entry says which reports it concerns (`concerns = ["SOU 2018:47"]`).
`corpus/inquiries.toml` describes the known ones (title, one paragraph); a report number no file
describes is listed by its number alone.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.store import ManifestEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inquiry:
    number: str  # "SOU 2018:47"
    title: str = ""
    description: str = ""


def load_inquiries(path: Path) -> dict[str, Inquiry]:
    """The described inquiries by number; a missing or broken file describes none (logged, never fatal)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("%s kan inte läsas (%s); utredningarna visas bara med sina nummer.", path, exc)
        return {}
    out: dict[str, Inquiry] = {}
    for raw in data.get("inquiries", []):
        if isinstance(raw, dict) and isinstance(raw.get("number"), str):
            number = raw["number"].strip()
            out[number] = Inquiry(number, str(raw.get("title", "")).strip(), str(raw.get("description", "")).strip())
    return out


def present(manifest: Mapping[str, ManifestEntry]) -> list[str]:
    """The report numbers the indexed documents concern, sorted."""
    return sorted({number for entry in manifest.values() for number in entry.concerns})


def documents_of(manifest: Mapping[str, ManifestEntry], inquiry: str) -> tuple[str, ...]:
    return tuple(sorted(d for d, e in manifest.items() if inquiry in e.concerns))


def label(number: str, known: Mapping[str, Inquiry]) -> str:
    """'SOU 2018:47 Med tillit växer handlingsutrymmet', or the number alone."""
    inquiry = known.get(number)
    return f"{number} {inquiry.title}" if inquiry and inquiry.title else number


def onboarding_markdown(manifest: Mapping[str, ManifestEntry], known: Mapping[str, Inquiry]) -> str:
    """A section per inquiry the documents concern, with how many documents do."""
    numbers = present(manifest)
    if not numbers:
        return "### Utredningar\n\nInget av dokumenten anger vilken utredning det gäller."
    lines = ["### Utredningar i underlaget", ""]
    for number in numbers:
        count = len(documents_of(manifest, number))
        inquiry = known.get(number)
        heading = f"**{label(number, known)}**"
        docs = f"({count} dokument)"
        if inquiry and inquiry.description:
            lines += [f"{heading} {docs}", "", inquiry.description, ""]
        else:
            lines += [f"{heading} {docs} – ingen beskrivning ännu (lägg till den i corpus/inquiries.toml).", ""]
    return "\n".join(lines)
