"""Loaders on real files made by the tests: PDF (fpdf2), DOCX (python-docx), HTML, txt, md; and bad files."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.indexing import prepare
from ingest.catalog import load_catalog
from ingest.clean import clean
from ingest.loaders import LoadError, decode_text, load

MAX = 10_000_000

# Seed text: sentences taken from the bundled corpus (corpus/*.txt).
KS_1 = "Det finns ett stort behov av att utveckla formerna för den statliga styrningen."  # kommunstyrelsen
KS_2 = (
    "Jag välkomnar förslag som syftar till att skapa effektivare offentliga verksamheter, "
    "minskad administration och en större nytta för medborgarna."
)  # kommunstyrelsen
AN_1 = (
    "Äldrenämnden instämmer i huvudsak i tillitsdelegations bedömning och de rekommendationer "
    "och förslag som ges i betänkandet."
)  # kommunstyrelsen
FA_1 = (
    "Farsta stadsdelsnämnd instämmer i problembeskrivningen och ställer sig positiv till förslag "
    "och rekommendationer."
)  # kommunstyrelsen
CKS_1 = "CKS har ett antal synpunkter på utredningens utgångspunkter och förslag."  # cks
CKS_2 = (
    "Utredningen presenterar ett antal förslag som syftar till att testa och pröva nya lösningar "
    "genom försöksverksamheter. CKS är positiva till denna ambition."
)  # cks
SF_1 = (
    "Socialförvaltningen i Stockholms stad har med stort intresse följt och tagit del av "
    "tillitsdelegationens arbete."
)  # socialförvaltningen
CP1252_SENTENCE = "Förvaltningen är positiv till förslagen om äldreomsorg"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _make_pdf(path: Path, pages: list[list[str]]) -> None:
    """One PDF page per list; every string is a paragraph (core font Helvetica, cp1252)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_xy(20, 20)
        for paragraph in paragraphs:
            pdf.set_x(20)
            pdf.multi_cell(170, 6, paragraph)
            pdf.ln(4)
    path.write_bytes(bytes(pdf.output()))


def _assert_load_error(path: Path, max_bytes: int, *reason_words: str) -> LoadError:
    with pytest.raises(LoadError) as info:
        load(path, max_bytes)
    exc = info.value
    assert exc.path == path
    assert str(path) in str(exc)
    assert exc.reason and exc.reason in str(exc)
    for word in reason_words:
        assert word in exc.reason, f"{word!r} not in {exc.reason!r}"
    return exc


# ---------------------------------------------------------------- good files


@pytest.fixture
def two_page_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "yttrande-tva-sidor.pdf"
    _make_pdf(
        path,
        [
            ["Mina synpunkter", f"{KS_1} {KS_2}", CKS_1],
            ["Bakgrund", f"{AN_1} {FA_1}", CKS_2],
        ],
    )
    return path


def test_pdf_pages_keep_their_numbers_and_swedish_letters(two_page_pdf: Path) -> None:
    pages = load(two_page_pdf, MAX)
    assert [p.number for p in pages] == [1, 2]
    first, second = _flat(pages[0].text), _flat(pages[1].text)
    assert KS_1 in first and KS_2 in first and CKS_1 in first
    assert AN_1 in second and FA_1 in second and CKS_2 in second
    assert AN_1 not in first and KS_1 not in second
    assert "välkomnar" in first and "Äldrenämnden" in second  # å ä ö survive cp1252 core font


def test_pdf_blocks_and_chunks_carry_the_right_page(
    two_page_pdf: Path, make_settings: Callable[..., object], corpus_copy: Path
) -> None:
    cleaned = clean(load(two_page_pdf, MAX))
    pages_of = {b.text: b.page for b in cleaned.blocks}
    assert pages_of["Mina synpunkter"] == 1
    assert pages_of["Bakgrund"] == 2
    for block in cleaned.blocks:
        if AN_1 in block.text or CKS_2 in block.text:
            assert block.page == 2
        if KS_1 in block.text or CKS_1 in block.text:
            assert block.page == 1

    settings = make_settings(corpus_dir=corpus_copy)
    prepared = prepare(two_page_pdf, load_catalog(settings.catalog_path), settings, None)
    assert prepared.chunks
    found = {1: False, 2: False}
    for chunk in prepared.chunks:
        assert chunk.text == prepared.clean.text[chunk.start : chunk.end]
        if AN_1 in chunk.text or CKS_2 in chunk.text:
            assert chunk.page == 2, chunk
            found[2] = True
        if KS_1 in chunk.text or CKS_1 in chunk.text:
            assert chunk.page == 1, chunk
            found[1] = True
    assert found == {1: True, 2: True}


