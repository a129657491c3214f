"""The PDF-round benchmark's embedder-alone phase, run on its own on an earlier round's index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.bench import pdf_round


def test_embedder_alone_only_needs_an_earlier_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pdf_round.main(["--embedder-alone-only", "--out", str(tmp_path)]) == 2
    assert "results.json" in capsys.readouterr().err


def test_embedder_alone_only_completes_an_earlier_rounds_figures(tmp_path: Path) -> None:
    assert pdf_round.main(["--docs", "2", "--pages", "1", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    first = results.pop("embedder_alone")
    (tmp_path / "results.json").write_text(json.dumps(results), encoding="utf-8")  # as if the run had stopped there

    assert pdf_round.main(["--embedder-alone-only", "--out", str(tmp_path)]) == 0
    again = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["embedder_alone"]
    assert again["texts"] == first["texts"] > 0
    assert again["tokens"] == first["tokens"]
    assert again["seconds"] > 0
