"""`remiss fit-positions`: refit the sentence stance classifier on the labelled sentences.

Embeds every labelled sentence (through the embedding cache, as ingest does), picks the L2
penalty by cross-validation that holds out one respondent at a time (each label names its
document and speaking body: a model must read stance in words its author's other sentences did
not teach it), prints those figures beside random 5-fold ones and the lexicon alone, and writes
`stance_model.json` (a few tens of KB).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from assistant.embeddings import EmbeddingCache, make_embedder
from assistant.positions.classifier import (
    CLASSES,
    LABELS_PATH,
    MODEL_PATH,
    anchor_texts,
    cross_validate,
    design,
    fit_stance,
    lexicon_stance,
    macro_f1,
    read_labels,
)
from assistant.sentences import _unit
from assistant.settings import Settings

PENALTIES = (0.1, 0.3, 1.0, 3.0, 10.0)


def respondent_groups(labels: Path = LABELS_PATH) -> list[str]:
    """The respondent (document and speaking body) of every labelled sentence, for held-out folds."""
    return [f"{r.get('doc_id', '')}|{r.get('body', '')}" for r in read_labels(labels)]


def labelled_design(settings: Settings, labels: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    rows = read_labels(labels)
    texts = [r["text"] for r in rows]
    anchor_sentences = [t for _, t in anchor_texts()]
    cache = EmbeddingCache(settings.cache_path)
    try:
        vectors, _ = cache.embed(make_embedder(settings), texts + anchor_sentences, settings.embed_batch_size)
    finally:
        cache.close()
    unit = _unit(np.asarray(vectors, dtype=np.float32))
    anchors = unit[len(texts) :]
    x = design(texts, unit[: len(texts)], anchors)
    y = np.array([CLASSES.index(r["stance"]) for r in rows])
    return texts, x, y, anchors


def refit(settings: Settings, labels: Path = LABELS_PATH, out: Path = MODEL_PATH) -> dict:
    """Fit, write the model, and return the cross-validated figures (also kept in the model file)."""
    texts, x, y, anchors = labelled_design(settings, labels)
    groups = respondent_groups(labels)
    scores, random_folds = {}, {}
    for l2 in PENALTIES:
        predicted = cross_validate(x, y, l2, groups=groups)
        scores[l2] = (macro_f1(y, predicted), float((predicted == y).mean()))
        predicted = cross_validate(x, y, l2)
        random_folds[l2] = (macro_f1(y, predicted), float((predicted == y).mean()))
    best = max(PENALTIES, key=lambda l2: scores[l2])
    lexicon = np.array([CLASSES.index(lexicon_stance(t)) for t in texts])
    report = {
        "sentences": len(y),
        "per_class": {c: int((y == k).sum()) for k, c in enumerate(CLASSES)},
        "l2": best,
        "respondents": len(set(groups)),
        "cross_validated": {"macro_f1": round(scores[best][0], 3), "accuracy": round(scores[best][1], 3)},
        "random_5_fold": {"macro_f1": round(random_folds[best][0], 3), "accuracy": round(random_folds[best][1], 3)},
        "lexicon_only": {
            "macro_f1": round(macro_f1(y, lexicon), 3),
            "accuracy": round(float((lexicon == y).mean()), 3),
        },
        "by_penalty": {str(k): [round(v[0], 3), round(v[1], 3)] for k, v in scores.items()},
    }
    model = fit_stance(x, y, best, anchors)
    model.report = report
    out.write_text(json.dumps(model.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    out = args.out or MODEL_PATH
    report = refit(settings, out=out)
    print(f"Märkta meningar: {report['sentences']} {report['per_class']}")
    cv, lex, rnd = report["cross_validated"], report["lexicon_only"], report["random_5_fold"]
    held = f"en remissinstans i taget ({report['respondents']}), L2={report['l2']:g}"
    print(f"Korsvaliderat, {held}: macro-F1 {cv['macro_f1']:.3f}, träffs. {cv['accuracy']:.3f}")
    print(f"Korsvaliderat, 5 slumpade delar: macro-F1 {rnd['macro_f1']:.3f}, träffs. {rnd['accuracy']:.3f}")
    print(f"Bara lexikonet: macro-F1 {lex['macro_f1']:.3f}, träffs. {lex['accuracy']:.3f}")
    print(f"Skrev {out}")
    return 0
