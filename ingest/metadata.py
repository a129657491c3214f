"""Read who speaks, when and in which case from a document's own text and file name.

A remissvar says who it is from in its letterhead (first lines), its subject line ("Yttrande
över …"), its decision sentence ("Nämnden beslutar att lämna följande yttrande"), its signature
block (last lines) and its Dnr line. Each field gets a value, the line it came from and a
confidence, so a person can check it and the catalog can override it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import PurePath

from ingest import metadata_patterns as P

HEAD_LINES = 25
TAIL_LINES = 25
_GENERIC_BODIES = frozenset(
    "nämnden nämnd förvaltningen förvaltning styrelsen kontoret beredningen fullmäktige direktionen".split()
)
_BODY_SUFFIXES = ("nämnden", "styrelsen", "förvaltningen", "kontoret", "beredningen", "fullmäktige", "nämnd")


@dataclass(frozen=True)
class DetectedField:
    """One detected value, the line that shows it and how sure the rule is (0–1)."""

    value: str = ""
    evidence: str = ""
    confidence: float = 0.0
    source: str = ""  # brevhuvud, underskrift, text, filnamn


@dataclass(frozen=True)
class DetectedMetadata:
    title: DetectedField = field(default_factory=DetectedField)
    organisation: DetectedField = field(default_factory=DetectedField)
    body: DetectedField = field(default_factory=DetectedField)
    kind: DetectedField = field(default_factory=DetectedField)
    date: DetectedField = field(default_factory=DetectedField)
    reference: DetectedField = field(default_factory=DetectedField)
    concerns: DetectedField = field(default_factory=DetectedField)  # value: "SOU 2018:47; SOU 2018:48"
    organisation_type: str = ""  # stad, kommun, region, universitet, förbund, myndighet

    FIELDS = ("title", "organisation", "body", "kind", "date", "reference", "concerns")

    def concern_list(self) -> list[str]:
        return [c for c in self.concerns.value.split("; ") if c]

    def as_dict(self) -> dict[str, dict]:
        return {name: asdict(getattr(self, name)) for name in self.FIELDS}

    def summary(self) -> str:
        """One line in Swedish: what was found, for warnings and the admin page."""
        labels = {"organisation": "organisation", "body": "organ", "kind": "typ", "date": "datum", "reference": "dnr"}
        values = {name: getattr(self, name).value for name in labels}
        parts = [f"{label} '{values[name]}'" for name, label in labels.items() if values[name]]
        return ", ".join(parts) if parts else "inget"


class _Votes:
    """Candidates for one field; each keeps its total score and its strongest evidence."""

    def __init__(self) -> None:
        self.score: Counter[str] = Counter()
        self.best: dict[str, tuple[float, str, str, str]] = {}

    def add(self, value: str, weight: float, evidence: str, source: str, key: str | None = None) -> None:
        value = value.strip(" ,.;:")
        if not value:
            return
        key = key or _key(value)
        self.score[key] += weight
        if key not in self.best or weight > self.best[key][0]:
            self.best[key] = (weight, value, evidence, source)

    def fold_short_forms(self) -> None:
        """Count a name's short form ("Länsstyrelsen anser …") for the full name it begins, when the full
        name is a candidate too ("Länsstyrelsen i Hallands län" in the letterhead)."""
        values = {key: best[1] for key, best in self.best.items()}
        for key, value in values.items():
            longer = [k for k, v in values.items() if v.startswith(value + " ")]
            if len(longer) == 1:
                self.score[longer[0]] += self.score.pop(key)
                del self.best[key]

    def winner(self, floor: float = 0.0) -> DetectedField:
        if not self.score:
            return DetectedField()
        ranked = self.score.most_common(2)
        key, top = ranked[0]
        if top <= floor:
            return DetectedField()
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = min(0.97, 1 - 0.6**top) * (1 - 0.5 * second / top)
        _, value, evidence, source = self.best[key]
        return DetectedField(value, evidence[:200], round(confidence, 2), source)


def detect_metadata(text: str, file_name: str = "", raw_text: str = "") -> DetectedMetadata:
    """Organisation, speaking body, kind, date, Dnr, title and reports concerned, each with evidence.

    `text` is the document's text (cleaned paragraphs, one a line, or plain text); `raw_text`, when
    given, is the text as extracted, whose line breaks keep a letterhead's lines apart where
    cleaning has joined them into one paragraph."""
    lines = _lines(text)
    layout = _lines(raw_text) if raw_text.strip() else lines
    head, tail = layout[:HEAD_LINES], layout[-TAIL_LINES:]
    name_tokens = _file_tokens(file_name)
    words = _word_forms(text)
    kind = _kind(lines, head, name_tokens)
    title = _title(head, lines)
    organisation, org_type = _organisation(lines, head, tail, name_tokens, words)
    body = _body(lines, head, tail, name_tokens, words, kind.value, organisation, org_type, text)
    return DetectedMetadata(
        title=title,
        organisation=organisation,
        body=body,
        kind=kind,
        date=_date(lines, head, tail),
        reference=_reference(head, lines),
        concerns=_concerns([title.value, *head] if title.value else head, text),
        organisation_type=org_type,
    )


# --- lines and file names -------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Non-empty lines without markdown marks, bullet glyphs or runs of white space."""
    text = re.sub(r"(?m)^#+[ \t]*|\*+|_{2,}", "", text.replace("\uf0b7", " "))
    text = re.sub(r"[^\S\n]+", " ", text)
    return [line.strip() for line in text.split("\n") if line.strip() and not _RULE_LINE.fullmatch(line.strip())]


