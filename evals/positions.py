"""Score a position matrix against a gold remissammanställning, beside a top-k retrieval baseline.

The gold names proposals by its own ids, each with an `anchor` (a verbatim line of the summary);
a gold proposal is aligned to the computed proposal whose text contains the anchor, else to the
one whose words overlap it most. Respondents align by organisation + body, normalised.
`evals/positions_dev.json` and `evals/positions_dev_blind.json` are tuned on; `evals/positions_gold.json`
is test and never tuned on.

    python -m evals.positions [--gold FILE] [--json] [--cells]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering.stance import stance_of
from assistant.errors import RemissError
from assistant.positions.model import STANCES, Cell, PositionMatrix, Proposal
from assistant.retrieval import HybridSearcher
from assistant.sentences import quotable_sentences
from assistant.settings import Settings
from assistant.store import Store
from assistant.swedish import analyse, fold

EVALS = Path(__file__).parent
GOLD_PATH = EVALS / "positions_gold.json"  # test: report only, never tuned on
DEV_PATH = EVALS / "positions_dev.json"  # development: written beside the code
DEV_BLIND_PATH = EVALS / "positions_dev_blind.json"  # development: the former blind test gold
MIN_OVERLAP = 0.3
BASELINE_K = 6
_LEXICON_TO_STANCE = {"positive": "tillstyrker", "critical": "avstyrker", "mixed": "tillstyrker_delvis"}
_LEXICON_TO_STANCE["conditional"] = "tillstyrker_delvis"


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\wåäöéü]+", " ", fold(text.replace("*", "").lower())).split())


def load_gold(path: Path) -> dict[str, Any]:
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RemissError(f"{path}: kunde inte läsas som JSON ({exc}).") from exc
    for key in ("proposals", "respondents", "cells"):
        if not isinstance(gold.get(key), list):
            raise RemissError(f"{path}: fältet '{key}' saknas eller är ingen lista (se /evals/README.md).")
    for n, cell in enumerate(gold["cells"], start=1):
        if cell.get("stance") not in STANCES:
            raise RemissError(f"{path}: cell nr {n} har stance {cell.get('stance')!r}; tillåtna: {', '.join(STANCES)}.")
    return gold


def align_proposals(gold: list[dict], mine: list[Proposal]) -> dict[str, str]:
    """gold id -> computed id: the proposal holding the anchor, else the best word overlap above a floor."""
    texts = {p.id: norm(f"{p.title} {p.text} {p.section}") for p in mine}
    bags = {p.id: set(analyse(f"{p.title} {p.text}")) for p in mine}
    out: dict[str, str] = {}
    for g in gold:
        anchor = norm(g.get("anchor", ""))
        holding = [p.id for p in mine if anchor and anchor in texts[p.id]]
        if holding:
            out[g["id"]] = min(holding, key=lambda i: len(texts[i]))  # the most specific one
            continue
        words = set(analyse(f"{g.get('anchor', '')} {g.get('title', '')}"))
        best = max(mine, key=lambda p: _overlap(words, bags[p.id]), default=None)
        if best is not None and _overlap(words, bags[best.id]) >= MIN_OVERLAP:
            out[g["id"]] = best.id
    return out


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def respondent_key(organisation: str, body: str) -> str:
    return f"{norm(organisation)}|{norm(body)}"


@dataclass
class Scores:
    figures: dict[str, float]
    confusion: dict[str, dict[str, int]]


def score(gold: dict, predict: Callable[[str, str, str], str], alignment: dict[str, str]) -> Scores:
    """Cell figures over the gold cells whose proposal aligned; `predict(proposal_id, org, body)`."""
    pairs = []
    for cell in gold["cells"]:
        mine = alignment.get(cell["proposal"])
        predicted = predict(mine, cell["organisation"], cell["body"]) if mine else "ej_berört"
        pairs.append((cell["stance"], predicted))
    addressed = [(g, p) for g, p in pairs if g != "ej_berört"]
    said_silent = [(g, p) for g, p in pairs if p == "ej_berört"]
    confusion = {g: {p: 0 for p in STANCES} for g in STANCES}
    for g, p in pairs:
        confusion[g][p] += 1
    figures = {
        "cells": len(pairs),
        "addressed_cells": len(addressed),
        "stance_accuracy_addressed": _mean([g == p for g, p in addressed]),
        "macro_f1": _macro_f1(pairs),
        "addressed_recall": _mean([p != "ej_berört" for _, p in addressed]),
        "ej_berört_precision": _mean([g == "ej_berört" for g, _ in said_silent]),
        "accuracy_all": _mean([g == p for g, p in pairs]),
    }
    return Scores(figures, confusion)


def _mean(values: list[bool]) -> float:
    return round(sum(values) / len(values), 3) if values else float("nan")


def _macro_f1(pairs: list[tuple[str, str]]) -> float:
    scores = []
    for s in STANCES:
        tp = sum(1 for g, p in pairs if g == s and p == s)
        fp = sum(1 for g, p in pairs if g != s and p == s)
        fn = sum(1 for g, p in pairs if g == s and p != s)
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return round(sum(scores) / len(scores), 3) if scores else float("nan")


def quote_validity(matrix: PositionMatrix, document: Callable[[str], str]) -> float:
    """Share of the matrix's quotes that stand verbatim (white space aside) in their document."""
    quotes = [q for c in matrix.cells for q in c.quotes]
    if not quotes:
        return float("nan")
    texts: dict[str, str] = {}
    ok = 0
    for q in quotes:
        if q.doc_id not in texts:
            texts[q.doc_id] = " ".join(document(q.doc_id).split())
        ok += " ".join(q.text.split()) in texts[q.doc_id]
    return round(ok / len(quotes), 3)


