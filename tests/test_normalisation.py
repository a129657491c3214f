"""Questions as people type them: without å/ä/ö, with typos, short forms, chat openings, rambling.

The unit tests use the bundled corpus's own vocabulary and speaker names (from its catalog);
the retrieval tests go through the real indexed store. The negative tests check that everyday
words and organisations the corpus does not have stay unknown.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from assistant.chain import Assistant
from assistant.glossary import translate
from assistant.retrieval import HybridSearcher
from assistant.settings import PROJECT_ROOT, Settings
from assistant.swedish import (
    analyse,
    correct,
    fold,
    long_form,
    proper_nouns,
    restore_question,
    stem,
    vocabulary,
)
from assistant.understanding.entities import (
    Target,
    find_targets,
    mentions,
    normalise_question,
    silent_speakers,
    unknown_names,
    unknown_organisations,
)

CORPUS = PROJECT_ROOT / "corpus"
TEXTS = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
VOCAB = vocabulary(TEXTS)


def _speakers() -> tuple[set[str], set[str]]:
    catalog = tomllib.loads((CORPUS / "catalog.toml").read_text(encoding="utf-8"))
    organisations = {d["organisation"] for d in catalog["documents"]}
    bodies = {d["body"] for d in catalog["documents"]} | {
        b for d in catalog["documents"] for b in d.get("speakers", {}).values()
    }
    return organisations, bodies


ORGS, BODIES = _speakers()
SPEAKERS = ORGS | BODIES
MALMO, STOCKHOLM = "Malmö stad", "Stockholms stad"
ALDRE = "Äldrenämnden (äldreförvaltningen)"
HV = "Hässelby-Vällingby stadsdelsnämnd"
SLK = "Stadsledningskontoret"
FARSTA = "Farsta stadsdelsnämnd"
SOCFORV = "Socialförvaltningen"
KS = "Kommunstyrelsen (borgarrådsberedningen)"
ASN = "Arbetsmarknads- och socialnämnden"


def targets(question: str) -> set[str]:
    return {t.value for t in find_targets(question, ORGS, BODIES)}


@pytest.mark.parametrize(
    ("question", "body"),
    [
        ("Vad säger Stockholms äldreförvaltning om tillsynen?", ALDRE),
        ("Hur ser Stockholms stadsledningskontor på försöken?", SLK),
        ("Vad tycker stadens äldreförvaltning?", ALDRE),
    ],
)
def test_after_a_genitive_a_body_is_named_in_the_indefinite_form(question: str, body: str) -> None:
    assert body in targets(question)
    assert normalise_question(question, VOCAB, ORGS, BODIES) == question  # as typed, not "Stockholms Äldre…en"


def test_the_indefinite_form_alone_names_no_body() -> None:
    assert ALDRE not in targets("Finns det en äldreförvaltning i varje kommun?")


def test_the_catalog_names_the_speakers_used_below() -> None:
    assert {MALMO, STOCKHOLM} <= ORGS
    assert {ALDRE, HV, SLK, FARSTA, SOCFORV, KS, ASN} <= BODIES


# ------------------------------------------------------------------ lexical analysis: å/ä/ö


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("aldrenamnden", "äldrenämnden"),
        ("malmo", "malmö"),
        ("socialforvaltningen", "socialförvaltningen"),
        ("vallingby", "vällingby"),
        ("stadsdelsnamnd", "stadsdelsnämnd"),
        ("aldreomsorg", "äldreomsorg"),
        ("forsoken", "försöken"),
        ("verksamhetsnara", "verksamhetsnära"),
    ],
)
def test_a_word_typed_without_swedish_letters_gives_the_terms_of_the_word(typed: str, written: str) -> None:
    assert written in VOCAB or stem(written) in VOCAB  # the documents use the written form
    assert analyse(typed, VOCAB) == analyse(written, VOCAB)
    assert analyse(typed) != analyse(written)  # without the vocabulary nothing is guessed


def test_an_inflection_the_documents_never_use_reaches_the_stem() -> None:
    assert "äldrenämnder" not in VOCAB
    assert analyse("aldrenamnder", VOCAB) == [stem("äldrenämnder")]


def test_words_the_vocabulary_knows_keep_their_letters() -> None:
    """Folding applies only to words the documents do not use: 'lag' (law) stays 'lag'."""
    assert "lag" in VOCAB
    assert {"läg", "läge"} & VOCAB  # the word it would fold together with
    assert analyse("lag", VOCAB) == [stem("lag")]


def test_stop_words_typed_without_swedish_letters_are_stop_words() -> None:
    assert analyse("nar ar pa fran manga ocksa", VOCAB) == []
    assert analyse("när är på från många också", VOCAB) == []


def test_the_compound_reading_does_not_beat_the_whole_word() -> None:
    """'verksamhetsnara' is 'verksamhetsnära', not 'verksamhet' + 'snara'."""
    assert stem("verksamhetsnära") in analyse("verksamhetsnara", VOCAB)


# ------------------------------------------------------------------ short forms


def test_short_forms_search_with_their_long_form() -> None:
    assert long_form("sthlm") == ("stockholm",)
    assert long_form("Stockholm") == ()  # only short → long
    assert stem("stockholm") in analyse("sthlm", VOCAB)
    assert {stem("göteborg")} <= set(analyse("gbg"))
    skr = set(analyse("SKR"))
    assert {"skl", stem("regioner"), stem("kommuner")} <= skr  # SKR is SKL under its new name


def test_the_glossary_matches_without_swedish_letters(tmp_path: Path) -> None:
    glossary = tmp_path / "glossary.txt"
    glossary.write_text("city of malmö = malmö stad\nelderly care = äldreomsorg\n", encoding="utf-8")
    found = translate("What did the City of Malmo say about Elderly Care?", glossary)
    assert found.swedish == ("malmö stad", "äldreomsorg")
    assert {"city", "of", "malmo", "elderly", "care"} <= found.covered
    assert translate("What did the city of Malmö say?", glossary).swedish == ("malmö stad",)
    assert translate("What did the city of Malmberg say?", glossary).swedish == ()


# ------------------------------------------------------------------ typos in words


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("stadsledningskontret", "stadsledningskontoret"),
        ("aldrenamden", "äldrenämnden"),
        ("Äldrenämden", "äldrenämnden"),
        ("upphandlng", "upphandling"),
        ("tillitsbaserd", "tillitsbaserad"),
        ("socialförvaltnigen", "socialförvaltningen"),
    ],
)
def test_one_typo_in_a_long_word_is_corrected(typed: str, written: str) -> None:
    assert written in VOCAB
    assert correct(typed.lower(), VOCAB) == (written,)
    assert analyse(typed, VOCAB) == analyse(written, VOCAB)


@pytest.mark.parametrize(
    "word",
    [
        "rekommenderats",  # an inflection of 'rekommenderas', not a typo of it
        "regionalt",
        "förseningen",  # typed with ö: not 'forskningen'
        "planerat",  # short words are never corrected
        "xyzabcdefghij",
    ],
)
def test_real_words_are_not_corrected_into_corpus_words(word: str) -> None:
    assert word not in VOCAB
    assert correct(word, VOCAB) == ()


# ------------------------------------------------------------------ the question written out


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Nar startar forsoket i Malmo?", "När startar försöket i Malmö?"),
        ("vad tycker aldrenamnden om upphandling", "vad tycker äldrenämnden om upphandling"),
        ("Vad ar tillitsbaserad styrning for nagot?", "Vad är tillitsbaserad styrning för något?"),
        ("Vad sager stadsledningskontret?", "Vad säger stadsledningskontoret?"),
        ("Vad tycker Malmö om riktade statsbidrag?", "Vad tycker Malmö om riktade statsbidrag?"),
    ],
)
def test_restore_question_writes_words_as_the_documents_do(typed: str, written: str) -> None:
    assert restore_question(typed, VOCAB) == written


def test_restore_question_leaves_a_word_with_two_readings_alone() -> None:
    assert {"värden", "vården"} <= VOCAB
    assert restore_question("Vad sager de om varden?", VOCAB) == "Vad säger de om varden?"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("vad tycker hassleby vallingby om tillit", "vad tycker Hässelby-Vällingby om tillit"),
        ("Vad anser Äldrenämdens ledamöter?", "Vad anser Äldrenämndens ledamöter?"),
        ("vad tycker farsta stadsdelsnamnd", "vad tycker farsta stadsdelsnämnd"),
        ("Vad tycker Välingby om tillsyn?", "Vad tycker Vällingby om tillsyn?"),
        ("Vad tycker Uppsala kommun om tillsyn?", "Vad tycker Uppsala kommun om tillsyn?"),
    ],
)
def test_normalise_question_writes_names_as_the_index_does(typed: str, written: str) -> None:
    assert normalise_question(typed, VOCAB, ORGS, BODIES) == written


# ------------------------------------------------------------------ names as typed


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("vad tycker aldrenamnden om upphandling", {ALDRE}),
        ("farsta stadsdelsnamnd om forslagen", {FARSTA}),
        ("Vad tycker Malmo om riktade statsbidrag", {MALMO}),
        ("vad sa malmos namnd", {MALMO}),
        ("hassleby vallingby och tillit", {HV}),
        ("Vad säger Hässelby-Välingby om tillsyn?", {HV}),
        ("Vad tycker Vallingby?", {HV}),
        ("vad gor socialforvaltningen", {SOCFORV, "Socialnämnden (socialförvaltningen)"}),
        ("Vad anser Äldrenämden om upphandling av äldreomsorg?", {ALDRE}),
        ("Vad anser Äldrenämdens ledamöter?", {ALDRE}),
        ("vad sager stadsledningskontret om ILS", {SLK}),
        ("Vad tycker Stockhlm om policylabbet?", {STOCKHOLM}),
        ("hej! vad tycker sthlm om tillsyn?", {STOCKHOLM}),
        ("Vad tycker KS om frikommunförsök?", {KS}),
        ("Vad skriver ASN om tillsyn?", {ASN}),
        ("Vad tycker Arbetsmarknads- och socialnämnden om tillsyn?", {ASN}),
    ],
)
def test_names_are_found_as_people_type_them(question: str, expected: set[str]) -> None:
    assert targets(question) == expected


def test_a_typed_name_is_neither_silent_nor_unknown() -> None:
    for question in ("Vad tycker Malmo om tillsyn?", "Vad tycker Äldrenämden om tillsyn?", "Vad tycker Sthlm om X?"):
        assert silent_speakers(question, ORGS, BODIES) == []
        assert unknown_names(question, VOCAB, frozenset(), SPEAKERS) == []
    assert unknown_organisations("Vad tycker Malmo kommun om tillsyn?", ORGS, BODIES) == []
    assert unknown_organisations("vad tycker malmo stad om tillsyn", ORGS, BODIES, VOCAB) == []
    assert mentions("Yttrande från Malmo stad", MALMO) and mentions("MALMÖ STADS YTTRANDE", MALMO)


# ------------------------------------------------------------------ negatives

# Everyday words, words of the corpus's subject, and words one letter from a name.
EVERYDAY = """
    och att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan
    man när år säger hon under också efter eller nu sin där vid mot ska skall dem alla andra hur vad
    hus bil mat skola jobb jobbet arbete kommun kommuner stad staden region landsting nämnd nämnder
    socialnämnder kommunstyrelser förvaltningar stadsdelsnämnder utbildningsnämnder äldrenämnder
    fasta fästa malm malmen farstu stockholmare stockholmsk vall vallar hassel vällning välling
    tillit styrning ledning tillsyn uppföljning kontroll statsbidrag bidrag pengar budget personal
    medarbetare chef chefer socialsekreterare lärare skolan förskola omsorg äldreomsorg vården vård
    förslag betänkande remiss remissvar yttrande policylabb försök forskning utredning regeringen
    staten riksdagen lag lagen regler mål resultat kvalitet ansvar tid dag vecka månad igår idag
    bra dålig stor liten ny gammal viktig positiv negativ kritisk tycker anser menar bedömer
