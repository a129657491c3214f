"""Adding documents while the app serves: uploads kept safely, indexed in the background without
ever showing half a document; the inquiry filter; the originals the source cards link to.

Real files, a real on-disk Chroma index, the real ingest in a thread (the browser side is in
test_admin_browser.py).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from assistant.chain import Assistant
from assistant.indexing import ingest
from assistant.indexjob import IndexJob
from assistant.inquiries import Inquiry, load_inquiries, onboarding_markdown
from assistant.originals import original_path, source_info
from assistant.retrieval import Filters
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store
from assistant.ui.admin import admin_enabled, status_html
from assistant.uploads import (
    UploadError,
    parse_upload,
    safe_name,
    save_entry,
    store_upload,
    update_entry,
    uploads_catalog,
)
from ingest.records import Chunk

CORPUS = PROJECT_ROOT / "corpus"
MALMO = "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt"
SENTENCE = "Kvarnby kommunalförbund avstyrker förslaget om ett nationellt policylab för fiskodling i Vättern."
ORGANISATION = "Kvarnby kommunalförbund"


def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (MALMO, "catalog.toml", "inquiries.toml"):
        shutil.copy(CORPUS / name, corpus / name)
    return corpus


def remissvar_text(paragraphs: int = 12) -> str:
    """A remissvar long enough to be several passages, with the distinctive sentence in the middle."""
    filler = [
        f"Avsnitt {i}. Förbundet har tagit del av betänkandet och lämnar här sina synpunkter på styrningen "
        f"av välfärden, på uppföljningen av verksamheten och på tilliten mellan stat och kommun, del {i}. " * 3
        for i in range(paragraphs)
    ]
    filler.insert(paragraphs // 2, SENTENCE)
    return "# Yttrande över Tillitsdelegationens betänkande\n\n" + "\n\n".join(filler) + "\n"


@pytest.fixture
def settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    settings = make_settings(corpus_dir=small_corpus(tmp_path))
    assert ingest(settings).ok
    return settings


def upload(settings: Settings, tmp_path: Path, name: str, text: str) -> Path:
    """What the admin page does with one uploaded file: keep it, read it, describe it."""
    temp = tmp_path / "gradio-temp" / name
    temp.parent.mkdir(exist_ok=True)
    temp.write_text(text, encoding="utf-8")
    taken = {d for d, e in Store(settings).manifest().items() if not e.source.startswith(str(settings.uploads_dir))}
    stored = store_upload(settings, temp, name, taken)
    parsed = parse_upload(settings, stored)
    save_entry(settings, parsed.meta, name)
    return stored


# -- uploads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\anna\\Göteborgs svar.PDF", "Göteborgs svar.pdf"),
        (".dold.docx", "dold.docx"),
        ("<script>.html", "script.html"),
        ("....pdf", "dokument.pdf"),
    ],
)
def test_upload_names_stay_inside_the_uploads_folder(given: str, kept: str) -> None:
    assert safe_name(given) == kept


def test_upload_refuses_other_file_types_and_oversized_files_by_name(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(max_file_mb=0.001)
    temp = tmp_path / "in"
    temp.mkdir()
    (temp / "program.exe").write_bytes(b"MZ" * 10)
    with pytest.raises(UploadError, match=r"program\.exe: filtypen \.exe stöds inte"):
        store_upload(settings, temp / "program.exe", "program.exe", set())
    (temp / "stort.txt").write_text("ord " * 1000, encoding="utf-8")
    with pytest.raises(UploadError, match=r"stort\.txt: filen är .* över gränsen"):
        store_upload(settings, temp / "stort.txt", "stort.txt", set())
    assert not settings.uploads_dir.exists() or not any(settings.uploads_dir.iterdir())


def test_an_upload_named_like_an_indexed_document_does_not_replace_it(settings: Settings, tmp_path: Path) -> None:
    stored = upload(settings, tmp_path, MALMO, remissvar_text())
    assert stored.name != MALMO and stored.parent == settings.uploads_dir
    report = ingest(settings)
    assert report.ok and len(report.added) == 1
    manifest = Store(settings).manifest(fresh=True)
    assert manifest[MALMO.removesuffix(".txt")].organisation == "Malmö stad"  # the corpus document is untouched


def test_an_uploaded_file_is_read_and_described_before_indexing(settings: Settings, tmp_path: Path) -> None:
    stored = upload(settings, tmp_path, "kvarnby.md", remissvar_text())
    parsed = parse_upload(settings, stored)
    assert parsed.meta.title == "Yttrande över Tillitsdelegationens betänkande"
    assert "Avsnitt 0. Förbundet har tagit del" in parsed.preview and parsed.characters > len(parsed.preview)
    assert any("Organisationen kunde inte avgöras" in w for w in parsed.warnings)
    assert parsed.sections and parsed.sections[0][0]
    update_entry(
        settings,
        stored.name,
        {
            "title": "Kvarnbys yttrande",
            "organisation": ORGANISATION,
            "body": "Okänd organisation",
            "date": "2018-10-29",
            "reference": "KF 2018/77",
        },
        ["SOU 2018:48", "SOU 2099:1"],
    )
    entry = uploads_catalog(settings).entries[stored.name]
    assert entry["organisation"] == ORGANISATION and entry["concerns"] == ["SOU 2018:48", "SOU 2099:1"]
    assert entry["original_file"] == "kvarnby.md"
    meta = uploads_catalog(settings).meta_for(stored, str(stored), ())
    assert meta.body == ORGANISATION and meta.reference == "KF 2018/77"  # the body follows the organisation


# -- indexing while serving -------------------------------------------------------------------------


class PausingStore(Store):
    """A real store that stops between writing a document's passages and committing it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.written = threading.Event()
        self.go_on = threading.Event()

    def add_chunks(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        super().add_chunks(chunks, vectors)
        if any(c.doc_id.startswith("kvarnby") for c in chunks):
            self.written.set()
            assert self.go_on.wait(120), "the test never let the ingest go on"


def kvarnby_hits(assistant: Assistant, filters: Filters | None = None) -> list[str]:
    retrieval = assistant.search("Vad anser Kvarnby kommunalförbund om policylab för fiskodling?", 20, filters)
    return [h.chunk.doc_id for h in retrieval.hits if h.chunk.doc_id.startswith("kvarnby")]


def test_a_question_during_indexing_never_sees_half_a_document(settings: Settings, tmp_path: Path) -> None:
    stored = upload(settings, tmp_path, "kvarnby.md", remissvar_text(20))
    update_entry(settings, stored.name, {"title": "Kvarnbys yttrande", "organisation": ORGANISATION}, ["SOU 2018:48"])
    store = PausingStore(settings)  # the app's store: it answers and (in the job's thread) writes
    assistant = Assistant(settings, store)
    assert kvarnby_hits(assistant) == []
    job = IndexJob(settings, store)
    assert job.start()
    try:
        assert store.written.wait(120), "the ingest never wrote the passages"
        assert not job.start()  # never two at once
        # Every passage of the new document is in Chroma now, but it is not committed: nobody sees it.
        assert "kvarnby" not in store.manifest(fresh=True)
        assert kvarnby_hits(assistant) == []
        assert ORGANISATION not in store.speaker_names()[0]
        assert job.status.running and job.status.files_total == 2
    finally:
        store.go_on.set()
    assert job.wait(120)
    status = job.status
    assert status.state == "done" and status.report is not None and status.report.added == ["kvarnby"]
    entry = store.manifest()["kvarnby"]
    assert entry.n_chunks >= 3  # a document of several passages, all visible at once
    assert len(kvarnby_hits(assistant)) >= 1
    assert ORGANISATION in store.speaker_names()[0]
    assert entry.original_file == "kvarnby.md" and entry.concerns == ("SOU 2018:48",)
    # The next `remiss ingest` of the corpus keeps the uploads (they are indexed with it).
    again = ingest(settings)
    assert again.removed == [] and "kvarnby" in again.unchanged


def test_a_failed_run_names_the_file_and_keeps_what_was_indexed(settings: Settings, tmp_path: Path) -> None:
    upload(settings, tmp_path, "kvarnby.md", remissvar_text())
    store = Store(settings)
    job = IndexJob(settings, store)
    assert job.start() and job.wait(120) and job.status.state == "done"
    (settings.uploads_dir / "trasig.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00trasig" * 200)
    assert job.start() and job.wait(120)
    report = job.status.report
    assert report is not None and [Path(p).name for p, _ in report.failed] == ["trasig.pdf"]
    assert "PDF-filen" in report.failed[0][1]
    shown = status_html(job.status, settings.prompts_dir)  # what the admin page shows
    assert "<li class='error'>trasig.pdf: PDF-filen" in shown and "data-state='done'" in shown
    assert {"kvarnby", MALMO.removesuffix(".txt")} <= set(store.manifest(fresh=True))


# -- inquiries --------------------------------------------------------------------------------------


def test_inquiry_filter_keeps_the_documents_that_concern_it(corpus_settings: Settings) -> None:
    assistant = Assistant(corpus_settings)
    question = "Vad föreslår utredningen om tillitsbaserad styrning?"
    every = {h.chunk.doc_id for h in assistant.search(question, 20).hits}
    only_48 = {h.chunk.doc_id for h in assistant.search(question, 20, Filters(inquiry="SOU 2018:48")).hits}
    assert "region-jamtland-harjedalen-sammanfattning" in every  # concerns SOU 2018:47 only
    assert only_48 and "region-jamtland-harjedalen-sammanfattning" not in only_48
    assert assistant.search(question, 20, Filters(inquiry="SOU 1999:1")).hits == []


def test_onboarding_describes_known_inquiries_and_lists_unknown_ones(corpus_settings: Settings) -> None:
    known = load_inquiries(corpus_settings.inquiries_path)
    assert known["SOU 2018:47"].title == "Med tillit växer handlingsutrymmet"
    manifest = Store(corpus_settings).manifest()
    text = onboarding_markdown(manifest, known)
    assert "**SOU 2018:47 Med tillit växer handlingsutrymmet** (5 dokument)" in text
    assert "**SOU 2018:48 En lärande tillsyn** (3 dokument)" in text
    assert "huvudbetänkande" in text
    fewer = {k: v for k, v in known.items() if k != "SOU 2018:48"}
    assert "**SOU 2018:48** (3 dokument) – ingen beskrivning ännu" in onboarding_markdown(manifest, fewer)
    assert isinstance(next(iter(known.values())), Inquiry)


# -- originals and who may upload ---------------------------------------------------------------------


def test_originals_are_linked_only_inside_the_corpus_and_uploads(settings: Settings, tmp_path: Path) -> None:
    entry = Store(settings).manifest()[MALMO.removesuffix(".txt")]
    assert original_path(entry, settings) == (settings.corpus_dir / MALMO).resolve()
    info = source_info(entry, settings)
    assert info.url.startswith("gradio_api/file=") and info.url.endswith(".txt") and not info.is_pdf
    assert info.date and info.reference
    outside = tmp_path / "elsewhere" / MALMO
    outside.parent.mkdir()
    shutil.copy(settings.corpus_dir / MALMO, outside)
    moved = type(entry)(**{**entry.__dict__, "source": str(outside), "original_file": ""})
    assert original_path(moved, settings) is None and source_info(moved, settings).url == ""


@pytest.mark.parametrize(
    ("admin", "host", "user", "enabled"),
    [
        ("auto", "127.0.0.1", "", True),
        ("auto", "0.0.0.0", "", False),
        ("auto", "0.0.0.0", "anna", True),
        ("off", "127.0.0.1", "anna", False),
        ("on", "0.0.0.0", "", True),
    ],
)
def test_admin_page_is_on_only_behind_a_login_or_on_this_computer(
    make_settings: Callable[..., Settings], admin: str, host: str, user: str, enabled: bool
) -> None:
    assert admin_enabled(make_settings(admin=admin, host=host, auth_user=user)) is enabled


def test_search_command_takes_an_inquiry(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    monkeypatch.setenv("REMISS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("REMISS_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("REMISS_EMBED_CACHE", str(settings.cache_path))
    assert main(["search", "riktade statsbidrag", "-k", "2", "--json", "--inquiry", "SOU 2018:48"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["organisation"] for h in hits} == {"Malmö stad"} and "score" in hits[0]
    assert main(["search", "riktade statsbidrag", "-k", "2", "--json", "--inquiry", "SOU 1999:1"]) == 0
    assert json.loads(capsys.readouterr().out) == []
