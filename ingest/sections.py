"""Find the heading path and the speaking body of every block.

A joint answer (a city's remissvar quoting its nämnder) hands the word to another body at
a heading. The catalog may name those headings; for documents it does not list, a heading
that looks like a Swedish public body after a "Remissammanställning"-like heading does.
"""

from __future__ import annotations

import re

from ingest.records import Block, DocumentMeta, Section

COMPILATION_HEADING = re.compile(
    r"^(remissammanställning|sammanställning av remissvar|inkomna remissvar|remissinstansernas synpunkter)$",
    re.IGNORECASE,
)
BODY_HEADING = re.compile(
    r"^[A-ZÅÄÖ][\wåäöÅÄÖ\- ]{0,60}("
    r"nämnd|nämnden|kontoret|förvaltningen|styrelsen|fullmäktige|inspektionen|myndigheten|verket|"
    r"kommun|stad|region|universitet|högskola|förbund|rådet)$"
)


def split_sections(blocks: tuple[Block, ...], meta: DocumentMeta) -> list[Section]:
    """Group blocks into sections; each carries its heading path and speaking body."""
    speakers = {_norm(k): v for k, v in meta.speakers}
    after = _norm(meta.speakers_after) if meta.speakers_after else ""
    handover_active = not after and bool(speakers)
    generic = not meta.catalogued
    body = meta.body
    path: list[tuple[int, str]] = []
    sections: list[Section] = []
    current: list[Block] = []

    def flush() -> None:
        if current:
            sections.append(Section(tuple(t for _, t in path), body, tuple(current)))
            current.clear()

    for block in blocks:
        if not block.is_heading:
            current.append(block)
            continue
        flush()
        key = _norm(block.text)
        level = block.heading_level
        if (after and key == after) or (generic and COMPILATION_HEADING.match(block.text)):
            handover_active = True
            level = 1
        elif handover_active and key in speakers:
            body = speakers[key]
            level = 2
        elif handover_active and generic and BODY_HEADING.match(block.text) and len(block.text.split()) <= 6:
            body = block.text
            level = 2
        path = [(lvl, text) for lvl, text in path if lvl < level]
        path.append((level, block.text))
        current.append(block)
    flush()
    return sections


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
