"""Reliability of the index when several processes write it, and the smaller file and catalog cases.

Reproduces issue 11's failures with real `remiss` processes on a real on-disk Chroma index: two
ingests at once (one of them stopped between writing a document's chunks and committing it, where
the other's clean-up used to delete them), a writer told not to wait, an index left damaged by the
old race, `remiss serve` starting while another process writes, a heading with Rich markup, a
removed symlink and catalog fields of the wrong type. Each test prints a RELIABILITY line (`-s`).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_process import cli_command, cli_env, run_cli
from corpus_text import seed_text
from rich.console import Console

from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store
from assistant.writelock import write_lock

SOURCES = {
    "a-malmo": "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt",
    "b-andrad": "region-jamtland-harjedalen-sammanfattning.txt",
    "c-cks": "cks-linkopings-universitet-remissyttrande.txt",
}
CHANGED = "b-andrad"
WAIT_LIMIT = 120.0  # seconds any step of these tests may wait for a child process


def report_figures(capsys: pytest.CaptureFixture[str], case: str, tried: int, survived: int, lost: int) -> None:
    with capsys.disabled():
        print(f"\nRELIABILITY {case}: tried {tried}, survived {survived}, data lost {lost}")


def write_doc(corpus: Path, doc_id: str, n_chars: int, marker: str, skip: int = 0) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    text = seed_text(SOURCES.get(doc_id, SOURCES["a-malmo"]), n_chars, skip)
    (corpus / f"{doc_id}.txt").write_text(f"Yttrande {doc_id}\n\n{text}\n\n{marker}\n", encoding="utf-8")


def fresh_store(settings: Settings) -> Store:
    """A store that reads what is on disk now, as a new process would (see test_killed_ingest)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k.startswith(str(settings.index_dir))]:
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        SharedSystemClient._identifier_to_system.pop(key, None)
    store = Store(settings)
    store.manifest(fresh=True)
    return store


def lost_chunks(store: Store) -> dict[str, int]:
    """Per committed document, how many of its committed chunks are missing from the collection."""
    manifest = store.manifest(fresh=True)
    present = Counter(c.doc_id for c in store.committed_chunks())
    return {d: e.n_chunks - present[d] for d, e in manifest.items() if present[d] != e.n_chunks}


# A `remiss ingest` that stops right before committing one document (its chunks are written) until told to go on.
PAUSE_AT_COMMIT = """
import os, sys, time
from pathlib import Path
from assistant import store as store_module
from assistant.cli import main

original = store_module.Store.commit_document

def commit_when_told(self, meta, *args, **kwargs):
    if meta.doc_id == os.environ["PAUSE_DOC"]:
        Path(os.environ["PAUSED_FILE"]).write_text(str(os.getpid()))
        deadline = time.monotonic() + 120
        while not Path(os.environ["GO_FILE"]).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return original(self, meta, *args, **kwargs)

store_module.Store.commit_document = commit_when_told
sys.exit(main(["ingest", "--quiet"]))
"""


def wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process ended first: {proc.communicate()}")
        assert time.monotonic() < deadline, f"{what}: not within {WAIT_LIMIT:.0f} s"
        time.sleep(0.05)


