"""Heading paths and speaking bodies: the catalog's speakers, and generic detection for unlisted files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.indexing import Prepared, prepare
from ingest.catalog import Catalog, load_catalog
from ingest.clean import clean
from ingest.records import DocumentMeta, Page
from ingest.sections import split_sections

KS_FILE = "stockholms-stad-kommunstyrelsen-remissvar.txt"
JAMTLAND_FILE = "region-jamtland-harjedalen-sammanfattning.txt"
KS_DEFAULT = "Kommunstyrelsen (borgarrådsberedningen)"


@pytest.fixture
def corpus_env(make_settings: Callable[..., object], corpus_copy: Path) -> tuple[object, Catalog, Path]:
    settings = make_settings(corpus_dir=corpus_copy)
    return settings, load_catalog(settings.catalog_path), corpus_copy


def _prepare(corpus_env: tuple[object, Catalog, Path], name: str) -> Prepared:
    settings, catalog, corpus = corpus_env
    return prepare(corpus / name, catalog, settings, None)


def _chunk_with(prepared: Prepared, sentence: str):
    matches = [c for c in prepared.chunks if sentence in c.text]
    assert matches, f"no chunk contains {sentence!r}"
    return matches


# ---------------------------------------------------------------- the real catalog and corpus


def test_aldrenamnden_speaks_under_its_heading(corpus_env) -> None:
    prepared = _prepare(corpus_env, KS_FILE)
    for sentence in (
        "Äldrenämnden beslutade vid sitt sammanträde den 18 september 2018 följande.",
        "Äldreförvaltningens tjänsteutlåtande daterat den 27 augusti 2018 har i huvudsak följande lydelse.",
    ):
        for chunk in _chunk_with(prepared, sentence):
            assert chunk.body == "Äldrenämnden (äldreförvaltningen)"
            assert chunk.organisation == "Stockholms stad"
            assert chunk.section.startswith("Remissammanställning > Äldrenämnden")


def test_farsta_speaks_under_its_heading(corpus_env) -> None:
    prepared = _prepare(corpus_env, KS_FILE)
    for sentence in (
        "Farsta stadsdelsnämnd beslutade vid sitt sammanträde den 20 september 2018 följande.",
        "Farsta stadsdelsförvaltnings tjänsteutlåtande daterat den 4 september 2018 har i huvudsak följande lydelse.",
    ):
        for chunk in _chunk_with(prepared, sentence):
            assert chunk.body == "Farsta stadsdelsnämnd"
            assert "Farsta stadsdelsnämnd" in chunk.section


def test_text_before_remissammanstallning_is_kommunstyrelsen(corpus_env) -> None:
    prepared = _prepare(corpus_env, KS_FILE)
    # "Mina synpunkter" is the borgarråd's own part; the summary names Äldrenämnden and Farsta
    # in passing, which must not hand the word over (the handover starts at Remissammanställning).
    for sentence in (
        "Det finns ett stort behov av att utveckla formerna för den statliga styrningen.",
        "Äldrenämnden instämmer i huvudsak i tillitsdelegations bedömning och de rekommendationer och förslag "
        "som ges i betänkandet.",
        "Farsta stadsdelsnämnd instämmer i problembeskrivningen och ställer sig positiv till förslag och "
        "rekommendationer.",
    ):
        for chunk in _chunk_with(prepared, sentence):
            assert chunk.body == KS_DEFAULT
    mina = _chunk_with(prepared, "Det finns ett stort behov av att utveckla formerna för den statliga styrningen.")
    assert all("Mina synpunkter" in c.section for c in mina)


def test_every_chunk_has_the_body_of_the_last_speaker_heading(corpus_env) -> None:
    """Walk the cleaned blocks independently and check every chunk's speaker and that none crosses a handover."""
    catalog = corpus_env[1]
    prepared = _prepare(corpus_env, KS_FILE)
    entry = catalog.entries[KS_FILE]
    speakers = {k.lower(): v for k, v in entry["speakers"].items()}
    blocks = prepared.clean.blocks
    handover = next(b.start for b in blocks if b.is_heading and b.text == "Remissammanställning")
    speaker_changes = [
        (b.start, speakers[b.text.lower()])
        for b in blocks
        if b.is_heading and b.start > handover and b.text.lower() in speakers
    ]
    assert [body for _, body in speaker_changes] == list(entry["speakers"].values())
    boundaries = [start for start, _ in speaker_changes]
    for chunk in prepared.chunks:
        expected = KS_DEFAULT
        for start, body in speaker_changes:
            if start <= chunk.start:
                expected = body
        assert chunk.body == expected, (chunk.start, chunk.text[:60])
        # A chunk never spans a change of speaker.
        assert not any(chunk.start < b < chunk.end for b in [handover, *boundaries])
    bodies = {c.body for c in prepared.chunks}
    assert bodies == {KS_DEFAULT, *entry["speakers"].values()}


def test_region_jamtland_is_one_speaker(corpus_env) -> None:
    prepared = _prepare(corpus_env, JAMTLAND_FILE)
    assert prepared.meta.catalogued
    assert len(prepared.chunks) > 5
    for chunk in prepared.chunks:
        assert chunk.body == "Tillitsdelegationen"
        assert chunk.organisation == "Region Jämtland Härjedalen"
        assert chunk.kind == "sammanfattning"


# ---------------------------------------------------------------- a document not in the catalog

