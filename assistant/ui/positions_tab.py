"""The "Remissammanställning" tab: proposals × respondents, coloured by stance, with the quotes behind each cell.

Everything in the tab is filled when the tab is opened (never in the page's configuration), so a
login hides it like the rest, and a matrix computed after the app started (`remiss positions`)
shows without a restart. Clicking a cell shows its quotes as the chat's source cards, the
quote marked in its document. The whole matrix downloads as Excel and Word.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answering.aggregate import Sources, quote_citation
from assistant.positions.cached import MatrixCache
from assistant.positions.export import PROMPTS, write_docx, write_xlsx
from assistant.positions.model import STANCE_LABELS_SV, STANCES, PositionMatrix
from assistant.positions.palette import STANCE_COLOURS, STANCE_SHORT_SV
from assistant.prompts import message
from assistant.records import Answer
from assistant.settings import Settings
from assistant.store import Store
from assistant.ui.housekeeping import prune_exports
from assistant.ui.render import source_cards

ALL = "Alla"
# A click on a cell names its proposal and respondent; the listener sits on the component, so it
# survives the grid being drawn again.
_ON_CLICK = """
element.addEventListener('click', (event) => {
    const cell = event.target.closest('td[data-p]');
    if (cell) trigger('click', {proposal: cell.dataset.p, organisation: cell.dataset.org, body: cell.dataset.body});
});
"""


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _style(stance: str) -> str:
    return f"background:#{STANCE_COLOURS[stance]}"


def filtered(matrix: PositionMatrix, proposal: str, respondent: str, stance: str) -> PositionMatrix:
    """The part of the matrix the filters keep; with a stance, only the rows and columns that hold it."""
    proposals = [p for p in matrix.proposals if proposal in ("", ALL, None, p.id)]
    respondents = [r for r in matrix.respondents if respondent in ("", ALL, None, r.label)]
    if stance not in ("", ALL, None):
        holds = {(c.proposal_id, c.respondent_key) for c in matrix.cells if c.stance == stance}
        if stance == "ej_berört":
            holds = {
                (p.id, r.key) for p in proposals for r in respondents if matrix.cell(p.id, *r.key).stance == stance
            }
        proposals = [p for p in proposals if any((p.id, r.key) in holds for r in respondents)]
        respondents = [r for r in respondents if any((p.id, r.key) in holds for p in proposals)]
    return replace(matrix, proposals=proposals, respondents=respondents)


def _count_label(stance: str) -> str:
    """The counts' column heads are narrow: the short label, but "Ej berört" in full (its cells show "–")."""
    return STANCE_LABELS_SV[stance] if stance == "ej_berört" else STANCE_SHORT_SV[stance]


def grid_html(matrix: PositionMatrix, stance: str = ALL, prompts: Path | None = None) -> str:
    """The colour-coded table: one row per proposal, a column per respondent, then the counts per stance."""
    if not matrix.proposals or not matrix.respondents:
        return f"<p class='positions-empty'>{escape(_msg(prompts, 'positions_empty_filter'))}</p>"
    head = [f"<th class='proposal'>{escape(_msg(prompts, 'positions_proposal'))}</th>"]
    head += [f"<th class='respondent'>{escape(r.label)}</th>" for r in matrix.respondents]
    head += [
        f"<th class='count' style='{_style(s)}' title='{_attr(STANCE_LABELS_SV[s])}'>{escape(_count_label(s))}</th>"
        for s in STANCES
    ]
    rows = []
    for proposal in matrix.proposals:
        cells = [f"<th class='proposal' scope='row'>{escape(proposal.id)} {escape(proposal.title)}</th>"]
        for respondent in matrix.respondents:
            cell = matrix.cell(proposal.id, *respondent.key)
            shown = stance in ("", ALL, None) or cell.stance == stance
            tip = f"{respondent.label}: {STANCE_LABELS_SV[cell.stance]}"
            cells.append(
                f"<td class='cell{'' if shown else ' dim'}' data-stance='{_attr(cell.stance)}' "
                f"data-p='{_attr(proposal.id)}' data-org='{_attr(cell.organisation)}' "
                f"data-body='{_attr(cell.body)}' title='{_attr(tip)}' "
                f"style='{_style(cell.stance) if shown else ''}'>{escape(STANCE_SHORT_SV[cell.stance])}</td>"
            )
        counts = matrix.counts(proposal.id)
        cells += [f"<td class='count' data-count='{_attr(s)}'>{counts[s]}</td>" for s in STANCES]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    legend = "".join(
        f"<span class='legend-item' style='{_style(s)}'>{escape(STANCE_LABELS_SV[s])}</span>" for s in STANCES
    )
    return (
        "<div class='positions-scroll'><table class='positions-grid'>"
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f"<div class='positions-legend'><strong>{escape(_msg(prompts, 'positions_legend'))}:</strong> {legend}</div>"
    )


