"""Every metric on tiny hand-made cases, with hand-computed expected values."""

from __future__ import annotations

import math

import pytest

from evals import metrics as m

NONE: frozenset[int] = frozenset()


def one(*indices: int) -> frozenset[int]:
    return frozenset(indices)


# -- evidence ------------------------------------------------------------------------------
def test_normalise_lowercases_strips_bullets_and_collapses_whitespace() -> None:
    assert m.normalise("  Hej \n\n *Världen*\uf0b7  x ") == "hej världen x"


def test_contains_needs_the_same_document_and_the_normalised_quote() -> None:
    text = "Nämnden **välkomnar**\nförslaget  om generella statsbidrag."
    assert m.contains("doc-a", text, "doc-a", "välkomnar förslaget om GENERELLA")
    assert not m.contains("doc-b", text, "doc-a", "välkomnar förslaget")
    assert not m.contains("doc-a", text, "doc-a", "avstyrker förslaget")


def test_evidence_matches_lists_the_evidence_items_each_hit_contains() -> None:
    hits = [("a", "Ett. Två."), ("b", "Tre."), ("a", "ett två tre")]
    evidence = [("a", "ett."), ("b", "tre."), ("a", "två tre")]
    assert m.evidence_matches(hits, evidence) == [one(0), one(1), one(2)]
    assert m.evidence_matches(hits, []) == [NONE, NONE, NONE]


# -- retrieval -----------------------------------------------------------------------------
def test_hit_at_k() -> None:
    matches = [NONE, one(0), NONE]
    assert m.hit_at_k(matches, 1, 1) == 0.0
    assert m.hit_at_k(matches, 1, 2) == 1.0
    assert m.hit_at_k(matches, 1, 5) == 1.0
    assert m.hit_at_k([NONE] * 5, 1, 5) == 0.0
    assert math.isnan(m.hit_at_k(matches, 0, 5))


def test_recall_at_k_is_the_share_of_evidence_items_found() -> None:
    matches = [one(0), NONE, one(0, 2)]
    assert m.recall_at_k(matches, 3, 1) == pytest.approx(1 / 3)
    assert m.recall_at_k(matches, 3, 3) == pytest.approx(2 / 3)
    assert m.recall_at_k([], 2, 5) == 0.0
    assert math.isnan(m.recall_at_k(matches, 0, 5))


def test_mrr_is_one_over_the_rank_of_the_first_relevant_hit() -> None:
    assert m.mrr_at_k([NONE, NONE, one(0)], 1) == pytest.approx(1 / 3)
    assert m.mrr_at_k([one(0), one(0)], 1) == 1.0
    assert m.mrr_at_k([NONE] * 10 + [one(0)], 1, 10) == 0.0  # rank 11 is outside the cut-off
    assert math.isnan(m.mrr_at_k([one(0)], 0))


