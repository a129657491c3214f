"""The remissammanställning as Excel and Word files, read back with openpyxl and python-docx."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from docx import Document
from positions_data import ASN, LIU, POLICYLABB, SLK, STANCES, STATSBIDRAG, TILLSYN, sample_matrix

from assistant.positions.export import write_docx, write_xlsx
from assistant.positions.model import LONG_FIELDS, STANCE_LABELS_SV
from assistant.positions.palette import STANCE_COLOURS
from assistant.settings import PROJECT_ROOT


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_sample_quotes_are_sentences_of_the_corpus() -> None:
    corpus = {p.stem: _flat(p.read_text(encoding="utf-8")) for p in (PROJECT_ROOT / "corpus").glob("*.txt")}
    for cell in sample_matrix().cells:
        for quote in cell.quotes:
            assert _flat(quote.text) in corpus[quote.doc_id], (cell.proposal_id, quote.text)


def test_xlsx_grid_is_coloured_by_stance_with_counts_and_a_legend(tmp_path: Path) -> None:
    matrix = sample_matrix()
    path = write_xlsx(matrix, tmp_path / "out" / "sammanstallning.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Sammanställning", "Citat"]
    grid = book["Sammanställning"]
    header = [c.value for c in grid[1]]
    labels = [r.label for r in matrix.respondents]
    assert header[:2] == ["ID", "Förslag"]
    assert header[2 : 2 + len(labels)] == labels
    assert header[2 + len(labels) :] == list(STANCE_LABELS_SV.values())
    rows = {row[0].value: row for row in grid.iter_rows(min_row=2, max_row=1 + len(matrix.proposals))}
    policylabb = rows[POLICYLABB]
    assert policylabb[1].value == "Ett nationellt policylabb"
    slk = policylabb[2 + labels.index("Stockholms stad, Stadsledningskontoret")]
    assert slk.value == STANCE_LABELS_SV["tillstyrker_delvis"]
    assert slk.fill.fgColor.rgb.endswith(STANCE_COLOURS["tillstyrker_delvis"])
    liu = policylabb[2 + labels.index(f"{LIU[0]}, {LIU[1]}")]
    assert liu.value == "Avstyrker" and liu.fill.fgColor.rgb.endswith(STANCE_COLOURS["avstyrker"])
    counts = [c.value for c in rows[STATSBIDRAG][2 + len(labels) :]]
    assert counts == [3, 0, 0, 0, 2]  # three support, two do not address it
    legend = [c.value for c in grid["B"] if c.value in STANCE_LABELS_SV.values()]
    assert "Teckenförklaring" in [c.value for c in grid["B"]]
    assert legend == list(STANCE_LABELS_SV.values())


def test_xlsx_quotes_sheet_has_one_row_per_proposal_and_respondent(tmp_path: Path) -> None:
    matrix = sample_matrix()
    book = openpyxl.load_workbook(write_xlsx(matrix, tmp_path / "s.xlsx"))
    sheet = book["Citat"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(LONG_FIELDS)
    assert len(rows) - 1 == len(matrix.proposals) * len(matrix.respondents)
    records = [dict(zip(LONG_FIELDS, row, strict=True)) for row in rows[1:]]
    cks = next(r for r in records if r["proposal_id"] == POLICYLABB and r["organisation"] == LIU[0])
    assert cks["stance"] == "avstyrker"
    assert cks["quote"] == "Förslaget om ett nationellt policylabb är mycket oklart formulerat."
    assert cks["doc_id"] == "cks-linkopings-universitet-remissyttrande"
    assert cks["confidence"] == pytest.approx(0.8)


def _paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(str(path)).paragraphs]


def test_docx_reads_like_a_remissammanstallning(tmp_path: Path) -> None:
    matrix = sample_matrix()
    paragraphs = _paragraphs(write_docx(matrix, tmp_path / "s.docx"))
    texts = [t for _, t in paragraphs]
    assert paragraphs[0] == ("Title", "Remissammanställning")
    headings = [t for style, t in paragraphs if style == "Heading 1"]
    assert headings == [f"{p.id} {p.title}" for p in matrix.proposals]
    start = texts.index(f"{POLICYLABB} Ett nationellt policylabb")
    end = texts.index(headings[headings.index(texts[start]) + 1])
    section = texts[start:end]
    assert "Antal per ställningstagande: Tillstyrker: 0; Tillstyrker delvis / med villkor: 1; Avstyrker: 1;" in (
        " ".join(section)
    )
    assert f"{SLK[0]}, {SLK[1]} – Tillstyrker delvis / med villkor" in section
    assert f"{LIU[0]}, {LIU[1]} – Avstyrker" in section
    for quote in STANCES[POLICYLABB][SLK][1]:
        assert f"”{quote}”" in section
    assert "Källa: Remissyttrande från Centrum för kommunstrategiska studier (CKS)" in section
    silent = [t for t in section if t.startswith("Ej berört:")]
    assert silent == [
        "Ej berört: Stockholms stad, Utbildningsnämnden (utbildningsförvaltningen); "
        "Stockholms stad, Äldrenämnden (äldreförvaltningen); Malmö stad, Arbetsmarknads- och socialnämnden."
    ]
    quote_styles = {style for style, t in paragraphs if t.startswith("”")}
    assert quote_styles == {"Quote"}


def test_docx_stance_label_is_highlighted_in_its_colour(tmp_path: Path) -> None:
    document = Document(str(write_docx(sample_matrix(), tmp_path / "s.docx")))
    line = next(p for p in document.paragraphs if p.text == f"{ASN[0]}, {ASN[1]} – Tillstyrker")
    assert line.runs[0].bold
    assert line.runs[-1].font.highlight_color is not None
    assert TILLSYN in {p.text.split()[0] for p in document.paragraphs if p.style.name == "Heading 1"}
