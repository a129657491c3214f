"""A Chroma server that freezes (SIGSTOP) or dies while remiss uses it (issue 11, item 5).

Questions to a frozen server fail with the friendly StoreUnavailableError within the client
timeout (REMISS_CHROMA_TIMEOUT) instead of hanging, and answer again after SIGCONT. An ingest
whose server freezes or dies stops with the same friendly line (no ConnectError, no traceback),
and the next ingest completes with nothing lost. Each test prints a RELIABILITY line (`-s`).
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_process import cli_command, cli_env, run_cli
from corpus_text import seed_text
from test_chroma_server import SERVERS, running_chroma
from test_killed_ingest import cache_rows

from assistant.chain import Assistant
from assistant.errors import StoreUnavailableError
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store

TIMEOUT = 2.0  # REMISS_CHROMA_TIMEOUT in these tests
QUESTIONS = [
    "Vad anser nämnden om riktade statsbidrag?",
    "Vad säger nämnden om tillitsbaserad styrning?",
    "Hur ser nämnden på uppföljning och kontroll?",
]
SOURCES = [
    "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt",
    "cks-linkopings-universitet-remissyttrande.txt",
    "region-jamtland-harjedalen-sammanfattning.txt",
    "stockholms-stad-socialforvaltningen-tjansteutlatande.txt",
]
WAIT_LIMIT = 180.0


def write_corpus(corpus: Path, n_chars: int, tag: str) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for n, source in enumerate(SOURCES):
        text = seed_text(source, n_chars, n)
        (corpus / f"dok-{n}.txt").write_text(
            f"Yttrande {n} {tag}\n\n{text}\n\nMarkering {tag}-{n}.\n", encoding="utf-8"
        )


def consistent(settings: Settings) -> int:
    """Chunks missing from committed documents (must be 0), after checking nothing else is stored."""
    store = Store(settings)
    manifest = store.manifest(fresh=True)
    present = Counter(c.doc_id for c in store.committed_chunks())
    assert store._chunks.count() == sum(present.values()), "chunks no committed document owns"
    return sum(e.n_chunks - present[d] for d, e in manifest.items())


def test_a_frozen_chroma_server_fails_questions_within_the_timeout(
    make_settings: Callable[..., Settings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_chroma(tmp_path / "chroma") as port:
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=port, chroma_timeout=TIMEOUT)
        write_corpus(settings.corpus_dir, 1200, "a")
        assert ingest(settings).ok
        assistant = Assistant(settings)
        assert assistant.answer(QUESTIONS[0]).citations
        server = SERVERS[port]
        server.send_signal(signal.SIGSTOP)
        seconds: list[float] = []
        try:
            for question in QUESTIONS:
                started = time.monotonic()
                with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port} svarar inte"):
                    assistant.answer(question)
                seconds.append(time.monotonic() - started)
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port} svarar inte"):
                Store(settings)  # a new store (a new process's first step) does not hang either
            seconds.append(time.monotonic() - started)
            cli_started = time.monotonic()
            env = cli_env(settings, REMISS_CHROMA_HOST="127.0.0.1", REMISS_CHROMA_PORT=str(port))
            result = run_cli(env | {"REMISS_CHROMA_TIMEOUT": str(TIMEOUT)}, tmp_path, "ask", QUESTIONS[1], timeout=60)
            cli_seconds = time.monotonic() - cli_started
        finally:
            server.send_signal(signal.SIGCONT)
        assert max(seconds) < 3 * TIMEOUT + 1, seconds
        assert result.returncode == 1 and f"127.0.0.1:{port} svarar inte" in result.stderr, result.stderr[-2000:]
        assert "Traceback" not in result.stderr

        deadline = time.monotonic() + 30
        while True:  # the thawed server answers again
            try:
                answer = assistant.answer(QUESTIONS[2])
                break
            except StoreUnavailableError:
                assert time.monotonic() < deadline, "no answer 30 s after SIGCONT"
                time.sleep(0.2)
        assert answer.citations or answer.abstained
        assert assistant.answer(QUESTIONS[0]).citations
    with capsys.disabled():
        print(
            f"\nRELIABILITY frozen Chroma server (SIGSTOP, timeout {TIMEOUT:g} s): tried {len(seconds) + 1} calls, "
            f"survived {len(seconds) + 1} (friendly error in at most {max(seconds):.1f} s; `remiss ask` exits in "
            f"{cli_seconds:.1f} s), answers again after SIGCONT, data lost 0"
        )


@pytest.mark.slow
@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_an_ingest_whose_chroma_server_fails_gives_the_friendly_message_and_loses_nothing(
    make_settings: Callable[..., Settings], tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    chroma_dir = tmp_path / "chroma"
    with running_chroma(chroma_dir) as port:
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=port)
        write_corpus(settings.corpus_dir, 1000, "forsta")
        assert ingest(settings).ok
        write_corpus(settings.corpus_dir, 2000, "andra")  # every document changes: a long second run
        cache = tmp_path / "own-cache.sqlite"
        env = cli_env(
            settings,
            REMISS_CHROMA_HOST="127.0.0.1",
            REMISS_CHROMA_PORT=str(port),
            REMISS_CHROMA_TIMEOUT=str(TIMEOUT),
            REMISS_EMBED_CACHE=str(cache),
            REMISS_EMBED_BATCH_SIZE="2",
        )
        proc = subprocess.Popen(
            cli_command("ingest", "--quiet"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        server = SERVERS[port]
        try:
            deadline = time.monotonic() + WAIT_LIMIT
            while cache_rows(cache) < 6:  # the second document is being embedded: the first was written
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the ingest never got going"
                time.sleep(0.05)
            server.send_signal(signal.SIGSTOP if how == "stopped" else signal.SIGKILL)
            failed_at = time.monotonic()
            _, err = proc.communicate(timeout=WAIT_LIMIT)
            seconds = time.monotonic() - failed_at
        finally:
            if proc.poll() is None:
                proc.kill()
            if how == "stopped":
                server.send_signal(signal.SIGCONT)
        assert proc.returncode == 1, err[-2000:]
        assert f"remiss: Chroma-servern på http://127.0.0.1:{port} svarar inte" in err, err[-2000:]
        assert "Traceback" not in err and "oväntat fel" not in err
        assert "ConnectError" not in err or "svarar inte" in err

    with running_chroma(chroma_dir) as port:  # the same data, served again
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=port, embed_cache=cache)
        again = ingest(settings)
        assert again.ok, again.failed
        lost = consistent(settings)
        store = Store(settings)
        assert sorted(store.manifest(fresh=True)) == [f"dok-{n}" for n in range(len(SOURCES))]
        # every document is its second version (its first line carries the version's tag)
        assert all(store.document_text(d).startswith(f"Yttrande {d[4:]} andra") for d in store.manifest())
    assert lost == 0
    with capsys.disabled():
        print(
            f"\nRELIABILITY Chroma server {how} during ingest: tried 1, survived 1 (friendly message "
            f"{seconds:.1f} s after the failure), next ingest complete, data lost {lost}"
        )
