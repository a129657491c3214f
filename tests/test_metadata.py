"""Metadata read from the document itself: fields with evidence, the catalog overriding them,
the warning for an uncatalogued file, `remiss catalog suggest`, and accuracy floors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.indexing import uncatalogued_warning
from assistant.settings import PROJECT_ROOT
from evals.metadata import corpus_cases, generated_cases, score
from ingest.catalog import load_catalog
from ingest.clean import clean
from ingest.metadata import detect_metadata
from ingest.records import DocumentMeta, Page

CORPUS = PROJECT_ROOT / "corpus"

LETTER = """Lunds kommun
Socialnämnden

Datum: 2024-03-12
Dnr: SN 2024/117
Ert dnr: S2024/00412

Yttrande över Hållbar socialtjänst – en ny socialtjänstlag (SOU 2023:9)

Socialnämnden beslutar att lämna följande yttrande.

Socialnämnden tillstyrker förslaget. Socialstyrelsen anser att reglerna bör ses över, och remisstiden
går ut den 30 september 2024.

Lund den 12 mars 2024

Anna Lindqvist
Ordförande
"""


def test_fields_come_with_the_line_they_were_read_from() -> None:
    found = detect_metadata(LETTER, "inlaga-17.pdf")
    assert found.organisation.value == "Lunds kommun"
    assert found.organisation_type == "kommun"
    assert found.body.value == "Socialnämnden"
    assert found.body.evidence == "Socialnämnden beslutar att lämna följande yttrande."
    assert found.kind.value == "yttrande"
    assert found.date.value == "2024-03-12" and found.date.evidence == "Datum: 2024-03-12"
    # our case number first, the receiver's in parentheses
    assert found.reference.value == "SN 2024/117 (S2024/00412)"
    assert found.concern_list() == ["SOU 2023:9"]
    assert found.title.value.startswith("Yttrande över Hållbar socialtjänst")
    for name in ("organisation", "body", "kind", "date", "reference"):
        assert 0.5 < getattr(found, name).confidence <= 1.0, name
    assert "organisation 'Lunds kommun'" in found.summary()


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("2018-10-25", "2018-10-25"),
        ("25 oktober 2018", "2018-10-25"),
        ("Stockholm den 21 augusti 2018", "2018-08-21"),
        ("Datum: den 3 feb. 2020", "2020-02-03"),
    ],
)
def test_swedish_date_forms(line: str, iso: str) -> None:
    found = detect_metadata(f"Skolverket\n{line}\n\nSkolverket har tagit del av betänkandet.\n", "")
    assert found.date.value == iso


def test_a_deadline_or_another_papers_date_is_not_the_documents_date() -> None:
    text = "Skolverket\n\nRemisstid den 31 oktober 2018\n\nBetänkandet är daterat den 1 augusti 2018.\n"
    assert detect_metadata(text, "").date.value == ""


def test_nothing_to_find_gives_empty_fields_not_guesses() -> None:
    found = detect_metadata("Lite text utan avsändare.\nOch en rad till.\n", "x.txt")
    assert (found.organisation.value, found.body.value, found.date.value, found.reference.value) == ("", "", "", "")
    assert found.summary() == "inget"


def test_bundled_corpus_with_the_catalog_hidden() -> None:
    result = score(corpus_cases(CORPUS, hashed_names=False), ("organisation", "body", "kind", "date", "reference"))
    assert result.errors == []
    assert result.total["organisation"] == result.total["body"] == 5
    assert result.total["date"] >= 3 and result.total["reference"] == 5


def test_generated_documents_in_three_formats_meet_the_floor(tmp_path: Path) -> None:
    cases = generated_cases("dev", 9, 11, tmp_path, ("txt", "pdf", "docx"))
    assert {p.suffix for p in tmp_path.iterdir()} >= {".txt", ".pdf", ".docx"}
    result = score(cases, ("organisation", "body", "kind", "date", "reference"))
    for name in ("organisation", "body", "kind", "date", "reference"):
        assert result.accuracy(name) >= 0.85, (name, result.errors)


# ---------------------------------------------------------------- the catalog overrides


def _blocks(text: str):
    return clean([Page(None, text)]).blocks


def test_catalog_fields_win_and_detected_fields_fill_the_rest(tmp_path: Path) -> None:
    catalog_path = tmp_path / "catalog.toml"
    catalog_path.write_text(
        '[[documents]]\nfile = "a.txt"\ntitle = "Lunds yttrande"\norganisation = "Lunds kommun"\ndate = "2024-03-13"\n',
        encoding="utf-8",
    )
    meta = load_catalog(catalog_path).meta_for(tmp_path / "a.txt", "a.txt", _blocks(LETTER))
    assert meta.catalogued is True
    assert (meta.title, meta.organisation, meta.date) == ("Lunds yttrande", "Lunds kommun", "2024-03-13")
    assert meta.body == "Socialnämnden"  # detected, since the detected organisation is the catalog's
    assert (meta.kind, meta.reference) == ("yttrande", "SN 2024/117 (S2024/00412)")
    assert meta.concerns == ("SOU 2023:9",)


def test_an_uncatalogued_file_gets_detected_metadata_and_a_warning_saying_so(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path / "none.toml")
    path = tmp_path / "inlaga-17.txt"
    meta = catalog.meta_for(path, str(path), _blocks(LETTER))
    assert meta.catalogued is False
    assert (meta.organisation, meta.body, meta.kind, meta.date) == (
        "Lunds kommun",
        "Socialnämnden",
        "yttrande",
        "2024-03-12",
    )
    warning = uncatalogued_warning(path, meta, "catalog.toml")
    assert "inlaga-17.txt finns inte i katalogen catalog.toml" in warning
    assert "organisation 'Lunds kommun'" in warning and "organ 'Socialnämnden'" in warning
    assert "dnr 'SN 2024/117 (S2024/00412)'" in warning
    assert "remiss catalog suggest inlaga-17.txt" in warning


def test_a_long_title_in_the_warning_is_cut_at_a_word_not_inside_a_report_number(tmp_path: Path) -> None:
    title = "Yttrande över Med tillit växer handlingsutrymmet – tillitsbaserad styrning och ledning (SOU 2018:47)"
    meta = DocumentMeta("a", "a.pdf", title, "Lunds kommun", "Socialnämnden", catalogued=False)
    warning = uncatalogued_warning(tmp_path / "a.pdf", meta, "catalog.toml")
    shown = warning.split("titel '")[1].split("'")[0]
    assert shown.endswith(" …") and title.startswith(shown[:-2])
    assert "2018:4'" not in warning and "(SOU" not in shown


@pytest.mark.parametrize(
    ("letterhead", "organisation"),
    [
        ("Skolverket | 11 oktober 2018\nKansliet | Dnr RS 2019/8677", "Skolverket"),  # a row of cells
        ("Inspektionen för vård och omsorg | 21 oktober 2018", "Inspektionen för vård och omsorg"),
        ("Region Skåne   Dnr RS 2018/0515", "Region Skåne"),  # a field label is no part of the name
    ],
)
def test_the_letterhead_names_the_organisation_not_a_short_line_of_text_at_the_end(
    letterhead: str, organisation: str
) -> None:
    body = "\n".join(
        [
            letterhead,
            "Till Finansdepartementet",
            "Yttrande över Med tillit växer handlingsutrymmet (SOU 2018:47)",
            *["Vi delar utredningens bedömning om en lärande tillsyn och ser positivt på förslaget."] * 6,
            "finansieringen säkras. Socialtjänsten och",
            "Socialtjänsten och skolan berörs särskilt av",
            "förslagen om riktade statsbidrag.",
        ]
    )
    assert detect_metadata(body, "yttrande.pdf", body).organisation.value == organisation


# ---------------------------------------------------------------- remiss catalog suggest


def test_catalog_suggest_writes_a_reviewable_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generated_cases("report", 2, 5, tmp_path / "docs", ("pdf", "docx"))
    (tmp_path / "docs" / "truth.jsonl").unlink()
    (tmp_path / "docs" / "trasig.pdf").write_bytes(b"%PDF-1.4 inte en riktig pdf")
    out = tmp_path / "utkast.toml"
    code = main(["catalog", "suggest", str(tmp_path / "docs"), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1  # one file could not be read
    assert "trasig.pdf" in captured.err and "kom inte med i utkastet" in captured.err
    assert "Utkast för 2 dokument" in captured.out
    text = out.read_text(encoding="utf-8")
    entries = tomllib.loads(text)["documents"]
    assert sorted(e["file"] for e in entries) == sorted(p.name for p in (tmp_path / "docs").glob("report-*"))
    assert all(e["organisation"] and e["kind"] and e["date"] for e in entries)
    assert "# organisation: säkerhet 0." in text and "# datum: säkerhet" in text
    # the draft is in the catalog's own format
    assert set(load_catalog(out).entries) == {e["file"] for e in entries}


def test_catalog_suggest_names_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "suggest", str(tmp_path / "finns-inte.pdf")]) == 2
    assert "finns-inte.pdf finns inte" in capsys.readouterr().err
