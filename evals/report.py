"""Presentation of an evaluation: the rich table, report.md and chart.png."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evals.run import Failure, System

# metric key -> (short label, one-line definition)
METRICS: dict[str, tuple[str, str]] = {
    "hit_at_1": ("Hit@1", "top hit contains gold evidence"),
    "hit_at_5": ("Hit@5", "any of the top 5 hits contains gold evidence"),
    "recall_at_5": ("Recall@5", "share of a case's evidence items found in the top 5"),
    "recall_at_5_multi": ("Recall@5 (multi)", "Recall@5 on cases with two or more evidence items"),
    "mrr_at_10": ("MRR@10", "mean 1/rank of the first hit with gold evidence (0 if not in top 10)"),
    "ndcg_at_10": ("nDCG@10", "binary relevance: a hit is relevant when it contains gold evidence"),
    "attribution_accuracy": (
        "Attribution",
        "share of cited passages (retrieval-only systems: top 5 hits) spoken by an expected body",
    ),
    "citation_precision": (
        "Cit. precision",
        "share of cited passages that contain gold evidence or support their claim",
    ),
    "citation_coverage": ("Cit. coverage", "share of answer sentences / quote lines with at least one valid [n]"),
    "faithfulness": ("Faithfulness", "share of answer claims supported by the passages they cite"),
    "abstention_precision": ("Abst. precision", "of the abstentions, the share on unanswerable cases"),
    "abstention_recall": ("Abst. recall", "of the unanswerable cases, the share abstained on"),
    "answer_rate": ("Answer rate", "of the answerable cases, the share answered"),
    "latency_p50_ms": ("Latency p50 ms", "median time per case (answer systems: whole answer)"),
    "latency_p95_ms": ("Latency p95 ms", "95th percentile time per case"),
}
CATEGORY_METRICS = (
    "hit_at_5",
    "mrr_at_10",
    "recall_at_5",
    "attribution_accuracy",
    "faithfulness",
    "citation_coverage",
    "answer_rate",
    "abstention_recall",
)
CHART_METRICS = [k for k in METRICS if not k.startswith("latency")]


def fmt(key: str, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.0f}" if key.startswith("latency") else f"{value:.3f}"


def print_summary(summary: dict[str, dict[str, float]], systems: dict[str, System], meta: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"remiss eval: {meta['cases']} cases ({meta['answerable']} answerable, "
        f"{meta['unanswerable']} unanswerable), {meta['embedder']}"
    )
    table.add_column("metric")
    for name, system in systems.items():
        table.add_column(f"{name}\n({system.mode})", justify="right")
    for key, (label, _) in METRICS.items():
        table.add_row(label, *(fmt(key, summary[name].get(key)) for name in systems))
    Console(width=max(100, 24 + 18 * len(systems))).print(table)


def markdown_table(summary: dict[str, dict[str, float]]) -> list[str]:
    names = list(summary)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for key, (label, _) in METRICS.items():
        lines.append(f"| {label} | " + " | ".join(fmt(key, summary[n].get(key)) for n in names) + " |")
    return lines


def write_markdown(
    path: Path,
    summary: dict[str, dict[str, float]],
    by_category: dict[str, dict[str, float]],
    failures: Sequence[Failure],
    meta: dict[str, Any],
    violations: Sequence[str],
    unmeasured: Sequence[str],
    warnings: Sequence[str],
) -> None:
    gated = meta["gated_system"]
    lines = [
        f"# remiss eval {meta['timestamp']}",
        "",
        f"- dataset: `{meta['dataset']}`: {meta['cases']} cases ({meta['answerable']} answerable, "
        f"{meta['unanswerable']} unanswerable)",
        f"- embedder: `{meta['embedder']}`; index: `{meta['index']}`; commit: `{meta['commit'] or 'unknown'}`",
        "- systems: " + "; ".join(f"`{n}` ({s['kind']}, {s['mode']})" for n, s in meta["systems"].items()),
        "",
        "## Metrics",
        "",
        *markdown_table(summary),
        "",
        "— = not defined for this system (retrieval-only baselines have no answers) or no cases.",
        "",
        f"**Gate** (system `{gated}`, minimums from thresholds.toml: "
        + ", ".join(f"{k} ≥ {v:g}" for k, v in meta["thresholds"].items())
        + "): "
        + ("**FAILED**" if violations else "passed"),
        "",
        *(f"- {v}" for v in violations),
        *(f"- {k}: not measured (no cases)" for k in unmeasured),
        "",
        f"## `{gated}` by category",
        "",
        "| category | cases | " + " | ".join(METRICS[k][0] for k in CATEGORY_METRICS) + " |",
        "|---|---:|" + "---:|" * len(CATEGORY_METRICS),
    ]
    for category, values in by_category.items():
        lines.append(
            f"| {category} | {int(values.get('cases', 0))} | "
            + " | ".join(fmt(k, values.get(k)) for k in CATEGORY_METRICS)
            + " |"
        )
    lines += ["", f"## Failed cases (`{gated}`): {len(failures)}", ""]
    for failure in failures:
        lines += _failure_lines(failure)
    if warnings:
        lines += ["## Dataset warnings", "", *(f"- {w}" for w in warnings), ""]
    lines += ["## Definitions", "", *(f"- **{label}**: {text}." for label, text in METRICS.values()), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _failure_lines(failure: Failure) -> list[str]:
    r = failure.result
    case = r.case
    lines = [f"### {case.id} ({case.category})", "", f"- **why**: {'; '.join(failure.reasons)}"]
    lines.append(f"- **question**: {case.question}")
    if case.history:
        lines.append(f"- **history**: {' / '.join(case.history)}")
        lines.append(f"- **standalone**: {r.standalone}")
    lines.append(f"- **expected**: {case.reference_answer or '—'}")
    for ev in case.evidence:
        lines.append(f"  - evidence `{ev.doc}`: “{ev.quote}”")
    if case.bodies:
        lines.append(f"  - bodies: {', '.join(case.bodies)}")
    state = "abstained" if r.abstained else "answered"
    lines.append(f"- **got** ({state}, first gold evidence at rank {r.first_relevant_rank or '—'}):")
    lines.append("")
    text = r.error or (r.answer.text if r.answer else "")
    lines += [f"  > {line}" if line else "  >" for line in _truncate(text, 900).splitlines()]
    lines += ["", "  top hits:"]
    for h in r.hits[:5]:
        lines.append(f"  {h.rank}. `{h.chunk.doc_id}` · {h.chunk.body} · {h.score:.4f} · {h.chunk.section or '—'}")
    lines.append("")
    return lines


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def write_chart(path: Path, summary: dict[str, dict[str, float]]) -> None:
    """Grouped bars: one group per metric (0–1), one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(summary)
    x = np.arange(len(CHART_METRICS))
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(max(10, 0.9 * len(CHART_METRICS)), 5))
    for i, name in enumerate(names):
        values = [summary[name].get(k, float("nan")) for k in CHART_METRICS]
        ax.bar(x + (i - (len(names) - 1) / 2) * width, values, width, label=name)
    ax.set_xticks(x)
    ax.set_xticklabels([METRICS[k][0] for k in CHART_METRICS], rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title("remiss eval: systems per metric")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
