"""What the generated remissvar (evals/metadata_docs.py) are made of: names, prose, dates, the truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

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
