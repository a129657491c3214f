"""Read a PDF's text by where it stands on the page, not in the order the producer wrote it.

pypdfium2 (PDFium, C) gives each line's text with its box, 20× faster than pdfplumber and with
positions pypdf only gives through visitor callbacks. From the boxes this module:

- drops running headers, footers and page numbers: lines at the top or bottom of a page that
  repeat on many pages once digits are ignored ("Sida 3 av 10", "3 (10)", "- 3 -", "Dnr 2018/12"),
  and page-number-only lines there even when they do not repeat;
- reads a two-column page column by column (a vertical gutter with prose on both sides), lines
  across the gutter (headings, a letterhead) where they stand;
- keeps a table row as one line, its cells joined by " | ", with a blank line around it;
- marks a new paragraph with a blank line where the vertical gap says so;
- joins a word hyphenated across a line break, keeping the hyphen of a compound
  ("Hässelby-Vällingby", "EU-kommissionen") and the dash of "hälso- och sjukvård".

Pages with (next to) no text layer but an image are left for OCR (`ingest.ocr`), whose words
come back as segments and go through the same steps.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ingest.records import Page
from ingest.timelimit import ParseTimeout

MARGIN_SHARE = 0.14  # top and bottom share of the page where running headers and footers stand
EDGE_ROWS = 3  # rows from the top and the bottom looked at as header or footer
MIN_TEXT_CHARS = 25  # fewer non-space characters than this, with an image on the page: a scanned page
HYPHENS = ("\x02", "\xad", "-")
PAGE_NUMBER = re.compile(
    r"^(?:sida|sid|s\.|page|p\.)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:av|of|/)\s*\d{1,4}|\(\s*\d{1,4}\s*\))?$",
    re.IGNORECASE,
)
_SUSPENDED = frozenset({"och", "eller", "samt", "respektive", "resp", "som", "till", "än", "and", "or"})
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass
class Segment:
    """A run of text on one line, with its box in points from the page's top left."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class RawPage:
    """One page's segments before layout; `needs_ocr` when it has no text layer but an image."""

    number: int
    width: float
    height: float
    segments: list[Segment] = field(default_factory=list)
    needs_ocr: bool = False
    ocr: bool = False
    running: list[str] = field(default_factory=list)  # the running lines taken off this page, top to bottom


@dataclass
class _Line:
    top: float
    bottom: float
    x0: float
    text: str
    row: bool = False  # a table row: cells far apart


def open_pdf(path: Any) -> Any:
    """The PDFium document; raises on a corrupt or encrypted file (the caller words the error)."""
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(str(path))


def extract(doc: Any, deadline: float) -> list[RawPage]:
    """Every page's text segments, and which pages are scanned images."""
    import pypdfium2.raw as pdfium_c

    pages: list[RawPage] = []
    for index in range(len(doc)):
        if time.monotonic() > deadline:
            raise ParseTimeout
        page = doc[index]
        width, height = page.get_size()
        raw = RawPage(index + 1, width, height)
        textpage = page.get_textpage()
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            text = " ".join(text.replace("\r", " ").replace("\n", " ").split(" ")).strip(" ")
            if text.strip():
                raw.segments.append(Segment(left, height - top, right, height - bottom, text))
        chars = sum(len(s.text.replace(" ", "")) for s in raw.segments)
        if chars < MIN_TEXT_CHARS and any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])):
            raw.needs_ocr = True
        textpage.close()
        page.close()
        pages.append(raw)
    return pages


def lay_out(raw_pages: list[RawPage]) -> list[Page]:
    """The pages' text in reading order, without running headers, footers and page numbers."""
    _drop_running_lines(raw_pages)
    page_lines = [_page_lines(p) for p in raw_pages]
    _join_hyphenated(page_lines, _vocabulary(page_lines))
    return [
        Page(p.number, "\n".join(lines), ocr=p.ocr, running=tuple(p.running))
        for p, lines in zip(raw_pages, page_lines, strict=True)
    ]


# ------------------------------------------------------------------ running headers and footers