def matrix_predictor(matrix: PositionMatrix) -> Callable[[str, str, str], str]:
    keys = {respondent_key(*r.key): r.key for r in matrix.respondents}
    cells: dict[tuple[str, tuple[str, str]], Cell] = {(c.proposal_id, c.respondent_key): c for c in matrix.cells}

    def predict(proposal_id: str, organisation: str, body: str) -> str:
        key = keys.get(respondent_key(organisation, body))
        cell = cells.get((proposal_id, key)) if key else None
        return cell.stance if cell else "ej_berört"

    return predict


def baseline_predictor(settings: Settings, store: Store, proposals: list[Proposal]) -> Callable[[str, str, str], str]:
    """What chat did before: the top-k passages for the proposal's title, any speaker; a respondent
    among them addresses it, with the stance the lexicon reads from its sentences there."""
    searcher = HybridSearcher(store, settings)
    found: dict[str, dict[str, str]] = {}
    for p in proposals:
        by_speaker: dict[str, list[str]] = {}
        for hit in searcher.search(p.title, k=BASELINE_K).hits:
            c = hit.chunk
            if c.kind.strip().lower() in ("sammanfattning", "betänkande"):
                continue
            by_speaker.setdefault(respondent_key(c.organisation, c.body), []).extend(
                s.text for s in quotable_sentences(c)
            )
        found[p.id] = {k: _LEXICON_TO_STANCE.get(stance_of(v) or "", "synpunkter") for k, v in by_speaker.items()}

    def predict(proposal_id: str, organisation: str, body: str) -> str:
        return found.get(proposal_id, {}).get(respondent_key(organisation, body), "ej_berört")

    return predict


