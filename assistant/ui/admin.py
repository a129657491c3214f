"""The admin page: upload remissvar while the app serves, check how they were read, index them.

Who sees it (REMISS_ADMIN): `auto` shows it behind the login, and without a login only when the
app binds the loopback address (then only this computer can reach it); `on` always; `off` never.
The upload route is opened for it alone (ui/gate.py). Each file is checked and read on upload
(text, sections, speaker, metadata and warnings shown; a bad file is refused by name and nothing
indexed changes); staff correct the metadata, then start indexing, which runs in the background
(assistant/indexjob.py) with a progress bar. The chat's filters follow when it is done.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.indexjob import IndexJob, Status
from assistant.prompts import message
from assistant.settings import Settings
from assistant.store import Store
from assistant.uploads import (
    FIELDS,
    Parsed,
    UploadError,
    parse_upload,
    remove_upload,
    save_entry,
    store_upload,
    update_entry,
    uploads_catalog,
)
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError

POLL_SECONDS = 0.5
LOOPBACK = ("127.0.0.1", "localhost", "::1")
LABELS = {
    "title": "Titel",
    "organisation": "Organisation",
    "body": "Organ (talare)",
    "kind": "Dokumenttyp",
    "date": "Datum (ÅÅÅÅ-MM-DD)",
    "reference": "Diarienummer",
}
SHOWN_WARNINGS = 10


def admin_enabled(settings: Settings) -> bool:
    """See the module doc: never reachable by others without a login unless REMISS_ADMIN=on says so."""
    if settings.admin != "auto":
        return settings.admin == "on"
    return bool(settings.auth_user) or settings.host in LOOPBACK


def parsed_markdown(parsed: Parsed) -> str:
    """How one file was read, for the page (document text escaped: it is shown, never run)."""
    meta = parsed.meta
    facts = [
        f"**{_md(parsed.file)}** – {parsed.characters} tecken"
        + (f", {parsed.pages} sidor" if parsed.pages > 1 else ""),
        f"- Titel: {_md(meta.title)}",
        f"- Organisation: {_md(meta.organisation)}; talare: {_md(meta.body)}",
        f"- Typ: {_md(meta.kind or '–')}; datum: {_md(meta.date or '–')}; diarienummer: {_md(meta.reference or '–')}",
        f"- Utredningar: {_md(', '.join(meta.concerns) or '–')}",
        "- Avsnitt: " + ("; ".join(f"{_md(path)} ({_md(body)})" for path, body in parsed.sections) or "–"),
    ]
    facts += [f"- ⚠ {_md(w)}" for w in parsed.warnings]
    facts += ["", "> " + _md(" ".join(parsed.preview.split()))]
    return "\n".join(facts)


def _md(text: str) -> str:
    out = escape(text, quote=False)
    for char in ("\\", "`", "*", "_", "[", "]", "#", "|"):
        out = out.replace(char, "\\" + char)
    return out


def status_html(status: Status, prompts: Path) -> str:
    """The progress bar and the result: each failed file named with its reason, in Swedish."""
    lines: list[str] = []
    if status.state == "idle":
        return "<div class='index-status' data-state='idle' data-run='0'>Ingen indexering har körts sedan start.</div>"
    if status.running:
        where = f"fil {min(status.files_done + 1, status.files_total)} av {status.files_total}"
        if status.embed_total:
            where += f", {status.embedded}/{status.embed_total} stycken inbäddade"
        lines.append(f"Indexerar … {where}" + (f" (senast klar: {escape(status.current)})" if status.current else ""))
        if status.note:
            lines.append(escape(status.note))
    elif status.state == "failed":
        lines.append(escape(message(prompts, "sv", "admin_failed", reason=status.error)))
    elif status.report is not None:
        r = status.report
        lines.append(
            escape(
                message(
                    prompts,
                    "sv",
                    "admin_done",
                    added=len(r.added),
                    updated=len(r.updated),
                    unchanged=len(r.unchanged),
                    removed=len(r.removed),
                    seconds=f"{r.seconds:.1f}",
                )
            )
        )
    errors = []
    if status.report is not None:
        errors = [
            message(prompts, "sv", "admin_failed_file", file=Path(p).name, reason=why)
            for p, why in status.report.failed
        ]
        warnings = list(status.report.warnings[:SHOWN_WARNINGS])
    else:
        warnings = []
    items = "".join(f"<li class='error'>{escape(e)}</li>" for e in errors)
    items += "".join(f"<li class='warning'>{escape(w)}</li>" for w in warnings)
    bar = f"<progress value='{status.fraction:.3f}' max='1'></progress>"
    return (
        f"<div class='index-status' data-state='{status.state}' data-run='{status.run}'>{bar}"
        + "".join(f"<div>{line}</div>" for line in lines)
        + (f"<ul>{items}</ul>" if items else "")
        + "</div>"
    )


def build_admin(
    settings: Settings,
    store: Store,
    job: IndexJob,
    after_index: Callable[[], tuple[Any, ...]],
    refreshed: list[Any],
) -> tuple[list[Any], Callable[[], tuple[str, Any]]]:
    """The admin tab's content (call inside `gr.Tab`); `after_index` refreshes `refreshed` when indexing ends.

    Returns the status view (and its timer) and the function that fills them on page load: a page
    opened while a run is under way follows it (the timer ticks only then)."""
    prompts = settings.prompts_dir
    gr.Markdown(
        "### Lägg till dokument\nLadda upp remissvar (PDF, Word, HTML eller text). Varje fil läses direkt och "
        "visas nedan; rätta uppgifterna om det behövs och starta sedan indexeringen. Appen fortsätter svara "
        "under tiden, och nya dokument syns i filtren när indexeringen är klar."
    )
    files = gr.File(
        label="Filer att ladda upp",
        file_count="multiple",
        file_types=list(SUPPORTED_SUFFIXES),
        type="filepath",
        elem_id="admin-upload",
    )
    parsed_view = gr.Markdown("", elem_id="admin-parsed")
    gr.Markdown("### Uppgifter om dokumentet")
    pick = gr.Dropdown(_uploaded(settings), value=None, label="Uppladdad fil", elem_id="admin-file")
    boxes = {name: gr.Textbox(label=label, elem_id=f"admin-{name}", max_lines=1) for name, label in LABELS.items()}
    concerns = gr.Textbox(
        label="Utredningar (till exempel SOU 2018:47, skilj med kommatecken)", elem_id="admin-concerns"
    )
    save = gr.Button("Spara uppgifterna", elem_id="admin-save")
    saved = gr.Markdown("", elem_id="admin-save-status")
    gr.Markdown("### Indexera")
    start = gr.Button("Starta indexering", variant="primary", elem_id="admin-index")
    status = gr.HTML(status_html(job.status, prompts), elem_id="index-status")
    timer = gr.Timer(1.0, active=False)
    fields = [boxes[name] for name in FIELDS] + [concerns]

    def taken_ids() -> set[str]:
        uploads = settings.uploads_dir.resolve()
        return {d for d, e in store.manifest().items() if not Path(e.source).resolve().is_relative_to(uploads)}

    def on_upload(paths: list[str] | None) -> tuple[Any, ...]:
        paths = paths or []
        if not paths:
            return message(prompts, "sv", "admin_no_files"), gr.skip(), *[gr.skip()] * len(fields), None
        if len(paths) > settings.max_upload_files:
            text = message(prompts, "sv", "admin_too_many", limit=settings.max_upload_files, count=len(paths))
            return text, gr.skip(), *[gr.skip()] * len(fields), None
        shown: list[str] = []
        first = None
        taken = taken_ids()
        for temp in paths:
            name = Path(temp).name
            try:
                stored = store_upload(settings, Path(temp), name, taken)
            except (UploadError, OSError) as exc:
                shown.append(f"**⚠ {_md(str(exc))}**")
                continue
            finally:
                with contextlib.suppress(OSError):
                    Path(temp).unlink()  # Gradio's copy; the kept one is in the uploads folder
            try:
                parsed = parse_upload(settings, stored)
            except LoadError as exc:
                remove_upload(settings, stored.name)
                refused = message(prompts, "sv", "admin_refused", file=name, reason=exc.reason + ".")
                shown.append(f"**⚠ {_md(refused)}**")
                continue
            if stored.name not in uploads_catalog(settings).entries:
                save_entry(settings, parsed.meta, name)
            shown.append(parsed_markdown(parsed))
            first = first or stored.name
        values = _field_values(settings, first) if first else [gr.skip()] * len(fields)
        choice = gr.Dropdown(choices=_uploaded(settings), value=first) if first else gr.skip()
        return "\n\n---\n\n".join(shown), choice, *values, None

    def on_pick(file: str | None) -> list[Any]:
        return _field_values(settings, file) if file else [""] * len(fields)

    def on_save(file: str | None, *values: str) -> str:
        if not file:
            return message(prompts, "sv", "admin_pick_file")
        numbers = [n.strip() for n in (values[-1] or "").split(",") if n.strip()]
        try:
            update_entry(settings, file, dict(zip(FIELDS, values[:-1], strict=True)), numbers)
        except UploadError as exc:
            return _md(str(exc))
        return message(prompts, "sv", "admin_saved", file=_md(file))

    def on_start(file: str | None, *values: str) -> Iterator[str]:
        if file:  # what the fields say now counts, saved or not
            numbers = [n.strip() for n in (values[-1] or "").split(",") if n.strip()]
            with contextlib.suppress(UploadError):
                update_entry(settings, file, dict(zip(FIELDS, values[:-1], strict=True)), numbers)
        if not job.start():
            yield status_html(job.status, prompts) + f"<p>{escape(message(prompts, 'sv', 'admin_busy'))}</p>"
        while job.status.running:  # ends with the run (ingest has its own limits per file)
            yield status_html(job.status, prompts)
            time.sleep(POLL_SECONDS)
        yield status_html(job.status, prompts)

    private = {"api_visibility": "private"}  # the page's own events, not an API
    files.upload(on_upload, files, [parsed_view, pick, *fields, files], concurrency_limit=1, **private)
    pick.change(on_pick, pick, fields, queue=False, **private)
    save.click(on_save, [pick, *fields], saved, queue=False, **private)
    start.click(on_start, [pick, *fields], status, concurrency_limit=None, **private).then(
        after_index, None, refreshed, **private
    )

    def now() -> tuple[str, Any]:
        current = job.status
        return status_html(current, prompts), gr.Timer(active=current.running)

    timer.tick(now, None, [status, timer], queue=False, **private)
    return [status, timer], now


def _uploaded(settings: Settings) -> list[str]:
    return sorted(uploads_catalog(settings).entries)


def _field_values(settings: Settings, file: str) -> list[str]:
    entry = uploads_catalog(settings).entries.get(file, {})
    return [str(entry.get(name, "")) for name in FIELDS] + [", ".join(entry.get("concerns", []))]
