"""`evals.positions_agreement`: two golds read against each other, with the matrix's own figures."""

from __future__ import annotations

import json
from pathlib import Path

from evals.positions import DEV_PATH
from evals.positions_agreement import agreement


def test_a_gold_agrees_with_itself_and_less_with_a_copy_that_reads_one_cell_otherwise(tmp_path: Path) -> None:
    gold = json.loads(DEV_PATH.read_text(encoding="utf-8"))
    same = agreement(DEV_PATH, DEV_PATH)
    assert same["stance_accuracy_addressed"] == 1.0 and same["addressed_recall"] == 1.0
    assert same["ej_berört_precision"] == 1.0 and same["proposals_aligned"] == 1.0

    addressed = next(c for c in gold["cells"] if c["stance"] not in ("ej_berört", "avstyrker"))
    addressed["stance"] = "avstyrker"
    silent = next(c for c in gold["cells"] if c["stance"] == "ej_berört")
    silent["stance"], silent["quotes"] = "synpunkter", ["…"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")

    figures = agreement(DEV_PATH, other)
    n = figures["addressed_cells"]
    assert figures["stance_accuracy_addressed"] == round((n - 1) / n, 3)
    assert figures["addressed_recall"] == 1.0
    assert figures["accuracy_all"] < 1.0
    # Read the other way round, the silent cell made addressed is one the reference missed.
    assert agreement(other, DEV_PATH)["addressed_recall"] < 1.0
