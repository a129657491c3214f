"""Turn a file into raw pages of text, or a `LoadError` that says what is wrong with it.

Whatever a parser raises for a file (PDFium, python-docx, zipfile, lxml, bs4 ...) becomes that
file's LoadError: a bad file never stops the files after it. Before parsing, a DOCX is unpacked
within `max_unpacked_bytes` (a zip bomb is refused, not expanded); parsing gets `max_seconds`.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from ingest.records import Page
from ingest.timelimit import ParseTimeout, time_limit

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".odt", ".rtf", ".doc", ".html", ".htm")
DEFAULT_MAX_UNPACKED_BYTES = 200_000_000
DEFAULT_MAX_SECONDS = 60.0
_KIND = {
    ".pdf": "PDF-filen",
    ".docx": "DOCX-filen",
    ".odt": "ODT-filen",
    ".rtf": "RTF-filen",
    ".html": "HTML-filen",
    ".htm": "HTML-filen",
}


class LoadError(Exception):
    """A file that cannot be read; the message names the file, the reason and what to do."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def load(
    path: Path,
    max_bytes: int,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    warn: Callable[[str], None] | None = None,
) -> list[Page]:
    """Read one file into pages; raises LoadError for empty, binary, corrupt, oversized or too slow files.

    `warn` hears what was read only in part (scanned pages without Tesseract)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(path, f"filtypen {suffix or '(ingen)'} stöds inte; använd {', '.join(SUPPORTED_SUFFIXES)}")
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "filen är tom")
    if size > max_bytes:
        raise LoadError(
            path,
            f"filen är {size / 1e6:.1f} MB, över gränsen {max_bytes / 1e6:.1f} MB "
            "(höj REMISS_MAX_FILE_MB om den ska med)",
        )
    kind = _KIND.get(suffix, "filen")
    try:
        if suffix == ".pdf":
            pages = _load_pdf(path, max_seconds, warn or (lambda _message: None))
        else:
            with time_limit(max_seconds):
                pages = _parse(path, suffix, max_unpacked_bytes, time.monotonic() + max_seconds)
    except LoadError:
        raise
    except ParseTimeout:
        raise LoadError(
            path, f"{kind} tog mer än {max_seconds:g} s att läsa och hoppades över (höj REMISS_MAX_PARSE_SECONDS)"
        ) from None
    except MemoryError:
        raise LoadError(path, f"{kind} kräver för mycket minne för att läsas") from None
    except RecursionError:
        raise LoadError(path, f"{kind} är för djupt nästlad för att läsas (trasig?)") from None
    except Exception as exc:
        raise LoadError(path, f"{kind} är trasig och kan inte läsas ({type(exc).__name__}: {_short(exc)})") from exc
    if not any(p.text.strip() for p in pages):
        raise LoadError(path, "filen innehåller ingen text")
    return pages


def _parse(path: Path, suffix: str, max_unpacked_bytes: int, deadline: float) -> list[Page]:
    if suffix == ".docx":
        return [Page(None, _load_docx(path, max_unpacked_bytes))]
    if suffix in (".odt", ".rtf", ".doc"):
        return [Page(None, _load_office(path, suffix, max_unpacked_bytes))]
    if suffix in (".html", ".htm"):
        return [Page(None, _load_html(path))]
    return [Page(None, decode_text(path, path.read_bytes()))]


def _load_office(path: Path, suffix: str, max_unpacked_bytes: int) -> str:
    from ingest.office import OfficeError, read_odt, read_rtf

    try:
        if suffix == ".odt":
            return read_odt(path, max_unpacked_bytes)
        data = path.read_bytes()
        if data.lstrip()[:5] == b"{\\rtf":
            return read_rtf(data)  # Word saves RTF under .doc too
        if suffix == ".doc":
            raise LoadError(
                path,
                "Word 97–2003-formatet (.doc) kan inte läsas; öppna filen i Word eller LibreOffice och "
                "spara den som DOCX eller PDF",
            )
        return read_rtf(data)
    except OfficeError as exc:
        raise LoadError(path, str(exc)) from None


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or "inget meddelande"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode_text(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), else cp1252; refuse binary data."""
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.1:
        raise LoadError(path, "filen ser ut att vara binär, inte text; spara den som UTF-8-text eller PDF")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(data)


