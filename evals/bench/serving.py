"""Serving: a fresh process starts the app on the ×1 index, answers questions over HTTP and
reports its peak memory; the bench times its start-up from the outside."""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.bench.common import Row, check, free_port, p50_p95, summarise
from evals.bench.ingest import child_env

if TYPE_CHECKING:
    from assistant.settings import Settings

SERVE_QUESTIONS = 20
START_TIMEOUT = 120.0
ANSWER_TIMEOUT = 120.0
SECTION = "serving (fresh process, ×1 index)"


def serve_child() -> None:
    """Run in a fresh process (`python -m evals.bench --serve-child`): start the app on the index of
    the REMISS_* settings, say when it is ready, then obey JSON commands on stdin."""
    t0 = time.perf_counter()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.app import assets, build_app
    from assistant.chain import Assistant
    from assistant.settings import load_settings

    t_import = time.perf_counter()
    settings = load_settings()
    assistant = Assistant(settings)
    t_assistant = time.perf_counter()
    demo = build_app(settings, assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    t_build = time.perf_counter()
    port = settings.port  # chosen by the parent: `remiss bench --port`, or a free one
    demo.launch(
        prevent_thread_lock=True,
        server_port=port,
        server_name="127.0.0.1",
        quiet=True,
        show_error=False,
        footer_links=[],
        **assets(),
    )
    t_launch = time.perf_counter()
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url, START_TIMEOUT)
    t_ready = time.perf_counter()

    def say(data: dict[str, Any]) -> None:
        print(json.dumps(data), flush=True)

    say(
        {
            "event": "ready",
            "url": url,
            "pid": os.getpid(),
            "import_s": t_import - t0,
            "assistant_s": t_assistant - t_import,
            "build_app_s": t_build - t_assistant,
            "launch_s": t_launch - t_build,
            "http_s": t_ready - t_launch,
            "in_process_s": t_ready - t0,
        }
    )
    try:
        for line in sys.stdin:
            command = json.loads(line)
            if command["do"] == "answer":  # fallback when the HTTP client is not available
                latencies = []
                for q in command["questions"]:
                    started = time.perf_counter()
                    assistant.answer(q)
                    latencies.append(time.perf_counter() - started)
                say({"event": "answered", "latencies": latencies})
            elif command["do"] == "memory":
                say({"event": "memory", **_memory()})
            elif command["do"] == "close":
                break
    finally:
        demo.close()
        say({"event": "closed"})


