"""The chat window in a real browser (Debian's Chromium, driven by Playwright's sync API).

The app runs in-process on the bundled corpus (extractive answers, no language model).
Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the tests are skipped,
or fail when $CI is set.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import RunningApp, chromium_browser, running_app
from fake_openai import FakeOpenAI, Reply

from assistant.settings import PROJECT_ROOT, Settings

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot-chat.png"  # refreshed by `pytest --update-screenshot` only
MALMO = "Vad tycker Malmö om riktade statsbidrag?"
XSS = "<img src=x onerror=alert(1)>"

# The last answer is complete: more bot messages than before, and the chat's status tracker is idle.
ANSWER_DONE = """([before]) => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]').length;
    const tracker = document.querySelector('#chat > [data-testid="status-tracker"]');
    return bots > before && (!tracker || tracker.classList.contains('hide'));
}"""


@pytest.fixture(scope="module")
def app(corpus_settings: Settings) -> Iterator[RunningApp]:
    with running_app(corpus_settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium_browser() as chromium:
        yield chromium


class Session:
    """One browser context (its own cookies, its own Gradio session) with one page."""

    def __init__(self, browser: object, url: str) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, locale="sv-SE")  # type: ignore[attr-defined]
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.goto(url, wait_until="load")
        self.page.locator("#question textarea").wait_for(state="visible")
        self.page.locator("#send").wait_for(state="visible")

    def _on_dialog(self, dialog: object) -> None:
        self.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.context.close()

    # -- reading the page ---------------------------------------------------------------------
    def bots(self) -> list[str]:
        return self.page.locator('#chat [data-testid="bot"]').all_inner_texts()

    def users(self) -> list[str]:
        return [t.strip() for t in self.page.locator('#chat [data-testid="user"]').all_inner_texts()]

    def card_summaries(self) -> list[str]:
        return [t.strip() for t in self.page.locator("#sources details.source-card > summary").all_inner_texts()]

    # -- acting -------------------------------------------------------------------------------
    def wait_for_answer(self, before: int) -> str:
        self.page.wait_for_function(ANSWER_DONE, arg=[before], timeout=TIMEOUT_MS)
        return self.bots()[-1]

    def ask(self, question: str) -> str:
        """Type the question, press Skicka, wait until the answer is complete; return its text."""
        before = len(self.bots())
        box = self.page.locator("#question textarea")
        box.fill(question)
        sync_api.expect(box).to_have_value(question)
        self.page.locator("#send").click()
        return self.wait_for_answer(before)

    def click_suggestion(self, question: str) -> str:
        """Open "Kom igång", click the suggested question, wait until its answer is complete."""
        before = len(self.bots())
        self.page.get_by_role("tab", name="Kom igång").click()
        suggestion = self.page.locator("button.suggestion", has_text=question)
        suggestion.wait_for(state="visible")
        suggestion.click()
        return self.wait_for_answer(before)

    def choose(self, dropdown_id: str, option: str) -> None:
        """Pick `option` in a Gradio 6 dropdown: open it, type to filter, click the option."""
        field = self.page.locator(f"#{dropdown_id} input")
        field.click()
        field.fill(option)
        self.page.locator(f'[data-testid="dropdown-option"][aria-label="{option}"]').click()
        field.blur()
        sync_api.expect(field).to_have_value(option)


@pytest.fixture(scope="module")
def llm_app(corpus_settings: Settings) -> Iterator[tuple[RunningApp, FakeOpenAI]]:
    """A second app that answers with a (scripted, local) language model."""
    with (
        FakeOpenAI() as llm,
        running_app(corpus_settings, llm_base_url=llm.base_url, llm_model="test-model", llm_timeout=20.0) as running,
    ):
        yield running, llm


@pytest.fixture
def session(app: RunningApp, browser: object) -> Iterator[Session]:
    s = Session(browser, app.url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def other_session(app: RunningApp, browser: object) -> Iterator[Session]:
    s = Session(browser, app.url)
    try:
        yield s
    finally:
        s.close()


# -- 1. a cited answer -----------------------------------------------------------------------------
def test_question_gets_cited_answer_and_source_cards(session: Session) -> None:
    answer = session.ask(MALMO)
    cards = session.page.locator("#sources details.source-card")
    cards.first.wait_for(state="attached")
    assert cards.count() >= 1
    assert session.users() == [MALMO]
    assert "Arbetsmarknads- och socialnämnden" in answer
    assert "[1]" in answer
    assert session.card_summaries()[0].startswith("[1] Malmö stad")
    # The question box is cleared for the next question.
    sync_api.expect(session.page.locator("#question textarea")).to_have_value("")


# -- 2. a source card shows the quote in its context ----------------------------------------------
def test_source_card_opens_with_marked_quote(session: Session, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    session.ask(MALMO)
    card = session.page.locator("#sources details.source-card").first
    mark = card.locator("mark")
    assert card.get_attribute("open") is None
    assert not mark.is_visible()
    card.locator("summary").click()
    sync_api.expect(card).to_have_attribute("open", "")
    sync_api.expect(mark).to_be_visible()
    quote = mark.inner_text().strip()
    context = card.locator(".context").inner_text()
    assert quote
    assert quote in context
    assert len(context) > len(quote)  # the quote is shown with text around it
    # As staff cite it: date, Dnr and the original file; no retrieval score.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", card.locator(".meta .date").inner_text())
    assert card.locator(".meta .dnr").inner_text().startswith("Dnr ")
    assert "gradio_api/file=" in (card.locator("a.original").get_attribute("href") or "")
    assert "poäng" not in card.inner_text()
    session.page.locator('#chat [role="log"]').evaluate("log => { log.scrollTop = 0; }")  # show the question
    shot = tmp_path / SCREENSHOT.name  # a plain test run leaves the checkout as it was
    session.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if request.config.getoption("--update-screenshot"):
        shutil.copyfile(shot, SCREENSHOT)


# -- 3. the body filter ---------------------------------------------------------------------------
def test_body_filter_limits_sources_to_that_body(session: Session, other_session: Session) -> None:
    question = "Vad tycker stadsdelsnämnden om tillitsbaserad styrning?"
    other_session.ask(question)
    unfiltered = other_session.card_summaries()
    assert unfiltered

    session.choose("f-body", "Farsta stadsdelsnämnd")
    session.ask(question)
    filtered = session.card_summaries()
    assert filtered
    assert all("Farsta" in s for s in filtered), filtered
    assert filtered != unfiltered
    assert not all("Farsta" in s for s in unfiltered), unfiltered


# -- 4. suggested questions -----------------------------------------------------------------------
def test_suggested_question_is_asked_in_the_chat_tab(session: Session) -> None:
    page = session.page
    question = "Vad är tillitsbaserad styrning?"
    page.get_by_role("tab", name="Kom igång").click()
    suggestion = page.locator("button.suggestion", has_text=question)
    suggestion.wait_for(state="visible")
    suggestion.click()
    answer = session.wait_for_answer(0)
    sync_api.expect(page.get_by_role("tab", name="Chatt")).to_have_attribute("aria-selected", "true")
    assert page.locator("#chat").is_visible()
    assert session.users() == [question]
    assert answer.strip()
    assert "[1]" in answer
    assert session.card_summaries()


def test_two_suggested_questions_in_a_row_are_each_answered_as_if_asked_alone(
    session: Session, other_session: Session
) -> None:
    """A new manager clicks one suggestion after another: the second names its own body and
    topic, so the first must not leak into its search."""
    first, second = MALMO, "Vad anser Äldrenämnden om upphandling av äldreomsorg?"
    alone = other_session.click_suggestion(second)
    alone_cards = other_session.card_summaries()

    session.click_suggestion(first)
    assert all("Malmö" in s for s in session.card_summaries())
    answer = session.click_suggestion(second)
    assert session.users() == [first, second]
    cards = session.card_summaries()
    assert cards and all("Äldrenämnden" in s for s in cards), cards
    assert cards == alone_cards
    assert answer == alone


def test_a_follow_up_that_needs_the_conversation_gets_it(session: Session) -> None:
    """ "Och vad säger de om tillsynen?" names nobody: "de" is Malmö from the question before."""
    session.ask(MALMO)
    answer = session.ask("Och vad säger de om tillsynen?")
    cards = session.card_summaries()
    assert cards and all("Malmö" in s for s in cards), cards
    assert "tillsyn" in answer.lower()


# -- 5. feedback ----------------------------------------------------------------------------------
def test_feedback_is_saved_as_a_json_line(session: Session, app: RunningApp) -> None:
    page = session.page
    answer = session.ask(MALMO)
    comment = f"Bra källor, tack! {uuid.uuid4().hex}"
    page.locator("#vote").get_by_label("👍 Bra").check()
    page.locator("#comment textarea").fill(comment)
    page.locator("#send-feedback").click()
    sync_api.expect(page.locator("#feedback-status")).to_contain_text("Tack")
    sync_api.expect(page.locator("#comment textarea")).to_have_value("")

    path = app.settings.feedback_path
    assert path.exists(), path
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    mine = [r for r in rows if r.get("comment") == comment]
    assert len(mine) == 1, rows[-3:]
    row = mine[0]
    assert row["question"] == MALMO
    assert row["vote"] == "upp"
    assert row["mode"] == "extractive"
    assert "Arbetsmarknads- och socialnämnden" in row["answer"]
    assert row["answer"].splitlines()[-1].split("”")[1] in answer  # the last quoted sentence is what was shown
    assert row["citations"]
    for citation in row["citations"]:
        assert set(citation) == {"n", "doc_id", "body", "quote"}
        assert citation["quote"].strip()
    assert row["citations"][0]["n"] == 1
    assert row["citations"][0]["body"] == "Arbetsmarknads- och socialnämnden"


# -- 6. no script injection ------------------------------------------------------------------------
def test_html_in_question_is_shown_literally_and_not_run(session: Session) -> None:
    page = session.page
    session.ask(XSS)
    sync_api.expect(page.locator('#chat [data-testid="user"]')).to_contain_text(XSS)
    assert XSS in page.locator("#chat").inner_text()
    page.wait_for_timeout(500)  # give a broken image's onerror time to fire
    assert page.locator('#chat img[src="x"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert session.dialogs == []


def test_markdown_link_in_question_is_not_a_link(session: Session) -> None:
    page = session.page
    question = "[klicka här](javascript:alert(1)) **fet**"
    session.ask(question)
    sync_api.expect(page.locator('#chat [data-testid="user"]')).to_contain_text(question)
    assert page.locator('#chat a[href^="javascript"]').count() == 0
    assert page.locator('#chat [data-testid="user"] strong').count() == 0
    assert session.dialogs == []


# -- 7. an empty question ---------------------------------------------------------------------------
def test_empty_question_gets_a_friendly_message(session: Session) -> None:
    page = session.page
    before = len(session.bots())
    page.locator("#question textarea").fill("")
    page.locator("#send").click()
    answer = session.wait_for_answer(before)
    assert "Frågan är tom" in answer
    assert page.locator('#chat [data-testid="user"]').count() == 0  # no empty question bubble before it
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert not re.search(r"\b(Exception|QuestionError|RemissError)\b", body)
    assert page.locator('[data-testid="toast-body"]').count() == 0  # no Gradio "Error" toast


# -- 8. export -------------------------------------------------------------------------------------
def test_export_downloads_in_one_click_and_names_the_filters(session: Session) -> None:
    page = session.page
    export = page.locator("#export")
    sync_api.expect(export).to_be_disabled()  # nothing to export before the first answer
    session.choose("f-body", "Farsta stadsdelsnämnd")
    question = "Vad tycker stadsdelsnämnden om tillitsbaserad styrning?"
    session.ask(question)
    sync_api.expect(export).to_be_enabled()
    with page.expect_download(timeout=15_000) as download:
        export.click()  # the one click downloads the file
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Samtal med remiss")
    assert f"## Fråga 1: {question}" in text
    assert "*Filter: organ Farsta stadsdelsnämnd*" in text
    assert "### Källor" in text and "Farsta stadsdelsnämnd" in text.split("### Källor")[1]


# -- 9. a long answer starts in view -----------------------------------------------------------------
GEOMETRY = """() => {
    const chat = document.querySelector('#chat');
    const box = (e) => e.getBoundingClientRect();
    const log = chat.querySelector('[role="log"]');
    const users = chat.querySelectorAll('[data-testid="user"]');
    const bots = chat.querySelectorAll('[data-testid="bot"]');
    return {
        log_top: box(log).top, log_bottom: box(log).bottom, overflow: log.scrollHeight - log.clientHeight,
        label_bottom: box(chat.querySelector('[data-testid="block-label"]')).bottom,
        question_top: box(users[users.length - 1]).top, question_bottom: box(users[users.length - 1]).bottom,
        answer_top: box(bots[bots.length - 1]).top,
    };
}"""


def test_a_long_answer_starts_in_view_below_the_label(session: Session) -> None:
    """The chat does not jump to the end of the answer: the newest question and the start of its
    answer are in view, and not under the floating "Samtal" label."""
    session.ask(MALMO)
    session.ask("Vad är tillitsbaserad styrning?")
    g = session.page.evaluate(GEOMETRY)
    assert g["overflow"] > 300, g  # the conversation is much taller than the window
    assert g["question_top"] >= g["label_bottom"], g
    assert g["question_bottom"] <= g["log_bottom"], g
    assert g["question_top"] - g["label_bottom"] < 40, g  # at the top of the window, just under the label
    assert g["label_bottom"] < g["answer_top"] < g["log_bottom"] - 100, g


# -- 10. sessions are separate -------------------------------------------------------------------------
def test_each_browser_session_has_its_own_history(session: Session, other_session: Session) -> None:
    first_a = MALMO
    first_b = "Vad är ett nationellt policylab?"
    session.ask(first_a)
    other_session.ask(first_b)
    follow_up = session.ask("Och vad tycker Äldrenämnden?")

    assert session.users() == [first_a, "Och vad tycker Äldrenämnden?"]
    assert other_session.users() == [first_b]
    assert len(session.bots()) == 2
    assert len(other_session.bots()) == 1
    a_text = session.page.locator("#chat").inner_text()
    b_text = other_session.page.locator("#chat").inner_text()
    assert first_b not in a_text
    assert first_a not in b_text
    # The follow-up was read against this session's own first question (riktade statsbidrag),
    # not the other session's (policylab).
    assert "statsbidrag" in follow_up
    assert "Äldre" in follow_up

    # A fresh page in the same browser context is a new Gradio session: empty chat.
    fresh = session.context.new_page()
    fresh.goto(session.page.url, wait_until="load")
    fresh.locator("#question textarea").wait_for(state="visible")
    assert fresh.locator('#chat [data-testid="user"]').count() == 0
    fresh.close()


# -- with a language model (scripted local server) ------------------------------------------------------
def test_streamed_model_answer_with_citation_and_sources(
    llm_app: tuple[RunningApp, FakeOpenAI], browser: object
) -> None:
    running, llm = llm_app
    llm.reset()
    llm.script(Reply("Malmö välkomnar att statsbidrag som huvudprincip ska vara generella [1].", pieces=6, pause=0.05))
    s = Session(browser, running.url)
    try:
        sync_api.expect(s.page.locator("#mode-line")).to_contain_text("test-model")
        answer = s.ask(MALMO)
        assert "Malmö välkomnar att statsbidrag som huvudprincip ska vara generella [1]." in answer
        assert s.card_summaries() and s.card_summaries()[0].startswith("[1] ")
        assert len(llm.requests) == 1 and llm.unscripted == 0
    finally:
        s.close()


def test_markdown_image_and_link_in_model_answer_are_shown_as_text(
    llm_app: tuple[RunningApp, FakeOpenAI], browser: object
) -> None:
    """Model output (and quoted document text) is data: an image or a link in it must not become
    an element that loads a URL or can be clicked (a prompt-injected image leaks data to its host)."""
    running, llm = llm_app
    llm.reset()
    image = "![spår](http://127.0.0.1:9/spar.png)"
    link = "[klicka här](http://127.0.0.1:9/)"
    llm.script(Reply(f"Malmö välkomnar generella statsbidrag [1]. {image} {link}", pieces=3, pause=0.05))
    s = Session(browser, running.url)
    try:
        answer = s.ask(MALMO)
        chat = s.page.locator("#chat")
        assert "[1]" in answer
        assert chat.locator('img[src*="127.0.0.1:9"]').count() == 0, chat.locator('[data-testid="bot"]').inner_html()
        assert chat.locator("a", has_text="klicka här").count() == 0
        assert image in answer and link in answer
    finally:
        s.close()
