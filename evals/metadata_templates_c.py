"""The `next` family of generated remissvar (see evals/metadata_docs.py): written after all tuning,
before its first run; not tuned on.

Its styles differ from the other families' as real remissvar do: letterheads with an address block
and the logo text on the right, "Vår beteckning"/"Er beteckning" tables, subject lines wrapped over
two lines, protokollsutdrag with the § and the Dnr on one line, dates as "2024-03-05", "5 mars 2024",
"den 5:e mars 2024" or only "i mars 2024". The truth follows the bundled catalog: the date in ISO
form to the precision the document gives ("2024-03" for a month without a day), the document's own
Dnr with the receiver's in parentheses when both are given ("" when only the receiver's is), and
the title as the subject line reads, its two lines joined by a space."""

from __future__ import annotations

import random

from evals.metadata_base import MONTHS, PEOPLE, REPORTS, Org, _body_or_org, _date, _long, _person, _prose, _speaker

NEXT_ORGS = (
    Org("Nacka kommun", "kommun", "Kommunstyrelsen", "Kommunstyrelsen", "Nacka"),
    Org("Östersunds kommun", "kommun", "Barn- och utbildningsnämnden", "Nämnden", "Östersund"),
    Org("Eskilstuna kommun", "kommun", "Socialförvaltningen", "Förvaltningen", "Eskilstuna"),
    Org("Malmö stad", "stad", "Funktionsstödsnämnden", "Funktionsstödsnämnden", "Malmö"),
    Org("Malmö stad", "stad", "Stadsområdesnämnd Söder", "Stadsområdesnämnden", "Malmö"),
    Org("Trollhättans stad", "stad", "Samhällsbyggnadsnämnden", "Nämnden", "Trollhättan"),
    Org("Region Gävleborg", "region", "Regionstyrelsen", "Regionstyrelsen", "Gävle"),
    Org("Region Stockholm", "region", "Hälso- och sjukvårdsnämnden", "Nämnden", "Stockholm"),
    Org("Region Sörmland", "region", "", "Regionen", "Nyköping"),
    Org("Länsstyrelsen i Hallands län", "myndighet", "", "Länsstyrelsen", "Halmstad"),
    Org("Länsstyrelsen i Stockholms län", "myndighet", "", "Länsstyrelsen", "Stockholm"),
    Org("Statens institutionsstyrelse", "myndighet", "", "SiS", "Solna", "SiS"),
    Org(
        "Statens beredning för medicinsk och social utvärdering",
        "myndighet",
        "",
        "SBU",
        "Stockholm",
        "SBU",
    ),
    Org("Barnombudsmannen", "myndighet", "", "Barnombudsmannen", "Stockholm"),
    Org("Polismyndigheten", "myndighet", "", "Polismyndigheten", "Stockholm"),
    Org("Myndigheten för delaktighet", "myndighet", "", "MFD", "Sundbyberg", "MFD"),
    Org("Karolinska institutet", "universitet", "Institutionen för folkhälsovetenskap", "Institutionen", "Solna"),
    Org("Södertörns högskola", "universitet", "Institutionen för samhällsvetenskaper", "Institutionen", "Huddinge"),
    Org("Linnéuniversitetet", "universitet", "Fakulteten för samhällsvetenskap", "Fakulteten", "Växjö"),
    Org("Luleå tekniska universitet", "universitet", "", "Universitetet", "Luleå"),
    Org("Sveriges läkarförbund", "förbund", "", "Läkarförbundet", "Stockholm"),
    Org("Fysioterapeuterna", "förbund", "", "Fysioterapeuterna", "Stockholm"),
    Org("Riksförbundet för social och mental hälsa", "förbund", "", "RSMH", "Stockholm", "RSMH"),
    Org("Famna", "förbund", "", "Famna", "Stockholm"),
)

EXTRA_REPORTS = (
    ("SOU 2023:66", "Förbättrade möjligheter för barn och unga att få vård"),
    ("Ds 2024:3", "Skärpta krav för tillstånd att bedriva hem för vård eller boende"),
    ("SOU 2024:17", "En reformerad tillsyn av socialtjänsten"),
)
DEPARTMENTS = ("Socialdepartementet", "Justitiedepartementet", "Finansdepartementet", "Utbildningsdepartementet")
DEPARTMENT_CODES = {"Socialdepartementet": "S", "Justitiedepartementet": "Ju", "Finansdepartementet": "Fi"}
STREETS = ("Stadshusvägen 26", "Storgatan 12", "Kungsgatan 40", "Drottninggatan 5", "Rådhustorget 1")


def _reports(rng: random.Random) -> list[tuple[str, str]]:
    return rng.sample(REPORTS + EXTRA_REPORTS, rng.choice((1, 1, 2)))


def _subject(rng: random.Random, reports: list[tuple[str, str]]) -> str:
    """The reports named in one of three orders: title (number), number title, title, number."""
    style = rng.randrange(3)
    parts = [
        f"{title} ({number})" if style == 0 else f"{number} {title}" if style == 1 else f"{title}, {number}"
        for number, title in reports
    ]
    return " och ".join(parts)


