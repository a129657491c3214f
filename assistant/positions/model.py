"""The position matrix as data: proposals × respondents, one cell each with a stance and its quotes.

This is the contract between the code that computes the matrix (extraction, stance) and the code
that shows it (CLI formats, the app's tab, Word/Excel exports, chat). It holds no logic beyond
lookups, counts and a JSON round trip, so every surface reads the same thing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STANCES: tuple[str, ...] = ("tillstyrker", "tillstyrker_delvis", "avstyrker", "synpunkter", "ej_berört")
STANCE_LABELS_SV: dict[str, str] = {
    "tillstyrker": "Tillstyrker",
    "tillstyrker_delvis": "Tillstyrker delvis / med villkor",
    "avstyrker": "Avstyrker",
    "synpunkter": "Synpunkter utan ställningstagande",
    "ej_berört": "Ej berört",
}
LONG_FIELDS: tuple[str, ...] = (
    "proposal_id",
    "proposal",
    "organisation",
    "body",
    "stance",
    "confidence",
    "quote",
    "doc_id",
    "page",
)


@dataclass(frozen=True)
class Proposal:
    """One proposal or recommendation of the inquiry, as its summarising document states it."""

    id: str  # stable short id, e.g. "P07"
    title: str  # short name, e.g. "Ett nationellt policylabb"
    kind: str = "förslag"  # "förslag" or "rekommendation"
    section: str = ""  # chapter or heading it sits under
    addressee: str = ""  # to whom it is addressed (regeringen, kommuner och landsting …)
    text: str = ""  # the proposal's own wording
    doc_id: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Respondent:
    """A speaking body: an organisation and, inside it, the body whose words these are."""

    organisation: str
    body: str
    doc_ids: tuple[str, ...] = ()
    overall_stance: str = "ej_berört"
    overall_quote: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.organisation, self.body)

    @property
    def label(self) -> str:
        if self.body and self.body != self.organisation:
            return f"{self.organisation}, {self.body}"
        return self.organisation


@dataclass(frozen=True)
class CellQuote:
    """A verbatim quote that carries a cell's stance, with where it stands."""

    text: str
    doc_id: str
    page: int | None = None
    start: int | None = None  # character offsets in the cleaned document text
    end: int | None = None
    title: str = ""


@dataclass(frozen=True)
class Cell:
    """One respondent's position on one proposal."""

    proposal_id: str
    organisation: str
    body: str
    stance: str  # one of STANCES
    confidence: float = 0.0
    quotes: tuple[CellQuote, ...] = ()
    method: str = ""  # "lexicon+classifier", "llm", "baseline" …

    @property
    def respondent_key(self) -> tuple[str, str]:
        return (self.organisation, self.body)


@dataclass
class PositionMatrix:
    """Proposals × respondents; a missing cell reads as `ej_berört`."""

    proposals: list[Proposal]
    respondents: list[Respondent]
    cells: list[Cell]
    index_version: str = ""  # the index state it was computed from
    meta: dict[str, Any] = field(default_factory=dict)

    def cell(self, proposal_id: str, organisation: str, body: str) -> Cell:
        for cell in self.cells:
            if cell.proposal_id == proposal_id and cell.respondent_key == (organisation, body):
                return cell
        return Cell(proposal_id, organisation, body, "ej_berört")

    def proposal(self, proposal_id: str) -> Proposal | None:
        return next((p for p in self.proposals if p.id == proposal_id), None)

    def counts(self, proposal_id: str) -> dict[str, int]:
        """How many respondents take each stance on a proposal (every respondent counted once)."""
        counts = dict.fromkeys(STANCES, 0)
        for respondent in self.respondents:
            counts[self.cell(proposal_id, *respondent.key).stance] += 1
        return counts

    def long_rows(self) -> list[dict[str, Any]]:
        """One row per respondent × proposal (the csv/json shape), the first quote in `quote`."""
        rows = []
        for proposal in self.proposals:
            for respondent in self.respondents:
                cell = self.cell(proposal.id, *respondent.key)
                quote = cell.quotes[0] if cell.quotes else None
                rows.append(
                    {
                        "proposal_id": proposal.id,
                        "proposal": proposal.title,
                        "organisation": respondent.organisation,
                        "body": respondent.body,
                        "stance": cell.stance,
                        "confidence": round(cell.confidence, 3),
                        "quote": quote.text if quote else "",
                        "doc_id": quote.doc_id if quote else "",
                        "page": quote.page if quote else None,
                    }
                )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PositionMatrix:
        return cls(
            proposals=[Proposal(**p) for p in data.get("proposals", [])],
            respondents=[_respondent(r) for r in data.get("respondents", [])],
            cells=[_cell(c) for c in data.get("cells", [])],
            index_version=data.get("index_version", ""),
            meta=dict(data.get("meta", {})),
        )


def _respondent(data: dict[str, Any]) -> Respondent:
    return Respondent(**{**data, "doc_ids": tuple(data.get("doc_ids", ()))})


def _cell(data: dict[str, Any]) -> Cell:
    return Cell(**{**data, "quotes": tuple(CellQuote(**q) for q in data.get("quotes", ()))})


def save_matrix(matrix: PositionMatrix, path: Path) -> None:
    """Write atomically, so a reader never sees half a matrix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(matrix.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def load_matrix(path: Path) -> PositionMatrix | None:
    if not path.is_file():
        return None
    return PositionMatrix.from_dict(json.loads(path.read_text(encoding="utf-8")))
