"""Which organisations and bodies a question names, and names the corpus does not know.

Aliases come from the index's own manifest (organisation and body names), so a new
inquiry's remissinstanser are recognised without code changes.

Names are matched as people type them: without å/ä/ö ("aldrenamnden", "malmo"), with a
hyphen or not ("hassleby vallingby"), by a short form (`synonyms_sv.txt`: "sthlm", "ks") and
with a typo ("Äldrenämden", "stadsledningskontret"): one edit for names of 5–8 letters, two
for longer ones. A proper noun (a place: "Linköping", "Farsta") allows only a missing, extra
or swapped letter, never another letter in its place, since that is how other real places
differ ("Lidköping", "Jönköping"). A word that differs from a name only in its ending is
another word ("socialnämnder" is not "Socialnämnden").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

from assistant.swedish import (
    STOPWORDS,
    differs_in_ending,
    edit_distance,
    fold,
    in_vocabulary,
    is_stopword,
    long_form,
    normalise,
    restore_question,
)

_GENERIC = frozenset(
    """
    centrum region stad kommun kommunen landsting universitet högskola nämnd nämnden förvaltningen
    kontoret styrelsen för och av i
    """.split()
)
_KNOWN_CAPITALISED = frozenset(
    """
    sverige sveriges swedish sweden english svenska sou skl skr ska vad vilka vilken vem hur när
    var what which who how when where why does do is are the och
    """.split()
)
_MIN_TYPO = 5  # names shorter than this must be typed exactly (up to å/ä/ö)
_LONG_NAME = 9  # names this long allow two edits


@dataclass(frozen=True)
class Target:
    """A name found in a question and what it points to."""

    field: str  # "organisation" or "body"
    value: str


@dataclass(frozen=True)
class _Form:
    """One alias of a name, folded into words, and how many typing errors it tolerates."""

    alias: str
    text: str  # folded words joined by one space
    words: tuple[str, ...]
    place: bool  # a proper noun (a place): no letter replaced, see the module docstring
    edits: int  # 0 for short names, 1 for 5–8 letters (and places), 2 for longer ones
    long: bool  # long enough that a typo is taken for the name even when not written as one


def _tokens(text: str) -> list[str]:
    """Folded words: lower case, without å/ä/ö, hyphens and punctuation as spaces."""
    return re.findall(r"[^\W_]+", fold(text))


@dataclass(frozen=True)
class _Typed:
    """The folded words of a question, and which were written as names (capitalised, not first
    in a sentence): a short name with a typo is only taken for a name when it looks like one."""

    words: list[str]
    named: list[bool]
    places: list[tuple[int, int] | None]  # where each word stands in the text (None: a short form's expansion)


def _typed(text: str, short_forms: bool = True, names: bool = False) -> _Typed:
    """`names`: the text is known to be a name (a subject or place the caller picked out), so
    every word counts as written as a name."""
    words_: list[str] = []
    named: list[bool] = []
    places: list[tuple[int, int] | None] = []
    text = unicodedata.normalize("NFC", text)
    for match in re.finditer(r"[^\W_]+", text):
        word = match.group(0)
        before = text[: match.start()].rstrip()
        words_.append(fold(word))
        named.append(names or (word[0].isupper() and bool(before) and before[-1] not in ".!?:"))
        places.append(match.span())
        expansion = long_form(word) if short_forms else ()
        for extra in (w for part in expansion for w in _tokens(part)):
            words_.append(extra)
            named.append(False)
            places.append(None)
    return _Typed(words_, named, places)


@lru_cache(maxsize=1024)
def _alias_kinds(name: str) -> tuple[tuple[str, bool], ...]:
    """(alias, is a proper noun of the name) for each way to refer to the name."""
    out: dict[str, bool] = {}
    main = re.sub(r"\(.*?\)", "", name).strip()
    out[normalise(main)] = False
    for inner in re.findall(r"\((.*?)\)", name):
        out.setdefault(normalise(inner), False)
    for word in re.findall(r"[A-ZÅÄÖ][\wåäöÅÄÖ-]+", main):
        parts = word.split("-") if all(p[:1].isupper() for p in word.split("-")) else [word]
        for candidate in dict.fromkeys([word, *parts]):  # "Hässelby-Vällingby", "Hässelby", "Vällingby"
            low = normalise(candidate)
            if low in _GENERIC or len(low) < 4 or low.endswith("-"):
                continue
            out.setdefault(low[:-1] if low.endswith("s") and len(low) > 5 else low, True)
    low_main = normalise(main)
    if " " not in low_main:
        # A compound name is also called by its head: "Tillitsdelegationen" is "delegationen" in the
        # documents and in questions (a linking -s- before a head of 8+ letters, not a generic word).
        for i in range(4, len(low_main) - 8):
            head = low_main[i + 1 :]
            if low_main[i] == "s" and head not in _GENERIC:
                out.setdefault(head, False)
                break
    return tuple((a, place) for a, place in out.items() if len(a) >= 3)


def aliases(name: str) -> set[str]:
    """Lower-case ways to refer to a name: in full, its parenthesis, its proper nouns (and the
    parts of a hyphenated one)."""
    return {a for a, _ in _alias_kinds(name)}


@lru_cache(maxsize=1024)
def _forms(name: str) -> tuple[_Form, ...]:
    forms = {}
    for alias, place in _alias_kinds(name):
        words_ = tuple(_tokens(alias))
        if words_:
            letters = sum(len(w) for w in words_)
            edits = 0 if letters < _MIN_TYPO else 1 if place or letters < _LONG_NAME else 2
            text = " ".join(words_)
            forms.setdefault(text, _Form(alias, text, words_, place, edits, letters >= _LONG_NAME))
    return tuple(forms.values())


def _exact(form: _Form, padded: str) -> bool:
    """The form as whole words of the padded folded text (" w1 w2 … "), genitive -s allowed."""
    return f" {form.text} " in padded or f" {form.text}s " in padded


def _spans(form: _Form, typed: _Typed, typos: bool, indefinite: bool = True) -> list[tuple[int, int]]:
    """Where the form stands in the folded words (as word positions), as typed or with a typo.

    With `indefinite`, a name in the definite form is also found in the indefinite one after a
    genitive, as Swedish writes it: "Stockholms utbildningsförvaltning", "Malmös socialnämnd"."""
    spans = []
    tokens, size, first = typed.words, len(form.words), form.text[0]
    for i in range(len(tokens) - size + 1):
        if tokens[i][0] != first:  # a typo keeps the first letter
            continue
        window = tokens[i : i + size]
        text = " ".join(window)
        if text == form.text or text == f"{form.text}s":
            spans.append((i, i + size))
            continue
        if indefinite and i and tokens[i - 1].endswith("s") and form.text in (f"{text}en", f"{text}n", f"{text}et"):
            spans.append((i, i + size))
            continue
        edits = form.edits if typos and (form.long or all(typed.named[i : i + size])) else 0
        long_enough = len(text) >= _MIN_TYPO
        if edits and long_enough and abs(len(text) - len(form.text)) <= edits + 1 and _typo_of(window, text, form):
            spans.append((i, i + size))
    return spans


def _typo_of(window: list[str], typed: str, form: _Form) -> bool:
    """Is the typed window the form with a typo (genitive -s allowed)? Never a stop word of its own."""
    if any(w in STOPWORDS and w not in form.words for w in window):
        return False
    bare = typed[:-1] if typed.endswith("s") else ""
    return _typo(typed, form) or (len(bare) >= _MIN_TYPO and _typo(bare, form))


def _typo(typed: str, form: _Form) -> bool:
    if differs_in_ending(typed, form.text):
        return False
    if form.place:
        return _indel_or_swap(typed, form.text)
    return edit_distance(typed, form.text, form.edits) <= form.edits


def _indel_or_swap(a: str, b: str) -> bool:
    """One letter missing, one extra, or two neighbours swapped (but no letter replaced)."""
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = sorted((a, b), key=len)
    return len(long_) - len(short) == 1 and any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _matches(name: str, typed: _Typed, typos: bool = True) -> dict[str, list[tuple[int, int]]]:
    """The name's aliases found in the words, with where they stand."""
    found = {}
    for form in _forms(name):
        spans = _spans(form, typed, typos)
        if spans:
            found[form.alias] = spans
    return found


