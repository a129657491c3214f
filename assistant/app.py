"""The chat window (Gradio): streamed, cited answers, source cards, filters, onboarding, feedback.

Each browser session keeps its own conversation in `gr.State` (the last KEPT_ANSWERS answers;
idle sessions are released, see ui/housekeeping); the assistant and its models are shared by
the process. Event handlers are thin: each calls one library function.

`respond` is asynchronous and takes one of `concurrency` answer slots only for the real work:
an empty or over-long question is refused at once even while every slot is busy, and a slot
is given back when the model's time budget runs out. Requests pass ui/gate first (login
throttle, no API description before login, uploads only for the admin page). The filters'
choices are read again on every page load and after the admin page indexes (ui/admin).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import anyio
import gradio as gr
from starlette.middleware import Middleware

from assistant.chain import Assistant
from assistant.errors import QuestionError, RemissError
from assistant.indexjob import IndexJob
from assistant.inquiries import label, load_inquiries, onboarding_markdown, present
from assistant.originals import served_folders, source_infos
from assistant.prompts import message
from assistant.question_check import check_question
from assistant.records import Answer
from assistant.retrieval import Filters
from assistant.settings import Settings
from assistant.store import Store
from assistant.ui.admin import admin_enabled, build_admin
from assistant.ui.gate import Gate, LoginThrottle
from assistant.ui.housekeeping import SessionReaper, prune_exports
from assistant.ui.positions_tab import positions_tab
from assistant.ui.render import (
    answer_markdown,
    append_feedback,
    conversation_markdown,
    feedback_record,
    filters_text,
    safe_text,
    short_text,
    source_cards,
)

UI_DIR = Path(__file__).parent / "ui"
ALL = "Alla"
KEPT_ANSWERS = 50  # answers kept per session (history for follow-ups, the export)
SHOWN_REFUSED_CHARS = 200  # a refused question is echoed in the chat only this far


def _read_ui(name: str) -> str:
    return (UI_DIR / name).read_text(encoding="utf-8")


def assets() -> dict[str, str]:
    """The page's CSS and JavaScript (keeps the newest question in view), for `demo.launch`."""
    return {"css": _read_ui("style.css"), "js": _read_ui("scroll.js")}


def suggestions() -> list[str]:
    return [line.strip() for line in _read_ui("suggestions.sv.txt").splitlines() if line.strip()]


def mode_line(assistant: Assistant) -> str:
    if assistant.llm is not None:
        name = safe_text(assistant.llm.name)
        return f"Svarsläge: språkmodellen **{name}** (faller tillbaka på citat om den inte svarar)"
    return "Svarsläge: **sammanställning av citat ur källorna** (ingen språkmodell)"


def catalog_rows(store: Store) -> list[list[str]]:
    rows = [
        [e.organisation, e.body, e.kind, e.date, e.reference, e.title]
        for e in sorted(store.manifest().values(), key=lambda e: (e.organisation, e.title))
    ]
    return rows or [["(inga dokument indexerade)", "", "", "", "", ""]]


async def _in_thread(items: Iterator[Any]) -> AsyncIterator[Any]:
    """Iterate a blocking iterator in worker threads, one item at a time."""
    done = object()
    try:
        while (item := await anyio.to_thread.run_sync(next, items, done)) is not done:
            yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            await anyio.to_thread.run_sync(close)


