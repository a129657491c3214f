"""The inquiry's proposals and recommendations, read from the document that summarises it.

A summary states its proposals under lead-ins ("… föreslår Tillitsdelegationen följande:",
"… rekommenderar …:"), each one a sub-heading with its text or a bullet. This reads that shape
from the cleaned blocks, so a new inquiry's summary needs no list written by hand; what it gets
wrong is corrected in `proposals.toml` beside the corpus (see `apply_overrides`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

from assistant.errors import RemissError
from assistant.positions.model import Proposal
from assistant.swedish import analyse, is_stopword
from ingest.records import Block

SUMMARY_KINDS = frozenset({"sammanfattning", "betänkande"})
_LEAD_IN = re.compile(r"\b(föreslår|föreslog|rekommenderar|rekommenderade)\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-•*\uf0b7]|\d+[.)])\s+")
_TERMINATED = re.compile(r"[.!?;:]$")
_SUBJECT = re.compile(r"^(.{3,80}?)\s+(?:ska|bör|skall|får|behöver)\b")
_TITLE_WORDS = 9
_PREPOSITION = re.compile(r"^(?:vid|för|om|i|inom|såväl|genom|med|under|efter)\b", re.IGNORECASE)
_MODALS = frozenset({"bör", "ska", "skall", "får", "kan", "behöv", "måst"})


def is_lead_in(text: str) -> bool:
    """A sentence that introduces the proposals under it."""
    stripped = text.strip()
    return bool(_LEAD_IN.search(stripped)) and (stripped.endswith(":") or "följande" in stripped.lower())


def _kind(lead_in: str) -> str:
    return "rekommendation" if "rekommend" in lead_in.lower() else "förslag"


def _subheading(block: Block, following: Block | None) -> bool:
    """A short line without a closing stop, followed by prose: an emphasised proposal heading
    that the cleaning kept as a paragraph (PDFs and text files lose the italics)."""
    text = block.text.strip()
    return (
        len(text) < 250
        and not _TERMINATED.search(text)
        and not _BULLET.match(text)
        and following is not None
        and not following.is_heading
        and not _BULLET.match(following.text)
        and not is_lead_in(following.text)
    )


def _ends_lead(
    block: Block, following: Block | None, lead: str | None, level: int, item_level: int | None, bullets: bool
) -> bool:
    """Does this heading start a new section (rather than name the next proposal)?"""
    if lead is None or (following is not None and is_lead_in(following.text)):
        return True
    if bullets:  # a lead-in's bullets end at the next heading
        return True
    if item_level is not None:
        return block.heading_level < item_level
    return block.heading_level < level


def short_title(text: str) -> str:
    """A bullet's short name: its first clause, cut at a word boundary."""
    first = re.split(r"(?<![ .][a-zåäö])(?<=[.;:])\s+(?=[A-ZÅÄÖ])", _BULLET.sub("", text.strip()), maxsplit=1)[0]
    first = first.rstrip(".;:")
    words = first.split()
    return " ".join(words[:_TITLE_WORDS]) + (" …" if len(words) > _TITLE_WORDS else "")


def addressee(text: str, lead_in: str) -> str:
    """To whom it is addressed: the subject before "ska/bör" of its text or of its lead-in."""
    lead_tail = re.search(r"\batt\s+(.{3,60}?)\s+(?:ska|bör)\s*:?\s*$", lead_in)
    if lead_tail:
        return lead_tail.group(1)
    match = _SUBJECT.match(_BULLET.sub("", text.strip()))
    if (
        not match
        or len(match.group(1).split()) > 7
        or " att " in f" {match.group(1)} "
        or _PREPOSITION.match(match.group(1))
    ):
        return ""
    return match.group(1)


