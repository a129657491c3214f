"""Mend PDF-extracted text into paragraphs, list items and headings.

Handles hard line breaks inside sentences (also in double-spaced extractions where every
line is followed by a blank one), words hyphenated across lines, private-use bullet glyphs,
`*` emphasis and runs of white space. Headings are recognised here, where line structure is
still visible; the stored text keeps them as their own blocks without markdown marks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.records import Block, CleanText, Page

BULLET_GLYPHS = "\uf0b7\uf0a7\uf076\uf0d8\u2022\u25cf\u25aa\u25e6\u2023\u2043"
_LIST_MARKER = re.compile(rf"^\s*(?:[{BULLET_GLYPHS}]|[-–]\s)\s*")
_NUMBERED_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-z][.)])\s+\S")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-ZÅÄÖ].*)$")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_EMPHASIS = re.compile(r"(?<![\w*])\*{1,3}(?=\S)(.+?)(?<=\S)\*{1,3}(?![\w*])")
_CONJUNCTIONS = frozenset({"och", "eller", "samt", "respektive", "resp", "som", "till"})
_SENTENCE_END = '.!?:;…"”»)'


@dataclass
class _Line:
    text: str
    raw_start: int
    page: int | None
    gap_before: int  # blank lines before it


def clean(pages: Sequence[Page]) -> CleanText:
    """Clean raw pages into text + blocks whose offsets index that text."""
    lines = _split_lines(pages)
    soft_gap = 1 if _is_double_spaced(lines) else 0
    paragraphs = _join_lines(lines, soft_gap)
    blocks: list[Block] = []
    parts: list[str] = []
    offset = 0
    for kind_level, text, page in paragraphs:
        if parts:
            offset += 2  # the "\n\n" between blocks
        blocks.append(Block(text, offset, offset + len(text), page, kind_level))
        parts.append(text)
        offset += len(text)
    return CleanText("\n\n".join(parts), tuple(blocks))


def normalise_inline(text: str) -> str:
    """Strip emphasis marks and stray glyphs, collapse white space inside one line."""
    text = text.replace("\u00a0", " ").replace("\u00ad", "")
    text = _EMPHASIS.sub(r"\1", text)
    text = text.replace("**", "")
    text = re.sub(rf"[{BULLET_GLYPHS}]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _split_lines(pages: Sequence[Page]) -> list[_Line]:
    lines: list[_Line] = []
    raw_offset = 0
    for page in pages:
        gap = 0  # a page break alone does not end a paragraph; the line heuristics decide
        text = page.text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
        for raw in text.split("\n"):
            if raw.strip():
                lines.append(_Line(raw, raw_offset, page.number, gap))
                gap = 0
            else:
                gap += 1
            raw_offset += len(raw) + 1
    return lines


def _is_double_spaced(lines: Sequence[_Line]) -> bool:
    """True for extractions where (nearly) every line is followed by a blank line."""
    if len(lines) < 20:
        return False
    pairs = list(itertools.pairwise(lines))
    blank_after = sum(1 for _, nxt in pairs if nxt.gap_before >= 1) / len(pairs)
    # Sentences broken across a blank line: the next line goes on in lower case.
    mid_sentence = sum(1 for _, nxt in pairs if nxt.gap_before >= 1 and nxt.text.strip()[:1].islower()) / len(pairs)
    return blank_after > 0.8 and mid_sentence > 0.2


def _heading_level(text: str, is_single_line: bool) -> tuple[int, str]:
    """Return (level, text without marks); level 0 when the paragraph is not a heading."""
    md = _MARKDOWN_HEADING.match(text)
    if md:
        return len(md.group(1)), md.group(2)
    if not is_single_line or len(text) > 90 or text[-1] in ".:;,!?…":
        return 0, text
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        return 2 + numbered.group(1).count("."), text
    words = text.split()
    if len(words) <= 9 and text[0].isupper() and not re.search(r"[@|]|\d{5,}", text) and not _looks_like_byline(text):
        return 3, text
    return 0, text


_MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"


_NOT_HEADINGS = frozenset(
    {"med vänlig hälsning", "vänliga hälsningar", "hälsningar", "ordförande", "förvaltningsdirektör", "sekretariatet"}
)


def _looks_like_byline(text: str) -> bool:
    """Names, titles and dates on their own line ("Martin Klinthäll", "Docent, Föreståndare vid CKS",
    "Stockholm den 25 oktober 2018") are not headings: Swedish headings are in sentence case."""
    if text.lower().strip(" .") in _NOT_HEADINGS:
        return True
    words = re.findall(r"[\wÅÄÖåäö-]+", text)
    if len(words) >= 2 and all(w[0].isupper() for w in words if w[0].isalpha()):
        return True
    if re.search(r",\s*[A-ZÅÄÖ]", text):
        return True
    return bool(re.search(rf"\b\d{{1,2}} ({_MONTHS}) \d{{4}}\b", text, re.IGNORECASE))


def _starts_list_item(text: str) -> bool:
    return bool(_LIST_MARKER.match(text) or _NUMBERED_ITEM.match(text))


def _join_lines(lines: Sequence[_Line], soft_gap: int) -> list[tuple[int, str, int | None]]:
    """Group lines into paragraphs: (heading level, cleaned text, page)."""
    paragraphs: list[tuple[int, str, int | None]] = []
    current: list[str] = []
    page: int | None = None

    def flush() -> None:
        if not current:
            return
        single = len(current) == 1
        raw = current[0]
        for nxt in current[1:]:
            raw = _glue(raw, nxt)
        raw = raw.strip()
        is_item = _starts_list_item(raw)
        if is_item:
            raw = "- " + _LIST_MARKER.sub("", raw, count=1) if _LIST_MARKER.match(raw) else raw
        text = normalise_inline(raw)
        if text and text not in ("-", "- "):
            level, text = (0, text) if is_item and not _NUMBERED_HEADING.match(text) else _heading_level(text, single)
            text = normalise_inline(text)
            if text:
                paragraphs.append((level, text, page))
        current.clear()

    for i, line in enumerate(lines):
        if current and _breaks_before(lines[i - 1].text, line, soft_gap, len(current)):
            flush()
        if not current:
            page = line.page
        current.append(line.text.lstrip() if not current else line.text)
    flush()
    return paragraphs


def _breaks_before(prev_raw: str, line: _Line, soft_gap: int, lines_so_far: int) -> bool:
    """Decide whether `line` starts a new paragraph after `prev_raw`."""
    prev = prev_raw.strip()
    nxt = line.text.strip()
    if line.gap_before > soft_gap:
        return True
    if _MARKDOWN_HEADING.match(nxt) or _MARKDOWN_HEADING.match(prev):
        return True
    if _starts_list_item(nxt):
        return True
    if _is_hyphenated(prev_raw, nxt):
        return False
    first = nxt[0]
    if prev[-1] in _SENTENCE_END:
        if prev_raw.endswith("  ") and not first.isupper():
            return False  # markdown hard break inside a sentence
        return first.isupper() or first.isdigit() or not first.isalpha()
    if first.islower():
        return False
    # Unfinished line followed by a capital: a continuation when the line is long,
    # a heading or a title line when it is short.
    return len(prev) < 60 and lines_so_far == 1


def _is_hyphenated(prev_raw: str, nxt: str) -> bool:
    """A word split as 'kommun-' + 'sektorn'; 'utrymmet- ' with a space after is a dash."""
    if not (re.search(r"[A-Za-zÅÄÖåäöéü]-$", prev_raw) and nxt[:1].islower()):
        return False
    first_word = nxt.split()[0].rstrip(",.")
    return first_word not in _CONJUNCTIONS  # "hälso-\noch sjukvård" keeps its dash


def _glue(left: str, right: str) -> str:
    """Join two lines of one paragraph, mending a word hyphenated across the break."""
    if _is_hyphenated(left, right.strip()):
        return left[:-1] + right.lstrip()
    return left.rstrip() + " " + right.lstrip()