def test_docx_heading_list_and_body_text(tmp_path: Path) -> None:
    from docx import Document

    path = tmp_path / "yttrande.docx"
    doc = Document()
    doc.add_heading("Mina synpunkter", level=1)
    doc.add_paragraph(KS_1)
    doc.add_paragraph(CKS_1, style="List Bullet")
    doc.add_heading("Bakgrund", level=2)
    doc.add_paragraph(SF_1)
    doc.save(str(path))

    pages = load(path, MAX)
    assert len(pages) == 1 and pages[0].number is None
    cleaned = clean(pages)
    levels = {b.text: b.heading_level for b in cleaned.blocks}
    assert levels["Mina synpunkter"] == 1
    assert levels["Bakgrund"] == 2
    assert levels[KS_1] == 0
    assert levels[SF_1] == 0
    assert levels["- " + CKS_1] == 0
    assert "#" not in cleaned.text


def test_html_keeps_headings_paragraphs_items_and_drops_script(tmp_path: Path) -> None:
    path = tmp_path / "yttrande.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Yttrande</title>"
        "<script>var hemlig = 'skriptkod i huvudet';</script><style>p { color: red; }</style></head>"
        "<body><nav>Meny Startsida</nav>"
        f"<h1>Mina synpunkter</h1><p>{KS_1}</p>"
        f"<ul><li>{CKS_1}</li><li>{FA_1}</li></ul>"
        "<script>document.write('skriptkod i kroppen');</script>"
        f"<h2>Bakgrund</h2><p>{SF_1}</p></body></html>",
        encoding="utf-8",
    )
    pages = load(path, MAX)
    assert len(pages) == 1
    assert "skriptkod" not in pages[0].text
    assert "color: red" not in pages[0].text
    cleaned = clean(pages)
    levels = {b.text: b.heading_level for b in cleaned.blocks}
    assert levels["Mina synpunkter"] == 1
    assert levels["Bakgrund"] == 2
    assert levels[KS_1] == 0
    assert levels["- " + CKS_1] == 0
    assert levels["- " + FA_1] == 0
    assert levels[SF_1] == 0
    assert "skriptkod" not in cleaned.text


def test_html_list_item_wrapping_a_paragraph_is_not_duplicated(tmp_path: Path) -> None:
    """Word/CMS exports often write <li><p>...</p></li>; the text must appear once."""
    path = tmp_path / "lista.html"
    path.write_text(
        f"<html><body><h1>Remissvar</h1><ul><li><p>{CKS_1}</p></li></ul><p>{KS_1}</p></body></html>",
        encoding="utf-8",
    )
    text = load(path, MAX)[0].text
    assert text.count(CKS_1) == 1, text


def test_txt_and_md_are_read_as_is(tmp_path: Path) -> None:
    txt = tmp_path / "yttrande.txt"
    content = f"Mina synpunkter\n\n{KS_1} {KS_2}\n\n{AN_1}\n"
    txt.write_text(content, encoding="utf-8")
    pages = load(txt, MAX)
    assert len(pages) == 1 and pages[0].number is None
    assert pages[0].text == content

    md = tmp_path / "yttrande.md"
    md_content = f"# Mina synpunkter\n\n{KS_1} *{CKS_1}*\n\n- {FA_1}\n"
    md.write_text(md_content, encoding="utf-8")
    pages = load(md, MAX)
    assert pages[0].text == md_content
    cleaned = clean(pages)
    assert cleaned.blocks[0].heading_level == 1 and cleaned.blocks[0].text == "Mina synpunkter"
    assert cleaned.blocks[1].text == f"{KS_1} {CKS_1}"
    assert cleaned.blocks[2].text == f"- {FA_1}"