def slug(title: str, taken: set[str], skip: str = "") -> str:
    """A stable id from the title's first content words past its addressee (it changes only when the title does)."""
    skipped = set(analyse(skip)) if skip and title.lower().startswith(skip.lower()) else set()
    words = [w for w in analyse(title) if len(w) > 2 and not is_stopword(w) and w not in _MODALS]
    rest = [w for w in words if w not in skipped]
    stems = (rest if len(rest) >= 2 else words)[:3] or ["forslag"]
    base = "-".join(stems)[:32].strip("-")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def extract_proposals(blocks: tuple[Block, ...] | list[Block], doc_id: str) -> list[Proposal]:
    """Every proposal and recommendation under a lead-in, in document order."""
    blocks = [b for b in blocks if b.text.strip()]
    found: list[dict] = []
    lead: str | None = None  # the active lead-in
    level = 0  # heading level of the section the lead-in sits in
    item_level: int | None = None  # heading level of the lead-in's headed items, once one is seen
    bullets = sublist = False  # the lead-in's items are bullets; a bullet ending in ":" opened a sub-list
    section = ""
    current: dict | None = None
    for i, block in enumerate(blocks):
        text = block.text.strip()
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.is_heading and _ends_lead(block, following, lead, level, item_level, bullets):
            lead, level, section, current = None, block.heading_level, text, None
            continue
        if is_lead_in(text) and not _BULLET.match(text):
            lead, current, item_level, bullets, sublist = text, None, None, False, False
            continue
        if lead is None:
            continue
        if block.is_heading or _subheading(block, following):
            if block.is_heading:
                item_level = block.heading_level
            current = {"title": text, "text": "", "lead": lead, "section": section, "page": block.page, "anchor": text}
            found.append(current)
            sublist = False
        elif _BULLET.match(text):
            bullets = True
            if sublist and current is not None:
                current["text"] += "\n" + text  # an item of the sub-list the bullet before opened
                continue
            body = _BULLET.sub("", text)
            current = {"title": short_title(text), "text": body, "lead": lead, "section": section}
            current.update(page=block.page, anchor=text, bullet=True)
            found.append(current)
            sublist = body.rstrip().endswith(":")
        elif current is not None:
            current["text"] = (current["text"] + "\n" + text).strip()
            sublist = False
        else:
            lead = None  # prose after a lead-in with nothing under it: the lead-in was narrative
    taken: set[str] = set()
    out = []
    for item in found:
        body = item["text"] or item["title"]
        to = addressee(body, item["lead"])
        out.append(
            Proposal(
                id=slug(
                    short_title(item["title"]) if not item.get("bullet") else " ".join(body.split()[:14]), taken, to
                ),
                title=item["title"],
                kind=_kind(item["lead"]),
                section=item["section"],
                addressee=to,
                text=body,
                doc_id=doc_id,
                page=item["page"],
            )
        )
    return out


def apply_overrides(proposals: list[Proposal], path: Path) -> list[Proposal]:
    """Correct or add proposals from a TOML file (`[[proposals]]` tables keyed by `id`, `remove = [ids]`).

    A table whose id exists changes only the fields it gives; a new id adds a proposal (needs `title`)."""
    if not path.is_file():
        return proposals
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RemissError(f"{path}: kunde inte läsas som TOML ({exc}); rätta filen eller ta bort den.") from exc
    removed = {str(x) for x in data.get("remove", [])}
    by_id = {p.id: p for p in proposals if p.id not in removed}
    fields = set(Proposal.__dataclass_fields__)
    for n, entry in enumerate(data.get("proposals", []), start=1):
        if not isinstance(entry, dict) or not entry.get("id"):
            raise RemissError(f"{path}: förslag nr {n} saknar fältet 'id'; ge varje [[proposals]] ett id.")
        unknown = set(entry) - fields
        if unknown:
            raise RemissError(
                f"{path}: förslag '{entry['id']}' har okända fält {sorted(unknown)}; tillåtna: {sorted(fields)}."
            )
        values = {k: (int(v) if k == "page" and v is not None else str(v)) for k, v in entry.items()}
        if values["id"] in by_id:
            by_id[values["id"]] = replace(by_id[values["id"]], **values)
        elif not values.get("title"):
            raise RemissError(f"{path}: nytt förslag '{values['id']}' saknar 'title'.")
        else:
            by_id[values["id"]] = Proposal(**values)
    return list(by_id.values())