def find_targets(question: str, organisations: set[str], bodies: set[str]) -> list[Target]:
    """Organisations and bodies named in the question (genitive -s allowed; typed without å/ä/ö,
    by a short form or with a typo, see the module docstring). Where names overlap, the longer
    one is meant ("Arbetsmarknads- och socialnämnden" is not also "Socialnämnden")."""
    typed = _typed(question)
    found: dict[Target, dict[str, list[tuple[int, int]]]] = {}
    for field_name, names in (("body", bodies), ("organisation", organisations)):
        for name in sorted(names):
            hits = _matches(name, typed)
            if hits:
                found[Target(field_name, name)] = hits
    spans = {t: {span for s in hits.values() for span in s} for t, hits in found.items()}

    def inside_longer(target: Target) -> bool:
        others = [o for other, theirs in spans.items() if other.value != target.value for o in theirs]
        return all(any(o[0] <= a and b <= o[1] and o[1] - o[0] > b - a for o in others) for a, b in spans[target])

    # A body alias that is also an organisation alias ("stockholm") counts as organisation only.
    org_aliases = {a for t in found if t.field == "organisation" for a in aliases(t.value)}
    return [
        t for t in found if not inside_longer(t) and (t.field == "organisation" or not set(found[t]) <= org_aliases)
    ]


