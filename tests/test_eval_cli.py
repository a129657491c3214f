"""`remiss eval` end to end, in-process, on eight cases of the real datasets and the bundled corpus.

The evaluation runs once per module (models loaded once) on two sets that share a file; the
thresholds file is replaced by one that cannot be met, so the same run also shows the gate
failing with the metric named.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import RemissError
from assistant.settings import Settings
from evals import gate, run
from evals.dataset import DEFAULT_DATASET, DatasetError, load_dataset
from evals.sets import load_sets

CASE_IDS = ("q001", "q040", "q064", "q074", "q084", "q105")  # fact, who_said, conversation, english, 2 unanswerable
EXTRA_IDS = ("h004", "h026")  # a date question and a count question the corpus cannot answer
STYLES = {"q001": "plain", "q074": "english", "h004": "date", "h026": "count"}
HOLDOUT = DEFAULT_DATASET.with_name("holdout.jsonl")


@dataclass
class EvalRun:
    code: int
    output: str
    out: Path
    history: Path


def _subset(source: Path, ids: tuple[str, ...], target: Path) -> Path:
    """The cases of `source` with these ids, with a style where STYLES names one."""
    lines = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip() and (case := json.loads(line))["id"] in ids:
            if case["id"] in STYLES:
                case["style"] = STYLES[case["id"]]
            lines.append(json.dumps(case, ensure_ascii=False))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _subset(DEFAULT_DATASET, CASE_IDS, tmp_path_factory.mktemp("eval-dataset") / "small.jsonl")


def _eval_env(mp: pytest.MonkeyPatch, settings: Settings, tmp: Path) -> None:
    for name in list(os.environ):
        if name.startswith("REMISS_"):
            mp.delenv(name)
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("REMISS_CONFIG", str(tmp / "no-config.toml"))
    mp.setenv("REMISS_DATA_DIR", str(settings.data_dir))
    mp.setenv("REMISS_CORPUS_DIR", str(settings.corpus_dir))
    mp.setenv("REMISS_EMBED_CACHE", str(settings.cache_path))


@pytest.fixture(scope="module")
def eval_run(corpus_settings: Settings, small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> EvalRun:
    """`remiss eval --record` on two sets that share a file: dev = small + extra, test = extra."""
    tmp = tmp_path_factory.mktemp("eval-run")
    _subset(HOLDOUT, EXTRA_IDS, tmp / "extra.jsonl")
    (tmp / "small.jsonl").write_text(small_dataset.read_text(encoding="utf-8"), encoding="utf-8")
    sets = tmp / "sets.toml"
    sets.write_text('dev = ["small.jsonl", "extra.jsonl"]\ntest = ["extra.jsonl"]\n', encoding="utf-8")
    thresholds = tmp / "thresholds.toml"
    thresholds.write_text('set = "dev"\nhit_at_5 = 1.01\nanswer_rate = 0.0\n', encoding="utf-8")
    out = tmp / "out"
    history = tmp / "history.jsonl"
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        _eval_env(mp, corpus_settings, tmp)
        mp.setattr(run, "SETS_PATH", sets)
        mp.setattr(run, "THRESHOLDS_PATH", thresholds)
        mp.setattr(run, "HISTORY_PATH", history)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(["eval", "--out", str(out), "--record"])
    return EvalRun(code, buffer.getvalue(), out, history)


def test_eval_writes_report_chart_results_and_history(eval_run: EvalRun) -> None:
    out = eval_run.out
    report = (out / "report.md").read_text(encoding="utf-8")
    header = "| metric | bm25 · dev | bm25 · test | dense · dev | dense · test | full · dev | full · test |"
    assert header in report
    assert "by category" in report and "Failed cases" in report
    assert "set `dev`: 8 cases" in report and "set `test`: 2 cases" in report
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(data["metrics"]) == {"dev", "test"}
    assert all(set(systems) == {"bm25", "dense", "full"} for systems in data["metrics"].values())
    assert {r["system"] for r in data["results"]} == {"bm25", "dense", "full"}
    assert len(data["results"]) == 3 * (len(CASE_IDS) + len(EXTRA_IDS))  # each case run once, shared by the sets
    for record in data["results"]:
        keys = {"question", "system", "hits", "answer", "abstained", "citations", "metrics", "latency_ms", "sets"}
        assert keys <= set(record)
        assert len(record["hits"]) <= 5
        assert all({"doc_id", "body", "score"} <= set(hit) for hit in record["hits"])
        assert record["sets"] == (["dev", "test"] if record["id"] in EXTRA_IDS else ["dev"])
    full = {r["id"]: r for r in data["results"] if r["system"] == "full"}
    assert full["q105"]["abstained"] is True  # "Hur bakar man surdegsbröd?"
    assert full["q001"]["abstained"] is False and full["q001"]["citations"]
    assert full["q064"]["standalone_question"] != full["q064"]["question"]  # condensed with its history
    assert full["h026"]["abstained"] is True and full["h004"]["abstained"] is False
    baseline = next(r for r in data["results"] if r["system"] == "bm25")
    assert baseline["answer"] is None and baseline["metrics"].get("faithfulness") is None
    assert data["metrics"]["dev"]["full"]["faithfulness"] == pytest.approx(1.0)  # verbatim quotes
    assert data["metrics"]["dev"]["bm25"]["answer_rate"] is None
    assert data["metrics"]["test"]["full"]["cases"] == 2 and data["metrics"]["dev"]["full"]["cases"] == 8
    assert data["metrics"]["test"]["full"]["answer_rate"] == 1.0
    assert data["metrics"]["test"]["full"]["abstention_recall"] == 1.0

    (line,) = eval_run.history.read_text(encoding="utf-8").splitlines()  # --record: one line
    entry = json.loads(line)
    assert {"timestamp", "commit", "embedder", "metrics", "sets"} <= set(entry)
    assert set(entry["metrics"]) == {"dev", "test"}
    assert set(entry["metrics"]["test"]) == {"bm25", "dense", "full"}
    assert "Hit@5" in eval_run.output and "full" in eval_run.output and "test" in eval_run.output


def test_eval_reports_the_full_system_per_question_style(eval_run: EvalRun) -> None:
    data = json.loads((eval_run.out / "results.json").read_text(encoding="utf-8"))
    styles = data["full_by_style"]
    assert set(styles) == {"dev", "test"}
    assert set(styles["dev"]) == {"plain", "english", "date", "count", "(none)"}
    assert set(styles["test"]) == {"date", "count"}
    assert styles["test"]["count"] == {
        "cases": 1,
        "answer_rate": None,
        "abstention_recall": 1.0,
        "evidence_cited": None,
        "hit_at_5": None,
    }
    assert styles["dev"]["date"]["answer_rate"] == 1.0 and styles["dev"]["(none)"]["cases"] == 4
    report = (eval_run.out / "report.md").read_text(encoding="utf-8")
    assert "by question style" in report
    assert "| style | dev: cases | dev: Answer rate | dev: Abst. recall | dev: Evidence cited | dev: Hit@5 |" in report
    assert "| count | 1 | — | 1.000 | — | — | 1 | — | 1.000 | — | — |" in report


def test_eval_gate_fails_and_names_the_metric(eval_run: EvalRun) -> None:
    assert eval_run.code == 1
    assert "hit_at_5" in eval_run.output and "1.01" in eval_run.output
    failed = [line for line in eval_run.output.splitlines() if line.startswith("gate FAILED")]
    assert len(failed) == 1 and "answer_rate" not in failed[0]


def test_gate_passes_when_every_minimum_is_met() -> None:
    summary = {"hit_at_5": 0.96, "mrr_at_10": 0.9, "abstention_recall": float("nan")}
    minimums = {"hit_at_5": 0.95, "mrr_at_10": 0.85, "abstention_recall": 0.9}
    violations, unmeasured = gate.check_gate(summary, minimums)
    assert violations == [] and unmeasured == ["abstention_recall"]
    violations, _ = gate.check_gate(summary, {"mrr_at_10": 0.95}, "test")
    assert len(violations) == 1 and "mrr_at_10" in violations[0] and "0.95" in violations[0]
    assert "set 'test'" in violations[0]


def test_the_shipped_targets_are_the_agreed_goals_and_the_gate_sits_below_them() -> None:
    targets = gate.load_targets(gate.THRESHOLDS_PATH)
    assert targets == {
        "hit_at_5": 0.95,
        "mrr_at_10": 0.88,
        "abstention_recall": 0.90,
        "answer_rate": 0.95,
        "evidence_cited": 0.92,
    }
    shipped = gate.load_gate(gate.THRESHOLDS_PATH)
    assert shipped.set_name in load_sets()
    assert set(shipped.minimums) == set(targets)
    assert all(0.5 <= shipped.minimums[k] <= targets[k] for k in shipped.minimums)


def test_the_ci_gate_passes_on_the_bundled_corpus(corpus_settings: Settings, tmp_path: Path) -> None:
    """CI runs the whole evaluation (every set of evals/sets.toml) on the bundled corpus against the
    shipped gate; without --record it writes nothing to the history."""
    buffer = io.StringIO()
    history = tmp_path / "history.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        _eval_env(mp, corpus_settings, tmp_path)
        mp.setattr(run, "HISTORY_PATH", history)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(["eval", "--out", str(tmp_path / "out")])
    output = buffer.getvalue()
    print(output[-4000:])  # the table and the target lines, for the CI log
    assert code == 0, output[-2000:]
    shipped = gate.load_gate(gate.THRESHOLDS_PATH).set_name
    assert f"gate passed on set '{shipped}'" in output
    assert not history.exists()
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert set(data["metrics"]) == set(load_sets()) and data["gate"]["set"] == shipped


def test_a_bad_thresholds_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "thresholds.toml"
    bad.write_text("hit_at_6 = 0.9\n", encoding="utf-8")
    with pytest.raises(RemissError, match="hit_at_6"):
        gate.load_thresholds(bad)
    bad.write_text('hit_at_5 = "high"\n', encoding="utf-8")
    with pytest.raises(RemissError, match="number"):
        gate.load_thresholds(bad)
    bad.write_text("set = 3\nhit_at_5 = 0.9\n", encoding="utf-8")
    with pytest.raises(RemissError, match="set"):
        gate.load_gate(bad)
    bad.write_text("hit_at_5 = 0.9\n", encoding="utf-8")
    assert gate.load_gate(bad) == gate.Gate("test", {"hit_at_5": 0.9})  # the default set


def test_a_gate_on_a_set_that_does_not_exist_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text('set = "holdout2"\nhit_at_5 = 0.9\n', encoding="utf-8")
    monkeypatch.setattr(run, "THRESHOLDS_PATH", thresholds)
    assert main(["eval", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "holdout2" in err and str(thresholds) in err and "dev" in err
    assert not (tmp_path / "out").exists()


def test_sets_files_are_read_relative_to_themselves_and_checked(tmp_path: Path) -> None:
    sets = tmp_path / "sets.toml"
    sets.write_text('dev = ["a.jsonl", "b.jsonl"]\ntest = "b.jsonl"\n', encoding="utf-8")
    loaded = load_sets(sets)
    assert list(loaded) == ["dev", "test"]
    assert loaded["dev"].files == (tmp_path / "a.jsonl", tmp_path / "b.jsonl")
    assert loaded["test"].files == (tmp_path / "b.jsonl",)
    sets.write_text("dev = []\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"set 'dev'"):
        load_sets(sets)
    with pytest.raises(DatasetError, match="does not exist"):
        load_sets(tmp_path / "none.toml")
    assert load_sets()["test"].files == (HOLDOUT.with_name("test.jsonl"),)  # the blind test set
    assert HOLDOUT in load_sets()["dev"].files


def test_a_malformed_dataset_is_one_line_and_exit_code_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"\n', encoding="utf-8")
    assert main(["eval", "--dataset", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "line 1" in err
    assert not (tmp_path / "out").exists()


def test_a_run_on_one_file_scores_it_alone_and_reads_no_gold_matrix(
    corpus_settings: Settings, small_dataset: Path, tmp_path: Path
) -> None:
    """`--dataset` is the tuning loop: it must not print the position matrix's test figures."""
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        _eval_env(mp, corpus_settings, tmp_path)
        mp.setattr(run, "HISTORY_PATH", tmp_path / "history.jsonl")
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(["eval", "--dataset", str(small_dataset), "--out", str(tmp_path / "out")])
    output = buffer.getvalue()
    assert code in (0, 1), output
    assert (tmp_path / "out" / "results.json").is_file()
    assert "Remissammanställning" not in output
    assert "positions_gold" not in output


def test_small_dataset_has_two_unanswerable_cases(small_dataset: Path) -> None:
    cases = load_dataset(small_dataset)
    assert [c.id for c in cases] == sorted(CASE_IDS)
    assert sum(1 for c in cases if not c.answerable) == 2


@pytest.fixture(autouse=True)
def _no_real_history(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test of this module may append to the real evals/history.jsonl."""
    monkeypatch.setattr(run, "HISTORY_PATH", tmp_path / "history.jsonl")
    yield