def test_ndcg_with_binary_relevance() -> None:
    assert m.ndcg_at_k([NONE, one(0)], 1) == pytest.approx(1 / math.log2(3))
    assert m.ndcg_at_k([one(0), NONE], 1) == 1.0
    # relevant at ranks 1 and 3, two relevant passages in the index
    assert m.ndcg_at_k([one(0), NONE, one(1)], 2) == pytest.approx((1 + 1 / 2) / (1 + 1 / math.log2(3)))
    # two relevant passages exist but only one was retrieved, at rank 1
    assert m.ndcg_at_k([one(0), NONE], 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert m.ndcg_at_k([NONE, NONE], 1) == 0.0
    assert math.isnan(m.ndcg_at_k([NONE], 0))


# -- attribution ---------------------------------------------------------------------------
def test_body_matches_by_case_insensitive_containment_at_a_name_start() -> None:
    assert m.body_matches("Äldrenämnden (äldreförvaltningen)", "Äldrenämnden")
    assert m.body_matches("Äldrenämnden (äldreförvaltningen)", "äldrenämnden")
    assert m.body_matches("Socialnämnden (socialförvaltningen)", "Socialförvaltningen")
    assert not m.body_matches("Arbetsmarknads- och socialnämnden", "Socialnämnden")
    assert not m.body_matches("Stadsledningskontoret", "Äldrenämnden")


def test_attribution_accuracy_is_the_share_of_passages_from_an_expected_body() -> None:
    bodies = ["Äldrenämnden (äldreförvaltningen)", "Stadsledningskontoret", "Äldrenämnden (äldreförvaltningen)"]
    assert m.attribution_accuracy(bodies, ["Äldrenämnden"]) == pytest.approx(2 / 3)
    assert m.attribution_accuracy(bodies, ["Äldrenämnden", "Stadsledningskontoret"]) == 1.0
    assert m.attribution_accuracy(bodies, ["Farsta stadsdelsnämnd"]) == 0.0
    assert math.isnan(m.attribution_accuracy([], ["Äldrenämnden"]))
    assert math.isnan(m.attribution_accuracy(bodies, []))


# -- answers -------------------------------------------------------------------------------
EXTRACTIVE = """Sammanställning av vad källorna säger (ordagranna citat, inga egna slutsatser):

**Stockholms stad, Äldrenämnden (äldreförvaltningen)**
- ”Äldreförvaltningen delar delegationens uppfattning att riktade statsbidrag i huvudsak ska undvikas.” [1]
- ”Riktade statsbidrag har varit ett vanligt sätt att verkställa statliga satsningar.” [1]

**Malmö stad, Arbetsmarknads- och socialnämnden**
- ”Nämnden välkomnar förslaget om generella statsbidrag.” [2]"""

LLM = "Malmö välkomnar generella statsbidrag [1]. Stockholm är tveksamt. CKS anser att förslaget är oklart [2]."


def test_answer_claims_of_an_extractive_answer_are_its_quote_lines() -> None:
    claims = m.answer_claims(EXTRACTIVE)
    assert [c.numbers for c in claims] == [(1,), (1,), (2,)]
    assert claims[2].bare == "Nämnden välkomnar förslaget om generella statsbidrag."


def test_answer_claims_of_free_text_are_its_sentences() -> None:
    claims = m.answer_claims("Obs: modellen svarade inte.\n\n" + LLM, notices=["Obs: modellen svarade inte."])
    assert [c.numbers for c in claims] == [(1,), (), (2,)]
    assert claims[1].bare == "Stockholm är tveksamt."


def test_citation_coverage() -> None:
    assert m.citation_coverage(m.answer_claims(EXTRACTIVE), {1, 2}) == 1.0
    assert m.citation_coverage(m.answer_claims(LLM), {1, 2}) == pytest.approx(2 / 3)
    assert m.citation_coverage(m.answer_claims(LLM), {1}) == pytest.approx(1 / 3)  # [2] points to no source
    assert math.isnan(m.citation_coverage([], {1}))


def test_citation_precision_and_faithfulness_are_shares_of_true() -> None:
    assert m.citation_precision([True, False, True, True]) == 0.75
    assert math.isnan(m.citation_precision([]))
    assert m.faithfulness([True, False]) == 0.5
    assert m.faithfulness([True, True, True]) == 1.0
    assert math.isnan(m.faithfulness([]))


def test_lexical_support_is_the_share_of_claim_terms_in_the_passage() -> None:
    assert m.lexical_support("äpple päron", "ett äpple") == 0.5
    assert m.lexical_support("riktade statsbidrag", "Riktade statsbidrag ska undvikas.") == 1.0
    assert math.isnan(m.lexical_support("och i att", "vad som helst"))


def test_cosine() -> None:
    assert m.cosine([1, 0], [1, 0]) == pytest.approx(1.0)
    assert m.cosine([1, 0], [0, 2]) == pytest.approx(0.0)
    assert math.isnan(m.cosine([0, 0], [1, 0]))


def test_support_judge_verbatim_lexical_and_embedding() -> None:
    passage = "Nämnden välkomnar förslaget om generella statsbidrag. Det minskar administrationen."
    vectors = {
        "generella statsbidrag välkomnas av nämnden": [1.0, 0.0],
        "statsbidrag generella nämnden avvisar": [0.0, 1.0],
        passage: [1.0, 0.1],
    }
    calls: list[str] = []

    def embed(text: str) -> list[float]:
        calls.append(text)
        return vectors[text]

    judge = m.SupportJudge(embed, embed, lexical_min=0.5, cosine_min=0.8)
    verbatim = judge.judge("nämnden  välkomnar förslaget", passage)
    assert verbatim.verbatim and verbatim.supported and not calls  # no embedding needed
    paraphrase = judge.judge("generella statsbidrag välkomnas av nämnden", passage)
    assert paraphrase.lexical >= 0.5 and paraphrase.cosine == pytest.approx(m.cosine([1, 0], [1, 0.1]))
    assert paraphrase.supported
    assert not judge.judge("statsbidrag generella nämnden avvisar", passage).supported  # cosine 0.1
    calls.clear()
    assert not judge.judge("kommunens skolor saknar lärare", passage).supported  # no shared words
    assert not calls
    assert judge.supports("nämnden välkomnar förslaget", ["annat", passage])
    assert not m.SupportJudge().judge("generella statsbidrag välkomnas av nämnden", passage).supported


# -- abstention ----------------------------------------------------------------------------
SHOULD = [True, True, False, False, False]
DID = [True, False, True, False, False]


def test_abstention_precision_recall_and_answer_rate() -> None:
    assert m.abstention_precision(SHOULD, DID) == 0.5  # 2 abstentions, 1 on an unanswerable case
    assert m.abstention_recall(SHOULD, DID) == 0.5  # 2 unanswerable, 1 abstained on
    assert m.answer_rate(SHOULD, DID) == pytest.approx(2 / 3)  # 3 answerable, 2 answered


def test_abstention_metrics_are_nan_when_undefined() -> None:
    assert math.isnan(m.abstention_precision([True, False], [False, False]))  # never abstained
    assert math.isnan(m.abstention_recall([False, False], [True, False]))  # nothing unanswerable
    assert math.isnan(m.answer_rate([True], [True]))  # nothing answerable


# -- aggregation ---------------------------------------------------------------------------
def test_mean_ignores_undefined_values() -> None:
    assert m.mean([1.0, float("nan"), 0.0]) == 0.5
    assert math.isnan(m.mean([float("nan")]))
    assert math.isnan(m.mean([]))


def test_latency_percentiles() -> None:
    assert m.latency_p50([0.4, 0.1, 0.3, 0.2]) == pytest.approx(0.25)
    assert m.latency_p95([1.0, 2.0, 3.0, 4.0]) == pytest.approx(3.85)
    assert m.percentile([5.0], 95) == 5.0
    assert math.isnan(m.latency_p50([]))


def test_evidence_may_name_several_documents_that_reproduce_the_quote() -> None:
    hits = [("b", "Ett två tre."), ("c", "ett två tre")]
    assert m.evidence_matches(hits, [(("a", "b"), "två tre")]) == [one(0), NONE]
    assert m.contains("b", "ett två", ("a", "b"), "ett två")
    assert not m.contains("c", "ett två", ("a", "b"), "ett två")
