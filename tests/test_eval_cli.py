"""`remiss eval` end to end, in-process, on six cases of the real dataset and the bundled corpus.

The evaluation runs once per module (models loaded once); the thresholds file is replaced by one
that cannot be met, so the same run also shows the gate failing with the metric named.
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
from evals import run
from evals.dataset import DEFAULT_DATASET, load_dataset

CASE_IDS = ("q001", "q040", "q064", "q074", "q084", "q105")  # fact, who_said, conversation, english, 2 unanswerable


@dataclass
class EvalRun:
    code: int
    output: str
    out: Path
    history: Path


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = set(CASE_IDS)
    text = DEFAULT_DATASET.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and json.loads(line)["id"] in wanted]
    path = tmp_path_factory.mktemp("eval-dataset") / "small.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def eval_run(corpus_settings: Settings, small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> EvalRun:
    tmp = tmp_path_factory.mktemp("eval-run")
    thresholds = tmp / "thresholds.toml"
    thresholds.write_text("hit_at_5 = 1.01\nanswer_rate = 0.0\n", encoding="utf-8")
    out = tmp / "out"
    history = tmp / "history.jsonl"
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("REMISS_"):
                mp.delenv(name)
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("REMISS_CONFIG", str(tmp / "no-config.toml"))
        mp.setenv("REMISS_DATA_DIR", str(corpus_settings.data_dir))
        mp.setenv("REMISS_CORPUS_DIR", str(corpus_settings.corpus_dir))
        mp.setenv("REMISS_EMBED_CACHE", str(corpus_settings.cache_path))
        mp.setattr(run, "THRESHOLDS_PATH", thresholds)
        mp.setattr(run, "HISTORY_PATH", history)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(["eval", "--dataset", str(small_dataset), "--out", str(out)])
    return EvalRun(code, buffer.getvalue(), out, history)


def test_eval_writes_report_chart_results_and_history(eval_run: EvalRun) -> None:
    out = eval_run.out
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| metric | bm25 | dense | full |" in report
    assert "by category" in report and "Failed cases" in report
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(data["metrics"]) == {"bm25", "dense", "full"}
    assert {r["system"] for r in data["results"]} == {"bm25", "dense", "full"}
    assert len(data["results"]) == 3 * len(CASE_IDS)
    for record in data["results"]:
        keys = {"question", "system", "hits", "answer", "abstained", "citations", "metrics", "latency_ms"}
        assert keys <= set(record)
        assert len(record["hits"]) <= 5
        assert all({"doc_id", "body", "score"} <= set(hit) for hit in record["hits"])
    full = {r["id"]: r for r in data["results"] if r["system"] == "full"}
    assert full["q105"]["abstained"] is True  # "Hur bakar man surdegsbröd?"
    assert full["q001"]["abstained"] is False and full["q001"]["citations"]
    assert full["q064"]["standalone_question"] != full["q064"]["question"]  # condensed with its history
    baseline = next(r for r in data["results"] if r["system"] == "bm25")
    assert baseline["answer"] is None and baseline["metrics"].get("faithfulness") is None
    assert data["metrics"]["full"]["faithfulness"] == pytest.approx(1.0)  # verbatim quotes
    assert data["metrics"]["bm25"]["answer_rate"] is None

    (line,) = eval_run.history.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert {"timestamp", "commit", "embedder", "metrics"} <= set(entry)
    assert set(entry["metrics"]) == {"bm25", "dense", "full"}
    assert "Hit@5" in eval_run.output and "full" in eval_run.output


def test_eval_gate_fails_and_names_the_metric(eval_run: EvalRun) -> None:
    assert eval_run.code == 1
    assert "hit_at_5" in eval_run.output and "1.01" in eval_run.output
    failed = [line for line in eval_run.output.splitlines() if line.startswith("gate FAILED")]
    assert len(failed) == 1 and "answer_rate" not in failed[0]


def test_gate_passes_when_every_minimum_is_met() -> None:
    summary = {"hit_at_5": 0.96, "mrr_at_10": 0.9, "abstention_recall": float("nan")}
    violations, unmeasured = run.check_gate(summary, {"hit_at_5": 0.95, "mrr_at_10": 0.85, "abstention_recall": 0.9})
    assert violations == [] and unmeasured == ["abstention_recall"]
    violations, _ = run.check_gate(summary, {"mrr_at_10": 0.95})
    assert len(violations) == 1 and "mrr_at_10" in violations[0] and "0.95" in violations[0]


def test_the_shipped_targets_are_the_agreed_goals_and_the_gate_sits_below_them() -> None:
    targets = run.load_targets(run.THRESHOLDS_PATH)
    assert targets == {"hit_at_5": 0.95, "mrr_at_10": 0.85, "abstention_recall": 0.90, "answer_rate": 0.95}
    gate = run.load_thresholds(run.THRESHOLDS_PATH)
    assert set(gate) == set(targets)
    assert all(0.5 <= gate[k] <= targets[k] for k in gate)


def test_the_ci_gate_passes_on_the_bundled_corpus(corpus_settings: Settings, tmp_path: Path) -> None:
    """CI runs the whole evaluation on the bundled corpus and dataset against the shipped gate."""
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REMISS_DATA_DIR", str(corpus_settings.data_dir))
        mp.setenv("REMISS_CORPUS_DIR", str(corpus_settings.corpus_dir))
        mp.setenv("REMISS_EMBED_CACHE", str(corpus_settings.cache_path))
        mp.setattr(run, "HISTORY_PATH", tmp_path / "history.jsonl")
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(["eval", "--out", str(tmp_path / "out")])
    output = buffer.getvalue()
    print(output[-3000:])  # the table and the target lines, for the CI log
    assert code == 0, output[-2000:]
    assert "gate passed" in output


def test_a_bad_thresholds_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "thresholds.toml"
    bad.write_text("hit_at_6 = 0.9\n", encoding="utf-8")
    with pytest.raises(RemissError, match="hit_at_6"):
        run.load_thresholds(bad)
    bad.write_text('hit_at_5 = "high"\n', encoding="utf-8")
    with pytest.raises(RemissError, match="number"):
        run.load_thresholds(bad)


def test_a_malformed_dataset_is_one_line_and_exit_code_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"\n', encoding="utf-8")
    assert main(["eval", "--dataset", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "line 1" in err
    assert not (tmp_path / "out").exists()


def test_small_dataset_has_two_unanswerable_cases(small_dataset: Path) -> None:
    cases = load_dataset(small_dataset)
    assert [c.id for c in cases] == sorted(CASE_IDS)
    assert sum(1 for c in cases if not c.answerable) == 2


@pytest.fixture(autouse=True)
def _no_real_history(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test of this module may append to the real evals/history.jsonl."""
    monkeypatch.setattr(run, "HISTORY_PATH", tmp_path / "history.jsonl")
    yield
