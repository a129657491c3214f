"""`remiss eval`: run every system on the same cases, in one process, score them, write a report.

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

Outputs in ``--out`` (default ``<data_dir>/eval/<timestamp>/``): report.md, chart.png,
results.json; one line appended to evals/history.jsonl. Exit code 1 when a metric of the full
system is below its minimum in evals/thresholds.toml, else 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.chain import Assistant
from assistant.errors import RemissError
from assistant.records import Answer, Hit
from assistant.settings import Settings
from evals import metrics as m
from evals import report
from evals.dataset import DEFAULT_DATASET, Case, load_dataset

THRESHOLDS_PATH = Path(__file__).with_name("thresholds.toml")
HISTORY_PATH = Path(__file__).with_name("history.jsonl")
RETRIEVAL_K = 10
TOP_SHOWN = 5
GATED_SYSTEM = "full"
BASELINES: dict[str, tuple[str, ...]] = {"bm25": ("lexical",), "dense": ("dense",)}


@dataclass
class System:
    name: str
    kind: str  # "retrieval" or "answer"
    mode: str
    assistant: Assistant | None = None
    retrievers: tuple[str, ...] = ("dense", "lexical")


@dataclass
class CaseResult:
    """One case run by one system: what it returned and its per-case metric values."""

    case: Case
    system: str
    standalone: str
    hits: list[Hit]
    latency: float
    answer: Answer | None = None
    error: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    citations: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)

    @property
    def abstained(self) -> bool | None:
        if self.error:
            return True
        return None if self.answer is None else self.answer.abstained

    @property
    def first_relevant_rank(self) -> int | None:
        evidence = _evidence(self.case)
        matches = m.evidence_matches(((h.chunk.doc_id, h.chunk.text) for h in self.hits), evidence)
        return next((i for i, found in enumerate(matches, start=1) if found), None)

    def as_json(self) -> dict[str, Any]:
        top = self.hits[:TOP_SHOWN]
        matches = m.evidence_matches(((h.chunk.doc_id, h.chunk.text) for h in top), _evidence(self.case))
        data: dict[str, Any] = {
            "id": self.case.id,
            "category": self.case.category,
            "system": self.system,
            "question": self.case.question,
            "history": list(self.case.history),
            "standalone_question": self.standalone,
            "answerable": self.case.answerable,
            "hits": [
                {
                    "rank": h.rank,
                    "doc_id": h.chunk.doc_id,
                    "body": h.chunk.body,
                    "score": round(h.score, 6),
                    "chunk_id": h.chunk.id,
                    "evidence": sorted(found),
                }
                for h, found in zip(top, matches, strict=True)
            ],
            "first_relevant_rank": self.first_relevant_rank,
            "answer": None if self.answer is None else self.answer.text,
            "mode": None if self.answer is None else self.answer.mode,
            "abstained": self.abstained,
            "citations": self.citations,
            "claims": self.claims,
            "metrics": {k: _finite(v) for k, v in self.metrics.items()},
            "latency_ms": round(self.latency * 1000, 1),
        }
        if self.error:
            data["error"] = self.error
        return data


# -- entry point ---------------------------------------------------------------------------
def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    dataset_path = Path(args.dataset) if getattr(args, "dataset", None) else DEFAULT_DATASET
    cases = load_dataset(dataset_path)
    thresholds = load_thresholds(THRESHOLDS_PATH)
    stamp = dt.datetime.now()
    out = getattr(args, "out", None)
    out_dir = Path(out) if out else settings.data_dir / "eval" / stamp.strftime("%Y%m%d-%H%M%S")

    systems = build_systems(settings)
    store = systems[GATED_SYSTEM].assistant.store  # type: ignore[union-attr]
    if store.chunk_count() == 0:
        _ingest(settings, store)
    corpus = store.committed_chunks()
    relevant_counts, warnings = evidence_in_index(cases, corpus)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)

    results = evaluate(cases, systems, settings, relevant_counts)
    summary = {name: aggregate([r for r in results if r.system == name], s.kind) for name, s in systems.items()}
    violations, unmeasured = check_gate(summary[GATED_SYSTEM], thresholds)

    commit = git_commit()
    meta = {
        "timestamp": stamp.isoformat(timespec="seconds"),
        "commit": commit,
        "dataset": str(dataset_path),
        "cases": len(cases),
        "answerable": sum(1 for c in cases if c.answerable),
        "unanswerable": sum(1 for c in cases if not c.answerable),
        "embedder": store.embedder_label,
        "index": settings.index_label,
        "systems": {name: {"kind": s.kind, "mode": s.mode} for name, s in systems.items()},
        "thresholds": thresholds,
        "gated_system": GATED_SYSTEM,
    }
    by_category = {
        category: aggregate([r for r in results if r.system == GATED_SYSTEM and r.case.category == category], "answer")
        for category in sorted({c.category for c in cases})
    }
    failures = failed_cases([r for r in results if r.system == GATED_SYSTEM])

    out_dir.mkdir(parents=True, exist_ok=True)
    report.print_summary(summary, systems, meta)
    report.write_markdown(out_dir / "report.md", summary, by_category, failures, meta, violations, unmeasured, warnings)
    report.write_chart(out_dir / "chart.png", summary)
    write_results(out_dir / "results.json", results, summary, by_category, meta, violations, warnings)
    append_history(HISTORY_PATH, meta, summary)

    failed_ids = ", ".join(f.result.case.id for f in failures) or "—"
    print(f"\n{len(failures)} failed case(s) for '{GATED_SYSTEM}': {failed_ids}")
    print(f"Report: {out_dir / 'report.md'}")
    print_targets(summary[GATED_SYSTEM])
    for metric in unmeasured:
        print(f"gate: {metric} not measured on this dataset (no cases); not checked")
    if violations:
        for v in violations:
            print(f"gate FAILED: {v}")
        return 1
    print(f"gate passed ({', '.join(f'{k} ≥ {v:g}' for k, v in thresholds.items())})")
    return 0


def print_targets(summary: dict[str, float]) -> None:
    """Say, for each goal, how far the full system is from it."""
    for metric, goal in load_targets(THRESHOLDS_PATH).items():
        value = summary.get(metric, m.NAN)
        state = "met" if not math.isnan(value) and value >= goal else "not met"
        print(f"target: {metric} = {value:.3f}, goal {goal:g}: {state}")


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


def evidence_in_index(cases: Sequence[Case], corpus: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    """Per case, how many indexed passages contain any of its evidence (R of nDCG); warnings for
    evidence found in no passage (such a case can never reach full recall)."""
    counts: dict[str, int] = {}
    warnings: list[str] = []
    docs = {c.doc_id for c in corpus}
    for case in cases:
        if not case.evidence:
            continue
        matches = m.evidence_matches(((c.doc_id, c.text) for c in corpus), _evidence(case))
        counts[case.id] = sum(1 for found in matches if found)
        covered = set().union(*matches) if matches else set()
        for i, ev in enumerate(case.evidence):
            if i in covered:
                continue
            where = "document not in the index" if ev.doc not in docs else "quote found in no indexed passage"
            warnings.append(f"case {case.id} (line {case.line}): evidence[{i}] {ev.doc}: {ev.quote!r}: {where}")
    return counts, warnings


# -- running -------------------------------------------------------------------------------
def evaluate(
    cases: Sequence[Case], systems: dict[str, System], settings: Settings, relevant: dict[str, int]
) -> list[CaseResult]:
    from rich.console import Console
    from rich.progress import Progress

    full = systems[GATED_SYSTEM].assistant
    assert full is not None
    store = full.store
    judge = m.SupportJudge(store.embedder.embed_query, _passage_embedder(settings, store))
    _warm_up(full)
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
                    score_retrieval(result, relevant.get(case.id, 0))
                    results.append(result)
            for system in systems.values():
                if system.kind == "retrieval":
                    result = run_retrieval(system, case, standalone)
                    score_retrieval(result, relevant.get(case.id, 0))
                    results.append(result)
            progress.advance(task)
    return results


def _warm_up(assistant: Assistant) -> None:
    """Load the embedder, the lexical index and the dense index before anything is timed."""
    assistant.answer("Vad är tillitsbaserad styrning?")


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


def run_answer(system: System, case: Case) -> CaseResult:
    assistant = system.assistant
    assert assistant is not None
    history = [(q, "") for q in case.history]
    started = time.perf_counter()
    answer: Answer | None = None
    error = ""
    try:
        answer = assistant.answer(case.question, history=history)
    except RemissError as exc:
        error = f"{type(exc).__name__}: {exc}"
    latency = time.perf_counter() - started
    standalone = (answer.standalone_question if answer else "") or case.question
    hits = assistant.searcher.search(standalone, RETRIEVAL_K).hits if not error else []
    return CaseResult(case, system.name, standalone, hits, latency, answer, error)


def run_retrieval(system: System, case: Case, standalone: str) -> CaseResult:
    assistant = system.assistant
    assert assistant is not None
    started = time.perf_counter()
    hits = assistant.searcher.search(standalone, k=RETRIEVAL_K, retrievers=system.retrievers).hits
    return CaseResult(case, system.name, standalone, hits, time.perf_counter() - started)


# -- scoring -------------------------------------------------------------------------------
def _evidence(case: Case) -> list[tuple[str, str]]:
    return [(e.docs, e.quote) for e in case.evidence]


def score_retrieval(result: CaseResult, n_relevant: int) -> None:
    case = result.case
    n = len(case.evidence)
    matches = m.evidence_matches(((h.chunk.doc_id, h.chunk.text) for h in result.hits), _evidence(case))
    result.metrics.update(
        {
            "hit_at_1": m.hit_at_k(matches, n, 1),
            "hit_at_5": m.hit_at_k(matches, n, 5),
            "recall_at_5": m.recall_at_k(matches, n, 5),
            "mrr_at_10": m.mrr_at_k(matches, n, 10),
            "ndcg_at_10": m.ndcg_at_k(matches, n_relevant, 10) if n else m.NAN,
        }
    )
    if result.answer is None and not result.error:  # retrieval-only: attribution of the top hits
        bodies = [h.chunk.body for h in result.hits[:TOP_SHOWN]]
        result.metrics["attribution_accuracy"] = m.attribution_accuracy(bodies, case.bodies)


def score_answer(result: CaseResult, judge: m.SupportJudge) -> None:
    case, answer = result.case, result.answer
    if answer is None or answer.abstained:
        result.metrics.update(
            {k: m.NAN for k in ("attribution_accuracy", "citation_precision", "citation_coverage", "faithfulness")}
        )
        return
    passages = {c.n: c.hit.chunk.text for c in answer.citations}
    claims = m.answer_claims(answer.text, answer.notices)
    claim_support: list[bool] = []
    supported_numbers: set[int] = set()
    for claim in claims:
        good = [n for n in claim.numbers if n in passages and judge.supports(claim.bare, [passages[n]])]
        supported_numbers.update(good)
        claim_support.append(bool(good))
        result.claims.append({"text": claim.bare, "citations": list(claim.numbers), "supported": bool(good)})
    valid: list[bool] = []
    for c in answer.citations:
        found = m.evidence_matches([(c.hit.chunk.doc_id, c.hit.chunk.text)], _evidence(case))[0]
        supports = c.n in supported_numbers
        valid.append(bool(found) or supports)
        result.citations.append(
            {
                "n": c.n,
                "doc_id": c.hit.chunk.doc_id,
                "body": c.hit.chunk.body,
                "chunk_id": c.hit.chunk.id,
                "quote": c.quote,
                "evidence": sorted(found),
                "supports_claim": supports,
            }
        )
    result.metrics.update(
        {
            "attribution_accuracy": m.attribution_accuracy([c.hit.chunk.body for c in answer.citations], case.bodies),
            "citation_precision": m.citation_precision(valid),
            "citation_coverage": m.citation_coverage(claims, set(passages)),
            "faithfulness": m.faithfulness(claim_support),
        }
    )


def aggregate(results: Sequence[CaseResult], kind: str) -> dict[str, float]:
    """The system's metrics over its cases (NaN where undefined or not applicable)."""

    def avg(key: str, subset: Sequence[CaseResult] = results) -> float:
        return m.mean(r.metrics.get(key, m.NAN) for r in subset)

    multi = [r for r in results if len(r.case.evidence) >= 2]
    out = {
        "hit_at_1": avg("hit_at_1"),
        "hit_at_5": avg("hit_at_5"),
        "recall_at_5": avg("recall_at_5"),
        "recall_at_5_multi": avg("recall_at_5", multi),
        "mrr_at_10": avg("mrr_at_10"),
        "ndcg_at_10": avg("ndcg_at_10"),
        "attribution_accuracy": avg("attribution_accuracy"),
        "citation_precision": m.NAN,
        "citation_coverage": m.NAN,
        "faithfulness": m.NAN,
        "abstention_precision": m.NAN,
        "abstention_recall": m.NAN,
        "answer_rate": m.NAN,
    }
    if kind == "answer":
        should = [r.case.should_abstain for r in results]
        did = [bool(r.abstained) for r in results]
        out.update(
            {
                "citation_precision": avg("citation_precision"),
                "citation_coverage": avg("citation_coverage"),
                "faithfulness": avg("faithfulness"),
                "abstention_precision": m.abstention_precision(should, did),
                "abstention_recall": m.abstention_recall(should, did),
                "answer_rate": m.answer_rate(should, did),
            }
        )
    latencies = [r.latency for r in results]
    out["latency_p50_ms"] = m.latency_p50(latencies) * 1000
    out["latency_p95_ms"] = m.latency_p95(latencies) * 1000
    out["cases"] = float(len(results))
    return out


