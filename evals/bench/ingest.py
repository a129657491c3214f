"""Ingest speed: cold (empty index) and no-op runs at each scale, the embedder alone on the same
texts, and `remiss ingest` as a new process."""

from __future__ import annotations

import gc
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.bench.common import Row, check, rate, ratio, timed

if TYPE_CHECKING:
    from assistant.settings import Settings

SECTION = "ingest"


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
    report, run.cold_s = timed(lambda: ingest(settings))
    run.failed = list(report.failed)
    run.embedded = report.embedded
    run.chunks = report.chunks_written
    store = Store(settings)
    texts = [c.indexed_text() for c in store.committed_chunks()]
    run.tokens = sum(store.embedder.token_count(t) for t in texts)
    gc.collect()
    noop, run.noop_s = timed(lambda: ingest(settings))
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
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", "--quiet"],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"remiss ingest failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds


def ingest_rows(results: dict[str, Any]) -> list[Row]:
    """Table rows for the ingest figures at every scale."""
    run1 = results["ingest"][1]
    r1 = IngestRun(**run1).rates()
    alone = run1["embedder_alone_s"]
    rows = [
        Row(
            SECTION,
            "embedding model load (once per process, not in any figure below)",
            f"{results['model_load_s']:.2f} s",
        ),
        Row(
            SECTION,
            "×1 cold ingest (fresh cache)",
            f"{run1['cold_s']:.1f} s: {run1['documents']} docs, {run1['chunks']} chunks, {run1['tokens']} tokens",
        ),
        Row(
            SECTION,
            "×1 cold ingest throughput",
            f"{r1['docs_per_s']:.2f} docs/s · {r1['chunks_per_s']:.1f} chunks/s · {r1['tokens_per_s']:.0f} tok/s",
        ),
        Row(SECTION, "×1 embedder alone (same texts)", f"{alone:.1f} s · {rate(run1['tokens'], alone):.0f} tok/s"),
    ]
    target, verdict = check("cold_vs_embedder", run1["cold_s"] / alone if alone else math.nan)
    rows.append(Row(SECTION, "×1 cold ingest / embedder alone", ratio(run1["cold_s"], alone), target, verdict))
    target, verdict = check("noop_x1_s", run1["noop_s"])
    rows.append(Row(SECTION, "×1 no-op ingest (in process)", f"{run1['noop_s']:.2f} s", target, verdict))
    rows.append(Row(SECTION, "×1 no-op `remiss ingest` (new process)", f"{run1['noop_command_s']:.2f} s"))
    per_passage = alone / run1["chunks"] if run1["chunks"] else math.nan
    for scale, run in results["ingest"].items():
        if int(scale) == 1:
            continue
        r = IngestRun(**run).rates()
        rows += [
            Row(
                SECTION,
                f"×{scale} cold ingest (cache shared with ×1)",
                f"{run['cold_s']:.1f} s: {run['documents']} docs, {run['chunks']} chunks, "
                f"{run['embedded']} embedded now (≈ {run['embedded'] * per_passage:.0f} s of it)",
                "—",
                f"{ratio(run['cold_s'], run1['cold_s'])} of ×1",
            ),
            Row(
                SECTION,
                f"×{scale} cold ingest throughput",
                f"{r['docs_per_s']:.2f} docs/s · {r['chunks_per_s']:.1f} chunks/s · {r['tokens_per_s']:.0f} tok/s",
            ),
            Row(
                SECTION,
                f"×{scale} no-op ingest (in process)",
                f"{run['noop_s']:.2f} s",
                "—",
                f"{ratio(run['noop_s'], run1['noop_s'])} of ×1",
            ),
        ]
    for scale, run in results["ingest"].items():
        for path, reason in run.get("failed", []):
            rows.append(Row(SECTION, f"×{scale} ingest failure", Path(path).name, "—", reason))
    return rows
