"""The Remissammanställning tab and questions about all respondents, in a real browser (Debian's Chromium).

The app runs in-process on the bundled corpus with the hand-made matrix of positions_data saved
as the current generation's matrix (removed after the module). Needs /usr/bin/chromium.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest
from app_server import RunningApp, chromium_browser, running_app
from docx import Document
from positions_data import LIU, POLICYLABB, SLK, STANCES, sample_saved
from pydantic import SecretStr

from assistant.generations import current_number
from assistant.positions.palette import STANCE_COLOURS
from assistant.positions.store import matrix_path
from assistant.settings import Settings

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

TIMEOUT_MS = 60_000
CKS_QUOTE = STANCES[POLICYLABB][LIU][1][0]


@pytest.fixture(scope="module")
def app(corpus_settings: Settings) -> Iterator[RunningApp]:
    with sample_saved(corpus_settings), running_app(corpus_settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture
def page(app: RunningApp, browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app.url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible")
    try:
        yield page
    finally:
        context.close()


def open_tab(page: object) -> None:
    page.get_by_role("tab", name="Remissammanställning").click()  # type: ignore[attr-defined]


def grid_cell(page: object, proposal: str, respondent: tuple[str, str]) -> object:
    org, body = respondent
    return page.locator(f"#positions-grid td[data-p='{proposal}'][data-org='{org}'][data-body='{body}']")  # type: ignore[attr-defined]


def _rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)))


def test_grid_is_coloured_and_a_click_shows_the_cells_quote(page: object) -> None:
    open_tab(page)
    cell = grid_cell(page, POLICYLABB, LIU)
    sync_api.expect(cell).to_have_text("Avstyrker")
    assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(STANCE_COLOURS["avstyrker"])
    row = page.locator("#positions-grid tr", has=page.locator(f"td[data-p='{POLICYLABB}']"))
    counts = [row.locator(f"td[data-count='{s}']").inner_text() for s in ("tillstyrker_delvis", "avstyrker")]
    assert counts == ["1", "1"]
    sync_api.expect(page.locator("#positions-quotes")).to_contain_text("Klicka på en ruta")
    cell.click()
    quotes = page.locator("#positions-quotes")
    sync_api.expect(quotes.locator("details.source-card mark")).to_have_text(CKS_QUOTE)
    sync_api.expect(quotes.locator(".positions-cell")).to_contain_text("Ett nationellt policylabb: Avstyrker")
    assert "Remissyttrande från Centrum för kommunstrategiska studier" in quotes.locator(".meta").inner_text()
    grid_cell(page, POLICYLABB, SLK).click()  # two quotes, two cards
    sync_api.expect(quotes.locator("details.source-card")).to_have_count(2)
    sync_api.expect(quotes.locator(".positions-cell")).to_contain_text("Tillstyrker delvis / med villkor")


def choose(page: object, dropdown_id: str, option: str) -> None:
    field = page.locator(f"#{dropdown_id} input")  # type: ignore[attr-defined]
    field.click()
    field.fill(option)
    page.locator(f'[data-testid="dropdown-option"][aria-label="{option}"]').click()  # type: ignore[attr-defined]
    field.blur()
    sync_api.expect(field).to_have_value(option)


def test_stance_filter_keeps_the_rows_and_columns_that_hold_it(page: object) -> None:
    open_tab(page)
    sync_api.expect(grid_cell(page, POLICYLABB, LIU)).to_be_visible()
    choose(page, "p-stance", "Avstyrker")
    sync_api.expect(page.locator("#positions-grid tbody tr")).to_have_count(1)
    sync_api.expect(page.locator("#positions-grid th.respondent")).to_have_text([f"{LIU[0]}, {LIU[1]}"])
    choose(page, "p-stance", "Alla")
    choose(page, "p-respondent", f"{SLK[0]}, {SLK[1]}")
    sync_api.expect(page.locator("#positions-grid th.respondent")).to_have_count(1)
    sync_api.expect(page.locator("#positions-grid tbody tr")).to_have_count(4)


def test_xlsx_and_docx_download_and_read_back(page: object) -> None:
    open_tab(page)
    xlsx_button = page.locator("#positions-xlsx")
    sync_api.expect(xlsx_button).to_be_enabled()
    with page.expect_download(timeout=15_000) as download:
        xlsx_button.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    quotes = [row[6] for row in book["Citat"].iter_rows(min_row=2, values_only=True)]
    assert CKS_QUOTE in quotes
    with page.expect_download(timeout=15_000) as download:
        page.locator("#positions-docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    texts = [p.text for p in Document(download.value.path()).paragraphs]
    assert f"”{CKS_QUOTE}”" in texts and f"{LIU[0]}, {LIU[1]} – Avstyrker" in texts


def test_without_a_matrix_the_tab_says_how_to_compute_it(page: object, app: RunningApp) -> None:
    path = matrix_path(app.settings, current_number(app.settings))
    aside = path.with_suffix(".aside")
    path.rename(aside)
    try:
        open_tab(page)
        status = page.locator("#positions-status")
        sync_api.expect(status).to_contain_text("remiss positions")
        sync_api.expect(page.locator("#positions-xlsx")).to_be_disabled()
        assert page.locator("#positions-grid table").count() == 0
    finally:
        aside.rename(path)
    page.get_by_role("tab", name="Chatt").click()
    open_tab(page)  # opening the tab again reads the matrix again
    sync_api.expect(grid_cell(page, POLICYLABB, LIU)).to_be_visible()


def test_chat_lists_every_respondent_with_a_stance(page: object) -> None:
    box = page.locator("#question textarea")
    box.fill("Vilka instanser är kritiska till policylabbet?")
    page.locator("#send").click()
    cards = page.locator("#sources details.source-card > summary")
    sync_api.expect(cards).to_have_count(3)
    answer = page.locator('#chat [data-testid="bot"]').last.inner_text()
    assert "Avstyrker (1)" in answer and "Tillstyrker delvis / med villkor (1)" in answer
    assert f"{LIU[0]}, {LIU[1]}: ”{CKS_QUOTE}” [1]" in answer
    page.locator("#sources details.source-card").first.locator("summary").click()
    sync_api.expect(page.locator("#sources details.source-card mark").first).to_have_text(CKS_QUOTE)


def test_nothing_of_the_matrix_before_login(corpus_settings: Settings) -> None:
    login = {"auth_user": "remiss", "auth_password": SecretStr("hemligt-lösenord")}
    with sample_saved(corpus_settings), running_app(corpus_settings, **login) as app, httpx.Client(timeout=30) as http:
        for route in ("", "config", "gradio_api/info"):
            body = http.get(app.url + route).text
            assert "policylabb" not in body.lower() and CKS_QUOTE not in body, route
        refused = http.post(app.url + "gradio_api/queue/join", json={"fn_index": 0, "data": [], "session_hash": "x"})
        assert refused.status_code in (401, 403, 422)