def mentions(text: str, name: str) -> bool:
    """Does the text name the organisation or body (any alias, genitive -s allowed, å/ä/ö or not)?"""
    padded = f" {' '.join(_tokens(text))} "
    return any(_exact(form, padded) for form in _forms(name))


def names_speaker(word: str, names: Collection[str]) -> bool:
    """Is the word (or phrase) one of the names, as typed (see `find_targets`)?"""
    typed = _typed(word, names=True)
    return any(_matches(name, typed) for name in names)


def normalise_question(
    question: str,
    vocabulary: frozenset[str],
    organisations: set[str],
    bodies: set[str],
    names: Mapping[str, str] | None = None,
) -> str:
    """A Swedish question as the documents would write it, for every rule that reads its words.

    Words typed without å/ä/ö or with a typo are written as in the documents
    (`swedish.restore_question`: "Nar startar forsoket?" → "När startar försöket?"), and names
    of organisations and bodies typed loosely as the index writes them ("hassleby vallingby" →
    "Hässelby-Vällingby", "Äldrenämdens" → "Äldrenämndens"). Short forms stay as typed. `names`:
    words the documents always capitalise (lower case -> as written), so that "skolinspektionen"
    and "ivo" read as the names they are."""
    text = unicodedata.normalize("NFC", restore_question(question, vocabulary))
    if names:
        text = _WORD_TOKEN.sub(lambda m: names.get(m.group(0), m.group(0)), text)
    typed = _typed(text, short_forms=False)
    found: list[tuple[int, int, str]] = []
    for name in sorted(organisations | bodies):
        for form in _forms(name):
            for i, j in _spans(form, typed, typos=True, indefinite=False):
                first, last = typed.places[i], typed.places[j - 1]
                if first is None or last is None:
                    continue
                start, end = first[0], last[1]
                written = _as_written(name, form.alias)
                as_typed = " ".join(_tokens(text[start:end]))
                genitive = "s" if as_typed != form.text and as_typed.endswith("s") else ""
                found.append((start, end, written + genitive))
    out = text
    for start, end, written in sorted(_longest(found), key=lambda f: -f[0]):  # from the end: offsets hold
        current = out[start:end]
        if normalise(current) in (normalise(written), normalise(written) + "s"):
            continue
        out = out[:start] + written + out[end:]
    return out


_WORD_TOKEN = re.compile(r"(?<![\wåäöÅÄÖ-])[a-zåäöé]+(?![\wåäöÅÄÖ-])")


