"""Swedish-aware analysis for the lexical index: case, diacritics, stemming, compounds.

å, ä and ö are letters of their own and stay distinct (a "har" is not a "hår"); other
accents are folded (é → e). Words are stemmed with Snowball Swedish. Compounds are split
against the vocabulary of the indexed text, so "statsbidrag" also yields "stat" + "bidrag"
and a question about "bidrag från staten" reaches it.

People type without å/ä/ö ("aldrenamnden", "malmo") and make typos. A question word the
vocabulary does not know is looked up by its folded form (å, ä → a, ö → o) and read as the
vocabulary word it folds to, or, when it is long, as the one vocabulary word a single typo away
("stadsledningskontret"). Words the vocabulary knows are left as typed, so known words keep
their distinctions, and the index itself is unchanged (its own words are all known).
`restore_question` writes a question's words out that way for rules that read the text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
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
_SWEDISH_LETTERS = str.maketrans({"å": "a", "ä": "a", "ö": "o"})
_WORD = re.compile(r"[a-zåäö0-9]+")
STOPWORDS = frozenset(
    word
    for line in (Path(__file__).parent / "stopwords_sv.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_MIN_PART = 3
# Derivational suffixes (as stemmed): what remains of "möjlighet", "verksamhet", "planering" after a
# known first part is no word of its own.
_SUFFIXES = frozenset("het lig ing ning sam samhet bar skap dom else ande ende are tar ism ist era ser sera ig".split())
_MIN_STEM = 5  # a shorter stem is too often another word's ("farande" → "far" → "får")
MIN_CORRECTED = 10  # shorter words are too often another real word one letter away
MIN_TRUNCATED = 7  # a shorter cut-off word begins too many words ("social", "förvalt")
_GENITIVE_AFTER = ("ares", "ers", "ars", "ors")  # a genitive -s on a plural or an -are noun
_DOUBLE_END = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")


def _load_verb_forms() -> dict[str, str]:
    forms: dict[str, str] = {}
    for line in (Path(__file__).parent / "verbs_sv.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            infinitive, *others = line.split()
            forms.update((form, infinitive) for form in (infinitive, *others))
    return forms


VERB_FORMS = _load_verb_forms()


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish")


def normalise(text: str) -> str:
    """Lower case, NFC, accents other than å/ä/ö folded."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


def fold(text: str) -> str:
    """`normalise`, then å, ä → a and ö → o: the form a word takes when typed without Swedish letters."""
    return normalise(text).translate(_SWEDISH_LETTERS)


def words(text: str) -> list[str]:
    """Content words of the text, normalised, without stop words."""
    return [w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS and len(w) > 1]