_RULE_LINE = re.compile(r"[.\-–_\s]+")


def _key(value: str) -> str:
    value = re.sub(r"\s*\(.*?\)", "", value)
    return re.sub(r"[^a-z0-9]", "", P.fold(value))


def _file_tokens(file_name: str) -> list[str]:
    stem = PurePath(file_name).stem.casefold() if file_name else ""
    tokens = [t for t in re.split(r"[-_\s.,]+", stem) if t]
    return [t for t in tokens if not re.fullmatch(r"\d+|[0-9a-f]{8,}", t)]


def _word_forms(text: str) -> dict[str, str]:
    """Folded word -> its most common spelling in the text, to restore å/ä/ö in file names."""
    counts = Counter(re.findall(rf"[{P.UPPER}{P.LOWER}]+", text))
    forms: dict[str, str] = {}
    for word, _ in counts.most_common():
        forms.setdefault(P.fold(word), word)
    return forms


def _restore(token: str, words: dict[str, str]) -> str:
    """A file-name word in Swedish spelling: from the text, from the place names, else as is."""
    places = P.place_names()
    for candidate in (token, token.removesuffix("s")):
        genitive = "s" if candidate != token else ""
        if candidate in places:
            return places[candidate] + genitive
    if token in words:
        return words[token]
    return token


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- kind and title ---------------------------------------------------------------------------


def _kind(lines: list[str], head: list[str], name_tokens: list[str]) -> DetectedField:
    votes = _Votes()
    for i, line in enumerate(head[:15]):
        low = line.casefold()
        for word in sorted(P.KIND_WORDS, key=len, reverse=True):
            if low == word or re.match(rf"{re.escape(word)}\b[\s:,–-]", low):
                if word == "protokoll" and len(line) > 40:
                    continue
                kind = P.KIND_WORDS[word]
                if kind == "promemoria":
                    continue
                votes.add(kind, 3.0 - i * 0.05, line, "brevhuvud")
                break
    phrases = (
        (r"\b(detta|förvaltningens|kontorets) tjänsteutlåtande\b|^tjänsteutlåtande\b", "tjänsteutlåtande", 2.5),
        (r"\bremissen besvaras\b|\bsom (svar på remissen|remissvar)\b|\bremissvar\b", "remissvar", 1.2),
        (r"\blämna (följande|ett) yttrande\b|\bavge (följande )?yttrande\b", "yttrande", 1.5),
        (r"\b(vid protokollet|justerare|protokollet justeras|justeringens)\b|^§ ?\d+", "protokollsutdrag", 1.5),
        (r"^sammanfattning av (utredningens|betänkandets|delegationens|kommitténs)\b", "sammanfattning", 3.0),
    )
    for i, line in _scanned(lines):
        weight = 1.0 if i < 40 else 0.15
        low = line.casefold()
        for pattern, kind, w in phrases:
            if re.search(pattern, low):
                votes.add(kind, w * weight, line, "text")
    for token in name_tokens:
        for word, kind in P.KIND_WORDS.items():
            if token == P.fold(word).replace(" ", "") and kind != "promemoria":
                votes.add(kind, 1.5, "-".join(name_tokens), "filnamn")
    return votes.winner()


