"""Presentation of an evaluation: the rich table, report.md and chart.png.

It takes plain figures (per set, per system) and failure records, and knows nothing of how
they were measured; `evals.run` calls it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    "evidence_cited": (
        "Evidence cited",
        "of the answerable cases, the share answered with a citation whose passage holds gold evidence",
    ),
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
STYLE_METRICS = ("answer_rate", "abstention_recall", "evidence_cited", "hit_at_5")
CHART_METRICS = [k for k in METRICS if not k.startswith("latency")]


def fmt(key: str, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.0f}" if key.startswith("latency") else f"{value:.3f}"


def columns(summary: dict[str, dict[str, dict[str, float]]]) -> list[tuple[str, str]]:
    """(system, set) pairs in table order: each system, and under it each set."""
    sets = list(summary)
    systems = list(summary[sets[0]]) if sets else []
    return [(system, name) for system in systems for name in sets]


def print_summary(summary: dict[str, dict[str, dict[str, float]]], meta: dict[str, Any]) -> None:
    """The metrics table on the terminal: one column per system and set."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    sets = ", ".join(
        f"{name} ({info['cases']}: {info['answerable']} answerable, {info['unanswerable']} not)"
        for name, info in meta["sets"].items()
    )
    table = Table(title=escape(f"remiss eval: {sets}; {meta['embedder']}"))
    table.add_column("metric")
    pairs = columns(summary)
    for system, name in pairs:
        table.add_column(escape(f"{system} ({meta['systems'][system]['mode']})\n{name}"), justify="right")
    for key, (label, _) in METRICS.items():
        table.add_row(label, *(fmt(key, summary[name][system].get(key)) for system, name in pairs))
    Console(width=max(110, 26 + 15 * len(pairs))).print(table)