def build_app(settings: Settings, assistant: Assistant) -> gr.Blocks:
    store = assistant.store
    slots = asyncio.Semaphore(settings.concurrency)
    reaper = SessionReaper(settings.session_ttl)
    prompts = settings.prompts_dir
    known_inquiries = load_inquiries(settings.inquiries_path)
    choices = filter_choices(store, known_inquiries)
    job = IndexJob(settings, store)

    @lru_cache(maxsize=256)
    def cached_text(doc_id: str, doc_hash: str) -> str:
        return store.document_text(doc_id)

    def document_text(doc_id: str) -> str:
        entry = store.manifest().get(doc_id)
        return cached_text(doc_id, entry.doc_hash) if entry else ""

    def filters_of(org: str, body: str, doc: str, kind: str, inquiry: str = ALL) -> Filters:
        return Filters(
            organisation="" if org in ("", ALL, None) else org,
            body="" if body in ("", ALL, None) else body,
            doc_id="" if doc in ("", ALL, None) else doc,
            kind="" if kind in ("", ALL, None) else kind,
            inquiry="" if inquiry in ("", ALL, None) else inquiry,
        )

    def refresh() -> tuple[Any, ...]:
        """New choices for the filters and the document list (on page load and after indexing)."""
        fresh = filter_choices(store, known_inquiries)
        return (
            gr.Dropdown(choices=[ALL, *fresh["organisations"]]),
            gr.Dropdown(choices=[ALL, *fresh["bodies"]]),
            gr.Dropdown(choices=[(ALL, ALL), *fresh["documents"]]),
            gr.Dropdown(choices=[ALL, *fresh["kinds"]]),
            gr.Dropdown(choices=[(ALL, ALL), *fresh["inquiries"]]),
            gr.Dataframe(value=catalog_rows(store)),
            onboarding_markdown(store.manifest(), known_inquiries),
        )

    async def respond(
        question: str,
        chat: list[dict],
        answers: list[Answer],
        used: list[str],
        org: str,
        body: str,
        doc: str,
        kind: str,
        inquiry: str = ALL,
    ) -> AsyncIterator[tuple[Any, ...]]:
        reaper.maybe_sweep(getattr(demo, "state_holder", None))
        try:
            check_question(question, settings)
        except QuestionError as exc:
            # The box keeps the question (skip: it is not sent back); the chat shows its start only,
            # and an empty question gets the hint alone, not an empty bubble.
            shown = short_text(question or "", SHOWN_REFUSED_CHARS)
            if shown.strip():
                chat = [*chat, {"role": "user", "content": safe_text(shown)}]
            yield [*chat, {"role": "assistant", "content": safe_text(str(exc))}], answers, used, "", gr.skip()
            return
        chat = [*chat, {"role": "user", "content": safe_text(question)}]
        if slots.locked():
            waiting = message(prompts, "sv", "waiting")
            yield [*chat, {"role": "assistant", "content": f"*{safe_text(waiting)}*"}], answers, used, gr.skip(), ""
        async with slots:
            updates = answer_updates(question, chat, answers, used, filters_of(org, body, doc, kind, inquiry))
            async for update in _in_thread(updates):
                yield update

    def answer_updates(
        question: str, chat: list[dict], answers: list[Answer], used: list[str], filters: Filters
    ) -> Iterator[tuple[Any, ...]]:
        history = [(a.question, a.text) for a in answers]
        partial = ""
        try:
            for piece in assistant.stream(question, history, filters):
                if isinstance(piece, Answer):
                    docs = {c.hit.chunk.doc_id: document_text(c.hit.chunk.doc_id) for c in piece.citations}
                    final = [*chat, {"role": "assistant", "content": answer_markdown(piece)}]
                    manifest = store.manifest()
                    titles = {filters.doc_id: manifest[filters.doc_id].title} if filters.doc_id in manifest else {}
                    shown = filters_text(filters, titles)
                    kept = [*answers, piece][-KEPT_ANSWERS:]
                    cards = source_cards(piece, docs, source_infos(manifest, settings, set(docs)))
                    yield final, kept, [*used, shown][-KEPT_ANSWERS:], cards, ""
                    return
                partial += piece
                yield [*chat, {"role": "assistant", "content": safe_text(partial)}], answers, used, gr.skip(), ""
        except RemissError as exc:
            yield [*chat, {"role": "assistant", "content": safe_text(str(exc))}], answers, used, "", question
        except Exception as exc:
            logging.getLogger(__name__).exception("answering %r failed", question[:200])
            text = f"Något gick fel ({type(exc).__name__}). Försök igen, eller kontakta den som driver tjänsten."
            yield [*chat, {"role": "assistant", "content": text}], answers, used, "", question

    def give_feedback(vote: str, comment: str, answers: list[Answer]) -> tuple[Any, Any]:
        if not answers:
            return "Ställ en fråga först, sedan kan du ge omdöme om svaret.", gr.skip()
        if vote not in ("upp", "ner"):
            return "Välj tumme upp eller ner.", gr.skip()
        comment = comment or ""
        if len(comment) > settings.max_comment_chars:
            text = message(prompts, "sv", "comment_too_long", length=len(comment), limit=settings.max_comment_chars)
            return text, gr.skip()
        append_feedback(settings.feedback_path, feedback_record(answers[-1], vote, comment))
        return "Tack! Omdömet är sparat.", ""

    def export(answers: list[Answer], used: list[str]) -> Any:
        """The conversation so far as a Markdown file behind the download button (one click downloads it)."""
        if not answers:
            return gr.DownloadButton(value=None, interactive=False)
        folder = settings.exports_dir
        folder.mkdir(parents=True, exist_ok=True)
        prune_exports(folder, settings.export_max_age)
        path = folder / f"samtal-{datetime.now():%Y%m%d-%H%M%S-%f}.md"
        cited = {c.hit.chunk.doc_id for a in answers for c in a.citations}
        infos = source_infos(store.manifest(), settings, cited)
        path.write_text(conversation_markdown(answers, used, infos), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

    def clear() -> tuple[Any, ...]:
        return [], [], [], "", "", gr.DownloadButton(value=None, interactive=False)

    age = max(1, int(settings.export_max_age))
    with gr.Blocks(title="remiss – frågor om betänkanden och remissvar", delete_cache=(age, age)) as demo:
        gr.Markdown(
            "# remiss\nFrågor och svar om Tillitsdelegationens betänkanden och remissvaren på dem – med källor."
        )
        gr.Markdown(mode_line(assistant), elem_id="mode-line")
        answers_state = gr.State([])
        filters_state = gr.State([])  # per answer, the filters it was given, for the export
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chatt", id="chat"), gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Samtal",
                        height=480,
                        elem_id="chat",
                        sanitize_html=True,
                        feedback_options=None,
                        autoscroll=False,  # scroll.js keeps the start of the newest question in view instead
                    )
                    question = gr.Textbox(
                        label="Din fråga",
                        placeholder="Till exempel: Vad tycker Malmö om riktade statsbidrag?",
                        elem_id="question",
                        max_lines=4,
                    )
                    with gr.Row():
                        send = gr.Button("Skicka", variant="primary", elem_id="send")
                        reset = gr.Button("Nytt samtal", elem_id="reset")
                        export_button = gr.DownloadButton("Exportera samtal", elem_id="export", interactive=False)
                    gr.Markdown("### Källor")
                    sources = gr.HTML("", elem_id="sources")
                with gr.Column(scale=1):
                    gr.Markdown("### Filter")
                    inquiry = gr.Dropdown(
                        [(ALL, ALL), *choices["inquiries"]], value=ALL, label="Utredning", elem_id="f-inquiry"
                    )
                    organisations = [ALL, *choices["organisations"]]
                    org = gr.Dropdown(organisations, value=ALL, label="Organisation", elem_id="f-org")
                    body = gr.Dropdown([ALL, *choices["bodies"]], value=ALL, label="Organ (talare)", elem_id="f-body")
                    doc = gr.Dropdown([(ALL, ALL), *choices["documents"]], value=ALL, label="Dokument", elem_id="f-doc")
                    kind = gr.Dropdown([ALL, *choices["kinds"]], value=ALL, label="Dokumenttyp", elem_id="f-kind")
                    gr.Markdown("### Omdöme om senaste svaret")
                    vote = gr.Radio([("👍 Bra", "upp"), ("👎 Dåligt", "ner")], label="Omdöme", elem_id="vote")
                    comment = gr.Textbox(
                        label="Kommentar (frivillig)", lines=2, elem_id="comment", max_length=settings.max_comment_chars
                    )
                    send_feedback = gr.Button("Skicka omdöme", elem_id="send-feedback")
                    feedback_status = gr.Markdown("", elem_id="feedback-status")
            with gr.Tab("Kom igång", id="onboarding"):
                gr.Markdown(_read_ui("onboarding.sv.md"))
                described = onboarding_markdown(store.manifest(), known_inquiries)
                inquiries_view = gr.Markdown(described, elem_id="inquiries")
                catalog_view = gr.Dataframe(
                    catalog_rows(store),
                    headers=["Organisation", "Organ", "Typ", "Datum", "Diarienummer", "Titel"],
                    interactive=False,
                    label="Dokument i underlaget",
                    elem_id="catalog",
                )
                gr.Markdown("### Föreslagna frågor")
                suggestion_buttons = [gr.Button(text, size="sm", elem_classes=["suggestion"]) for text in suggestions()]
            positions_tab(settings, store, document_text)
            refreshed = [org, body, doc, kind, inquiry, catalog_view, inquiries_view]
            if admin_enabled(settings):
                with gr.Tab("Lägg till dokument", id="admin"):
                    status_views, status_now = build_admin(settings, store, job, refresh, refreshed)
                demo.load(status_now, None, status_views, queue=False, api_visibility="private")
        demo.load(refresh, None, refreshed, queue=False, api_visibility="private")

        inputs = [question, chatbot, answers_state, filters_state, org, body, doc, kind, inquiry]
        outputs = [chatbot, answers_state, filters_state, sources, question]
        exported = ([answers_state, filters_state], export_button)
        # No Gradio limit here: respond waits for one of its own slots after checking the question.
        send.click(respond, inputs, outputs, concurrency_limit=None).then(export, *exported, api_name="export")
        question.submit(respond, inputs, outputs, concurrency_limit=None).then(
            export, *exported, api_visibility="private"
        )
        reset.click(clear, None, [chatbot, answers_state, filters_state, sources, question, export_button], queue=False)
        send_feedback.click(give_feedback, [vote, comment, answers_state], [feedback_status, comment])
        for button in suggestion_buttons:
            button.click(
                lambda text=button.value: (text, gr.Tabs(selected="chat")), None, [question, tabs], queue=False
            ).then(respond, inputs, outputs, concurrency_limit=None).then(export, *exported, api_visibility="private")
    return demo


