"""PDFs as consultation responses come: running headers, footers and page numbers, two columns, words
hyphenated across lines, tables, scanned pages (OCR with Tesseract); and .odt, .rtf, .doc files.
Every file is made here: PDFs with fpdf2 (scanned pages are text drawn into an image with Pillow)."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.indexing import discover, prepare
from evals.bench.pdf_corpus import PAGE_NUMBER_STYLES, make_pdf, render_image
from ingest import ocr
from ingest.catalog import load_catalog
from ingest.clean import clean
from ingest.loaders import LoadError, load
from ingest.pdf_layout import PAGE_NUMBER

MAX = 50_000_000


@pytest.fixture
def tesseract() -> None:
    """Skipped without Tesseract's Swedish model locally; in CI (which installs it) that is a failure."""
    if ocr.state() != "swe":
        reason = f"Tesseract with its Swedish model is missing: apt-get update && {ocr.INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


SCANNED = [
    "Yttrande om hemtjänsten",
    "",
    "Gullspångs kommun avstyrker förslaget om en nationell",
    "tillsynsmyndighet för hemtjänsten eftersom tillsynen redan",
    "fungerar väl i länet. Kommunen föreslår i stället att",
    "länsstyrelsen får ett tydligare uppdrag att stödja",
    "kommunernas eget kvalitetsarbete.",
]
TEXT_PAGE = [
    "Inledning",
    "",
    "Gullspångs kommun har tagit del av betänkandet och lämnar följande yttrande. Kommunen",
    "delar utredningens bild av att styrningen av välfärden behöver bli mer tillitsbaserad.",
    "Medarbetarnas kunskap och erfarenhet bör tas till vara bättre än i dag. Kommunen ser",
    "också ett behov av att minska antalet riktade statsbidrag och de krav på återrapportering",
    "som följer med dem, eftersom de tar tid från verksamheten.",
]
SCANNED_SENTENCE = (
    "Gullspångs kommun avstyrker förslaget om en nationell tillsynsmyndighet för hemtjänsten "
    "eftersom tillsynen redan fungerar väl i länet."
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pdf(path: Path, draw: Callable[..., None], pages: int = 1) -> Path:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Helvetica", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        draw(pdf, number)
    path.write_bytes(bytes(pdf.output()))
    return path


def _prepared(path: Path, make_settings: Callable[..., object], corpus_copy: Path):  # type: ignore[no-untyped-def]
    settings = make_settings(corpus_dir=corpus_copy)
    return prepare(path, load_catalog(settings.catalog_path), settings, None)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- running headers and footers


@pytest.mark.parametrize("seed", range(len(PAGE_NUMBER_STYLES)))
def test_no_header_footer_or_page_number_in_any_passage(
    tmp_path: Path, seed: int, make_settings: Callable[..., object], corpus_copy: Path
) -> None:
    path = tmp_path / f"remissvar-{seed}.pdf"
    layout = make_pdf(path, seed, pages=6)
    assert layout.footer_style == PAGE_NUMBER_STYLES[seed]  # each style of page number once
    raw_pages = load(path, MAX)
    assert [p.number for p in raw_pages] == [1, 2, 3, 4, 5, 6]
    prepared = _prepared(path, make_settings, corpus_copy)
    assert len(prepared.chunks) >= 6
    labels = {layout.footer_style.format(i=i, n=6) for i in range(1, 7)}
    for chunk in prepared.chunks:
        assert "Postadress" not in chunk.text and "Telefon" not in chunk.text, chunk.text
        assert _flat(layout.header) not in _flat(chunk.text), chunk.text
        assert not any(label in chunk.text for label in labels if not label.isdigit()), chunk.text
    for block in prepared.clean.blocks:
        assert not PAGE_NUMBER.match(block.text), block.text
        assert not re.search(r"(?:^|\n)\d{1,2}(?:\n|$)", block.text), block.text
    # The letterhead on page 1 is not a running header: it stays (its Dnr once), and so does the body text.
    assert prepared.clean.text.count(layout.header.split("   ")[1]) == 1
    assert layout.organisation in prepared.clean.text
    assert "Yttrande över Med tillit växer handlingsutrymmet (SOU 2018:47)" in prepared.clean.text
    assert "Med vänlig hälsning" in prepared.clean.text


def test_a_letterhead_repeated_as_running_header_still_names_the_organisation(
    tmp_path: Path, make_settings: Callable[..., object], corpus_copy: Path
) -> None:
    """The name on top of every page is taken out of the passages, and still read as who writes."""

    def draw(pdf, number: int) -> None:  # type: ignore[no-untyped-def]
        pdf.set_font("Helvetica", "B", 12)
        pdf.text(25, 14, "Inspektionen för vård och omsorg")
        pdf.set_font("Helvetica", size=11)
        y = 45.0
        if number == 1:
            for line in ("12 mars 2024", "Dnr 3.1-12345/2024", "", "Yttrande över En lärande tillsyn (SOU 2024:9)"):
                pdf.text(25, y, line)
                y += 7
        for n in range(8):
            pdf.text(25, y, f"Myndigheten tillstyrker förslag {number}.{n} om en lärande tillsyn i hemtjänsten.")
            y += 7
        if number == 3:
            pdf.text(25, y + 10, "Socialtjänsten och skolan berörs")  # a short line of running text, not a signature

    path = _pdf(tmp_path / "yttrande-tillsyn.pdf", draw, pages=3)
    prepared = _prepared(path, make_settings, corpus_copy)
    assert all("Inspektionen för vård och omsorg" not in c.text for c in prepared.chunks)
    assert prepared.meta.organisation == "Inspektionen för vård och omsorg"
    assert prepared.meta.reference == "3.1-12345/2024"


# ---------------------------------------------------------------- columns, hyphens, tables

LEFT = [f"Vänster spalt mening {n} handlar om riktade statsbidrag." for n in ("ett", "två", "tre", "fyra")]
RIGHT = [f"Höger spalt mening {n} handlar om en lärande tillsyn." for n in ("ett", "två", "tre", "fyra")]


def _two_columns(pdf, number: int) -> None:  # type: ignore[no-untyped-def]
    """Each sentence over two lines; the right column's line is drawn first on every row, so the
    content stream interleaves the columns and only their position gives the reading order."""
    pdf.set_font("Helvetica", "B", 13)
    pdf.text(25, 25, "Synpunkter i två spalter")
    pdf.set_font("Helvetica", size=11)
    y = 40.0
    for left, right in zip(LEFT, RIGHT, strict=True):
        for part in range(2):
            pdf.text(112, y, " ".join(right.split()[:4]) if part == 0 else " ".join(right.split()[4:]))
            pdf.text(25, y, " ".join(left.split()[:4]) if part == 0 else " ".join(left.split()[4:]))
            y += 5.5
        y += 3


def test_two_column_page_reads_left_column_before_right(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "spalter.pdf", _two_columns)
    text = _flat(clean(load(path, MAX)).text)
    positions = []
    for sentence in LEFT + RIGHT:
        assert sentence in text, (sentence, text)
        positions.append(text.index(sentence))
    assert positions == sorted(positions), text
    assert text.index("Synpunkter i två spalter") < positions[0]


HYPHEN_LINES = [
    "Förvaltningen anser att arbetet med verksamhets-",
    "utveckling behöver stärkas i stadsdelen Hässelby-",
    "Vällingby, inom hälso-",
    "och sjukvården och i dialog med EU-",
    "kommissionen om kommun-",
    "sektorns villkor.",
]


def test_words_hyphenated_across_lines_are_joined_and_compounds_keep_their_hyphen(tmp_path: Path) -> None:
    def draw(pdf, number: int) -> None:  # type: ignore[no-untyped-def]
        for i, line in enumerate(HYPHEN_LINES):
            pdf.text(25, 30 + i * 5.5, line)

    text = _flat(clean(load(_pdf(tmp_path / "avstavning.pdf", draw), MAX)).text)
    assert "arbetet med verksamhetsutveckling behöver" in text, text
    assert "Hässelby-Vällingby," in text
    assert "hälso- och sjukvården" in text
    assert "EU-kommissionen" in text
    assert "kommunsektorns villkor." in text
    assert "verksamhets-" not in text and "kommun-" not in text


def test_a_word_hyphenated_across_a_page_break_is_joined(tmp_path: Path) -> None:
    def draw(pdf, number: int) -> None:  # type: ignore[no-untyped-def]
        pdf.text(25, 270, "Regionen välkomnar förslaget om försöks-" if number == 1 else "verksamhet i hela landet.")

    pages = load(_pdf(tmp_path / "sidbrytning.pdf", draw, pages=2), MAX)
    assert "försöksverksamhet i hela landet." in _flat(clean(pages).text)


def test_a_table_is_kept_as_rows(tmp_path: Path) -> None:
    rows = [("Förslag", "Ställningstagande", "Kommentar"), ("Policylab", "Tillstyrks", "Kräver finansiering")]
    rows += [(f"Förslag {n}", "Avstyrks", "Se avsnitt 3") for n in range(2, 6)]

    def draw(pdf, number: int) -> None:  # type: ignore[no-untyped-def]
        pdf.text(25, 25, "Ställningstaganden i sammandrag")
        for i, row in enumerate(rows):
            for x, cell in zip((25, 85, 135), row, strict=True):
                pdf.text(x, 40 + i * 8, cell)
        pdf.text(25, 100, "Nämnden har inga ytterligare synpunkter på förslagen i betänkandet.")

    blocks = [b.text for b in clean(load(_pdf(tmp_path / "tabell.pdf", draw), MAX)).blocks]
    for row in rows:
        assert " | ".join(row) in blocks, blocks
    assert "Nämnden har inga ytterligare synpunkter på förslagen i betänkandet." in blocks


# ---------------------------------------------------------------- scanned pages


def _scanned_pdf(path: Path, text_page: bool = True) -> Path:
    def draw(pdf, number: int) -> None:  # type: ignore[no-untyped-def]
        if number == 1 and text_page:
            for i, line in enumerate(TEXT_PAGE):
                pdf.text(25, 30 + i * 5.5, line)
        else:
            pdf.image(render_image(SCANNED, dpi=150), x=0, y=0, w=210, h=297)

    return _pdf(path, draw, pages=2 if text_page else 1)


def test_a_scanned_page_is_read_by_ocr_marked_and_answers_a_question(
    tmp_path: Path, make_settings: Callable[..., object], tesseract: None
) -> None:
    from assistant.chain import Assistant
    from assistant.indexing import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = _scanned_pdf(corpus / "gullspang-yttrande.pdf")
    (corpus / "catalog.toml").write_text(
        '[[documents]]\nfile = "gullspang-yttrande.pdf"\ntitle = "Yttrande från Gullspångs kommun"\n'
        'organisation = "Gullspångs kommun"\nbody = "Kommunstyrelsen"\nkind = "remissvar"\n',
        encoding="utf-8",
    )
    pages = load(path, MAX)
    assert [p.ocr for p in pages] == [False, True]
    assert SCANNED_SENTENCE in _flat(pages[1].text)

    settings = make_settings(corpus_dir=corpus)
    report = ingest(settings)  # type: ignore[arg-type]
    assert report.ok and report.added == ["gullspang-yttrande"], report.failed
    assistant = Assistant(settings)  # type: ignore[arg-type]
    hits = assistant.search("nationell tillsynsmyndighet för hemtjänsten").hits
    scanned = [h for h in hits if "tillsynsmyndighet" in h.chunk.text]
    assert scanned and all(h.chunk.ocr and h.as_json()["ocr"] is True for h in scanned)
    assert all(not h.chunk.ocr for h in hits if "tagit del av betänkandet" in h.chunk.text)

    answer = assistant.answer("Vad tycker Gullspångs kommun om en nationell tillsynsmyndighet för hemtjänsten?")
    assert not answer.abstained, answer.text
    assert "avstyrker" in answer.text
    assert any(c.hit.chunk.ocr and c.hit.chunk.page == 2 for c in answer.citations)


def test_without_tesseract_a_warning_names_the_file_and_the_rest_ingests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    ocr.languages.cache_clear()
    try:
        warnings: list[str] = []
        path = _scanned_pdf(tmp_path / "skannad-bilaga.pdf")
        pages = load(path, MAX, warn=warnings.append)
        assert "tagit del av betänkandet" in pages[0].text and not pages[1].text and not pages[1].ocr
        assert len(warnings) == 1
        assert "skannad-bilaga.pdf" in warnings[0] and "sidan 2" in warnings[0]
        assert "apt-get install -y tesseract-ocr tesseract-ocr-swe" in warnings[0]

        only_scanned = _scanned_pdf(tmp_path / "bara-bild.pdf", text_page=False)
        with pytest.raises(LoadError, match="Tesseract") as info:
            load(only_scanned, MAX)
        assert info.value.path == only_scanned
    finally:
        monkeypatch.undo()
        ocr.languages.cache_clear()


# ---------------------------------------------------------------- other formats

MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3">
 <office:body><office:text>
  <text:h text:outline-level="1">Yttrande från Tranås kommun</text:h>
  <text:p>Tranås kommun<text:s/>tillstyrker förslaget om <text:span>tillitsbaserad styrning</text:span>.<text:note>
   <text:note-citation>1</text:note-citation>
   <text:note-body><text:p>En fotnot.</text:p></text:note-body></text:note></text:p>
  <text:list><text:list-item><text:p>Färre riktade statsbidrag</text:p></text:list-item></text:list>
  <table:table><table:table-row><table:table-cell><text:p>Förslag</text:p></table:table-cell>
   <table:table-cell><text:p>Tillstyrks</text:p></table:table-cell></table:table-row></table:table>
 </office:text></office:body></office:document-content>"""


def test_odt_is_read_with_headings_lists_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "tranas.odt"
    with zipfile.ZipFile(path, "w") as odt:
        odt.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        odt.writestr("content.xml", ODT_CONTENT)
        odt.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    text = load(path, MAX)[0].text
    assert "# Yttrande från Tranås kommun" in text
    assert "Tranås kommun tillstyrker förslaget om tillitsbaserad styrning." in text
    assert "- Färre riktade statsbidrag" in text and "Förslag | Tillstyrks" in text
    assert "fotnot" not in text
    assert path in discover([tmp_path])[0]
    blocks = [b.text for b in clean(load(path, MAX)).blocks]
    assert blocks[0] == "Yttrande från Tranås kommun" and clean(load(path, MAX)).blocks[0].is_heading


def test_odt_without_content_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tom.odt"
    with zipfile.ZipFile(path, "w") as odt:
        odt.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(LoadError, match=r"content\.xml") as info:
        load(path, MAX)
    assert str(path) in str(info.value)


def test_rtf_is_read_with_swedish_letters(tmp_path: Path) -> None:
    path = tmp_path / "vetlanda.rtf"
    path.write_bytes(
        rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}\f0\fs22 "
        rb"{\b Yttrande fr\'e5n Vetlanda kommun}\par "
        rb"Kommunen v\'e4lkomnar f\'f6rslaget om en l\'e4rande tillsyn.\par "
        rb"\u8211? Nya krav b\'f6r f\'f6ljas upp.\par}"
    )
    text = load(path, MAX)[0].text
    assert "Yttrande från Vetlanda kommun" in text
    assert "Kommunen välkomnar förslaget om en lärande tillsyn." in text
    assert "– Nya krav bör följas upp." in text
    assert path in discover([tmp_path])[0]


def test_word_97_doc_is_refused_with_what_to_do_and_rtf_named_doc_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gammal.doc"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 1024)
    with pytest.raises(LoadError, match="DOCX eller PDF") as info:
        load(path, MAX)
    assert info.value.path == path and ".doc" in info.value.reason
    rtf = tmp_path / "sparad-som-rtf.doc"
    rtf.write_bytes(rb"{\rtf1\ansi Kommunen tillstyrker f\'f6rslaget.\par}")
    assert load(rtf, MAX)[0].text == "Kommunen tillstyrker förslaget."