def _load_pdf(path: Path, max_seconds: float, warn: Callable[[str], None]) -> list[Page]:
    """Text and layout within `max_seconds`; scanned pages are OCR'd outside it, each with its own limit."""
    from ingest import ocr, pdf_layout

    with time_limit(max_seconds):
        doc = _open_pdf(path)
    try:
        with time_limit(max_seconds):
            raw = pdf_layout.extract(doc, time.monotonic() + max_seconds)
        ocr.read_scanned(doc, raw, path, warn)
        with time_limit(max_seconds):
            pages = pdf_layout.lay_out(raw)
    finally:
        doc.close()
    if not any(p.text.strip() for p in pages):
        if any(p.needs_ocr for p in raw) and ocr.state() == "none":
            raise LoadError(
                path,
                f"PDF-filen har inget textlager (skannad) och Tesseract (OCR) saknas; installera det: `{ocr.INSTALL}`",
            )
        raise LoadError(path, "PDF-filen har inget textlager (skannad?) och ingen text kunde läsas; kör OCR först")
    return pages


def _open_pdf(path: Path) -> object:
    """The PDFium document; an encrypted file gets its own message."""
    from pypdfium2 import PdfiumError

    from ingest import pdf_layout

    try:
        return pdf_layout.open_pdf(path)
    except PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoadError(path, "PDF-filen är krypterad; spara en olåst kopia") from None
        raise LoadError(path, f"PDF-filen är trasig och kan inte läsas ({_short(exc)})") from None


def unpacked_docx(path: Path, max_unpacked_bytes: int) -> io.BytesIO:
    """The DOCX repacked uncompressed in memory, unpacking no more than `max_unpacked_bytes` in all.

    Members are read in bounded steps, so a member that inflates far beyond its declared size is
    stopped at the limit; the parser then reads the repacked copy, whose sizes are true."""
    with zipfile.ZipFile(path) as packed:
        members = packed.infolist()
        declared = sum(m.file_size for m in members)
        if declared > max_unpacked_bytes:
            raise LoadError(path, _too_big(declared, max_unpacked_bytes))
        out = io.BytesIO()
        total = 0
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as repacked:
            for member in members:
                if member.is_dir():
                    continue
                parts: list[bytes] = []
                with packed.open(member) as fh:
                    while block := fh.read(1 << 20):
                        total += len(block)
                        if total > max_unpacked_bytes:
                            raise LoadError(path, _too_big(total, max_unpacked_bytes))
                        parts.append(block)
                repacked.writestr(member.filename, b"".join(parts))
    out.seek(0)
    return out


def _too_big(size: int, limit: int) -> str:
    return (
        f"DOCX-filen packas upp till mer än {limit / 1e6:.0f} MB (minst {size / 1e6:.0f} MB; en zip-bomb?) "
        "och lästes inte (höj REMISS_MAX_UNPACKED_MB om den ska med)"
    )


def _load_docx(path: Path, max_unpacked_bytes: int) -> str:
    from docx import Document as DocxDocument

    doc = DocxDocument(unpacked_docx(path, max_unpacked_bytes))
    lines: list[str] = []
    for para in doc.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        match = re.match(r"(?:Heading|Rubrik)\s*(\d)", style)
        if match:
            lines.append("#" * int(match.group(1)) + " " + text)
        elif style.lower().startswith(("list", "liststycke")):
            lines.append("- " + text)
        else:
            lines.append(text)
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(lines)


def _load_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(path, path.read_bytes()), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript"]):
        tag.decompose()
    lines: list[str] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li"]):
        if el.name == "p" and el.find_parent("li") is not None:
            continue  # the list item already carries this paragraph's text
        text = " ".join(el.get_text(" ").split())
        if not text:
            continue
        if el.name.startswith("h"):
            lines.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            lines.append("- " + text)
        else:
            lines.append(text)
    if not lines:
        lines = [soup.get_text("\n")]
    return "\n\n".join(lines)
