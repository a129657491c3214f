"""The sentence splitter knows Swedish abbreviations, initials and parentheses (real corpus sentences)."""

from __future__ import annotations

import itertools

import pytest

from assistant.lexical import chunk_sentences
from assistant.settings import PROJECT_ROOT
from ingest.chunking import sentence_spans

CORPUS = PROJECT_ROOT / "corpus"
CKS = "cks-linkopings-universitet-remissyttrande.txt"
STOCKHOLM = "stockholms-stad-kommunstyrelsen-remissvar.txt"


def sentences(text: str, offset: int = 0) -> list[str]:
    return [text[s - offset : e - offset] for s, e in sentence_spans(text, offset)]


def corpus_paragraph(file: str, phrase: str) -> str:
    """The corpus paragraph (one line of the file) that holds the phrase."""
    lines = [line for line in (CORPUS / file).read_text(encoding="utf-8").splitlines() if phrase in line]
    assert lines, f"{phrase!r} is not in {file}"
    return lines[0]


# (file, phrase of the paragraph, a sentence that must come out whole)
CORPUS_SENTENCES = [
    (
        "cks-linkopings-universitet-remissyttrande.txt",
        "(Dir. 2016:51)",
        "(Dir. 2016:51) med uppdrag att analysera",
    ),
    (
        "cks-linkopings-universitet-remissyttrande.txt",
        "(Dir. 2017:119)",
        "ett tilläggsdirektiv (Dir. 2017:119) med uppdraget",
    ),
    (
        "cks-linkopings-universitet-remissyttrande.txt",
        "(s. 131)",
        "lämnar därför öppet för andra definitioner. (s. 131).",
    ),
    (
        "cks-linkopings-universitet-remissyttrande.txt",
        "(MBO) (engs.",
        "människobehandlande organisationer (MBO) (engs. Human services organisations) och kontrasteras",
    ),
    (
        "cks-linkopings-universitet-remissyttrande.txt",
        "(som tex.",
        "Kommunernas organisationer (som tex. Socialtjänsten) måste självklart vara handlingsinriktad",
    ),
    (
        "stockholms-stad-kommunstyrelsen-remissvar.txt",
        "t.ex. IT",
        "avlastas inom t.ex. IT, lokaler och administration.",
    ),
    (
        "stockholms-stad-kommunstyrelsen-remissvar.txt",
        "26 kap. 27 §",
        "vitesföreläggande i 26 kap. 27 §, andra stycket",
    ),
]


@pytest.mark.parametrize(("file", "phrase", "whole"), CORPUS_SENTENCES)
def test_corpus_sentences_are_not_cut_at_abbreviations(file: str, phrase: str, whole: str) -> None:
    paragraph = corpus_paragraph(file, phrase)
    got = sentences(paragraph)
    holding = [s for s in got if whole in s]
    assert holding, got
    assert holding[0].count("(") == holding[0].count(")")
    for s in got:
        assert not s.rstrip().endswith(("(Dir.", "(s.", "(engs.", "tex.", "t.ex.", "kap.")), s


def test_a_page_reference_after_a_sentence_stays_with_it() -> None:
    paragraph = corpus_paragraph("cks-linkopings-universitet-remissyttrande.txt", "(s. 131)")
    got = sentences(paragraph)
    assert got[-1].endswith("andra definitioner. (s. 131).")
    assert "(s. 131)." not in [s.strip() for s in got]


@pytest.mark.parametrize(
    "abbreviation",
    ["Dir.", "s.", "t.ex.", "bl.a.", "kap.", "dnr", "dnr.", "SOU", "jfr", "jfr.", "m.m.", "osv.", "dvs.", "resp.",
     "ca", "ca.", "st.", "nr", "nr.", "prop.", "bet.", "ff.", "t. ex.", "bl. a."],
)  # fmt: skip
def test_no_split_after_an_abbreviation(abbreviation: str) -> None:
    for after in ("2016:51 gäller", "Stockholm gäller"):  # followed by a number or a capital
        first = f"Nämnden hänvisar till {abbreviation} {after} här."
        text = f"{first} Nästa mening börjar här."
        assert sentences(text) == [first, "Nästa mening börjar här."]


@pytest.mark.parametrize("initials", ["B. Persson", "A. B. Svensson", "Anna K. Jerlmyr"])
def test_no_split_after_an_initial(initials: str) -> None:
    text = f"Rapporten skrevs av {initials} och granskades. Den kom ut 2018."
    assert sentences(text) == [f"Rapporten skrevs av {initials} och granskades.", "Den kom ut 2018."]


@pytest.mark.parametrize(
    "aside", ["(Dir. 2016:51)", "(s. 45)", "(s. 45 ff.)", "(jfr. SOU 2018:47. Se även prop. 2017/18:1)"]
)
def test_no_split_inside_parentheses(aside: str) -> None:
    text = f"Regeringen tillsatte en delegation {aside} med ett uppdrag. Delegationen lämnade två betänkanden."
    assert sentences(text) == [
        f"Regeringen tillsatte en delegation {aside} med ett uppdrag.",
        "Delegationen lämnade två betänkanden.",
    ]


def test_real_sentence_ends_are_still_split() -> None:
    text = (
        "Betänkandet heter SOU 2018:47. Nämnden tillstyrker förslaget! Vem ansvarar? "
        "Kommunen (som huvudman) ansvarar. (Ur sammanfattningen.) Slut."
    )
    assert sentences(text) == [
        "Betänkandet heter SOU 2018:47.",
        "Nämnden tillstyrker förslaget!",
        "Vem ansvarar?",
        "Kommunen (som huvudman) ansvarar.",
        "(Ur sammanfattningen.)",
        "Slut.",
    ]


def test_an_unclosed_parenthesis_does_not_swallow_the_paragraph() -> None:
    text = "Punkt 1) gäller tillsyn. Punkt (2 gäller uppföljning. Punkt 3 gäller forskning."
    assert sentences(text) == ["Punkt 1) gäller tillsyn.", "Punkt (2 gäller uppföljning.", "Punkt 3 gäller forskning."]


def test_offsets_are_exact_document_offsets() -> None:
    paragraph = corpus_paragraph("cks-linkopings-universitet-remissyttrande.txt", "(Dir. 2016:51)")
    spans = sentence_spans(paragraph, 500)
    assert all(500 <= s < e <= 500 + len(paragraph) for s, e in spans)
    assert [paragraph[s - 500 : e - 500] for s, e in spans] == sentences(paragraph)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


def test_the_lexical_index_sees_whole_sentences() -> None:
    """The sentences that the evidence scoring and the quotes are built from are whole ones."""
    text = (CORPUS / "cks-linkopings-universitet-remissyttrande.txt").read_text(encoding="utf-8")
    got = chunk_sentences(text)
    assert not [s for s in got if s.endswith("(Dir.")]
    assert any("(Dir. 2016:51) med uppdrag" in s for s in got)
