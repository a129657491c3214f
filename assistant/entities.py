"""Which organisations and bodies a question names, and names the corpus does not know.

Aliases come from the index's own manifest (organisation and body names), so a new
inquiry's remissinstanser are recognised without code changes.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from assistant.swedish import normalise, split_compound, stem, words

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


@dataclass(frozen=True)
class Target:
    """A name found in a question and what it points to."""

    field: str  # "organisation" or "body"
    value: str


def aliases(name: str) -> set[str]:
    """Lower-case ways to refer to a name: in full, its parenthesis, its proper nouns."""
    out: set[str] = set()
    main = re.sub(r"\(.*?\)", "", name).strip()
    out.add(normalise(main))
    for inner in re.findall(r"\((.*?)\)", name):
        out.add(normalise(inner))
    for word in re.findall(r"[A-ZÅÄÖ][\wåäöÅÄÖ-]+", main):
        low = normalise(word)
        if low in _GENERIC or len(low) < 4 or low.endswith("-"):
            continue
        out.add(low[:-1] if low.endswith("s") and len(low) > 5 else low)
    return {a for a in out if len(a) >= 3}


def find_targets(question: str, organisations: set[str], bodies: set[str]) -> list[Target]:
    """Organisations and bodies named in the question (genitive -s allowed)."""
    text = normalise(question)
    found: list[Target] = []
    for field_name, names in (("body", bodies), ("organisation", organisations)):
        for name in sorted(names):
            for alias in aliases(name):
                if _named_in(alias, text):
                    found.append(Target(field_name, name))
                    break
    # A body alias that is also an organisation alias ("stockholm") counts as organisation only.
    org_hits = {t.value for t in found if t.field == "organisation"}
    return [t for t in found if t.field == "organisation" or not _only_org_alias(t.value, question, org_hits)]


def mentions(text: str, name: str) -> bool:
    """Does the text name the organisation or body (any alias, genitive -s allowed)?"""
    flat = normalise(text)
    return any(_named_in(a, flat) for a in aliases(name))


def _named_in(alias: str, normalised_text: str) -> bool:
    """The alias as a whole word (genitive -s allowed) of already normalised text."""
    return re.search(rf"(?<![\wåäö]){re.escape(alias)}s?(?![\wåäö])", normalised_text) is not None


def _only_org_alias(body: str, question: str, organisations: set[str]) -> bool:
    text = normalise(question)
    org_aliases = {a for o in organisations for a in aliases(o)}
    return all(a in org_aliases for a in aliases(body) if _named_in(a, text))


def unknown_names(
    question: str, vocabulary: frozenset[str], known: frozenset[str] = frozenset(), speakers: Collection[str] = ()
) -> list[str]:
    """Capitalised words (not sentence-initial) the corpus never uses: another city, say.

    `known` are lower-case words to accept anyway (English terms the glossary translates); a
    word that starts with a speaker's name ("Stockholmsinstanser", "Malmöförvaltningen") is a
    compound on a known name, not an unknown one."""
    prefixes = tuple(a for name in speakers for a in aliases(name) if len(a) >= 4 and " " not in a)
    unknown: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", question.strip()):
        tokens = re.findall(r"[\wÅÄÖåäö][\wÅÄÖåäö-]*", sentence)
        for token in tokens[1:]:
            if not token[0].isupper() or len(token) < 3:
                continue
            low = normalise(token)
            base = low[:-1] if low.endswith("s") else low
            if low in _KNOWN_CAPITALISED or low in known or low in vocabulary or base in vocabulary:
                continue
            if split_compound(low, vocabulary) or low.startswith(prefixes):
                continue
            unknown.append(token)
    return unknown


_ORG_PHRASE = re.compile(
    r"\b(?:(?:Region|Landstinget|Kommunen|Staden)\s+[A-ZÅÄÖ][\wåäö-]+"
    r"|[A-ZÅÄÖ][\wåäö-]+\s+(?:kommun|kommuns|stad|stads|län|läns|region|municipality|city\s+council)"
    r"|City\s+of\s+[A-ZÅÄÖ][\wåäö-]+)\b"
)


_KINDS = {
    "kommun": "kommun", "kommuns": "kommun", "kommunen": "kommun", "stad": "kommun", "stads": "kommun",
    "staden": "kommun", "municipality": "kommun", "city": "kommun", "region": "region", "landsting": "region",
    "landstinget": "region", "län": "region", "läns": "region", "universitet": "universitet",
}  # fmt: skip


def unknown_organisations(question: str, organisations: set[str], bodies: set[str]) -> list[str]:
    """Phrases like "Uppsala kommun" or "Region Skåne" that name no organisation in the index.

    The place must be known as that kind of organisation: "Linköpings kommun" is not
    "Linköpings universitet", while "Malmö kommun" is "Malmö stad"."""
    names = organisations | bodies
    unknown = []
    for match in _ORG_PHRASE.finditer(question):
        phrase = normalise(match.group(0))
        words = [w[:-1] if w.endswith("s") and len(w) > 4 else w for w in re.findall(r"[\wåäö-]+", phrase)]
        kind = next((_KINDS[w] for w in re.findall(r"[\wåäö-]+", phrase) if w in _KINDS), None)
        places = [w for w in words if w not in _GENERIC and w not in _KINDS]
        if not any(_known_as(place, kind, phrase, names) for place in places):
            unknown.append(match.group(0))
    return unknown


def _known_as(place: str, kind: str | None, phrase: str, names: set[str]) -> bool:
    for name in names:
        if place not in aliases(name) and phrase not in aliases(name):
            continue
        kinds = {_KINDS[w] for w in re.findall(r"[\wåäö-]+", normalise(name)) if w in _KINDS}
        if kind is None or not kinds or kind in kinds:
            return True
    return False


_ACRONYM = re.compile(r"\b[A-ZÅÄÖ]{2,6}\b")
_NOT_ORGANISATIONS = frozenset({"sou", "dir", "lov", "lou", "dnr", "pm", "ks", "sverige", "sweden", "swedish"})


_SUBJECT = re.compile(
    r"\b(?:tycker|tyckte|anser|ansåg|säger|sa|sade|ser|såg|bedömer|menar)\s+([A-ZÅÄÖ][\wåäö-]+)"
    r"|\b(?:does|did|do)\s+(?:the\s+)?([A-Z][\w-]+)"
)


def silent_speakers(
    question: str, organisations: set[str], bodies: set[str], known: frozenset[str] = frozenset()
) -> list[str]:
    """Names in the subject of a stance question ("Vad tycker SKL …", "Hur ser Vinnova på …",
    "What did SKL say …") that are no speaker in the index: the documents may mention them, but
    they have no answer of their own. `known`: lower-case words to leave alone (glossary terms)."""
    speakers = {a for name in organisations | bodies for a in aliases(name)}
    subject = " ".join(question.split()[:4])
    names = _ACRONYM.findall(subject) + [a or b for a, b in _SUBJECT.findall(question)]
    silent = []
    for name in dict.fromkeys(names):
        low = normalise(name)
        base = low[:-1] if low.endswith("s") and len(low) > 4 else low
        if {low, base} & (speakers | known | _NOT_ORGANISATIONS):
            continue
        silent.append(name)
    return silent


_YES_NO = re.compile(
    r"^\s*(?:har|hade|lade|lämnade|blev|finns|fanns|kom|fick|gav|beslutade|infördes)\b",
    re.IGNORECASE,
)


def unknown_terms(question: str, vocabulary: frozenset[str], min_length: int = 6) -> list[str]:
    """For a yes/no question ("Lade regeringen fram en proposition …?"): its longer words that the
    corpus never uses, whole or as compound parts. The documents cannot say yes about them."""
    if not _YES_NO.search(question):
        return []
    return [
        w
        for w in words(question)
        if len(w) >= min_length
        and w not in vocabulary
        and stem(w) not in vocabulary
        and not split_compound(w, vocabulary)
    ]
