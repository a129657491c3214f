"""What kind of answer a question asks for, and whether any retrieved sentence holds one.

"Hur många anställda …?" needs a number next to "anställda"; "När startar …?" needs a date;
"Vem var ordförande …?" needs a person's name; "Vilka är de sju principerna?" needs a list of
seven. Passages about the right topic that lack that kind of answer are the typical near-miss
of a question the documents do not answer, so the assistant abstains instead of quoting them.
A sentence counts when it, with its neighbours and its passage's metadata (speaker, document,
section), also holds enough of the question's topic words (an answerability feature). Retrieval
uses the same measure to prefer such passages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.glossary import translate
from assistant.lexical import chunk_sentences
from assistant.records import Hit
from assistant.swedish import analyse, stem
from assistant.understanding.entities import Target, mentions
from ingest.records import Chunk

# Number words, listed once. Swedish small numbers are whole words; the larger ones also stand
# inside compounds ("tjugofem", "trehundra"); the English ones are read in questions only.
_SV_NUMBERS = {
    "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12,
}  # fmt: skip
_EN_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12,
}  # fmt: skip
_IN_COMPOUNDS = ("tjugo", "trettio", "fyrtio", "femtio", "hundra", "tusen")
_AS_PREFIX = ("miljon", "miljard")
_NUMBER = re.compile(
    r"^(\d[\d\s,.–-]*|"
    + "|".join(_SV_NUMBERS)
    + "|"
    + "|".join(rf"\w*{p}\w*" for p in _IN_COMPOUNDS)
    + "|"
    + "|".join(rf"{p}\w*" for p in _AS_PREFIX)
    + ")$",
    re.IGNORECASE,
)
_MONTHS = (
    "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|"
    "january|february|march|may|june|july|august|october"
)
# A year followed by ":47" is a report number (SOU 2018:47), not a date.
_DATE = re.compile(rf"\b((?:19|20)\d\d(?!:\d)|{_MONTHS}|\d{{4}}-\d\d-\d\d|vår\w*|höst\w*|årsskift\w*)\b", re.IGNORECASE)
# Two capitalised words in a row: a first and last name, also at the start of a signature line.
_PERSON = re.compile(r"\b[A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäö]+)?\s+[A-ZÅÄÖ][a-zåäöéü]{2,}")
_NAME = re.compile(r"(?<=[\w,;:–-] )[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäö]+)?")
_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+\S", re.MULTILINE)

_COUNT_Q = re.compile(r"\b(?:hur många|how many|antalet)\s+([\wåäö-]+)", re.IGNORECASE)
# The interrogative that opens what is asked, with the few words after it: "Vad kostar …",
# "Hur stor andel …", "What share of …". A count or amount is asked for only here; the same word
# in the topic ("Vad menar CKS med … i kommunernas budget?", "… dra ner på antalet mätningar?")
# asks for no figure.
_HEAD = re.compile(r"\b(?:vad|vem|vilk\w*|när|hur|what|who|which|when|how)\b(?:[^\S\n]+[\wåäö-]+){0,5}", re.IGNORECASE)
_AMOUNT_Q = re.compile(
    r"\b(hur mycket|hur stor\w*|vilket belopp|belopp\w*|kronor|miljoner|miljarder|procent|andel\w*|kosta\w*|"
    r"kostnad\w*|lön\w*|budget\w*|summa\w*|how much|what share|percentage|cost\w*|budget|salary)\b",
    re.IGNORECASE,
)
_TIME_Q = re.compile(r"^\s*(?:och\s+)?(?:när|sedan när|vilket år|vilket datum|when|what year)\b", re.IGNORECASE)
_PERSON_Q = re.compile(
    r"^\s*(?:vem|who)\s+(?:var|är|blir|was|is)\s+(?:the\s+)?(.+?)(?=\s+(?:i|på|för|vid|in|of|at|for)\b|[?,]|$)",
    re.IGNORECASE,
)
_LIST_Q = re.compile(
    r"\b(?:vilka är|vilka var|what are|which are)\s+(?:de\s+|the\s+)?(?:[\wåäö]+s\s+)?([\wåäö]+)\s+([\wåäö]+)",
    re.IGNORECASE,
)
_NAMES_Q = re.compile(
    r"^\s*(?:vilka|which)\s+(?:(?:två|tre|fyra|fem|two|three|four|five|\d+)\s+)?"
    r"(kommuner|regioner|landsting|städer|myndigheter|länder|skolor|universitet|högskolor|organisationer|"
    r"municipalities|regions|county councils|cities|agencies|countries|schools|universities|organi[sz]ations)\b",
    re.IGNORECASE,
)
_NEXT_CLAUSE = re.compile(r",?\s+(?:och|and)\s+(?=(?:när|vad|hur|vem|vilk\w*|when|what|how|who)\b)", re.IGNORECASE)


def first_question(question: str) -> str:
    """The first of several joined questions ("Vem var …, och när …?"): the one the answer type is read from."""
    return _NEXT_CLAUSE.split(question, maxsplit=1)[0]


def question_head(question: str) -> str:
    """The words that ask ("Hur många primärkommuner finns", "Vad kostar handlingsplanen"), of every
    clause that asks; the whole question when no interrogative opens any."""
    heads = [m.group(0) for m in _HEAD.finditer(question)]
    return " … ".join(heads) if heads else question


_INTERROGATIVES = frozenset(
    "vad vem vems vilken vilket vilka när hur var varför vart varifrån "
    "what who whom whose which when how where why".split()
)


def is_polar(question: str) -> bool:
    """A yes/no question: no interrogative word anywhere in it ("Antog regeringen förslaget?")."""
    return not _INTERROGATIVES & {w.lower() for w in _words(question)}


@dataclass(frozen=True)
class Expectation:
    """The kind of answer a question wants; `missing` is the message key used when none is found."""

    missing: str
    accepts: Callable[[str], bool]  # does this sentence hold such an answer?
    list_of: int = 0  # for "which are the N …": a passage must list this many items
    noun: str = ""
    role: str = ""  # for "who was the …": only the role's words are the topic


def expectation(question: str) -> Expectation | None:
    """The answer type the question asks for, or None for an open question."""
    if match := _LIST_Q.search(question):
        count = _count(match.group(1))
        if count >= 2:
            return Expectation("no_list", lambda s: True, list_of=count, noun=match.group(2))
    head = question_head(question)
    if match := _COUNT_Q.search(head):
        noun = match.group(1)
        noun = _swedish(noun) if match.group(0).lower().startswith("how") else noun
        return Expectation("no_figure", lambda s: _number_before(s, noun), noun=noun)
    if _AMOUNT_Q.search(head):
        # A sum, share or cost is a number with its unit ("12 miljoner kronor", "30 procent"), not any number.
        return Expectation("no_figure", lambda s: _AMOUNT.search(s) is not None)
    if _NAMES_Q.search(question):
        # "Vilka kommuner …?" is answered by names: at least two, mid-sentence ("Malmö och Umeå").
        return Expectation("no_names", lambda s: len(set(_NAME.findall(s))) >= 2)
    if _TIME_Q.search(question):
        return Expectation("no_date", lambda s: _DATE.search(s) is not None)
    if match := _PERSON_Q.search(question):
        # The role ("ordförande", "föredragande borgarråd") is what must stand beside the name.
        return Expectation("no_person", lambda s: _PERSON.search(s) is not None, role=match.group(1))
    return None


def support(
    wanted: Expectation,
    hits: list[Hit],
    terms: set[str],
    vocab: frozenset[str],
    idf: Callable[[str], float],
    named: Sequence[Target] = (),
    sentences: Callable[[Chunk], Sequence[tuple[str, frozenset[str]]]] | None = None,
) -> float:
    """Best IDF-weighted share of the topic terms around a sentence that holds the answer kind.

    "Around" is the sentence with its neighbours, so "Äldrenämnden beslutade vid sitt sammanträde
    den 18 september 2018" counts for "När behandlade Äldrenämnden remissen?" when the next
    sentence names the remiss, and the passage's metadata is around a sentence on the topic: the
    speaker's name and the document's title need not be repeated in it. Each `named` organisation or body
    must be the passage's speaker or be mentioned around the sentence: a count of "anställda" in
    Stockholm's text does not answer "Hur många anställda har Malmö stad?". 0.0 when no sentence qualifies.

    `sentences` gives a passage's sentences with their analysed terms (the lexical index keeps
    them, so a search need not analyse text again); without it they are analysed here."""
    topic = set(terms)  # the caller's terms: without the words that only ask (`terms.question_terms`)
    if wanted.role:
        topic = set(analyse(wanted.role, vocab))
    total = sum(idf(t) for t in topic)
    best = 0.0
    for hit in hits:
        analysed = sentences(hit.chunk) if sentences else _analysed(hit.chunk, vocab)
        if wanted.list_of and not _lists(hit.chunk.text, analysed, wanted.list_of, wanted.noun):
            continue
        others = [t for t in named if getattr(hit.chunk, t.field) != t.value]
        header = _header_terms(hit.chunk, vocab)
        for i, (sentence, _) in enumerate(analysed):
            if not wanted.accepts(sentence):
                continue
            window = analysed[max(0, i - 1) : i + 2]
            if others and not all(mentions(" ".join(text for text, _ in window), t.value) for t in others):
                continue
            around = frozenset().union(*(terms for _, terms in window))
            if topic & around:  # the metadata completes a sentence on the topic; it makes no other one
                around |= header
            best = max(best, sum(idf(t) for t in topic & around) / total if total else 1.0)
    return best


@lru_cache(maxsize=4096)
def _header_terms(chunk: Chunk, vocab: frozenset[str]) -> frozenset[str]:
    """The terms of what the passage's metadata says around every sentence: who speaks, in which
    document and section ("Äldrenämnden beslutade den 18 september" is Stockholm's, in a remissvar)."""
    return frozenset(analyse(" ".join((chunk.organisation, chunk.body, chunk.title, chunk.kind, chunk.section)), vocab))


def _analysed(chunk: Chunk, vocab: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    return [(text, frozenset(analyse(text, vocab))) for text in chunk_sentences(chunk.text)]


def _has_number(sentence: str) -> bool:
    """Digits or a number word (plain string tests: this runs on every sentence of 20 passages)."""
    if any(c.isdigit() for c in sentence):
        return True
    lower = sentence.lower()
    return any(p in lower for p in _IN_COMPOUNDS + _AS_PREFIX) or not _SV_NUMBERS.keys().isdisjoint(
        re.findall(r"\w+", lower)
    )


def _swedish(noun: str) -> str:
    """The counted noun as the documents write it: an English one through the glossary
    ("municipalities" → "kommuner"), so the number beside it is found in Swedish text."""
    translated = translate(noun).swedish
    return translated[0].split()[-1] if translated else noun


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _SV_NUMBERS.get(word) or _EN_NUMBERS.get(word, 0)


def _words(text: str) -> list[str]:
    return re.findall(r"[\wåäöÅÄÖ][\wåäöÅÄÖ,.–-]*[\wåäöÅÄÖ]|\w", text)


def _number_before(sentence: str, noun: str, window: int = 2) -> bool:
    """A number followed within `window` words by the counted noun ("290 primärkommuner", "tolv försök…")."""
    root = stem(noun.lower())
    if not root or root not in sentence.lower():
        return False  # cheap test first: most sentences never name the noun
    words = [w.lower() for w in _words(sentence)]
    for i, word in enumerate(words):
        if _NUMBER.match(word):
            for follower in words[i + 1 : i + 1 + window]:
                if root and stem(follower).endswith(root):  # "skolor", "grundskolor", not "skollagen"
                    return True
    return False


def _lists(text: str, analysed: Sequence[tuple[str, frozenset[str]]], count: int, noun: str) -> bool:
    """The passage mentions the noun and has at least `count` list items."""
    root = stem(noun.lower())
    about = not root or any(t.endswith(root) for _, terms in analysed for t in terms)
    return about and len(_LIST_ITEM.findall(text)) >= count


_FULL_DATE = re.compile(
    rf"\b(?:den\s+)?\d{{1,2}}\s+(?:{_MONTHS})(?:\s+(?:19|20)\d\d)?\b|\b\d{{4}}-\d\d-\d\d\b"
    rf"|\b(?:{_MONTHS}|våren|hösten|vår|höst|årsskiftet)\s+(?:19|20)\d\d\b|\b(?:19|20)\d\d\b(?!:\d)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"\b\d[\d\s,.]*\s*(?:miljoner|miljarder|mnkr|mdkr|kronor|kr|procent|%)(?:\s+kronor)?", re.IGNORECASE
)


def answer_value(wanted: Expectation, sentence: str) -> str | None:
    """The words of the sentence that are the answer itself: "13 områden", "31 oktober 2018", a name."""
    if wanted.missing == "no_date":
        match = _FULL_DATE.search(sentence)
        return match.group(0).strip() if match else None
    if wanted.missing == "no_person":
        match = _PERSON.search(sentence)
        return match.group(0) if match else None
    if wanted.missing == "no_names":
        names = list(dict.fromkeys(_NAME.findall(sentence)))
        return ", ".join(names) if len(names) >= 2 else None
    if wanted.missing == "no_figure":
        return _counted(sentence, wanted.noun) if wanted.noun else _amount(sentence)
    return None


def _counted(sentence: str, noun: str, window: int = 2) -> str | None:
    """ "290 primärkommuner": the number and the words up to the counted noun."""
    root = stem(noun.lower())
    tokens = _words(sentence)
    for i, token in enumerate(tokens):
        if _NUMBER.match(token.lower()):
            for j in range(i + 1, min(len(tokens), i + 1 + window)):
                if root and stem(tokens[j].lower()).endswith(root):
                    return " ".join(tokens[i : j + 1])
    return None


def _amount(sentence: str) -> str | None:
    match = _AMOUNT.search(sentence)
    return match.group(0).strip() if match else None