def cell_html(
    matrix: PositionMatrix, proposal_id: str, organisation: str, body: str, sources: Sources, prompts: Path | None
) -> str:
    """One cell's stance and its quotes as open source cards (the quote marked in its document)."""
    proposal = matrix.proposal(proposal_id)
    respondent = next((r for r in matrix.respondents if r.key == (organisation, body)), None)
    if proposal is None or respondent is None:
        return ""
    cell = matrix.cell(proposal_id, organisation, body)
    if not cell.quotes:
        text = _msg(prompts, "positions_no_quote", respondent=respondent.label, proposal=proposal.title)
        return f"<p class='positions-cell'>{escape(text)}</p>"
    title = _msg(
        prompts,
        "positions_cell",
        respondent=respondent.label,
        proposal=proposal.title,
        stance=STANCE_LABELS_SV[cell.stance],
    )
    citations = [quote_citation(n, cell, q, sources) for n, q in enumerate(cell.quotes, start=1)]
    answer = Answer("", "", tuple(citations), False, "positions")
    cards = source_cards(answer, {q.doc_id: sources.text(q.doc_id) for q in cell.quotes})
    cards = cards.replace("<details class='source-card'", "<details open class='source-card'")
    return (
        f"<p class='positions-cell' data-stance='{_attr(cell.stance)}' style='{_style(cell.stance)}'>"
        f"{escape(title)}</p>{cards}"
    )


def _msg(prompts: Path | None, key: str, **values: object) -> str:
    return message(prompts or PROMPTS, "sv", key, **values)


def positions_tab(settings: Settings, store: Store, document_text: Callable[[str], str]) -> gr.Tab:
    """Build the tab inside the app's `gr.Tabs` and wire its events."""
    prompts = settings.prompts_dir
    matrices = MatrixCache(settings, lambda: store.generation)
    sources = Sources(lambda doc_id: store.manifest().get(doc_id), document_text)

    def exported(matrix: PositionMatrix) -> tuple[str, str]:
        folder = settings.exports_dir
        folder.mkdir(parents=True, exist_ok=True)
        prune_exports(folder, settings.export_max_age)
        stem = folder / f"remissammanstallning-{datetime.now():%Y%m%d-%H%M%S-%f}"
        xlsx = write_xlsx(matrix, stem.with_suffix(".xlsx"), prompts)
        docx = write_docx(matrix, stem.with_suffix(".docx"), prompts)
        return str(xlsx), str(docx)

    def opened() -> tuple[Any, ...]:
        matrix = matrices.current()
        if matrix is None:
            hidden = gr.Dropdown(choices=[ALL], value=ALL, interactive=False)
            off = gr.DownloadButton(value=None, interactive=False)
            return _msg(prompts, "positions_missing"), hidden, hidden, hidden, "", "", off, off
        xlsx, docx = exported(matrix)
        proposals = [(ALL, ALL), *((f"{p.id} {p.title}", p.id) for p in matrix.proposals)]
        respondents = [ALL, *(r.label for r in matrix.respondents)]
        stances = [(ALL, ALL), *((STANCE_LABELS_SV[s], s) for s in STANCES)]
        intro = _msg(prompts, "positions_intro")
        return (
            intro,
            gr.Dropdown(choices=proposals, value=ALL, interactive=True),
            gr.Dropdown(choices=respondents, value=ALL, interactive=True),
            gr.Dropdown(choices=stances, value=ALL, interactive=True),
            grid_html(matrix, ALL, prompts),
            _msg(prompts, "positions_pick"),
            gr.DownloadButton(value=xlsx, interactive=True),
            gr.DownloadButton(value=docx, interactive=True),
        )

    def redraw(proposal: str, respondent: str, stance: str) -> tuple[str, str]:
        matrix = matrices.current()
        if matrix is None:
            return "", ""
        return grid_html(filtered(matrix, proposal, respondent, stance), stance, prompts), ""

    def clicked(evt: gr.EventData) -> str:
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        matrix = matrices.current()
        if matrix is None or not data.get("proposal"):
            return gr.skip()
        organisation, body = str(data.get("organisation", "")), str(data.get("body", ""))
        return cell_html(matrix, str(data["proposal"]), organisation, body, sources, prompts)

    with gr.Tab("Remissammanställning", id="positions") as tab:
        status = gr.Markdown("", elem_id="positions-status")
        with gr.Row():
            proposal = gr.Dropdown([ALL], value=ALL, label="Förslag", elem_id="p-proposal", interactive=False)
            respondent = gr.Dropdown([ALL], value=ALL, label="Remissinstans", elem_id="p-respondent", interactive=False)
            stance = gr.Dropdown([ALL], value=ALL, label="Ställningstagande", elem_id="p-stance", interactive=False)
        grid = gr.HTML("", elem_id="positions-grid", js_on_load=_ON_CLICK)
        quotes = gr.HTML("", elem_id="positions-quotes")
        with gr.Row():
            xlsx = gr.DownloadButton("Ladda ner som Excel", elem_id="positions-xlsx", interactive=False)
            docx = gr.DownloadButton("Ladda ner som Word", elem_id="positions-docx", interactive=False)
    tab.select(opened, None, [status, proposal, respondent, stance, grid, quotes, xlsx, docx], api_visibility="private")
    for dropdown in (proposal, respondent, stance):
        dropdown.change(redraw, [proposal, respondent, stance], [grid, quotes], api_visibility="private")
    grid.click(clicked, None, quotes, api_visibility="private")
    return tab
