"""The `fresh` and `final` families of generated remissvar (see evals/metadata_docs.py)."""

from __future__ import annotations

import random

from evals.metadata_base import (
    Org,
    _body_or_org,
    _date,
    _long,
    _person,
    _prose,
    _reports,
    _speaker,
    _subject,
)

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
