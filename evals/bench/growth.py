"""How the index grows: one document added to an index of N, a query process's memory, and search
latency per 1,000 documents."""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evals.bench.common import Row, check
from evals.bench.ingest import child_env

if TYPE_CHECKING:
    from assistant.settings import Settings

SECTION = "growth"
RSS_QUESTIONS = 20  # searches a query process answers before its memory is read

_RSS_CHILD = """
import json, sys, time
started = time.perf_counter()
from assistant.chain import Assistant
from assistant.settings import Settings
assistant = Assistant(Settings())
assistant.search("uppvärmning")
loaded = time.perf_counter() - started
for question in json.loads(sys.stdin.read()):
    assistant.search(question)
status = dict(line.split(":", 1) for line in open("/proc/self/status", encoding="ascii") if ":" in line)
kib = lambda key: int(status[key].split()[0])
print(json.dumps({"rss_mib": kib("VmRSS") / 1024, "peak_mib": kib("VmHWM") / 1024, "load_s": loaded}))
"""


def measure_incremental(settings: Settings, scale: int) -> dict[str, Any]:
    """Seconds to add one new document to the index of `settings` (`remiss ingest FILE`, in process).

    The document is a further copy of the first original (its marker sentence is new), with its own
    catalog entry, so its passages mostly come from the embedding cache: the figure is the index's work."""
    from assistant.indexing import ingest
    from evals.synthetic import catalog_toml, copy_name, perturb, source_files

    corpus = settings.corpus_dir
    originals = sorted(p for p in source_files(corpus) if "--kopia-" not in p.name and p.suffix in (".txt", ".md"))
    original = originals[0]
    new = corpus / copy_name(original, scale)
    new.write_text(perturb(original.read_text(encoding="utf-8"), scale), encoding="utf-8")
    catalog = settings.catalog_path
    entries = tomllib.loads(catalog.read_text(encoding="utf-8")).get("documents", [])
    entry = next((e for e in entries if e.get("file") == original.name), None)
    if entry is not None:
        entries.append(dict(entry, file=new.name, title=f"{entry['title']} (kopia {scale})"))
        catalog.write_text(catalog_toml(entries), encoding="utf-8")
    gc.collect()
    started = time.perf_counter()
    report = ingest(settings, paths=[new])
    seconds = time.perf_counter() - started
    return {
        "add_one_s": seconds,
        "added": list(report.added),
        "embedded": report.embedded,
        "chunks": report.chunks_written,
        "failed": [list(f) for f in report.failed],
    }


def measure_query_rss(settings: Settings, questions: Sequence[str]) -> dict[str, float]:
    """A fresh query process on the index: its memory after loading and answering `RSS_QUESTIONS` searches."""
    done = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD],
        input=json.dumps(list(questions[:RSS_QUESTIONS])),
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"query process failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def growth_per_1000(results: dict[str, Any], key: str = "p95_ms") -> float:
    """Change of hybrid search latency per 1,000 documents, between the smallest and largest scale."""
    points = sorted(
        (results["ingest"][s]["documents"], results["search"][s]["hybrid"][key])
        for s in results["search"]
        if s in results["ingest"]
    )
    if len(points) < 2 or points[-1][0] == points[0][0]:
        return math.nan
    (d0, v0), (d1, v1) = points[0], points[-1]
    return (v1 - v0) / (d1 - d0) * 1000


def growth_rows(results: dict[str, Any]) -> list[Row]:
    """Table rows: one-document ingest and query-process memory per scale, search growth per 1,000 documents."""
    rows: list[Row] = []
    growth = results.get("growth", {})
    for scale, figures in sorted(growth.items(), key=lambda kv: int(kv[0])):
        docs = results["ingest"].get(scale, {}).get("documents", "?")
        if "error" in figures:
            rows.append(Row(SECTION, f"×{scale} growth figures", "—", "—", figures["error"]))
            continue
        add = figures.get("incremental", {})
        target, verdict = check("add_one_s", add.get("add_one_s", math.nan))
        rows.append(
            Row(
                SECTION,
                f"×{scale} add one document to {docs} (`remiss ingest FILE`)",
                f"{add.get('add_one_s', math.nan):.2f} s ({add.get('embedded', 0)} embedded now)",
                target,
                verdict,
            )
        )
        rss = figures.get("query_rss", {})
        key = "query_rss_x100_mib" if int(scale) == 100 else None
        target, verdict = check(key, rss.get("rss_mib", math.nan)) if key else ("—", "")
        rows.append(
            Row(
                SECTION,
                f"×{scale} query process memory after {RSS_QUESTIONS} searches (RSS / peak)",
                f"{rss.get('rss_mib', math.nan):.0f} / {rss.get('peak_mib', math.nan):.0f} MiB, "
                f"ready in {rss.get('load_s', math.nan):.1f} s",
                target,
                verdict,
            )
        )
    per_1000 = {k: growth_per_1000(results, k) for k in ("p50_ms", "p95_ms")}
    if not math.isnan(per_1000["p95_ms"]):
        rows.append(
            Row(
                SECTION,
                "hybrid search latency per 1,000 more documents (p50 / p95)",
                f"{per_1000['p50_ms']:+.1f} / {per_1000['p95_ms']:+.1f} ms",
            )
        )
    return rows
