"""Swedish public-sector wording that metadata detection reads: organisation and body names,
dates, case numbers, document kinds. Generic rules on how such documents are written, so the
same patterns serve the next inquiry's files."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

UPPER = "A-ZÅÄÖÉÜ"
LOWER = "a-zåäöéüß"
WORD = rf"[{UPPER}][{LOWER}]+(?!- )"  # "Hälso- och …" is not a name, "Spånga-Tensta" is
# A lower-case word that continues a unit's or agency's name ("för socialt arbete"), not a verb after it.
UNIT_WORD = r"(?!(?:vid|har|är|som|anser|menar|ser|vill|lämnar|delar|inom|på|med|till|samt)\b)[a-zåäöéü]+\b"
# A letterhead's field labels, which follow a name on its line ("Region Skåne   Dnr RS 2018/515").
FIELD_LABEL = r"(?:Dnr|Diarienr|Diarienummer|Datum|Sida|Tel|Telefon|Beteckning|Handläggare|Referens)\b"
# A proper name of one to three capitalised words ("Malmö", "Jämtland Härjedalen", "Upplands Väsby").
NAME = rf"{WORD}(?:[ -](?!{FIELD_LABEL}){WORD}){{0,2}}"

MONTHS = {
    "januari": 1,
    "februari": 2,
    "mars": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "augusti": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
_MONTH_ALT = "|".join(sorted({*MONTHS, *(m[:3] for m in MONTHS), "sept"}, key=len, reverse=True))
ISO_DATE = re.compile(r"(?<![\d/-])((?:19|20)\d\d)[-.](\d\d)[-.](\d\d)(?![\d/])")
LONG_DATE = re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH_ALT})\.?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
DATE_LABEL = re.compile(
    r"^(?:datum|beslutsdatum|sammanträdesdatum|sammanträde|daterad|dag för beslut|utfärdat)\b[\s:]*", re.I
)
# A date in running text that is not the document's own: a deadline or another paper's date.
NOT_OWN_DATE = re.compile(
    r"remisstid|senast|tillhanda|svar(et)? ska|daterat|inkom|beslutade|tillsatte|sedan|från och med|fr\.o\.m|"
    r"till och med|t\.o\.m|ikraftträd|träda i kraft|direktiv|sammanträdet den",
    re.I,
)

REF_LABEL = re.compile(
    r"^(?:vårt\s+)?(?:dnr|dnr\.|diarienummer|diarienr\.?|diarie-?nummer|ärendenummer|ärendenr\.?|"
    r"vår beteckning|beteckning|vår referens|registreringsnummer)\b[\s.:#]*",
    re.I,
)
THEIR_REF_LABEL = re.compile(r"^(?:ert\s+dnr|er\s+beteckning|er\s+referens|ert\s+diarienummer)\b[\s.:]*", re.I)
# A case number: letters, a year and a running number in any order, with / - or space between.
REF_VALUE = re.compile(
    rf"(?:[{UPPER}]{{1,6}} )?(?:[{UPPER}][{UPPER}{LOWER}]{{0,5}}[ -]?)?\d+(?:[/.:-]\d+)*(?:[/-][{UPPER}{LOWER}0-9.]+)*"
    rf"|[{UPPER}]{{1,6}}[/-]\d+(?:[/:-][\w.]+)+"  # KS/2023:599, KS-2023-599
)
STANDALONE_REF = re.compile(
    rf"^(?:[{UPPER}][{UPPER}{LOWER}]{{0,4}}[ /-]?)?(?:\d{{1,6}}[/-]\d{{1,6}}|\d{{4}}[/-]\d+)(?:[/-][\w.]+)*$"
)
INLINE_REF = re.compile(rf"\b[{UPPER}]{{2,6}}-\d{{4}}-\d{{1,6}}\b")
# Regeringskansliet's department prefixes, written in capitals in some letterheads (FI2018/… → Fi2018/…).
DEPARTMENT_PREFIX = {"FI": "Fi", "JU": "Ju", "KU": "Ku", "UD": "UD", "SB": "SB", "IJ": "I", "SO": "S"}

REPORT = re.compile(r"\b(SOU|Ds)\s*(\d{4})\s*[:\s]\s*(\d{1,3})\b")
BARE_REPORT = re.compile(r"\((\d{4}):(\d{1,3})\)")

KIND_WORDS = {
    "remissvar": "remissvar",
    "remissyttrande": "remissvar",
    "svar på remiss": "remissvar",
    "remissvaret": "remissvar",
    "yttrande": "yttrande",
    "tjänsteutlåtande": "tjänsteutlåtande",
    "protokollsutdrag": "protokollsutdrag",
    "utdrag ur protokoll": "protokollsutdrag",
    "protokollsutdrag från": "protokollsutdrag",
    "utdrag ur sammanträdesprotokoll": "protokollsutdrag",
    "protokoll": "protokollsutdrag",
    "sammanfattning av": "sammanfattning",
    "betänkande": "betänkande",
    "promemoria": "promemoria",
    "skrivelse": "skrivelse",
}

# Organisations, by type: (kind, pattern); group 1 is the name to keep.
ORGANISATION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("stad", re.compile(rf"\b({NAME} stad)\b")),
    ("kommun", re.compile(rf"\b({NAME} kommun)\b")),
    ("region", re.compile(rf"\b(Region {NAME}(?: län)?)\b")),
    ("region", re.compile(rf"\b({NAME}regionen)\b")),
    ("region", re.compile(rf"\b(Landstinget (?:i )?{NAME}|{NAME} läns landsting)\b")),
    ("universitet", re.compile(rf"\b({NAME} (?:universitet|högskola)|(?:Universitetet|Högskolan) i {NAME})\b")),
    ("universitet", re.compile(r"\b(Karolinska institutet|Kungliga Tekniska högskolan|Sveriges lantbruksuniversitet)")),
    ("förbund", re.compile(r"\b(Sveriges [Kk]ommuner och (?:[Rr]egioner|[Ll]andsting))\b")),
    ("förbund", re.compile(rf"\b((?:{WORD} )?{WORD}förbundet(?: [{UPPER}]{{2,5}}\b)?|Fackförbundet [{UPPER}]\w+)")),
    ("förbund", re.compile(rf"\b((?:Svenska|Sveriges) {WORD}(?: och {WORD})?(?:förening|förbund|råd))\b")),
    ("myndighet", re.compile(rf"\b(Länsstyrelsen i {NAME} län)\b")),
    # An agency named by an adjective and a noun on a line of its own: "Brottsförebyggande rådet". The noun
    # stands alone: "Föredragande borgarrådet" is a person.
    ("myndighet", re.compile(rf"^({WORD}[ae] (?:rådet|verket|myndigheten|inspektionen|institutet|ombudsmannen))\b")),
    (
        "myndighet",
        re.compile(
            rf"\b([{UPPER}][{LOWER}]+(?:verket|myndigheten|inspektionen|styrelsen|kammaren|kollegiet|institutet|"
            rf"ombudsmannen|kassan|förmedlingen|kontoret|rådet|banken|tjänsten))\b"
        ),
    ),
    (
        "myndighet",
        re.compile(
            rf"\b((?:Myndigheten|Inspektionen|Statens|Rådet|Nämnden) för [{LOWER}]+"
            rf"(?:-? {UNIT_WORD}){{0,6}}"
            rf"|Statens {WORD})\b"
        ),
    ),
)
# Abbreviations of organisation names that are organisations in their own right.
KNOWN_ABBREVIATIONS = {"SKL": "Sveriges Kommuner och Landsting", "SKR": "Sveriges Kommuner och Regioner"}
# Words that end like a state agency but name a body inside a municipality or region.
MUNICIPAL_BODY_WORDS = re.compile(
    r"^(?:kommun|region|landstings|stads|borgarråds|förvaltnings|distrikts|lednings|kommunlednings|"
    r"stadslednings|regionlednings|stadsdels|service|kansli)",
    re.I,
)
NOT_A_NAME = frozenset(
    "Den Det En Ett Varje Denna Detta Vår Vårt Hela Samma Egen Annan Sådan Någon Ingen Alla Om För Med Att "
    "Som Och Till Från Inom Mellan Under Hos Vid Var Vilken Respektive Berörd Aktuell Enskild Större Mindre "
    "Ny Nya Liten Stor Sveriges Övriga Kommunen Staden".split()
)

BODY_CORE = (
    rf"(?:(?:[{UPPER}{LOWER}]+- och |[{UPPER}{LOWER}]+-, )?[{UPPER}{LOWER}]*"
    rf"(?:nämnden|styrelsen|förvaltningen|kontoret|beredningen|fullmäktige|direktionen|"
    rf"nämnd|förvaltning)(?:s)?|{NAME} (?:stadsdelsnämnd|stadsdelsförvaltning|stadsdelsnämnden|"
    rf"stadsdelsförvaltningen|kommundelsnämnd))"
)
BODY = re.compile(rf"\b({BODY_CORE})\b")
UNIT_CORE = (
    rf"(?:(?:Centrum|Centret|Institutionen|Institutet|Enheten|Avdelningen|Sektionen|Forskningscentrum|"
    rf"Nationellt centrum|Nationella sekretariatet) för [{LOWER}]+(?:-? {UNIT_WORD}){{0,6}}"
    rf"|[{UPPER}][{LOWER}]+ (?:fakultet(?:en|snämnden)?|institutionen)|{WORD}fakulteten|Juridiska fakultetsnämnden)"
)
UNIVERSITY_UNIT = re.compile(rf"\b({UNIT_CORE})")
INQUIRY = re.compile(rf"\b([{UPPER}][{LOWER}]+(?:delegationen|utredningen|kommittén|kommissionen))\b")

# What a body says, at the start of a sentence: it is the one speaking.
STANCE_VERBS = (
    r"anser|menar|instämmer|tillstyrker|avstyrker|välkomnar|ser positivt|ser positiv|är positiv|är positiva|"
    r"är kritisk|delar|stödjer|stöder|konstaterar|bedömer|vill|föreslår|rekommenderar|understryker|"
    r"framhåller|har inget att invända|har inga synpunkter|lämnar|hänvisar"
)

SIGNATORY_TITLES = re.compile(
    r"\b(ordförande|vice ordförande|förvaltningschef|förvaltningsdirektör|stadsdirektör|kommundirektör|"
    r"regiondirektör|generaldirektör|överdirektör|rektor|prorektor|dekan|föreståndare|direktör|chef|"
    r"avdelningschef|enhetschef|kanslichef|sekreterare|handläggare|utredare|förbundsordförande|"
    r"förbundsdirektör|kommunstyrelsens ordförande|borgarråd|kommunalråd|regionråd|jurist|docent|professor)\b",
    re.I,
)


def fold(text: str) -> str:
    """ASCII-ish form for comparing a file name with the text: å, ä → a, ö → o, accents off."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def place_names() -> dict[str, str]:
    """Folded form -> Swedish spelling, for places whose names need å, ä or ö."""
    path = Path(__file__).with_name("places_sv.txt")
    names: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names[fold(line)] = line
    return names
