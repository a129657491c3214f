"""The `dev` and `report` families of generated remissvar (see evals/metadata_docs.py)."""

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