def _memory() -> dict[str, float]:
    """Peak RSS of this process: ru_maxrss (KiB on Linux) and VmHWM / VmRSS from /proc/self/status, in MiB."""
    out = {"ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            for key in ("VmHWM", "VmRSS"):
                if line.startswith(key + ":"):
                    out[f"{key.lower()}_mib"] = int(line.split()[1]) / 1024
    return out


def wait_for_http(url: str, timeout: float) -> None:
    """GET `url` until it answers 200, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
                last = response.status
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s (last: {last})")


class _Child:
    """The serving process and its line protocol."""

    def __init__(self, settings: Settings, port: int) -> None:
        env = child_env(settings, GRADIO_ANALYTICS_ENABLED="False", REMISS_PORT=str(port), REMISS_HOST="127.0.0.1")
        command = [sys.executable, "-m", "evals.bench", "--serve-child"]
        if Path("/bin/sh").exists():
            # Started by a small shell that forks it, as from a terminal: on Linux a process's
            # ru_maxrss starts at the peak RSS of the process that exec'd it, and this bench is big.
            command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *command]
        self.pid: int | None = None
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            env=env,
            cwd=str(Path(__file__).resolve().parents[2]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def expect(self, event: str, timeout: float) -> dict[str, Any]:
        import selectors

        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    break
                line = self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the serving process ended (exit code {self.proc.poll()}) before '{event}'")
                with contextlib.suppress(json.JSONDecodeError):
                    data = json.loads(line)
                    if isinstance(data, dict) and data.get("event") == event:
                        return data
        raise TimeoutError(f"the serving process did not report '{event}' within {timeout:.0f} s")

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.send({"do": "close"})
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                if self.pid is not None:  # the Python process under the shell
                    with contextlib.suppress(OSError):
                        os.kill(self.pid, 9)
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                stream.close()  # type: ignore[union-attr]


def measure_serving(settings: Settings, questions: Sequence[str], port: int | None = None) -> dict[str, Any]:
    """Start-up to ready and peak RSS of a fresh `remiss serve`-like process on the index of `settings`,
    listening on `port` of 127.0.0.1 (default: a free one)."""
    child = _Child(settings, port or free_port())
    try:
        ready = child.expect("ready", START_TIMEOUT)
        startup = time.perf_counter() - child.started
        child.pid = ready.get("pid")
        latencies, via = _ask_over_http(ready["url"], questions)
        if latencies is None:
            child.send({"do": "answer", "questions": list(questions)})
            latencies = child.expect("answered", ANSWER_TIMEOUT * len(questions))["latencies"]
        child.send({"do": "memory"})
        memory = child.expect("memory", 30)
    finally:
        child.stop()
    return {
        "startup_s": startup,
        "url": ready["url"],
        "breakdown": {k: v for k, v in ready.items() if k.endswith("_s")},
        "spawned_by": "/bin/sh (fork + exec)" if Path("/bin/sh").exists() else "the bench (subprocess)",
        "questions": len(latencies),
        "answered_via": via,
        "first_answer_s": latencies[0] if latencies else math.nan,
        "answers": summarise(latencies[1:]),
        "memory": memory,
        "exit_code": child.proc.returncode,
    }


def _ask_over_http(url: str, questions: Sequence[str]) -> tuple[list[float] | None, str]:
    """Ask each question in a new chat through the app's Send endpoint; (None, why) if that is impossible."""
    try:
        from gradio_client import Client
    except ImportError:
        return None, "in-process Assistant.answer (gradio_client is not installed)"
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    except Exception as exc:
        return None, f"in-process Assistant.answer (the HTTP client failed: {type(exc).__name__})"
    try:
        api_name = _send_api_name(client)
        latencies = []
        for q in questions:
            started = time.perf_counter()
            job = client.submit(q, [], "Alla", "Alla", "Alla", "Alla", api_name=api_name)
            chat, _sources, _box = job.result(timeout=ANSWER_TIMEOUT)
            latencies.append(time.perf_counter() - started)
            if not chat or chat[-1].get("role") != "assistant":
                raise RuntimeError(f"no answer to {q!r}")
        return latencies, f"HTTP, the app's Send endpoint {api_name} (gradio_client, a new chat per question)"
    except Exception as exc:
        return None, f"in-process Assistant.answer (the HTTP client failed: {type(exc).__name__}: {exc})"
    finally:
        with contextlib.suppress(Exception):
            client.close()


def _send_api_name(client: Any) -> str:
    config = client.config
    send = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "send"]
    names = [
        d["api_name"]
        for d in config["dependencies"]
        if any(list(t) == [send[0], "click"] for t in d.get("targets", []))
    ]
    if len(send) != 1 or len(names) != 1:
        raise RuntimeError("the Send button's endpoint was not found")
    return "/" + str(names[0]).lstrip("/")


def serving_rows(serving: dict[str, Any] | None) -> list[Row]:
    """Table rows for what `measure_serving` returned (or the error that stopped it)."""
    if not serving:
        return []
    if "error" in serving:
        return [Row(SECTION, "serving", "failed", "—", serving["error"])]
    target, verdict = check("startup_s", serving["startup_s"])
    rows = [Row(SECTION, "start-up to first HTTP 200", f"{serving['startup_s']:.2f} s", target, verdict)]
    memory = serving["memory"]
    peak = max(memory.get("ru_maxrss_mib", math.nan), memory.get("vmhwm_mib", math.nan))
    target, verdict = check("rss_mib", peak)
    rows.append(
        Row(
            SECTION,
            f"peak RSS after {serving['questions']} answers (ru_maxrss / VmHWM)",
            f"{memory.get('ru_maxrss_mib', math.nan):.0f} / {memory.get('vmhwm_mib', math.nan):.0f} MiB",
            target,
            verdict,
        )
    )
    rows.append(
        Row(
            SECTION,
            "answer through the app: first / p50 / p95 of the rest",
            f"{serving['first_answer_s'] * 1000:.0f} ms / {p50_p95(serving['answers'])}",
        )
    )
    return rows