def markdown_table(summary: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    pairs = columns(summary)
    lines = [
        "| metric | " + " | ".join(f"{system} · {name}" for system, name in pairs) + " |",
        "|---|" + "---:|" * len(pairs),
    ]
    for key, (label, _) in METRICS.items():
        lines.append(
            f"| {label} | " + " | ".join(fmt(key, summary[name][system].get(key)) for system, name in pairs) + " |"
        )
    return lines


def _category_table(name: str, groups: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        f"### set `{name}`",
        "",
        "| category | cases | " + " | ".join(METRICS[k][0] for k in CATEGORY_METRICS) + " |",
        "|---|---:|" + "---:|" * len(CATEGORY_METRICS),
    ]
    for category, values in groups.items():
        lines.append(
            f"| {category} | {int(values.get('cases', 0))} | "
            + " | ".join(fmt(k, values.get(k)) for k in CATEGORY_METRICS)
            + " |"
        )
    return [*lines, ""]


def _style_table(by_style: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    sets = list(by_style)
    styles = sorted({style for groups in by_style.values() for style in groups})
    head = [f"{name}: {label}" for name in sets for label in ("cases", *(METRICS[k][0] for k in STYLE_METRICS))]
    lines = ["| style | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for style in styles:
        cells = []
        for name in sets:
            values = by_style[name].get(style)
            cells.append(str(int(values["cases"])) if values else "0")
            cells += [fmt(k, values.get(k) if values else None) for k in STYLE_METRICS]
        lines.append(f"| {style} | " + " | ".join(cells) + " |")
    return lines


def write_markdown(
    path: Path,
    summary: dict[str, dict[str, dict[str, float]]],
    by_category: dict[str, dict[str, dict[str, float]]],
    by_style: dict[str, dict[str, dict[str, float]]],
    failures: Sequence[dict[str, Any]],
    meta: dict[str, Any],
    violations: Sequence[str],
    unmeasured: Sequence[str],
    warnings: Sequence[str],
) -> None:
    gated, gated_set = meta["gated_system"], meta["gated_set"]
    lines = [
        f"# remiss eval {meta['timestamp']}",
        "",
        *(
            f"- set `{name}`: {info['cases']} cases ({info['answerable']} answerable, {info['unanswerable']} "
            f"unanswerable) from " + ", ".join(f"`{Path(f).name}`" for f in info["files"])
            for name, info in meta["sets"].items()
        ),
        f"- embedder: `{meta['embedder']}`; index: `{meta['index']}`; commit: `{meta['commit'] or 'unknown'}`",
        "- systems: " + "; ".join(f"`{n}` ({s['kind']}, {s['mode']})" for n, s in meta["systems"].items()),
        "",
        "## Metrics",
        "",
        *markdown_table(summary),
        "",
        "— = not defined for this system (retrieval-only baselines have no answers) or no cases.",
        "",
        f"**Gate** (system `{gated}` on set `{gated_set}`, minimums from thresholds.toml: "
        + ", ".join(f"{k} ≥ {v:g}" for k, v in meta["thresholds"].items())
        + "): "
        + ("**FAILED**" if violations else "passed"),
        "",
        *(f"- {v}" for v in violations),
        *(f"- {k}: not measured (no cases)" for k in unmeasured),
        "",
        f"## `{gated}` by category",
        "",
    ]
    for name, groups in by_category.items():
        lines += _category_table(name, groups)
    lines += [
        f"## `{gated}` by question style",
        "",
        "The optional `style` field of a case: how the question is phrased; (none) = cases without one.",
        "",
        *_style_table(by_style),
        "",
        f"## Failed cases (`{gated}`): {len(failures)}",
        "",
    ]
    for failure in failures:
        lines += _failure_lines(failure)
    if warnings:
        lines += ["## Dataset warnings", "", *(f"- {w}" for w in warnings), ""]
    lines += ["## Definitions", "", *(f"- **{label}**: {text}." for label, text in METRICS.values()), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _failure_lines(failure: dict[str, Any]) -> list[str]:
    f = failure
    lines = [
        f"### {f['id']} ({f['category']}; set {', '.join(f['sets'])})",
        "",
        f"- **why**: {'; '.join(f['reasons'])}",
        f"- **question**: {f['question']}",
    ]
    if f["history"]:
        lines.append(f"- **history**: {' / '.join(f['history'])}")
        lines.append(f"- **standalone**: {f['standalone']}")
    lines.append(f"- **expected**: {f['expected'] or '—'}")
    for ev in f["evidence"]:
        lines.append(f"  - evidence `{ev['doc']}`: “{ev['quote']}”")
    if f["bodies"]:
        lines.append(f"  - bodies: {', '.join(f['bodies'])}")
    state = "abstained" if f["abstained"] else "answered"
    lines.append(f"- **got** ({state}, first gold evidence at rank {f['first_relevant_rank'] or '—'}):")
    lines.append("")
    lines += [f"  > {line}" if line else "  >" for line in _truncate(f["text"], 900).splitlines()]
    lines += ["", "  top hits:"]
    for h in f["hits"]:
        lines.append(f"  {h['rank']}. `{h['doc_id']}` · {h['body']} · {h['score']:.4f} · {h['section'] or '—'}")
    lines.append("")
    return lines


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def write_chart(path: Path, summary: dict[str, dict[str, dict[str, float]]]) -> None:
    """Grouped bars, one panel per set: one group per metric (0–1), one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sets = list(summary)
    x = np.arange(len(CHART_METRICS))
    fig, axes = plt.subplots(len(sets), 1, figsize=(max(10, 0.9 * len(CHART_METRICS)), 4.5 * len(sets)), squeeze=False)
    for ax, name in zip(axes[:, 0], sets, strict=True):
        systems = list(summary[name])
        width = 0.8 / max(len(systems), 1)
        for i, system in enumerate(systems):
            values = [summary[name][system].get(k, float("nan")) for k in CHART_METRICS]
            ax.bar(x + (i - (len(systems) - 1) / 2) * width, values, width, label=system)
        ax.set_xticks(x)
        ax.set_xticklabels([METRICS[k][0] for k in CHART_METRICS], rotation=35, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("score")
        ax.set_title(f"remiss eval: set {name}, systems per metric")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