def stem(word: str) -> str:
    """Snowball Swedish, then the definite -et it leaves on long nouns ("policylabbet" = "policylabb")
    and one of a final double consonant dropped ("policylabb" = "policylab").

    Snowball takes one ending off: "kontoret" loses its -et but keeps the -or that "kontor" loses
    ("kontor" → "kont"), so a word it took -et(s) from is stemmed once more, as its bare form is.
    A strong verb's forms are its infinitive (`verbs_sv.txt`): "tog" = "tar" = "ta"."""
    if word in VERB_FORMS:
        return VERB_FORMS[word]
    stemmed = _stemmer().stemWord(word)
    if word[len(stemmed) :] in ("et", "ets"):
        stemmed = _stemmer().stemWord(stemmed)
    if len(stemmed) >= 7 and stemmed.endswith("et") and not stemmed.endswith("het"):
        stemmed = stemmed[:-2]
    stemmed = _DOUBLE_END.sub(r"\1", stemmed)
    if len(word) >= 6 and word.endswith(_GENITIVE_AFTER):
        # Snowball takes only the genitive -s (or -es) off "kommuners", "socialsekreterares", leaving
        # the plural or -are ending the bare form loses: stem them as that form.
        bare = stem(word[:-1])
        if stemmed.startswith(bare):
            return bare
    return stemmed


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Stems and words seen in the texts: the parts a compound may be split into."""
    seen: set[str] = set()
    for text in texts:
        for w in words(text):
            seen.add(w)
            seen.add(stem(w))
    return frozenset(w for w in seen if len(w) >= _MIN_PART)


def _suffix(part: str) -> bool:
    """A derivational suffix or inflectional ending, also after a linking s ("ledars" + "kap")."""
    return part in _SUFFIXES or part in _ENDINGS or (part[:1] != "s" and "s" + part in _SUFFIXES)


def split_compound(word: str, vocab: frozenset[str]) -> tuple[str, str] | None:
    """Best split of a compound into two known parts (with a linking -s- allowed), or None.

    The split falls inside the word's stem, leaving at least `_MIN_PART` of its letters to the
    second part, so an inflected word is no compound of its stem and its ending ("remissen" is no
    "remis" + "sen", "nämnden" no "nämn" + "den"); the second part is no suffix ("möjlighet" is no
    "möj" + "lighet", "verksamhet" no "verk" + "samhet") and the first no stop word ("förslag" is
    no "för(s)" + "lag")."""
    if len(word) < 2 * _MIN_PART + 1:
        return None
    whole = stem(word)
    best: tuple[int, tuple[str, str]] | None = None
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        left, right = word[:i], word[i:]
        right_stem = stem(right)
        # Snowball cuts "remissvaren" to "remissv": a second part with a stem of its own may reach past it.
        inside = i <= len(whole) - _MIN_PART or len(right_stem) > _MIN_PART
        if not inside or stem(left) == whole or _suffix(right_stem):
            continue
        if not (right in vocab or right_stem in vocab):
            continue
        linked = left[:-1] if left.endswith("s") and len(left) > _MIN_PART else ""
        if left in STOPWORDS or linked in STOPWORDS:
            continue
        for head in (left, linked):
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
_FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS)


def long_form(word: str) -> tuple[str, ...]:
    """The words a short form stands for ("sthlm" → ("stockholm",)), from `synonyms_sv.txt`; else ()."""
    words_ = SYNONYMS.get(normalise(word), ())
    return words_ if words_ and len(word) < len(words_[0]) else ()  # short → long, not the way back


@dataclass(frozen=True)
class _Folded:
    entries: dict[str, tuple[str, ...]]  # folded form -> the vocabulary entries that fold to it
    keys: frozenset[str]


@lru_cache(maxsize=8)
def _folded_vocabulary(vocab: frozenset[str]) -> _Folded:
    """The vocabulary by folded form (built once per vocabulary)."""
    groups: dict[str, list[str]] = {}
    for entry in vocab:
        groups.setdefault(entry.translate(_SWEDISH_LETTERS), []).append(entry)
    return _Folded({key: tuple(sorted(entries)) for key, entries in groups.items()}, frozenset(groups))


def known(word: str, vocab: frozenset[str]) -> bool:
    """Is the normalised word, or its stem, in the vocabulary as typed?"""
    return word in vocab or stem(word) in vocab


def restore(word: str, vocab: frozenset[str], typos: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A word the vocabulary does not know, read as the vocabulary words it folds to.

    Returns (words, stems): vocabulary words whose folded form is the word's ("malmo" →
    "malmö"), else vocabulary stems whose folded form is its stem's ("aldrenamnder" →
    "äldrenämnd"), else (with `typos`) the `correct`ion of a typo. Both empty when nothing fits.
    Known words are not passed here: they stay as typed. (Compounds are not split on folded
    parts: "fortfarande" would become "fört" + "får".)"""
    folded = _folded_vocabulary(vocab)
    key = fold(word)
    if key in folded.entries:
        return folded.entries[key], ()
    stems = folded.entries.get(stem(key), ()) if len(stem(key)) >= _MIN_STEM else ()
    if stems:
        return (), stems
    if not typos:
        return (), ()
    return correct(word, vocab) or complete(word, vocab), ()


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one), or limit + 1 once over it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


# Inflectional endings (and the genitive -s on them): what tells "nämnden" from "nämnder".
_ENDINGS = frozenset(
    """
    a e n r s t en er et ar or na an ad at de te da ta it ts ns rs es as ds ats its ade ande ende are
    aste ast ens ets ers ars ors ans nas ades des tes arna erna orna rna ena ornas ernas arnas rnas
    """.split()
)


def differs_in_ending(a: str, b: str) -> bool:
    """Do the two words differ only by inflectional endings ("nämnden"/"nämnder",
    "förvaltningen"/"förvaltningar")? Then they are two forms or two words, not a typo."""
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    # The shared part may run into the endings ("kommunstyrelse|n" / "kommunstyrelse|rna"): step back.
    return any(
        all(not tail or tail in _ENDINGS for tail in (a[k:], b[k:])) for k in range(shared, max(shared - 4, 0) - 1, -1)
    )


