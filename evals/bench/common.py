"""What every part of the bench shares: table rows, targets, latency summaries, number formats."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evals import metrics as m

if TYPE_CHECKING:
    from assistant.settings import Settings
    from evals.dataset import Case

N_QUESTIONS = 40
WARM_UP = 3

# Targets: (comparison, limit, unit). Latency targets apply to p95 (the stricter reading).
TARGETS: dict[str, tuple[str, float, str]] = {
    "cold_vs_embedder": ("≤", 2.0, "×"),
    "noop_x1_s": ("≤", 5.0, "s"),
    "search_x1_p95_ms": ("≤", 60.0, "ms"),
    "search_x100_p95_ms": ("≤", 150.0, "ms"),
    "search_x300_p95_ms": ("≤", 150.0, "ms"),
    "add_one_s": ("≤", 5.0, "s"),
    "query_rss_x100_mib": ("≤", 250.0, "MiB"),
    "ask_x1_p95_ms": ("≤", 1000.0, "ms"),
    "startup_s": ("≤", 10.0, "s"),
    "rss_mib": ("≤", 1024.0, "MiB"),
}


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


def pct(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value * 100:.0f} %"


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
    """A port of 127.0.0.1 the OS says is free (used when `--port` is not given)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started