def test_cp1252_text_is_decoded_with_swedish_letters(tmp_path: Path) -> None:
    path = tmp_path / "ansi.txt"
    data = (CP1252_SENTENCE + ".\r\nÅtgärderna gäller även öppenvården.\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    path.write_bytes(data)
    text = load(path, MAX)[0].text
    assert CP1252_SENTENCE in text
    assert "Åtgärderna gäller även öppenvården." in text
    assert decode_text(path, CP1252_SENTENCE.encode("cp1252")) == CP1252_SENTENCE


def test_cp1252_html_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "ansi.html"
    path.write_bytes(f"<html><body><p>{CP1252_SENTENCE}.</p></body></html>".encode("cp1252"))
    assert CP1252_SENTENCE + "." in load(path, MAX)[0].text


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + f"{KS_1}\n".encode())
    text = load(path, MAX)[0].text
    assert text == f"{KS_1}\n"
    assert "\ufeff" not in text
    assert decode_text(path, b"\xef\xbb\xbf" + "Åtgärd".encode()) == "Åtgärd"


# ---------------------------------------------------------------- bad files


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "tom.txt"
    path.write_bytes(b"")
    _assert_load_error(path, MAX, "tom")


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text("   \n\n \t \n", encoding="utf-8")
    _assert_load_error(path, MAX, "ingen text")


def test_binary_bytes_renamed_txt(tmp_path: Path) -> None:
    path = tmp_path / "bild.txt"
    rng = random.Random(47)
    data = bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\x00\x00" + os.urandom(64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + data)
    _assert_load_error(path, MAX, "binär")


def test_corrupt_pdf_garbage(tmp_path: Path) -> None:
    path = tmp_path / "trasig.pdf"
    rng = random.Random(48)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
    _assert_load_error(path, MAX, "PDF", "trasig")


def test_truncated_pdf(tmp_path: Path) -> None:
    good = tmp_path / "hel.pdf"
    _make_pdf(good, [[KS_1, KS_2], [AN_1]])
    data = good.read_bytes()
    path = tmp_path / "avklippt.pdf"
    path.write_bytes(data[: len(data) // 2])
    _assert_load_error(path, MAX, "PDF", "trasig")


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = tmp_path / "oppen.pdf"
    _make_pdf(plain, [[KS_1], [AN_1]])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="hemligt")
    path = tmp_path / "last.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    _assert_load_error(path, MAX, "krypterad")


def test_pdf_with_owner_password_only_still_loads(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = tmp_path / "oppen.pdf"
    _make_pdf(plain, [[KS_1], [AN_1]])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="", owner_password="agare")
    path = tmp_path / "agarlast.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    pages = load(path, MAX)
    assert [p.number for p in pages] == [1, 2]
    assert KS_1 in _flat(pages[0].text)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 60, style="F")
    path = tmp_path / "skannad.pdf"
    path.write_bytes(bytes(pdf.output()))
    _assert_load_error(path, MAX, "textlager")


def test_file_over_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "stor.txt"
    path.write_text((KS_1 + "\n") * 40, encoding="utf-8")
    size = path.stat().st_size
    assert size > 1000
    _assert_load_error(path, 1000, "MB", "gränsen")
    assert load(path, size)  # exactly at the limit is fine


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "budget.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    _assert_load_error(path, MAX, ".xlsx", "stöds inte")


def test_file_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text(KS_1, encoding="utf-8")
    _assert_load_error(path, MAX, "stöds inte")


def test_corrupt_docx(tmp_path: Path) -> None:
    """A .docx that is not a zip package must be a LoadError, not python-docx's own exception."""
    path = tmp_path / "trasig.docx"
    path.write_bytes(b"Detta var aldrig ett Word-dokument. " * 20)
    _assert_load_error(path, MAX, "DOCX", "trasig")


def test_docx_zip_without_document(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "tom-zip.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hej.txt", KS_1)
    _assert_load_error(path, MAX, "DOCX", "trasig")
