"""The remissammanställning on the real corpus index: proposals, stances, quotes, updates, the CLI, the LLM path."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS
from fake_openai import FakeOpenAI, Reply

from assistant.cli import main
from assistant.indexing import ingest
from assistant.positions.build import _Context, compute_proposals, rarity, update
from assistant.positions.cells import AddressParams, address_scores, cell_for, classifier_stances, effective_scores
from assistant.positions.evidence import RespondentText, Sentence, respondent_chunks
from assistant.positions.llm_cells import LLMCellLabeller
from assistant.positions.model import LONG_FIELDS, STANCES, PositionMatrix, Proposal
from assistant.positions.store import current_matrix
from assistant.settings import Settings
from assistant.store import Store

CKS = ("Linköpings universitet", "Centrum för kommunstrategiska studier (CKS)")
CKS_FILE = "cks-linkopings-universitet-remissyttrande.txt"
MALMO_FILE = "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt"
SF_FILE = "stockholms-stad-socialforvaltningen-tjansteutlatande.txt"
MALMO = ("Malmö stad", "Arbetsmarknads- och socialnämnden")


@pytest.fixture(scope="module")
def matrix(corpus_settings: Settings) -> PositionMatrix:
    """The matrix the ingest stored with the index (it is computed after the documents are committed)."""
    stored = current_matrix(corpus_settings)
    assert stored is not None, "ingest did not store the position matrix"
    return stored


def proposal_id(matrix: PositionMatrix, word: str) -> str:
    found = [p.id for p in matrix.proposals if word in p.title.lower()]
    assert found, f"no proposal titled with {word!r}: {[p.title for p in matrix.proposals]}"
    return found[0]


def test_proposals_come_from_the_summary(matrix: PositionMatrix) -> None:
    titles = " | ".join(p.title.lower() for p in matrix.proposals)
    for word in ("policylab", "riktade statsbidrag", "tillsyn", "frikommunförsök", "ersättningsmodell"):
        assert word in titles, word
    assert {p.kind for p in matrix.proposals} == {"förslag", "rekommendation"}
    assert len({p.id for p in matrix.proposals}) == len(matrix.proposals) >= 20
    assert {p.doc_id for p in matrix.proposals} == {"region-jamtland-harjedalen-sammanfattning"}
    policylab = matrix.proposal(proposal_id(matrix, "policylab"))
    assert policylab is not None and policylab.addressee == "Regeringen" and "Vinnova" in policylab.text
    # the summary speaks for the inquiry: it is no respondent
    assert all(r.organisation != "Region Jämtland Härjedalen" for r in matrix.respondents)
    bodies = {r.body for r in matrix.respondents}
    assert {"Stadsledningskontoret", "Farsta stadsdelsnämnd", "Socialförvaltningen", CKS[1]} <= bodies


def test_cks_is_not_counted_as_supporting_the_policy_lab(matrix: PositionMatrix) -> None:
    cell = matrix.cell(proposal_id(matrix, "policylab"), *CKS)
    assert cell.stance in ("avstyrker", "tillstyrker_delvis"), cell
    assert any("oklart formulerat" in q.text for q in cell.quotes)
    supporters = {
        r.body
        for r in matrix.respondents
        if matrix.cell(proposal_id(matrix, "policylab"), *r.key).stance == "tillstyrker"
    }
    assert "Äldrenämnden (äldreförvaltningen)" in supporters


def test_every_quote_stands_verbatim_at_its_offsets(matrix: PositionMatrix, corpus_settings: Settings) -> None:
    store = Store(corpus_settings)
    texts: dict[str, str] = {}
    quotes = [q for c in matrix.cells for q in c.quotes]
    assert len(quotes) > 30
    for q in quotes:
        text = texts.setdefault(q.doc_id, store.document_text(q.doc_id))
        assert " ".join(text[q.start : q.end].split()) == q.text, q
    assert all(c.stance in STANCES for c in matrix.cells)
    assert all(c.quotes for c in matrix.cells if c.stance != "ej_berört")


MALMO_COPY = "malmo-stad-yttrande-kopia.txt"
WELCOMES = "Arbetsmarknads- och socialnämnden välkomnar förslaget att statsbidrag framöver"


def _corpus_with_a_second_malmo_document(folder: Path) -> None:
    """Summary, Malmö (twice: a respondent of two documents), CKS and Socialförvaltningen."""
    folder.mkdir()
    for name in ("catalog.toml", "region-jamtland-harjedalen-sammanfattning.txt", MALMO_FILE, CKS_FILE, SF_FILE):
        shutil.copy(CORPUS / name, folder / name)
    shutil.copy(CORPUS / MALMO_FILE, folder / MALMO_COPY)
    with (folder / "catalog.toml").open("a", encoding="utf-8") as catalog:
        catalog.write(
            f'\n[[documents]]\nfile = "{MALMO_COPY}"\ntitle = "Malmö stads yttrande (kopia)"\n'
            f'organisation = "{MALMO[0]}"\nbody = "{MALMO[1]}"\nkind = "yttrande"\n'
        )


def _same(a: PositionMatrix, b: PositionMatrix) -> None:
    assert a.proposals == b.proposals
    assert a.respondents == b.respondents
    assert a.cells == b.cells


def test_an_update_recomputes_only_the_changed_document_and_equals_a_full_recompute(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus_copy = tmp_path / "corpus"
    _corpus_with_a_second_malmo_document(corpus_copy)
    settings = make_settings(corpus_dir=corpus_copy)
    assert ingest(settings).ok
    before = current_matrix(settings)
    assert before is not None
    grants = proposal_id(before, "riktade statsbidrag")
    assert before.cell(grants, *MALMO).stance == "tillstyrker"

    # One of Malmö's two documents now opposes the proposal (the same words: no word grows rarer or commoner).
    copy = corpus_copy / MALMO_COPY
    text = copy.read_text(encoding="utf-8")
    assert WELCOMES in text
    copy.write_text(text.replace(WELCOMES, WELCOMES.replace("välkomnar", "avstyrker")), encoding="utf-8")
    quiet = settings.model_copy(update={"positions_on_ingest": False})
    assert ingest(quiet).ok
    after, report = update(quiet)
    assert report.recomputed == [MALMO] and not report.full
    assert report.documents_computed == 1  # the other Malmö document's part is reused
    assert len(report.kept) == len(before.respondents) - 1
    changed = after.cell(grants, *MALMO)
    assert changed.stance in ("avstyrker", "tillstyrker_delvis"), changed
    assert any("avstyrker förslaget att statsbidrag" in q.text for q in changed.quotes)
    for respondent in before.respondents:  # the others' cells are the stored ones
        if respondent.key != MALMO:
            assert [c for c in after.cells if c.respondent_key == respondent.key] == [
                c for c in before.cells if c.respondent_key == respondent.key
            ]
    full, full_report = update(quiet, previous=None, save=False)
    assert full_report.full and full_report.documents_computed >= 4
    _same(after, full)

    (corpus_copy / CKS_FILE).unlink()
    assert ingest(settings).ok  # this time the ingest itself brings the stored matrix up to date
    stored = current_matrix(settings)
    assert stored is not None and CKS not in {r.key for r in stored.respondents}
    assert all(c.respondent_key != CKS for c in stored.cells)
    _same(stored, update(quiet, previous=None, save=False)[0])


@pytest.fixture
def cli_env(corpus_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("REMISS_DATA_DIR", str(corpus_settings.data_dir))
    monkeypatch.setenv("REMISS_CORPUS_DIR", str(corpus_settings.corpus_dir))
    monkeypatch.setenv("REMISS_EMBED_CACHE", str(corpus_settings.cache_path))
    return corpus_settings


def test_cli_csv_and_json_are_long_one_row_per_cell(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["positions", "--format", "csv", "--quiet"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    matrix = current_matrix(cli_env)
    assert matrix is not None
    assert len(rows) == len(matrix.proposals) * len(matrix.respondents)
    assert list(rows[0]) == list(LONG_FIELDS)
    assert {r["stance"] for r in rows} <= set(STANCES)

    assert main(["positions", "--format", "json", "--proposal", "policylab", "--quiet"]) == 0
    objects = json.loads(capsys.readouterr().out)
    assert len(objects) == len(matrix.respondents) and all(set(o) == set(LONG_FIELDS) for o in objects)
    cks = next(o for o in objects if o["body"] == CKS[1])
    assert cks["stance"] != "tillstyrker" and "oklart" in cks["quote"] and cks["doc_id"]


def test_cli_markdown_table_and_errors(cli_env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "sammanstallning.md"
    assert main(["positions", "--format", "md", "--respondent", "malmö", "--out", str(out), "--quiet"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Remissammanställning") and "Arbetsmarknads- och socialnämnden" in text
    assert "Stadsledningskontoret" not in text
    assert main(["positions", "--proposal", "finns-inte", "--quiet"]) == 1
    assert "Inget förslag matchar" in capsys.readouterr().err
    code = main(["positions", "--format", "xlsx", "--out", str(tmp_path / "m.xlsx"), "--quiet"])
    if importlib.util.find_spec("assistant.positions.export") is None:
        assert code == 1 and "assistant.positions.export saknas" in capsys.readouterr().err
    else:
        assert code == 0 and (tmp_path / "m.xlsx").stat().st_size > 0


def test_cli_without_an_index_says_to_ingest(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings()
    monkeypatch.setenv("REMISS_DATA_DIR", str(settings.data_dir))
    assert main(["positions", "--quiet"]) == 1
    assert "remiss ingest" in capsys.readouterr().err


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_llm_labels_are_kept_only_with_a_verbatim_quote(corpus_settings: Settings, fake: FakeOpenAI) -> None:
    store = Store(corpus_settings)
    proposals = compute_proposals(corpus_settings, store)
    lab = next(p for p in proposals if "policylab" in p.title.lower())
    context = _Context(corpus_settings, store, proposals, AddressParams(), rarity(store))
    try:
        chunks = respondent_chunks(store.committed_chunks(), store.manifest())[CKS]
        text = context.respondent_text(CKS, chunks)
    finally:
        context.close()
    params = AddressParams()
    scores = effective_scores(text, address_scores(text, context.profiles, params), params, context.profiles)
    column = scores[:, proposals.index(lab)]
    classified = cell_for(text, lab, column, classifier_stances(context.model, text), params)
    llm = corpus_settings.model_copy(update={"llm_base_url": fake.base_url, "llm_model": "test"})
    labeller = LLMCellLabeller(llm, store)

    invented = {"stance": "tillstyrker", "quotes": ["CKS anser att policylabbet är en utmärkt idé som bör genomföras."]}
    fake.script(Reply(json.dumps(invented, ensure_ascii=False)))
    kept = labeller.relabel(text, lab, column, classified)
    assert kept == classified and labeller.rejected == 1  # the invented quote is not in the document

    verbatim = {
        "stance": "avstyrker",
        "quotes": ["Förslaget om ett nationellt policylabb är mycket oklart\nformulerat."],
    }
    fake.script(Reply(f"Svar: {json.dumps(verbatim, ensure_ascii=False)}"))
    cell = labeller.relabel(text, lab, column, classified)
    assert cell.method == "llm" and cell.stance == "avstyrker"
    quote = cell.quotes[0]
    document = store.document_text(quote.doc_id)
    assert quote.doc_id == "cks-linkopings-universitet-remissyttrande"
    assert document[quote.start : quote.end] == "Förslaget om ett nationellt policylabb är mycket oklart formulerat."
    assert "policylab" in fake.requests[-1].content("user").lower()
    assert fake.unscripted == 0


def test_the_positions_eval_runs_on_the_dev_gold(corpus_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from evals.positions import DEV_PATH, evaluate, print_figures

    result = evaluate(corpus_settings, DEV_PATH)
    assert result["proposal_alignment_coverage"] == 1.0 and result["respondent_alignment_coverage"] == 1.0
    assert result["quote_validity"] == 1.0
    ours, base = result["matrix"], result["baseline"]
    assert ours["cells"] == 22 * 11 and ours["addressed_cells"] > 40
    assert ours["macro_f1"] > base["macro_f1"] and ours["addressed_recall"] > base["addressed_recall"]
    assert ours["stance_accuracy_addressed"] > 0.35
    print_figures(result, "dev")
    assert "ej_berört_precision" in capsys.readouterr().out


def test_proposals_toml_corrects_adds_and_removes(tmp_path: Path) -> None:
    from assistant.errors import RemissError
    from assistant.positions.proposals import apply_overrides, extract_proposals
    from ingest.clean import clean
    from ingest.loaders import load

    summary = CORPUS / "region-jamtland-harjedalen-sammanfattning.txt"
    proposals = extract_proposals(clean(load(summary, 10_000_000)).blocks, "sammanfattning")
    assert extract_proposals(clean(load(summary, 10_000_000)).blocks, "x")[0].id == proposals[0].id  # stable ids
    lab = next(p for p in proposals if "policylab" in p.title.lower())
    gone = proposals[0].id
    overrides = tmp_path / "proposals.toml"
    overrides.write_text(
        f'remove = ["{gone}"]\n'
        f'[[proposals]]\nid = "{lab.id}"\ntitle = "Ett nationellt policylabb"\n'
        '[[proposals]]\nid = "ny"\ntitle = "En ny tillsynsmyndighet"\nkind = "förslag"\npage = 3\n',
        encoding="utf-8",
    )
    corrected = {p.id: p for p in apply_overrides(proposals, overrides)}
    assert gone not in corrected and len(corrected) == len(proposals)
    assert corrected[lab.id].title == "Ett nationellt policylabb" and corrected[lab.id].text == lab.text
    assert corrected["ny"].page == 3 and corrected["ny"].kind == "förslag"
    overrides.write_text('[[proposals]]\ntitle = "utan id"\n', encoding="utf-8")
    with pytest.raises(RemissError, match="saknar fältet 'id'"):
        apply_overrides(proposals, overrides)


def _respondent(*texts: str) -> RespondentText:
    sentences = [
        Sentence(t, "svar", i * 200, i * 200 + len(t), 1, "Yttrande", "Yttrande > Policylabb", False)
        for i, t in enumerate(texts)
    ]
    return RespondentText("Malmö stad", "Nämnden", ("svar",), sentences, np.eye(len(texts), 4))


def _proposal() -> Proposal:
    return Proposal("p1", "Ett nationellt policylabb", section="Försök", text="Regeringen bör inrätta ett policylabb.")


def test_support_beside_a_hedge_is_conditional_support() -> None:
    """A cell whose support is "försiktigt positiv" or stands beside a "dock" is tillstyrker_delvis."""
    support = lambda sentences, rows: [("tillstyrker", 0.9) for _ in sentences]  # noqa: E731
    hedged = _respondent("Nämnden är försiktigt positiv till ett nationellt policylabb.")
    assert cell_for(hedged, _proposal(), np.array([1.0]), support, AddressParams()).stance == "tillstyrker_delvis"
    beside = _respondent(
        "Nämnden ställer sig positiv till ett nationellt policylabb.",
        "Det är dock viktigt att labbet får resurser för att pröva lösningar.",
    )
    column = np.array([1.0, 0.9])
    assert cell_for(beside, _proposal(), column, support, AddressParams()).stance == "tillstyrker_delvis"
    plain = _respondent("Nämnden ställer sig positiv till ett nationellt policylabb.")
    assert cell_for(plain, _proposal(), np.array([1.0]), support, AddressParams()).stance == "tillstyrker"


def test_a_sentence_without_a_stance_cue_must_address_the_proposal_surely() -> None:
    """A weakly matching sentence that only tells ("Kommunen har forskningskoordinatorer") addresses nothing;
    one with a cue at the same score does."""
    say = lambda sentences, rows: [("synpunkter", 0.6) for _ in sentences]  # noqa: E731
    params = AddressParams()
    weak = (params.threshold + params.bare_threshold) / 2
    bare = _respondent("Nämnden har forskningskoordinatorer som delar sin anställning med universitetet.")
    assert cell_for(bare, _proposal(), np.array([weak]), say, params).stance == "ej_berört"
    cued = _respondent("Nämnden anser att ett policylabb kan bidra med kunskap.")
    assert cell_for(cued, _proposal(), np.array([weak]), say, params).stance != "ej_berört"
    assert cell_for(bare, _proposal(), np.array([params.bare_threshold]), say, params).stance != "ej_berört"


def test_a_qualified_stance_on_the_proposals_as_a_whole_is_support_for_one_it_names() -> None:
    """ "Instämmer i huvudsak i förslagen, t.ex. …" qualifies the whole: for a proposal it lists it is
    support; a reservation in the sentence itself ("men", "dock") still makes it conditional."""
    partly = lambda sentences, rows: [("tillstyrker_delvis", 0.8) for _ in sentences]  # noqa: E731
    whole = _respondent(
        "Nämnden instämmer i huvudsak i delegationens förslag, t.ex. att ett nationellt policylabb inrättas."
    )
    assert cell_for(whole, _proposal(), np.array([1.0]), partly, AddressParams()).stance == "tillstyrker"
    off = AddressParams(general_support=False)
    assert cell_for(whole, _proposal(), np.array([1.0]), partly, off).stance == "tillstyrker_delvis"
    reserved = _respondent("Nämnden instämmer i förslagen om ett nationellt policylabb men vill betona resurserna.")
    assert cell_for(reserved, _proposal(), np.array([1.0]), partly, AddressParams()).stance == "tillstyrker_delvis"
    specific = _respondent("Nämnden stödjer ett nationellt policylabb om det får resurser.")
    assert cell_for(specific, _proposal(), np.array([1.0]), partly, AddressParams()).stance == "tillstyrker_delvis"


def test_under_the_proposals_own_section_heading_a_sentence_needs_no_cue() -> None:
    """A respondent answering under the inquiry's heading ("Försök") speaks of that section's proposal
    it matches best, cue or not; elsewhere, or a heading's bare words, it must match surely."""
    say = lambda sentences, rows: [("synpunkter", 0.6) for _ in sentences]  # noqa: E731
    params = AddressParams()
    weak = np.array([(params.threshold + params.bare_threshold) / 2])
    text = "Största utmaningen med ett labb är att få det att fungera i vardagen."

    def under(heading: str, said: str = text) -> RespondentText:
        sentence = Sentence(said, "svar", 0, len(said), 1, "Yttrande", f"Yttrande > {heading}", False)
        return RespondentText("Malmö stad", "Nämnden", ("svar",), [sentence], np.eye(1, 4))

    assert cell_for(under("Försök"), _proposal(), weak, say, params, weak).stance == "synpunkter"
    assert cell_for(under("Försök"), _proposal(), weak, say, params).stance == "ej_berört"  # best unknown
    assert cell_for(under("Försök"), _proposal(), weak, say, params, weak + 0.1).stance == "ej_berört"  # not its best
    assert cell_for(under("Ekonomi"), _proposal(), weak, say, params, weak).stance == "ej_berört"
    heading = under("Försök", "3. Testa och pröva nya lösningar genom försök")
    assert cell_for(heading, _proposal(), weak, say, params, weak).stance == "ej_berört"
    assert (
        cell_for(under("Försök"), _proposal(), weak, say, AddressParams(headed_bare=False), weak).stance == "ej_berört"
    )