def _longest(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Of overlapping rewrites, the longest."""
    kept: list[tuple[int, int, str]] = []
    for item in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if all(item[1] <= k[0] or item[0] >= k[1] for k in kept):
            kept.append(item)
    return kept


def _as_written(name: str, alias: str) -> str:
    """The alias as the name writes it ("äldrenämnden" → "Äldrenämnden")."""
    pattern = r"[\s-]+".join(re.escape(part) for part in re.split(r"[\s-]+", alias))
    match = re.search(pattern, unicodedata.normalize("NFC", name), re.IGNORECASE)
    return match.group(0) if match else alias


def unknown_names(
    question: str, vocabulary: frozenset[str], known: frozenset[str] = frozenset(), speakers: Collection[str] = ()
) -> list[str]:
    """Capitalised words (not sentence-initial) the corpus never uses: another city, say.

    `known` are lower-case words to accept anyway (English terms the glossary translates); a
    word that starts with a speaker's name ("Stockholmsinstanser", "Malmöförvaltningen") is a
    compound on a known name, not an unknown one. A word the corpus uses written without å/ä/ö
    ("Malmo") is known, and so is a speaker's name typed with a typo ("Äldrenämden"); other
    near misses are not, since they are often other names ("Lidköping")."""
    prefixes = tuple(fold(a) for name in speakers for a in aliases(name) if len(a) >= 4 and " " not in a)
    accepted = {fold(w) for w in _KNOWN_CAPITALISED | known}
    unknown: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", question.strip()):
        tokens = re.findall(r"[\wÅÄÖåäö][\wÅÄÖåäö-]*", sentence)
        for token in tokens[1:]:
            if not token[0].isupper() or len(token) < 3:
                continue
            low = normalise(token)
            base = low[:-1] if low.endswith("s") else low
            if fold(low) in accepted or in_vocabulary(low, vocabulary) or in_vocabulary(base, vocabulary):
                continue
            if fold(low).startswith(prefixes) or (speakers and names_speaker(token, speakers)):
                continue
            unknown.append(token)
    return unknown


# Overlapping (a lookahead): "säger Region" must not hide "Region Skåne".
_ORG_PHRASE = re.compile(
    r"(?=\b((?:region|landstinget|kommunen|staden)\s+[\wåäö-]+"
    r"|[\wåäö-]+\s+(?:kommun|kommuns|stad|stads|län|läns|region|municipality|city\s+council"
    r"|stadsdelsnämnd(?:en)?s?|stadsdelsförvaltning(?:en)?s?)"
    r"|city\s+of\s+[\wåäö-]+)\b)",
    re.IGNORECASE,
)


_KINDS = {
    "kommun": "kommun", "kommuns": "kommun", "kommunen": "kommun", "stad": "kommun", "stads": "kommun",
    "staden": "kommun", "municipality": "kommun", "city": "kommun", "region": "region", "landsting": "region",
    "landstinget": "region", "län": "region", "läns": "region", "universitet": "universitet", "council": "kommun",
}  # fmt: skip
# A city district's bodies: "Farsta stadsdelsnämnd" is known, "Skarpnäcks stadsdelsnämnd" is not.
_DISTRICT = frozenset(
    f"{kind}{ending}" for kind in ("stadsdelsnämnd", "stadsdelsförvaltning") for ending in ("", "s", "en", "ens")
)
# The words of an organisation phrase that are not its place.
_STRUCTURE = _GENERIC | set(_KINDS) | _DISTRICT | STOPWORDS


def unknown_organisations(
    question: str, organisations: set[str], bodies: set[str], vocabulary: frozenset[str] = frozenset()
) -> list[str]:
    """Phrases like "Uppsala kommun" or "Region Skåne" that name no organisation in the index.

    The place must be known as that kind of organisation: "Linköpings kommun" is not
    "Linköpings universitet", while "Malmö kommun" is "Malmö stad". The place is written as a
    name (capitalised), or, given the corpus `vocabulary`, typed in lower case as a word the
    documents never use ("uppsala kommun"; "varje kommun" or "hela regionen" are no names)."""
    names = organisations | bodies
    unknown = []
    for match in _ORG_PHRASE.finditer(question):
        written = [w for w in re.findall(r"[\wåäö-]+", match.group(1)) if normalise(w) not in _STRUCTURE]
        if not written or not all(w[0].isupper() or _unknown_place(w, vocabulary) for w in written):
            continue
        phrase = normalise(match.group(1))
        words = [w[:-1] if w.endswith("s") and len(w) > 4 else w for w in re.findall(r"[\wåäö-]+", phrase)]
        kind = next((_KINDS[w] for w in re.findall(r"[\wåäö-]+", phrase) if w in _KINDS), None)
        places = [w for w in words if w not in _GENERIC and w not in _KINDS and w not in _DISTRICT]
        if not any(_known_as(place, kind, phrase, names) for place in places):
            unknown.append(match.group(1))
    return list(dict.fromkeys(unknown))


def _unknown_place(word: str, vocabulary: frozenset[str]) -> bool:
    """A lower-case place word the documents never use (nor a stop word); never without a vocabulary."""
    low = normalise(word)
    return bool(vocabulary) and not any(is_stopword(w) or in_vocabulary(w, vocabulary) for w in {low, low.rstrip("s")})


def _known_as(place: str, kind: str | None, phrase: str, names: set[str]) -> bool:
    typed = [_typed(text, short_forms=False, names=True) for text in (place, phrase)]
    for name in names:
        if not any(_matches(name, words_) for words_ in typed):
            continue
        kinds = {_KINDS[w] for w in re.findall(r"[\wåäö-]+", normalise(name)) if w in _KINDS}
        if kind is None or not kinds or kind in kinds:
            return True
    return False


# Capitalised words and acronyms: the ways a question names an organisation or a body.
_PROPER = re.compile(r"(?<![\wåäöÅÄÖ])(?:[A-ZÅÄÖ]{2,6}|[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ]?[a-zåäö]+)?)(?![\wåäöÅÄÖ])")
_NOT_ORGANISATIONS = frozenset(
    """sou dir lov lou dnr pm ks sverige sweden swedish english vad vilka vilken vilket vem vems hur när var varför
    finns fanns kan ska skulle och men enligt jag har hade om hej tack what which who whose how when where why
    does did do is are the and according hi thanks""".split()
)


def silent_speakers(
    question: str, organisations: set[str], bodies: set[str], known: frozenset[str] = frozenset()
) -> list[str]:
    """Proper nouns and acronyms of a question that name no speaker in the index ("Vad tycker SKL …",
    "Vad skrev Skolinspektionen i sitt remissvar …"): the documents may mention them, but they have no
    answer of their own. `known`: lower-case words to leave alone (glossary terms).

    Only what could be an organisation counts: not a sentence's first word (capitalised as such:
    "Vi", "Tog"), not a person's name (capitalised words in a row: "Anna König Jerlmyr"), not a
    place one is in ("i Norrland"), not a compound on a speaker's name ("Stockholmsinstanser")."""
    accepted = {fold(w) for w in known | _NOT_ORGANISATIONS}
    speakers = organisations | bodies
    prefixes = _speaker_prefixes(frozenset(speakers))
    silent = []
    for match in _PROPER.finditer(question):
        name = match.group(0)
        low = fold(name)
        base = low[:-1] if low.endswith("s") and len(low) > 4 else low
        if {low, base} & accepted or names_speaker(name, speakers):
            continue
        if question[: match.start()].lower().endswith((" i ", " in ")):  # "en kommun i Norrland": a place
            continue
        if not name.isupper() and (
            _starts_sentence(question, match.start())
            or _in_name_run(question, match)
            or (low.startswith(prefixes) and low not in prefixes)
        ):
            continue
        if _speaker_starts(question[match.start() :], speakers):
            continue
        silent.append(name)
    return list(dict.fromkeys(silent))


