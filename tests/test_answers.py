"""Extractive answers (the default mode): verbatim quotes, valid citations, grouping, abstention."""

from __future__ import annotations

import re

import pytest

from assistant.chain import Assistant
from assistant.errors import QuestionError
from assistant.prompts import message
from assistant.records import Answer
from assistant.settings import Settings

QUOTE_LINE = re.compile(r"^- ”(.+)” \[(\d+)\]$", re.MULTILINE)
# A group heading: the speaker, and for stance questions " – positiv/kritisk/…" after it.
GROUP_LINE = re.compile(r"^\*\*(.+?)(?: – [^*]+)?\*\*$", re.MULTILINE)
ABSTAIN_SV = "Jag hittar inget stöd för det i dokumenten."
ABSTAIN_EN = "I find no support for that in the documents."
MALMO_Q = "Vad tycker Malmö om riktade statsbidrag?"


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant(corpus_settings)


@pytest.fixture(scope="module")
def malmo(assistant: Assistant) -> Answer:
    return assistant.answer(MALMO_Q)


def flat(text: str) -> str:
    return " ".join(text.split())


def quotes(answer: Answer) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for m in QUOTE_LINE.finditer(answer.text)]


def assert_well_cited(answer: Answer) -> None:
    """Every quote is verbatim in the passage it cites; numbers and spans are consistent."""
    by_n = {c.n: c for c in answer.citations}
    assert sorted(by_n) == list(range(1, len(answer.citations) + 1))
    found = quotes(answer)
    assert found, answer.text
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == set(by_n)
    for sentence, n in found:
        citation = by_n[n]
        chunk = citation.hit.chunk
        # verbatim up to whitespace: a sentence that a PDF broke over lines is quoted on one line
        assert flat(sentence) in flat(chunk.text), (sentence, n)
        span = flat(chunk.text[citation.quote_start - chunk.start : citation.quote_end - chunk.start])
        assert flat(sentence) in span
        assert sentence in citation.quote
    for c in answer.citations:
        chunk = c.hit.chunk
        assert chunk.body and chunk.organisation and chunk.title
        assert chunk.start <= c.quote_start < c.quote_end <= chunk.end


def test_malmo_answer_is_extractive_and_not_abstained(malmo: Answer, corpus_settings: Settings) -> None:
    assert not malmo.abstained
    assert malmo.mode == "extractive"
    assert malmo.language == "sv"
    assert malmo.notices == ()
    assert malmo.text.startswith(message(corpus_settings.prompts_dir, "sv", "compilation"))
    assert not malmo.text.startswith(ABSTAIN_SV)


def test_malmo_quotes_are_verbatim_and_cited(malmo: Answer) -> None:
    assert_well_cited(malmo)


def test_malmo_quotes_match_the_document_text(assistant: Assistant, malmo: Answer) -> None:
    """Offsets point into the cleaned document text: the quoted span is really there."""
    for c in malmo.citations:
        text = assistant.store.document_text(c.hit.chunk.doc_id)
        first = c.quote.split(" … ")[0]
        assert flat(text[c.quote_start : c.quote_end]).startswith(first)
        assert text[c.hit.chunk.start : c.hit.chunk.end] == c.hit.chunk.text


def test_malmo_answer_groups_by_speaking_body(malmo: Answer) -> None:
    # a stance question: the body's heading says what its quotes show (välkomnar …; nackdelar …)
    assert "**Malmö stad, Arbetsmarknads- och socialnämnden – blandad (positiv och kritisk)**" in malmo.text
    by_n = {c.n: c for c in malmo.citations}
    # Malmö's own words on riktade statsbidrag (corpus: "nackdelar med riktade statsbidrag") are quoted
    assert any(by_n[n].hit.chunk.organisation == "Malmö stad" and "riktade statsbidrag" in s for s, n in quotes(malmo))
    # every quote stands under the heading of the body that said it
    group = None
    for line in malmo.text.splitlines():
        heading = GROUP_LINE.match(line)
        if heading:
            group = heading.group(1)
            continue
        quote = QUOTE_LINE.match(line)
        if quote:
            chunk = by_n[int(quote.group(2))].hit.chunk
            who = chunk.organisation if chunk.body == chunk.organisation else f"{chunk.organisation}, {chunk.body}"
            assert group == who, line


def test_english_question_gets_english_heading(assistant: Assistant, corpus_settings: Settings) -> None:
    answer = assistant.answer("What does Malmö think about targeted state grants?")
    assert answer.language == "en"
    assert not answer.abstained
    assert answer.text.startswith(message(corpus_settings.prompts_dir, "en", "compilation"))
    assert not answer.text.startswith(message(corpus_settings.prompts_dir, "sv", "compilation"))
    assert "**Malmö stad, Arbetsmarknads- och socialnämnden – mixed (positive and critical)**" in answer.text
    assert_well_cited(answer)


@pytest.mark.parametrize(
    "question",
    [
        "Vad tycker Göteborgs stad om tillitsbaserad styrning?",  # not a remissinstans here
        "Vad är huvudstaden i Norge?",  # off topic
        "Hur många anställda har Malmö stad?",  # Malmö's yttrande states no head count
    ],
)
def test_abstains_in_swedish(assistant: Assistant, corpus_settings: Settings, question: str) -> None:
    corpus = " ".join(p.read_text(encoding="utf-8") for p in corpus_settings.corpus_dir.glob("*.txt"))
    assert "Göteborg" not in corpus and "Norge" not in corpus
    answer = assistant.answer(question)
    assert answer.abstained, answer.text
    assert answer.text.startswith(ABSTAIN_SV)
    assert len(answer.citations) <= 3


