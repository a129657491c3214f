"""A larger corpus for `remiss bench`: the real documents, copied N times with one small change each.

`make_synthetic_corpus(source, target, scale)` writes `scale` versions of every document of
`source`: the original file unchanged (copy 0), and copies 1 … scale-1 named
``<stem>--kopia-NNN<suffix>``. Copy i differs from its original in exactly one spot: the
sentence ``(Kopia i.)`` is appended to the document's last paragraph (the last line that ends
a sentence; a signature line does not count). Everything else is byte for byte the original,
so almost every chunk of a copy has the same text as a chunk of the original and its vector
can come from the embedding cache; the bench then measures the index (Chroma, BM25,
manifest) rather than the model.

The catalog is copied too: each copy gets its original's entry with its own file name and the
title suffixed " (kopia i)", so copies keep the organisation, speaking body and section
headers of the original (the text the embedder sees is the same) and take the fast no-op path
of the ingest. Only plain-text formats (.txt, .md) can be perturbed; other files are copied
under their new names unchanged (they still count, but are exact duplicates).
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES

TEXT_SUFFIXES = frozenset({".txt", ".md"})
_HAS_TEXT = re.compile(r"\w")
_PROSE_END = re.compile(r"\w[^\w\s]*[.!?…][\"”’)]*\s*$")


@dataclass(frozen=True)
class SyntheticCorpus:
    folder: Path
    documents: int  # files written, originals included
    originals: int
    perturbed: int  # copies that carry the "(Kopia i.)" sentence


def copy_name(path: Path, i: int) -> str:
    """File name of copy i (copy 0 keeps the original name)."""
    return path.name if i == 0 else f"{path.stem}--kopia-{i:03d}{path.suffix}"


def marker(i: int) -> str:
    return f"(Kopia {i}.)"


def perturb(text: str, i: int) -> str:
    """The text with " (Kopia i.)" appended to its last paragraph; i = 0 is the text itself.

    The last paragraph is the last line that ends a sentence and holds a few words (a signature
    or a "....." line is not a paragraph); failing that, the last line that holds any text."""
    if i == 0:
        return text
    lines = text.split("\n")
    candidates = [n for n, line in enumerate(lines) if _PROSE_END.search(line) and len(line.split()) >= 4]
    candidates = candidates or [n for n, line in enumerate(lines) if _HAS_TEXT.search(line)]
    if not candidates:
        return f"{text}\n{marker(i)}\n"
    n = candidates[-1]
    stripped = lines[n].rstrip()
    lines[n] = f"{stripped} {marker(i)}{lines[n][len(stripped) :]}"
    return "\n".join(lines)


def source_files(source: Path) -> list[Path]:
    return sorted(
        p
        for p in source.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def make_synthetic_corpus(source: Path, target: Path, scale: int, catalog: Path | None = None) -> SyntheticCorpus:
    """Write `scale` versions of each document of `source` (and their catalog) into `target`."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    target.mkdir(parents=True, exist_ok=True)
    files = source_files(source)
    entries = _catalog_entries(catalog or source / "catalog.toml")
    out_entries: list[dict] = []
    perturbed = 0
    for path in files:
        raw = path.read_bytes()
        text_file = path.suffix.lower() in TEXT_SUFFIXES
        text, encoding = _decode(raw) if text_file else (None, "")
        for i in range(scale):
            dest = target / copy_name(path, i)
            if i == 0 or text is None:
                shutil.copyfile(path, dest)
            else:
                dest.write_bytes(perturb(text, i).encode(encoding))
                perturbed += 1
            entry = entries.get(path.name)
            if entry is not None:
                copy = dict(entry, file=dest.name)
                if i:
                    copy["title"] = f"{entry['title']} (kopia {i})"
                out_entries.append(copy)
    if out_entries:
        (target / "catalog.toml").write_text(catalog_toml(out_entries), encoding="utf-8")
    return SyntheticCorpus(target, len(files) * scale, len(files), perturbed)


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _catalog_entries(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(d["file"]): d for d in data.get("documents", []) if isinstance(d, dict) and "file" in d}


def catalog_toml(entries: list[dict]) -> str:
    """A catalog file with one [[documents]] table per entry (strings, numbers, lists, tables)."""
    lines = ["# Written by evals/synthetic.py for remiss bench: the bundled catalog, once per copy.", ""]
    for entry in entries:
        lines.append("[[documents]]")
        tables = {k: v for k, v in entry.items() if isinstance(v, dict)}
        for key, value in entry.items():
            if key not in tables:
                lines.append(f"{_key(key)} = {_value(value)}")
        for key, table in tables.items():
            lines.append(f"[documents.{_key(key)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
        lines.append("")
    return "\n".join(lines)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)
