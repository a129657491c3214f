"""English questions on Swedish documents: the Swedish words to search with as well.

The dense embedder is multilingual, but BM25 and the checks for unknown names only see
words. A small glossary of public-administration terms (`glossary_en_sv.txt`) lets an English
question about "targeted state grants" also search for "riktade statsbidrag". Extend the file
when a new inquiry brings new terms; no code changes are needed. Entries and questions are
compared without case, accents or å/ä/ö ("City of Malmo" meets an entry "city of malmö").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.swedish import fold

GLOSSARY = Path(__file__).with_name("glossary_en_sv.txt")


@dataclass(frozen=True)
class Translation:
    swedish: tuple[str, ...]  # the Swedish words of every matched entry, in question order
    covered: frozenset[str]  # the English words (lower case) that an entry matched


@cache
def _entries(path: Path = GLOSSARY) -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        english, sep, swedish = line.partition("=")
        if not sep or not english.strip() or not swedish.strip():
            raise ValueError(f"{path}:{number}: expected 'english = svenska', got {line!r}")
        phrase = re.escape(fold(english.strip())).replace(r"\*", r"[\w-]*")
        entries.append((re.compile(rf"(?<![\w-]){phrase}(?![\w-])"), swedish.strip()))
    # Longer phrases first, so "targeted state grants" wins over "state grants".
    return tuple(sorted(entries, key=lambda e: -len(e[0].pattern)))


def translate(question: str, path: Path = GLOSSARY) -> Translation:
    """The Swedish search words for the English terms in `question` (`covered`: its words folded)."""
    text = fold(question)
    taken = [False] * len(text)
    found: list[tuple[int, str]] = []
    covered: set[str] = set()
    for pattern, swedish in _entries(path):
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            taken[match.start() : match.end()] = [True] * (match.end() - match.start())
            found.append((match.start(), swedish))
            covered.update(re.findall(r"[\w-]+", match.group(0)))
    return Translation(tuple(s for _, s in sorted(found)), frozenset(covered))
