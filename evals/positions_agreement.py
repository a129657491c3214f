"""How far two gold remissammanställningar written from the same documents agree with each other.

Two careful authors disagree on which proposal a sentence addresses and on where comments end
and support begins; their agreement is the ceiling a computed matrix can be expected to reach
on either gold. One gold is read as the reference and the other as the prediction, with the
same figures as `evals.positions` (proposals aligned by anchor, respondents by name).

    python -m evals.positions_agreement REFERENCE OTHER [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.swedish import analyse
from evals.positions import MIN_OVERLAP, load_gold, norm, respondent_key, score


def align_golds(reference: list[dict], other: list[dict]) -> dict[str, str]:
    """reference id -> other id: anchors that hold one another, else the best word overlap above a floor."""
    anchors = {p["id"]: norm(p.get("anchor", "")) for p in other}
    bags = {p["id"]: set(analyse(f"{p.get('anchor', '')} {p.get('title', '')}")) for p in other}
    out: dict[str, str] = {}
    for p in reference:
        anchor = norm(p.get("anchor", ""))
        holding = [i for i, a in anchors.items() if anchor and a and (anchor in a or a in anchor)]
        if holding:
            out[p["id"]] = holding[0]
            continue
        words = set(analyse(f"{p.get('anchor', '')} {p.get('title', '')}"))
        best = max(bags, key=lambda i: len(words & bags[i]), default=None)
        if best is not None and words and len(words & bags[best]) / len(words) >= MIN_OVERLAP:
            out[p["id"]] = best
    return out


def agreement(reference_path: Path, other_path: Path) -> dict[str, float]:
    reference, other = load_gold(reference_path), load_gold(other_path)
    alignment = align_golds(reference["proposals"], other["proposals"])
    stances = {(c["proposal"], respondent_key(c["organisation"], c["body"])): c["stance"] for c in other["cells"]}

    def predict(proposal: str, organisation: str, body: str) -> str:
        return stances.get((proposal, respondent_key(organisation, body)), "ej_berört")

    figures = dict(score(reference, predict, alignment).figures)
    figures["proposals_aligned"] = round(len(alignment) / max(1, len(reference["proposals"])), 3)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Agreement between two gold position matrices.")
    parser.add_argument("reference", type=Path)
    parser.add_argument("other", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = agreement(args.reference, args.other)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        print(f"{args.other.name} read against {args.reference.name}:")
        for key, value in figures.items():
            print(f"  {key:<28} {value:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
