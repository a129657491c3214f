"""Warm search and ask latency on an existing index: hybrid, BM25 only, dense only, extractive ask."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from evals.bench.common import WARM_UP, Row, check, p50_p95, ratio, summarise

if TYPE_CHECKING:
    from assistant.chain import Assistant
    from assistant.settings import Settings

SECTION = "search and ask (warm)"


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
    hybrid = search["hybrid"]
    key = {1: "search_x1_p95_ms", 100: "search_x100_p95_ms", 300: "search_x300_p95_ms"}.get(scale)
    target, verdict = check(key, hybrid["p95_ms"]) if key else ("—", "")
    if key:
        target = f"p95 {target}"
    rows = [Row(SECTION, f"×{scale} search, hybrid (p50 / p95)", p50_p95(hybrid), target, verdict)]
    if "hybrid_again" in search:
        again = search["hybrid_again"]
        rows.append(
            Row(
                SECTION,
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
                    SECTION,
                    f"×{scale} search, {label} (p50 / p95)",
                    p50_p95(search[name]),
                    "—",
                    f"{ratio(search[name]['p50_ms'], hybrid['p50_ms'])} of hybrid p50",
                )
            )
    if "ask" in search:
        target, verdict = check("ask_x1_p95_ms", search["ask"]["p95_ms"]) if scale == 1 else ("—", "")
        rows.append(
            Row(SECTION, f"×{scale} ask, extractive (p50 / p95)", p50_p95(search["ask"]), f"p95 {target}", verdict)
        )
    return rows
