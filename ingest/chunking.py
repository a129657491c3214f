"""Split sections into token-bounded chunks at sentence and paragraph boundaries.

A chunk never crosses a section (and so never a change of speaker), holds whole sentences
(a single over-long sentence is cut at word boundaries), and starts with a small overlap of
the previous chunk's last sentences. Its text is exactly `clean_text[start:end]`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.records import Chunk, DocumentMeta, Section
from ingest.tokens import count_tokens

# Swedish abbreviations after which a period does not end a sentence (lower case, without the
# final period). Single letters (initials as in "B. Persson", "s. 45") never end one either.
_ABBREVIATIONS = frozenset(
    """
    t.ex bl.a m.m m.fl s.k d.v.s dvs t.o.m o.s.v osv p.g.a pga resp ca jfr jmf kap prop bet dir sou dnr
    nr tf f.d fr.o.m e.d st ff ang enl inkl exkl kl tel fig tab avd mom uppl ev forts bl ex tex
    """.split()
)
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?…])([\"”»)]*)\s+(?=[\"”«(]?[A-ZÅÄÖ0-9–-])")
_OPENING = re.compile(r"^[\"'(\[«“”]+")
_TRAILING_REFERENCE = re.compile(r"\([^()]{1,40}\)[.!?]")  # "(s. 131)." after a sentence's own period
_BRACKET = re.compile(r"[()]")
_LONGEST_PARENTHESIS = 300  # characters; a longer "( … )" is likely two stray marks, not one aside


def sentence_spans(text: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph, in document offsets.

    A period after an abbreviation ("Dir.", "t.ex.", "kap.") or an initial ("B. Persson") or
    inside parentheses ("(Dir. 2016:51)", "(s. 45)") ends no sentence, and a page reference left
    after a sentence ("… definitioner. (s. 131).") belongs to it."""
    asides = _parentheses(text)
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _SENTENCE_BOUNDARY.finditer(text):
        cut = match.start() + len(match.group(1))
        if any(open_ < cut < close for open_, close in asides) or _abbreviated(text[begin : match.start()]):
            continue
        spans.append((begin, cut))
        begin = match.end()
    if begin < len(text):
        spans.append((begin, len(text)))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _TRAILING_REFERENCE.fullmatch(text[start:end].strip()):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return [(offset + s, offset + e) for s, e in merged if e > s]


def _abbreviated(before: str) -> bool:
    """Does the text before a period end in an abbreviation, an initial or a small number ("1.")?"""
    tokens = before.split()
    if not tokens:
        return False
    last = _OPENING.sub("", tokens[-1]).lower().rstrip(".")
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()) or re.fullmatch(r"\d{1,2}", last) is not None


def _parentheses(text: str) -> list[tuple[int, int]]:
    """(open, close) positions of each matched pair of round brackets, short enough to be one aside."""
    pairs = []
    stack: list[int] = []
    for bracket in _BRACKET.finditer(text):  # only the brackets: the text itself is long
        i, char = bracket.start(), bracket.group()
        if char == "(":
            stack.append(i)
        elif stack:
            open_ = stack.pop()
            if i - open_ <= _LONGEST_PARENTHESIS:
                pairs.append((open_, i))
    return pairs


