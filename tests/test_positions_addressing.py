"""Which proposal a respondent's sentence speaks of, and whose voice it is: the addressing rules of
assistant/positions/cells.py on small hand-made proposals (no index needed)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.positions.cells import (
    AddressParams,
    address_scores,
    cell_for,
    effective_scores,
    own_words,
    profiles,
    quotes_proposal,
)
from assistant.positions.classifier import _extras, without_cues
from assistant.positions.evidence import RespondentText, Sentence
from assistant.positions.model import Proposal
from assistant.swedish import analyse

DIM = 4


def _embed(texts: list[str]) -> list[list[float]]:
    """Every proposal (and each of its sentences) on one axis the respondent's sentences are orthogonal
    to, so only the words decide."""
    return [[1.0, 0.0, 0.0, 0.0] for _ in texts]


def _respondent(*sentences: tuple[str, str]) -> RespondentText:
    """(text, heading) pairs, in document order."""
    rows = [
        Sentence(text, "svar", i * 300, i * 300 + len(text), 1, "Yttrande", f"Yttrande > {heading}", False)
        for i, (text, heading) in enumerate(sentences)
    ]
    vectors = np.zeros((len(rows), DIM), dtype=np.float32)
    vectors[:, 1] = 1.0
    return RespondentText("Malmö stad", "Nämnden", ("svar",), rows, vectors)


def _column(proposals: list[Proposal], pid: str) -> int:
    return [p.id for p in proposals].index(pid)


TILLSYN = [
    Proposal(
        "tillsyn",
        "Den statliga tillsynen ska vara situations- och verksamhetsanpassad",
        section="En lärande tillsyn",
        text="Tillsynen av hälso- och sjukvård, skola och omsorg ska vara situations- och verksamhetsanpassad.",
    ),
    Proposal(
        "vite",
        "Skollagens bestämmelse om tvingande vite tas bort",
        section="En lärande tillsyn",
        text="Bestämmelsen om vite tas bort för att möjliggöra situationsanpassning i tillsynen.",
    ),
    Proposal(
        "mötesplatser",
        "Landstingsdirektörer ska inrätta lokala mötesplatser",
        kind="rekommendation",
        section="Testa och pröva nya lösningar genom försök",
        text="Kommun- och landstingsdirektörer bör inrätta lokala mötesplatser för innovation.",
    ),
    Proposal(
        "analys",
        "Kommuner och landsting bör analysera sina mål och indikatorer",
        kind="rekommendation",
        section="En tillitsbaserad styrning",
        text="Kommuner och landsting bör analysera sina mål och indikatorer. "
        "Sveriges kommuner och landsting bör stödja kommunerna i arbetet med att stärka deras analyskapacitet.",
    ),
    Proposal(
        "rekrytering",
        "Vid rekrytering av nya chefer bör fokus vara tillit",
        kind="rekommendation",
        section="Tillitsbaserat ledarskap",
        text="Vid rekrytering av nya chefer bör fokus vara att bygga tillitsfulla relationer.",
    ),
    Proposal(
        "policylabb",
        "Ett nationellt policylabb",
        section="Testa och pröva nya lösningar genom försök",
        text="Regeringen ska inrätta ett nationellt policylabb.",
    ),
    Proposal(
        "frikommun",
        "Frikommunförsök",
        section="Testa och pröva nya lösningar genom försök",
        text="Ett frikommunförsök ska genomföras med tio kommuner.",
    ),
]
PROFILES = profiles(TILLSYN, _embed)


def _scores(respondent: RespondentText, params: AddressParams | None = None) -> np.ndarray:
    params = params or AddressParams()
    return effective_scores(respondent, address_scores(respondent, PROFILES, params), params, PROFILES)


def test_a_compound_head_that_is_itself_a_proposal_word_counts_once() -> None:
    """ "landsting" is landsting: it does not also name "landstingsdirektörer" (another proposal's word)."""
    said = _respondent(("Nämnden tillstyrker att kommuner och landsting analyserar sina mål och indikatorer.", "Mål"))
    addressing = address_scores(said, PROFILES, AddressParams())
    assert not any(t.startswith("landstingsdirektör") for t in addressing.matched[0][_column(TILLSYN, "mötesplatser")])
    scores = _scores(said)[0]
    assert scores[_column(TILLSYN, "analys")] >= AddressParams().threshold
    assert scores[_column(TILLSYN, "mötesplatser")] < AddressParams().threshold


def test_the_last_part_of_a_compound_meets_a_proposal_word() -> None:
    said = _respondent(("Det gäller till exempel det som skrivs om chefsrekrytering.", "Ledarskap"))
    matched = address_scores(said, PROFILES, AddressParams()).matched[0][_column(TILLSYN, "rekrytering")]
    assert "rekrytering" in matched


def test_of_two_proposals_in_one_section_a_sentence_addresses_the_one_it_matches_best() -> None:
    """Both tillsyn proposals hold "situation"; the sentence names the first's own words, so the vite
    proposal (same section, well below the best) is not addressed."""
    said = _respondent(
        (
            "Förvaltningen välkomnar förslaget att tillsynen inom vård, skola och omsorg ska bli mer "
            "situations- och verksamhetsanpassad, en situationsanpassning som behövs.",
            "Tillsyn",
        )
    )
    params = AddressParams()
    raw = address_scores(said, PROFILES, params).scores[0]
    tillsyn, vite = _column(TILLSYN, "tillsyn"), _column(TILLSYN, "vite")
    assert raw[vite] > 0 and raw[vite] < params.sibling_ratio * raw[tillsyn]
    scores = _scores(said)[0]
    assert scores[tillsyn] >= params.threshold and scores[vite] == 0.0
    unruled = _scores(said, AddressParams(sibling_ratio=0.0))[0]
    assert unruled[vite] > 0.0  # the rule, not the words, removed it


def test_a_general_sentence_naming_only_recommendations_spreads_to_recommendations() -> None:
    """ "rekommendationerna inom detta område" under the section's heading: the section's recommendation
    is addressed, its förslag are not."""
    said = _respondent(
        (
            "Nämnden är positiv till rekommendationerna inom detta område.",
            "Testa och pröva nya lösningar genom försök",
        )
    )
    section = address_scores(said, PROFILES, AddressParams()).section
    assert section is not None
    assert section[0, _column(TILLSYN, "mötesplatser")] > 0.5
    assert section[0, _column(TILLSYN, "policylabb")] == 0.0 and section[0, _column(TILLSYN, "frikommun")] == 0.0
    both = _respondent(
        ("Nämnden är positiv till förslagen och rekommendationerna inom detta område.", "Testa och pröva nya lösningar")
    )
    section = address_scores(both, PROFILES, AddressParams()).section
    assert section is not None and section[0, _column(TILLSYN, "policylabb")] > 0.5


def test_a_sentence_speaking_of_one_part_of_a_proposal_addresses_it() -> None:
    """The second sentence of a proposal's text (SKL and analysis capacity) is addressed as surely as its title."""
    said = _respondent(("Nämnden välkomnar att SKL ska stödja arbetet med att stärka analyskapaciteten.", "Analys"))
    column = _column(TILLSYN, "analys")
    whole = address_scores(said, PROFILES, AddressParams()).scores[0, column]
    title_only = address_scores(said, PROFILES, AddressParams(part_weight=0.0)).scores[0, column]
    assert whole == 1.0 and title_only < whole


def test_a_sentence_copying_a_proposal_is_no_view_of_the_respondent() -> None:
    parts = [frozenset(analyse("Regeringen ska inrätta ett nationellt policylabb."))]
    params = AddressParams()
    assert quotes_proposal("Regeringen ska inrätta ett nationellt policylabb.", parts, params)
    assert not quotes_proposal("Nämnden tillstyrker att regeringen inrättar ett nationellt policylabb.", parts, params)
    assert not quotes_proposal("Nämnden har egna labb för nya lösningar i verksamheten.", parts, params)
    copied = _respondent(("Regeringen ska inrätta ett nationellt policylabb.", "Policylabb"))
    assert _scores(copied)[0, _column(TILLSYN, "policylabb")] == 0.0


def test_a_heading_naming_a_section_leans_its_sentences_to_its_proposals() -> None:
    text = "Förvaltningen har goda erfarenheter av verksamhetsnära samarbete."
    under = address_scores(_respondent((text, "En lärande tillsyn")), PROFILES, AddressParams()).scores[0]
    elsewhere = address_scores(_respondent((text, "Bakgrund i kommunen")), PROFILES, AddressParams()).scores[0]
    column = _column(TILLSYN, "tillsyn")
    assert under[column] - elsewhere[column] == pytest.approx(AddressParams().heading_weight)


def test_a_stance_sentence_naming_its_own_proposal_takes_no_topic_from_the_one_before() -> None:
    """ "Frikommunförsöket är intressant." then "Policylabbet är mycket oklart formulerat.": the
    criticism is of the policylabb, not of the frikommunförsök."""
    said = _respondent(
        ("Förslaget om ett frikommunförsök med tio kommuner är intressant.", "Försök"),
        ("Förslaget om ett nationellt policylabb är mycket oklart formulerat.", "Försök"),
    )
    scores = _scores(said)
    assert scores[1, _column(TILLSYN, "policylabb")] >= AddressParams().threshold
    assert scores[1, _column(TILLSYN, "frikommun")] == 0.0
    say = lambda sentences, rows: [("avstyrker" if "oklart" in s.text else "synpunkter", 0.8) for s in sentences]  # noqa: E731
    column = _column(TILLSYN, "frikommun")
    cell = cell_for(said, TILLSYN[column], scores[:, column], say, AddressParams())
    assert cell.stance != "avstyrker" and all("policylabb" not in q.text for q in cell.quotes)


def test_stance_cues_are_no_words_of_a_proposal() -> None:
    assert "delar" not in without_cues("Nämnden delar delegationens syn på lärande.")
    assert "lärande" in without_cues("Nämnden delar delegationens syn på lärande.")
    # overlapping cues ("noga bör", "bör överväga") both go: "överväg" is no proposal's word here
    assert "överväga" not in without_cues("Nämnden menar att man noga bör överväga hur stödet ska utformas.")
    assert "utformas" in without_cues("Nämnden menar att man noga bör överväga hur stödet ska utformas.")


def test_support_with_a_reservation_is_a_feature_of_its_own() -> None:
    hedges, reserved = _extras("Nämnden är positiv till förslaget, dock med förbehåll för finansieringen.")
    assert hedges >= 1 and reserved == 1.0
    assert _extras("Nämnden är positiv till förslaget.") == (0.0, 0.0)


def test_two_proposals_sharing_a_title_cut_short_are_both_kept() -> None:
    from assistant.positions.build import unique_proposals

    title = "Chefer inom kommuner och landsting bör verka för att …"
    first = Proposal("verk-a", title, text=f"{title[:-2]} skapa förutsättningar för kollegialt lärande.")
    second = Proposal("verk-b", title, text=f"{title[:-2]} ge medarbetare ett utökat handlingsutrymme.")
    reprinted = Proposal("verk-a", title, text=first.text, doc_id="kopia")
    kept = unique_proposals([first, second, reprinted])
    assert [p.text for p in kept] == [first.text, second.text]
    assert len({p.id for p in unique_proposals([first, Proposal("verk-a", "Annat", text="Annat.")])}) == 2


def test_support_followed_at_once_by_a_reservation_is_conditional() -> None:
    """The reservation need not address the proposal itself: it qualifies the support just before it."""
    support = lambda sentences, rows: [  # noqa: E731
        ("tillstyrker" if "välkomnar" in s.text else "synpunkter", 0.9) for s in sentences
    ]
    lab = TILLSYN[_column(TILLSYN, "policylabb")]
    reserved = _respondent(
        ("Nämnden välkomnar ett nationellt policylabb.", "Försök"),
        ("Nämnden vill samtidigt framhålla att resurserna måste räcka till hela verksamheten.", "Försök"),
    )
    column = np.array([1.0, 0.0])
    cell = cell_for(reserved, lab, column, support, AddressParams())
    assert cell.stance == "tillstyrker_delvis" and "samtidigt" in cell.quotes[-1].text
    assert cell_for(reserved, lab, column, support, AddressParams(hedge_next=False)).stance == "tillstyrker"
    plain = _respondent(
        ("Nämnden välkomnar ett nationellt policylabb.", "Försök"),
        ("Nämnden har goda erfarenheter av samverkan med akademin.", "Försök"),
    )
    assert cell_for(plain, lab, column, support, AddressParams()).stance == "tillstyrker"
    elsewhere = _respondent(
        ("Nämnden välkomnar ett nationellt policylabb.", "Försök"),
        ("Nämnden vill samtidigt framhålla att resurserna måste räcka.", "Ekonomi"),
    )
    assert cell_for(elsewhere, lab, column, support, AddressParams()).stance == "tillstyrker"


def test_modal_verbs_and_function_words_name_no_proposal() -> None:
    """ "bör", "inom", "genom", "särskilt" are rare in a small corpus but say nothing of which proposal."""
    said = _respondent(("Nämnden anser särskilt att man bör arbeta inom och genom befintliga strukturer.", "Övrigt"))
    matched = address_scores(said, PROFILES, AddressParams()).matched[0]
    assert not any(set(analyse("bör inom genom särskilt")) & words for words in matched)


def test_a_sentence_with_a_stance_addresses_the_proposal_it_matches_best_in_its_own_words() -> None:
    """A respondent's stance sentence that names the subject in its own words scores below the
    threshold; it still speaks of the proposal it matches best, but a sentence without a stance
    cue does not."""
    params = AddressParams(best_threshold=0.35)
    analys = _column(TILLSYN, "analys")
    said = _respondent(("Nämnden välkomnar att kommunerna stärker sin analyskapacitet.", "Styrning"))
    raw = address_scores(said, PROFILES, params).scores[0]
    assert params.best_threshold <= raw[analys] < params.threshold
    assert _scores(said, params)[0][analys] >= params.threshold
    assert _scores(said, AddressParams(best_threshold=params.threshold))[0][analys] < params.threshold
    plain = _respondent(("Kommunerna stärker sin analyskapacitet.", "Styrning"))
    assert _scores(plain, params)[0][analys] < params.threshold


def test_a_restatement_hands_its_proposal_to_a_stance_sentence_naming_another_less_strongly() -> None:
    """ "Delegationen föreslår … policylabb." then "Nämnden välkomnar att indikatorer ses över.": the
    welcome also answers the restated policylabb, as the second names its own proposal less strongly;
    without the rule only a restated proposal below the threshold would be handed over."""
    said = _respondent(
        ("Delegationen föreslår att regeringen ska inrätta ett nationellt policylabb för försök.", "Försök"),
        ("Nämnden välkomnar att indikatorer ses över.", "Försök"),
    )
    params = AddressParams()
    raw = address_scores(said, PROFILES, params).scores
    lab, analys = _column(TILLSYN, "policylabb"), _column(TILLSYN, "analys")
    assert params.threshold <= raw[1, analys] < params.carry * raw[0, lab]
    scores = _scores(said)
    assert scores[0, lab] == 0.0  # the restatement is no view of the respondent
    assert scores[1, lab] >= params.threshold and scores[1, analys] >= params.threshold
    assert _scores(said, AddressParams(carry_over_weaker=False))[1, lab] < params.threshold


def test_a_reference_to_what_is_proposed_is_the_respondents_own_voice() -> None:
    """ "… en förändring i den riktning som föreslås …" refers to the proposal inside the respondent's
    own reservation; "Det föreslås att …" restates it."""
    own = _respondent(
        (
            "Förvaltningen vill samtidigt framhålla att en förändring av tillsynen i den riktning som "
            "föreslås inte får göra det svårare att stänga dåliga skolor.",
            "Tillsyn",
        )
    )
    assert own_words(own.sentences[0])
    restated = _respondent(("Det föreslås att tillsynen ska bli mer situationsanpassad.", "Tillsyn"))
    assert not own_words(restated.sentences[0])
    history = _respondent(
        ("I juni 2016 tillsatte regeringen delegationen som fick i uppdrag att analysera.", "Ärendet")
    )
    assert not own_words(history.sentences[0])


def test_a_list_of_attachments_hands_no_topic_to_the_sentence_after_it() -> None:
    """ "Bilagor 1. … policylabb …" then "Nämnden tillstyrker föredragandens förslag.": the support is
    of the decision, not of the policylabb the attachments list names."""
    said = _respondent(
        ("Bilagor 1. Regeringen ska inrätta ett nationellt policylabb (SOU 2018:47)", "Beslut"),
        ("Nämnden tillstyrker föredragandens förslag.", "Beslut"),
    )
    lab = _column(TILLSYN, "policylabb")
    carried = _scores(said, AddressParams(background_carries=True))
    assert carried[1, lab] >= AddressParams().threshold  # what the rule prevents
    assert _scores(said)[1, lab] < AddressParams().threshold
