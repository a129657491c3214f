"""`remiss bench`: run every part in order, on fresh indexes under the output folder, and report.

Outputs in ``--out`` (default ``<data_dir>/bench/<timestamp>/``): report.md and results.json,
plus the indexes the bench built (scale-*/, baseline/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.bench.baselines import measure_baselines
from evals.bench.common import bench_questions, derive, pct, timed
from evals.bench.growth import measure_incremental, measure_query_rss
from evals.bench.ingest import measure_ingest, time_embedder, time_noop_command
from evals.bench.machine import Recorder, idle_verdict, machine, other_processes
from evals.bench.report import build_rows, print_table, write_markdown, write_results
from evals.bench.search import measure_search
from evals.bench.serving import SERVE_QUESTIONS, measure_serving

if TYPE_CHECKING:
    from assistant.settings import Settings


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
    port = getattr(args, "port", None)
    if port is not None and not 0 < port < 65536:
        raise RemissError(f"--port must be a port number between 1 and 65535, got {port}")
    stamp = dt.datetime.now()
    out = getattr(args, "out", None)
    out_dir = Path(out) if out else settings.data_dir / "bench" / stamp.strftime("%Y%m%d-%H%M%S")

    def say(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    results = run_bench(settings, scales, out_dir, say=say, port=port)
    write_results(out_dir / "results.json", results)  # the raw figures first, whatever happens below
    rows = build_rows(results)
    results["rows"] = [asdict(r) for r in rows]
    write_results(out_dir / "results.json", results)
    print_table(rows, results["meta"])
    write_markdown(out_dir / "report.md", rows, results)
    missed = [r for r in rows if r.verdict == "MISSED"]
    print(f"\n{len(missed)} target(s) missed" + (": " + "; ".join(r.metric for r in missed) if missed else ""))
    print(
        f"Other processes' CPU use during the run: {pct(results['meta']['other_cpu_share'])}; "
        + idle_verdict(results["meta"]["phases"]).replace("**", "")
    )
    print(f"Report: {out_dir / 'report.md'}")
    return 0


def run_bench(
    settings: Settings,
    scales: Sequence[int],
    out_dir: Path,
    say: Callable[[str], None] = print,
    port: int | None = None,
) -> dict[str, Any]:
    from assistant.chain import Assistant
    from assistant.embeddings import make_embedder
    from evals.dataset import load_dataset
    from evals.sets import load_cases, load_sets
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
    questions = bench_questions(load_dataset())
    _, members = load_cases(load_sets())
    documents = len(source_files(settings.corpus_dir))

    def scale_settings(scale: int) -> Settings:
        root = out_dir / f"scale-{scale}"
        # The position matrix has its own bench (evals.bench.positions); computed after every ingest
        # here it would be most of the ×100 and ×300 ingest time and hide the index's own growth.
        common = {"data_dir": root / "data", "embed_cache": cache, "chroma_host": "", "positions_on_ingest": False}
        if scale == 1:
            return derive(settings, catalog_file=settings.catalog_path, **common)
        corpus = root / "corpus"
        make_synthetic_corpus(settings.corpus_dir, corpus, scale, settings.catalog_path)
        return derive(settings, corpus_dir=corpus, catalog_file=corpus / "catalog.toml", **common)

    results: dict[str, Any] = {"ingest": {}, "search": {}}
    with recorder.phase("embedding model load"):
        s1 = scale_settings(1)
        embedder, results["model_load_s"] = timed(lambda: make_embedder(s1))
        embedder.embed_documents(["uppvärmning"])  # one-time set-up of the model, not part of any figure
        embedder.embed_query("uppvärmning")

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

    with recorder.phase("baselines: the LangChain + Chroma tutorial pipeline, e5 and MiniLM"):
        results["baselines"] = measure_baselines(s1, assistant1, embedder, out_dir / "baseline", questions, members)

    with recorder.phase("serving: fresh process on the ×1 index"):
        try:
            results["serving"] = measure_serving(s1, questions[:SERVE_QUESTIONS], port)
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
        with recorder.phase(f"×{scale} growth: one document added, a query process's memory"):
            try:
                results.setdefault("growth", {})[scale] = {
                    "incremental": measure_incremental(sn, scale),
                    "query_rss": measure_query_rss(sn, questions),
                }
            except Exception as exc:
                results.setdefault("growth", {})[scale] = {"error": f"{type(exc).__name__}: {exc}"}

    results["meta"] = {
        "timestamp": stamp.isoformat(timespec="seconds"),
        "out": str(out_dir),
        "scales": list(scales),
        "questions": len(questions),
        "serve_questions": min(SERVE_QUESTIONS, len(questions)),
        "port": port,
        "corpus": str(settings.corpus_dir),
        "documents": documents,
        "embedder": embedder.identity,
        "embed_batch_size": s1.embed_batch_size,
        "machine": machine(),
        "phases": [asdict(p) for p in recorder.phases],
        "other_cpu_share": other_processes(recorder),
    }
    return results
