"""How well tuning the matrix's addressing on the dev gold carries to respondents it did not see.

The rules' thresholds were tuned on every dev cell at once, so the dev figures flatter them (the
blind test gold gives much lower ones). This computes the matrix once per setting of a small grid
and then, holding out one respondent at a time, picks the setting that scores best on the other
respondents' cells and scores it on the held-out one: the figures a tuning on dev can expect on
new respondents. The shipped setting, scored the same way, is printed beside it.

    python -m evals.positions_cv [--gold FILE]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from assistant.positions.build import update
from assistant.positions.cells import AddressParams
from assistant.settings import Settings, load_settings
from assistant.store import Store
from evals.positions import DEV_PATH, align_proposals, load_gold, matrix_predictor, respondent_key, score

GRID = {
    "threshold": (0.5, 0.6, 0.7),
    "bare_threshold": (0.7, 0.8, 0.9),
    "best_threshold": (0.45, 0.6),
    "rival_ratio": (0.5, 0.7),
}
OBJECTIVE = "macro_f1"


def predictions(settings: Settings, gold: dict, params: AddressParams) -> list[str]:
    """The matrix's stance for every gold cell (in gold order) under `params`."""
    matrix, _ = update(settings, Store(settings), params=params, previous=None, save=False)
    alignment = align_proposals(gold["proposals"], matrix.proposals)
    predict = matrix_predictor(matrix)
    return [
        predict(alignment[c["proposal"]], c["organisation"], c["body"]) if c["proposal"] in alignment else "ej_berört"
        for c in gold["cells"]
    ]


def _figures(gold: dict, cells: list[int], predicted: dict[int, str]) -> dict[str, float]:
    """The eval's figures over some of the gold cells, given each cell's predicted stance."""
    subset = {**gold, "cells": [gold["cells"][i] for i in cells]}
    lookup = {(c["proposal"], c["organisation"], c["body"]): predicted[i] for i in cells for c in [gold["cells"][i]]}
    identity = {p["id"]: p["id"] for p in gold["proposals"]}
    return score(subset, lambda p, o, b: lookup[(p, o, b)], identity).figures


def held_out(gold: dict, runs: dict[tuple, list[str]]) -> tuple[dict[str, float], dict[str, tuple]]:
    """Figures when each respondent's cells come from the setting best on the other respondents."""
    by_respondent: dict[str, list[int]] = {}
    for i, c in enumerate(gold["cells"]):
        by_respondent.setdefault(respondent_key(c["organisation"], c["body"]), []).append(i)
    chosen: dict[int, str] = {}
    picks: dict[str, tuple] = {}
    everything = list(range(len(gold["cells"])))
    for name, cells in by_respondent.items():
        others = [i for i in everything if i not in set(cells)]
        best = max(runs, key=lambda k: _figures(gold, others, dict(enumerate(runs[k])))[OBJECTIVE])
        picks[name] = best
        chosen.update({i: runs[best][i] for i in cells})
    return _figures(gold, everything, chosen), picks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Leave-one-respondent-out figures of tuning the matrix on dev.")
    parser.add_argument("--gold", type=Path, default=DEV_PATH)
    args = parser.parse_args(argv)
    settings = load_settings()
    gold = load_gold(args.gold)
    names = list(GRID)
    runs = {}
    for values in itertools.product(*(GRID[n] for n in names)):
        runs[values] = predictions(settings, gold, replace(AddressParams(), **dict(zip(names, values, strict=True))))
        print(f"  computed {dict(zip(names, values, strict=True))}", flush=True)
    shipped = tuple(getattr(AddressParams(), n) for n in names)
    everything = list(range(len(gold["cells"])))
    keys = ("stance_accuracy_addressed", "macro_f1", "addressed_recall", "ej_berört_precision")
    fixed = _figures(gold, everything, dict(enumerate(runs[shipped])))
    tuned, picks = held_out(gold, runs)
    print(f"{'':<38}" + "".join(f"{k:>28}" for k in keys))
    print(f"{'shipped setting ' + str(shipped):<38}" + "".join(f"{fixed[k]:>28.3f}" for k in keys))
    print(f"{'tuned without the respondent':<38}" + "".join(f"{tuned[k]:>28.3f}" for k in keys))
    print("settings picked per held-out respondent:", sorted(set(picks.values())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
