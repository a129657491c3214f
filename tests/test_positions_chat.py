"""Questions about the respondents as a whole, answered from the remissammanställning.

Runs the real chain on the bundled corpus's index with the hand-made matrix of positions_data
saved as the current generation's matrix (and removed after the module).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from positions_data import ASN, LIU, POLICYLABB, SLK, STANCES, STATSBIDRAG, TILLSYN, sample_saved

from assistant.chain import Assistant
from assistant.generations import current_number
from assistant.positions.model import STANCE_LABELS_SV
from assistant.positions.store import matrix_path
from assistant.records import Answer
from assistant.retrieval import Filters
from assistant.settings import Settings


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Iterator[Assistant]:
    with sample_saved(corpus_settings):
        yield Assistant(corpus_settings)


def _label(respondent: tuple[str, str]) -> str:
    return f"{respondent[0]}, {respondent[1]}"


def sections(text: str) -> dict[str, list[str]]:
    """The answer's stance headings ('**Avstyrker (1)**') and the lines under each."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        heading = re.fullmatch(r"\*\*(.+) \(\d+\)\*\*", line.strip())
        if heading:
            current = heading.group(1)
            out[current] = []
        elif line.startswith("- ") and current:
            out[current].append(line)
    return out


def assert_every_stance_listed(answer: Answer, matrix_rows: dict, language: str = "sv") -> None:
    found = sections(answer.text)
    for respondent, (stance, quotes) in matrix_rows.items():
        label = STANCE_LABELS_SV[stance] if language == "sv" else None
        lines = found[label] if label else [line for lines in found.values() for line in lines]
        line = next((x for x in lines if x.startswith(f"- {_label(respondent)}:")), None)
        assert line is not None, (respondent, stance, answer.text)
        for quote in quotes:
            n = next(c.n for c in answer.citations if c.quote == quote)
            assert f"”{quote}” [{n}]" in line


def test_critical_question_lists_every_respondent_with_its_stance(assistant: Assistant) -> None:
    answer = assistant.answer("Vilka instanser är kritiska till policylabbet?")
    assert answer.mode == "positions" and not answer.abstained
    assert "”Ett nationellt policylabb”" in answer.text
    assert_every_stance_listed(answer, STANCES[POLICYLABB])
    assert next(iter(sections(answer.text))) == "Avstyrker"  # what was asked for comes first
    assert "Berör inte förslaget: " in answer.text and "Malmö stad, Arbetsmarknads- och socialnämnden" in answer.text
    assert [c.n for c in answer.citations] == [1, 2, 3]


def test_how_many_question_counts_and_cites_each_quote_in_its_document(assistant: Assistant) -> None:
    answer = assistant.answer("Hur många tillstyrker förslaget om riktade statsbidrag?")
    assert answer.mode == "positions"
    assert "Tillstyrker: 3 · " in answer.text and "Avstyrker: 0" in answer.text
    assert_every_stance_listed(answer, STANCES[STATSBIDRAG])
    text = assistant.store.document_text("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande")
    malmo = next(c for c in answer.citations if c.hit.chunk.organisation == ASN[0])
    assert text[malmo.quote_start : malmo.quote_end] == malmo.quote  # the source card marks it in context
    assert malmo.hit.chunk.title.startswith("Malmö stads yttrande")


def test_opinion_question_about_a_topic_word_of_the_title(assistant: Assistant) -> None:
    answer = assistant.answer("Vad tycker remissinstanserna om tillsynen?")
    assert answer.mode == "positions"
    assert_every_stance_listed(answer, STANCES[TILLSYN])
    assert "Linköpings universitet" in answer.text.split("Berör inte förslaget:")[1]


def test_streamed_answer_is_the_same(assistant: Assistant) -> None:
    pieces = list(assistant.stream("Vilka remissinstanser avstyrker policylabbet?"))
    final = pieces[-1]
    assert isinstance(final, Answer) and final.mode == "positions"
    assert pieces[0] == final.text
    assert_every_stance_listed(final, STANCES[POLICYLABB])


def test_english_question_gets_english_labels(assistant: Assistant) -> None:
    answer = assistant.answer("Which respondents support the policy lab?")
    assert answer.mode == "positions" and answer.language == "en"
    found = sections(answer.text)
    assert set(found) == {"Supports in part / with conditions", "Opposes"}
    assert any(_label(LIU) in line for line in found["Opposes"])


def test_filter_narrows_the_respondents(assistant: Assistant) -> None:
    stockholm = Filters(organisation="Stockholms stad")
    answer = assistant.answer("Vilka instanser tillstyrker policylabbet?", filters=stockholm)
    assert answer.mode == "positions"
    assert _label(SLK) in answer.text and "Linköpings universitet" not in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Vad tycker remissinstanserna om kärnkraft?",  # no proposal of the matrix
        "Vad tycker Malmö om riktade statsbidrag?",  # one respondent's view
        "Vad är ett policylabb?",  # not about the respondents
        "Hur ställde sig SKL i sitt remissvar till förslaget om riktade statsbidrag?",  # a body that is no respondent
    ],
)
def test_other_questions_take_the_normal_path(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.mode != "positions"
    assert "enligt remissammanställningen" not in answer.text


def test_without_a_matrix_the_normal_answer(assistant: Assistant, corpus_settings: Settings) -> None:
    path = matrix_path(corpus_settings, current_number(corpus_settings))
    aside = path.with_suffix(".aside")
    path.rename(aside)
    try:
        answer = assistant.answer("Vilka instanser är kritiska till policylabbet?")
    finally:
        aside.rename(path)
    assert answer.mode == "extractive"
    assert answer.citations and all("positions" not in c.hit.retrievers for c in answer.citations)
    assert assistant.answer("Vilka instanser är kritiska till policylabbet?").mode == "positions"  # back again
