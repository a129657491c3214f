"""Build the positions test gold as the majority of three blind authors' matrices.

One author's matrix is one reading: where two careful readers differ, a system that agrees with
either is not wrong. Three authors labelled the same grid (the second and third were given the
first's proposal list, nothing else), and each cell of `evals/positions_gold.json` takes the stance
at least two of them gave, with the quotes of those who gave it. A cell with three different
stances would be left to an adjudicator; the command says so and writes nothing.

    python -m evals.positions_consensus            # writes evals/positions_gold.json, prints agreement
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from pathlib import Path

EVALS = Path(__file__).parent
AUTHORS = sorted((EVALS / "positions_gold_authors").glob("author_*.json"))
OUT = EVALS / "positions_gold.json"
NONE = "ej_berört"


def _cells(gold: dict) -> dict[tuple[str, str, str], dict]:
    return {(c["proposal"], c["organisation"], c["body"]): c for c in gold["cells"]}


def agreement(golds: list[dict]) -> list[tuple[int, int, float, float]]:
    """(i, j, share of all cells alike, share alike of the cells both address) per pair of authors."""
    out = []
    for (i, a), (j, b) in itertools.combinations(enumerate(golds, start=1), 2):
        ca, cb = _cells(a), _cells(b)
        both = [k for k in ca if ca[k]["stance"] != NONE and cb[k]["stance"] != NONE]
        alike = sum(ca[k]["stance"] == cb[k]["stance"] for k in ca) / len(ca)
        stance = sum(ca[k]["stance"] == cb[k]["stance"] for k in both) / len(both) if both else float("nan")
        out.append((i, j, alike, stance))
    return out


def consensus(golds: list[dict]) -> tuple[dict, list[tuple[str, str, str]]]:
    """The majority matrix and the cells no two authors agree on."""
    first = golds[0]
    for n, gold in enumerate(golds[1:], start=2):
        if gold["proposals"] != first["proposals"] or set(_cells(gold)) != set(_cells(first)):
            raise SystemExit(f"author {n}: another proposal list or grid than author 1; cannot take a majority")
    grids = [_cells(g) for g in golds]
    cells, split = [], []
    for key, cell in _cells(first).items():
        votes = Counter(grid[key]["stance"] for grid in grids)
        stance, count = votes.most_common(1)[0]
        if count < 2:
            split.append(key)
            continue
        voters = [grid[key] for grid in grids if grid[key]["stance"] == stance]
        quotes = list(dict.fromkeys(q for v in voters for q in v.get("quotes", [])))[:3] if stance != NONE else []
        cells.append(
            {
                **{k: cell[k] for k in ("proposal", "organisation", "body")},
                "stance": stance,
                "quotes": quotes,
                "file": voters[0].get("file", cell.get("file", "")),
                "note": f"{count} of {len(grids)} authors",
            }
        )
    return {"proposals": first["proposals"], "respondents": first["respondents"], "cells": cells}, split


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in AUTHORS]
    for i, j, alike, stance in agreement(golds):
        print(f"authors {i} and {j}: {alike:.3f} of all cells alike; {stance:.3f} of the cells both address")
    gold, split = consensus(golds)
    if split:
        print(f"{len(split)} cells have three different stances; adjudicate them first: {split[:5]}")
        return 1
    counts = Counter(c["stance"] for c in gold["cells"])
    unanimous = sum(c["note"].startswith(f"{len(golds)} of") for c in gold["cells"])
    args.out.write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(gold['cells'])} cells ({unanimous} unanimous), {dict(counts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
