"""The admin page in a real browser: log in, upload a remissvar made here, index it while the app
serves, and ask about it, all without a restart (Debian's Chromium, Playwright's sync API).

The app runs in-process with a login on a small corpus of its own (one bundled document), so
the test's uploads touch no other test's index.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from app_server import RunningApp, chromium_browser, running_app
from pydantic import SecretStr

from assistant.indexing import ingest
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

TIMEOUT_MS = 60_000
INDEX_TIMEOUT_MS = 240_000  # the bounded wait for the progress to finish (a cold embedder on a busy machine)
USER, PASSWORD = "handläggare", "remiss-hemligt-42"
MALMO = "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt"
ORGANISATION = "Kvarnby kommunalförbund"
SENTENCE = "Förbundet avstyrker förslaget om ett nationellt policylab för fiskodling i Vättern."
QUESTION = "Vad anser Kvarnby kommunalförbund om ett nationellt policylab för fiskodling?"
DATE, DNR = "2018-10-29", "KF 2018/77"


def make_pdf(path: Path) -> None:
    """A two-page remissvar (fpdf2, core font); the distinctive sentence is on page 2."""
    from fpdf import FPDF

    pages = [
        ["Yttrande över betänkandet Med tillit växer handlingsutrymmet (SOU 2018:47)"]
        + [f"Förbundet har tagit del av betänkandet och lämnar synpunkter på styrningen, del {i}." for i in range(6)],
        ["Synpunkter på förslagen", SENTENCE, "Förbundet ser i övrigt positivt på tillitsbaserad styrning."],
    ]
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_xy(20, 20)
        for paragraph in paragraphs:
            pdf.set_x(20)
            pdf.multi_cell(170, 6, paragraph)
            pdf.ln(4)
    path.write_bytes(bytes(pdf.output()))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Iterator[RunningApp]:
    root = tmp_path_factory.mktemp("admin-app")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (MALMO, "catalog.toml", "inquiries.toml"):
        shutil.copy(PROJECT_ROOT / "corpus" / name, corpus / name)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, embed_cache=shared_cache)  # type: ignore[call-arg]
    assert ingest(settings).ok
    with running_app(settings, auth_user=USER, auth_password=SecretStr(PASSWORD)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture
def page(browser: object, app: RunningApp) -> Iterator[object]:
    """A logged-in page: the login form filled and sent like a person does."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app.url, wait_until="load")
    page.locator("input[type=text]").fill(USER)
    page.locator("input[type=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^Log", re.IGNORECASE)).click()  # "Logga in" in Swedish
    page.locator("#question textarea").wait_for(state="visible")
    try:
        yield page
    finally:
        context.close()


def open_tab(page: object, name: str) -> None:
    page.get_by_role("tab", name=name).click()  # type: ignore[attr-defined]


def fill(page: object, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input, #{elem_id} textarea").first  # type: ignore[attr-defined]
    box.fill(value)
    box.blur()


def upload(page: object, path: Path) -> None:
    page.locator("#admin-upload input[type=file]").set_input_files(str(path))  # type: ignore[attr-defined]
    shown = page.locator("#admin-parsed")  # type: ignore[attr-defined]
    sync_api.expect(shown).to_contain_text(path.name, timeout=TIMEOUT_MS)


def index_and_wait(page: object) -> str:
    """Press the button, then wait (bounded) until the progress says the run has ended."""
    page.locator("#admin-index").click()  # type: ignore[attr-defined]
    ended = "#index-status .index-status[data-state='done'], #index-status .index-status[data-state='failed']"
    done = page.locator(ended)  # type: ignore[attr-defined]
    done.wait_for(state="attached", timeout=INDEX_TIMEOUT_MS)
    return done.inner_text()


def organisation_choices(page: object) -> list[str]:
    field = page.locator("#f-org input")  # type: ignore[attr-defined]
    field.click()
    options = page.locator('[data-testid="dropdown-option"]')  # type: ignore[attr-defined]
    options.first.wait_for(state="visible")
    names = [o.strip() for o in options.all_inner_texts()]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    field.blur()
    return names


def ask(page: object, question: str) -> str:
    bots = page.locator('#chat [data-testid="bot"]')  # type: ignore[attr-defined]
    before = bots.count()
    page.locator("#question textarea").fill(question)  # type: ignore[attr-defined]
    page.locator("#send").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """([before]) => {
            const bots = document.querySelectorAll('#chat [data-testid="bot"]').length;
            const tracker = document.querySelector('#chat > [data-testid="status-tracker"]');
            return bots > before && (!tracker || tracker.classList.contains('hide'));
        }""",
        arg=[before],
        timeout=TIMEOUT_MS,
    )
    return bots.last.inner_text()