def chunk_sections(
    sections: list[Section],
    text: str,
    meta: DocumentMeta,
    doc_hash: str,
    max_tokens: int,
    overlap_tokens: int,
    fits: Callable[[str], bool] | None = None,
    ocr_pages: frozenset[int] = frozenset(),
) -> list[Chunk]:
    """Chunk every section of one document.

    `fits` is an extra check (the embedder's own token window); a chunk that fails it is
    split further. A chunk holding text of one of `ocr_pages` is marked as read by OCR.
    """
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section in _merge_small(sections, text, min_tokens=max(16, max_tokens // 6)):
        if all(block.is_heading for block in section.blocks):
            continue  # headings with nothing under them say nothing on their own
        units = _units(section, text, max_tokens)
        for start, end, page in _pack(units, text, max_tokens, overlap_tokens, fits):
            body = text[start:end]
            digest = hashlib.sha1(f"{start}:{body}".encode()).hexdigest()[:12]
            n = seen.get(digest, 0)
            seen[digest] = n + 1
            chunk_id = f"{meta.doc_id}:{doc_hash[:10]}:{digest}" + (f"-{n}" if n else "")
            chunks.append(
                Chunk(
                    id=chunk_id,
                    doc_id=meta.doc_id,
                    doc_hash=doc_hash,
                    text=body,
                    source=meta.source,
                    title=meta.title,
                    organisation=meta.organisation,
                    body=section.body,
                    kind=meta.kind,
                    section=" > ".join(section.path),
                    page=page,
                    start=start,
                    end=end,
                    token_count=count_tokens(body),
                    ocr=any(b.page in ocr_pages for b in section.blocks if b.start < end and b.end > start),
                )
            )
    return chunks


def _merge_small(sections: list[Section], text: str, min_tokens: int) -> list[Section]:
    """Join a run of tiny sections of one speaker ("Datum", "Till", ...) with what follows."""
    merged: list[Section] = []
    pending: Section | None = None
    for section in sections:
        if pending is not None and pending.body == section.body:
            section = Section(section.path, section.body, pending.blocks + section.blocks)
        elif pending is not None:
            merged.append(pending)
        pending = None
        size = sum(count_tokens(text[b.start : b.end]) for b in section.blocks)
        if size < min_tokens:
            pending = section
        else:
            merged.append(section)
    if pending is not None:
        merged.append(pending)
    return merged


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    page: int | None
    paragraph: int


def _units(section: Section, text: str, max_tokens: int) -> list[_Unit]:
    """Sentences of the section (over-long ones cut at words), tagged with their paragraph."""
    units: list[_Unit] = []
    for p_index, block in enumerate(section.blocks):
        spans = [(block.start, block.end)] if block.is_heading else sentence_spans(block.text, block.start)
        for start, end in spans:
            tokens = count_tokens(text[start:end])
            if tokens <= max_tokens:
                units.append(_Unit(start, end, tokens, block.page, p_index))
                continue
            for s, e in _split_words(text, start, end, max_tokens):
                units.append(_Unit(s, e, count_tokens(text[s:e]), block.page, p_index))
    return units


def _split_words(
    text: str, start: int, end: int, max_tokens: int, fits: Callable[[str], bool] | None = None
) -> list[tuple[int, int]]:
    """Cut one over-long sentence at word boundaries into pieces within the limits."""
    pieces: list[tuple[int, int]] = []
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    piece_start = words[0][0]
    last_end = words[0][1]
    for w_start, w_end in words[1:]:
        candidate = text[piece_start:w_end]
        if count_tokens(candidate) > max_tokens or (fits is not None and not fits(candidate)):
            pieces.append((piece_start, last_end))
            piece_start = w_start
        last_end = w_end
    pieces.append((piece_start, last_end))
    return pieces


def _pack(
    units: list[_Unit],
    text: str,
    max_tokens: int,
    overlap_tokens: int,
    fits: Callable[[str], bool] | None,
) -> list[tuple[int, int, int | None]]:
    """Greedily pack units into chunks of at most max_tokens, with sentence overlap."""
    out: list[tuple[int, int, int | None]] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and count_tokens(text[units[i].start : units[j + 1].end]) <= max_tokens:
            j += 1
        while j > i and fits is not None and not fits(text[units[i].start : units[j].end]):
            j -= 1
        if j == i and fits is not None and not fits(text[units[i].start : units[i].end]):
            for piece_start, piece_end in _split_words(text, units[i].start, units[i].end, max_tokens, fits):
                out.append((piece_start, piece_end, units[i].page))
        else:
            out.append((units[i].start, units[j].end, units[i].page))
        if j + 1 >= len(units):
            break
        # Overlap: restart at the last sentences of this chunk that fit in overlap_tokens,
        # but only when the next chunk then still reaches past this one.
        k = j + 1
        budget = overlap_tokens
        while k - 1 > i and units[k - 1].tokens <= budget and units[k - 1].paragraph == units[j].paragraph:
            budget -= units[k - 1].tokens
            k -= 1
        if k <= j:
            span = text[units[k].start : units[j + 1].end]
            if count_tokens(span) > max_tokens or (fits is not None and not fits(span)):
                k = j + 1
        i = k
    return out