@lru_cache(maxsize=8)
def _speaker_prefixes(speakers: frozenset[str]) -> tuple[str, ...]:
    """The one-word aliases a compound on a speaker's name starts with ("Stockholmsinstanser"),
    built once per set of speakers rather than per question."""
    return tuple(fold(a) for name in sorted(speakers) for a in aliases(name) if len(a) >= 4 and " " not in a)


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;"


def _in_name_run(text: str, match: re.Match[str]) -> bool:
    """Is the word one of two or more capitalised words in a row (a person's name)?"""

    def capitalised(word: str) -> bool:
        word = word.strip("?.,!:;()")
        return word[:1].isupper() and not word.isupper()

    before, after = text[: match.start()], text[match.end() :]
    following = after[1:].split(" ", 1)[0] if after.startswith(" ") else ""
    if capitalised(following):
        return True
    previous = before[:-1].rsplit(" ", 1)[-1] if before.endswith(" ") else ""
    return capitalised(previous) and not _starts_sentence(text, len(before) - 1 - len(previous))


def _speaker_starts(text: str, names: Collection[str]) -> bool:
    """Does a name of several words start the text ("Arbetsmarknads- och socialnämnden tycker …")?"""
    typed = _typed(" ".join(text.split()[:8]), short_forms=False, names=True)
    return any(span[0] == 0 for name in names for spans in _matches(name, typed).values() for span in spans)