def test_upload_is_refused_before_login(app: RunningApp) -> None:
    files = {"files": ("kvarnby.pdf", b"%PDF-1.4 not really", "application/pdf")}
    response = httpx.post(f"{app.url}gradio_api/upload", files=files, timeout=30)
    assert response.status_code == 401
    assert "Logga in" in response.json()["detail"]
    folder = Path(app.demo.server_app.uploaded_file_dir)
    assert not any(p.name == "kvarnby.pdf" for p in folder.rglob("*")) if folder.exists() else True
    assert not app.settings.uploads_dir.exists() or not any(app.settings.uploads_dir.glob("*.pdf"))


def test_uploaded_remissvar_is_answered_without_a_restart(app: RunningApp, page: object, tmp_path: Path) -> None:
    assert ORGANISATION not in organisation_choices(page)
    pdf = tmp_path / "Kvarnby kommunalförbund yttrande.pdf"
    make_pdf(pdf)
    open_tab(page, "Lägg till dokument")
    upload(page, pdf)
    parsed = page.locator("#admin-parsed").inner_text()  # type: ignore[attr-defined]
    assert "2 sidor" in parsed and "Yttrande över betänkandet" in parsed
    assert "Organisationen kunde inte avgöras" in parsed  # today's inference: staff fill it in
    sync_api.expect(page.locator("#admin-file input")).to_have_value(pdf.name)  # type: ignore[attr-defined]
    fill(page, "admin-organisation", ORGANISATION)
    fill(page, "admin-kind", "remissvar")
    fill(page, "admin-date", DATE)
    fill(page, "admin-reference", DNR)
    fill(page, "admin-concerns", "SOU 2018:47")
    result = index_and_wait(page)
    assert "Klart: 1 nya" in result, result
    assert page.locator("#index-status progress").get_attribute("value") == "1.000"  # type: ignore[attr-defined]

    # The same page, no reload: the filters follow, and the chat answers from the new document.
    open_tab(page, "Chatt")
    assert ORGANISATION in organisation_choices(page)
    answer = ask(page, QUESTION)
    assert "avstyrker förslaget om ett nationellt policylab" in answer, answer
    card = page.locator("#sources details.source-card", has_text=ORGANISATION).first  # type: ignore[attr-defined]
    card.locator("summary").click()
    assert card.locator(".date").inner_text() == DATE
    assert card.locator(".dnr").inner_text() == f"Dnr {DNR}"
    assert "poäng" not in card.inner_text()
    link = card.locator("a.original")
    href = link.get_attribute("href")
    assert href and re.search(r"gradio_api/file=.*\.pdf#page=2$", href), href
    url = str(httpx.URL(app.url).join(href.split("#")[0]))
    original = page.request.get(url)  # type: ignore[attr-defined]  # with the page's login cookie
    assert original.status == 200 and original.body() == pdf.read_bytes()
    assert httpx.get(url, timeout=30).status_code == 401  # not without the login

    # A reload (a new page load) shows the new organisation too.
    page.reload(wait_until="load")  # type: ignore[attr-defined]
    page.locator("#question textarea").wait_for(state="visible")  # type: ignore[attr-defined]
    assert ORGANISATION in organisation_choices(page)


def test_a_bad_file_is_refused_by_name_and_nothing_indexed_is_lost(
    app: RunningApp, page: object, tmp_path: Path
) -> None:
    before = dict(Store(app.settings).manifest(fresh=True))
    bad = tmp_path / "trasigt-yttrande.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"\x00trasig" * 300)
    open_tab(page, "Lägg till dokument")
    upload(page, bad)
    shown = page.locator("#admin-parsed").inner_text()  # type: ignore[attr-defined]
    assert "trasigt-yttrande.pdf togs inte emot" in shown and "PDF-filen" in shown, shown
    assert "Inget som redan är indexerat har ändrats" in shown
    assert not (app.settings.uploads_dir / bad.name).exists()
    result = index_and_wait(page)
    assert "trasigt" not in result
    after = Store(app.settings).manifest(fresh=True)
    assert set(after) == set(before) and all(after[d].doc_hash == e.doc_hash for d, e in before.items())


def test_onboarding_describes_the_inquiries_present(page: object) -> None:
    open_tab(page, "Kom igång")
    described = page.locator("#inquiries")  # type: ignore[attr-defined]
    sync_api.expect(described).to_contain_text("SOU 2018:47 Med tillit växer handlingsutrymmet")
    sync_api.expect(described).to_contain_text("huvudbetänkande")
