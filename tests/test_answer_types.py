"""Answer types, the English glossary and the name rules, on constructed text (no index needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_render import make_chunk

from assistant.glossary import translate
from assistant.lexical import LexicalIndex, chunk_sentences
from assistant.records import Hit
from assistant.swedish import analyse
from assistant.understanding.answer_types import answer_value, expectation, first_question, is_polar, support
from assistant.understanding.entities import silent_speakers

VOCAB = frozenset(
    analyse(
        "kommuner landsting frikommunförsök skolor anställda forskare försöksverksamheter primärkommuner "
        "Sverige borgarråd föredragande ordförande nämnden principer remiss"
    )
)


def hit(text: str, rank: int = 1) -> Hit:
    return Hit(make_chunk(text, id=f"doc-1:abc:{rank}"), 1.0 / rank, rank, ("dense",))


def flat_idf(_: str) -> float:
    return 1.0


def supported(question: str, *texts: str) -> float:
    wanted = expectation(question)
    assert wanted is not None, question
    terms = set(analyse(first_question(question), VOCAB))
    return support(wanted, [hit(t, i) for i, t in enumerate(texts, 1)], terms, VOCAB, flat_idf)


# -- what kind of answer -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Hur många kommuner ska delta i frikommunförsöket?", "no_figure"),
        ("Hur mycket kostar förslaget?", "no_figure"),
        ("När startar försöket?", "no_date"),
        ("Sedan när finns handlingsplanen?", "no_date"),
        ("Vem var ordförande i delegationen?", "no_person"),
        ("Who was the chair of the delegation?", "no_person"),
        ("Vilka är de sju principerna?", "no_list"),
        ("Vilka är Tillitsdelegationens sju principer för styrning?", "no_list"),
    ],
)
def test_questions_that_want_a_kind_of_answer(question: str, missing: str) -> None:
    wanted = expectation(question)
    assert wanted is not None and wanted.missing == missing


@pytest.mark.parametrize(
    "question",
    ["Vad tycker Malmö om riktade statsbidrag?", "Vem föreslår att Statskontoret ska göra det?", "Vilka är kritiska?"],
)
def test_open_questions_want_no_particular_kind(question: str) -> None:
    assert expectation(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "Vad menar CKS med ett investeringsstänk i kommunernas budget?",
        "Hur ställer sig Norrmalm till att dra ner på antalet mätningar och uppföljningar?",
        "What does CKS propose regarding municipal budgets for social services?",
    ],
)
def test_a_figure_word_in_the_topic_asks_for_no_figure(question: str) -> None:
    # "budget", "antalet" name what the question is about; the words that ask want no number
    assert expectation(first_question(question)) is None


@pytest.mark.parametrize(
    "question",
    ["Vad kostar handlingsplanen?", "Hur stor andel av de anställda är kvinnor?", "What share of staff are women?"],
)
def test_the_words_that_ask_still_ask_for_a_figure(question: str) -> None:
    assert expectation(question).missing == "no_figure"  # type: ignore[union-attr]


def test_an_english_count_finds_its_number_in_swedish_text() -> None:
    wanted = expectation("How many municipalities should take part in the trial?")
    assert wanted is not None
    assert wanted.accepts("Ett frikommunförsök där 10–15 kommuner och landsting erbjuds att delta.")
    assert not wanted.accepts("Försöket ska pågå under fem år.")


@pytest.mark.parametrize(
    ("question", "polar"),
    [
        ("Antog regeringen sedan delegationens förslag?", True),
        ("tycker farsta att policylab o frikommuner e en bra ide?", True),
        ("Did the government set up the policy lab?", True),
        ("Var ska policylabbets permanenta funktion placeras?", False),
        ("Why is Stockholm hesitant about fines?", False),
        ("vad säger cks om budgeten", False),
    ],
)
def test_a_yes_no_question_is_one_no_interrogative_asks(question: str, polar: bool) -> None:
    assert is_polar(question) is polar


def test_a_joined_question_takes_its_type_from_the_first_part() -> None:
    question = "Vem var föredragande borgarråd i remissärendet och när är promemorian daterad?"
    assert first_question(question) == "Vem var föredragande borgarråd i remissärendet"
    assert expectation(first_question(question)).missing == "no_person"  # type: ignore[union-attr]


def test_a_count_needs_the_number_next_to_the_counted_noun() -> None:
    question = "Hur många skolor har stängts?"
    assert supported(question, "Sverige har 290 primärkommuner och många skolor har stängts.") == 0.0
    assert supported(question, "Enligt 26 kap. 27 § skollagen har skolor stängts.") == 0.0  # a paragraph, not a count
    assert supported(question, "Under året har 12 skolor stängts.") == 1.0
    assert supported("Hur många primärkommuner finns?", "Sverige har 290 primärkommuner.") > 0.0
    assert supported("Hur många försöksverksamheter följdes?", "Forskare följde tolv försöksverksamheter.") > 0.0


def test_a_date_must_stand_in_or_beside_a_sentence_on_the_topic() -> None:
    question = "När behandlade nämnden remissen?"
    beside = "Nämnden beslutade vid sitt sammanträde den 18 september 2018 följande. Nämnden svarar på remissen."
    assert supported(question, beside) == pytest.approx(2 / 3)  # nämnden and remissen, not "behandlade"
    assert supported(question, "Nämnden svarar på remissen. Den tar tid.") == 0.0
    far = "Nämnden behandlade remissen. Det var bra. Det var mycket bra. Budgeten för 2018 var stor."
    assert supported(question, far) == 0.0


def test_a_report_number_is_no_date() -> None:
    """ "(2018:47)" names SOU 2018:47: a date question finds no date in it, and no support."""
    wanted = expectation("När skrev CKS sitt remissyttrande?")
    assert wanted is not None
    numbered = "CKS avlämnar sitt remissyttrande avseende betänkandet Med tillit växer handlingsutrymmet (2018:47)."
    assert answer_value(wanted, numbered) is None
    assert answer_value(wanted, "CKS avlämnade sitt remissyttrande den 11 oktober 2018.") == "den 11 oktober 2018"
    assert answer_value(wanted, "CKS skrev sitt remissyttrande 2018.") == "2018"
    assert supported("När skrev CKS sitt remissyttrande?", numbered) == 0.0


def test_the_passages_speaker_and_document_stand_beside_a_sentence_on_the_topic() -> None:
    wanted = expectation("När behandlade Äldrenämnden remissen?")
    assert wanted is not None
    terms = set(analyse("Äldrenämnden remissen", VOCAB))
    decided = "Äldrenämnden beslutade vid sitt sammanträde den 18 september 2018 följande."
    own = make_chunk(decided, body="Äldrenämnden", title="Remiss från Finansdepartementet")
    other = make_chunk(decided, body="Äldrenämnden", title="Yttrande")
    off_topic = make_chunk("Budgeten för 2018 var stor.", body="Äldrenämnden", title="Remiss från Finansdepartementet")
    score = [support(wanted, [Hit(c, 1.0, 1, ("dense",))], terms, VOCAB, flat_idf) for c in (own, other, off_topic)]
    assert score == [1.0, 0.5, 0.0]  # the remiss is in the title; the metadata completes no other sentence


def test_a_person_question_needs_a_name_beside_the_role() -> None:
    signed = "Föredragande borgarrådet Anna König Jerlmyr anför följande."
    assert supported("Vem var föredragande borgarråd?", signed) == 1.0
    assert supported("Vem var ordförande i delegationen?", signed) == 0.0
    assert supported("Vem var ordförande i delegationen?", "Delegationen hade en ordförande.") == 0.0


def test_a_list_question_needs_as_many_items_as_it_names() -> None:
    three = "De tre principerna är:\n- Tillit\n- Helhetssyn\n- Stöd"
    assert supported("Vilka är de tre principerna?", three) > 0.0
    assert supported("Vilka är de sju principerna?", three) == 0.0
    assert supported("Vilka är de sju principerna?", "De sju vägledande principerna används som teman.") == 0.0


# -- names and terms -------------------------------------------------------------------------
def test_a_name_that_speaks_in_no_document_is_a_silent_speaker() -> None:
    organisations = {"Linköpings universitet", "Malmö stad"}
    bodies = {"Centrum för kommunstrategiska studier (CKS)"}
    assert silent_speakers("What did SKL say in its own response?", organisations, bodies) == ["SKL"]
    assert silent_speakers("Vad tycker SKL om förslaget?", organisations, bodies) == ["SKL"]
    assert silent_speakers("Vad tycker CKS om förslaget?", organisations, bodies) == []
    assert silent_speakers("Vad tycker Malmö om SOU 2018:47?", organisations, bodies) == []
    assert silent_speakers("Hur ser Vinnova på policylabbet?", organisations, bodies) == ["Vinnova"]
    assert (
        silent_speakers(
            "What does the Trust Delegation propose?", organisations, bodies, frozenset({"trust", "delegation"})
        )
        == []
    )


@pytest.mark.parametrize(
    "question",
    [
        "Vad tycker borgarrådet Anna König Jerlmyr om generella statsbidrag?",  # a person
        "Vi sitter i ledningsgruppen och undrar: vad säger de om administratörer?",  # a pronoun
        "Jag bor i en liten kommun i Norrland. Tog någon upp de små kommunerna?",  # a place, a verb
        "Vilka Malmöinstanser är positiva till försöken?",  # a compound on a speaker's name
    ],
)
def test_people_places_and_pronouns_are_no_silent_speakers(question: str) -> None:
    assert silent_speakers(question, {"Malmö stad"}, {"Centrum för kommunstrategiska studier (CKS)"}) == []


# -- the English glossary ------------------------------------------------------------------------
def test_english_terms_are_translated_longest_phrase_first() -> None:
    found = translate("What does Malmö think about targeted state grants and the Social Services Act?")
    assert found.swedish == ("riktade statsbidrag", "socialtjänstlagen")
    assert {"targeted", "state", "grants", "social", "services", "act"} <= found.covered
    assert "malmö" not in found.covered
    assert translate("Who won the football World Cup?").swedish == ()


def test_a_malformed_glossary_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "glossary.txt"
    path.write_text("# comment\ntrust = tillit\nno equals sign here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"glossary.txt:3"):
        translate("trust", path)


# -- sentence evidence in the lexical index --------------------------------------------------------
def test_sentence_coverage_prefers_one_sentence_with_all_the_words() -> None:
    spread = make_chunk("Nämnden talar om tillsyn. Den nämner också vite i ett annat sammanhang.", id="a")
    together = make_chunk("Nämnden vill ta bort tvingande vite i tillsynen. Det är bra.", id="b")
    index = LexicalIndex.build([spread, together], "v1")
    terms = set(analyse("tillsyn vite", index.vocab))
    assert index.sentence_coverage("b", terms) == pytest.approx(1.0)
    assert 0.0 < index.sentence_coverage("a", terms) < 1.0
    assert index.sentence_coverage("missing", terms) == 0.0
    assert chunk_sentences("Rubrik\nEn mening. En till.") == ["Rubrik", "En mening.", "En till."]


def test_a_named_organisation_must_speak_or_be_mentioned_beside_the_answer() -> None:
    from assistant.understanding.entities import Target

    malmo = Target("organisation", "Malmö stad")
    wanted = expectation("Hur många anställda har Malmö stad?")
    assert wanted is not None
    terms = set(analyse("anställda", VOCAB))
    stockholm_text = make_chunk("Staden har 1 200 anställda.", organisation="Stockholms stad")
    malmo_text = make_chunk("Staden har 1 200 anställda.", organisation="Malmö stad")
    naming = make_chunk("I Malmö finns 1 200 anställda.", organisation="Stockholms stad")
    score = [
        support(wanted, [Hit(c, 1.0, 1, ("dense",))], terms, VOCAB, flat_idf, [malmo])
        for c in (stockholm_text, malmo_text, naming)
    ]
    assert score == [0.0, 1.0, 1.0]


def test_a_question_for_named_places_needs_names() -> None:
    question = "Vilka kommuner deltar i försöket?"
    assert expectation(question).missing == "no_names"  # type: ignore[union-attr]
    assert supported(question, "Ett försök där 10–15 kommuner och landsting deltar.") == 0.0
    assert supported(question, "I försöket deltar kommunerna Malmö, Umeå och Luleå.") > 0.0


def test_a_compound_on_a_speakers_name_is_not_an_unknown_name() -> None:
    from assistant.understanding.entities import unknown_names

    speakers = {"Stockholms stad"}
    assert unknown_names("Vilka Stockholmsinstanser är positiva?", frozenset(), speakers=speakers) == []
    assert unknown_names("Vilka Göteborgsinstanser är positiva?", frozenset(), speakers=speakers) == [
        "Göteborgsinstanser"
    ]


def test_a_place_must_be_known_as_that_kind_of_organisation() -> None:
    from assistant.understanding.entities import unknown_organisations

    organisations = {"Linköpings universitet", "Malmö stad", "Region Jämtland Härjedalen"}
    assert unknown_organisations("Hur har Linköpings kommun svarat?", organisations, set()) == ["Linköpings kommun"]
    assert unknown_organisations("Vad tycker Malmö kommun?", organisations, set()) == []
    assert unknown_organisations("Vad säger Region Jämtland Härjedalen?", organisations, set()) == []
    assert unknown_organisations("Vad säger Region Skåne?", organisations, set()) == ["Region Skåne"]


def test_names_and_people_in_signature_lines() -> None:
    assert supported("Vem är föreståndare för centret?", "Martin Klinthäll Docent, Föreståndare vid CKS") > 0.0
    question = "Vilka två universitet samarbetar nämnden med?"
    assert expectation(question).missing == "no_names"  # type: ignore[union-attr]
    assert supported(question, "Anställningen delas mellan Malmö stad och två av universiteten i regionen.") == 0.0
