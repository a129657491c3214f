"""Token-bounded, sentence-aware chunks with exact offsets, overlap, and the embedder's `fits` check."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.indexing import Prepared, prepare
from assistant.settings import PROJECT_ROOT
from ingest.catalog import load_catalog
from ingest.chunking import chunk_sections, sentence_spans
from ingest.clean import clean
from ingest.records import Chunk, DocumentMeta, Page, Section
from ingest.sections import split_sections
from ingest.tokens import count_tokens

CORPUS_FILES = sorted(p.name for p in (PROJECT_ROOT / "corpus").glob("*.txt"))
META = DocumentMeta(doc_id="test-dok", source="test-dok.txt", title="Test", organisation="Org", body="Nämnden")
HASH = "0123456789abcdef" * 4

# Corpus sentences (stockholms-stad-kommunstyrelsen-remissvar.txt) to build long sections from.
SEEDS = [
    "Det finns ett stort behov av att utveckla formerna för den statliga styrningen.",
    "Medarbetarnas kunskap och erfarenhet bör höras på ett bättre sätt.",
    "Låt proffsen vara proffs.",
    "Samtidigt ska det balanseras mot behovet av kontroll och uppföljning.",
    "Formerna för styrning och ledning bör kontinuerligt ses över.",
    "I övrigt hänvisar jag till vad som sägs i stadsledningskontorets tjänsteutlåtande.",
]


def test_corpus_has_five_documents() -> None:
    assert len(CORPUS_FILES) == 5


@pytest.fixture
def prepare_corpus(make_settings: Callable[..., object], corpus_copy: Path) -> Callable[..., Prepared]:
    def run(name: str, fits: Callable[[str], bool] | None = None, **overrides: object) -> Prepared:
        # The bounds below are asserted against these explicit values, not the defaults.
        overrides.setdefault("chunk_tokens", 256)
        overrides.setdefault("chunk_overlap_tokens", 32)
        settings = make_settings(corpus_dir=corpus_copy, **overrides)
        return prepare(corpus_copy / name, load_catalog(settings.catalog_path), settings, fits)

    return run


def _one_section(text: str, path: tuple[str, ...] = ("Rubrik",)) -> tuple[str, list[Section]]:
    cleaned = clean([Page(None, text)])
    return cleaned.text, [Section(path, "Nämnden", cleaned.blocks)]


def _chunk(text: str, max_tokens: int = 256, overlap: int = 32, fits=None) -> tuple[str, list[Chunk]]:
    clean_text, sections = _one_section(text)
    return clean_text, chunk_sections(sections, clean_text, META, HASH, max_tokens, overlap, fits)


# ---------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunks_are_bounded_and_exact(prepare_corpus, name: str) -> None:
    prepared = prepare_corpus(name)
    chunks = prepared.chunks
    assert len(chunks) >= 5
    text = prepared.clean.text
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip()
        assert count_tokens(chunk.text) == chunk.token_count <= 256
        assert chunk.doc_id == prepared.meta.doc_id
        assert chunk.id.startswith(f"{prepared.meta.doc_id}:{prepared.doc_hash[:10]}:")
        assert chunk.title == prepared.meta.title
        assert chunk.organisation == prepared.meta.organisation
    assert len({c.id for c in chunks}) == len(chunks)
    # In document order.
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunks_cover_the_text(prepare_corpus, name: str) -> None:
    """Every non-heading paragraph ends up in some chunk (nothing is silently dropped)."""
    prepared = prepare_corpus(name)
    covered = [(c.start, c.end) for c in prepared.chunks]
    for block in prepared.clean.blocks:
        if block.is_heading:
            continue
        assert any(s <= block.start and block.end <= e for s, e in covered) or any(
            s < block.end and block.start < e for s, e in covered
        ), block.text[:80]


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunk_ids_are_stable(prepare_corpus, name: str) -> None:
    first = prepare_corpus(name)
    second = prepare_corpus(name)
    assert first.doc_hash == second.doc_hash
    assert [(c.id, c.start, c.end) for c in first.chunks] == [(c.id, c.start, c.end) for c in second.chunks]


def test_chunk_ids_change_with_chunk_settings(prepare_corpus) -> None:
    name = "cks-linkopings-universitet-remissyttrande.txt"
    default = prepare_corpus(name)
    smaller = prepare_corpus(name, chunk_tokens=128)
    assert default.doc_hash != smaller.doc_hash
    assert not {c.id for c in default.chunks} & {c.id for c in smaller.chunks}
    assert all(c.token_count <= 128 for c in smaller.chunks)
    assert len(smaller.chunks) > len(default.chunks)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_section_paths(prepare_corpus, name: str) -> None:
    prepared = prepare_corpus(name)
    headings = [b for b in prepared.clean.blocks if b.is_heading]
    assert headings
    first_heading = headings[0].start
    for chunk in prepared.chunks:
        if chunk.start >= first_heading:
            assert chunk.section, chunk.text[:60]
    # Every part of a section path is a heading of the document.
    heading_texts = {b.text for b in headings}
    for chunk in prepared.chunks:
        if chunk.section:
            assert set(chunk.section.split(" > ")) <= heading_texts


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunks_move_forward(prepare_corpus, name: str) -> None:
    """Consecutive chunks may overlap, but each starts after the previous start and adds new text."""
    chunks = prepare_corpus(name).chunks
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start > prev.start
        assert nxt.end > prev.end
        if nxt.start < prev.end:  # an overlap is whole sentences of the same section
            assert nxt.section == prev.section
            assert count_tokens(prev.text[nxt.start - prev.start :]) <= 32 + 2


def test_corpus_has_some_overlap(prepare_corpus) -> None:
    chunks = prepare_corpus("cks-linkopings-universitet-remissyttrande.txt").chunks
    overlapping = [(a, b) for a, b in itertools.pairwise(chunks) if b.start < a.end]
    assert overlapping


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_fits_callback_is_honoured_on_corpus(prepare_corpus, name: str) -> None:
    prepared = prepare_corpus(name, fits=lambda t: len(t) < 300)
    assert prepared.chunks
    too_long = [c.text[:60] for c in prepared.chunks if len(c.text) >= 300]
    assert not too_long
    for chunk in prepared.chunks:
        assert chunk.text == prepared.clean.text[chunk.start : chunk.end]


# ---------------------------------------------------------------- synthetic sections


def test_overlap_within_one_long_paragraph() -> None:
    short_seeds = SEEDS[:5]  # each under the 32-token overlap budget, so one always fits
    sentences = [f"{short_seeds[i % 5][:-1]} (punkt {i})." for i in range(60)]
    assert all(count_tokens(s) < 32 for s in sentences)
    text, chunks = _chunk(" ".join(sentences))
    assert len(chunks) >= 3
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start < prev.end, "consecutive chunks share text"
        assert nxt.start > prev.start
        assert nxt.end > prev.end
        shared = text[nxt.start : prev.end]
        assert count_tokens(shared) <= 32 + 2
        # The overlap is whole sentences: the next chunk starts at a sentence start.
        assert text[nxt.start - 2 : nxt.start] == ". "
        assert nxt.text[0].isupper()
    for chunk in chunks:
        assert chunk.token_count <= 256
        assert chunk.text.endswith(".")
    # Together the chunks cover the paragraph.
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_no_overlap_when_overlap_is_zero() -> None:
    sentences = [f"{SEEDS[i % len(SEEDS)][:-1]} (punkt {i})." for i in range(60)]
    _text, chunks = _chunk(" ".join(sentences), overlap=0)
    assert len(chunks) >= 3
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start > prev.end


def test_chunk_is_never_only_overlap() -> None:
    """Short sentences followed by a long one: the next chunk must not repeat only the previous tail."""
    short = " ".join(f"Mening nummer {i} är kort." for i in range(12))
    long_sentence = "Den här meningen är mycket lång och " + " ".join(f"innehåller ordet nummer{i}" for i in range(70))
    _text, chunks = _chunk(short + " " + long_sentence + ".")
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.end > prev.end, (prev.text[-40:], nxt.text)
    assert len({c.text for c in chunks}) == len(chunks)


def test_overlong_sentence_is_cut_at_words() -> None:
    words = [f"{w}{i}" for i, w in enumerate(("tillit", "styrning", "ledning", "välfärd", "kommun") * 120)]
    assert len(words) == 600
    text, chunks = _chunk(" ".join(words))
    assert len(chunks) >= 3
    for chunk in chunks:
        assert chunk.token_count <= 256
        assert chunk.text == text[chunk.start : chunk.end]
        # Cut between words, never inside one.
        assert chunk.start == 0 or text[chunk.start - 1] == " "
        assert chunk.end == len(text) or text[chunk.end] == " "
    # Every word is in some chunk, in order.
    seen = []
    for chunk in chunks:
        for w in chunk.text.split():
            if not seen or int(re.sub(r"\D", "", w)) > int(re.sub(r"\D", "", seen[-1])):
                seen.append(w)
    assert seen == words


@pytest.mark.parametrize("limit", [32, 64, 100])
def test_overlong_sentence_respects_smaller_limits(limit: int) -> None:
    sentence = " ".join(SEEDS).replace(".", ",") + " och så vidare utan slut"
    text, chunks = _chunk(sentence, max_tokens=limit, overlap=0)
    assert count_tokens(text) > limit
    assert len(chunks) >= 2
    assert all(c.token_count <= limit for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_fits_callback_splits_further() -> None:
    paragraph = " ".join(SEEDS * 3)
    text, chunks = _chunk(paragraph, fits=lambda t: len(t) < 300)
    assert len(chunks) > 1
    assert all(len(c.text) < 300 for c in chunks)
    assert all(c.text == text[c.start : c.end] for c in chunks)


def test_fits_callback_splits_a_single_sentence() -> None:
    """One sentence within the token limit but rejected by `fits` must still be split."""
    sentence = (
        "Förvaltningen menar att grunden till att långsiktigt få till stånd en tillitsbaserad styrning "
        "och ledning är att medarbetare, chefer och politiker i kommuner, landsting och statliga myndigheter "
        "tillsammans utvecklar sina arbetssätt, sin dialog och sin uppföljning så att verksamheterna "
        "i högre grad utgår från medborgarnas behov och att handlingsutrymmet ökar för dem som möter "
        "medborgarna i vardagen."
    )
    assert len(sentence) >= 300 and count_tokens(sentence) < 256
    _text, chunks = _chunk(sentence, fits=lambda t: len(t) < 300)
    assert all(len(c.text) < 300 for c in chunks), [len(c.text) for c in chunks]


def test_chunks_do_not_cross_sections_or_bodies() -> None:
    text = "# A\n\n" + " ".join(SEEDS) + "\n\n# B\n\n" + " ".join(SEEDS[::-1]) + "\n\n# C\n\n" + " ".join(SEEDS[1:4])
    cleaned = clean([Page(None, text)])
    meta = DocumentMeta(
        doc_id="d", source="d", title="t", organisation="o", body="Kommunstyrelsen",
        speakers=(("B", "Nämnd B"), ("C", "Nämnd C")),
    )  # fmt: skip
    sections = split_sections(cleaned.blocks, meta)
    chunks = chunk_sections(sections, cleaned.text, meta, HASH, 256, 32)
    assert [(c.body, c.section.split(" > ")[-1]) for c in chunks] == [
        ("Kommunstyrelsen", "A"),
        ("Nämnd B", "B"),
        ("Nämnd C", "C"),
    ]
    for chunk in chunks:
        assert chunk.text.startswith(chunk.section.split(" > ")[-1] + "\n\n")


def test_heading_only_section_gives_no_chunk() -> None:
    cleaned = clean([Page(None, "# Bilagor\n\n# Slut\n")])
    sections = split_sections(cleaned.blocks, META)
    assert chunk_sections(sections, cleaned.text, META, HASH, 256, 32) == []


def test_identical_passages_get_distinct_ids() -> None:
    text = "# A\n\n" + SEEDS[0] + "\n\n# A\n\n" + SEEDS[0]
    cleaned = clean([Page(None, text)])
    chunks = chunk_sections(split_sections(cleaned.blocks, META), cleaned.text, META, HASH, 256, 32)
    assert len({c.id for c in chunks}) == len(chunks)


# ---------------------------------------------------------------- sentence_spans


def _sentences(text: str, offset: int = 0) -> list[str]:
    return [text[s - offset : e - offset] for s, e in sentence_spans(text, offset)]


def test_sentence_spans_basic() -> None:
    text = "Låt proffsen vara proffs. Samtidigt ska det balanseras! Vem bestämmer? Nämnden."
    assert _sentences(text) == [
        "Låt proffsen vara proffs.",
        "Samtidigt ska det balanseras!",
        "Vem bestämmer?",
        "Nämnden.",
    ]


@pytest.mark.parametrize(
    "abbreviation", ["t.ex.", "bl.a.", "m.m.", "s.k.", "d.v.s.", "p.g.a.", "jfr.", "ca.", "dnr.", "T.ex."]
)
def test_sentence_spans_keep_abbreviations(abbreviation: str) -> None:
    first = f"Det gäller {abbreviation} Skolverket och Socialstyrelsen."
    text = f"{first} Nästa mening börjar här."
    assert _sentences(text) == [first, "Nästa mening börjar här."]


def test_sentence_spans_with_several_abbreviations() -> None:
    text = (
        "Nämnden lyfter bl.a. Skolinspektionen, t.ex. IVO och s.k. Frikommuner. "
        "Det gäller även kap. 7 och prop. 2017/18:1. Slut."
    )
    assert _sentences(text) == [
        "Nämnden lyfter bl.a. Skolinspektionen, t.ex. IVO och s.k. Frikommuner.",
        "Det gäller även kap. 7 och prop. 2017/18:1.",
        "Slut.",
    ]


def test_sentence_spans_offsets() -> None:
    text = "Låt proffsen vara proffs. Samtidigt ska det balanseras."
    assert sentence_spans(text, 1000) == [(1000, 1025), (1026, 1055)]


def test_sentence_spans_keep_closing_quotes_and_parentheses() -> None:
    """A sentence ending in .” or .) keeps its closing mark; otherwise a chunk ending there loses it."""
    text = "Förvaltningen skriver ”detta är bra.” Därefter följer ett förslag. (Ur sammanfattningen.) Slut."
    spans = sentence_spans(text, 1000)
    assert all(1000 <= s < e <= 1000 + len(text) for s, e in spans)
    got = _sentences(text, 1000)
    assert got == [
        "Förvaltningen skriver ”detta är bra.”",
        "Därefter följer ett förslag.",
        "(Ur sammanfattningen.)",
        "Slut.",
    ]


def test_sentence_spans_date_numbers_do_not_split() -> None:
    text = "Sammanträdet hölls den 21. Augusti var det varmt."
    assert len(_sentences(text)) == 1  # '21.' may be an ordinal: no split
    text = "Beslutet fattades år 2018. Nästa år kom ett nytt."
    assert _sentences(text) == ["Beslutet fattades år 2018.", "Nästa år kom ett nytt."]


def test_sentence_spans_single_sentence_without_period() -> None:
    assert _sentences("Ingen punkt i slutet") == ["Ingen punkt i slutet"]
    assert sentence_spans("", 0) == []
