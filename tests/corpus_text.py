"""Seed text for tests that write their own small corpora: whole paragraphs of the bundled documents."""

from __future__ import annotations

from assistant.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


def seed_text(source: str, n_chars: int, skip: int = 0) -> str:
    """Whole paragraphs (over 80 characters) of a bundled document, about `n_chars` long."""
    paragraphs = [p.strip() for p in (CORPUS / source).read_text(encoding="utf-8").split("\n\n")]
    out: list[str] = []
    for paragraph in [p for p in paragraphs if len(p) > 80][skip:]:
        out.append(paragraph)
        if sum(map(len, out)) >= n_chars:
            break
    return "\n\n".join(out)
