"""The bench's outputs: the table on the terminal, report.md and results.json, from plain figures."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.bench.baselines import baseline_rows
from evals.bench.common import Row, pct
from evals.bench.growth import growth_rows
from evals.bench.ingest import ingest_rows
from evals.bench.machine import idle_verdict
from evals.bench.methods import methods
from evals.bench.search import search_rows
from evals.bench.serving import serving_rows


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Every row of the table, part by part."""
    rows = ingest_rows(results)
    for scale, search in results["search"].items():
        rows += search_rows(int(scale), search)
    rows += growth_rows(results)
    rows += serving_rows(results.get("serving"))
    rows += baseline_rows(results.get("baselines"), results["ingest"][1]["cold_s"])
    return rows


def print_table(rows: Sequence[Row], meta: dict[str, Any]) -> None:
    """The table on the terminal. Cells are text, not Rich markup: '[dev]' stays '[dev]'."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    m = meta["machine"]
    table = Table(
        title=escape(f"remiss bench {meta['timestamp']}: {m['nproc']} CPUs, Python {m['python']}, {meta['embedder']}")
    )
    for name, justify in (("metric", "left"), ("value", "right"), ("target", "right"), ("verdict / ratio", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    section = None
    for row in rows:
        if row.section != section:
            if section is not None:
                table.add_section()
            table.add_row(Text(row.section, style="bold"), "", "", "")
            section = row.section
        verdict = Text(row.verdict, style="red" if row.verdict == "MISSED" else "")
        table.add_row(Text(row.metric), Text(row.value), Text(row.target), verdict)
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
        f"- other processes used {pct(other)} of the CPUs during the run (from /proc/stat minus this "
        f"process and its children; per phase below): {idle_verdict(meta['phases'])}",
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
        *methods(results),
        "",
        "## Phases",
        "",
        "| phase | wall s | other processes' CPU share | load avg at start |",
        "|---|---:|---:|---:|",
        *(
            f"| {p['name']} | {p['seconds']:.1f} | {pct(p['other_cpu_share'])} | {p['load_before']:.2f} |"
            for p in meta["phases"]
        ),
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_results(path: Path, results: dict[str, Any]) -> None:
    path.write_text(json.dumps(finite(results), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def finite(data: Any) -> Any:
    """JSON-safe: NaN and infinities become null, floats are rounded."""
    if isinstance(data, float):
        return None if math.isnan(data) or math.isinf(data) else round(data, 6)
    if isinstance(data, dict):
        return {str(k): finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data