def filter_choices(store: Store, known_inquiries: dict) -> dict[str, list]:
    """The filters' choices from the committed documents (the manifest: one record per document)."""
    manifest = store.manifest()
    organisations, bodies = (sorted(names) for names in store.speaker_names())
    return {
        "organisations": organisations,
        "bodies": bodies,
        "documents": sorted((e.title, e.doc_id) for e in manifest.values()),
        "kinds": sorted({e.kind for e in manifest.values() if e.kind}),
        "inquiries": [(label(n, known_inquiries), n) for n in present(manifest)],
    }


def launch(settings: Settings, store: Store, block: bool = True) -> gr.Blocks:
    """Start the app on settings.host:settings.port (127.0.0.1 unless told otherwise)."""
    assistant = Assistant(settings, store)
    demo = build_app(settings, assistant)
    auth = None
    if settings.auth_user:
        auth = (settings.auth_user, settings.auth_password.get_secret_value())
    throttle = LoginThrottle(settings.login_free_attempts, settings.login_delay) if auth else None
    gate_keys = ("upload_closed", "upload_login", "login_wait")
    gate_messages = {key: message(settings.prompts_dir, "sv", key) for key in gate_keys}
    admin = admin_enabled(settings)
    demo.queue(default_concurrency_limit=settings.concurrency)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        auth_message="Logga in för att använda remiss." if auth else None,
        show_error=False,
        quiet=False,
        prevent_thread_lock=not block,
        allowed_paths=[str(settings.exports_dir), *map(str, served_folders(settings))],
        footer_links=[],
        **assets(),
        run_history=False,  # would keep questions and answers in the browser's storage
        # Uploads pass the gate only for the admin page; this is a second fence.
        max_file_size=f"{settings.max_file_mb:g}mb" if admin else "1mb",
        state_session_capacity=settings.max_sessions,
        app_kwargs={"middleware": [Middleware(Gate, login=throttle, messages=gate_messages, uploads=admin)]},
    )
    return demo
