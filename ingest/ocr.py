"""Read scanned PDF pages with Tesseract and its Swedish model, as segments for `ingest.pdf_layout`.

The page is rendered with PDFium (no poppler needed) and the `tesseract` program (called directly:
one thread, TSV output) returns each word with its box;
words of one Tesseract line become one segment, so running headers, columns and hyphens are
handled as on any other page. Without Tesseract (or its Swedish model) the caller gets a warning
in Swedish that names the file and what to install; the pages with text still ingest.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.pdf_layout import RawPage, Segment

DPI = 300
LANGUAGE = "swe"
FALLBACK_LANGUAGE = "eng"
PAGE_SECONDS = 120.0  # one page; a scanned page takes a few seconds on one core
INSTALL = "apt-get install -y tesseract-ocr tesseract-ocr-swe"


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...] | None:
    """Tesseract's installed language models, or None when Tesseract is not installed."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (done.stdout + done.stderr).splitlines()
    return tuple(line.strip() for line in lines if line.strip() and " " not in line.strip() and ":" not in line)


def state() -> str:
    """What OCR can do here ("swe", "eng" or "none"): part of a document's hash, so installing
    Tesseract later makes `remiss ingest` read the scanned pages it skipped."""
    langs = languages()
    if langs is None:
        return "none"
    return LANGUAGE if LANGUAGE in langs else FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in langs else "none"


def read_scanned(doc: Any, pages: list[RawPage], path: Path, warn: Callable[[str], None]) -> int:
    """OCR the pages that need it, in place; returns how many were read. Warns instead of failing."""
    wanted = [p for p in pages if p.needs_ocr]
    if not wanted:
        return 0
    numbers = ", ".join(str(p.number) for p in wanted)
    which = "sidan" if len(wanted) == 1 else "sidorna"
    language = state()
    if language == "none":
        warn(
            f"{path.name}: {which} {numbers} saknar textlager (skannad bild) och lästes inte, eftersom "
            f"Tesseract (OCR) inte är installerat. Installera det med `{INSTALL}` och kör remiss ingest igen."
        )
        return 0
    if language != LANGUAGE:
        warn(
            f"{path.name}: Tesseracts svenska språkmodell saknas; {which} {numbers} lästes med den engelska "
            f"(å, ä och ö kan bli fel). Installera den med `{INSTALL}`."
        )
    done = 0
    for page in wanted:
        try:
            page.segments = _ocr_page(doc[page.number - 1], page, language)
        except Exception as exc:  # a page Tesseract chokes on: the rest of the document still counts
            warn(f"{path.name}: sidan {page.number} kunde inte läsas med OCR ({type(exc).__name__}: {exc}).")
            continue
        page.ocr = True
        done += 1
    return done


def _ocr_page(pdf_page: Any, page: RawPage, language: str) -> list[Segment]:
    """Render at DPI, run `tesseract … tsv` on one thread (two ingest processes share the cores)."""
    image = pdf_page.render(scale=DPI / 72, grayscale=True).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    command = [shutil.which("tesseract") or "tesseract", "stdin", "stdout", "-l", language, "--psm", "3"]
    done = subprocess.run(
        [*command, "--dpi", str(DPI), "tsv"],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=PAGE_SECONDS,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace").strip()[-300:] or f"exit {done.returncode}")
    return _segments(done.stdout.decode("utf-8", "replace"), 72 / DPI)


def _segments(tsv: str, to_points: float) -> list[Segment]:
    """Words of one Tesseract line (block, paragraph, line) joined into one segment, in points."""
    lines: dict[tuple[str, str, str], list[tuple[int, int, int, int, str]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        lines.setdefault((cols[2], cols[3], cols[4]), []).append((left, top, width, height, cols[11].strip()))
    segments = []
    for words in lines.values():
        words.sort()
        segments.append(
            Segment(
                min(w[0] for w in words) * to_points,
                min(w[1] for w in words) * to_points,
                max(w[0] + w[2] for w in words) * to_points,
                max(w[1] + w[3] for w in words) * to_points,
                " ".join(w[4] for w in words),
            )
        )
    return segments
