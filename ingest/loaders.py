"""Turn a file into raw pages of text, or a `LoadError` that says what is wrong with it."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.records import Page

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")


class LoadError(Exception):
    """A file that cannot be read; the message names the file, the reason and what to do."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def load(path: Path, max_bytes: int) -> list[Page]:
    """Read one file into pages; raises LoadError for empty, binary, corrupt or oversized files."""
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
    if suffix == ".pdf":
        pages = _load_pdf(path)
    elif suffix == ".docx":
        pages = [Page(None, _load_docx(path))]
    elif suffix in (".html", ".htm"):
        pages = [Page(None, _load_html(path))]
    else:
        pages = [Page(None, decode_text(path, path.read_bytes()))]
    if not any(p.text.strip() for p in pages):
        raise LoadError(path, "filen innehåller ingen text")
    return pages


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


def _load_pdf(path: Path) -> list[Page]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise LoadError(path, "PDF-filen är krypterad; spara en olåst kopia")
            except LoadError:
                raise
            except Exception as exc:
                raise LoadError(path, f"PDF-filen är krypterad och kan inte öppnas ({exc})") from exc
        pages = [Page(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(path, f"PDF-filen är trasig och kan inte läsas ({exc})") from exc
    if not any(p.text.strip() for p in pages):
        raise LoadError(path, "PDF-filen har inget textlager (skannad?); kör OCR först")
    return pages


def _load_docx(path: Path) -> str:
    import zipfile

    from docx import Document as DocxDocument
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = DocxDocument(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise LoadError(path, f"DOCX-filen är trasig och kan inte läsas ({exc})") from exc
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
