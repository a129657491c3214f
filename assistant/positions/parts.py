"""One respondent document's share of the matrix, kept beside it so an update redoes only what changed.

A respondent's cells are picked from the sentences of all its documents, but everything read per
sentence (how it addresses each proposal, a restatement handing on to the next sentence, the
classifier's stance) stays inside one document. So each (respondent, document) part is computed
once and stored next to the matrix; after one document changed, an update computes that
document's part and re-reads its respondent's other parts (small files) to pick the cells again,
instead of reading and scoring every document of the respondent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.positions.cells import (
    AddressParams,
    address_scores,
    cell_for,
    classifier_stances,
    effective_scores,
    overall_candidates,
    overall_choice,
)
from assistant.positions.evidence import RespondentText, Sentence
from assistant.positions.model import Cell, Proposal, Respondent

log = logging.getLogger(__name__)


@dataclass
class DocumentPart:
    """What a respondent's cells need from one of its documents."""

    doc_id: str
    sentences: list[Sentence]
    entries: list[tuple[int, int, float]]  # (sentence, proposal column, effective score) at or above the threshold
    stances: dict[int, tuple[str, float]]  # the classifier's stance of every sentence a cell may quote
    overall: list[tuple[int, bool]]  # sentences that may carry the overall stance; True: it addresses no proposal

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "sentences": [
                [s.text, s.doc_id, s.start, s.end, s.page, s.title, s.section, s.heading_like] for s in self.sentences
            ],
            "entries": [[i, j, v] for i, j, v in self.entries],
            "stances": [[i, label, confidence] for i, (label, confidence) in sorted(self.stances.items())],
            "overall": [[i, general] for i, general in self.overall],
        }

    @classmethod
    def from_json(cls, data: dict) -> DocumentPart:
        return cls(
            str(data["doc_id"]),
            [Sentence(*row) for row in data["sentences"]],
            [(int(i), int(j), float(v)) for i, j, v in data["entries"]],
            {int(i): (str(label), float(c)) for i, label, c in data["stances"]},
            [(int(i), bool(g)) for i, g in data["overall"]],
        )


def compute_part(
    text: RespondentText,
    profs: Sequence,
    model: object,
    params: AddressParams,
) -> DocumentPart:
    """The part of one document (`text` holds that document's sentences and vectors only)."""
    scores = effective_scores(text, address_scores(text, profs, params), params, profs)
    rows, cols = np.nonzero(scores >= params.threshold)
    entries = [(int(i), int(j), float(scores[i, j])) for i, j in zip(rows, cols, strict=True)]
    quotable = {i for i, _, _ in entries if not text.sentences[i].heading_like}
    overall = overall_candidates(text, scores)
    wanted = sorted(quotable | {i for i, _ in overall})
    labels = classifier_stances(model, text)([text.sentences[i] for i in wanted], wanted) if wanted else []  # type: ignore[arg-type]
    return DocumentPart(
        text.doc_ids[0] if text.doc_ids else "",
        list(text.sentences),
        entries,
        dict(zip(wanted, labels, strict=True)),
        overall,
    )


def assemble(
    key: tuple[str, str], parts: Sequence[DocumentPart], proposals: Sequence[Proposal], params: AddressParams
) -> tuple[Respondent, list[Cell]]:
    """The respondent and its cells from its documents' parts (in document order)."""
    sentences: list[Sentence] = []
    stances: dict[int, tuple[str, float]] = {}
    candidates: list[tuple[int, bool]] = []
    entries: list[tuple[int, int, float]] = []
    for part in parts:
        offset = len(sentences)
        sentences.extend(part.sentences)
        entries.extend((offset + i, j, v) for i, j, v in part.entries)
        stances.update({offset + i: s for i, s in part.stances.items()})
        candidates.extend((offset + i, g) for i, g in part.overall)
    scores = np.zeros((len(sentences), len(proposals)))
    for i, j, v in entries:
        scores[i, j] = v
    doc_ids = tuple(sorted({s.doc_id for s in sentences}))
    text = RespondentText(key[0], key[1], doc_ids, sentences, np.zeros((len(sentences), 0), dtype=np.float32))

    def stance_of(_: list[Sentence], rows: list[int]) -> list[tuple[str, float]]:
        return [stances[i] for i in rows]

    best = scores.max(axis=1, initial=0.0)
    cells = [cell_for(text, p, scores[:, j], stance_of, params, best) for j, p in enumerate(proposals)]
    stance, quote = overall_choice(text, candidates, stance_of)
    respondent = Respondent(key[0], key[1], doc_ids, stance, quote)
    return respondent, [c for c in cells if c.stance != "ej_berört" or c.quotes]


class PartStore:
    """The parts of one matrix, one small JSON file each, named by what they were computed from."""

    def __init__(self, folder: Path, context: str, writable: bool = True) -> None:
        self.folder = folder
        self.context = context
        self.writable = writable  # False: parts are read but not written (a matrix that is not saved)

    def name(self, key: tuple[str, str], doc_id: str, doc_hash: str) -> str:
        raw = json.dumps([self.context, key[0], key[1], doc_id, doc_hash], ensure_ascii=False)
        return hashlib.sha1(raw.encode()).hexdigest()[:24] + ".json"

    def load(self, key: tuple[str, str], doc_id: str, doc_hash: str) -> DocumentPart | None:
        path = self.folder / self.name(key, doc_id, doc_hash)
        try:
            return DocumentPart.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s cannot be read (%s); the part is computed again", path, exc)
            return None

    def save(self, key: tuple[str, str], doc_id: str, doc_hash: str, part: DocumentPart) -> None:
        if not self.writable:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / self.name(key, doc_id, doc_hash)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(part.to_json(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def keep_only(self, wanted: Iterable[str]) -> None:
        """Delete the parts no current (respondent, document) uses."""
        keep = set(wanted)
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)