"""


@pytest.mark.parametrize("context", ["{}", "Vad säger nämnden om {} i dag?", "vad tycker de om {}"])
def test_everyday_words_are_no_names(context: str) -> None:
    named = {w: targets(context.format(w)) for w in EVERYDAY.split()}
    # The only names here are the generic words no alias is made of: nothing may match.
    assert {w: t for w, t in named.items() if t} == {}


def test_corpus_words_are_no_names_unless_they_are_one() -> None:
    """Every word of the corpus: it names a speaker only if it is one of its aliases (or a short form)."""
    from assistant.understanding.entities import aliases

    alias_words = {fold(a) for name in SPEAKERS for a in aliases(name)}
    alias_words |= {w + "s" for w in alias_words} | {"ks", "asn"}
    words = set(re.findall(r"[^\W\d_]+", " ".join(TEXTS)))
    wrong = {w: targets(w) for w in words if fold(w) not in alias_words and targets(w)}
    assert wrong == {}


@pytest.mark.parametrize(
    "place",
    ["Lidköping", "Jönköping", "Uppsala", "Falun", "Malmberget", "Vinnova", "Skolverket", "Stockholmsregionen"],
)
def test_other_places_and_bodies_stay_unknown(place: str) -> None:
    question = f"Vad tycker {place} om tillitsbaserad styrning?"
    assert targets(question) == set()
    assert silent_speakers(question, ORGS, BODIES) == [place] or place == "Stockholmsregionen"


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("Vad tycker Uppsala kommun om riktade statsbidrag?", ["Uppsala kommun"]),
        ("Vad säger Region Skåne om en lärande tillsyn?", ["Region Skåne"]),
        ("Hur har Linkopings kommun svarat på remissen?", ["Linkopings kommun"]),  # Linköping: a university
        ("Vad tycker Lidköpings kommun?", ["Lidköpings kommun"]),
    ],
)
def test_unknown_organisations_stay_unknown(question: str, unknown: list[str]) -> None:
    assert unknown_organisations(question, ORGS, BODIES) == unknown
    assert unknown_organisations(question, ORGS, BODIES, VOCAB) == unknown


def test_unknown_organisations_typed_in_lower_case() -> None:
    assert unknown_organisations("vad anser uppsala kommun om tillsyn", ORGS, BODIES, VOCAB) == ["uppsala kommun"]
    assert unknown_organisations("vad tycker goteborgs stad", ORGS, BODIES, VOCAB) == ["goteborgs stad"]
    for everyday in ("vad gör varje kommun", "hur styr staten sin kommun", "i vilken kommun", "hela regionen"):
        assert unknown_organisations(everyday, ORGS, BODIES, VOCAB) == []


def test_a_district_body_the_corpus_never_names_is_unknown_however_typed() -> None:
    for question, unknown in (
        ("vad tyckte skarpnacks stadsdelsnamnd om tillitsbaserad styrning?", ["skarpnacks stadsdelsnämnd"]),
        ("Vad säger Skarpnäcks stadsdelsnämnd om tillsyn?", ["Skarpnäcks stadsdelsnämnd"]),
        ("Hur ser Enskede stadsdelsförvaltning på policylabbet?", ["Enskede stadsdelsförvaltning"]),
    ):
        as_written = normalise_question(question, VOCAB, ORGS, BODIES)  # as the pipeline reads it
        assert unknown_organisations(as_written, ORGS, BODIES, VOCAB) == unknown
    for known in ("vad tycker farsta stadsdelsnämnd om tillsyn", "Vad anser Norrmalms stadsdelsnämnd?"):
        assert unknown_organisations(known, ORGS, BODIES, VOCAB) == []
    assert unknown_organisations("vad tycker varje stadsdelsnämnd", ORGS, BODIES, VOCAB) == []


def test_a_name_typed_in_lower_case_is_read_as_the_documents_write_it() -> None:
    """Names such as "skolinspektionen" and "ivo": the documents always capitalise, so they are the silent
    speakers they would be if capitalised; everyday words stay as typed."""
    names = proper_nouns(TEXTS)
    assert names["skolinspektionen"] == "Skolinspektionen" and names["ivo"] == "IVO"
    assert not {"tillsyn", "lag", "stockholmsstad", "förslaget"} & set(names)
    question = normalise_question(
        "vad tyckte skolinspektionen själv om vitet, skrev dom nåt remissvar", VOCAB, ORGS, BODIES, names
    )
    assert silent_speakers(question, ORGS, BODIES) == ["Skolinspektionen"]
    question = normalise_question("ivo då, vad svarade dom om tillsynen", VOCAB, ORGS, BODIES, names)
    assert silent_speakers(question, ORGS, BODIES) == ["IVO"]


@pytest.mark.parametrize("acronym", ["SKL", "SKR"])
def test_skl_and_skr_stay_silent_speakers(acronym: str) -> None:
    question = f"Vad tycker {acronym} om tillitsbaserad styrning?"
    assert targets(question) == set()
    assert silent_speakers(question, ORGS, BODIES) == [acronym]


def test_unknown_names_still_found_beside_typed_names() -> None:
    found = unknown_names("Vad säger Äldrenämden och Tillväxtverket i Uppsala?", VOCAB, frozenset(), SPEAKERS)
    assert found == ["Tillväxtverket", "Uppsala"]


# ------------------------------------------------------------------ through the real index


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant(corpus_settings)


@pytest.fixture(scope="module")
def searcher(assistant: Assistant) -> HybridSearcher:
    return assistant.searcher


RAMBLING = (
    "Hej! Jag är ny som enhetschef och har försökt läsa på lite om det här med tillit, men det är "
    "mycket text, så jag undrar egentligen mest hur aldrenamnden ser på upphandling av aldreomsorg, "
    "alltså om de tycker att den borde göras annorlunda och vad de i så fall säger om kvaliteten?"
)

# question as typed -> (expected Target, phrase the top passage must hold)
TYPED = {
    "vad tycker aldrenamnden om upphandling av aldreomsorg": (Target("body", ALDRE), "upphandling av äldreomsorg"),
    "Vad anser Äldrenämden om upphandling av äldreomsorg?": (Target("body", ALDRE), "upphandling av äldreomsorg"),
    RAMBLING: (Target("body", ALDRE), "upphandling av äldreomsorg"),
    "vad tycker malmo om riktade statsbidrag": (Target("organisation", MALMO), "riktade statsbidrag"),
    "hej, vad sager stadsledningskontret om policylabb?": (Target("body", SLK), "policylabb"),
    "farsta stadsdelsnamnd, vad tycker de om forslagen": (Target("body", FARSTA), "positiv"),
    "hassleby vallingby om helhetsperspektivet": (Target("body", HV), "helhetsperspektiv"),
}


@pytest.mark.parametrize("question", list(TYPED))
def test_typed_questions_find_the_speaker_and_the_passage(searcher: HybridSearcher, question: str) -> None:
    expected, phrase = TYPED[question]
    result = searcher.search(question, k=5)
    assert expected in result.targets
    top = result.hits[0].chunk
    assert getattr(top, expected.field) == expected.value
    assert any(phrase in " ".join(h.chunk.text.split()) for h in result.hits[:3])


def test_the_lexical_retriever_alone_reads_folded_words(searcher: HybridSearcher) -> None:
    folded = searcher.search("upphandling av aldreomsorg aldrenamnden", k=3, retrievers=("lexical",))
    written = searcher.search("upphandling av äldreomsorg äldrenämnden", k=3, retrievers=("lexical",))
    assert [h.chunk.id for h in folded.hits] == [h.chunk.id for h in written.hits]
    assert folded.hits[0].chunk.body == ALDRE


def test_normalise_question_with_the_index_vocabulary(assistant: Assistant) -> None:
    organisations, bodies = assistant.store.speaker_names()
    vocab = assistant.store.lexical().vocab
    assert normalise_question("Nar startar forsoket i Malmo?", vocab, organisations, bodies) == (
        "När startar försöket i Malmö?"
    )
    assert normalise_question("vad tycker hassleby vallingby?", vocab, organisations, bodies) == (
        "vad tycker Hässelby-Vällingby?"
    )
