"""Which organisations and bodies a question names, and names the corpus does not know.

Aliases come from the index's own manifest (organisation and body names), so a new
inquiry's remissinstanser are recognised without code changes.
"""

from __future__ import annotations

import re
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


def unknown_names(question: str, vocabulary: frozenset[str], known: frozenset[str] = frozenset()) -> list[str]:
    """Capitalised words (not sentence-initial) the corpus never uses: another city, say.

    `known` are lower-case words to accept anyway (English terms the glossary translates)."""
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
            unknown.append(token)
    return unknown


_ORG_PHRASE = re.compile(
    r"\b(?:(?:Region|Landstinget|Kommunen|Staden)\s+[A-ZÅÄÖ][\wåäö-]+"
    r"|[A-ZÅÄÖ][\wåäö-]+\s+(?:kommun|kommuns|stad|stads|län|läns|region|municipality|city\s+council)"
    r"|City\s+of\s+[A-ZÅÄÖ][\wåäö-]+)\b"
)


def unknown_organisations(question: str, organisations: set[str], bodies: set[str]) -> list[str]:
    """Phrases like "Uppsala kommun" or "Region Skåne" that name no organisation in the index."""
    known = {a for name in organisations | bodies for a in aliases(name)}
    unknown = []
    for match in _ORG_PHRASE.finditer(question):
        phrase = normalise(match.group(0))
        words = [w[:-1] if w.endswith("s") and len(w) > 4 else w for w in re.findall(r"[\wåäö-]+", phrase)]
        if not any(w in known or phrase in known for w in words if w not in _GENERIC):
            unknown.append(match.group(0))
    return unknown


_ACRONYM = re.compile(r"\b[A-ZÅÄÖ]{2,6}\b")
_NOT_ORGANISATIONS = frozenset({"sou", "dir", "lov", "lou", "dnr", "pm", "ks"})


def silent_speakers(question: str, organisations: set[str], bodies: set[str]) -> list[str]:
    """Acronyms in the subject of a question ("Vad tycker SKL …", "What did SKL say …") that name
    no speaker in the index: the documents may mention them, but they have no answer of their own."""
    known = {a for name in organisations | bodies for a in aliases(name)}
    subject = " ".join(question.split()[:4])
    return [a for a in _ACRONYM.findall(subject) if a.lower() not in known and a.lower() not in _NOT_ORGANISATIONS]


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