_TITLE_START = re.compile(
    r"^(?:remissvar|remissyttrande|yttrande|svar på remiss|remiss|tjänsteutlåtande|sammanfattning av)\b.{10,}", re.I
)


_TITLE_DASH_WRAP = re.compile(r"^[–-] [a-zåäö]")


def _whole(line: str, lines: list[str]) -> str:
    """A letterhead line with the rest of its paragraph: a PDF wraps a long subject line."""
    window = lines[: HEAD_LINES * 2]
    for i, paragraph in enumerate(window):
        at = paragraph.find(line)
        if at >= 0:
            whole = paragraph[at:]
            # A wrap just before a title's dash ("… undervisning" / "– lärares arbete (SOU 2024:12)") reads
            # like a list item of its own: a dash and a lower-case word after an unfinished line go on.
            for following in window[i + 1 : i + 3]:
                if whole.endswith((".", ":", ";")) or not _TITLE_DASH_WRAP.match(following):
                    break
                whole = f"{whole} {following}"
            return whole
    return line


def _title(head: list[str], lines: list[str]) -> DetectedField:
    head = [re.sub(r"^§ ?\d+ ", "", line) for line in head]  # "§ 8 Svar på remiss …" in minutes
    for line in head:
        if _TITLE_START.match(line) and not P.DATE_LABEL.match(line):
            return DetectedField(_whole(line, lines)[:200], line[:200], 0.8, "brevhuvud")
    for line in head[:12]:
        if (P.REPORT.search(line) or "betänkande" in line.casefold()) and 15 < len(line) < 160:
            return DetectedField(_whole(line, lines)[:200], line[:200], 0.6, "brevhuvud")
    for line in head:
        if 15 < len(line) < 120 and not line.endswith(".") and not re.search(r"\d{3}|@|tfn|telefon", line, re.I):
            return DetectedField(line, line, 0.3, "brevhuvud")
    return DetectedField()


# --- organisation -----------------------------------------------------------------------------


def _organisation_matches(line: str) -> list[tuple[str, str]]:
    if line.isupper() and len(line.split()) <= 6:  # LULEÅ KOMMUN, REGION SKÅNE: a letterhead in capitals
        line = " ".join(w if w in ("och", "i") else w.capitalize() for w in line.casefold().split())
        line = re.sub(
            r"(?<=\w) (Kommun|Stad|Universitet|Högskola|Landsting|Län)\b", lambda m: " " + m.group(1).lower(), line
        )
    found = []
    for kind, pattern in P.ORGANISATION_PATTERNS:
        for match in pattern.finditer(line):
            name = match.group(1)
            first = name.split()[0]
            if first in P.NOT_A_NAME and not name.startswith("Sveriges Kommuner"):
                continue
            if kind == "myndighet" and (P.MUNICIPAL_BODY_WORDS.match(name) or len(name) < 8):
                continue
            found.append((kind, name))
    # "Länsstyrelsen" inside "Länsstyrelsen i Hallands län" is the same name cut short, not a second one.
    found = [(k, n) for k, n in found if not any(other.startswith(n + " ") for _, other in found)]
    for abbreviation, full in P.KNOWN_ABBREVIATIONS.items():
        known = any(f[1].casefold() == full.casefold() for f in found)
        if len(line.split()) <= 8 and re.search(rf"\b{abbreviation}\b", line) and not known:
            found.append(("förbund", full))
    return found


