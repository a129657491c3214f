"""Quotes in a model's answer must stand word for word in the source they cite.

Checking that `[n]` points to a source is not enough: a model can put invented words inside
quotation marks and cite a real source. Text the answer presents as a quote (between ”…”,
"…", “…”, «…» or „…“, or a `>` block) with a `[n]` right after or right before it must be
found verbatim, white space aside, in one of the cited sources; otherwise the quote and its
citation are replaced by a marker and reported. An ellipsis (…, ..., […]) inside a quote
marks left-out words: the parts must then appear in order.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_QUOTE = re.compile(r"([”\"“«„])([^\n”\"“«»„]+)([”\"“»])")
_CLOSERS = {"”": "”", '"': '"', "“": "”", "«": "»", "„": "“”"}
_CITES_AFTER = re.compile(r"[ \t.,;:!?)]{0,3}((?:\[\d+\][ \t]*)+)")
_CITES_BEFORE = re.compile(r"((?:\[\d+\][ \t]*)+)[:–-]?[ \t]*\Z")
_NUMBER = re.compile(r"\[(\d+)\]")
_BLOCK_LINE = re.compile(r"^[ \t]*>[ \t]?(.*)$")
_TRAILING_CITES = re.compile(r"((?:[ \t]*\[\d+\])+)[ \t.]*\Z")
_LEADING_CITES = re.compile(r"\A[ \t]*((?:\[\d+\][ \t]*)+)")
_ELLIPSIS = re.compile(r"\s*(?:\[…\]|\[\.\.\.\]|\(…\)|…|\.\.\.)\s*")
_EDGE = " \t.,;:!?”\"“«»„'’"
_SAME = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "’": "'", "‘": "'", "\u00ad": None})


@dataclass(frozen=True)
class QuoteCheck:
    text: str  # the answer with unverified quotes replaced by the marker
    removed: tuple[int, ...]  # the citation numbers of the removed quotes


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", html.unescape(text)).translate(_SAME)
    return " ".join(text.split())


def is_verbatim(quote: str, source: str) -> bool:
    """Is `quote` in `source` word for word (white space, dashes and an initial capital aside)?"""
    haystack = _normal(source)
    parts = [p.strip(_EDGE) for p in _ELLIPSIS.split(_normal(quote))]
    position = 0
    for part in (p for p in parts if p):
        variants = (part, part[0].swapcase() + part[1:])
        found = [i for i in (haystack.find(v, position) for v in variants) if i >= 0]
        if not found:
            return False
        position = min(found) + len(part)
    return True


def _verified(quote: str, numbers: list[int], sources: Sequence[str]) -> bool:
    return any(1 <= n <= len(sources) and is_verbatim(quote, sources[n - 1]) for n in numbers)


def _numbers(text: str) -> list[int]:
    return [int(n) for n in _NUMBER.findall(text)]


def check_quotes(text: str, sources: Sequence[str], marker: str) -> QuoteCheck:
    """Replace every cited quote not found verbatim in its cited source by `marker`."""
    removed: list[int] = []
    text = _check_blocks(text, sources, marker, removed)
    edits: list[tuple[int, int]] = []
    for match in _QUOTE.finditer(text):
        opener, body, closer = match.groups()
        if closer not in _CLOSERS[opener] or not body.strip(_EDGE):
            continue
        start, end = match.span()
        after = _CITES_AFTER.match(text, end)
        before = _CITES_BEFORE.search(text, max(0, start - 40), start)
        if after:
            numbers, end = _numbers(after.group(1)), after.end(1)
        elif before:
            numbers, start = _numbers(before.group(1)), before.start(1)
        else:
            continue  # not presented as a quote of a source
        if not _verified(body, numbers, sources):
            removed.extend(numbers)
            edits.append((start, end))
    for start, end in reversed(edits):
        rest = text[end:].lstrip(" \t")
        text = text[:start] + marker + (" " if rest[:1].isalnum() else "") + rest
    return QuoteCheck(text, tuple(sorted(set(removed))))


def _check_blocks(text: str, sources: Sequence[str], marker: str, removed: list[int]) -> str:
    """`>` blocks with a citation at their end, on the line after or on the line before."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _BLOCK_LINE.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _BLOCK_LINE.match(lines[j]):
            j += 1
        body = "\n".join(_BLOCK_LINE.match(line).group(1) for line in lines[i:j])  # type: ignore[union-attr]
        numbers: list[int] = []
        next_line_cites = False
        trailing = _TRAILING_CITES.search(body)
        if trailing:
            numbers = _numbers(trailing.group(1))
            body = body[: trailing.start()]
        elif j < len(lines) and (leading := _LEADING_CITES.match(lines[j])):
            numbers, next_line_cites = _numbers(leading.group(1)), True
        elif out and (previous := _CITES_BEFORE.search(out[-1].rstrip(":"))):
            numbers = _numbers(previous.group(1))
        if numbers and not _verified(body, numbers, sources):
            removed.extend(numbers)
            out.append(f"> {marker}")
            if next_line_cites:
                lines[j] = lines[j][_LEADING_CITES.match(lines[j]).end() :]  # type: ignore[union-attr]
                if not lines[j].strip():
                    j += 1
        else:
            out.extend(lines[i:j])
        i = j
    return "\n".join(out)
