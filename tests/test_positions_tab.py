"""The tab's HTML and the aggregate-question rules, without an index or a browser (fast)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from positions_data import CKS, LIU, POLICYLABB, STATSBIDRAG, TILLSYN, sample_matrix

from assistant.answering.aggregate import Sources, is_aggregate, match_proposals
from assistant.positions.cached import MatrixCache
from assistant.positions.model import Cell, CellQuote, Respondent, save_matrix
from assistant.positions.palette import STANCE_COLOURS
from assistant.positions.store import matrix_path
from assistant.settings import PROJECT_ROOT, Settings
from assistant.ui.positions_tab import cell_html, filtered, grid_html

PROMPTS = PROJECT_ROOT / "prompts"
XSS = "<img src=x onerror=alert(1)>"
CKS_TEXT = (PROJECT_ROOT / "corpus" / f"{CKS}.txt").read_text(encoding="utf-8")
SOURCES = Sources(lambda doc_id: None, lambda doc_id: CKS_TEXT if doc_id == CKS else "")


def test_grid_colours_each_cell_by_its_stance_and_counts_per_row() -> None:
    html = grid_html(sample_matrix(), prompts=PROMPTS)
    assert html.count("<tr>") == 1 + 4  # header + proposals
    cks_cell = f"data-p='{POLICYLABB}' data-org='{LIU[0]}' data-body='{LIU[1]}'"
    at = html.index(cks_cell)
    assert f"background:#{STANCE_COLOURS['avstyrker']}'>Avstyrker</td>" in html[at : at + 400]
    assert "Teckenförklaring" in html


def test_stance_filter_keeps_rows_and_columns_holding_it() -> None:
    part = filtered(sample_matrix(), "Alla", "Alla", "avstyrker")
    assert [p.id for p in part.proposals] == [POLICYLABB]
    assert [r.key for r in part.respondents] == [LIU]
    part = filtered(sample_matrix(), STATSBIDRAG, "Alla", "Alla")
    assert [p.id for p in part.proposals] == [STATSBIDRAG] and len(part.respondents) == 5
    assert "Inga förslag" in grid_html(filtered(sample_matrix(), TILLSYN, "Alla", "synpunkter"), "synpunkter", PROMPTS)


def test_cell_shows_its_quote_marked_in_its_document() -> None:
    html = cell_html(sample_matrix(), POLICYLABB, *LIU, SOURCES, PROMPTS)
    assert "<mark>Förslaget om ett nationellt policylabb är mycket oklart formulerat.</mark>" in html
    assert "details open class='source-card'" in html
    silent = cell_html(sample_matrix(), STATSBIDRAG, *LIU, SOURCES, PROMPTS)
    assert "berör inte förslaget" in silent and "source-card" not in silent


def test_names_and_quotes_are_escaped() -> None:
    matrix = sample_matrix()
    evil = Respondent(XSS, "Nämnd' onclick='x")
    matrix.respondents.append(evil)
    matrix.cells.append(Cell(POLICYLABB, *evil.key, "synpunkter", quotes=(CellQuote(XSS, "okänt-dokument"),)))
    html = grid_html(matrix, prompts=PROMPTS) + cell_html(matrix, POLICYLABB, *evil.key, SOURCES, PROMPTS)
    assert "<img" not in html and "&lt;img src=x" in html
    assert "' onclick='" not in html


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Vilka instanser är kritiska till policylabbet?", [POLICYLABB]),
        ("Hur många tillstyrker förslaget om riktade statsbidrag?", [STATSBIDRAG]),
        ("Vad tycker remissinstanserna om tillsynen?", [TILLSYN]),
        ("Vad anser remissvaren om ett nationellt policylabb?", [POLICYLABB]),
        ("Vad tycker remissinstanserna om kärnkraft?", []),
    ],
)
def test_aggregate_questions_name_their_proposal(question: str, expected: list[str]) -> None:
    assert is_aggregate(question)
    found = match_proposals(question, "sv", sample_matrix(), frozenset(), lambda term: 1.0)
    assert [p.id for p in found] == expected


@pytest.mark.parametrize(
    "question",
    [
        "Vad är ett policylabb?",
        "Hur många kommuner finns det i Sverige?",
        "Vilka förslag lägger utredningen om tillsynen?",
        "Vad säger utredningen om policylabbet?",
    ],
)
def test_questions_not_about_the_respondents_as_a_whole(question: str) -> None:
    assert not is_aggregate(question)


def test_proposal_wording_breaks_ties_between_titles() -> None:
    matrix = sample_matrix()
    twin = replace(matrix.proposals[1], id="P99", text="")  # same title, no wording
    matrix.proposals.append(twin)
    found = match_proposals(
        "Vilka instanser stöder policylabbet som ska lyfta regelverk?", "sv", matrix, frozenset(), lambda t: 1.0
    )
    assert [p.id for p in found] == [POLICYLABB]


def test_matrix_cache_rereads_a_changed_file_and_survives_a_damaged_one(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    cache = MatrixCache(settings, lambda: 0)
    assert cache.current() is None  # not computed yet
    path = matrix_path(settings, 0)
    save_matrix(sample_matrix(), path)
    assert [p.id for p in cache.current().proposals] == [STATSBIDRAG, POLICYLABB, "P08", TILLSYN]
    path.write_text("{ inte json", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert cache.current() is None  # the chat and the tab then work as without a matrix
