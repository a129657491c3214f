"""Load test of the chat window through its API: 20 concurrent sessions, 3 questions each.

Each simulated session is its own gradio_client.Client (its own session hash, so its own
`gr.State`); questions 2 and 3 are follow-ups that depend on that state. Run with `-s` to
see the latency figures (they are printed to the terminal even without it).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from app_server import RunningApp, running_app

from assistant.settings import Settings

gradio_client = pytest.importorskip("gradio_client")

pytestmark = pytest.mark.slow

SESSIONS = 20
TEST_BUDGET = 300.0  # seconds for all sessions together
CALL_TIMEOUT = 120.0  # seconds for one question (queueing included)
HTTPX = {"timeout": 60.0}  # gradio_client's default 5 s fails the queue join on a busy machine (a browser waits)
FIRST_QUESTIONS = [
    "Vad tycker Malmö om riktade statsbidrag?",
    "Vad är tillitsbaserad styrning?",
    "Vad tycker remissinstanserna om generella statsbidrag?",
    "Vad anser Farsta stadsdelsnämnd om uppföljning och kontroll?",
    "Vad är ett nationellt policylab?",
]
FOLLOW_UPS = ["Och vad tycker Äldrenämnden?", "Och vad tycker Äldrenämnden om detaljstyrning?"]


@dataclass
class SessionRun:
    index: int
    questions: list[str]
    latencies: list[float] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    chat: list[dict[str, Any]] = field(default_factory=list)
    exported: str = ""


@pytest.fixture(scope="module")
def app(corpus_settings: Settings) -> Iterator[RunningApp]:
    with running_app(corpus_settings) as running:
        yield running


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message as the client returns it (content: str or list of parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def send_api_name(client: Any) -> str:
    """The API name of the Send button's click handler, found in the app's config."""
    config = client.config
    send_ids = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "send"]
    assert len(send_ids) == 1, send_ids
    names = [
        d["api_name"]
        for d in config["dependencies"]
        if any(t == [send_ids[0], "click"] or tuple(t) == (send_ids[0], "click") for t in d.get("targets", []))
    ]
    assert len(names) == 1, names
    api_name = "/" + names[0].lstrip("/")
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert api_name in endpoints, sorted(endpoints)
    params = [p["parameter_name"] for p in endpoints[api_name]["parameters"]]
    # answers_state is a gr.State: the client leaves it out and the server keeps it per session.
    assert params == ["question", "chat", "org", "body", "doc", "kind", "inquiry"], params
    return api_name


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[int(q) - 1]


def run_session(run: SessionRun, url: str, api_name: str, download_dir: Path, deadline: float) -> SessionRun:
    client = gradio_client.Client(
        url, verbose=False, analytics_enabled=False, download_files=str(download_dir), httpx_kwargs=HTTPX
    )
    try:
        chat: list[dict[str, Any]] = []
        for question in run.questions:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"session {run.index}: out of time before {question!r}"
            started = time.perf_counter()
            job = client.submit(question, chat, "Alla", "Alla", "Alla", "Alla", api_name=api_name)
            chat, sources, box = job.result(timeout=min(CALL_TIMEOUT, remaining))
            run.latencies.append(time.perf_counter() - started)
            assert isinstance(chat, list) and chat, f"session {run.index}: no chat after {question!r}"
            assert chat[-1]["role"] == "assistant"
            run.answers.append(message_text(chat[-1]))
            assert box == "", f"session {run.index}: question box not cleared ({box!r}); answer: {run.answers[-1]!r}"
            assert "source-card" in sources, f"session {run.index}: no source cards for {question!r}"
        run.chat = chat
        exported = client.predict(api_name="/export")
        path = exported.get("value") if isinstance(exported, dict) else exported
        assert path, f"session {run.index}: export returned {exported!r}"
        run.exported = Path(path).read_text(encoding="utf-8")
    finally:
        client.close()
    return run


def test_twenty_concurrent_sessions_keep_their_own_history(
    app: RunningApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = gradio_client.Client(app.url, verbose=False, analytics_enabled=False, download_files=str(tmp_path))
    api_name = send_api_name(probe)
    probe.close()

    runs = [
        SessionRun(
            i,
            [
                f"{FIRST_QUESTIONS[i % len(FIRST_QUESTIONS)]} (session {i:02d})",
                FOLLOW_UPS[0],
                FOLLOW_UPS[1],
            ],
        )
        for i in range(SESSIONS)
    ]
    started = time.monotonic()
    deadline = started + TEST_BUDGET
    start_together = threading.Barrier(SESSIONS)

    def task(run: SessionRun) -> SessionRun:
        folder = tmp_path / f"session-{run.index:02d}"
        folder.mkdir()
        start_together.wait(timeout=60)
        return run_session(run, app.url, api_name, folder, deadline)

    with ThreadPoolExecutor(max_workers=SESSIONS, thread_name_prefix="load") as pool:
        futures = [pool.submit(task, run) for run in runs]
        done, not_done = wait(futures, timeout=TEST_BUDGET + 30, return_when=FIRST_EXCEPTION)
        for future in not_done:
            future.cancel()
        errors = [f.exception() for f in done if f.exception() is not None]
        assert not errors, errors[0]
        assert not not_done, f"{len(not_done)} sessions did not finish within {TEST_BUDGET:.0f} s"
    wall = time.monotonic() - started

    for run in runs:
        users = [message_text(m) for m in run.chat if m["role"] == "user"]
        assert users == run.questions, f"session {run.index} sees other questions: {users}"
        assert len(run.chat) == 6
        assert all(a.strip() for a in run.answers), f"session {run.index}: empty answer {run.answers}"
        # The server-side state (gr.State) holds exactly this session's three questions.
        headings = [line for line in run.exported.splitlines() if line.startswith("## Fråga ")]
        assert headings == [f"## Fråga {n}: {q}" for n, q in enumerate(run.questions, start=1)], headings
        others = [f"(session {r.index:02d})" for r in runs if r.index != run.index]
        assert not any(tag in run.exported for tag in others)

    lines = [f"load test: {SESSIONS} sessions x 3 questions in {wall:.1f} s (concurrency {app.settings.concurrency})"]
    for q in range(3):
        values = [run.latencies[q] for run in runs]
        lines.append(
            f"  question {q + 1}: p50 {percentile(values, 50):.2f} s, p95 {percentile(values, 95):.2f} s, "
            f"max {max(values):.2f} s"
        )
    everything = [v for run in runs for v in run.latencies]
    lines.append(f"  all questions: p50 {percentile(everything, 50):.2f} s, p95 {percentile(everything, 95):.2f} s")
    with capsys.disabled():
        print("\n" + "\n".join(lines), flush=True)