# -- failures, gate, outputs ---------------------------------------------------------------
@dataclass
class Failure:
    result: CaseResult
    reasons: list[str]


def failed_cases(results: Sequence[CaseResult]) -> list[Failure]:
    """Cases the full system got wrong, with why."""
    out: list[Failure] = []
    for r in results:
        reasons: list[str] = []
        if r.error:
            reasons.append(f"error: {r.error}")
        elif r.case.answerable:
            rank = r.first_relevant_rank
            if r.abstained:
                reasons.append("abstained on an answerable question")
            if rank is None:
                reasons.append(f"no gold evidence in the top {RETRIEVAL_K}")
            elif rank > 5:
                reasons.append(f"gold evidence only at rank {rank} (not in the top 5)")
            if not r.abstained:
                if r.citations and not any(c["evidence"] for c in r.citations):
                    reasons.append("no cited passage contains gold evidence")
                if r.metrics.get("attribution_accuracy") == 0.0:
                    reasons.append(f"no cited passage is from an expected body ({', '.join(r.case.bodies)})")
        elif not r.abstained:
            reasons.append("answered an unanswerable question")
        if reasons:
            out.append(Failure(r, reasons))
    return out


def load_thresholds(path: Path) -> dict[str, float]:
    """Minimums for the full system: `metric = value` lines in a TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RemissError(f"{path}: the thresholds file does not exist") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RemissError(f"{path}: the thresholds file cannot be read ({exc})") from exc
    known = set(report.METRICS)
    out: dict[str, float] = {}
    data.pop("targets", None)  # the goals, reported by load_targets, not enforced
    for key, value in data.items():
        if key not in known:
            raise RemissError(f"{path}: unknown metric {key!r} (known: {', '.join(report.METRICS)})")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RemissError(f"{path}: {key} must be a number, got {value!r}")
        out[key] = float(value)
    return out


def load_targets(path: Path) -> dict[str, float]:
    """The goals in the thresholds file's [targets] table: reported each run, not enforced."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    targets = data.get("targets", {})
    return {k: float(v) for k, v in targets.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def check_gate(summary: dict[str, float], thresholds: dict[str, float]) -> tuple[list[str], list[str]]:
    """(violations as readable lines, metrics that could not be measured)."""
    violations: list[str] = []
    unmeasured: list[str] = []
    for metric, minimum in thresholds.items():
        value = summary.get(metric, m.NAN)
        if math.isnan(value):
            unmeasured.append(metric)
        elif value < minimum:
            violations.append(f"{metric} = {value:.3f} is below the threshold {minimum:g} (system '{GATED_SYSTEM}')")
    return violations, unmeasured


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
    summary: dict[str, dict[str, float]],
    by_category: dict[str, dict[str, float]],
    meta: dict[str, Any],
    violations: list[str],
    warnings: list[str],
) -> None:
    data = {
        **meta,
        "metrics": {name: _finite_all(values) for name, values in summary.items()},
        "full_by_category": {name: _finite_all(values) for name, values in by_category.items()},
        "gate": {"passed": not violations, "violations": violations},
        "warnings": warnings,
        "results": [r.as_json() for r in results],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def append_history(path: Path, meta: dict[str, Any], summary: dict[str, dict[str, float]]) -> None:
    line = {
        "timestamp": meta["timestamp"],
        "commit": meta["commit"],
        "embedder": meta["embedder"],
        "dataset": meta["dataset"],
        "cases": meta["cases"],
        "systems": meta["systems"],
        "metrics": {name: _finite_all(values) for name, values in summary.items()},
    }
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"warning: could not append to {path} ({exc.strerror or exc})", file=sys.stderr)


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, 4)


def _finite_all(values: dict[str, float]) -> dict[str, float | None]:
    return {k: _finite(v) for k, v in values.items()}
