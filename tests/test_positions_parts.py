"""A respondent document's stored part: read back exactly, a damaged file recomputed, stale ones removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.positions.cells import AddressParams
from assistant.positions.evidence import Sentence
from assistant.positions.model import Proposal
from assistant.positions.parts import DocumentPart, PartStore, assemble

KEY = ("Malmö stad", "Arbetsmarknads- och socialnämnden")


def _sentence(text: str, start: int, doc_id: str = "d1") -> Sentence:
    return Sentence(text, doc_id, start, start + len(text), 2, "Yttrande", "Yttrande > 4. En lärande tillsyn", False)


def _part(doc_id: str = "d1") -> DocumentPart:
    return DocumentPart(
        doc_id,
        [
            _sentence("Nämnden avstyrker förslaget om tillsyn.", 0, doc_id),
            _sentence("Det är dock oklart hur det ska gå till.", 40, doc_id),
        ],
        [(0, 1, 0.8123456789012345)],
        {0: ("avstyrker", 0.71)},
        [(0, False)],
    )


def test_a_part_reads_back_exactly(tmp_path: Path) -> None:
    store = PartStore(tmp_path / "parts", "ctx")
    store.save(KEY, "d1", "h1", _part())
    assert store.load(KEY, "d1", "h1") == _part()
    assert store.load(KEY, "d1", "h2") is None  # another version of the document: not this part
    assert PartStore(tmp_path / "parts", "other-ctx").load(KEY, "d1", "h1") is None  # computed for other proposals


def test_a_damaged_part_is_computed_again_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = PartStore(tmp_path / "parts", "ctx")
    store.save(KEY, "d1", "h1", _part())
    (tmp_path / "parts" / store.name(KEY, "d1", "h1")).write_text("{not json", encoding="utf-8")
    assert store.load(KEY, "d1", "h1") is None
    assert "computed again" in caplog.text


def test_parts_no_document_uses_are_removed_and_unsaved_matrices_write_none(tmp_path: Path) -> None:
    store = PartStore(tmp_path / "parts", "ctx")
    store.save(KEY, "d1", "h1", _part())
    store.save(KEY, "d2", "h1", _part("d2"))
    store.keep_only([store.name(KEY, "d2", "h1")])
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == [store.name(KEY, "d2", "h1")]
    reader = PartStore(tmp_path / "other", "ctx", writable=False)
    reader.save(KEY, "d1", "h1", _part())
    assert not (tmp_path / "other").exists()


def test_cells_are_picked_across_the_parts_of_a_respondent() -> None:
    proposals = [Proposal("a", "Ett policylabb"), Proposal("b", "En lärande tillsyn")]
    respondent, cells = assemble(KEY, [_part("d1"), _part("d2")], proposals, AddressParams())
    assert respondent.doc_ids == ("d1", "d2") and respondent.overall_stance == "avstyrker"
    (cell,) = cells
    assert cell.proposal_id == "b" and cell.stance in ("avstyrker", "tillstyrker_delvis")
    assert [q.doc_id for q in cell.quotes][:2] == ["d1", "d2"]  # equal scores: document order