@pytest.fixture
def paused_ingest(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> Iterator[tuple[Settings, subprocess.Popen]]:
    """An index of three documents; one is changed and a child ingest holds its new chunks uncommitted."""
    settings = make_settings()
    for n, doc_id in enumerate(SOURCES):
        write_doc(settings.corpus_dir, doc_id, 1200, f"Ursprunglig markering {doc_id}.", n)
    assert ingest(settings).ok
    write_doc(
        settings.corpus_dir, CHANGED, 4000, "Ny markering: Gullspångs kommun vill pröva tillitsbaserad tillsyn.", 2
    )
    env = cli_env(settings, PAUSE_DOC=CHANGED, PAUSED_FILE=str(tmp_path / "paused"), GO_FILE=str(tmp_path / "go"))
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSE_AT_COMMIT], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: (tmp_path / "paused").exists(), "the first ingest reaching its commit", proc)
        yield settings, proc
    finally:
        (tmp_path / "go").touch()
        if proc.poll() is None:
            try:
                proc.wait(timeout=WAIT_LIMIT)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_second_ingest_waits_for_the_first_and_nothing_is_lost(
    paused_ingest: tuple[Settings, subprocess.Popen], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The race of issue 11: the second ingest's clean-up used to delete the first one's uncommitted chunks."""
    settings, first = paused_ingest
    second_err = (tmp_path / "second.err").open("w+", encoding="utf-8")
    second = subprocess.Popen(
        cli_command("ingest", "--quiet"),
        env=cli_env(settings),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=second_err,
        text=True,
    )
    try:
        wait_for(lambda: "En annan indexering pågår" in (tmp_path / "second.err").read_text(), "the wait message")
        assert f"process {first.pid}," in (tmp_path / "second.err").read_text()
        time.sleep(1.0)
        assert second.poll() is None, "the second ingest must wait while the first holds uncommitted chunks"

        (tmp_path / "go").touch()
        _, err = first.communicate(timeout=WAIT_LIMIT)
        assert first.returncode == 0, err.decode(errors="replace")[-2000:]
        second.communicate(timeout=WAIT_LIMIT)
    finally:
        if second.poll() is None:
            second.kill()
        second_err.close()
    assert second.returncode == 0, (tmp_path / "second.err").read_text()[-2000:]
    assert "Traceback" not in (tmp_path / "second.err").read_text()

    store = fresh_store(settings)
    manifest = store.manifest()
    assert sorted(manifest) == sorted(SOURCES)
    assert not lost_chunks(store)
    assert store._chunks.count() == store.chunk_count(), "leftover or missing chunks"
    hits = store.dense_search(store.embedder.embed_query("Vill Gullspångs kommun pröva tillitsbaserad tillsyn?"), 3)
    assert hits and hits[0][0].doc_id == CHANGED
    assert any("Gullspångs" in c.text for c in store.lexical().chunks if c.doc_id == CHANGED)
    again = ingest(settings)  # and a later plain ingest agrees: nothing to repair
    assert again.updated == again.added == [] and again.garbage_collected == 0
    report_figures(capsys, "two ingests at once, clean-up during an uncommitted document", 2, 2, 0)


def test_a_second_writer_told_not_to_wait_refuses_clearly(
    paused_ingest: tuple[Settings, subprocess.Popen], tmp_path: Path
) -> None:
    settings, first = paused_ingest
    started = time.monotonic()
    result = run_cli(cli_env(settings, REMISS_WRITE_LOCK_WAIT="0"), tmp_path, "ingest", "--quiet", timeout=WAIT_LIMIT)
    assert result.returncode == 1
    assert f"skrivs redan av en annan process (process {first.pid}," in result.stderr
    assert "REMISS_WRITE_LOCK_WAIT" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 60
    rebuild = run_cli(
        cli_env(settings, REMISS_WRITE_LOCK_WAIT="0"), tmp_path, "ingest", "--rebuild", timeout=WAIT_LIMIT
    )
    assert rebuild.returncode == 1 and "skrivs redan" in rebuild.stderr


@pytest.mark.slow
def test_two_full_ingests_started_together_leave_a_whole_index(
    make_settings: Callable[..., Settings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two `remiss ingest` of a new corpus at the same moment; later processes open and search it."""
    settings = make_settings()
    for n, doc_id in enumerate(SOURCES):
        write_doc(settings.corpus_dir, doc_id, 1500, f"Runda 0 markering {doc_id}.", n)
    procs = [
        subprocess.Popen(
            cli_command("ingest", "--quiet"),
            env=cli_env(settings),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=WAIT_LIMIT) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    assert sum("En annan indexering pågår" in err for _, err in results) <= 1
    store = fresh_store(settings)
    assert sorted(store.manifest()) == sorted(SOURCES)
    assert not lost_chunks(store)
    assert store._chunks.count() == store.chunk_count()
    search = run_cli(cli_env(settings), tmp_path, "search", "Runda 0 markering c-cks", "--json", timeout=WAIT_LIMIT)
    assert search.returncode == 0, search.stderr[-2000:]
    assert '"doc_id": "c-cks"' in search.stdout
    report_figures(capsys, "two full ingests started together", len(procs), len(procs), 0)


def test_an_index_damaged_by_the_old_race_is_repaired_by_the_next_ingest(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    """Committed documents whose chunks vanished are found and indexed again (they used to stay 'unchanged')."""
    settings = make_settings()
    for n, doc_id in enumerate(SOURCES):
        write_doc(settings.corpus_dir, doc_id, 2500, f"Markering {doc_id}.", n)
    assert ingest(settings).ok
    store = Store(settings)
    ids = sorted(c.id for c in store.committed_chunks() if c.doc_id == CHANGED)
    assert len(ids) >= 2
    with write_lock(settings):
        store._chunks.delete(ids=ids[: len(ids) // 2 + 1])
    assert lost_chunks(store) == {CHANGED: len(ids) // 2 + 1}

    report = ingest(settings)
    assert report.ok and report.updated == [CHANGED]
    assert any(
        w.startswith(f"{CHANGED}: indexet saknade {len(ids) // 2 + 1} av {len(ids)} stycken") for w in report.warnings
    )
    assert not lost_chunks(Store(settings))
    report_figures(capsys, "index damaged by the old race, repaired", 1, 1, 0)


HOLD_LOCK = """
import sys, time
from assistant.settings import load_settings
from assistant.writelock import write_lock
with write_lock(load_settings()):
    print("held", flush=True)
    time.sleep(120)
"""


def test_serve_starts_on_the_existing_index_while_another_process_writes(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from assistant.commands.serve_cmd import ensure_index

    settings = make_settings()
    write_doc(settings.corpus_dir, "a-malmo", 1200, "Markering.")
    assert ingest(settings).ok
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK], env=cli_env(settings), cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        out = io.StringIO()
        started = time.monotonic()
        store = ensure_index(settings, Console(file=out, width=200))
        assert time.monotonic() - started < 30
        assert "skrivs redan av en annan process" in out.getvalue()
        assert "Startar med indexet som det är" in out.getvalue()
        assert sorted(store.manifest()) == ["a-malmo"]
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=30)


def test_rich_markup_in_a_heading_does_not_crash_ingest_or_serve(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from assistant.commands.serve_cmd import ensure_index

    settings = make_settings()
    settings.corpus_dir.mkdir(parents=True)
    heading = "# Remissvar [/2018] om [bold]tillit och [red]styrning"
    body = seed_text(SOURCES["a-malmo"], 800)
    (settings.corpus_dir / "markup.md").write_text(f"{heading}\n\n{body}\n", encoding="utf-8")
    result = run_cli(cli_env(settings), tmp_path, "ingest", timeout=WAIT_LIMIT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    assert "titel 'Remissvar [/2018] om [bold]tillit och [red]styrning'" in " ".join(result.stdout.split())

    (settings.corpus_dir / "markup2.md").write_text(f"# Svar [/2019] [/]\n\n{body}\n", encoding="utf-8")
    out = io.StringIO()
    ensure_index(settings, Console(file=out, width=300))  # what `remiss serve` runs first
    assert "titel 'Svar [/2019] [/]'" in " ".join(out.getvalue().split())


def test_a_removed_symlink_removes_its_document(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    elsewhere = tmp_path / "elsewhere"
    write_doc(elsewhere, "a-malmo", 1000, "Länkad markering om Gullspång.")
    write_doc(elsewhere, "c-cks", 1000, "Bruten länk om Härjedalen.", 2)
    write_doc(settings.corpus_dir, "b-andrad", 1000, "Vanlig fil.", 1)
    (settings.corpus_dir / "lankad.txt").symlink_to(elsewhere / "a-malmo.txt")
    (settings.corpus_dir / "bruten.txt").symlink_to(elsewhere / "c-cks.txt")
    first = ingest(settings)
    assert sorted(first.added) == ["b-andrad", "bruten", "lankad"]
    assert Store(settings).manifest()["lankad"].source == str(settings.corpus_dir.resolve() / "lankad.txt")

    (settings.corpus_dir / "lankad.txt").unlink()  # the link goes; its target stays
    (elsewhere / "c-cks.txt").unlink()  # the target goes; the link stays, broken
    second = ingest(settings)
    assert sorted(second.removed) == ["bruten", "lankad"]
    store = Store(settings)
    assert sorted(store.manifest(fresh=True)) == ["b-andrad"]
    assert not [c for c in store.lexical().chunks if c.doc_id in ("lankad", "bruten")]
    assert (elsewhere / "a-malmo.txt").exists(), "the target is left alone"


def test_catalog_fields_of_the_wrong_type_warn_and_are_never_split_into_characters(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings()
    write_doc(settings.corpus_dir, "a-malmo", 1000, "Markering.")
    (settings.corpus_dir / "catalog.toml").write_text(
        "[[documents]]\n"
        'file = "a-malmo.txt"\n'
        "title = 2018\n"
        'organisation = "Malmö stad"\n'
        'concerns = "SOU 2018:47"\n'
        "date = 2018-10-30\n"
        'kind = ["remissvar"]\n'
        "[documents.speakers]\n"
        '"Socialnämnden" = 5\n',
        encoding="utf-8",
    )
    result = run_cli(cli_env(settings), tmp_path, "ingest", timeout=WAIT_LIMIT)
    assert result.returncode == 0, result.stderr[-2000:]
    out = " ".join(result.stdout.split())
    where = f"{settings.catalog_path}: dokument nr 1 (a-malmo.txt)"
    assert " ".join(f"{where}: fältet 'concerns' ska vara en lista".split()) in out
    assert "fältet 'title' är ett tal (2018)" in out
    assert "fältet 'kind' ska vara text, inte en lista; det används inte" in out
    assert "talaren under rubriken 'Socialnämnden' är ett tal (5)" in out
    entry = Store(settings).manifest(fresh=True)["a-malmo"]
    assert entry.concerns == ("SOU 2018:47",)
    # the unusable kind is not used; what the text says fills it, as for any field the entry leaves out
    assert (entry.title, entry.date, entry.kind) == ("2018", "2018-10-30", "yttrande")


def test_writes_without_the_lock_are_refused(make_settings: Callable[..., Settings]) -> None:
    """Every write path goes through the lock; a write that does not is a bug and fails loudly."""
    settings = make_settings()
    write_doc(settings.corpus_dir, "a-malmo", 800, "Markering.")
    assert ingest(settings).ok
    with pytest.raises(RuntimeError, match="without holding its write lock"):
        Store(settings).delete_document("a-malmo")
    assert "a-malmo" in Store(settings).manifest(fresh=True)
    assert os.path.exists(settings.data_dir / "write.lock")