def _wrapped(title: str) -> list[str]:
    """The subject on two lines, broken at the space nearest the middle (as a narrow letter column does),
    never beside a dash (a line starting with one reads as a list item) nor inside a report's number."""
    spaces = [
        i
        for i, c in enumerate(title)
        if c == " " and title[i + 1] != "–" and title[i - 1] != "–" and title[:i].split()[-1] not in ("SOU", "Ds")
    ]
    cut = min(spaces, key=lambda i: abs(i - len(title) // 2))
    return [title[:cut], title[cut + 1 :]]


def _ordinal(y: int, m: int, d: int) -> str:
    return f"den {d}:{'a' if d % 10 in (1, 2) and d not in (11, 12) else 'e'} {MONTHS[m - 1]} {y}"


def _department(rng: random.Random, y: int) -> tuple[str, str]:
    name = rng.choice(DEPARTMENTS)
    return name, f"{DEPARTMENT_CODES.get(name, 'U')}{y}/0{rng.randint(1000, 9999)}"


def _named(org: Org) -> str:
    return f"{org.name} ({org.abbreviation})" if org.abbreviation else org.name


def _domain(org: Org) -> str:
    name = org.name.replace(" ", "") if org.type == "region" else org.place
    return name.casefold().replace("å", "a").replace("ä", "a").replace("ö", "o")


def _code(body: str) -> str:
    """A board's case prefix: KS, RS, or the initials of the board's name (FN, SN, BN ...)."""
    if body.casefold().startswith(("kommunstyrelsen", "regionstyrelsen")):
        return body[0] + "S"
    return "".join(word[0] for word in body.replace("- och ", " ").split()).upper() + "N"


def next_letterhead(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    """Kommun, stad or region letterhead: body left, logo text right, address block, a Vår/Er table."""
    iso, y, _, _ = _date(rng)
    prefix = "RS" if org.type == "region" else "KS"
    own = f"{prefix}/{y}:{rng.randint(100, 999)}"
    department, theirs = _department(rng, y)
    reports = _reports(rng)
    title = f"Yttrande över betänkandet {_subject(rng, reports)}"
    body = _body_or_org(org)
    postcode = f"{rng.randint(100, 999)} {rng.randint(10, 99)}"
    lines = [f"{body}{' ' * 40}{org.name.upper()}", "", "YTTRANDE", ""]
    lines += [f"Postadress: Box {rng.randint(10, 900)}, {postcode} {org.place}", f"Besöksadress: {rng.choice(STREETS)}"]
    lines += [
        f"Telefon 0{rng.randint(10, 99)}-{rng.randint(100, 999)} {rng.randint(10, 99)} 00    www.{_domain(org)}.se"
    ]
    lines += [
        "",
        "Datum              Vår beteckning        Er beteckning",
        f"{iso}         {own}          {theirs}",
        "",
    ]
    lines += [department, "", *_wrapped(title), ""]
    speaker = f"{body} i {org.name}" if org.body else org.name
    lines += [f"{speaker} har beretts tillfälle att yttra sig och lämnar följande synpunkter.", ""]
    lines += _prose(rng, _speaker(org), 4)
    signer = "Förvaltningschef" if body.endswith("förvaltningen") else "Ordförande"
    chair, officer = rng.sample(PEOPLE, 2)
    lines += ["", body, "", chair, signer, "", officer, "Administrativ chef"]
    reference = f"{own} ({theirs})"
    return lines, dict(kind="yttrande", date=iso, reference=reference, title=title, body=body, reports=reports)


def next_myndighet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    """An agency's remissvar: a Datum/Vår beteckning header table, long date, wrapped subject."""
    iso, y, m, d = _date(rng)
    own = f"Dnr {rng.randint(1, 9)}.{rng.randint(1, 9)}.{rng.randint(1, 9)}-{rng.randint(1000, 9999)}/{y}"
    department, _ = _department(rng, y)
    reports = _reports(rng)
    title = f"Remissyttrande över {_subject(rng, reports)}"
    lines = [org.name, "REMISSVAR", "", "Datum                 Vår beteckning", f"{_long(y, m, d)}          {own}", ""]
    lines += [department, "103 33 Stockholm", "", *_wrapped(title), ""]
    lines += [f"{_named(org)} har tagit del av förslagen och lämnar följande yttrande.", ""]
    lines += _prose(rng, _speaker(org), 4)
    boss, clerk = rng.sample(PEOPLE, 2)
    lines += ["", f"Beslut i detta ärende har fattats av generaldirektören {boss}. Föredragande har varit"]
    lines += [f"verksamhetsutvecklaren {clerk}.", "", boss, "", clerk]
    return lines, dict(
        kind="remissvar", date=iso, reference=own.removeprefix("Dnr "), title=title, body=org.name, reports=reports
    )


def next_protokollsutdrag(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    """A protokollsutdrag: the meeting date with an ordinal day, § and Dnr on one line, justering."""
    iso, y, m, d = _date(rng)
    own = f"{_code(org.body)} {y}-0{rng.randint(1000, 9999)}"
    reports = _reports(rng)
    title = f"Svar på remiss – {_subject(rng, reports)}"
    body = _body_or_org(org)
    lines = [org.name, "PROTOKOLLSUTDRAG", body, f"Sammanträdesdatum {_ordinal(y, m, d)}", ""]
    lines += [f"§ {rng.randint(1, 180)}    Dnr {own}", "", title, "", "Beslut"]
    lines += [f"{body} antar förvaltningens förslag till yttrande och översänder det till regeringen.", ""]
    lines += ["Ärendet", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", "Justerandes signatur          Utdragsbestyrkande", ""]
    secretary, chair = rng.sample(PEOPLE, 2)
    lines += ["Vid protokollet", f"{secretary}, nämndsekreterare", "", "Justeras", f"{chair}, ordförande"]
    return lines, dict(kind="protokollsutdrag", date=iso, reference=own, title=title, body=body, reports=reports)


def next_universitet(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    """A university's remissyttrande dated at the end, half of them with the month only."""
    iso, y, m, d = _date(rng)
    own = f"{rng.randint(1, 3)}.{rng.randint(1, 9)}.{rng.randint(1, 9)}-{rng.randint(100, 2999)}/{y}"
    reports = _reports(rng)
    title = f"Remissyttrande över {_subject(rng, reports)}"
    body = _body_or_org(org)
    month_only = rng.random() < 0.5
    dated = f"{org.place} i {MONTHS[m - 1]} {y}" if month_only else f"{org.place} {_ordinal(y, m, d)}"
    lines = [org.name] + ([body] if org.body else []) + ["", f"Ärendenummer: {own}", "", *_wrapped(title), ""]
    speaker = f"{body} vid {org.name}" if org.body else org.name
    lines += [f"{speaker} har ombetts att yttra sig över betänkandet.", ""]
    lines += _prose(rng, _speaker(org), 3)
    lines += ["", dated, "", f"För {body}", "", _person(rng), "Prefekt" if org.body else "Rektor"]
    date = f"{y:04d}-{m:02d}" if month_only else iso
    return lines, dict(kind="remissvar", date=date, reference=own, title=title, body=body, reports=reports)


def next_förbund(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    """An organisation's letter: only the ministry's number (so no own Dnr), the date with the place."""
    iso, y, _, _ = _date(rng)
    department, theirs = _department(rng, y)
    reports = _reports(rng)
    title = f"Synpunkter på {_subject(rng, reports)}"
    lines = [org.name.upper(), "", f"{org.place} {iso}", "", f"Till {department}", f"Er referens: {theirs}", ""]
    lines += ["Remissvar", *_wrapped(title), ""]
    lines += [f"{_named(org)} har getts möjlighet att lämna synpunkter och vill anföra följande.", ""]
    lines += _prose(rng, _speaker(org), 4)
    lines += ["", "Med vänliga hälsningar", org.name, "", _person(rng), "Förbundsordförande", ""]
    lines += [f"Kontaktperson: {_person(rng)}, utredare"]
    return lines, dict(kind="remissvar", date=iso, reference="", title=title, body=org.name, reports=reports)


def next_länsstyrelse(rng: random.Random, org: Org) -> tuple[list[str], dict]:
    """A länsstyrelse's yttrande: Ärendebeteckning in the county's form, the ministry's number beside it."""
    iso, y, m, d = _date(rng)
    own = f"{rng.randint(100, 899)}-{rng.randint(1000, 9999)}-{y}"
    department, theirs = _department(rng, y)
    reports = _reports(rng)
    title = f"Yttrande över {_subject(rng, reports)}"
    lines = [org.name, "", "YTTRANDE", f"Datum: {_long(y, m, d)}", f"Ärendebeteckning: {own}"]
    lines += [f"Er beteckning: {theirs}", "", department, "", title, ""]
    lines += _prose(rng, _speaker(org), 4)
    governor, officer = rng.sample(PEOPLE, 2)
    lines += ["", f"Beslut i detta ärende har fattats av landshövding {governor} med"]
    lines += [f"länsrådet {officer} som föredragande.", "", "Detta dokument har godkänts elektroniskt."]
    reference = f"{own} ({theirs})"
    return lines, dict(kind="yttrande", date=iso, reference=reference, title=title, body=org.name, reports=reports)


def next_fits(template: object, org: Org) -> bool:
    """Which organisations a `next` template suits beyond its types."""
    if template is next_protokollsutdrag:
        return bool(org.body) and not org.body.casefold().endswith(("förvaltningen", "kontoret"))
    if template is next_länsstyrelse:
        return org.name.startswith("Länsstyrelsen")
    if template is next_myndighet:
        return not org.name.startswith("Länsstyrelsen")
    return True
