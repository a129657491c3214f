"""Questions as users type them, one class of failure each (issue: answers that hold up).

Each case goes through the real pipeline on the bundled corpus: follow-ups, refusals with the
answer at hand, answers where the documents are silent, answer composition and messy input.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant.answerability.model import load_model
from assistant.chain import Assistant
from assistant.cli import main
from assistant.records import Answer
from assistant.settings import Settings
from assistant.understanding.followup import parts, resolve

MALMO_Q = "Vad tycker Malmö om riktade statsbidrag?"
QUOTE_LINE = re.compile(r"^- ”(.+)” \[(\d+)\]$", re.MULTILINE)


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant(corpus_settings)


def _bodies(answer: Answer) -> set[str]:
    return {c.hit.chunk.body for c in answer.citations}


# -- 1. follow-ups: decided by what the question says, not by its length ---------------------
def test_a_follow_up_naming_its_own_speaker_and_topic_is_asked_alone(assistant: Assistant) -> None:
    question = "Vad säger Äldrenämnden i Stockholm om tillsyn?"
    answer = assistant.answer(question, history=[(MALMO_Q, "")])
    assert answer.standalone_question == question
    assert "statsbidrag" not in answer.standalone_question
    assert not answer.abstained, answer.text
    assert _bodies(answer) == {"Äldrenämnden (äldreförvaltningen)"}, answer.text


def test_a_follow_up_about_a_topic_its_speaker_never_takes_up_is_refused_not_hijacked(assistant: Assistant) -> None:
    """Stockholm's socialnämnd adopts socialförvaltningen's answer, which names the report on
    tillsyn but says nothing about it: the question is asked alone and refused, and Malmö's
    "Arbetsmarknads- och socialnämnden" (a socialnämnd too) does not stand in for it."""
    question = "Vad säger Socialnämnden i Stockholm om tillsyn?"
    answer = assistant.answer(question, history=[(MALMO_Q, "")])
    assert answer.standalone_question == question
    assert answer.abstained, answer.text
    assert "Arbetsmarknads- och socialnämnden" not in _bodies(answer)


def test_a_follow_up_without_a_topic_takes_the_previous_topic(assistant: Assistant) -> None:
    answer = assistant.answer("Och vad tycker Äldrenämnden?", history=[(MALMO_Q, "")])
    assert "statsbidrag" in answer.standalone_question and "Malmö" not in answer.standalone_question
    assert not answer.abstained
    assert "Äldrenämnden (äldreförvaltningen)" in _bodies(answer)


def test_a_pronoun_takes_the_previous_speaker_only(assistant: Assistant) -> None:
    answer = assistant.answer("Vad säger de om tillsynen?", history=[(MALMO_Q, "")])
    assert "Malmö" in answer.standalone_question and "statsbidrag" not in answer.standalone_question
    assert {c.hit.chunk.organisation for c in answer.citations} == {"Malmö stad"}


def test_a_three_turn_conversation_resolves_through_the_middle_turn() -> None:
    organisations = {"Malmö stad", "Stockholms stad"}
    bodies = {"Arbetsmarknads- och socialnämnden", "Äldrenämnden (äldreförvaltningen)"}
    history = [(MALMO_Q, ""), ("Och vad tycker Äldrenämnden?", "")]
    resolved = resolve("Varför då?", history, organisations, bodies, lambda q: False)
    assert "Äldrenämnden" in resolved and "statsbidrag" in resolved


def test_a_pointer_at_the_previous_topic_takes_it_beside_a_speaker_of_its_own() -> None:
    organisations = {"Stockholms stad", "Linköpings universitet"}
    bodies = {"Stadsledningskontoret", "Utbildningsnämnden (utbildningsförvaltningen)", "CKS"}
    history = [("Vad säger stadsledningskontoret om Skolinspektionens tillsyn?", "")]
    agrees = resolve("och utbildningsförvaltningen, håller de med om det?", history, organisations, bodies, bool)
    assert "Skolinspektionens tillsyn" in agrees and "stadsledningskontoret" not in agrees
    instead = resolve(
        "Vad föreslår de i stället?", [("Vad tycker CKS om forskningsråden?", "")], organisations, bodies, bool
    )
    assert "CKS" in instead and "forskningsråden" in instead
    # a pronoun for the speaker alone still takes only the speaker
    speaker = resolve(
        "Vad säger de om tillsynen?", [("Vad tycker CKS om forskningsråden?", "")], organisations, bodies, bool
    )
    assert "CKS" in speaker and "forskningsråden" not in speaker


def test_dem_always_points_back() -> None:
    # "dem"/"dom" are never articles: "enligt dem" needs the previous speaker
    assert parts("Räcker forskning enligt dem, eller behövs något mer?", set(), set()).points_back
    assert parts("vad sa dom om tillsynen", set(), set()).points_back


def test_articles_are_not_pronouns() -> None:
    # "det goda mötet", "de sju principerna": articles, not pointers back
    assert not parts("Vad innebär det goda mötet?", set(), set()).points_back
    assert not parts("Vilka är de sju principerna?", set(), set()).points_back
    assert parts("Vad tycker de om det?", set(), set()).points_back


# -- 2 and 3. one decision, both ways ---------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "Vad skrev Skolinspektionen i sitt eget remissvar?",  # only mentioned, wrote nothing here
        "Hur ställer sig Region Jämtland Härjedalen till frikommunförsöket?",  # forwarded the summary
        "Vad kostade Stockholms handlingsplan för socialsekreterare?",  # no sum in the documents
        "Vad tycker Uppsala kommun om tillitsbaserad styrning?",  # not in the corpus at all
    ],
)
def test_near_misses_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.abstained, answer.text


@pytest.mark.parametrize(
    ("question", "body"),
    [
        ("Vad tycker Malmö om riktade statsbidrag?", "Arbetsmarknads- och socialnämnden"),
        ("Vad föreslår delegationen om tillsynen?", "Tillitsdelegationen"),
        ("vad tycker aldrenamnden om upphandling", "Äldrenämnden (äldreförvaltningen)"),
    ],
)
def test_answerable_questions_are_answered_by_the_right_body(assistant: Assistant, question: str, body: str) -> None:
    answer = assistant.answer(question)
    assert not answer.abstained, answer.text
    assert body in _bodies(answer), answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Genomförde regeringen sedan frikommunförsöket?",
        "Inrättade regeringen till slut det nationella policylabbet?",
        "Infördes tillitsdelegationens förslag om generella statsbidrag senare?",
    ],
)
def test_what_happened_after_the_documents_is_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.abstained, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Vad anser Äldrenämnden om Skolinspektionens vitesföreläggande?",
        "Vad säger CKS om Skolinspektionens tillsyn?",
        "Vad tycker Farsta stadsdelsnämnd om patientsäkerhetslagen?",
    ],
)
def test_a_named_body_that_leaves_the_topic_to_others_is_refused(assistant: Assistant, question: str) -> None:
    turn = assistant.measure(question)
    assert turn.evidence is not None and turn.evidence.values["topic_words_elsewhere"] > 0.3
    assert assistant.answer(question).abstained


@pytest.mark.parametrize(
    ("question", "body"),
    [
        ("Tycker Malmö att riktade statsbidrag är bra?", "Arbetsmarknads- och socialnämnden"),
        ("Stöder CKS förslaget om ett nationellt policylabb?", "CKS"),
        ("Var ska det nationella policylabbet placeras?", "Tillitsdelegationen"),
    ],
)
def test_yes_no_and_where_questions_about_what_the_documents_say_are_answered(
    assistant: Assistant, question: str, body: str
) -> None:
    answer = assistant.answer(question)
    assert not answer.abstained, answer.text
    assert any(body in b for b in _bodies(answer)), answer.text


def test_leave_one_file_out_scores_each_file_with_a_model_fitted_on_the_others() -> None:
    from evals.fit_answerability import leave_one_file_out

    rng = np.random.default_rng(1)
    y = np.tile([1.0, 0.0], 60)
    x = np.column_stack([y + rng.normal(0, 0.6, len(y)), rng.normal(0, 1, len(y))])
    groups = ["a.jsonl"] * 50 + ["b.jsonl"] * 50 + ["c.jsonl"] * 20
    x[100:, 0] = -x[100:, 0]  # file c says the opposite of a and b: its held-out AUC must show it
    figures = leave_one_file_out(x, y, groups)
    assert set(figures) == {"a.jsonl", "b.jsonl", "c.jsonl", "mean"}
    assert figures["a.jsonl"]["cases"] == 50 and figures["a.jsonl"]["auc"] > 0.8
    assert figures["c.jsonl"]["auc"] < 0.5
    assert figures["mean"]["auc"] == round(float(np.mean([figures[f"{n}.jsonl"]["auc"] for n in "abc"])), 3)


def test_the_decision_comes_from_the_shipped_model_with_its_figures() -> None:
    model = load_model()
    assert 0.0 < model.threshold < 1.0
    cv = model.report["cross_validated"]
    assert cv["cases"] >= 350 and "test.jsonl" not in model.report["datasets"]
    held_out = model.report["leave_one_file_out"]
    assert set(held_out) == {*model.report["datasets"], "mean"} and held_out["mean"]["auc"] > 0.8


# -- 4. answers that lead with what answers ----------------------------------------------------
def test_a_count_question_leads_with_the_value(assistant: Assistant) -> None:
    answer = assistant.answer("Hur många primärkommuner nämner CKS att Sverige har?")
    assert not answer.abstained, answer.text
    lines = answer.text.splitlines()
    assert lines[1].startswith("- **290") and lines[1].endswith("[1]"), answer.text


def test_a_question_about_a_named_body_is_answered_by_those_who_tell_it(assistant: Assistant) -> None:
    # Asks no one's view: the remissvar that retell when the delegation was appointed answer it,
    # not only the delegation's own summary, which does not say.
    answer = assistant.answer("När tillsattes Tillitsdelegationen av regeringen?")
    assert not answer.abstained, answer.text
    assert "2016" in answer.text.splitlines()[1], answer.text
    assert any("2016" in c.quote for c in answer.citations)


def test_a_question_by_a_named_speaker_is_answered_with_its_own_words_only(assistant: Assistant) -> None:
    # Other bodies' passages that mention Farsta (the list of those asked) are not its words
    answer = assistant.answer("När fattade Farsta stadsdelsnämnd sitt beslut om remissen?")
    assert not answer.abstained, answer.text
    assert _bodies(answer) == {"Farsta stadsdelsnämnd"}, answer.text


def test_a_stance_answer_labels_each_body(assistant: Assistant) -> None:
    answer = assistant.answer(MALMO_Q)
    assert re.search(r"^\*\*Malmö stad, Arbetsmarknads- och socialnämnden – [^*]+\*\*$", answer.text, re.MULTILINE)


def test_no_sentence_is_quoted_twice_nor_a_lead_in_or_heading(assistant: Assistant) -> None:
    answer = assistant.answer("Vad är tillitsbaserad styrning?")
    quoted = [q for q, _ in QUOTE_LINE.findall(answer.text)]
    assert quoted and len(quoted) == len({" ".join(q.lower().split()) for q in quoted})
    assert not any(q.endswith(":") for q in quoted), answer.text


def test_an_english_question_gets_an_english_lead_line(assistant: Assistant) -> None:
    answer = assistant.answer("What does Malmö think about targeted state grants?")
    first = answer.text.splitlines()[0]
    assert first.startswith("Compilation") or first.startswith("Answer"), answer.text


def test_the_model_refits_on_dev_cases_and_refuses_the_test_set(
    corpus_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evals.dataset import DEFAULT_DATASET
    from evals.fit_answerability import refit

    lines = DEFAULT_DATASET.read_text(encoding="utf-8").splitlines()
    cases = [line for line in lines if '"answerable": true' in line][:6]
    cases += [line for line in lines if '"answerable": false' in line][:6]
    dev = tmp_path / "dev.jsonl"
    dev.write_text("\n".join(cases) + "\n", encoding="utf-8")
    out = tmp_path / "model.json"
    result = refit(corpus_settings, [dev], out, rounds=1)
    model = load_model(out)
    assert model.report["cross_validated"]["cases"] == 12 and result["datasets"] == ["dev.jsonl"]
    assert 0.0 < model.threshold < 1.0 and len(model.weights) == len(model.features)
    test_file = tmp_path / "test.jsonl"
    test_file.write_text(cases[0] + "\n", encoding="utf-8")
    assert main(["fit-answerability", "--dataset", str(test_file), "--out", str(out)]) == 1
    assert "testmängden" in capsys.readouterr().err
