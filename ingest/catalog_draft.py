"""A catalog draft (corpus/catalog.toml format) from detected metadata, for a person to review.

Each field carries its confidence and the line it was read from as a TOML comment, so the
reviewer sees why a value is there; a required field that was not found is left blank, which
the catalog refuses until someone fills it in."""

from __future__ import annotations

import json

from ingest.metadata import DetectedField, DetectedMetadata

HEADER = (
    "# Utkast till katalog från `remiss catalog suggest`: granska varje fält och flytta posterna till\n"
    "# catalog.toml. Kommentaren över ett fält anger säkerheten (0–1), var värdet lästes och raden det\n"
    "# lästes ur. Ett tomt obligatoriskt fält (title, organisation) hittades inte: fyll i det.\n"
)
_LABELS = {
    "title": "titel",
    "organisation": "organisation",
    "body": "talande organ",
    "kind": "typ",
    "date": "datum",
    "reference": "diarienummer",
    "concerns": "gäller",
}


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _comment(name: str, found: DetectedField) -> str:
    if not found.value:
        return f"# {_LABELS[name]}: hittades inte i texten"
    evidence = " ".join(found.evidence.split())[:140]
    shown = f': "{evidence}"' if evidence else ""
    return f"# {_LABELS[name]}: säkerhet {found.confidence:.2f}, {found.source}{shown}"


def draft_entry(file_name: str, found: DetectedMetadata, fallback_title: str = "") -> str:
    """One [[documents]] table for a file, every field with its evidence as a comment."""
    lines = ["[[documents]]", f"file = {toml_string(file_name)}"]
    for name in DetectedMetadata.FIELDS:
        field: DetectedField = getattr(found, name)
        value = field.value or (fallback_title if name == "title" else "")
        lines.append(_comment(name, field))
        if name == "concerns":
            items = ", ".join(toml_string(c) for c in found.concern_list())
            lines.append(f"concerns = [{items}]")
        else:
            lines.append(f"{name} = {toml_string(value)}")
    lines.append(f"original_file = {toml_string(file_name)}")
    return "\n".join(lines) + "\n"


def draft(entries: list[str]) -> str:
    return HEADER + "".join("\n" + entry for entry in entries)
