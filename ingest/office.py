"""OpenDocument text (.odt) and RTF into the same plain text the DOCX reader gives.

An .odt is a zip with the text in content.xml: read within a size limit (no zip bomb) with the
standard library's XML parser; odfpy, the only reader on PyPI, has had no release since 2020.
RTF is read with striprtf. Headings become "# ..." lines, list items "- ...", table rows
"cell | cell", paragraphs are separated by a blank line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}
_T = "{" + _NS["text"] + "}"
_TABLE = "{" + _NS["table"] + "}"
_SKIP = {f"{_T}note", f"{_T}tracked-changes", f"{_T}sequence-decls", f"{_T}table-of-content-source"}


class OfficeError(ValueError):
    """The file is not what its name says; the message says what is wrong (Swedish)."""


def read_odt(path: Path, max_unpacked_bytes: int) -> str:
    """The text of an OpenDocument text file."""
    with zipfile.ZipFile(path) as packed:
        try:
            info = packed.getinfo("content.xml")
        except KeyError:
            raise OfficeError("ODT-filen saknar content.xml och är inte ett OpenDocument-dokument") from None
        if info.file_size > max_unpacked_bytes:
            raise OfficeError(_too_big(info.file_size, max_unpacked_bytes))
        with packed.open(info) as fh:
            data = fh.read(max_unpacked_bytes + 1)
        if len(data) > max_unpacked_bytes:
            raise OfficeError(_too_big(len(data), max_unpacked_bytes))
    root = ET.fromstring(data)
    body = root.find("office:body/office:text", _NS)
    lines: list[str] = []
    _blocks(body if body is not None else root, lines)
    return "\n\n".join(line for line in lines if line.strip())


def _too_big(size: int, limit: int) -> str:
    return (
        f"ODT-filen packas upp till mer än {limit / 1e6:.0f} MB (minst {size / 1e6:.0f} MB; en zip-bomb?) "
        "och lästes inte (höj REMISS_MAX_UNPACKED_MB om den ska med)"
    )


def _blocks(element: ET.Element, lines: list[str], prefix: str = "") -> None:
    for child in element:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == f"{_T}h":
            level = int(child.get(f"{_T}outline-level", "1") or 1)
            lines.append("#" * min(max(level, 1), 6) + " " + _inline(child))
        elif tag == f"{_T}p":
            lines.append(prefix + _inline(child))
        elif tag == f"{_T}list-item":
            before = len(lines)
            _blocks(child, lines)
            if len(lines) > before:
                lines[before] = "- " + lines[before]
        elif tag == f"{_TABLE}table-row":
            cells = [" ".join(_inline(p) for p in cell.iter(f"{_T}p")) for cell in child.iter(f"{_TABLE}table-cell")]
            lines.append(" | ".join(c.strip() for c in cells))
        else:
            _blocks(child, lines, prefix)


def _inline(element: ET.Element) -> str:
    """A paragraph's text with its spans, spaces (text:s), tabs and line breaks; notes left out."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{_T}s":
            parts.append(" " * int(child.get(f"{_T}c", "1") or 1))
        elif tag in (f"{_T}tab", f"{_T}line-break"):
            parts.append(" ")
        elif tag not in _SKIP:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def read_rtf(data: bytes) -> str:
    """The text of an RTF document (Word's, WordPad's, LibreOffice's)."""
    from striprtf.striprtf import rtf_to_text

    head = data.lstrip()[:5]
    if head != b"{\\rtf":
        raise OfficeError("RTF-filen börjar inte med {\\rtf och är inte ett RTF-dokument")
    text = rtf_to_text(data.decode("latin-1"), encoding="cp1252", errors="replace")
    paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n")]
    return "\n\n".join(p for p in paragraphs if p)