def _organisation(
    lines: list[str], head: list[str], tail: list[str], name_tokens: list[str], words: dict[str, str]
) -> tuple[DetectedField, str]:
    votes = _Votes()
    types: dict[str, str] = {}
    for i, line in enumerate(head):
        for part in _cells(line):
            for kind, name in _organisation_matches(part):
                if _stands_alone(name, part):
                    votes.add(name, 3.0 - i * 0.03, line, "brevhuvud")
                    types.setdefault(_key(name), kind)
    for line in tail:
        for part in _cells(line):
            for kind, name in _organisation_matches(part):
                if _stands_alone(name, part):
                    votes.add(name, 2.5, line, "underskrift")
                    types.setdefault(_key(name), kind)
    speaker = _self_named_speaker(lines, head, tail)
    if speaker:
        votes.add(speaker[0], 2.0, speaker[1], speaker[2])
        types.setdefault(_key(speaker[0]), "organisation")
    mentions: Counter[str] = Counter()
    for _, line in _scanned(lines):
        for kind, name in _organisation_matches(line):
            if kind == "myndighet" and not re.search(rf"^{re.escape(name)} ({P.STANCE_VERBS})\b", line):
                continue
            key = _key(name)
            if mentions[key] < 8:
                mentions[key] += 1
                votes.add(name, 0.25, line, "text")
            types.setdefault(key, kind)
            if re.search(rf"\b(?:i|vid|inom|på),? {re.escape(name)}", line) or re.search(
                rf"\bvid [{P.UPPER}][\w ]{{1,40}}, {re.escape(name)}", line
            ):
                votes.add(name, 0.8, line, "text")
    _address_support(votes, head, tail)
    votes.fold_short_forms()
    from_name = _organisation_from_file(name_tokens, words)
    if from_name:
        name, kind = from_name
        votes.add(name, 2.0, "-".join(name_tokens), "filnamn")
        types.setdefault(_key(name), kind)
    best = votes.winner(floor=0.5)
    return best, types.get(_key(best.value), "") if best.value else ""


def _stands_alone(name: str, cell: str) -> bool:
    """A letterhead or a signature names the organisation beside at most a few words of prose: "Malmö
    stad", "Yttrande från Region Skåne", "Skolverket Box 123 106 20 Stockholm". A short line of running
    text that mentions one ("Socialtjänsten och skolan berörs särskilt av") is neither; it counts as a
    mention."""
    if len(cell.split()) > 8:  # a longer line is running text
        return False
    rest = cell.replace(name, " ", 1).split()
    return sum(1 for word in rest if word[:1].islower()) <= 3


def _cells(line: str) -> list[str]:
    """A letterhead row's cells ("Skolverket | 11 oktober 2018"), as the PDF layout joins them."""
    return [cell.strip() for cell in line.split(" | ") if cell.strip()]


def _address_support(votes: _Votes, head: list[str], tail: list[str]) -> None:
    """A postal address ('205 80 Malmö') or an e-mail domain backs the organisation of that city."""
    places = []
    for line in [*head, *tail]:
        postal = re.search(rf"\b\d{{3}} ?\d{{2}} ([{P.UPPER}][{P.LOWER}]+)", line)
        if postal:
            places.append((P.fold(postal.group(1)), line))
        for domain in re.findall(r"@([a-z0-9-]+)\.se\b", line.casefold()):
            places.append((P.fold(domain), line))
    for place, line in places:
        for key in list(votes.score):
            if len(place) >= 4 and key.startswith(place):
                votes.add(votes.best[key][1], 1.0, line, "brevhuvud", key=key)


def _self_named_speaker(lines: list[str], head: list[str], tail: list[str]) -> tuple[str, str, str] | None:
    """An organisation no pattern knows ('Vision', 'Kommunal'): the name that opens the letterhead or
    signs the letter on a line of its own, and is the subject of the document's own views."""
    subjects: Counter[str] = Counter()
    for _, line in _scanned(lines):
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            match = re.match(rf"({P.NAME}) (?:{P.STANCE_VERBS})\b", sentence)
            if match:
                subjects[match.group(1)] += 1
    for name, _ in subjects.most_common(3):
        if name in P.NOT_A_NAME or name.casefold() in _GENERIC_BODIES or P.BODY.fullmatch(name):
            continue
        for line, source in [*((h, "brevhuvud") for h in head[:6]), *((t, "underskrift") for t in tail)]:
            if line == name:
                return name, line, source
    return None


