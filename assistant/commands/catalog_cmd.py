"""`remiss catalog suggest`: a catalog draft read from the documents themselves, for review."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.indexing import discover
from assistant.settings import Settings
from ingest.catalog import infer_title, load_catalog
from ingest.catalog_draft import draft, draft_entry
from ingest.clean import clean
from ingest.loaders import LoadError, load
from ingest.metadata import detect_metadata
from ingest.records import layout_text


def suggest(paths: list[Path], settings: Settings) -> tuple[str, list[str]]:
    """The draft for these files, and one Swedish line per file that could not be read."""
    entries, problems = [], []
    for path in paths:
        try:
            pages = load(
                path,
                int(settings.max_file_mb * 1_000_000),
                max_unpacked_bytes=int(settings.max_unpacked_mb * 1_000_000),
                max_seconds=settings.max_parse_seconds,
            )
            blocks = clean(pages).blocks
        except LoadError as exc:
            problems.append(f"{exc.path}: {exc.reason}; filen kom inte med i utkastet")
            continue
        except OSError as exc:
            problems.append(f"{path}: kan inte läsas ({exc.strerror or exc}); filen kom inte med i utkastet")
            continue
        if not blocks:
            problems.append(f"{path}: filen innehåller ingen läsbar text; filen kom inte med i utkastet")
            continue
        found = detect_metadata("\n".join(b.text for b in blocks), path.name, layout_text(pages))
        entries.append(draft_entry(path.name, found, infer_title(blocks) or path.stem))
    return draft(entries), problems


def _files(args: argparse.Namespace, settings: Settings) -> list[Path]:
    """The given files and folders; without any, the corpus files the catalog does not list."""
    if args.paths:
        files, _ = discover(args.paths)
        return files
    files, _ = discover([settings.corpus_dir])
    listed = load_catalog(settings.catalog_path).entries
    return [f for f in files if f.name not in listed]


def run(args: argparse.Namespace, settings: Settings) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"remiss: {missing[0]} finns inte; ange en fil eller en mapp med dokument", file=sys.stderr)
        return 2
    files = _files(args, settings)
    if not files:
        where = ", ".join(map(str, args.paths)) or f"{settings.corpus_dir} (alla filer finns redan i katalogen)"
        print(f"remiss: inga dokument att föreslå katalogposter för i {where}", file=sys.stderr)
        return 1
    text, problems = suggest(files, settings)
    for line in problems:
        print(f"remiss: {line}", file=sys.stderr)
    if args.out:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(
                f"remiss: kan inte skriva {args.out} ({exc.strerror or exc}); välj en annan fil med --out",
                file=sys.stderr,
            )
            return 1
        print(f"Utkast för {len(files) - len(problems)} dokument skrivet till {args.out}; granska det före användning.")
    else:
        sys.stdout.write(text)
    return 1 if problems else 0
