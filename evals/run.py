"""`remiss eval`: run every system on the cases of every evaluation set, in one process, score
them, and report each set side by side.

Sets (evals/sets.toml; `--dataset PATH` runs that one file as its own set): each distinct case is
run once and counted in every set that holds it.

Systems:

- ``bm25`` and ``dense``: one retriever alone (``searcher.search(q, k=10, retrievers=...)``), on
  the standalone question of the full system, so they differ from it only in retrieval. They
  have no answer, abstention or citation metrics.
- ``full``: the default pipeline, ``Assistant.answer(question, history)`` with hybrid retrieval
  and the extractive answerer (reranker and LLM off). Its retrieval metrics come from
  ``assistant.searcher.search(answer.standalone_question, 10)``. The gate applies to it.
- ``rerank`` (when ``reranker_model`` is set): the full pipeline with the cross-encoder.
- ``full+llm:<model>`` (when ``llm_base_url`` is set; label from ``assistant.mode``): the
  Assistant exactly as configured, with the LLM answerer (and the reranker, if set).

Outputs in ``--out`` (default ``<data_dir>/eval/<timestamp>/``): report.md, chart.png and
results.json; with ``--record`` also one line appended to evals/history.jsonl (so a plain run
leaves the checkout as it was). Exit code 1 when a metric of the full system on the gated set
(evals/thresholds.toml) is below its minimum, else 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.chain import Assistant
from assistant.errors import RemissError
from assistant.settings import Settings
from evals import metrics as m
from evals import report
from evals.dataset import Case
from evals.gate import GATED_SYSTEM, THRESHOLDS_PATH, check_gate, load_gate, load_targets
from evals.scoring import (
    CaseResult,
    System,
    aggregate,
    evidence_of,
    failed_cases,
    failure_record,
    finite_all,
    run_answer,
    run_retrieval,
    score_answer,
    score_retrieval,
)
from evals.sets import SETS_PATH, load_cases, load_sets, single_set

HISTORY_PATH = Path(__file__).with_name("history.jsonl")
BASELINES: dict[str, tuple[str, ...]] = {"bm25": ("lexical",), "dense": ("dense",)}


# -- entry point ---------------------------------------------------------------------------
def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    dataset = getattr(args, "dataset", None)
    sets = single_set(Path(dataset)) if dataset else load_sets(SETS_PATH)
    gate = load_gate(THRESHOLDS_PATH)
    gate_set = next(iter(sets)) if dataset else gate.set_name
    if gate_set not in sets:
        raise RemissError(
            f"{THRESHOLDS_PATH}: set = {gate_set!r} is not an evaluation set of {SETS_PATH} "
            f"(known: {', '.join(sets)}); name one of them"
        )
    cases, members = load_cases(sets)
    stamp = dt.datetime.now()
    out = getattr(args, "out", None)
    out_dir = Path(out) if out else settings.data_dir / "eval" / stamp.strftime("%Y%m%d-%H%M%S")

    systems = build_systems(settings)
    store = systems[GATED_SYSTEM].assistant.store  # type: ignore[union-attr]
    if store.chunk_count() == 0:
        _ingest(settings, store)
    relevant_counts, warnings = evidence_in_index(cases, store.committed_chunks())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)

    results = evaluate(cases, systems, settings, relevant_counts)
    keys = {name: {c.key for c in members[name]} for name in sets}
    full = [r for r in results if r.system == GATED_SYSTEM]
    summary = {
        name: {
            s: aggregate([r for r in results if r.system == s and r.case.key in keys[name]], sys_.kind)
            for s, sys_ in systems.items()
        }
        for name in sets
    }
    by_category = {name: grouped([r for r in full if r.case.key in keys[name]], "category") for name in sets}
    by_style = {name: grouped([r for r in full if r.case.key in keys[name]], "style") for name in sets}
    violations, unmeasured = check_gate(summary[gate_set][GATED_SYSTEM], gate.minimums, gate_set)
    failures = [failure_record(f, [n for n in sets if f.result.case.key in keys[n]]) for f in failed_cases(full)]

    meta = {
        "timestamp": stamp.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "sets": {
            name: {
                "files": [str(f) for f in s.files],
                "cases": len(members[name]),
                "answerable": sum(1 for c in members[name] if c.answerable),
                "unanswerable": sum(1 for c in members[name] if not c.answerable),
            }
            for name, s in sets.items()
        },
        "cases": len(cases),
        "embedder": store.embedder_label,
        "index": settings.index_label,
        "systems": {name: {"kind": s.kind, "mode": s.mode} for name, s in systems.items()},
        "thresholds": gate.minimums,
        "gated_system": GATED_SYSTEM,
        "gated_set": gate_set,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    report.print_summary(summary, meta)
    report.write_markdown(
        out_dir / "report.md", summary, by_category, by_style, failures, meta, violations, unmeasured, warnings
    )
    report.write_chart(out_dir / "chart.png", summary)
    write_results(
        out_dir / "results.json", results, members, summary, by_category, by_style, meta, violations, warnings
    )
    if getattr(args, "record", False):
        append_history(HISTORY_PATH, meta, summary)
        print(f"Recorded in {HISTORY_PATH}")

    print(f"\n{len(failures)} failed case(s) for '{GATED_SYSTEM}': {', '.join(f['id'] for f in failures) or '—'}")
    print(f"Report: {out_dir / 'report.md'}")
    print_targets(summary[gate_set][GATED_SYSTEM], gate_set)
    if not dataset:  # a run on one file of questions is a tuning loop: no position matrix, above all no test gold
        print_positions(settings)
    for metric in unmeasured:
        print(f"gate: {metric} not measured on set '{gate_set}' (no cases); not checked")
    if violations:
        for v in violations:
            print(f"gate FAILED: {v}")
        return 1
    floors = ", ".join(f"{k} ≥ {v:g}" for k, v in gate.minimums.items())
    print(f"gate passed on set '{gate_set}' ({floors})")
    return 0


def print_positions(settings: Settings) -> None:
    """The remissammanställning's figures on its dev gold and, when present, its test gold."""
    from evals import positions

    golds = ((positions.DEV_PATH, "dev"), (positions.DEV_BLIND_PATH, "dev (blind)"), (positions.GOLD_PATH, "test"))
    for path, label in golds:
        if path.is_file():
            try:
                positions.print_figures(positions.evaluate(settings, path), label)
            except RemissError as exc:
                print(f"positions: {exc}", file=sys.stderr)


