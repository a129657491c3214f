"""One case run by one system, and its scores: what `remiss eval` measures per case.

`run_answer` asks the full Assistant (answer, abstention, citations); `run_retrieval` runs one
retriever alone on the full system's standalone question. The scores are the metrics of
`evals.metrics`; `aggregate` averages them over a set's cases and `failed_cases` says, per case
the full system got wrong, why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.chain import Assistant
from assistant.errors import RemissError
from assistant.records import Answer, Hit
from evals import metrics as m
from evals.dataset import Case

RETRIEVAL_K = 10
TOP_SHOWN = 5


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
        evidence = evidence_of(self.case)
        matches = m.evidence_matches(((h.chunk.doc_id, h.chunk.text) for h in self.hits), evidence)
        return next((i for i, found in enumerate(matches, start=1) if found), None)

    def as_json(self) -> dict[str, Any]:
        top = self.hits[:TOP_SHOWN]
        matches = m.evidence_matches(((h.chunk.doc_id, h.chunk.text) for h in top), evidence_of(self.case))
        data: dict[str, Any] = {
            "id": self.case.id,
            "file": self.case.source,
            "category": self.case.category,
            "style": self.case.style or None,
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
            "metrics": {k: finite(v) for k, v in self.metrics.items()},
            "latency_ms": round(self.latency * 1000, 1),
        }
        if self.error:
            data["error"] = self.error
        return data


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
def evidence_of(case: Case) -> list[tuple[str, str]]:
    return [(e.docs, e.quote) for e in case.evidence]


def score_retrieval(result: CaseResult, n_relevant: int) -> None:
    case = result.case
    n = len(case.evidence)
    matches = m.evidence_matches(((h.chunk.doc_id, h.chunk.text) for h in result.hits), evidence_of(case))
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
        result.metrics["evidence_cited"] = 0.0 if case.answerable else m.NAN
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
        found = m.evidence_matches([(c.hit.chunk.doc_id, c.hit.chunk.text)], evidence_of(case))[0]
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
    cited_evidence = any(c["evidence"] for c in result.citations)
    result.metrics.update(
        {
            "evidence_cited": (1.0 if cited_evidence else 0.0) if case.answerable else m.NAN,
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
        "evidence_cited": m.NAN,
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
                "evidence_cited": avg("evidence_cited"),
            }
        )
    latencies = [r.latency for r in results]
    out["latency_p50_ms"] = m.latency_p50(latencies) * 1000
    out["latency_p95_ms"] = m.latency_p95(latencies) * 1000
    out["cases"] = float(len(results))
    return out


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


def failure_record(failure: Failure, sets: Sequence[str]) -> dict[str, Any]:
    """A failed case as plain data for the report: the question, what was expected, what came back."""
    r, case = failure.result, failure.result.case
    return {
        "id": case.id,
        "category": case.category,
        "sets": list(sets),
        "reasons": failure.reasons,
        "question": case.question,
        "history": list(case.history),
        "standalone": r.standalone,
        "expected": case.reference_answer,
        "evidence": [{"doc": e.doc, "quote": e.quote} for e in case.evidence],
        "bodies": list(case.bodies),
        "abstained": bool(r.abstained),
        "first_relevant_rank": r.first_relevant_rank,
        "text": r.error or (r.answer.text if r.answer else ""),
        "hits": [
            {
                "rank": h.rank,
                "doc_id": h.chunk.doc_id,
                "body": h.chunk.body,
                "score": h.score,
                "section": h.chunk.section,
            }
            for h in r.hits[:TOP_SHOWN]
        ],
    }


def finite(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, 4)


def finite_all(values: dict[str, float]) -> dict[str, float | None]:
    return {k: finite(v) for k, v in values.items()}