def test_a_respondent_calling_for_what_the_proposal_asks_supports_it() -> None:
    """ "Nämnden anser att ett policylabb behövs" read as a comment is support; a call with a hedge, a
    description of its own practice, or the rule switched off stays a comment."""
    say = lambda sentences, rows: [("synpunkter", 0.6) for _ in sentences]  # noqa: E731
    calls = _respondent("Nämnden anser att ett nationellt policylabb behöver inrättas snarast.")
    assert cell_for(calls, _proposal(), np.array([1.0]), say, AddressParams()).stance == "tillstyrker"
    assert cell_for(calls, _proposal(), np.array([1.0]), say, AddressParams(endorse=False)).stance == "synpunkter"
    hedged = _respondent("Nämnden anser dock att ett nationellt policylabb behöver utredas mer.")
    assert cell_for(hedged, _proposal(), np.array([1.0]), say, AddressParams()).stance == "synpunkter"
    practice = _respondent("Nämnden har redan ett eget labb för försök med nya arbetssätt.")
    assert cell_for(practice, _proposal(), np.array([1.0]), say, AddressParams()).stance == "synpunkter"


def test_one_documents_chunks_are_read_from_chroma_alone(corpus_settings: Settings) -> None:
    """When the lexical index lags, the matrix reads a document's chunks from Chroma by its id and
    hash: the same chunks as the whole collection holds for it, and none for an unknown document."""
    store = Store(corpus_settings)
    doc_id = next(d for d in store.manifest() if d.startswith("cks-"))
    whole = [c for c in store.committed_chunks() if c.doc_id == doc_id]
    alone = store.committed_document_chunks(doc_id)
    assert whole and [(c.id, c.start, c.text) for c in alone] == [(c.id, c.start, c.text) for c in whole]
    assert store.committed_document_chunks("finns-inte") == []
    context = _Context(corpus_settings, store, [], AddressParams(), rarity(store))
    try:
        assert [c.id for c in context.chunks_of(CKS, doc_id)] == [
            c.id for c in whole if (c.organisation, c.body) == CKS
        ]
    finally:
        context.close()
