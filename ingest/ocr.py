"""Read scanned PDF pages with Tesseract and its Swedish model, as segments for `ingest.pdf_layout`.

The page is rendered with PDFium (no poppler needed) and Tesseract returns each word with its box;
words of one Tesseract line become one segment, so running headers, columns and hyphens are
handled as on any other page. Without Tesseract (or its Swedish model) the caller gets a warning
in Swedish that names the file and what to install; the pages with text still ingest.
"""

from __future__ import annotations

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
    import pytesseract

    image = pdf_page.render(scale=DPI / 72, grayscale=True).to_pil()
    data = pytesseract.image_to_data(
        image, lang=language, config="--psm 3", output_type=pytesseract.Output.DICT, timeout=PAGE_SECONDS
    )
    to_points = 72 / DPI
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    segments = []
    for indices in lines.values():
        left = min(data["left"][i] for i in indices)
        top = min(data["top"][i] for i in indices)
        right = max(data["left"][i] + data["width"][i] for i in indices)
        bottom = max(data["top"][i] + data["height"][i] for i in indices)
        text = " ".join(data["text"][i].strip() for i in sorted(indices, key=lambda i: data["left"][i]))
        segments.append(Segment(left * to_points, top * to_points, right * to_points, bottom * to_points, text))
    return segments