def evaluate(settings: Settings, gold_path: Path, matrix: PositionMatrix | None = None, baseline: bool = True) -> dict:
    """Figures of the matrix (computed from the index when not given) and of the baseline."""
    from assistant.positions.build import update

    gold = load_gold(gold_path)
    store = Store(settings)
    if matrix is None:
        matrix, _ = update(settings, store, previous=None, save=False)  # fresh: the code may have changed
    alignment = align_proposals(gold["proposals"], matrix.proposals)
    ours = score(gold, matrix_predictor(matrix), alignment)
    known = {respondent_key(*r.key) for r in matrix.respondents}
    gold_respondents = {respondent_key(r["organisation"], r["body"]) for r in gold["respondents"]}
    result = {
        "gold": str(gold_path),
        "proposal_alignment_coverage": round(len(alignment) / len(gold["proposals"]), 3) if gold["proposals"] else 0.0,
        "respondent_alignment_coverage": round(len(gold_respondents & known) / len(gold_respondents), 3)
        if gold_respondents
        else 0.0,
        "quote_validity": quote_validity(matrix, store.document_text),
        "matrix": ours.figures,
        "confusion": ours.confusion,
        "alignment": alignment,
        "disagreements": disagreements(gold, matrix, alignment),
    }
    overall = {respondent_key(*r.key): r.overall_stance for r in matrix.respondents}
    pairs = [
        (r["overall_stance"], overall.get(respondent_key(r["organisation"], r["body"]))) for r in gold["respondents"]
    ]
    result["overall_stance_accuracy"] = _mean([g == p for g, p in pairs if g])
    if baseline:
        result["baseline"] = score(gold, baseline_predictor(settings, store, matrix.proposals), alignment).figures
    return result


def disagreements(gold: dict, matrix: PositionMatrix, alignment: dict[str, str]) -> list[dict]:
    """The gold cells the matrix reads otherwise: both stances, the gold's quotes and the matrix's
    (what reading the errors cell by cell needs)."""
    keys = {respondent_key(*r.key): r.key for r in matrix.respondents}
    cells = {(c.proposal_id, c.respondent_key): c for c in matrix.cells}
    out = []
    for g in gold["cells"]:
        mine = alignment.get(g["proposal"])
        key = keys.get(respondent_key(g["organisation"], g["body"]))
        cell = cells.get((mine, key)) if mine and key else None
        predicted = cell.stance if cell else "ej_berört"
        if predicted != g["stance"]:
            out.append(
                {
                    "proposal": g["proposal"],
                    "computed_proposal": mine,
                    "respondent": f"{g['organisation']}, {g['body']}",
                    "gold": g["stance"],
                    "matrix": predicted,
                    "gold_quotes": g.get("quotes", []),
                    "matrix_quotes": [q.text for q in cell.quotes] if cell else [],
                    "note": g.get("note", ""),
                }
            )
    return out


def print_disagreements(rows: list[dict]) -> None:
    for row in rows:
        where = f"[{row['proposal']} -> {row['computed_proposal']}] {row['respondent']}"
        print(f"\n{where}: gold {row['gold']}, matris {row['matrix']}")
        for q in row["gold_quotes"]:
            print(f"    gold:   {' '.join(q.split())[:200]}")
        for q in row["matrix_quotes"]:
            print(f"    matris: {' '.join(q.split())[:200]}")


def print_confusion(confusion: dict[str, dict[str, int]]) -> None:
    print("  " + "gold / matris".ljust(20) + "".join(f"{s[:12]:>13}" for s in STANCES))
    for g in STANCES:
        print(f"  {g:<20}" + "".join(f"{confusion[g][p]:>13}" for p in STANCES))


def print_figures(result: dict, label: str) -> None:
    print(f"\nRemissammanställning ({label}: {result['gold']})")
    print(
        f"  förslag matchade {result['proposal_alignment_coverage']:.2f}, remissinstanser matchade "
        f"{result['respondent_alignment_coverage']:.2f}, citat ordagranna {result['quote_validity']:.3f}, "
        f"helhetsställning rätt {result['overall_stance_accuracy']:.2f}"
    )
    keys = list(result["matrix"])
    print(f"  {'mått':<28} {'matris':>8} {'baslinje':>9}")
    for key in keys:
        base = result.get("baseline", {}).get(key, float("nan"))
        print(f"  {key:<28} {result['matrix'][key]:>8.3f} {base:>9.3f}")


def main(argv: list[str] | None = None) -> int:
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description="Score the position matrix against a gold file.")
    parser.add_argument("--gold", type=Path, default=DEV_PATH)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cells", action="store_true", help="print the confusion matrix and every cell read otherwise")
    args = parser.parse_args(argv)
    result = evaluate(load_settings(), args.gold)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print_figures(result, "test" if args.gold.resolve() == GOLD_PATH.resolve() else "dev")
        if args.cells:
            print_confusion(result["confusion"])
            print_disagreements(result["disagreements"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