def grouped(results: Sequence[CaseResult], attribute: str) -> dict[str, dict[str, float]]:
    """The full system's metrics per value of a case attribute (category, style); '(none)' when unset."""
    values = sorted({getattr(r.case, attribute) or "(none)" for r in results})
    return {
        value: aggregate([r for r in results if (getattr(r.case, attribute) or "(none)") == value], "answer")
        for value in values
    }


def print_targets(summary: dict[str, float], set_name: str) -> None:
    """Say, for each goal, how far the full system is from it on the gated set."""
    for metric, goal in load_targets(THRESHOLDS_PATH).items():
        value = summary.get(metric, m.NAN)
        state = "met" if not math.isnan(value) and value >= goal else "not met"
        print(f"target ({set_name}): {metric} = {value:.3f}, goal {goal:g}: {state}")


# -- systems -------------------------------------------------------------------------------
def build_systems(settings: Settings) -> dict[str, System]:
    """bm25, dense, full; plus rerank and the LLM system when configured. One store for all."""
    plain = settings.model_copy(update={"reranker_model": "", "llm_base_url": ""})
    full = Assistant(plain)
    systems = {name: System(name, "retrieval", "+".join(how), full, how) for name, how in BASELINES.items()}
    systems["full"] = System("full", "answer", full.mode, full)
    rerank: Assistant | None = None
    if settings.reranker_model:
        rerank = Assistant(settings.model_copy(update={"llm_base_url": ""}), store=full.store)
        systems["rerank"] = System("rerank", "answer", f"{rerank.mode}+rerank", rerank)
    if settings.llm_base_url:
        llm = Assistant(settings, store=full.store)
        if rerank is not None:
            llm.searcher = rerank.searcher  # load the cross-encoder once
        name = f"full+{llm.mode}"
        systems[name] = System(name, "answer", llm.mode + ("+rerank" if settings.reranker_model else ""), llm)
    return systems


def _ingest(settings: Settings, store: Any) -> None:
    from assistant.indexing import ingest

    print(f"The index is empty; ingesting {settings.corpus_dir} first …", file=sys.stderr)
    result = ingest(settings, store=store)
    for path, reason in result.failed:
        print(f"warning: {path}: {reason}", file=sys.stderr)
    if store.chunk_count() == 0:
        raise RemissError(f"Nothing could be indexed from {settings.corpus_dir}; the evaluation needs an index.")


