"""Control characters, invisible questions and quote checks, without a server."""

from __future__ import annotations

import pytest

from assistant.controls import ControlStripper, strip_controls, visible_text
from assistant.errors import QuestionError
from assistant.question_check import check_question
from assistant.quotes import check_quotes, is_verbatim
from assistant.settings import Settings

SOURCE = (
    "Arbetsmarknads- och socialnämnden välkomnar att statsbidrag som huvudprincip ska vara generella. "
    "Riktade statsbidrag har lett till kortsiktighet och en omfattande administration."
)
MARK = "(citat borttaget)"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mröd\x1b[0m", "röd"),
        ("före\x1b]0;ny titel\x07efter", "föreefter"),  # OSC title, BEL-terminated
        ("före\x1b]2;titel\x1b\\efter", "föreefter"),  # OSC, ST-terminated
        ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
        ("a\x1bcb", "ab"),  # full reset
        ("a\x9b31mb\x9d0;t\x9cc", "abc"),  # 8-bit CSI and OSC
        ("rad\r\nnästa\ttabb\x00\x07\x7f", "rad\nnästa\ttabb"),
        ("a\u202eb\u2066c", "abc"),  # bidi overrides
    ],
)
def test_strip_controls(raw: str, clean: str) -> None:
    assert strip_controls(raw) == clean


def test_stripper_removes_escapes_split_across_pieces() -> None:
    stripper = ControlStripper()
    pieces = ["Hej \x1b", "[3", "1mröd\x1b]0;pw", "ned\x07 text", "\x1b[", "0m slut\x1b]0;aldrig klar"]
    out = "".join(stripper.feed(p) for p in pieces) + stripper.flush()
    assert out == "Hej röd text slut"


def test_stripper_does_not_hold_text_back_forever() -> None:
    stripper = ControlStripper()
    out = stripper.feed("\x1b]0;" + "x" * 1000)
    assert out.endswith("x" * 900)  # an unfinished escape longer than the hold limit is let go, as text


@pytest.mark.parametrize("question", ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u00ad\u3164 \u2800", "\x1b[2J"])
def test_invisible_question_is_empty(question: str, make_settings) -> None:
    with pytest.raises(QuestionError) as info:
        check_question(question, make_settings())
    assert str(info.value).startswith("Frågan är tom")


def test_invisible_characters_are_removed_from_a_question(make_settings) -> None:
    assert visible_text(" Vad\u200b är tillits\u00adbaserad styrning? ") == "Vad är tillitsbaserad styrning?"
    assert check_question("Vad\u200b är tillit?", make_settings()) == ("Vad är tillit?", "sv")


def test_long_question_is_measured_after_cleaning(make_settings) -> None:
    settings: Settings = make_settings(max_question_chars=20)
    assert check_question("Vad är tillit?" + "\u200b" * 100, settings)[0] == "Vad är tillit?"
    with pytest.raises(QuestionError, match="för lång"):
        check_question("x" * 21, settings)


@pytest.mark.parametrize(
    "quote",
    [
        "statsbidrag som huvudprincip ska vara generella",
        "Statsbidrag  som\nhuvudprincip ska vara generella.",  # capital, spacing and a full stop added
        "välkomnar att statsbidrag … ska vara generella",  # left-out words
        "Riktade statsbidrag [...] en omfattande administration",
        "Arbetsmarknads– och socialnämnden",  # en dash for the hyphen
    ],
)
def test_verbatim_quotes_pass(quote: str) -> None:
    assert is_verbatim(quote, SOURCE)


@pytest.mark.parametrize(
    "quote",
    [
        "statsbidrag ska alltid vara generella",
        "ska vara generella … välkomnar att",  # parts out of order
        "Riktade statsbidrag har lett till långsiktighet",
    ],
)
def test_changed_quotes_fail(quote: str) -> None:
    assert not is_verbatim(quote, SOURCE)


def test_check_quotes_forms() -> None:
    sources = [SOURCE, "Delegationen föreslår en ny myndighet."]
    text = (
        "A: ”statsbidrag som huvudprincip ska vara generella” [1].\n"
        'B: "statsbidrag ska avskaffas" [1].\n'
        "C: [2] «Delegationen föreslår en ny myndighet».\n"
        "D: [2]: „Delegationen föreslår tre nya myndigheter“ och mer.\n"
        "E: ”ett citat utan hänvisning” står kvar.\n"
        "> Riktade statsbidrag har lett till kortsiktighet [1]\n"
        "Sedan:\n"
        "> Riktade statsbidrag är bra.\n"
        "> Det säger alla. [1]\n"
        "Slut."
    )
    result = check_quotes(text, sources, MARK)
    lines = result.text.split("\n")
    assert lines[0] == "A: ”statsbidrag som huvudprincip ska vara generella” [1]."
    assert lines[1] == f"B: {MARK}."
    assert lines[2] == "C: [2] «Delegationen föreslår en ny myndighet»."
    assert lines[3] == f"D: {MARK} och mer."
    assert lines[4] == "E: ”ett citat utan hänvisning” står kvar."
    assert lines[5] == "> Riktade statsbidrag har lett till kortsiktighet [1]"
    assert lines[6:] == ["Sedan:", f"> {MARK}", "Slut."]
    assert result.removed == (1, 2)


def test_check_quotes_leaves_a_clean_answer_alone() -> None:
    text = "Malmö välkomnar generella statsbidrag [1]. Inget citat här [2]."
    assert check_quotes(text, [SOURCE, SOURCE], MARK).text == text