def _key(text: str) -> str:
    return " ".join(re.sub(r"\d+", "#", text.lower()).split())


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped by the line they share across the whole width, top to bottom."""
    rows: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: (s.top, s.x0)):
        if rows and rows[-1][0].top <= seg.middle <= rows[-1][0].bottom:
            rows[-1].append(seg)
        else:
            rows.append([seg])
    return rows


def _edge_rows(page: RawPage) -> list[list[Segment]]:
    rows = _rows(page.segments)
    top = [r for r in rows[:EDGE_ROWS] if r[0].bottom <= page.height * MARGIN_SHARE]
    bottom = [r for r in rows[-EDGE_ROWS:] if r[0].top >= page.height * (1 - MARGIN_SHARE)]
    return top + [r for r in bottom if r not in top]


def _row_keys(row: list[Segment]) -> set[str]:
    whole = " ".join(s.text for s in sorted(row, key=lambda s: s.x0))
    return {_key(whole), *(_key(s.text) for s in row)}


def _drop_running_lines(pages: list[RawPage]) -> None:
    """Remove what repeats at the page edges (digits aside) and page numbers standing alone there."""
    with_text = [p for p in pages if p.segments]
    counts: Counter[str] = Counter()
    edges = {p.number: _edge_rows(p) for p in with_text}
    for rows in edges.values():
        counts.update(set().union(*(_row_keys(r) for r in rows)) if rows else set())
    # A line with a (page) number that repeats on 2 pages is a running line; plain text must repeat on 3,
    # so two pages that start alike (a repeated heading, a form) keep their text.
    share = math.ceil(0.4 * len(with_text))
    frequent = {k for k, n in counts.items() if k.replace("#", "").strip() and n >= max(2 if "#" in k else 3, share)}
    for page in with_text:
        drop: set[int] = set()
        for row in edges[page.number]:
            whole = _key(" ".join(s.text for s in sorted(row, key=lambda s: s.x0)))
            if whole in frequent or _resembles(whole, frequent):
                drop.update(id(s) for s in row)
                continue
            for seg in row:
                text = seg.text.strip()
                if _key(text) in frequent or PAGE_NUMBER.match(text) or _resembles(_key(text), frequent):
                    drop.add(id(seg))
        page.running = [
            " ".join(s.text.strip() for s in sorted(row, key=lambda s: s.x0) if id(s) in drop)
            for row in sorted(edges[page.number], key=lambda r: r[0].top)
            if any(id(s) in drop for s in row)
        ]
        page.segments = [s for s in page.segments if id(s) not in drop]


def _resembles(key: str, frequent: Iterable[str]) -> bool:
    """OCR reads a running header a little differently on each page: close enough counts."""
    if len(key) < 8:
        return False
    for other in frequent:
        if len(other) < 8:
            continue
        matcher = difflib.SequenceMatcher(None, key, other, autojunk=False)
        if matcher.real_quick_ratio() >= 0.85 and matcher.quick_ratio() >= 0.85 and matcher.ratio() >= 0.85:
            return True
    return False


# ------------------------------------------------------------------ columns, lines and paragraphs


def _gutter(segments: list[Segment], width: float) -> float | None:
    """The x of a vertical gap with prose on both sides (a two-column page), or None."""
    if len(segments) < 10:
        return None
    candidates: list[tuple[int, float]] = []
    x = width * 0.3
    while x <= width * 0.7:
        left = [s for s in segments if s.x1 <= x]
        right = [s for s in segments if s.x0 >= x]
        crossing = len(segments) - len(left) - len(right)
        if (
            len(left) >= 5
            and len(right) >= 5
            and crossing <= 0.15 * (len(left) + len(right))
            and _prose(left, min(s.x0 for s in left), x)
            and _prose(right, x, max(s.x1 for s in right))
            and _side_by_side(left, right)
        ):
            candidates.append((crossing, x))
        x += 2.0
    if not candidates:
        return None
    fewest = min(c for c, _ in candidates)
    xs = [x for c, x in candidates if c == fewest]
    return (xs[0] + xs[-1]) / 2


def _prose(side: list[Segment], start: float, end: float) -> bool:
    """Lines that fill most of their column, as running text does (table cells do not)."""
    return statistics.median(s.x1 - s.x0 for s in side) >= 0.6 * (end - start)


def _side_by_side(left: list[Segment], right: list[Segment]) -> bool:
    """The two sides share most of their height (not a block of text above another)."""
    top = max(min(s.top for s in left), min(s.top for s in right))
    bottom = min(max(s.bottom for s in left), max(s.bottom for s in right))
    shorter = min(max(s.bottom for s in side) - min(s.top for s in side) for side in (left, right))
    return bottom - top >= 0.5 * shorter


def _lines(segments: list[Segment]) -> list[_Line]:
    """Segments joined into lines; cells far apart on one line make a table row."""
    lines: list[_Line] = []
    for row in _rows(segments):
        row.sort(key=lambda s: s.x0)
        height = statistics.median(s.height for s in row)
        text = row[0].text
        is_row = False
        for prev, seg in itertools.pairwise(row):
            gap = seg.x0 - prev.x1
            if gap > 1.5 * height:
                text = f"{text.rstrip()} | {seg.text.lstrip()}"
                is_row = True
            elif gap > 0.15 * height and not text.endswith(" "):
                text = f"{text} {seg.text.lstrip()}"
            else:
                text += seg.text
        lines.append(_Line(min(s.top for s in row), max(s.bottom for s in row), row[0].x0, text.strip(), is_row))
    return lines


def _page_lines(page: RawPage) -> list[str]:
    """The page's lines in reading order, "" where a paragraph ends."""
    gutter = _gutter(page.segments, page.width)
    if gutter is None:
        flows = [_lines(page.segments)]
    else:
        spanning = _lines([s for s in page.segments if s.x0 < gutter < s.x1])
        left = _lines([s for s in page.segments if s.x1 <= gutter])
        right = _lines([s for s in page.segments if s.x0 >= gutter])
        flows = []
        start = -math.inf
        for across in [*spanning, None]:
            stop = across.top if across is not None else math.inf
            flows.append([ln for ln in left if start <= ln.top < stop])
            flows.append([ln for ln in right if start <= ln.top < stop])
            if across is not None:
                flows.append([across])
            start = stop
    out: list[str] = []
    for flow in flows:
        pitch = _pitch(flow)
        for i, line in enumerate(flow):
            previous = flow[i - 1] if i else None
            new_paragraph = previous is not None and (
                line.top - previous.top > 1.45 * pitch or line.row or previous.row
            )
            if new_paragraph and out and out[-1] != "":
                out.append("")
            out.append(line.text)
    while out and out[-1] == "":
        out.pop()
    return out


