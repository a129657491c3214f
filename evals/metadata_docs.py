"""Generated remissvar with known metadata: letterheads, dates, Dnr lines and signatures in
varied styles, as .txt, real PDF (fpdf2) and DOCX (python-docx), each with its truth.

Three families of templates, each with its own pool of names: `dev` (for tuning the rules in
ingest/metadata.py), `report` (written before tuning; measured once held out, then its errors
were used for tuning too), `fresh` (written after that, before the further tuning; measured once,
then three of its failures were fixed) and `final` (written after all tuning; not tuned on).
Deterministic for a seed."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()
PEOPLE = (
    "Anna Lindqvist, Erik Johansson, Maria Nilsson, Johan Berg, Sara Holm, Per Ekström, Karin Åberg, "
    "Lars Öberg, Eva Sandberg, Mikael Strand, Lena Håkansson, Oskar Wallin, Ingrid Dahl, Ali Hassan, "
    "Sofia Lund, Henrik Björk"
).split(", ")
REPORTS = (
    ("SOU 2023:41", "Ett starkare skydd för barn i samhällets vård"),
    ("SOU 2022:38", "En sammanhållen god och nära vård för barn och unga"),
    ("SOU 2024:12", "Tid för undervisning – lärares arbete"),
    ("Ds 2023:7", "Ändrade regler om statsbidrag till kommuner"),
    ("SOU 2021:59", "En ny mottagningsstruktur för nyanlända"),
    ("SOU 2023:9", "Hållbar socialtjänst – en ny socialtjänstlag"),
)


@dataclass
class Truth:
    file: str
    organisation: str
    body: str
    kind: str
    date: str
    reference: str
    title: str
    concerns: list[str] = field(default_factory=list)
    template: str = ""


@dataclass
class Org:
    name: str
    type: str
    body: str  # the body that speaks ("" = the organisation itself)
    short: str  # how the prose refers to the speaker
    place: str
    abbreviation: str = ""


DEV_ORGS = (
    Org("Umeå kommun", "kommun", "Socialnämnden", "Nämnden", "Umeå"),
    Org("Lunds kommun", "kommun", "Barn- och skolnämnden", "Nämnden", "Lund"),
    Org("Västerås stad", "stad", "Vård- och omsorgsnämnden", "Nämnden", "Västerås"),
    Org("Göteborgs stad", "stad", "Kommunstyrelsen", "Kommunstyrelsen", "Göteborg"),
    Org("Växjö kommun", "kommun", "Utbildningsförvaltningen", "Förvaltningen", "Växjö"),
    Org("Region Skåne", "region", "Regionstyrelsen", "Regionstyrelsen", "Malmö"),
    Org("Region Östergötland", "region", "Regionledningskontoret", "Kontoret", "Linköping"),
    Org("Socialstyrelsen", "myndighet", "", "Socialstyrelsen", "Stockholm"),
    Org("Skolverket", "myndighet", "", "Skolverket", "Stockholm"),
    Org("Myndigheten för vård- och omsorgsanalys", "myndighet", "", "Myndigheten", "Stockholm"),
    Org("Försäkringskassan", "myndighet", "", "Försäkringskassan", "Stockholm"),
    Org("Uppsala universitet", "universitet", "Juridiska fakultetsnämnden", "Fakultetsnämnden", "Uppsala"),
    Org("Göteborgs universitet", "universitet", "Institutionen för socialt arbete", "Institutionen", "Göteborg"),
    Org("Umeå universitet", "universitet", "Centrum för regionalvetenskap", "CERUM", "Umeå", "CERUM"),
    Org("Sveriges Kommuner och Regioner", "förbund", "", "SKR", "Stockholm", "SKR"),
    Org("Vårdförbundet", "förbund", "", "Vårdförbundet", "Stockholm"),
    Org("Akademikerförbundet SSR", "förbund", "", "Förbundet", "Stockholm"),
)
REPORT_ORGS = (
    Org("Örebro kommun", "kommun", "Socialnämnden", "Nämnden", "Örebro"),
    Org("Luleå kommun", "kommun", "Kommunstyrelsen", "Kommunstyrelsen", "Luleå"),
    Org("Helsingborgs stad", "stad", "Skol- och fritidsnämnden", "Nämnden", "Helsingborg"),
    Org("Norrköpings kommun", "kommun", "Vård- och omsorgskontoret", "Kontoret", "Norrköping"),
    Org("Stockholms stad", "stad", "Skärholmens stadsdelsnämnd", "Stadsdelsnämnden", "Stockholm"),
    Org("Region Dalarna", "region", "Hälso- och sjukvårdsnämnden", "Nämnden", "Falun"),
    Org("Västra Götalandsregionen", "region", "Regionstyrelsen", "Regionstyrelsen", "Vänersborg"),
    Org("Region Jönköpings län", "region", "Regionstyrelsen", "Regionstyrelsen", "Jönköping"),
    Org("Ekonomistyrningsverket", "myndighet", "", "ESV", "Stockholm", "ESV"),
    Org("Skolinspektionen", "myndighet", "", "Skolinspektionen", "Stockholm"),
    Org("Inspektionen för vård och omsorg", "myndighet", "", "IVO", "Stockholm", "IVO"),
    Org("Tillväxtverket", "myndighet", "", "Tillväxtverket", "Stockholm"),
    Org("Lunds universitet", "universitet", "Socialhögskolan", "Socialhögskolan", "Lund"),
    Org("Högskolan i Gävle", "universitet", "", "Högskolan", "Gävle"),
    Org(
        "Linköpings universitet",
        "universitet",
        "Institutionen för ekonomisk och industriell utveckling",
        "Institutionen",
        "Linköping",
    ),
    Org("Fackförbundet ST", "förbund", "", "ST", "Stockholm"),
    Org("Lärarförbundet", "förbund", "", "Lärarförbundet", "Stockholm"),
    Org("Vision", "förbund", "", "Vision", "Stockholm"),
)

PROSE = (
    "{S} anser att utredningens analys i huvudsak är väl underbyggd och delar bedömningen att {topic}.",
    "{S} tillstyrker förslaget om {topic}, men vill understryka att genomförandet kräver resurser.",
    "{S} ser positivt på att utredningen lyfter fram {topic}. Samtidigt saknas en konsekvensanalys för små "
    "verksamheter.",
    "Socialstyrelsen har i tidigare rapporter pekat på samma problem, och {S} instämmer i den beskrivningen.",
    "Regeringen beslutade den 3 maj 2022 att tillsätta utredningen. Remisstiden går ut den 30 september 2024.",
    "{S} avstyrker förslaget om {topic} i dess nuvarande form och föreslår att frågan utreds vidare.",
    "Sveriges Kommuner och Regioner (SKR) har framfört liknande synpunkter i andra sammanhang.",
    "Enligt {S} bör staten i större utsträckning använda generella statsbidrag i stället för riktade.",
    "{S} konstaterar att förslagen påverkar både kommuner och regioner och att samverkan behöver stärkas.",
)
TOPICS = (
    "tillitsbaserad styrning",
    "ett gemensamt kunskapsstöd",
    "en lärande tillsyn",
    "tydligare ansvarsfördelning",
    "färre detaljerade mål",
    "ökad digitalisering",
)


def _person(rng: random.Random) -> str:
    return rng.choice(PEOPLE)


def _date(rng: random.Random) -> tuple[str, int, int, int]:
    year, month, day = rng.choice((2022, 2023, 2024)), rng.randint(1, 12), rng.randint(1, 28)
    return f"{year:04d}-{month:02d}-{day:02d}", year, month, day


def _long(year: int, month: int, day: int) -> str:
    return f"{day} {MONTHS[month - 1]} {year}"


def _reports(rng: random.Random) -> list[tuple[str, str]]:
    return rng.sample(REPORTS, rng.choice((1, 1, 2)))


def _subject(reports: list[tuple[str, str]]) -> str:
    return " och ".join(f"{title} ({number})" for number, title in reports)


def _prose(rng: random.Random, speaker: str, n: int) -> list[str]:
    out = []
    for template in rng.sample(PROSE, n):
        text = template.format(S=speaker, topic=rng.choice(TOPICS))
        out.append(text[0].upper() + text[1:])
    return out


def _body_or_org(org: Org) -> str:
    return org.body or org.name


def _speaker(org: Org) -> str:
    return org.short


# --- dev templates ----------------------------------------------------------------------------


def dev_nämnd_yttrande(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"{rng.choice(['SN', 'KS', 'BSN', 'VON'])} {y}/{rng.randint(10, 999)}"
    reports = _reports(rng)
    title = f"Yttrande över {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, body, "", f"Datum: {iso}", f"Dnr: {ref}", "", title, ""]
    lines += [f"{body} beslutar att lämna följande yttrande.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", org.name, body, "", _person(rng), "Ordförande", "", _person(rng), "Sekreterare"]
    return lines, dict(kind="yttrande", date=iso, reference=ref, title=title, body=body, reports=reports)


def dev_myndighet_remissvar(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"{rng.randint(1, 9)}.{rng.randint(1, 9)}-{rng.randint(1000, 99999)}/{y}"
    reports = _reports(rng)
    title = f"Svar på remiss av {_subject(reports)}"
    lines = [org.name, "Remissvar", _long(y, m, d), f"Diarienummer: {ref}", "", "Till Socialdepartementet", ""]
    lines += [title, "", f"{org.name} har beretts tillfälle att yttra sig över betänkandet.", ""]
    lines += _prose(rng, _speaker(org), 4)
    boss = _person(rng)
    lines += ["", f"Beslut i detta ärende har fattats av generaldirektören {boss}.", "", boss, "Generaldirektör"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


def dev_universitet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"UFV {y}/{rng.randint(100, 2999)}"
    reports = _reports(rng)
    title = f"Remissyttrande avseende {_subject(reports)}"
    unit = org.body
    named = f"{unit} ({org.abbreviation})" if org.abbreviation else unit
    lines = [org.name, unit, "", title, f"Dnr {ref}", ""]
    lines += [f"{named} vid {org.name} har fått möjlighet att yttra sig över betänkandet.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", f"{org.place} den {_long(y, m, d)}", "", _person(rng), f"Föreståndare, {unit}"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=named, reports=reports)


def dev_tjänsteutlåtande(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"RS {y}-{rng.randint(10, 999):04d}"
    reports = _reports(rng)
    title = f"Svar på remiss – {_subject(reports)}"
    body = org.body
    board = "Regionstyrelsen" if org.type == "region" else "Kommunstyrelsen"
    lines = ["Tjänsteutlåtande", org.name, body, f"Datum {iso}", f"Diarienr {ref}", "", title, ""]
    lines += ["Förslag till beslut", f"{board} godkänner förvaltningens tjänsteutlåtande som svar på remissen.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", f"{body} hänvisar till detta tjänsteutlåtande som svar på remissen.", ""]
    lines += [_person(rng), "Förvaltningschef"]
    return lines, dict(kind="tjänsteutlåtande", date=iso, reference=ref, title=title, body=body, reports=reports)


def dev_förbund(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"{y}/{rng.randint(1, 300):03d}"
    reports = _reports(rng)
    title = f"Remissvar: {_subject(reports)}"
    named = f"{org.name} ({org.abbreviation})" if org.abbreviation else org.name
    lines = [org.name, iso, f"Vår referens: {ref}", "", title, "", f"{named} har tagit del av betänkandet.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", "Med vänlig hälsning", org.name, "", _person(rng), "Förbundsordförande"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


def dev_protokollsutdrag(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"{rng.randint(1, 9)}.{rng.randint(1, 9)}-{rng.randint(10, 999)}/{y}"
    reports = _reports(rng)
    title = f"Remiss av {_subject(reports)}"
    body = _body_or_org(org)
    lines = ["Protokollsutdrag", org.name, body, f"Sammanträdesdatum {iso}", "", f"§ {rng.randint(1, 140)}"]
    lines += [f"Dnr {ref}", "", title, "", "Beslut", f"{body} beslutar att översända yttrandet till regeringen.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", "Vid protokollet", _person(rng), "Justerare", _person(rng)]
    return lines, dict(kind="protokollsutdrag", date=iso, reference=ref, title=title, body=body, reports=reports)


# --- report templates (held out) ------------------------------------------------------------------


def rep_kommun_caps(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"KS {y}/{rng.randint(100, 999)}"
    reports = _reports(rng)
    title = f"Remissvar avseende {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name.upper(), body, "", "REMISSVAR", f"{org.place} {iso}", f"Vårt dnr {ref}", "", title, ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += [
        "",
        f"För {body}",
        "",
        _person(rng),
        "Kommunstyrelsens ordförande" if "styrelsen" in body else "Ordförande",
    ]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=body, reports=reports)


def rep_myndighet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"{rng.randint(1, 9)}.{rng.randint(1, 9)}-{rng.randint(1000, 9999)}/{y}"
    reports = _reports(rng)
    title = f"{_subject(reports)}"
    lines = ["Remissvar", org.name, "Datum", iso, "Dnr", ref, "", "Till: Finansdepartementet"]
    lines += [f"Ert dnr: Fi{y}/0{rng.randint(1000, 9999)}", "", title, "", "Sammanfattning"]
    lines += [f"{org.name} ställer sig i huvudsak positiv till förslagen.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += [
        "",
        f"I detta ärende har generaldirektör {_person(rng)} beslutat. Föredragande har varit utredaren {_person(rng)}.",
    ]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


def rep_region_yttrande(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"HSN {y}-0{rng.randint(100, 999)}"
    reports = _reports(rng)
    title = f"Yttrande över remiss: {_subject(reports)}"
    body = _body_or_org(org)
    lines = ["Yttrande", f"den {_long(y, m, d)}", org.name, body, f"Diarienummer: {ref}", "", title, ""]
    lines += [f"{body} har fått möjlighet att yttra sig över rubricerade betänkande.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", f"För {body}", "", _person(rng), "ordförande"]
    return lines, dict(kind="yttrande", date=iso, reference=ref, title=title, body=body, reports=reports)


def rep_högskola(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"{rng.choice(['HIG', 'LU', 'LiU'])}-{y}-{rng.randint(100, 999)}"
    reports = _reports(rng)
    title = f"Svar på remiss om {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, body if org.body else "", "Remissvar", f"{_long(y, m, d)}", f"Dnr {ref}", "", title, ""]
    lines += [f"{org.name} har ombetts att yttra sig över betänkandet och lämnar följande synpunkter.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", _person(rng), "Rektor" if not org.body else "Prefekt"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=body, reports=reports)


def rep_förbund(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"{y % 100}/{rng.randint(1, 999):04d}"
    reports = _reports(rng)
    title = f"Remissvar avseende {_subject(reports)}"
    lines = [org.name, "", f"{org.place} {iso}", f"Vår beteckning: {ref}", "", title, ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", org.name, "", _person(rng), "förbundsordförande", "", _person(rng), "utredare"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


def rep_förvaltning_tu(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _m, _d = _date(rng)
    ref = f"UN {y}/{rng.randint(10, 99)}"
    reports = _reports(rng)
    title = f"Svar på remiss: {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, body, "Tjänsteutlåtande", f"Datum: {iso}", f"Dnr: {ref}", f"Handläggare: {_person(rng)}"]
    lines += ["", title, "", "Förvaltningens förslag till beslut"]
    lines += ["Nämnden godkänner förvaltningens tjänsteutlåtande som svar på remissen.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", _person(rng), "Förvaltningschef"]
    return lines, dict(kind="tjänsteutlåtande", date=iso, reference=ref, title=title, body=body, reports=reports)


# --- fresh templates: written after the report set was measured once, before any further tuning --


FRESH_ORGS = (
    Org("Uppsala kommun", "kommun", "Omsorgsnämnden", "Nämnden", "Uppsala"),
    Org("Jönköpings kommun", "kommun", "Socialnämnden", "Socialnämnden", "Jönköping"),
    Org("Gävle kommun", "kommun", "Kommunstyrelsen", "Kommunstyrelsen", "Gävle"),
    Org("Karlstads kommun", "kommun", "Teknik- och fastighetsnämnden", "Nämnden", "Karlstad"),
    Org("Stockholms stad", "stad", "Spånga-Tensta stadsdelsnämnd", "Stadsdelsnämnden", "Stockholm"),
    Org("Region Uppsala", "region", "Regionstyrelsen", "Regionstyrelsen", "Uppsala"),
    Org("Region Norrbotten", "region", "Regionstyrelsen", "Regionen", "Luleå"),
    Org("Region Kronoberg", "region", "Regionstyrelsen", "Regionstyrelsen", "Växjö"),
    Org("Boverket", "myndighet", "", "Boverket", "Karlskrona"),
    Org("Folkhälsomyndigheten", "myndighet", "", "Folkhälsomyndigheten", "Solna"),
    Org("Kammarkollegiet", "myndighet", "", "Kammarkollegiet", "Stockholm"),
    Org("Kriminalvården", "myndighet", "", "Kriminalvården", "Norrköping"),
    Org("Stockholms universitet", "universitet", "Samhällsvetenskapliga fakulteten", "Fakulteten", "Stockholm"),
    Org("Örebro universitet", "universitet", "Juridiska institutionen", "Institutionen", "Örebro"),
    Org("Malmö universitet", "universitet", "", "Universitetet", "Malmö"),
    Org("Kommunal", "förbund", "", "Kommunal", "Stockholm"),
    Org("Sveriges Kommuner och Regioner", "förbund", "", "SKR", "Stockholm", "SKR"),
    Org("Akavia", "förbund", "", "Akavia", "Stockholm"),
)


def fresh_stad_two_labels(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"{y}/{rng.randint(1, 9999):05d}"
    reports = _reports(rng)
    title = f"Svar på remiss av {_subject(reports)}"
    body = _body_or_org(org)
    lines = ["Remissvar", org.name, body, "", f"Datum {iso}    Diarienummer {ref}", "", title, ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", _person(rng), f"Ordförande, {body}"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=body, reports=reports)


def fresh_myndighet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"{rng.randint(1, 9)}{rng.randint(0, 9)}-{rng.randint(100, 9999)}/{y}"
    reports = _reports(rng)
    title = f"Remiss av betänkandet {_subject(reports)}"
    lines = ["Remissvar", "", iso, f"Dnr {ref}", "", org.name, "", title, ""]
    lines += [f"{org.name} lämnar följande synpunkter.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += [
        "",
        f"Detta remissvar har beslutats av generaldirektören {_person(rng)} efter föredragning av "
        f"utredaren {_person(rng)}.",
    ]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


def fresh_region(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"RS {y}/{rng.randint(10, 999)}"
    reports = _reports(rng)
    title = f"Remiss: {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, body, "", "Yttrande", iso, ref, "", title, ""]
    lines += [f"{body} beslutar att avge yttrande enligt nedan.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", _person(rng), "regionstyrelsens ordförande", "", _person(rng), "regiondirektör"]
    return lines, dict(kind="yttrande", date=iso, reference=ref, title=title, body=body, reports=reports)


def fresh_universitet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"SU FV-1.1.3-0{rng.randint(100, 999)}-{y % 100}"
    reports = _reports(rng)
    title = f"Yttrande över {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, org.body, "", "REMISSYTTRANDE", "", iso, f"Dnr {ref}", "", title, ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", _person(rng), "Dekanus" if org.body else "Rektor"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=body, reports=reports)


def fresh_förbund(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    reports = _reports(rng)
    title = f"Remissvar: {_subject(reports)}"
    lines = [org.name, "", "Till Socialdepartementet", "", f"{org.place}, {_long(y, m, d)}", ""]
    lines += [title, f"Ert diarienummer: S{y}/0{rng.randint(1000, 9999)}", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", org.name, "", _person(rng), "Ordförande"]
    return lines, dict(kind="remissvar", date=iso, reference="", title=title, body=org.name, reports=reports)


def fresh_stadsdel_protokoll(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"SDN {y}/{rng.randint(10, 99)}"
    reports = _reports(rng)
    title = f"Svar på remiss av {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, body, f"Protokollsutdrag från sammanträde {iso}", "", f"§ {rng.randint(1, 60)} {title}"]
    lines += [f"Dnr {ref}", "", "Beslut", f"{body} beslutar att som svar på remissen överlämna yttrandet.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", "Vid protokollet", _person(rng), "", "Justerare", _person(rng)]
    return lines, dict(kind="protokollsutdrag", date=iso, reference=ref, title=title, body=body, reports=reports)


# --- final templates: written after all tuning, measured once, not tuned on -----------------------


FINAL_ORGS = (
    Org("Sollentuna kommun", "kommun", "Kommunstyrelsen", "Kommunstyrelsen", "Sollentuna"),
    Org("Borås stad", "stad", "Individ- och familjeomsorgsnämnden", "Nämnden", "Borås"),
    Org("Kalmar kommun", "kommun", "Socialnämnden", "Socialnämnden", "Kalmar"),
    Org("Region Halland", "region", "Hälso- och sjukvårdsnämnden", "Nämnden", "Halmstad"),
    Org("Region Västmanland", "region", "Regionstyrelsen", "Regionstyrelsen", "Västerås"),
    Org("Länsstyrelsen i Västra Götalands län", "myndighet", "", "Länsstyrelsen", "Göteborg"),
    Org("Diskrimineringsombudsmannen", "myndighet", "", "DO", "Stockholm", "DO"),
    Org("Brottsförebyggande rådet", "myndighet", "", "Brå", "Stockholm", "Brå"),
    Org("Göteborgs universitet", "universitet", "Juridiska institutionen", "Institutionen", "Göteborg"),
    Org("Mittuniversitetet", "universitet", "", "Mittuniversitetet", "Sundsvall"),
    Org("Funktionsrätt Sverige", "förbund", "", "Funktionsrätt Sverige", "Stockholm"),
    Org("Sveriges Kommuner och Regioner", "förbund", "", "SKR", "Stockholm", "SKR"),
)


def final_kommun(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"KS/{y}:{rng.randint(10, 999)}"
    reports = _reports(rng)
    title = f"Yttrande angående {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, body, "", "Yttrande", "", f"Vårt diarienummer: {ref}", "", title, ""]
    lines += [f"{body} har inbjudits att lämna synpunkter på betänkandet.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", f"{org.place} {_long(y, m, d)}", "", body, "", _person(rng), "Ordförande"]
    return lines, dict(kind="yttrande", date=iso, reference=ref, title=title, body=body, reports=reports)


def final_myndighet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"{y}/{rng.randint(100, 9999)}"
    reports = _reports(rng)
    title = f"Remissvar – {_subject(reports)}"
    lines = [org.name, "", f"Datum: {iso}", f"Beteckning: {ref}", "", "Till Justitiedepartementet", ""]
    lines += [title, ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += [
        "",
        f"Detta yttrande har beslutats av {_person(rng)}. I den slutliga handläggningen har även "
        f"{_person(rng)} deltagit.",
        "",
        org.name,
    ]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


def final_region(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"RS {y}/0{rng.randint(100, 999)}"
    reports = _reports(rng)
    title = f"Svar på remiss {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name, "", f"Dnr {ref}", "", title, ""]
    lines += [f"{body} beslutade att lämna följande yttrande.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", f"{org.place} den {_long(y, m, d)}", "", f"För {body}", "", _person(rng), "ordförande"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=body, reports=reports)


def final_universitet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, _, _ = _date(rng)
    ref = f"GU {y}/{rng.randint(100, 3000)}"
    reports = _reports(rng)
    title = f"Remissvar avseende {_subject(reports)}"
    body = _body_or_org(org)
    lines = [org.name] + ([org.body] if org.body else []) + ["", iso, f"Diarienummer {ref}", "", title, ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", "För " + body, _person(rng), "Prefekt" if org.body else "Rektor"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=body, reports=reports)


def final_organisation(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    iso, y, m, d = _date(rng)
    ref = f"{y % 100}/0{rng.randint(100, 999)}"
    reports = _reports(rng)
    title = f"Svar på remiss av {_subject(reports)}"
    lines = [org.name, f"Vår referens: {ref}", "", title, ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", f"Stockholm den {_long(y, m, d)}", "", org.name, "", _person(rng), "Generalsekreterare"]
    return lines, dict(kind="remissvar", date=iso, reference=ref, title=title, body=org.name, reports=reports)


Template = Callable[[random.Random, Org], tuple[list[str], dict]]
# Each template with the organisation types it suits.
TEMPLATES: dict[str, tuple[tuple[Template, tuple[str, ...]], ...]] = {
    "dev": (
        (dev_nämnd_yttrande, ("kommun", "stad")),
        (dev_myndighet_remissvar, ("myndighet",)),
        (dev_universitet, ("universitet",)),
        (dev_tjänsteutlåtande, ("region", "kommun")),
        (dev_förbund, ("förbund",)),
        (dev_protokollsutdrag, ("kommun", "stad", "region")),
    ),
    "report": (
        (rep_kommun_caps, ("kommun", "stad")),
        (rep_myndighet, ("myndighet",)),
        (rep_region_yttrande, ("region",)),
        (rep_högskola, ("universitet",)),
        (rep_förbund, ("förbund",)),
        (rep_förvaltning_tu, ("kommun", "stad")),
    ),
    "fresh": (
        (fresh_stad_two_labels, ("kommun", "stad")),
        (fresh_myndighet, ("myndighet",)),
        (fresh_region, ("region",)),
        (fresh_universitet, ("universitet",)),
        (fresh_förbund, ("förbund",)),
        (fresh_stadsdel_protokoll, ("stad",)),
    ),
    "final": (
        (final_kommun, ("kommun", "stad")),
        (final_myndighet, ("myndighet",)),
        (final_region, ("region",)),
        (final_universitet, ("universitet",)),
        (final_organisation, ("förbund",)),
    ),
}
ORGS = {"dev": DEV_ORGS, "report": REPORT_ORGS, "fresh": FRESH_ORGS, "final": FINAL_ORGS}


def _fits(template: Template, org: Org) -> bool:
    if template in (dev_tjänsteutlåtande, rep_förvaltning_tu):
        return org.body.casefold().endswith(("förvaltningen", "kontoret"))
    if template in (dev_nämnd_yttrande, dev_protokollsutdrag, rep_kommun_caps, rep_region_yttrande):
        return not org.body.casefold().endswith(("förvaltningen", "kontoret"))
    return True


def generate(family: str, n: int, seed: int) -> list[tuple[Truth, list[str]]]:
    """n documents: (truth, lines) with templates and organisations of the family, drawn with the seed."""
    rng = random.Random(seed)
    pairs = [(t, o) for t, types in TEMPLATES[family] for o in ORGS[family] if o.type in types and _fits(t, o)]
    out = []
    for i in range(n):
        template, org = pairs[i % len(pairs)] if i < len(pairs) else rng.choice(pairs)
        lines, facts = template(rng, org)
        truth = Truth(
            file=f"{family}-{seed}-{i:03d}",
            organisation=org.name,
            body=facts["body"],
            kind=facts["kind"],
            date=facts["date"],
            reference=facts["reference"],
            title=facts["title"],
            concerns=[number for number, _ in facts["reports"]],
            template=template.__name__,
        )
        out.append((truth, lines))
    rng.shuffle(out)
    return out


def write(folder: Path, docs: list[tuple[Truth, list[str]]], formats: tuple[str, ...]) -> list[tuple[Truth, Path]]:
    """Write each document in the formats, rotating; truth.jsonl beside them. Returns (truth, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (truth, lines) in enumerate(docs):
        suffix = formats[i % len(formats)]
        path = folder / f"{truth.file}.{suffix}"
        {"txt": _write_txt, "pdf": _write_pdf, "docx": _write_docx}[suffix](path, lines)
        written.append((Truth(**{**asdict(truth), "file": path.name}), path))
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as out:
        for truth, _ in written:
            out.write(json.dumps(asdict(truth), ensure_ascii=False) + "\n")
    return written


def _write_txt(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_pdf(path: Path, lines: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if font.is_file():
        pdf.add_font("DejaVu", fname=str(font))
        pdf.set_font("DejaVu", size=10)
    else:  # core font: cp1252 only
        pdf.set_font("Helvetica", size=10)
        lines = [line.replace("–", "-").encode("cp1252", "replace").decode("cp1252") for line in lines]
    pdf.add_page()
    for line in lines:
        if line:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    path.write_bytes(bytes(pdf.output()))


def _write_docx(path: Path, lines: list[str]) -> None:
    import docx

    document = docx.Document()
    for line in lines:
        if line:
            document.add_paragraph(line)
    document.save(str(path))