def _organisation_from_file(tokens: list[str], words: dict[str, str]) -> tuple[str, str] | None:
    """'malmo-stad-…' -> Malmö stad; 'region-jamtland-harjedalen-…' -> Region Jämtland Härjedalen."""
    stop = {P.fold(w) for kind in P.KIND_WORDS for w in kind.split()} | {"och", "remiss", "svar", "pa", "over"}
    for i, token in enumerate(tokens):
        if token in ("stad", "kommun", "universitet", "hogskola") and i > 0:
            kind = {"hogskola": "universitet"}.get(token, token)
            suffix = {"hogskola": "högskola"}.get(token, token)
            return f"{_capitalise(_restore(tokens[i - 1], words))} {suffix}", kind
        if token in ("region", "landstinget", "hogskolan", "universitetet"):
            rest = []
            for nxt in tokens[i + 1 : i + 4]:
                if nxt in stop or (nxt == "i" and rest) or any(nxt.endswith(s) for s in ("namnden", "styrelsen")):
                    break
                if nxt != "i":
                    rest.append(_capitalise(_restore(nxt, words)))
            if rest:
                head = {"hogskolan": "Högskolan i", "universitetet": "Universitetet i"}.get(token, _capitalise(token))
                kind = "universitet" if token in ("hogskolan", "universitetet") else "region"
                return f"{head} {' '.join(rest)}", kind
    return None


# --- speaking body ----------------------------------------------------------------------------


def _body_name(raw: str) -> str | None:
    """A body's name in its plain form ('socialnämndens' -> 'Socialnämnden'); None for a bare 'nämnden'."""
    name = raw.strip()
    if name.endswith("s") and name[:-1].casefold().endswith((*_BODY_SUFFIXES, "förvaltning")):
        name = name[:-1]
    if name.casefold() in _GENERIC_BODIES:
        return None
    last = name.split()[-1]
    agency = last.casefold().endswith("styrelsen") and not P.MUNICIPAL_BODY_WORDS.match(last)
    if agency and last.casefold() not in ("styrelsen", "förbundsstyrelsen", "fakultetsstyrelsen"):
        return None  # a state agency (Socialstyrelsen), not a body inside the organisation
    return _capitalise(name)


_BODY_RE = P.BODY_CORE
_UNIT_RE = P.UNIT_CORE


