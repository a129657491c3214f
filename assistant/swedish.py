"""Swedish-aware analysis for the lexical index: case, diacritics, stemming, compounds.

å, ä and ö are letters of their own and stay distinct (a "har" is not a "hår"); other
accents are folded (é → e). Words are stemmed with Snowball Swedish. Compounds are split
against the vocabulary of the indexed text, so "statsbidrag" also yields "stat" + "bidrag"
and a question about "bidrag från staten" reaches it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import Stemmer

_FOLD = str.maketrans(
    {
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "á": "a",
        "à": "a",
        "â": "a",
        "ü": "u",
        "ú": "u",
        "ù": "u",
        "û": "u",
        "í": "i",
        "ì": "i",
        "î": "i",
        "ï": "i",
        "ó": "o",
        "ò": "o",
        "ô": "o",
        "ç": "c",
        "ñ": "n",
        "æ": "ä",
        "ø": "ö",
    }
)
_WORD = re.compile(r"[a-zåäö0-9]+")
STOPWORDS = frozenset(
    word
    for line in (Path(__file__).parent / "stopwords_sv.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_MIN_PART = 3
_DOUBLE_END = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish")


def normalise(text: str) -> str:
    """Lower case, NFC, accents other than å/ä/ö folded."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


def words(text: str) -> list[str]:
    """Content words of the text, normalised, without stop words."""
    return [w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS and len(w) > 1]


def stem(word: str) -> str:
    """Snowball Swedish, then one of a final double consonant dropped ("policylabb" = "policylab")."""
    return _DOUBLE_END.sub(r"\1", _stemmer().stemWord(word))


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Stems and words seen in the texts: the parts a compound may be split into."""
    seen: set[str] = set()
    for text in texts:
        for w in words(text):
            seen.add(w)
            seen.add(stem(w))
    return frozenset(w for w in seen if len(w) >= _MIN_PART)


def split_compound(word: str, vocab: frozenset[str]) -> tuple[str, str] | None:
    """Best split of a compound into two known parts (with a linking -s- allowed), or None."""
    if len(word) < 2 * _MIN_PART + 1:
        return None
    best: tuple[int, tuple[str, str]] | None = None
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        left, right = word[:i], word[i:]
        right_known = right in vocab or stem(right) in vocab
        if not right_known:
            continue
        for head in (left, left[:-1] if left.endswith("s") and len(left) > _MIN_PART else ""):
            if head and (head in vocab or stem(head) in vocab):
                score = min(len(head), len(right))
                if best is None or score > best[0]:
                    best = (score, (head, right))
    return best[1] if best else None


def _load_synonyms() -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for line in (Path(__file__).parent / "synonyms_sv.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            short, *long_form = line.split()
            groups[short] = tuple(long_form)
            if len(long_form) == 1:
                groups[long_form[0]] = (short,)
    return groups


SYNONYMS = _load_synonyms()


def analyse(text: str, vocab: frozenset[str] = frozenset()) -> list[str]:
    """Index terms of a text: stems of its words, of compound parts and of known abbreviations."""
    terms: list[str] = []
    for w in words(text):
        terms.append(stem(w))
        terms.extend(stem(x) for x in SYNONYMS.get(w, ()) if x not in STOPWORDS)
        if vocab:
            parts = split_compound(w, vocab)
            if parts:
                terms.extend(stem(p) for p in parts)
    return terms