@lru_cache(maxsize=8)
def _one_deletion_index(vocab: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Folded vocabulary entries (of correctable length) under themselves and each one-letter deletion."""
    index: dict[str, set[str]] = {}
    for key in _folded_vocabulary(vocab).keys:
        if len(key) >= MIN_CORRECTED - 1:
            for variant in {key, *(key[:i] + key[i + 1 :] for i in range(len(key)))}:
                index.setdefault(variant, set()).add(key)
    return {variant: tuple(keys) for variant, keys in index.items()}


def correct(word: str, vocab: frozenset[str]) -> tuple[str, ...]:
    """The vocabulary words one typo away from a long word it does not know ("stadsledningskontret").

    A typo keeps the first letter and is not a change of ending ("rekommenderats" is not a typo
    of "rekommenderas"); the correction must be unambiguous (one stem), else nothing is
    returned. Checked on a Swedish word list (wswedish): about 0.1% of its words of 10 letters
    or more are one edit from a word of the bundled corpus, so a few real words are misread."""
    key = fold(word)
    if len(key) < MIN_CORRECTED:
        return ()
    # A word typed with å/ä/ö was typed with them: compare as written ("förseningen" is no "forskningen").
    plain = normalise(word)
    as_typed = plain != key
    index = _one_deletion_index(vocab)
    keys = {c for v in {key, *(key[:i] + key[i + 1 :] for i in range(len(key)))} for c in index.get(v, ())}
    folded = _folded_vocabulary(vocab).entries
    close = [
        entry
        for c in sorted(keys)
        if c[0] == key[0] and not differs_in_ending(c, key)
        for entry in folded[c]
        if edit_distance(entry if as_typed else c, plain if as_typed else key, 1) <= 1
    ]
    close = [c for c in close if not any(c == stem(other) for other in close if other != c)]  # a word's stem
    return tuple(close) if len({stem(c) for c in close}) == 1 else ()


@lru_cache(maxsize=8)
def _sorted_keys(vocab: frozenset[str]) -> tuple[str, ...]:
    """The folded vocabulary in order, for prefix look-ups."""
    return tuple(sorted(_folded_vocabulary(vocab).keys))


def complete(word: str, vocab: frozenset[str]) -> tuple[str, ...]:
    """The vocabulary word a cut-off word stands for ("äldreförv", "stadsledningskont" →
    "äldreförvaltning…", "stadsledningskontor…"), or () when the words it begins are not all
    forms of one word (one stem) or it is too short to tell."""
    key = fold(word)
    if len(key) < MIN_TRUNCATED:
        return ()
    keys = _sorted_keys(vocab)
    start = bisect.bisect_left(keys, key)
    longer = []
    for candidate in keys[start:]:
        if not candidate.startswith(key):
            break
        if len(candidate) >= len(key) + 2:
            longer.extend(_folded_vocabulary(vocab).entries[candidate])
    if not longer:
        return ()
    stems = {stem(w) for w in longer}
    stems = {s for s in stems if not any(s != o and s.startswith(o) for o in stems)}  # "äldreförvaltning(s)"
    if len(stems) != 1:
        return ()
    shortest = min(longer, key=len)
    return (shortest,) if fold(shortest).startswith(key) else ()


def is_known(word: str, vocab: frozenset[str], typos: bool = True) -> bool:
    """Known to the vocabulary as typed, without å/ä/ö, as a compound of known parts or (with
    `typos`) one typo away from a long known word."""
    if known(word, vocab) or split_compound(word, vocab) is not None:
        return True
    found, stems = restore(word, vocab, typos)
    return bool(found or stems)


def in_vocabulary(word: str, vocab: frozenset[str]) -> bool:
    """The word as typed or without å/ä/ö is a vocabulary word, or as typed a compound of two
    (no stemming and no typos: for names, where a near miss is another name)."""
    return word in vocab or fold(word) in _folded_vocabulary(vocab).entries or split_compound(word, vocab) is not None


def _compound_as_typed(word: str, vocab: frozenset[str]) -> bool:
    """A compound of known parts as typed, unless the whole word is known without å/ä/ö
    ("verksamhetsnara" is "verksamhetsnära", not "verksamhet" + "snara")."""
    return split_compound(word, vocab) is not None and fold(word) not in _folded_vocabulary(vocab).entries


def is_stopword(word: str) -> bool:
    """A stop word, also when typed without å/ä/ö ("nar", "pa", "fran")."""
    return word in STOPWORDS or fold(word) in _FOLDED_STOPWORDS


_LETTERS = re.compile(r"[^\W\d_]+")


def _stopword_forms() -> dict[str, str]:
    """Folded stop word → the stop word ("nar" → "när"); the first in the file wins ("ar" → "är")."""
    forms: dict[str, str] = {}
    for line in (Path(__file__).parent / "stopwords_sv.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            for word in line.split():
                forms.setdefault(fold(word), word)
    return forms


_STOPWORD_FORMS = _stopword_forms()


def restore_question(text: str, vocab: frozenset[str]) -> str:
    """The text with each word the vocabulary does not know written as the documents write it.

    "Nar startar forsoket i Malmo?" → "När startar försöket i Malmö?"; "stadsledningskontret" →
    "stadsledningskontoret". Words the vocabulary knows, stop words and short forms stay as
    typed, and so does a word with two readings ("varden": värden or vården). For Swedish
    text: rules that read the question's words then see them as they are written."""

    def rewrite(match: re.Match[str]) -> str:
        typed = match.group(0)
        low = normalise(typed)
        if len(low) != len(typed):
            return typed
        written = _STOPWORD_FORMS.get(low)  # "for" in Swedish text is "för"
        if written is None and not (low in STOPWORDS or low in SYNONYMS or known(low, vocab)):
            written = None if _compound_as_typed(low, vocab) else _written(low, vocab)
        if not written or written == low:
            return typed
        if typed.isupper() and len(typed) > 1:
            return written.upper()
        return written[0].upper() + written[1:] if typed[0].isupper() else written

    return _LETTERS.sub(rewrite, text)


def _written(word: str, vocab: frozenset[str]) -> str | None:
    """How the documents write a word typed without å/ä/ö or with a typo (None: no single answer)."""
    folded = _folded_vocabulary(vocab)
    key = fold(word)

    def one(form: str) -> str | None:
        """The one vocabulary spelling of a folded form (or of its stem, followed by the typed ending)."""
        if len(folded.entries.get(form, ())) == 1:
            return folded.entries[form][0]
        stems = folded.entries.get(stem(form), ()) if len(stem(form)) >= _MIN_STEM else ()
        if len(stems) == 1 and form.startswith(fold(stems[0])):
            return stems[0] + form[len(stems[0]) :]
        return None

    if key in folded.entries or (len(stem(key)) >= _MIN_STEM and stem(key) in folded.entries):
        return one(key)
    corrected = set(correct(word, vocab) or complete(word, vocab))
    return corrected.pop() if len(corrected) == 1 else None


def _word_terms(w: str, vocab: frozenset[str]) -> list[str]:
    terms = [stem(w)]
    terms.extend(stem(x) for x in SYNONYMS.get(w, ()) if x not in STOPWORDS)
    if vocab:
        parts = split_compound(w, vocab)
        if parts:
            terms.extend(stem(p) for p in parts)
    return terms


def analyse(text: str, vocab: frozenset[str] = frozenset()) -> list[str]:
    """Index terms of a text: stems of its words, of compound parts and of known abbreviations.

    With a vocabulary, a word it does not know that folds to known words (typed without
    å/ä/ö) gives their terms instead, and one that folds to a stop word ("nar", "pa") none."""
    terms: list[str] = []
    for w in words(text):
        if not vocab or known(w, vocab) or w in SYNONYMS or _compound_as_typed(w, vocab):
            terms.extend(_word_terms(w, vocab))
            continue
        if is_stopword(w):
            continue
        found, stems = restore(w, vocab)
        if not found and not stems:
            terms.extend(_word_terms(w, vocab))
        for x in found:
            terms.extend(_word_terms(x, vocab))
        terms.extend(stems)
    return terms


_TOKEN = re.compile(r"[\wåäöÅÄÖéÉ]+")
_SENTENCE_END = frozenset(".!?:;•\n")


def proper_nouns(texts: Iterable[str], min_count: int = 2) -> dict[str, str]:
    """Words the texts always capitalise inside a sentence (names: "Skolinspektionen", "IVO"), as
    lower case -> their usual written form. A question typed in lower case ("vad tyckte
    skolinspektionen …") names the same thing; a word also written in lower case is no name."""
    written: dict[str, Counter[str]] = {}
    lower: set[str] = set()
    for text in texts:
        for match in _TOKEN.finditer(text):
            token = match.group(0)
            low = token.lower()
            if not token[:1].isupper():
                lower.add(low)
                continue
            before = text[max(0, match.start() - 12) : match.start()].rstrip(" \t\"'(*#-–")
            if not before or before[-1] in _SENTENCE_END:  # a sentence's first word: capitalised as such
                continue
            written.setdefault(low, Counter())[token] += 1
    lower_stems = {stem(w) for w in lower}  # "Lag" in a heading is "lagen" elsewhere: a word, no name
    return {
        low: forms.most_common(1)[0][0]
        for low, forms in written.items()
        if low not in lower
        and stem(low) not in lower_stems
        and sum(forms.values()) >= min_count
        and len(low) >= 3
        and low not in STOPWORDS
    }
