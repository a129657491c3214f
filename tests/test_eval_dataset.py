"""The evaluation dataset: the real one loads, and every kind of malformed file is refused clearly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.dataset import CATEGORIES, DEFAULT_DATASET, STYLES, DatasetError, load_dataset

HOLDOUT_DATASET = DEFAULT_DATASET.with_name("holdout.jsonl")


def good(case_id: str = "t1", **changes: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "id": case_id,
        "question": "Vad tycker Malmö om riktade statsbidrag?",
        "language": "sv",
        "category": "who_said",
        "history": [],
        "answerable": True,
        "evidence": [{"doc": "malmo-yttrande", "quote": "välkomnar förslaget"}],
        "bodies": ["Arbetsmarknads- och socialnämnden"],
        "reference_answer": "Malmö välkomnar förslaget.",
    }
    case.update(changes)
    return case


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "dataset.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_real_dataset_loads() -> None:
    cases = load_dataset()
    assert len(cases) >= 80
    assert sum(1 for c in cases if not c.answerable) >= 15
    assert len({c.id for c in cases}) == len(cases)
    assert {c.category for c in cases} <= CATEGORIES
    assert all(c.evidence for c in cases if c.answerable)
    assert load_dataset(DEFAULT_DATASET) == cases
    counts = Counter(c.category for c in cases)
    assert counts["conversation"] > 0 and all(c.history for c in cases if c.category == "conversation")


def test_a_valid_file_loads_with_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(good("a")), "", json.dumps(good("b", answerable=False, evidence=[])))
    a, b = load_dataset(path)
    assert (a.id, a.line, b.id, b.line) == ("a", 1, "b", 3)
    assert a.evidence[0].doc == "malmo-yttrande" and b.should_abstain


def without(field: str) -> dict[str, Any]:
    case = good("t2")
    del case[field]
    return case


MALFORMED: dict[str, tuple[str, tuple[str, ...]]] = {
    "bad json": ('{"id": "t2", "question": ', ("line 2", "invalid JSON")),
    "not an object": ("[1, 2]", ("line 2", "JSON object")),
    "missing field": (json.dumps(without("question")), ("line 2", "case t2", "'question'", "missing")),
    "missing id": (json.dumps(without("id")), ("line 2", "'id'", "missing")),
    "history not a list": (json.dumps(good("t2", history="Vad?")), ("line 2", "case t2", "'history'", "list")),
    "history item not a string": (json.dumps(good("t2", history=[3])), ("case t2", "'history[0]'")),
    "answerable not a boolean": (
        json.dumps(good("t2", answerable="yes")),
        ("case t2", "'answerable'", "true or false"),
    ),
    "question a number": (json.dumps(good("t2", question=7)), ("case t2", "'question'", "a number")),
    "empty question": (json.dumps(good("t2", question="  ")), ("case t2", "'question'", "empty")),
    "unknown category": (json.dumps(good("t2", category="gossip")), ("case t2", "'category'", "gossip")),
    "answerable without evidence": (json.dumps(good("t2", evidence=[])), ("case t2", "'evidence'", "answerable")),
    "unanswerable with evidence": (json.dumps(good("t2", answerable=False)), ("case t2", "'evidence'")),
    "evidence item without quote": (
        json.dumps(good("t2", evidence=[{"doc": "malmo-yttrande"}])),
        ("case t2", "'evidence[0].quote'", "missing"),
    ),
    "evidence item not an object": (json.dumps(good("t2", evidence=["citat"])), ("case t2", "'evidence[0]'")),
    "bodies not a list": (json.dumps(good("t2", bodies="Kommunstyrelsen")), ("case t2", "'bodies'")),
    "duplicate id": (json.dumps(good("t1")), ("line 2", "case t1", "'id'", "duplicate", "line 1")),
    "unknown style": (json.dumps(good("t2", style="shouty")), ("case t2", "'style'", "shouty", "no_diacritics")),
    "style not a string": (json.dumps(good("t2", style=["plain"])), ("case t2", "'style'")),
}


@pytest.mark.parametrize("variant", MALFORMED)
def test_a_malformed_case_names_file_line_case_and_field(tmp_path: Path, variant: str) -> None:
    line, expected = MALFORMED[variant]
    path = write(tmp_path, json.dumps(good("t1")), line)
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part in message, (part, message)


def test_a_missing_or_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="no cases"):
        load_dataset(write(tmp_path, "", "  "))
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(json.dumps(good("t1"), ensure_ascii=False).encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_dataset(latin1)


@pytest.mark.parametrize("dataset", [DEFAULT_DATASET, HOLDOUT_DATASET], ids=["dataset", "holdout"])
def test_every_quote_is_verbatim_in_its_documents_in_the_bundled_index(corpus_settings: Any, dataset: Path) -> None:
    """Each evidence quote occurs in an indexed passage of its document and of every `also_in` document,
    so no case is unwinnable and no `also_in` claim is false."""
    from assistant.store import Store
    from evals import metrics as m
    from evals.run import evidence_in_index

    chunks = Store(corpus_settings).committed_chunks()
    cases = load_dataset(dataset)
    _, warnings = evidence_in_index(cases, chunks)
    assert warnings == []
    reproduced = [(c.id, e) for c in cases for e in c.evidence if e.also_in]
    assert reproduced or dataset == HOLDOUT_DATASET, "the dataset names documents that reproduce a quote"
    for case_id, evidence in reproduced:
        for doc in evidence.docs:
            assert any(m.contains(ch.doc_id, ch.text, doc, evidence.quote) for ch in chunks), (case_id, doc)


def test_also_in_must_be_a_list_of_document_ids(tmp_path: Path) -> None:
    bad = good("t9", evidence=[{"doc": "malmo-yttrande", "quote": "välkomnar", "also_in": "annan"}])
    with pytest.raises(DatasetError, match=r"t9.*evidence\[0\]\.also_in"):
        load_dataset(write(tmp_path, json.dumps(bad)))
    ok = good("t8", evidence=[{"doc": "a", "quote": "välkomnar", "also_in": ["b"]}])
    (case,) = load_dataset(write(tmp_path, json.dumps(ok)))
    assert case.evidence[0].docs == ("a", "b")


def test_style_is_optional_and_kept(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(good("a", style="no_diacritics")), json.dumps(good("b")))
    a, b = load_dataset(path)
    assert (a.style, b.style) == ("no_diacritics", "")
    assert a.source == str(path) and a.key == (str(path), "a")
    assert "followup_needs_context" in STYLES and len(STYLES) == 15
