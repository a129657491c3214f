"""The positions test gold is the majority of its three blind authors, and stays so."""

from __future__ import annotations

import json

import pytest

from evals.positions_consensus import AUTHORS, OUT, agreement, consensus

PROPOSALS = [{"id": "G01", "title": "Policylabb", "kind": "förslag", "anchor": "policylabb"}]
RESPONDENTS = [{"organisation": "O", "body": "B1"}, {"organisation": "O", "body": "B2"}]


def gold(*stances: str) -> dict:
    cells = [
        {
            "proposal": "G01",
            "organisation": "O",
            "body": f"B{n}",
            "stance": s,
            "quotes": [] if s == "ej_berört" else [f"q{n}{s}"],
        }
        for n, s in enumerate(stances, start=1)
    ]
    return {"proposals": PROPOSALS, "respondents": RESPONDENTS, "cells": cells}


def test_each_cell_takes_the_stance_two_of_three_gave_with_their_quotes() -> None:
    merged, split = consensus(
        [gold("tillstyrker", "ej_berört"), gold("avstyrker", "ej_berört"), gold("tillstyrker", "synpunkter")]
    )
    assert split == []
    by_body = {c["body"]: c for c in merged["cells"]}
    assert by_body["B1"]["stance"] == "tillstyrker" and by_body["B1"]["quotes"] == ["q1tillstyrker"]
    assert by_body["B2"]["stance"] == "ej_berört" and by_body["B2"]["quotes"] == []


def test_three_different_stances_are_left_for_an_adjudicator() -> None:
    _, split = consensus(
        [gold("tillstyrker", "ej_berört"), gold("avstyrker", "ej_berört"), gold("synpunkter", "ej_berört")]
    )
    assert split == [("G01", "O", "B1")]


def test_authors_with_other_proposal_lists_cannot_be_merged() -> None:
    other = gold("tillstyrker", "ej_berört") | {"proposals": [{**PROPOSALS[0], "id": "G02"}]}
    with pytest.raises(SystemExit, match="author 2"):
        consensus([gold("tillstyrker", "ej_berört"), other, gold("tillstyrker", "ej_berört")])


def test_agreement_counts_alike_cells_and_alike_stances_where_both_address() -> None:
    [(i, j, alike, stance)] = agreement([gold("tillstyrker", "ej_berört"), gold("avstyrker", "ej_berört")])
    assert (i, j, alike, stance) == (1, 2, 0.5, 0.0)


def test_the_shipped_test_gold_is_the_authors_majority() -> None:
    authors = [json.loads(p.read_text(encoding="utf-8")) for p in AUTHORS]
    assert len(authors) == 3
    merged, split = consensus(authors)
    assert split == []
    assert json.loads(OUT.read_text(encoding="utf-8")) == merged
