"""Crash safety: a `remiss ingest` process killed with SIGKILL never leaves half a document visible.

The documents are freshly written, unique text (bundled-corpus paragraphs, each with a unique
marker) embedded into a cache of their own, so the killed process really is busy embedding.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_process import cli_command, cli_env

from assistant.indexing import HEADER_RESERVE_TOKENS, ingest, prepare
from assistant.sentences import sentence_texts
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import ManifestEntry, Store
from ingest.catalog import load_catalog

CORPUS = PROJECT_ROOT / "corpus"
SOURCES = sorted(CORPUS.glob("*.txt"))
STABLE = ["a1-stabil", "a2-stabil"]  # committed before the killed run and never touched
CHANGED = "b3-andrad"  # committed before, modified before the killed run
NEW = ["b4-ny", "b5-ny", "b6-ny"]  # only written before the killed run


def unique_document(n: int, n_chars: int) -> str:
    """Corpus paragraphs, each ending in a marker that exists nowhere else."""
    tag = uuid.uuid4().hex[:10]
    source = SOURCES[n % len(SOURCES)]
    paragraphs = [p.strip() for p in source.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 120]
    out = [f"Testyttrande {n} ({tag})"]
    for i, paragraph in enumerate(paragraphs[n:] + paragraphs[:n]):
        out.append(f"{paragraph} Markering {tag}-{i}.")
        if sum(map(len, out)) >= n_chars:
            break
    return "\n\n".join(out) + "\n"


def write(corpus: Path, doc_id: str, n: int, n_chars: int) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / f"{doc_id}.txt").write_text(unique_document(n, n_chars), encoding="utf-8")


def prepare_committed_state(settings: Settings, n_chars: int, first_chars: int = 1000) -> dict[str, ManifestEntry]:
    """Two stable documents and one that will change, fully ingested in-process."""
    for n, doc_id in enumerate([*STABLE, CHANGED]):
        write(settings.corpus_dir, doc_id, n, first_chars)
    report = ingest(settings)
    assert report.ok and sorted(report.added) == sorted([*STABLE, CHANGED])
    before = dict(Store(settings).manifest(fresh=True))
    # the next run has work to do: one changed document and three new ones
    write(settings.corpus_dir, CHANGED, 7, n_chars)
    for n, doc_id in enumerate(NEW, start=3):
        write(settings.corpus_dir, doc_id, n, n_chars)
    return before


def small_batches(settings: Settings, cache: Path) -> dict[str, str]:
    """A child's environment that embeds two passages at a time: the cache grows in steps we can watch."""
    return cli_env(settings, REMISS_EMBED_CACHE=str(cache), REMISS_EMBED_BATCH_SIZE="2")