UNLISTED = """# Remissvar från Exempelstad om tillitsbaserad styrning

Det finns ett stort behov av att utveckla formerna för den statliga styrningen. En mer tillitsbaserad styrning \
av den offentliga sektorn och välfärdstjänsterna är eftersträvanvärt. Medarbetarnas kunskap och erfarenhet bör \
höras på ett bättre sätt.

Remissammanställning

Kulturnämnden

Kulturnämnden instämmer i huvudsak i tillitsdelegations bedömning och de rekommendationer och förslag som ges i \
betänkandet. Nämnden välkomnar förslag som syftar till att skapa effektivare offentliga verksamheter, minskad \
administration och en större nytta för medborgarna.

Bakgrund

Förvaltningen ställer sig positiv till de förslag och rekommendationer som presenteras i betänkandena. \
Förvaltningen instämmer i beskrivningen av de problem och utmaningar som Tillitsdelegationen identifierat.

Miljöförvaltningen

Miljöförvaltningen delar Tillitsdelegationens uppfattning att en lärande tillsyn behövs. Förvaltningen stödjer \
delegationens rekommendation att initiera frikommunförsök och vill understryka att principer för styrning av \
offentlig förvaltning måste vara tydliga.
"""


def test_unlisted_document_generic_speakers(corpus_env, tmp_path: Path) -> None:
    settings, catalog, _ = corpus_env
    path = tmp_path / "exempelstad-remissvar.txt"
    path.write_text(UNLISTED, encoding="utf-8")
    prepared = prepare(path, catalog, settings, None)
    meta = prepared.meta
    assert meta.catalogued is False
    assert meta.title == "Remissvar från Exempelstad om tillitsbaserad styrning"
    assert meta.doc_id == "exempelstad-remissvar"

    def body_of(sentence: str) -> set[str]:
        return {c.body for c in _chunk_with(prepared, sentence)}

    assert body_of("Det finns ett stort behov av att utveckla formerna") == {meta.body}
    assert meta.body != "Kulturnämnden"
    assert body_of("Kulturnämnden instämmer i huvudsak") == {"Kulturnämnden"}
    # "Bakgrund" is not a body: Kulturnämnden keeps the word under its own subheading.
    assert body_of("Förvaltningen ställer sig positiv") == {"Kulturnämnden"}
    assert body_of("Miljöförvaltningen delar Tillitsdelegationens uppfattning") == {"Miljöförvaltningen"}
    sections = {c.body: c.section for c in prepared.chunks}
    assert sections["Miljöförvaltningen"] == "Remissammanställning > Miljöförvaltningen"


def test_unlisted_document_without_compilation_heading_keeps_one_body(corpus_env, tmp_path: Path) -> None:
    settings, catalog, _ = corpus_env
    path = tmp_path / "utan-sammanstallning.txt"
    path.write_text(UNLISTED.replace("Remissammanställning\n\n", ""), encoding="utf-8")
    prepared = prepare(path, catalog, settings, None)
    assert {c.body for c in prepared.chunks} == {prepared.meta.body}


# ---------------------------------------------------------------- split_sections directly


def _meta(**kw: object) -> DocumentMeta:
    values: dict[str, object] = {
        "doc_id": "d",
        "source": "d.txt",
        "title": "T",
        "organisation": "Stockholms stad",
        "body": "Kommunstyrelsen",
    }
    values.update(kw)
    return DocumentMeta(**values)  # type: ignore[arg-type]


TEXT = (
    "# Yttrande\n\nInledande text om tillit.\n\n## Socialnämnden\n\nSocialnämnden tillstyrker.\n\n"
    "### Tillsyn\n\nOm tillsynen.\n\n## Kulturnämnden\n\nKulturnämnden avstyrker.\n"
)


def test_heading_paths() -> None:
    blocks = clean([Page(None, TEXT)]).blocks
    sections = split_sections(blocks, _meta())
    by_text = {b.text: s for s in sections for b in s.blocks if not b.is_heading}
    assert by_text["Inledande text om tillit."].path == ("Yttrande",)
    assert by_text["Socialnämnden tillstyrker."].path == ("Yttrande", "Socialnämnden")
    assert by_text["Om tillsynen."].path == ("Yttrande", "Socialnämnden", "Tillsyn")
    assert by_text["Kulturnämnden avstyrker."].path == ("Yttrande", "Kulturnämnden")
    # Every block is in exactly one section, in order.
    assert [b for s in sections for b in s.blocks] == list(blocks)


def test_catalog_speakers_without_speakers_after_apply_from_the_start() -> None:
    blocks = clean([Page(None, TEXT)]).blocks
    meta = _meta(speakers=(("socialnämnden", "Socialnämnden (socialförvaltningen)"),))
    sections = split_sections(blocks, meta)
    by_text = {b.text: s.body for s in sections for b in s.blocks if not b.is_heading}
    assert by_text["Inledande text om tillit."] == "Kommunstyrelsen"
    assert by_text["Socialnämnden tillstyrker."] == "Socialnämnden (socialförvaltningen)"
    assert by_text["Om tillsynen."] == "Socialnämnden (socialförvaltningen)"
    # Catalogued documents get no generic detection: Kulturnämnden is not listed, so the word stays.
    assert by_text["Kulturnämnden avstyrker."] == "Socialnämnden (socialförvaltningen)"


def test_speakers_after_heading_gates_the_handover() -> None:
    text = "Socialnämnden\n\nSocialnämnden nämns i sammanfattningen.\n\nRemissammanställning\n\n" + (
        "Socialnämnden\n\nSocialnämnden beslutade följande.\n"
    )
    blocks = clean([Page(None, text)]).blocks
    meta = _meta(
        speakers=(("Socialnämnden", "Socialnämnden (socialförvaltningen)"),), speakers_after="Remissammanställning"
    )
    sections = split_sections(blocks, meta)
    by_text = {b.text: s.body for s in sections for b in s.blocks if not b.is_heading}
    assert by_text["Socialnämnden nämns i sammanfattningen."] == "Kommunstyrelsen"
    assert by_text["Socialnämnden beslutade följande."] == "Socialnämnden (socialförvaltningen)"
