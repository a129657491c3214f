"""Swedish analysis for the lexical index: stemming, compounds, å/ä/ö, accents, stop words."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.swedish import STOPWORDS, analyse, complete, normalise, split_compound, stem, vocabulary, words

# A vocabulary as the index builds it: words and stems of ordinary text that uses the parts.
VOCAB = vocabulary(
    [
        "Staten ger bidrag till kommunerna.",
        "Tillit mellan staten och kommunerna är viktigt.",
        "Styrningen är baserad på dialog.",
    ]
)


def test_vocabulary_holds_the_parts_and_their_stems() -> None:
    assert {"staten", "stat", "bidrag", "tillit", "baserad"} <= VOCAB
    assert all(len(w) >= 3 for w in VOCAB)


def test_statsbidrag_yields_stat_and_bidrag_with_a_vocabulary() -> None:
    terms = analyse("statsbidrag", VOCAB)
    assert stem("statsbidrag") in terms  # the whole word is kept
    assert stem("stat") in terms
    assert stem("bidrag") in terms


def test_compound_not_split_without_a_vocabulary() -> None:
    assert analyse("statsbidrag") == [stem("statsbidrag")]
    assert stem("bidrag") not in analyse("statsbidrag")


def test_split_compound_allows_a_linking_s() -> None:
    parts = split_compound("statsbidrag", VOCAB)
    assert parts is not None
    head, tail = parts
    assert stem(head) == stem("stat")  # "stats" or "stat": both stem to stat
    assert tail == "bidrag"


def test_tillitsbaserad_yields_tillit() -> None:
    terms = analyse("tillitsbaserad", VOCAB)
    assert stem("tillit") in terms
    assert stem("baserad") in terms
    parts = split_compound("tillitsbaserad", VOCAB)
    assert parts is not None and stem(parts[0]) == "tillit"


@pytest.mark.parametrize("word", ["stat", "bidragen", "kommunerna", "xyzabcqrst"])
def test_split_compound_refuses_short_or_unknown_words(word: str) -> None:
    assert split_compound(word, VOCAB) is None


# Text where the inflection and suffix pieces are words of their own ("sen", "den", "lighet" …).
SPLIT_VOCAB = vocabulary(
    [
        "Remissen kom sent, men den som svarar i tid får ett svar. Remissvaren kom in.",
        "Nämnden ser en möjlighet. Det är möjligt att lighet är ett ord i en lista.",
        "Verket arbetar samlat; verksamheten och verksamhetens samheter.",
        "Förslaget om lagen gäller en skola och skollagen. Brukaren och aren.",
    ]
)


@pytest.mark.parametrize(
    "word", ["remissen", "remisser", "nämnden", "brukaren", "möjlighet", "verksamheten", "förslaget"]
)
def test_an_inflected_or_derived_word_is_no_compound(word: str) -> None:
    # "remis" + "sen", "nämn" + "den", "möj" + "lighet", "verk" + "samheten", "förs" + "laget" are all
    # known pieces, but an ending, a suffix or a stop word is not a compound part.
    assert split_compound(word, SPLIT_VOCAB) is None


@pytest.mark.parametrize(("word", "head", "tail"), [("skollagen", "skol", "lagen"), ("remissvaren", "remis", "svaren")])
def test_a_real_compound_still_splits(word: str, head: str, tail: str) -> None:
    parts = split_compound(word, SPLIT_VOCAB)
    assert parts is not None
    assert stem(parts[0]) == stem(head) and parts[1] == tail


def test_remissen_does_not_meet_a_passage_about_being_late() -> None:
    # Split into "remis" + "sen", "remissen" shared a term with "sen" (late) and "sent".
    assert not set(analyse("remissen", SPLIT_VOCAB)) & set(analyse("sen", SPLIT_VOCAB))


def test_a_question_about_bidrag_from_the_state_meets_statsbidrag() -> None:
    question = set(analyse("bidrag från staten", VOCAB))
    passage = set(analyse("Nämnden välkomnar generella statsbidrag.", VOCAB))
    assert question & passage >= {stem("bidrag"), stem("staten")}
    # without compound splitting the two share nothing
    assert not set(analyse("bidrag från staten")) & set(analyse("Nämnden välkomnar generella statsbidrag."))


def test_inflections_share_a_stem() -> None:
    assert stem("statsbidragen") == stem("statsbidrag")
    assert stem("kommunerna") == stem("kommuner") == stem("kommun")
    assert analyse("Statsbidragen") == analyse("statsbidrag")


def test_a_ring_and_dots_stay_distinct_letters() -> None:
    assert normalise("hår") == "hår"
    assert analyse("hår") != analyse("har")
    assert analyse("får") != analyse("far")
    assert analyse("får") == analyse("fick") == ["få"]  # a strong verb: its forms meet; "far" stays apart
    assert analyse("hår") == ["hår"]
    assert analyse("Äldrenämnden") != analyse("Aldrenamnden")


def test_normalise_folds_other_accents_and_lower_cases() -> None:
    assert normalise("Café") == "cafe"
    assert normalise("Åsa") == "åsa"
    assert normalise("ÄLDRENÄMNDEN") == "äldrenämnden"
    assert normalise("Ångström") == "ångström"
    assert analyse("idé") == analyse("ide")


def test_normalise_composes_decomposed_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Åsa läser")
    assert decomposed != "Åsa läser"  # really decomposed
    assert normalise(decomposed) == "åsa läser"
    assert analyse(decomposed) == analyse("Åsa läser")


def test_stop_words_are_removed() -> None:
    for word in ("och", "att", "det", "vad", "tycker", "anser", "om", "the", "what"):
        assert word in STOPWORDS
    assert analyse("Vad tycker de om det och att?") == []
    assert words("Vad anser Malmö om statsbidrag?") == ["malmö", "statsbidrag"]
    assert analyse("Vad anser Malmö om statsbidrag?") == [stem("malmö"), stem("statsbidrag")]


def test_words_drop_single_characters_and_punctuation() -> None:
    assert words("a, b; SOU 2018:47 – x") == ["sou", "2018", "47"]


@pytest.mark.parametrize(
    ("definite", "bare"),
    [("kontoret", "kontor"), ("stadsledningskontoret", "stadsledningskontor"), ("ansvaret", "ansvar")],
)
def test_a_definite_neuter_noun_shares_the_stem_of_its_bare_form(definite: str, bare: str) -> None:
    # Snowball takes "kontoret" to "kontor" but "kontor" to "kont".
    assert stem(definite) == stem(bare) == stem(definite + "s")


CUT_VOCAB = vocabulary(
    [
        "Äldreförvaltningen svarade. Äldreförvaltningens tjänsteutlåtande kom i tid.",
        "Stadsdelsnämnden och stadsdelsförvaltningen svarade också.",
    ]
)


@pytest.mark.parametrize("typed", ["äldreförv", "aldreforv", "äldreförvaltn"])
def test_a_cut_off_word_is_read_as_the_word_it_begins(typed: str) -> None:
    assert complete(typed, CUT_VOCAB) == ("äldreförvaltning",)  # the stem, a vocabulary entry too
    assert stem("äldreförvaltningen") in analyse(f"vad tycker {typed}", CUT_VOCAB)


@pytest.mark.parametrize("typed", ["stadsdels", "äldre", "äldref"])
def test_a_cut_off_word_that_begins_two_words_or_is_short_is_left_alone(typed: str) -> None:
    # "stadsdels" begins both "stadsdelsnämnden" and "stadsdelsförvaltningen"; six letters are too few.
    assert complete(typed, CUT_VOCAB) == ()


def test_slk_is_the_stadsledningskontor() -> None:
    assert stem("stadsledningskontoret") in analyse("vad tycker slk")


def test_a_genitive_plural_meets_its_bare_form() -> None:
    """Words like "kommuners" and "socialsekreterares": Snowball takes only the -s, the question's word must still
    find the documents' "kommuner", "socialsekreterare"."""
    for genitive, bare in (("kommuners", "kommuner"), ("socialsekreterares", "socialsekreterare"), ("chefers", "chef")):
        assert stem(genitive) == stem(bare)
    assert stem("processen") == stem("process")  # a word ending in -s of its own keeps it


def test_a_strong_verbs_forms_meet() -> None:
    assert analyse("Vem tog fram planen?") == analyse("vem tar fram planen") == analyse("vem har tagit fram planen")
    assert stem("föreslog") == stem("föreslår") == stem("föreslagna")
    assert stem("gick") == stem("går")