def _pitch(flow: list[_Line]) -> float:
    steps = [b.top - a.top for a, b in itertools.pairwise(flow) if b.top > a.top]
    if not steps:
        return math.inf
    return statistics.median(steps)


# ------------------------------------------------------------------ hyphenation


def _vocabulary(page_lines: list[list[str]]) -> set[str]:
    """The document's own words, read inside lines: they tell "kommun-sektorn" from "kommunsektorn"."""
    words: set[str] = set()
    for lines in page_lines:
        for line in lines:
            inner = line.rstrip("".join(HYPHENS))
            words.update(w.lower() for w in _WORD.findall(inner))
    return words


def _join_hyphenated(page_lines: list[list[str]], vocabulary: set[str]) -> None:
    """Join 'verksamhets-' + 'utveckling' across a line (and page) break, in place."""
    places = [(p, i) for p, lines in enumerate(page_lines) for i in range(len(lines))]
    for (p, i), (q, j) in itertools.pairwise(places):
        line, following = page_lines[p][i], page_lines[q][j]  # None: a line emptied by the join before
        if not line or not following or line[-1] not in HYPHENS:
            continue
        head_match = re.search(r"([^\W\d_]+|\d+)[\x02\xad-]$", line)
        if head_match is None:
            if line[-1] != "-":
                page_lines[p][i] = line[:-1] + "-"
            continue
        head = head_match.group(1)
        first, _, rest = following.partition(" ")
        tail = re.match(r"[^\W_]+(?:-[^\W_]+)*", first)
        if tail is None:
            page_lines[p][i] = line[:-1] + "-"
            continue
        word = tail.group(0)
        if word.lower() in _SUSPENDED:
            page_lines[p][i] = line[:-1] + "-"  # "hälso- och sjukvård": the line break stays a space
            continue
        if word[0].isupper() or head[-1].isupper() or head[-1].isdigit() or word[0].isdigit():
            joined = f"{head}-{word}"  # Hässelby-Vällingby, EU-kommissionen, 2018-2020
        elif (head + word).lower() in vocabulary or f"{head}-{word}".lower() not in vocabulary:
            joined = head + word
        else:
            joined = f"{head}-{word}"
        page_lines[p][i] = line[: head_match.start()] + joined + first[len(word) :]
        page_lines[q][j] = rest.lstrip() or None  # type: ignore[call-overload]
    for lines in page_lines:
        lines[:] = [line for line in lines if line is not None]
