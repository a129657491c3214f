"""Load figures for the chat window: N concurrent sessions × 3 questions against a real `remiss serve`.

    python -m evals.load [--sessions 50] [--url http://127.0.0.1:7860/]

Without --url it starts `remiss serve` on a free port of 127.0.0.1 with the current REMISS_*
settings (serve ingests first if the index is missing) and stops it afterwards. Each session
is its own gradio_client (its own Gradio session and `gr.State`): a first question, then two
follow-ups that depend on that session's history, then an export of the conversation. Prints
latency p50/p95/max per question, errors, leaks between sessions (an export that holds
another session's question) and the server's resident memory before and after. A benchmark
that prints figures, not a test: it exits non-zero only when a session failed or leaked.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.bench import free_port, wait_for_http

FIRST_QUESTIONS = [
    "Vad tycker Malmö om riktade statsbidrag?",
    "Vad är tillitsbaserad styrning?",
    "Vad tycker remissinstanserna om generella statsbidrag?",
    "Vad anser Farsta stadsdelsnämnd om uppföljning och kontroll?",
    "Vad är ett nationellt policylab?",
]
FOLLOW_UPS = ["Och vad tycker Äldrenämnden?", "Och vad tycker Äldrenämnden om detaljstyrning?"]
START_TIMEOUT = 900.0  # serve may ingest the corpus first
CALL_TIMEOUT = 300.0
HTTPX = {"timeout": 60.0}  # gradio_client's default (5 s) fails a join on a busy machine; a browser waits


@dataclass
class Session:
    index: int
    questions: list[str]
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaked: bool = False


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _file_path(output: Any) -> str:
    """The server-side path of a gr.File output as gradio_client returns it (the server is this machine)."""
    if isinstance(output, dict):
        return _file_path(output["value"]) if "value" in output else str(output.get("path") or "")
    return str(output or "")


def _send_api(client: Any) -> str:
    config = client.config
    send = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "send"]
    names = [d["api_name"] for d in config["dependencies"] if any(list(t) == [send[0], "click"] for t in d["targets"])]
    return "/" + str(names[0]).lstrip("/")


def run_session(session: Session, url: str, api: str, start: threading.Barrier, tags: list[str]) -> Session:
    from gradio_client import Client

    start.wait(timeout=120)
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs=HTTPX)
    except Exception as exc:
        session.errors.append(f"connect: {type(exc).__name__}: {exc}")
        return session
    try:
        chat: list[dict[str, Any]] = []
        for question in session.questions:
            started = time.perf_counter()
            try:
                job = client.submit(question, chat, "Alla", "Alla", "Alla", "Alla", api_name=api)
                chat, _sources, _box = job.result(timeout=CALL_TIMEOUT)
            except Exception as exc:
                session.errors.append(f"{question!r}: {type(exc).__name__}: {exc}")
                return session
            session.latencies.append(time.perf_counter() - started)
            answer = _text(chat[-1]) if chat else ""
            if not answer.strip() or "Något gick fel" in answer:
                session.errors.append(f"{question!r}: {answer[:120]!r}")
        path = _file_path(client.predict(api_name="/export"))
        text = Path(path).read_text(encoding="utf-8") if path else ""
        own = f"(session {session.index:03d})"
        session.leaked = own not in text or any(tag in text for tag in tags if tag != own)
    except Exception as exc:
        session.errors.append(f"export: {type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            client.close()
    return session


def rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (less sensitive to a busy machine than latency)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[q - 1]


def start_serve(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    command = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_wave(url: str, api: str, count: int, first: int) -> list[Session]:
    """`count` sessions started together, numbered from `first`."""
    sessions = [
        Session(i, [f"{FIRST_QUESTIONS[i % len(FIRST_QUESTIONS)]} (session {i:03d})", *FOLLOW_UPS])
        for i in range(first, first + count)
    ]
    tags = [f"(session {s.index:03d})" for s in sessions]
    start = threading.Barrier(len(sessions))
    with ThreadPoolExecutor(max_workers=len(sessions), thread_name_prefix="load") as pool:
        return list(pool.map(lambda s: run_session(s, url, api, start, tags), sessions))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.load", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent sessions per wave")
    parser.add_argument("--waves", type=int, default=1, help="waves of new sessions, one after the other")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between waves (let sessions go idle)")
    parser.add_argument("--url", default="", help="an app that already runs (default: start remiss serve)")
    args = parser.parse_args(argv)

    server = None
    url = args.url
    if not url:
        port = free_port()
        server = start_serve(port)
        url = f"http://127.0.0.1:{port}/"
    pid = server.pid if server else 0
    done: list[Session] = []
    memory: list[float] = []
    try:
        wait_for_http(url, START_TIMEOUT)
        from gradio_client import Client

        probe = Client(url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs=HTTPX)
        api = _send_api(probe)
        probe.predict("Vad är tillitsbaserad styrning?", [], "Alla", "Alla", "Alla", "Alla", api_name=api)  # warm up
        probe.close()
        memory.append(rss_mib(pid))
        cpu_before = cpu_seconds(pid)
        started = time.monotonic()
        for wave in range(args.waves):
            if wave:
                time.sleep(args.pause)
            done += run_wave(url, api, args.sessions, wave * args.sessions)
            memory.append(rss_mib(pid))
        wall = time.monotonic() - started - args.pause * (args.waves - 1)
        cpu = cpu_seconds(pid) - cpu_before
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()

    errors = [e for s in done for e in s.errors]
    leaks = sum(s.leaked for s in done)
    waves = f"{args.waves} waves of " if args.waves > 1 else ""
    print(f"load: {waves}{args.sessions} concurrent sessions x 3 questions against {url} in {wall:.1f} s")
    for q in range(3):
        values = [s.latencies[q] for s in done if len(s.latencies) > q]
        print(
            f"  question {q + 1}: n {len(values)}, p50 {percentile(values, 50):.2f} s, "
            f"p95 {percentile(values, 95):.2f} s, max {max(values, default=float('nan')):.2f} s"
        )
    everything = [v for s in done for v in s.latencies]
    p50, p95 = percentile(everything, 50), percentile(everything, 95)
    print(f"  all answers: n {len(everything)}, p50 {p50:.2f} s, p95 {p95:.2f} s")
    print(f"  errors: {len(errors)}; sessions that saw another session's question: {leaks}")
    for error in errors[:5]:
        print(f"    {error}")
    if server is not None:
        steps = ", ".join(f"{m:.0f}" for m in memory)
        growth = (memory[-1] - memory[0]) / max(1, len(done))
        print(f"  server memory (VmRSS, MiB): {steps} (start, after each wave); {growth:.2f} MiB per session")
        print(f"  server CPU time: {cpu:.1f} s ({cpu / max(1, len(everything)):.2f} s per answer)")
        with contextlib.suppress(OSError):
            print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if errors or leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