@pytest.mark.parametrize(
    "question", ["What is the capital of Norway?", "What does Gothenburg think about trust-based governance?"]
)
def test_abstains_in_english(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.language == "en"
    assert answer.abstained, answer.text
    assert answer.text.startswith(ABSTAIN_EN)


def test_follow_up_uses_history(assistant: Assistant) -> None:
    answer = assistant.answer(
        "Och vad tycker Äldrenämnden?",
        history=[(MALMO_Q, "Malmö välkomnar generella statsbidrag [1].")],
    )
    assert not answer.abstained, answer.text
    assert "statsbidrag" in answer.standalone_question.lower()
    assert "äldrenämnden" in answer.standalone_question.lower()
    assert answer.question == "Och vad tycker Äldrenämnden?"
    bodies = {c.hit.chunk.body for c in answer.citations}
    assert "Äldrenämnden (äldreförvaltningen)" in bodies
    assert "Malmö stad" not in {c.hit.chunk.organisation for c in answer.citations}
    assert any(
        c.hit.chunk.body == "Äldrenämnden (äldreförvaltningen)" and "statsbidrag" in c.quote for c in answer.citations
    )
    assert_well_cited(answer)


def test_without_history_the_same_words_are_not_about_statsbidrag(assistant: Assistant) -> None:
    answer = assistant.answer("Och vad tycker Äldrenämnden?")
    assert "statsbidrag" not in answer.standalone_question.lower()


@pytest.mark.parametrize("question", ["", "   ", "\n\t  \n"])
def test_empty_question_is_refused_in_swedish(assistant: Assistant, question: str) -> None:
    with pytest.raises(QuestionError) as info:
        assistant.answer(question)
    text = str(info.value)
    assert "Frågan" in text and "tom" in text


def test_over_long_question_is_refused_in_swedish(assistant: Assistant, corpus_settings: Settings) -> None:
    limit = corpus_settings.max_question_chars
    question = ("Vad tycker Malmö om statsbidrag " * (limit // 10))[:limit] + "?"
    assert len(question.strip()) == limit + 1
    with pytest.raises(QuestionError) as info:
        assistant.answer(question)
    text = str(info.value)
    assert "Frågan" in text and "lång" in text
    assert str(limit) in text


def test_question_at_the_limit_is_accepted(assistant: Assistant, corpus_settings: Settings) -> None:
    limit = corpus_settings.max_question_chars
    question = (MALMO_Q + " " + "x" * limit)[:limit]
    question = question[:-1] + "?"
    assert len(question) == limit
    answer = assistant.answer(question)
    assert answer.question == question


def test_a_year_the_documents_never_mention_is_not_answered(assistant: Assistant, corpus_settings: Settings) -> None:
    corpus_text = "\n".join(p.read_text(encoding="utf-8") for p in corpus_settings.corpus_dir.glob("*.txt"))
    assert "2019" not in corpus_text and "2018" in corpus_text
    unknown = assistant.answer("Hur stor är Stockholms stads budget för äldreomsorgen 2019?")
    assert unknown.abstained and "2019" in unknown.text
    known = assistant.answer("Vad föreslår Tillitsdelegationen i SOU 2018:47 om statsbidrag?")
    assert not known.abstained


# -- questions that want a kind of answer: each near-miss abstains, its answerable twin does not ---
@pytest.mark.parametrize(
    ("answerable", "near_miss", "missing"),
    [
        (
            "Hur många primärkommuner nämner CKS att Sverige har?",
            "Hur många skolor har Skolinspektionen stängt på grund av allvarliga brister?",
            "no_figure",
        ),
        (
            "När bildades arbetsmarknads- och socialnämnden i Malmö?",
            "När startar försöksverksamheten för att stärka det goda mötet?",
            "no_date",
        ),
        (
            "Vem var föredragande borgarråd i Stockholms remissärende?",
            "Vem var ordförande i Tillitsdelegationen?",
            "no_person",
        ),
    ],
)
def test_a_question_for_a_kind_of_answer_is_answered_only_when_a_passage_gives_one(
    assistant: Assistant, corpus_settings: Settings, answerable: str, near_miss: str, missing: str
) -> None:
    answered = assistant.answer(answerable)
    assert not answered.abstained, answered.text
    assert_well_cited(answered)
    refused = assistant.answer(near_miss)
    assert refused.abstained, refused.text
    assert message(corpus_settings.prompts_dir, "sv", missing) in refused.text


def test_a_list_of_seven_the_documents_never_give_is_not_answered(
    assistant: Assistant, corpus_settings: Settings
) -> None:
    corpus = " ".join(p.read_text(encoding="utf-8") for p in corpus_settings.corpus_dir.glob("*.txt"))
    assert "sju" in corpus and "principer" in corpus  # mentioned, never listed
    answer = assistant.answer("Vilka är Tillitsdelegationens sju principer för tillitsbaserad styrning och ledning?")
    assert answer.abstained
    assert message(corpus_settings.prompts_dir, "sv", "no_list") in answer.text


def test_an_organisation_without_a_response_of_its_own_is_not_quoted(
    assistant: Assistant, corpus_settings: Settings
) -> None:
    answer = assistant.answer("What did SKL say in its own consultation response to the Trust Delegation?")
    assert answer.abstained and answer.language == "en"
    assert message(corpus_settings.prompts_dir, "en", "not_a_speaker", name="SKL") in answer.text


def test_a_follow_up_with_its_own_topic_carries_only_the_speaker(assistant: Assistant) -> None:
    answer = assistant.answer("Vad säger de om tillsynen?", history=[(MALMO_Q, "")])
    assert "malmö" in answer.standalone_question.lower()
    assert "statsbidrag" not in answer.standalone_question.lower()
    assert not answer.abstained, answer.text
    first = answer.citations[0].hit.chunk
    assert first.organisation == "Malmö stad" and "tillsyn" in first.text.lower()