def cache_rows(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def open_as_new_process(settings: Settings) -> Store:
    """A Store that reads the index from disk, as a freshly started process would.

    Chroma keeps one in-memory copy (with the HNSW vectors) of a persistent index per path and
    process; vectors another process wrote are not seen through it. This test process opened the
    index before the killed run, so that copy is dropped first (only for this test's path).
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = str(settings.index_dir)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    if system is not None:
        system.stop()
    return Store(settings)


def check_after_kill(settings: Settings, before: dict[str, ManifestEntry]) -> tuple[Store, set[str]]:
    """The index a killed run leaves is consistent; returns the store and the uncommitted chunk ids."""
    store = open_as_new_process(settings)
    manifest = store.manifest(fresh=True)
    committed = store.committed_chunks()
    assert dict(Counter(c.doc_id for c in committed)) == {d: e.n_chunks for d, e in manifest.items()}
    for doc_id in STABLE:
        assert manifest[doc_id].doc_hash == before[doc_id].doc_hash
    # the changed document is there, in its old or its new version, never missing
    assert CHANGED in manifest
    assert set(manifest) <= {*STABLE, CHANGED, *NEW}

    raw = store._chunks.get(include=["metadatas", "embeddings"])
    committed_ids = {c.id for c in committed}
    uncommitted = {
        i: vector
        for i, meta, vector in zip(raw["ids"], raw["metadatas"], raw["embeddings"], strict=True)
        if i not in committed_ids
    }
    for i, meta in zip(raw["ids"], raw["metadatas"], strict=True):
        entry = manifest.get(meta["doc_id"])
        assert (i in committed_ids) == (entry is not None and entry.doc_hash == meta["doc_hash"])

    # a half-written document's chunks are never found, even by their own vector
    for chunk_id, vector in uncommitted.items():
        hits = store.dense_search(list(vector), 5)
        assert hits, f"the committed chunks must still be found near {chunk_id}"
        assert not {c.id for c, _ in hits} & set(uncommitted)
        assert all(c.id in committed_ids for c, _ in hits)
    for doc_id in NEW:
        if doc_id not in manifest:
            marker_query = store.embedder.embed_query(Path(settings.corpus_dir / f"{doc_id}.txt").read_text()[:300])
            assert all(c.doc_id != doc_id for c, _ in store.dense_search(marker_query, 10))
    lexical_ids = {c.id for c in store.lexical().chunks}
    assert lexical_ids == committed_ids
    assert not lexical_ids & set(uncommitted)
    return store, set(uncommitted)


def check_recovery(settings: Settings, uncommitted: set[str]) -> None:
    report = ingest(settings)
    assert report.ok, report.failed
    assert report.garbage_collected == len(uncommitted)
    store = Store(settings)
    manifest = store.manifest(fresh=True)
    assert sorted(manifest) == sorted([*STABLE, CHANGED, *NEW])
    for doc_id in manifest:
        text = (settings.corpus_dir / f"{doc_id}.txt").read_text(encoding="utf-8")
        first_line = text.splitlines()[0]  # holds a tag unique to this version of the file
        assert store.document_text(doc_id).startswith(first_line), doc_id  # the current version of every file
    committed = store.committed_chunks()
    assert dict(Counter(c.doc_id for c in committed)) == {d: e.n_chunks for d, e in manifest.items()}
    assert store._chunks.count() == sum(e.n_chunks for e in manifest.values()) == len(committed)
    again = ingest(settings)
    assert again.added == again.updated == again.removed == [] and again.embedded == 0


def test_ingest_killed_while_embedding(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(embed_cache=tmp_path / "first-cache.sqlite")
    before = prepare_committed_state(settings, n_chars=3000)
    cache = tmp_path / "kill-cache.sqlite"
    # kill once the changed document is embedded (and so committed) and the next one is under way
    embedder = Store(settings).embedder
    window = embedder.max_tokens - HEADER_RESERVE_TOKENS
    changed_chunks = prepare(
        settings.corpus_dir / f"{CHANGED}.txt",
        load_catalog(settings.catalog_path),
        settings,
        lambda text: embedder.token_count(text) <= window,
    ).chunks
    # the changed document's passages and its sentences are embedded before it is committed
    kill_at_rows = len(changed_chunks) + len(sentence_texts(changed_chunks)) + 2

    proc = subprocess.Popen(
        cli_command("ingest", "--quiet"),
        env=small_batches(settings, cache),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while cache_rows(cache) < kill_at_rows:
            assert proc.poll() is None, f"ingest ended before it could be killed: {proc.communicate()}"
            assert time.monotonic() < deadline, "the ingest process never started embedding"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode(errors="replace")[-2000:]

    settings = make_settings(embed_cache=cache)
    store, uncommitted = check_after_kill(settings, before)
    assert store.manifest()[CHANGED].doc_hash == changed_chunks[0].doc_hash  # committed before the kill
    assert len(NEW) > len(set(store.manifest()) & set(NEW))  # and the run did not get to the end
    check_recovery(settings, uncommitted)


KILL_AT_COMMIT = """
import os, signal, sys
from assistant import store as store_module
from assistant.cli import main

original = store_module.Store.commit_document
calls = []

def commit_or_die(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == int(os.environ["KILL_AT_COMMIT"]):
        os.kill(os.getpid(), signal.SIGKILL)  # the chunks are written, the manifest record is not
    return original(self, *args, **kwargs)

store_module.Store.commit_document = commit_or_die
sys.exit(main(["ingest", "--quiet"]))
"""


@pytest.mark.parametrize("kill_at", [1, 2], ids=["changed-doc-uncommitted", "first-doc-committed"])
def test_ingest_killed_at_the_commit_point(
    make_settings: Callable[..., Settings], tmp_path: Path, kill_at: int
) -> None:
    """SIGKILL right after a document's chunks are upserted, before its manifest record."""
    settings = make_settings()
    before = prepare_committed_state(settings, n_chars=1200)
    env = small_batches(settings, settings.cache_path) | {"KILL_AT_COMMIT": str(kill_at)}
    result = subprocess.run(
        [sys.executable, "-c", KILL_AT_COMMIT], env=env, cwd=tmp_path, capture_output=True, timeout=120
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode(errors="replace")[-2000:]

    store, uncommitted = check_after_kill(settings, before)
    manifest = store.manifest()
    assert uncommitted, "the killed run left chunks that no committed document owns"
    if kill_at == 1:
        # the modified document was being committed: its old version is what is searchable
        assert manifest[CHANGED].doc_hash == before[CHANGED].doc_hash
        assert set(manifest) == {*STABLE, CHANGED}
    else:
        # the modified document was committed, the next one was not
        assert manifest[CHANGED].doc_hash != before[CHANGED].doc_hash
        assert set(manifest) == {*STABLE, CHANGED}
        assert {store._chunks.get(ids=[i])["metadatas"][0]["doc_id"] for i in uncommitted} == {NEW[0]}
    check_recovery(settings, uncommitted)