_PROPOSES = re.compile(rf"({_BODY_RE}) föreslår(?: att)? ({_BODY_RE}) (?:beslutar|ska besluta)")
_DECIDES = re.compile(
    rf"({_BODY_RE}) (?:beslutar|beslutade|har beslutat)(?: att)? (?:lämna|avge|anta|översända|yttra|besvara)"
)
_REFERS = re.compile(rf"({_BODY_RE}) hänvisar till (?:detta|sitt) tjänsteutlåtande")
_INVITED = re.compile(
    rf"({_BODY_RE}|{_UNIT_RE}) (?:har (?:beretts|getts|fått|inbjudits)[\w ]{{0,20}} (?:tillfälle|möjlighet)"
    rf"|har tagit del av)"
)
_BODY_SPEAKS = re.compile(rf"({_BODY_RE}) (?:{P.STANCE_VERBS})\b")
_BODY_HINT = re.compile(r"nämnd|styrelse|förvaltning|kontoret|beredning|fullmäktige|direktion", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SCAN_FIRST, SCAN_LAST = 400, 60  # a document says who speaks near its start and its end


def _scanned(lines: list[str]) -> list[tuple[int, str]]:
    """The lines whose running text is read for who speaks: the start and the end of a long document."""
    numbered = list(enumerate(lines))
    if len(numbered) <= SCAN_FIRST + SCAN_LAST:
        return numbered
    return numbered[:SCAN_FIRST] + numbered[-SCAN_LAST:]


def _body(
    lines: list[str],
    head: list[str],
    tail: list[str],
    name_tokens: list[str],
    words: dict[str, str],
    kind: str,
    organisation: DetectedField,
    org_type: str,
    text: str,
) -> DetectedField:
    votes = _Votes()
    receivers = _receivers(head)

    def vote(raw: str, weight: float, line: str, source: str, extra: str = "") -> None:
        name = _body_name(raw)
        if name and _key(name) not in receivers:
            votes.add(f"{name} ({extra})" if extra else name, weight, line, source, key=_key(name))

    for i, line in _scanned(lines):
        position = 1.0 if i < 40 else 0.4
        low = line.casefold()
        if "föreslår" in low:
            for match in _PROPOSES.finditer(line):
                vote(match.group(2), 4.0 * position, line, "text", extra=match.group(1).casefold())
        if "beslut" in low:
            for match in _DECIDES.finditer(line):
                vote(match.group(1), 3.5 * position, line, "text")
        if "hänvisar" in low:
            for match in _REFERS.finditer(line):
                vote(match.group(1), 3.5 * position, line, "text")
        if "har " in low:
            for match in _INVITED.finditer(line):
                vote(match.group(1), 2.5 * position, line, "text")
        for sentence in _SENTENCE_END.split(line):
            match = _BODY_SPEAKS.match(sentence) if _BODY_HINT.search(sentence[:80]) else None
            if match:
                vote(match.group(1), 0.3 * position, line, "text")
    for line in _letterhead(head):
        if len(line.split()) <= 6:
            match = re.fullmatch(rf"({_BODY_RE})", line)
            if match:
                vote(match.group(1), 2.0, line, "brevhuvud")
    for line in tail:
        match = re.match(rf"^(?:för|på uppdrag av) ({_BODY_RE})\b", line, re.I)
        if match:
            vote(match.group(1), 2.5, line, "underskrift")
        if P.SIGNATORY_TITLES.search(line) and len(line.split()) <= 10:
            for match in re.finditer(rf"\b(?:i|för|vid),? ({_BODY_RE})", line):
                vote(match.group(1), 2.0, line, "underskrift")
    _file_support(votes, name_tokens, words)
    if kind == "sammanfattning":
        inquiries = Counter(
            m.group(1) or m.group(2)
            for line in lines
            for m in re.finditer(
                rf"{P.INQUIRY.pattern} (?:föreslår|rekommenderar)|(?:föreslår|rekommenderar|rekommenderade) "
                rf"{P.INQUIRY.pattern}",
                line,
            )
        )
        if inquiries:
            name, count = inquiries.most_common(1)[0]
            evidence = next(
                line for line in lines if re.search(rf"{name} (?:föreslår|rekommenderar)|(?:r|s) {name}", line)
            )
            votes.add(name, 3.0 + min(count, 10) * 0.3, evidence, "text")
    unit = _university_unit(head, lines, text, organisation.value if org_type == "universitet" else "")
    if unit:
        votes.add(*unit)
    best = votes.winner(floor=0.55)
    if best.value and _key(best.value) != _key(organisation.value):
        return best
    if organisation.value:
        confidence = round(organisation.confidence * 0.8, 2)
        return DetectedField(organisation.value, organisation.evidence, confidence, "organisation")
    return best


def _letterhead(head: list[str]) -> list[str]:
    """The lines before the first running text: a body named there is the sender, not a heading."""
    out = []
    for line in head[:15]:
        if len(line.split()) > 12:
            break
        out.append(line)
    return out


def _is_label(line: str) -> bool:
    """A kind word, a label, a date or a case number: a letterhead line that names no one."""
    low = line.casefold()
    if any(low == word or low.startswith(word + " ") for word in P.KIND_WORDS):
        return True
    return bool(P.DATE_LABEL.match(line) or P.REF_LABEL.match(line) or _dates_in(line) or re.search(r"\d", line))


def _receivers(head: list[str]) -> set[str]:
    """Bodies the document is addressed to ('Till Kommunstyrelsen'): they do not speak in it."""
    found = set()
    for i, line in enumerate(head):
        match = re.match(r"^(?:till|adressat|mottagare)[:\s]*(.*)$", line, re.I)
        if match:
            target = match.group(1) or (head[i + 1] if i + 1 < len(head) else "")
            found.add(_key(target))
    return found


def _file_support(votes: _Votes, name_tokens: list[str], words: dict[str, str]) -> None:
    """A body named in the file name ('…-socialforvaltningen-…') backs the same body in the text."""
    joined = "".join(name_tokens)
    for key in list(votes.score):
        if len(key) > 6 and key in joined:
            _weight, value, _evidence, _source = votes.best[key]
            votes.add(value, 1.5, "-".join(name_tokens), "filnamn", key=key)


def _with_abbreviation(name: str, text: str) -> str:
    """'Centrum för kommunstrategiska studier (CKS)' when the text gives the abbreviation."""
    abbreviation = re.search(rf"{re.escape(name)}\s*\(([{P.UPPER}]{{2,8}})\)", text)
    return f"{name} ({abbreviation.group(1)})" if abbreviation else name


def _university_unit(
    head: list[str], lines: list[str], text: str, university: str
) -> tuple[str, float, str, str] | None:
    """A centre, institution or faculty in the letterhead: the body inside a university."""
    if university and university in head[:6]:
        after = head[head.index(university) + 1] if head.index(university) + 1 < len(head) else ""
        plain = re.fullmatch(rf"[{P.UPPER}][{P.LOWER}]+(?:[ -]{P.UNIT_WORD}){{0,6}}", after)
        if plain and len(after.split()) <= 8 and not _is_label(after):
            return _with_abbreviation(after, text), 2.5, after, "brevhuvud"
    for line in head[:12]:
        match = P.UNIVERSITY_UNIT.search(line)
        if match and len(line.split()) <= 12:
            return _with_abbreviation(match.group(1).strip(), text), 3.0, line, "brevhuvud"
    for _, line in _scanned(lines):
        match = re.search(
            rf"(?:avlämnar|lämnar|överlämnar|avger) ({_UNIT_RE}(?: \([{P.UPPER}]{{2,8}}\))?) (?:sitt|följande|härmed)",
            line,
        )
        if match:
            return match.group(1), 3.0, line, "text"
    return None


# --- date, reference, reports -----------------------------------------------------------------


def _dates_in(line: str) -> list[str]:
    found = []
    for match in P.ISO_DATE.finditer(line):
        year, month, day = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.append(f"{year:04d}-{month:02d}-{day:02d}")
    for match in P.LONG_DATE.finditer(line):
        month_word = match.group(2).casefold().rstrip(".")
        month = next((n for w, n in P.MONTHS.items() if w.startswith(month_word[:3])), 0)
        day = int(match.group(1))
        if month and 1 <= day <= 31:
            found.append(f"{int(match.group(3)):04d}-{month:02d}-{day:02d}")
    return found


def _date(lines: list[str], head: list[str], tail: list[str]) -> DetectedField:
    votes = _Votes()
    for i, line in enumerate(head):
        if P.DATE_LABEL.match(line):
            rest = P.DATE_LABEL.sub("", line)
            found = _dates_in(rest) or (_dates_in(head[i + 1]) if i + 1 < len(head) else [])
            for date in found[:1]:
                votes.add(date, 4.0, line if rest else f"{line} {head[i + 1]}", "brevhuvud")
        elif _standalone_date(line):
            for date in _dates_in(line)[:1]:
                votes.add(date, 3.0 - i * 0.05, line, "brevhuvud")
    for line in tail:
        if _standalone_date(line):
            for date in _dates_in(line)[:1]:
                votes.add(date, 2.5, line, "underskrift")
    for _, line in _scanned(lines):
        if "den " in line and _standalone_date(line) and re.search(r"\bden \d", line):
            for date in _dates_in(line)[:1]:
                votes.add(date, 1.5, line, "text")
    return votes.winner()


def _standalone_date(line: str) -> bool:
    """'2018-10-25', 'Stockholm den 25 oktober 2018', 'Datum: …': a date line, not a date in a sentence."""
    if not _dates_in(line) or P.NOT_OWN_DATE.search(line):
        return False
    rest = P.ISO_DATE.sub("", P.LONG_DATE.sub("", line))
    rest = re.sub(r"\b(den|datum|dag)\b|[,:.]", " ", rest, flags=re.I)
    return len(rest.split()) <= 3 and not re.search(r"\b(är|har|ska|var|blev|och)\b", rest)


def _reference(head: list[str], lines: list[str]) -> DetectedField:
    primary = DetectedField()
    theirs = ""
    for i, line in enumerate(head):
        for label, is_theirs in ((P.THEIR_REF_LABEL, True), (P.REF_LABEL, False)):
            match = label.match(line)
            if not match:
                inner = re.search(r"\((?:dnr|diarienummer)[\s.:]*([^)]+)\)", line, re.I)
                if inner and not is_theirs and not primary.value:
                    primary = DetectedField(_tidy_ref(inner.group(1)), line, 0.9, "brevhuvud")
                continue
            rest = line[match.end() :].strip() or (head[i + 1] if i + 1 < len(head) else "")
            value = _ref_value(rest)
            if value and is_theirs:
                theirs = theirs or value
            elif value and not primary.value:
                evidence = line if line[match.end() :].strip() else f"{line} {rest}"
                primary = DetectedField(value, evidence, 0.92, "brevhuvud")
            break
    if not primary.value:
        for line in head:
            if P.STANDALONE_REF.match(line) and not _dates_in(line) and not re.fullmatch(r"[\d\s/-]+", line):
                primary = DetectedField(_tidy_ref(line), line, 0.7, "brevhuvud")
                break
    if not primary.value:
        for _, line in _scanned(lines):
            match = re.search(r"(?<!ert )(?<!er )\b(?:dnr|diarienummer)[\s.:]+(\S[^,;)]{2,30})", line, re.I)
            if match and _ref_value(match.group(1)):
                primary = DetectedField(_ref_value(match.group(1)), line, 0.5, "text")
                break
    if not primary.value:
        return primary
    if not theirs:
        for line in head[:15]:
            for match in P.INLINE_REF.finditer(line):
                if _key(match.group(0)) != _key(primary.value) and match.group(0) not in primary.value:
                    theirs = match.group(0)
                    break
            if theirs:
                break
    value = f"{primary.value} ({theirs})" if theirs and theirs not in primary.value else primary.value
    return DetectedField(value, primary.evidence, primary.confidence, primary.source)


def _ref_value(text: str) -> str:
    text = text.strip()
    match = P.REF_VALUE.match(text)
    if not match or not re.search(r"\d", match.group(0)) or _dates_in(match.group(0)):
        return ""
    value = match.group(0).strip(" .,")
    if len(value) < 3 or re.fullmatch(r"\d{1,2}", value):
        return ""
    return _tidy_ref(value)


def _tidy_ref(value: str) -> str:
    value = value.strip(" .,;")
    match = re.match(r"^([A-Z]{2})(\d{4}/)", value)
    if match and match.group(1) in P.DEPARTMENT_PREFIX:
        value = P.DEPARTMENT_PREFIX[match.group(1)] + value[2:]
    return value


def _concerns(head: list[str], text: str) -> DetectedField:
    def reports(chunk: str) -> list[str]:
        found = [f"{m.group(1)} {m.group(2)}:{m.group(3)}" for m in P.REPORT.finditer(chunk)]
        return list(dict.fromkeys(found))

    for line in head:
        found = reports(line)
        if found:
            return DetectedField("; ".join(found), line[:200], 0.85, "brevhuvud")
    for line in head:
        bare = P.BARE_REPORT.findall(line)
        if bare and re.search(r"betänkande|utredning", line, re.I):
            return DetectedField("; ".join(f"SOU {y}:{n}" for y, n in bare), line[:200], 0.6, "brevhuvud")
    counts = Counter(f"{m.group(1)} {m.group(2)}:{m.group(3)}" for m in P.REPORT.finditer(text))
    if counts:
        top = counts.most_common(1)[0][1]
        keep = [r for r, c in counts.items() if c * 2 >= top]
        return DetectedField("; ".join(keep), "", 0.4, "text")
    return DetectedField()
