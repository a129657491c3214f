"""Per-field accuracy of metadata detection (ingest/metadata.py).

    python -m evals.metadata                       # generated dev, report and fresh sets, 36 each, txt/pdf/docx
    python -m evals.metadata --corpus              # the bundled corpus with its catalog hidden
    python -m evals.metadata --family dev --errors # what went wrong (use on dev only)

Generated documents go through the same loaders and cleaning as `remiss ingest`."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from evals.metadata_docs import Truth, generate, write
from ingest.clean import clean
from ingest.loaders import load
from ingest.metadata import DetectedMetadata, _dates_in, detect_metadata
from ingest.records import layout_text

SEEDS = {"dev": 1, "report": 2, "fresh": 4, "final": 5, "next": 6}
FIELDS = ("organisation", "body", "kind", "date", "reference", "concerns", "title")
CORPUS_FIELDS = ("organisation", "body", "kind", "date", "reference", "concerns")


@dataclass
class Score:
    right: dict[str, int]
    total: dict[str, int]
    errors: list[str]

    def accuracy(self, name: str) -> float | None:
        return self.right[name] / self.total[name] if self.total[name] else None


def document_text(path: Path) -> tuple[str, str]:
    """The text as ingest sees it (loaded, cleaned, one block a line) and as extracted."""
    pages = load(path, 50_000_000)
    return "\n".join(block.text for block in clean(pages).blocks), layout_text(pages)


def _norm(value: str) -> str:
    value = re.sub(r"^(dnr|diarienummer)[\s.:]*", "", value.strip(), flags=re.I)
    value = re.sub(r"[–—]", "-", value)  # a PDF in a core font writes the en dash as a hyphen
    return " ".join(value.casefold().split())


def _value(detected: DetectedMetadata, name: str) -> str | list[str]:
    if name == "concerns":
        return sorted(detected.concern_list())
    return getattr(detected, name).value


def _matches(name: str, got: str | list[str], want: str | list[str]) -> bool:
    if name == "concerns":
        return sorted(want) == got
    return _norm(str(got)) == _norm(str(want))


def score(cases: list[tuple[dict, str, str]], fields: tuple[str, ...]) -> Score:
    """cases: (truth as a dict, (text, raw text), file name). A field whose truth is None is not counted."""
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    errors = []
    for truth, (text, raw), file_name in cases:
        detected = detect_metadata(text, file_name, raw)
        for name in fields:
            want = truth.get(name)
            if want is None:
                continue
            got = _value(detected, name)
            total[name] += 1
            if _matches(name, got, want):
                right[name] += 1
            else:
                errors.append(f"{file_name} [{truth.get('template', '')}] {name}: fick {got!r}, rätt {want!r}")
    return Score(right, total, errors)


def generated_cases(family: str, n: int, seed: int, folder: Path, formats: tuple[str, ...]) -> list:
    written = write(folder, generate(family, n, seed), formats)
    return [(_truth_dict(truth), document_text(path), path.name) for truth, path in written]


def _truth_dict(truth: Truth) -> dict:
    return {name: getattr(truth, name) for name in (*FIELDS, "template")}


def corpus_cases(corpus: Path, hashed_names: bool) -> list:
    """The bundled corpus, its catalog as truth; date and Dnr only where the text has them."""
    catalog = tomllib.loads((corpus / "catalog.toml").read_text(encoding="utf-8"))["documents"]
    cases = []
    for entry in catalog:
        path = corpus / entry["file"]
        text, raw = document_text(path)
        truth = {name: entry.get(name, "") for name in CORPUS_FIELDS}
        truth["concerns"] = entry.get("concerns", [])
        if entry.get("date", "") not in _dates_in(text):
            truth["date"] = None  # the document does not carry its date
        primary = _norm(entry.get("reference", "")).split(" (")[0]
        if not primary or primary not in text.casefold():
            truth["reference"] = None if primary else ""
        truth["template"] = "korpus"
        cases.append((truth, (text, raw), entry.get("original_file", path.name) if hashed_names else path.name))
    return cases


def print_table(title: str, result: Score, fields: tuple[str, ...]) -> None:
    print(f"\n{title}")
    for name in fields:
        accuracy = result.accuracy(name)
        shown = "   –" if accuracy is None else f"{accuracy:5.0%}"
        print(f"  {name:13} {shown}  ({result.right[name]}/{result.total[name]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.metadata", description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=("dev", "report", "fresh", "final", "next", "all"), default="all")
    parser.add_argument("-n", type=int, default=36, help="dokument per mängd (standard 36)")
    parser.add_argument("--seed", type=int, help="frö (standard: dev 1, report 2)")
    parser.add_argument("--formats", default="txt,pdf,docx", help="filformat, växelvis (standard txt,pdf,docx)")
    parser.add_argument("--corpus", type=Path, nargs="?", const=Path("corpus"), help="mät på korpusen i stället")
    parser.add_argument("--errors", action="store_true", help="skriv ut felen")
    parser.add_argument("--out", type=Path, help="spara de genererade filerna här")
    args = parser.parse_args(argv)
    if args.corpus:
        for hashed in (False, True):
            result = score(corpus_cases(args.corpus, hashed), CORPUS_FIELDS)
            names = "ursprungliga filnamn (utan ledtrådar)" if hashed else "beskrivande filnamn"
            print_table(f"Korpusen, katalogen dold, {names}", result, CORPUS_FIELDS)
            if args.errors:
                print("\n".join("  " + e for e in result.errors))
        return 0
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    families = ("dev", "report", "fresh", "final", "next") if args.family == "all" else (args.family,)
    with tempfile.TemporaryDirectory() as tmp:
        for family in families:
            seed = args.seed if args.seed is not None else SEEDS[family]
            folder = (args.out or Path(tmp)) / family
            result = score(generated_cases(family, args.n, seed, folder, formats), FIELDS)
            print_table(f"Genererade dokument: {family} (frö {seed}, {args.n} st, {'/'.join(formats)})", result, FIELDS)
            if args.errors:
                print("\n".join("  " + e for e in result.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
