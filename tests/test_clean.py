"""Cleaning PDF-extracted text into paragraphs, list items and headings with exact offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from ingest.clean import clean
from ingest.loaders import load
from ingest.records import CleanText, Page

CORPUS = PROJECT_ROOT / "corpus"

SOCIAL = CORPUS / "stockholms-stad-socialforvaltningen-tjansteutlatande.txt"
MALMO = CORPUS / "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt"
KOMMUNSTYRELSEN = CORPUS / "stockholms-stad-kommunstyrelsen-remissvar.txt"

# Lines in the style of corpus/stockholms-stad-socialforvaltningen-tjansteutlatande.txt: every line
# carries a trailing space and is followed by a blank line; paragraphs are separated by
# whitespace-only lines. The text is taken from that file (two line ends changed to test hyphens).
DOUBLE_SPACED_LINES = [
    "Sammanfattning ",
    " ",
    "I juni 2016 tillsatte regeringen tillitsdelegationen som fick i uppdrag ",
    "att analysera och föreslå hur styrningen av välfärdstjänster i ",
    "offentlig sektor, kommuner och landsting, kan utvecklas. I ",
    "december 2017 gavs ett tilläggsdirektiv med uppdraget att stödja ",
    "statliga myndigheter att utveckla en tillitsbaserad styrning och ",
    "ledning. ",
    " ",
    "I huvudbetänkandet ”Med tillit växer handlingsutrymmet- ",
    "tillitsbaserad styrning och ledning av välfärdssektorn” (2018:47) ",
    "belyses statens styrning av kommun-",
    "sektorn samt den interna styrningen inom kommunerna. ",
    " ",
    "Dessa är: ",
    " ",
    "\uf0b7 Bristande medborgarfokus. ",
    "\uf0b7 Frånvaro av helhetsperspektiv. ",
    "\uf0b7 Detaljstyrning och administrativa tidstjuvar. ",
    " ",
    "Förvaltningen   delar delegationens uppfattning om att *dialog* med ",
    "medarbetare och medborgare är viktigt för att skapa förståelse, ",
    "legitimitet och ägandeskap. ",
    " ",
    "Kommunstyrelsen har överlämnat ärendet till socialnämnden, ",
    "stadsledningskontoret, utbildningsnämnden, äldrenämnden, Farsta ",
    "stadsdelsnämnd och Norrmalms stadsdelsnämnd. Remissvaret ska vara ",
    "kommunstyrelsen tillhanda senast den 3 september 2018. ",
]
DOUBLE_SPACED = "\n\n".join(DOUBLE_SPACED_LINES) + "\n\n"

EXPECTED_PARAGRAPHS = [
    (3, "Sammanfattning"),
    (
        0,
        "I juni 2016 tillsatte regeringen tillitsdelegationen som fick i uppdrag att analysera och föreslå hur "
        "styrningen av välfärdstjänster i offentlig sektor, kommuner och landsting, kan utvecklas. I december "
        "2017 gavs ett tilläggsdirektiv med uppdraget att stödja statliga myndigheter att utveckla en "
        "tillitsbaserad styrning och ledning.",
    ),
    (
        0,
        "I huvudbetänkandet ”Med tillit växer handlingsutrymmet- tillitsbaserad styrning och ledning av "
        "välfärdssektorn” (2018:47) belyses statens styrning av kommunsektorn samt den interna styrningen "
        "inom kommunerna.",
    ),
    (0, "Dessa är:"),
    (0, "- Bristande medborgarfokus."),
    (0, "- Frånvaro av helhetsperspektiv."),
    (0, "- Detaljstyrning och administrativa tidstjuvar."),
    (
        0,
        "Förvaltningen delar delegationens uppfattning om att dialog med medarbetare och medborgare är "
        "viktigt för att skapa förståelse, legitimitet och ägandeskap.",
    ),
    (
        0,
        "Kommunstyrelsen har överlämnat ärendet till socialnämnden, stadsledningskontoret, utbildningsnämnden, "
        "äldrenämnden, Farsta stadsdelsnämnd och Norrmalms stadsdelsnämnd. Remissvaret ska vara "
        "kommunstyrelsen tillhanda senast den 3 september 2018.",
    ),
]


def _assert_offsets(cleaned: CleanText) -> None:
    assert cleaned.text == "\n\n".join(b.text for b in cleaned.blocks)
    previous_end = -2
    for block in cleaned.blocks:
        assert cleaned.text[block.start : block.end] == block.text
        assert block.start == previous_end + 2
        previous_end = block.end


def _blocks(text: str) -> list[tuple[int, str]]:
    return [(b.heading_level, b.text) for b in clean([Page(None, text)]).blocks]


# ---------------------------------------------------------------- double-spaced extraction


def test_double_spaced_lines_join_into_paragraphs() -> None:
    cleaned = clean([Page(None, DOUBLE_SPACED)])
    assert [(b.heading_level, b.text) for b in cleaned.blocks] == EXPECTED_PARAGRAPHS
    _assert_offsets(cleaned)


def test_double_spaced_hyphenation_mended_but_dash_with_space_kept() -> None:
    text = clean([Page(None, DOUBLE_SPACED)]).text
    assert "kommunsektorn" in text
    assert "kommun-" not in text and "kommun sektorn" not in text
    assert "handlingsutrymmet- tillitsbaserad" in text
    assert "handlingsutrymmettillitsbaserad" not in text


def test_bullet_glyphs_removed_and_items_stay_separate() -> None:
    cleaned = clean([Page(None, DOUBLE_SPACED)])
    assert "\uf0b7" not in cleaned.text
    items = [b for b in cleaned.blocks if b.text.startswith("- ")]
    assert [b.text for b in items] == [
        "- Bristande medborgarfokus.",
        "- Frånvaro av helhetsperspektiv.",
        "- Detaljstyrning och administrativa tidstjuvar.",
    ]
    assert all(not b.is_heading for b in items)


def test_emphasis_and_whitespace_are_normalised() -> None:
    cleaned = clean([Page(None, DOUBLE_SPACED)])
    assert "*" not in cleaned.text
    assert "  " not in cleaned.text
    assert "\n\n\n" not in cleaned.text
    for block in cleaned.blocks:
        assert "\n" not in block.text
        assert block.text == block.text.strip()


@pytest.mark.parametrize("glyph", ["\uf0b7", "\uf0a7", "\u2022", "\u25cf"])
def test_other_bullet_glyphs_in_single_spaced_text(glyph: str) -> None:
    text = (
        f"Dessa är:\n{glyph} Tillitsfull dialog mellan tjänstemän och politiker.\n"
        f"{glyph}  Gränsöverskridande samarbeten.\n"
    )
    assert _blocks(text) == [
        (0, "Dessa är:"),
        (0, "- Tillitsfull dialog mellan tjänstemän och politiker."),
        (0, "- Gränsöverskridande samarbeten."),
    ]


def test_emphasis_variants() -> None:
    text = "Nämnden välkomnar *Med tillit växer handlingsutrymmet* och **En lärande tillsyn** samt ***försök***."
    assert _blocks(text) == [
        (0, "Nämnden välkomnar Med tillit växer handlingsutrymmet och En lärande tillsyn samt försök.")
    ]


def test_nbsp_and_soft_hyphen() -> None:
    assert _blocks("Kommun\u00adsektorn\u00a0och  staten\tsamverkar.") == [(0, "Kommunsektorn och staten samverkar.")]


# ---------------------------------------------------------------- single-spaced text and pages


def test_hard_breaks_inside_sentences_single_spaced() -> None:
    text = (
        "Förvaltningen anser att staten bör ge kommunerna\n"
        "större handlingsutrymme och minska de riktade\n"
        "statsbidragen.\n"
        "\n"
        "Nästa stycke handlar om tillsynen.\n"
    )
    assert _blocks(text) == [
        (
            0,
            "Förvaltningen anser att staten bör ge kommunerna större handlingsutrymme och minska de riktade "
            "statsbidragen.",
        ),
        (0, "Nästa stycke handlar om tillsynen."),
    ]


def test_hyphenation_single_spaced() -> None:
    text = "Det gäller hela kommun-\nsektorn och handlingsutrymmet- \ntillitsbaserad styrning.\n"
    assert _blocks(text) == [(0, "Det gäller hela kommunsektorn och handlingsutrymmet- tillitsbaserad styrning.")]


def test_suspended_compound_before_och_is_not_glued() -> None:
    """'hälso- och sjukvård' broken after the dash is a Swedish compound, not a hyphenated word."""
    text = "Förslagen berör främst hälso-\noch sjukvården samt kommun-\noch landstingsdirektörer.\n"
    assert _blocks(text) == [
        (0, "Förslagen berör främst hälso- och sjukvården samt kommun- och landstingsdirektörer."),
    ]


def test_page_numbers_kept_on_blocks() -> None:
    pages = [
        Page(1, "Mina synpunkter\nDet finns ett stort behov av att utveckla formerna för den statliga styrningen.\n"),
        Page(2, "Bakgrund\nÄldrenämnden instämmer i huvudsak i tillitsdelegations bedömning.\n"),
    ]
    cleaned = clean(pages)
    assert [(b.text, b.page) for b in cleaned.blocks] == [
        ("Mina synpunkter", 1),
        ("Det finns ett stort behov av att utveckla formerna för den statliga styrningen.", 1),
        ("Bakgrund", 2),
        ("Äldrenämnden instämmer i huvudsak i tillitsdelegations bedömning.", 2),
    ]
    _assert_offsets(cleaned)


def test_sentence_running_across_a_page_break_is_one_paragraph() -> None:
    """A page break is only a soft paragraph hint: a sentence continuing on the next page stays whole."""
    pages = [
        Page(1, "Förvaltningen anser att staten bör ge kommunerna större\nhandlingsutrymme i arbetet med\n"),
        Page(2, "äldreomsorgen och skolan.\n\nNästa stycke börjar här.\n"),
    ]
    cleaned = clean(pages)
    assert (
        "Förvaltningen anser att staten bör ge kommunerna större handlingsutrymme i arbetet med "
        "äldreomsorgen och skolan."
    ) in [b.text for b in cleaned.blocks]
    assert cleaned.blocks[0].page == 1


def test_windows_line_endings_and_form_feeds() -> None:
    text = "Mina synpunkter\r\n\r\nDet finns ett stort behov\r\nav att utveckla styrningen.\fNy sida börjar.\r\n"
    cleaned = clean([Page(None, text)])
    assert "\r" not in cleaned.text and "\f" not in cleaned.text
    assert "Det finns ett stort behov av att utveckla styrningen." in [b.text for b in cleaned.blocks]
    _assert_offsets(cleaned)


def test_empty_input() -> None:
    assert clean([]) == CleanText("", ())
    assert clean([Page(None, " \n\n\t\n")]).blocks == ()


# ---------------------------------------------------------------- headings


def test_markdown_headings() -> None:
    text = "# Remissvar\n\n## **En tillitsbaserad styrning av och inom kommunsektorn**\n\nBrödtext följer här.\n"
    assert _blocks(text) == [
        (1, "Remissvar"),
        (2, "En tillitsbaserad styrning av och inom kommunsektorn"),
        (0, "Brödtext följer här."),
    ]


def test_markdown_heading_directly_followed_by_text() -> None:
    text = "### En lärande tillsyn\nTillitsdelegationen framhåller ökad dialog och samskapande vid statlig tillsyn.\n"
    assert _blocks(text) == [
        (3, "En lärande tillsyn"),
        (0, "Tillitsdelegationen framhåller ökad dialog och samskapande vid statlig tillsyn."),
    ]


@pytest.mark.parametrize("title", ["Socialnämnden", "En lärande tillsyn", "Mina synpunkter", "Farsta stadsdelsnämnd"])
def test_short_title_lines_are_headings(title: str) -> None:
    text = f"{title}\n\n{title.split()[0]} beslutade vid sitt sammanträde den 21 augusti 2018 följande.\n"
    blocks = _blocks(text)
    assert blocks[0] == (3, title)
    assert blocks[1][0] == 0


def test_short_title_line_followed_directly_by_text() -> None:
    text = "Socialnämnden\nSocialnämnden beslutade vid sitt sammanträde den 21 augusti 2018 följande.\n"
    assert _blocks(text) == [
        (3, "Socialnämnden"),
        (0, "Socialnämnden beslutade vid sitt sammanträde den 21 augusti 2018 följande."),
    ]


def test_numbered_heading() -> None:
    text = "1. En tillitsbaserad styrning av och inom kommunsektorn\n\nNämnden välkomnar förslaget.\n"
    blocks = _blocks(text)
    assert blocks[0][1] == "1. En tillitsbaserad styrning av och inom kommunsektorn"
    assert blocks[0][0] > 0
    assert blocks[1] == (0, "Nämnden välkomnar förslaget.")


def test_subnumbered_heading_is_deeper() -> None:
    blocks = _blocks("3 Organisation\n\nText om organisation.\n\n3.1 Processer och stöd\n\nText om stöd.\n")
    levels = {text: level for level, text in blocks}
    assert levels["3 Organisation"] > 0
    assert levels["3.1 Processer och stöd"] > levels["3 Organisation"]


@pytest.mark.parametrize(
    "sentence",
    [
        "2. Paragrafen justeras omedelbart.",
        "1. Remissen besvaras med hänvisning till vad som sägs i promemorian.",
        "Nämnden tillstyrker förslaget.",
        "Utredarna skriver:",
    ],
)
def test_sentences_are_not_headings(sentence: str) -> None:
    blocks = _blocks(f"Jag föreslår följande.\n\n{sentence}\n\nStockholm i oktober.\n")
    assert (0, sentence) in blocks


def test_long_line_is_not_a_heading() -> None:
    line = (
        "Arbetsmarknads och socialnämnden bedriver en aktiv samverkan med lärosäten och andra aktörer i "
        "regionen utan punkt"
    )
    assert _blocks(line) == [(0, line)]


# ---------------------------------------------------------------- the real corpus


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:30])
def test_corpus_offsets_exact(path: Path) -> None:
    cleaned = clean(load(path, 10_000_000))
    assert cleaned.blocks
    _assert_offsets(cleaned)
    assert "  " not in cleaned.text
    assert "\uf0b7" not in cleaned.text


def test_socialforvaltningen_sentences_intact() -> None:
    cleaned = clean(load(SOCIAL, 10_000_000))
    texts = [b.text for b in cleaned.blocks]
    # Known sentences that the file spreads over several double-spaced lines.
    assert (
        "I juni 2016 tillsatte regeringen tillitsdelegationen som fick i uppdrag att analysera och föreslå hur "
        "styrningen av välfärdstjänster i offentlig sektor, kommuner och landsting, kan utvecklas."
    ) in cleaned.text
    assert ("Tjänsteutlåtandet har utarbetats inom avdelningen för stadsövergripande sociala frågor.") in cleaned.text
    assert (
        "I delbetänkandet ”En lärande tillsyn” (2018:48) belyses hur den statliga tillsynen påverkar "
        + ("kommunal verksamhetsutveckling.")
        in texts
    )
    assert "Socialförvaltningen hänvisar till detta tjänsteutlåtande som remissvar." in texts
    assert "- Bristande medborgarfokus." in texts
    assert "- Lösningar med medborgaren i centrum." in texts
    assert "handlingsutrymmet- tillitsbaserad styrning" in cleaned.text
    headings = [b.text for b in cleaned.blocks if b.is_heading]
    for heading in ("Sammanfattning", "Bakgrund", "Ärendets beredning", "Förvaltningens synpunkter och förslag"):
        assert heading in headings
    # No paragraph starts in the middle of a sentence.
    for block in cleaned.blocks:
        assert not block.text[0].islower(), block.text[:80]
        assert "\n" not in block.text


def test_malmo_numbered_headings() -> None:
    """Malmö has one paragraph per line with blank lines between; its numbered headings stand alone."""
    cleaned = clean(load(MALMO, 10_000_000))
    headings = [b.text for b in cleaned.blocks if b.is_heading]
    for heading in (
        "1. En tillitsbaserad styrning av och inom kommunsektorn",
        "2. Tillitsbaserat ledarskap – medledarskap, kultur och värdegrund",
        "3. Organisation, processer och stöd",
        "4. En lärande tillsyn",
        "5. Testa och pröva nya lösningar genom försök",
    ):
        assert heading in headings


def test_single_line_paragraphs_keep_long_heading_separate() -> None:
    """Blank-line-separated single-line paragraphs: a heading of 60+ characters must not swallow the next one."""
    heading = "Tillitsbaserat ledarskap – medledarskap, kultur och värdegrund"
    assert len(heading) >= 60
    paragraphs = [f"Stadsledningskontoret delar Tillitsdelegationens bedömning i fråga nummer {i}." for i in range(24)]
    paragraphs[6:6] = [heading, "Om tillitsbaserad styrning och ledning ska bli verklig blir värderingar viktigare."]
    cleaned = clean([Page(None, "\n\n".join(paragraphs) + "\n")])
    assert (3, heading) in [(b.heading_level, b.text) for b in cleaned.blocks]
    assert len(cleaned.blocks) == len(paragraphs)


def test_kommunstyrelsen_headings_and_numbered_sentences() -> None:
    cleaned = clean(load(KOMMUNSTYRELSEN, 10_000_000))
    levels = {b.text: b.heading_level for b in cleaned.blocks}
    assert levels["Mina synpunkter"] > 0
    assert levels["Remissammanställning"] > 0
    assert levels["Äldrenämnden"] > 0
    assert levels["Farsta stadsdelsnämnd"] > 0
    assert levels["2. Paragrafen justeras omedelbart."] == 0
    assert levels["1. Remissen besvaras med hänvisning till vad som sägs i promemorian."] == 0