def evidence_in_index(cases: Sequence[Case], corpus: Sequence[Any]) -> tuple[dict[tuple[str, str], int], list[str]]:
    """Per case, how many indexed passages contain any of its evidence (R of nDCG); warnings for
    evidence found in no passage (such a case can never reach full recall)."""
    counts: dict[tuple[str, str], int] = {}
    warnings: list[str] = []
    docs = {c.doc_id for c in corpus}
    for case in cases:
        if not case.evidence:
            continue
        matches = m.evidence_matches(((c.doc_id, c.text) for c in corpus), evidence_of(case))
        counts[case.key] = sum(1 for found in matches if found)
        covered = set().union(*matches) if matches else set()
        for i, ev in enumerate(case.evidence):
            if i in covered:
                continue
            where = "document not in the index" if ev.doc not in docs else "quote found in no indexed passage"
            warnings.append(
                f"case {case.id} ({Path(case.source).name} line {case.line}): evidence[{i}] {ev.doc}: "
                f"{ev.quote!r}: {where}"
            )
    return counts, warnings


# -- running -------------------------------------------------------------------------------
def evaluate(
    cases: Sequence[Case], systems: dict[str, System], settings: Settings, relevant: dict[tuple[str, str], int]
) -> list[CaseResult]:
    from rich.console import Console
    from rich.progress import Progress

    full = systems[GATED_SYSTEM].assistant
    assert full is not None
    store = full.store
    judge = m.SupportJudge(store.embedder.embed_query, _passage_embedder(settings, store))
    full.answer("Vad är tillitsbaserad styrning?")  # load the models and indexes before anything is timed
    results: list[CaseResult] = []
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("eval", total=len(cases))
        for case in cases:
            standalone = case.question
            for system in systems.values():
                if system.kind == "answer":
                    result = run_answer(system, case)
                    if system.name == GATED_SYSTEM:
                        standalone = result.standalone
                    score_answer(result, judge)
                    score_retrieval(result, relevant.get(case.key, 0))
                    results.append(result)
            for system in systems.values():
                if system.kind == "retrieval":
                    result = run_retrieval(system, case, standalone)
                    score_retrieval(result, relevant.get(case.key, 0))
                    results.append(result)
            progress.advance(task)
    return results


def _passage_embedder(settings: Settings, store: Any) -> Any:
    from assistant.embeddings import EmbeddingCache

    cache: EmbeddingCache | None = None

    def embed(text: str) -> list[float]:
        nonlocal cache
        if cache is None:
            cache = EmbeddingCache(settings.cache_path)
        vectors, _ = cache.embed(store.embedder, [text], settings.embed_batch_size)
        return vectors[0]

    return embed


# -- outputs -------------------------------------------------------------------------------
def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def write_results(
    path: Path,
    results: Sequence[CaseResult],
    members: dict[str, list[Case]],
    summary: dict[str, dict[str, dict[str, float]]],
    by_category: dict[str, dict[str, dict[str, float]]],
    by_style: dict[str, dict[str, dict[str, float]]],
    meta: dict[str, Any],
    violations: list[str],
    warnings: list[str],
) -> None:
    """results.json: the figures per set and system, the full system per category and style, every case."""
    sets_of: dict[tuple[str, str], list[str]] = {}
    for name, cases in members.items():
        for case in cases:
            sets_of.setdefault(case.key, []).append(name)
    data = {
        **meta,
        "metrics": {n: {s: finite_all(v) for s, v in systems.items()} for n, systems in summary.items()},
        "full_by_category": {n: {c: finite_all(v) for c, v in g.items()} for n, g in by_category.items()},
        "full_by_style": {
            n: {style: finite_all({k: v[k] for k in ("cases", *report.STYLE_METRICS)}) for style, v in g.items()}
            for n, g in by_style.items()
        },
        "gate": {"set": meta["gated_set"], "passed": not violations, "violations": violations},
        "warnings": warnings,
        "results": [{**r.as_json(), "sets": sets_of.get(r.case.key, [])} for r in results],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def append_history(path: Path, meta: dict[str, Any], summary: dict[str, dict[str, dict[str, float]]]) -> None:
    """One line per recorded run (`remiss eval --record`): when, which commit, the figures per set."""
    line = {
        "timestamp": meta["timestamp"],
        "commit": meta["commit"],
        "embedder": meta["embedder"],
        "sets": {name: info["files"] for name, info in meta["sets"].items()},
        "cases": meta["cases"],
        "systems": meta["systems"],
        "metrics": {n: {s: finite_all(v) for s, v in systems.items()} for n, systems in summary.items()},
    }
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"warning: could not append to {path} ({exc.strerror or exc})", file=sys.stderr)
