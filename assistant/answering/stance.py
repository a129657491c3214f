"""Positive, critical or mixed: a speaker's stance read from the sentences quoted for it.

A lexicon of Swedish remissvar wording (`stance_sv.toml`: tillstyrker, välkomnar, ifrågasätter,
delar inte, under förutsättning att …) with negation. It labels what the quotes show; it never
adds a claim of its own, and a speaker whose quotes carry no cue gets no label.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

LEXICON = Path(__file__).with_name("stance_sv.toml")
POSITIVE, CRITICAL, MIXED, CONDITIONAL = "positive", "critical", "mixed", "conditional"


@cache
def _lexicon(path: Path = LEXICON) -> tuple[dict[str, tuple[re.Pattern[str], ...]], frozenset[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cues = {
        key: tuple(re.compile(rf"(?<![\wåäö]){re.escape(cue.lower())}") for cue in data.get(key, []))
        for key in ("positive", "critical", "conditional")
    }
    return cues, frozenset(data.get("negations", []))


def sentence_stance(sentence: str) -> tuple[int, int, int]:
    """(positive, critical, conditional) cue counts of one sentence; a negated positive is critical."""
    cues, negations = _lexicon()
    text = sentence.lower()
    positive = critical = 0
    for pattern in cues["positive"]:
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()].split()[-3:]
            if negations.intersection(before):
                critical += 1
            else:
                positive += 1
    critical += sum(1 for p in cues["critical"] if p.search(text))
    conditional = sum(1 for p in cues["conditional"] if p.search(text))
    return positive, critical, conditional


def stance_of(sentences: Sequence[str]) -> str | None:
    """The stance the quotes show, or None when they carry no cue."""
    positive = critical = conditional = 0
    for sentence in sentences:
        p, c, k = sentence_stance(sentence)
        positive, critical, conditional = positive + p, critical + c, conditional + k
    if positive and critical:
        return MIXED
    if positive:
        return CONDITIONAL if conditional else POSITIVE
    if critical:
        return CRITICAL
    return None
