"""Hybrid retrieval on the bundled corpus: hand-checked questions, compounds, filters, RRF, diversity.

Every expected phrase is checked against the corpus file itself first, so a test cannot pass on
text the corpus does not contain.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import pytest
from langchain_core.documents import Document

from assistant import retrieval
from assistant.chain import Assistant
from assistant.records import Hit
from assistant.retrieval import Filters, HybridSearcher, RemissRetriever
from assistant.settings import Settings
from assistant.swedish import analyse
from assistant.understanding.entities import Target
from ingest.records import Chunk

MALMO_DOC = "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande"
STOCKHOLM_DOC = "stockholms-stad-kommunstyrelsen-remissvar"
CKS_DOC = "cks-linkopings-universitet-remissyttrande"
SUMMARY_DOC = "region-jamtland-harjedalen-sammanfattning"


def flat(text: str) -> str:
    return " ".join(text.split())


def corpus_text(settings: Settings, doc_id: str) -> str:
    return flat((settings.corpus_dir / f"{doc_id}.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant(corpus_settings)


@pytest.fixture(scope="module")
def searcher(assistant: Assistant) -> HybridSearcher:
    return assistant.searcher


@pytest.fixture(scope="module")
def chunks(assistant: Assistant) -> list[Chunk]:
    return assistant.store.committed_chunks()


# question -> (doc_id, body or None for any, phrase the passage must contain)
CASES = {
    "Vad tycker Malmö om riktade statsbidrag?": (MALMO_DOC, "Arbetsmarknads- och socialnämnden", "riktade statsbidrag"),
    "Vad anser Äldrenämnden om upphandling av äldreomsorg?": (
        STOCKHOLM_DOC,
        "Äldrenämnden (äldreförvaltningen)",
        "upphandling av äldreomsorg",
    ),
    "Vad är tillitsbaserad styrning?": (None, None, "definierar tillitsbaserad styrning och ledning"),
}


@pytest.mark.parametrize("question", list(CASES))
def test_hand_checked_questions_find_the_passage(
    searcher: HybridSearcher, corpus_settings: Settings, question: str
) -> None:
    doc_id, body, phrase = CASES[question]
    if doc_id:
        assert phrase.lower() in corpus_text(corpus_settings, doc_id).lower()
    hits = searcher.search(question, 5).hits
    assert len(hits) == 5
    matching = [
        h
        for h in hits
        if (doc_id is None or h.chunk.doc_id == doc_id)
        and (body is None or h.chunk.body == body)
        and phrase.lower() in flat(h.chunk.text).lower()
    ]
    assert matching, [(h.chunk.doc_id, h.chunk.body, h.chunk.text[:80]) for h in hits]
    for h in matching:  # the phrase really is in that document's file
        assert phrase.lower() in corpus_text(corpus_settings, h.chunk.doc_id).lower()


def test_named_speaker_comes_first(searcher: HybridSearcher) -> None:
    hits = searcher.search("Vad anser Äldrenämnden om upphandling av äldreomsorg?", 5).hits
    assert hits[0].chunk.body == "Äldrenämnden (äldreförvaltningen)"
    hits = searcher.search("Vad tycker Malmö om riktade statsbidrag?", 5).hits
    assert hits[0].chunk.organisation == "Malmö stad"


def test_compound_reached_through_the_lexical_retriever_alone(searcher: HybridSearcher) -> None:
    question = "bidrag från staten"
    result = searcher.search(question, 10, retrievers=("lexical",))
    assert result.hits
    assert all(h.retrievers == ("lexical",) for h in result.hits)
    assert result.top_dense == 0.0  # dense retriever not used
    with_compound = [h for h in result.hits if "statsbidrag" in h.chunk.text.lower()]
    assert with_compound
    # At least one of them shares no word with the question unless compounds are split:
    plain_question = set(analyse(question))
    only_by_splitting = [h for h in with_compound if not set(analyse(h.chunk.indexed_text())) & plain_question]
    assert only_by_splitting


def test_english_question_finds_malmo(searcher: HybridSearcher) -> None:
    result = searcher.search("What does Malmö think about targeted state grants?", 5)
    assert [t.value for t in result.targets] == ["Malmö stad"]
    assert result.hits[0].chunk.organisation == "Malmö stad"
    assert any(h.chunk.organisation == "Malmö stad" and "statsbidrag" in h.chunk.text for h in result.hits)


@pytest.mark.parametrize("retrievers", [("dense", "lexical"), ("dense",), ("lexical",)])
@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(body="Farsta stadsdelsnämnd"), lambda c: c.body == "Farsta stadsdelsnämnd"),
        (Filters(organisation="Malmö stad"), lambda c: c.organisation == "Malmö stad"),
        (Filters(doc_id=CKS_DOC), lambda c: c.doc_id == CKS_DOC),
        (Filters(kind="sammanfattning"), lambda c: c.doc_id == SUMMARY_DOC and c.kind == "sammanfattning"),
        (
            Filters(organisation="Stockholms stad", body="Äldrenämnden (äldreförvaltningen)"),
            lambda c: c.organisation == "Stockholms stad" and c.body == "Äldrenämnden (äldreförvaltningen)",
        ),
    ],
    ids=["body", "organisation", "doc_id", "kind", "org+body"],
)
def test_filters_apply_to_every_retriever(
    searcher: HybridSearcher, chunks: list[Chunk], filters: Filters, check, retrievers: tuple[str, ...]
) -> None:
    available = sum(1 for c in chunks if check(c))
    assert available >= 3  # the filter selects something in the corpus
    result = searcher.search("statsbidrag och tillit", 8, filters, retrievers=retrievers)
    assert result.hits
    assert all(check(h.chunk) for h in result.hits), [(h.chunk.doc_id, h.chunk.body) for h in result.hits]
    if retrievers != ("lexical",):  # dense always finds min(k, available) passages
        assert len(result.hits) == min(8, available)


def test_unknown_filter_value_gives_no_hits(searcher: HybridSearcher) -> None:
    assert searcher.search("statsbidrag", 5, Filters(body="Göteborgs kommunfullmäktige")).hits == []


def test_fused_hits_are_ranked_and_labelled(searcher: HybridSearcher, corpus_settings: Settings) -> None:
    hits = searcher.search("Vad är tillitsbaserad styrning?", 8).hits
    assert len(hits) == 8
    assert [h.rank for h in hits] == list(range(1, 9))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    rrf = corpus_settings.rrf_k
    for h in hits:
        assert h.retrievers and set(h.retrievers) <= {"dense", "lexical"}
        assert len(set(h.retrievers)) == len(h.retrievers)
        assert (h.dense_score is not None) == ("dense" in h.retrievers)
        assert (h.lexical_score is not None) == ("lexical" in h.retrievers)
        # no speaker is named: RRF (at most a first rank per retriever) plus the sentence evidence
        # (sentence_weight × a coverage of at most 1; no answer-type bonus for this open question)
        assert 0 < h.score <= len(h.retrievers) / (rrf + 1) + corpus_settings.sentence_weight + 1e-12
    assert any(len(h.retrievers) == 2 for h in hits)


def test_rrf_math_on_constructed_lists(searcher: HybridSearcher, chunks: list[Chunk]) -> None:
    rrf = searcher.settings.rrf_k
    malmo = [c for c in chunks if c.organisation == "Malmö stad"]
    cks = [c for c in chunks if c.doc_id == CKS_DOC]
    a, b, c = malmo[0], malmo[1], cks[0]
    dense = [(a, 0.91), (b, 0.88)]
    lexical = [(b, 7.5), (c, 3.0)]
    w = searcher.settings.lexical_weight  # the dense list weighs 1
    hits = searcher._fuse(dense, lexical, [])
    by_id = {h.chunk.id: h for h in hits}
    assert [h.chunk.id for h in hits] == [b.id, a.id, c.id]
    assert by_id[b.id].score == pytest.approx(1 / (rrf + 2) + w / (rrf + 1))
    assert by_id[a.id].score == pytest.approx(1 / (rrf + 1))
    assert by_id[c.id].score == pytest.approx(w / (rrf + 2))
    # found by both beats the first rank of a single retriever
    assert by_id[b.id].score > by_id[a.id].score
    assert by_id[b.id].retrievers == ("dense", "lexical")
    assert by_id[a.id].retrievers == ("dense",)
    assert by_id[c.id].retrievers == ("lexical",)
    assert (by_id[b.id].dense_score, by_id[b.id].lexical_score) == (0.88, 7.5)
    assert by_id[c.id].dense_score is None
    assert [h.rank for h in hits] == [1, 2, 3]


def test_rrf_lifts_a_named_speaker(searcher: HybridSearcher, chunks: list[Chunk]) -> None:
    rrf = searcher.settings.rrf_k
    malmo = [c for c in chunks if c.organisation == "Malmö stad"]
    cks = [c for c in chunks if c.doc_id == CKS_DOC]
    a, b, c = malmo[0], malmo[1], cks[0]
    dense, lexical = [(a, 0.9), (b, 0.8)], [(c, 3.0)]
    w = searcher.settings.lexical_weight
    plain = {h.chunk.id: h.score for h in searcher._fuse(dense, lexical, [])}
    assert plain[c.id] == pytest.approx(w / (rrf + 1))
    assert plain[a.id] == pytest.approx(1 / (rrf + 1))
    lifted = searcher._fuse(dense, lexical, [Target("organisation", c.organisation)])
    by_id = {h.chunk.id: h for h in lifted}
    assert lifted[0].chunk.id == c.id
    assert by_id[c.id].score == pytest.approx((w + 1) / (rrf + 1))  # its rank-1 RRF plus a rank-1 lift
    assert by_id[a.id].score == pytest.approx(1 / (rrf + 1))
    assert by_id[b.id].score == pytest.approx(1 / (rrf + 2))
    assert by_id[c.id].retrievers == ("lexical",)  # the lift is not a retriever


def test_cross_body_question_is_diversified(searcher: HybridSearcher, corpus_settings: Settings) -> None:
    question = "Vilka remissinstanser är positiva till generella statsbidrag?"
    for k in (corpus_settings.top_k, 10):
        hits = searcher.search(question, k).hits
        assert len(hits) == k
        per_speaker = Counter((h.chunk.doc_id, h.chunk.body) for h in hits)
        assert max(per_speaker.values()) <= corpus_settings.max_per_speaker, per_speaker
        assert len({h.chunk.doc_id for h in hits}) >= 3, per_speaker
        assert [h.rank for h in hits] == list(range(1, k + 1))
        assert any("generella statsbidrag" in flat(h.chunk.text) for h in hits)


def test_single_speaker_question_is_not_capped(searcher: HybridSearcher, corpus_settings: Settings) -> None:
    hits = searcher.search("Vad anser Äldrenämnden om upphandling av äldreomsorg?", 6).hits
    per_doc = Counter(h.chunk.doc_id for h in hits)
    assert per_doc[STOCKHOLM_DOC] > corpus_settings.max_per_speaker


def test_langchain_retriever_returns_documents(searcher: HybridSearcher) -> None:
    question = "Vad tycker Malmö om riktade statsbidrag?"
    docs = RemissRetriever(searcher=searcher, k=4).invoke(question)
    assert len(docs) == 4
    assert all(isinstance(d, Document) for d in docs)
    expected = searcher.search(question, 4).hits
    assert [d.id for d in docs] == [h.chunk.id for h in expected]
    for doc, hit in zip(docs, expected, strict=True):
        assert doc.page_content == hit.chunk.text
        assert doc.metadata["body"] == hit.chunk.body and doc.metadata["body"]
        assert doc.metadata["organisation"] == hit.chunk.organisation and doc.metadata["organisation"]
        assert doc.metadata["rank"] == hit.rank
        assert {"doc_id", "title", "source", "start", "end"} <= set(doc.metadata)
    assert docs[0].metadata["organisation"] == "Malmö stad"


def test_langchain_retriever_passes_filters(searcher: HybridSearcher) -> None:
    docs = RemissRetriever(searcher=searcher, k=3, filters=Filters(body="Farsta stadsdelsnämnd")).invoke(
        "tillitsbaserad styrning"
    )
    assert docs
    assert {d.metadata["body"] for d in docs} == {"Farsta stadsdelsnämnd"}


def test_english_question_reaches_swedish_terms_through_the_glossary(
    searcher: HybridSearcher, corpus_settings: Settings
) -> None:
    assert "socialtjänstlag" in corpus_text(corpus_settings, MALMO_DOC).lower()
    result = searcher.search("What does Malmö say about the Social Services Act?", 5)
    assert result.swedish_words == "socialtjänstlagen"
    assert result.unknown_names == []
    lexical = searcher.search("What does Malmö say about the Social Services Act?", 5, retrievers=("lexical",))
    assert any("socialtjänstlag" in h.chunk.text.lower() for h in lexical.hits)
    assert any("socialtjänstlag" in h.chunk.text.lower() for h in result.hits[:3])


def test_two_bodies_of_one_joint_answer_are_two_speakers(searcher: HybridSearcher, corpus_settings: Settings) -> None:
    question = "Vad säger stadsledningskontoret och Äldrenämnden om samverkan mellan olika huvudmän?"
    hits = searcher.search(question, 8).hits
    per_speaker = Counter((h.chunk.doc_id, h.chunk.body) for h in hits)
    assert max(per_speaker.values()) <= corpus_settings.max_per_speaker, per_speaker
    assert sum(1 for h in hits if h.chunk.doc_id == STOCKHOLM_DOC) > corpus_settings.max_per_speaker
    bodies = {h.chunk.body for h in hits}
    assert {"Stadsledningskontoret", "Äldrenämnden (äldreförvaltningen)"} <= bodies


def test_a_body_and_its_city_are_one_speaker(searcher: HybridSearcher, corpus_settings: Settings) -> None:
    hits = searcher.search("Hur ser stadsledningskontoret i Stockholm på policylabbet?", 6).hits
    assert sum(1 for h in hits if h.chunk.body == "Stadsledningskontoret") > corpus_settings.max_per_speaker


def test_a_widely_mentioned_body_named_with_its_own_city_is_the_speaker(searcher: HybridSearcher) -> None:
    """Many documents mention socialförvaltningen, so alone it reads as a topic; named with nothing
    but its own city it is the body asked, and the city does not stand in for it."""
    result = searcher.search("Vad anser socialförvaltningen i Stockholm om tillsynen?", 6)
    assert "Socialförvaltningen" in {t.value for t in result.speakers}
    assert "Stockholms stad" not in {t.value for t in result.speakers}
    assert "Tillitsdelegationen" not in {t.value for t in result.speakers}
    assert {"Socialförvaltningen"} & {h.chunk.body for h in result.hits[:3]}
    other = searcher.search("Vad tycker Malmö om Tillitsdelegationens förslag om tillsynen?", 6)
    assert {t.value for t in other.speakers} == {"Malmö stad"}  # the inquiry named beside a respondent stays a topic


def test_the_sentence_evidence_can_be_turned_off(corpus_settings: Settings) -> None:
    question = "Vad innebär förslaget om generella statsbidrag?"
    on = Assistant(corpus_settings).searcher.search(question, 10).hits
    off = Assistant(corpus_settings.model_copy(update={"sentence_weight": 0.0})).searcher.search(question, 10).hits
    assert [h.chunk.id for h in on] != [h.chunk.id for h in off]
    lexical = Assistant(corpus_settings).store.lexical()
    terms = set(analyse(question, lexical.vocab))
    best_on = max(lexical.sentence_coverage(h.chunk.id, terms) for h in on[:1])
    assert best_on >= max(lexical.sentence_coverage(h.chunk.id, terms) for h in off[:1])


def test_sentence_evidence_lifts_only_the_named_speakers_passages(
    searcher: HybridSearcher, chunks: list[Chunk]
) -> None:
    question = "Vad anser stadsledningskontoret om riktade statsbidrag?"
    speaker = Target("body", "Stadsledningskontoret")
    own = next(c for c in chunks if c.body == speaker.value and "riktade statsbidrag" in c.text)
    other = next(c for c in chunks if c.body != speaker.value and "riktade statsbidrag" in c.text)
    hits = [Hit(other, 0.2, 1, ("dense",)), Hit(own, 0.2, 2, ("dense",))]
    lifted = {h.chunk.id: h.score for h in searcher._favour_answering_sentences(question, hits, [speaker], [speaker])}
    assert lifted[other.id] == pytest.approx(0.2)  # another body's wording is not lifted
    assert lifted[own.id] > 0.2
    unnamed = {h.chunk.id: h.score for h in searcher._favour_answering_sentences(question, hits, [], [])}
    assert unnamed[other.id] > 0.2 and unnamed[own.id] > 0.2


def test_a_passage_both_retrievers_rank_first_keeps_a_carried_over_speakers_lift(
    searcher: HybridSearcher, chunks: list[Chunk]
) -> None:
    rrf = searcher.settings.rrf_k
    malmo = [c for c in chunks if c.organisation == "Malmö stad"]
    cks = [c for c in chunks if c.doc_id == CKS_DOC]
    a, b, c = cks[0], malmo[0], malmo[1]
    dense, lexical = [(a, 0.9), (b, 0.8), (c, 0.7)], [(c, 5.0), (a, 4.0), (b, 3.0)]
    assert retrieval._agreed(dense, lexical) == {a.id}  # among the first two of both lists
    assert retrieval._agreed(dense, [(c, 5.0), (b, 4.0), (a, 3.0)]) == {b.id}
    speaker = Target("organisation", "Malmö stad")
    by_id = {h.chunk.id: h.score for h in searcher._fuse(dense, lexical, [speaker], frozenset({a.id}))}
    w = searcher.settings.lexical_weight
    assert by_id[a.id] == pytest.approx(1 / (rrf + 1) + w / (rrf + 2) + 1 / (rrf + 1))  # lifted like a speaker's
    assert by_id[b.id] == pytest.approx(1 / (rrf + 2) + w / (rrf + 3) + 1 / (rrf + 1))
    plain = {h.chunk.id: h.score for h in searcher._fuse(dense, lexical, [speaker])}
    assert plain[a.id] == pytest.approx(1 / (rrf + 1) + w / (rrf + 2))


def test_only_a_speaker_carried_over_from_an_earlier_question_gives_way(searcher: HybridSearcher) -> None:
    speaker = [Target("body", "Äldrenämnden (äldreförvaltningen)")]
    carried = "Vad tycker borgarrådet om generella statsbidrag? (äldreförvaltningen)"
    assert searcher._carried_only(carried, speaker)
    assert not searcher._carried_only("Vad tycker äldreförvaltningen om generella statsbidrag?", speaker)
    assert not searcher._carried_only("Vad tycker äldreförvaltningen om statsbidrag? (äldreförvaltningen)", speaker)


def test_a_summary_of_what_a_named_body_said_counts_as_that_bodys(chunks: list[Chunk]) -> None:
    body = Target("body", "Norrmalms stadsdelsnämnd")
    summary = next(c for c in chunks if c.body != body.value and "Norrmalms stadsdelsnämnd ställer sig" in c.text)
    own = next(c for c in chunks if c.body == body.value)
    silent = next(c for c in chunks if c.body != body.value and "norrmalm" not in c.text.lower())
    organisation_of = {c.body: c.organisation for c in chunks}
    assert retrieval._speaks_for(summary, [body], organisation_of)
    assert retrieval._speaks_for(own, [body], organisation_of)
    assert not retrieval._speaks_for(silent, [body], organisation_of)
    # A city is named all over its bodies' texts: only its own passages are its.
    city = Target("organisation", "Stockholms stad")
    other = next(c for c in chunks if c.organisation != city.value)
    named = dataclasses.replace(other, text=f"{other.text} Stockholms stad")
    assert not retrieval._speaks_for(named, [city], organisation_of)
    # Another organisation's body whose name holds the body's ("Arbetsmarknads- och socialnämnden",
    # Malmö) tells nothing of Stockholm's socialnämnd.
    socialnamnden = Target("body", "Socialnämnden (socialförvaltningen)")
    malmo = next(c for c in chunks if c.organisation == "Malmö stad" and "socialnämnden" in c.text.lower())
    assert not retrieval._speaks_for(malmo, [socialnamnden], organisation_of)
