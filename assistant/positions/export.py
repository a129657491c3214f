"""The remissammanställning as files people pass on: an Excel workbook and a Word document.

Excel: the grid proposals × respondents coloured by stance, counts per proposal and a legend
("Sammanställning"), and one row per proposal × respondent with its quote ("Citat"), to sort
and filter. Word: shaped like a written remissammanställning, one heading per proposal, its
counts, each respondent's stance with its quotes and their source, and the respondents that do
not address it listed last.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from assistant.positions.model import LONG_FIELDS, STANCE_LABELS_SV, STANCES, CellQuote, PositionMatrix
from assistant.positions.palette import STANCE_COLOURS
from assistant.prompts import message
from assistant.settings import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"
_EXCEL_MAX_CELL = 32_000  # Excel refuses longer cell text (its limit is 32 767)
# Word has few highlight colours; the nearest to each stance's fill.
_WORD_HIGHLIGHT = {
    "tillstyrker": WD_COLOR_INDEX.BRIGHT_GREEN,
    "tillstyrker_delvis": WD_COLOR_INDEX.YELLOW,
    "avstyrker": WD_COLOR_INDEX.PINK,
    "synpunkter": WD_COLOR_INDEX.TURQUOISE,
}


def _text(key: str, prompts: Path | None, **values: object) -> str:
    return message(prompts or PROMPTS, "sv", key, **values)


def _fill(stance: str) -> PatternFill:
    colour = STANCE_COLOURS[stance]
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def write_xlsx(matrix: PositionMatrix, path: Path, prompts: Path | None = None) -> Path:
    """Write the workbook to `path` (its folder is made); returns `path`."""
    path = Path(path)
    workbook = Workbook()
    grid = workbook.active
    grid.title = _text("positions_sheet_grid", prompts)
    _grid_sheet(grid, matrix, prompts)
    _quotes_sheet(workbook.create_sheet(_text("positions_sheet_quotes", prompts)), matrix)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _grid_sheet(sheet: object, matrix: PositionMatrix, prompts: Path | None) -> None:
    bold = Font(bold=True)
    header = ["ID", _text("positions_proposal", prompts)]
    header += [r.label for r in matrix.respondents]
    header += [STANCE_LABELS_SV[s] for s in STANCES]
    sheet.append(header)  # type: ignore[attr-defined]
    first_count = 3 + len(matrix.respondents)
    for column, cell in enumerate(sheet[1], start=1):  # type: ignore[index]
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column >= first_count:
            cell.fill = _fill(STANCES[column - first_count])
    for row, proposal in enumerate(matrix.proposals, start=2):
        counts = matrix.counts(proposal.id)
        values: list[object] = [proposal.id, proposal.title]
        stances = [matrix.cell(proposal.id, *r.key).stance for r in matrix.respondents]
        values += [STANCE_LABELS_SV[s] for s in stances]
        values += [counts[s] for s in STANCES]
        sheet.append(values)  # type: ignore[attr-defined]
        for offset, stance in enumerate(stances):
            sheet.cell(row=row, column=3 + offset).fill = _fill(stance)  # type: ignore[attr-defined]
        for offset, stance in enumerate(STANCES):
            sheet.cell(row=row, column=first_count + offset).fill = _fill(stance)  # type: ignore[attr-defined]
    legend_row = len(matrix.proposals) + 3
    sheet.cell(row=legend_row, column=2, value=_text("positions_legend", prompts)).font = bold  # type: ignore[attr-defined]
    for offset, stance in enumerate(STANCES, start=1):
        cell = sheet.cell(row=legend_row + offset, column=2, value=STANCE_LABELS_SV[stance])  # type: ignore[attr-defined]
        cell.fill = _fill(stance)
    sheet.column_dimensions["B"].width = 48  # type: ignore[attr-defined]
    for column in range(3, first_count + len(STANCES)):
        sheet.column_dimensions[get_column_letter(column)].width = 18  # type: ignore[attr-defined]
    sheet.freeze_panes = "C2"  # type: ignore[attr-defined]


def _quotes_sheet(sheet: object, matrix: PositionMatrix) -> None:
    sheet.append(list(LONG_FIELDS))  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
    stance_column = LONG_FIELDS.index("stance") + 1
    for row, record in enumerate(matrix.long_rows(), start=2):
        values = [record[name] for name in LONG_FIELDS]
        sheet.append([v[:_EXCEL_MAX_CELL] if isinstance(v, str) else v for v in values])  # type: ignore[attr-defined]
        sheet.cell(row=row, column=stance_column).fill = _fill(record["stance"])  # type: ignore[attr-defined]
    widths = {"proposal": 36, "organisation": 24, "body": 30, "quote": 90, "doc_id": 30}
    for column, name in enumerate(LONG_FIELDS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(name, 14)  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"  # type: ignore[attr-defined]
    sheet.auto_filter.ref = sheet.dimensions  # type: ignore[attr-defined]


def source_line(quote: CellQuote, prompts: Path | None = None) -> str:
    """'Källa: <document title or id>, s. 4' for one quote."""
    source = quote.title or quote.doc_id
    if quote.page:
        source += ", " + _text("positions_page", prompts, page=quote.page)
    return _text("positions_source", prompts, source=source)


def write_docx(matrix: PositionMatrix, path: Path, prompts: Path | None = None) -> Path:
    """Write the Word document to `path` (its folder is made); returns `path`."""
    path = Path(path)
    document = Document()
    document.add_heading(_text("positions_title", prompts), level=0)
    if matrix.index_version:
        document.add_paragraph(_text("positions_computed", prompts, version=matrix.index_version))
    for proposal in matrix.proposals:
        document.add_heading(f"{proposal.id} {proposal.title}".strip(), level=1)
        if proposal.text:
            document.add_paragraph(proposal.text).runs[0].italic = True
        counts = matrix.counts(proposal.id)
        summary = document.add_paragraph()
        summary.add_run(_text("positions_counts", prompts) + ": ").bold = True
        summary.add_run("; ".join(f"{STANCE_LABELS_SV[s]}: {counts[s]}" for s in STANCES))
        silent = []
        for stance in STANCES:
            for respondent in matrix.respondents:
                cell = matrix.cell(proposal.id, *respondent.key)
                if cell.stance != stance:
                    continue
                if stance == "ej_berört":
                    silent.append(respondent.label)
                    continue
                _respondent_view(document, respondent.label, stance, cell.quotes, prompts)
        if silent:
            document.add_paragraph(_text("positions_not_addressed", prompts, names="; ".join(silent)))
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _respondent_view(
    document: object, label: str, stance: str, quotes: tuple[CellQuote, ...], prompts: Path | None
) -> None:
    line = document.add_paragraph()  # type: ignore[attr-defined]
    line.add_run(label).bold = True
    line.add_run(" – ")
    mark = line.add_run(STANCE_LABELS_SV[stance])
    mark.font.highlight_color = _WORD_HIGHLIGHT.get(stance)
    for quote in quotes:
        document.add_paragraph(f"”{' '.join(quote.text.split())}”", style="Quote")  # type: ignore[attr-defined]
        source = document.add_paragraph(source_line(quote, prompts))  # type: ignore[attr-defined]
        source.runs[0].font.size = Pt(9)
        source.runs[0].font.color.rgb = RGBColor(0x57, 0x60, 0x6A)
