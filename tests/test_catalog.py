"""The corpus catalog: parsing, validation, metadata for listed and unlisted files, ids and titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from ingest.catalog import CatalogError, document_id, infer_title, load_catalog
from ingest.clean import clean
from ingest.records import Block, Page

CORPUS = PROJECT_ROOT / "corpus"

GOOD_ENTRY = """
[[documents]]
file = "goteborgs-stad-remissvar.pdf"
title = "Göteborgs stads remissvar"
organisation = "Göteborgs stad"
body = "Kommunstyrelsen"
kind = "remissvar"
date = "2018-10-30"
reference = "Dnr 123/18"
concerns = ["SOU 2018:47"]
original_file = "original name.pdf"
speakers_after = "Remissammanställning"
[documents.speakers]
"Socialnämnden" = "Socialnämnden (socialförvaltningen)"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the bundled catalog


def test_bundled_catalog_lists_every_corpus_file() -> None:
    catalog = load_catalog(CORPUS / "catalog.toml")
    assert catalog.path == CORPUS / "catalog.toml"
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".md", ".pdf", ".docx", ".html")}
    assert set(catalog.entries) == files
    assert len(files) == 5


def test_bundled_catalog_meta_for_kommunstyrelsen() -> None:
    catalog = load_catalog(CORPUS / "catalog.toml")
    path = CORPUS / "stockholms-stad-kommunstyrelsen-remissvar.txt"
    meta = catalog.meta_for(path, str(path), ())
    assert meta.catalogued is True
    assert meta.doc_id == "stockholms-stad-kommunstyrelsen-remissvar"
    assert meta.organisation == "Stockholms stad"
    assert meta.body == "Kommunstyrelsen (borgarrådsberedningen)"
    assert meta.kind == "remissvar"
    assert meta.concerns == ("SOU 2018:47", "SOU 2018:48")
    assert meta.original_file == "000_fae23671b86a646f.txt"
    assert meta.speakers_after == "Remissammanställning"
    assert ("Äldrenämnden", "Äldrenämnden (äldreförvaltningen)") in meta.speakers
    assert len(meta.speakers) == 7


# ---------------------------------------------------------------- parsing and validation


def test_full_entry(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, GOOD_ENTRY))
    path = tmp_path / "goteborgs-stad-remissvar.pdf"
    meta = catalog.meta_for(path, "källa", ())
    assert meta.title == "Göteborgs stads remissvar"
    assert meta.source == "källa"
    assert meta.date == "2018-10-30"
    assert meta.reference == "Dnr 123/18"
    assert meta.original_file == "original name.pdf"
    assert meta.speakers == (("Socialnämnden", "Socialnämnden (socialförvaltningen)"),)


def test_body_defaults_to_organisation(tmp_path: Path) -> None:
    catalog = load_catalog(
        _write(tmp_path, '[[documents]]\nfile = "a.txt"\ntitle = "A"\norganisation = "Malmö stad"\n')
    )
    meta = catalog.meta_for(tmp_path / "a.txt", "a.txt", ())
    assert meta.body == "Malmö stad"
    assert meta.original_file == "a.txt"
    assert meta.speakers == () and meta.speakers_after == ""


def test_missing_catalog_file_is_empty(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path / "finns-inte.toml")
    assert catalog.entries == {} and catalog.path is None


@pytest.mark.parametrize("field", ["title", "organisation", "file"])
def test_missing_required_field(tmp_path: Path, field: str) -> None:
    second = GOOD_ENTRY.replace('file = "goteborgs', 'file = "malmo').replace("Göteborgs stads", "Malmö stads")
    lines = [line for line in second.splitlines() if not line.startswith(f"{field} =")]
    path = _write(tmp_path, GOOD_ENTRY + "\n".join(lines))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    message = str(info.value)
    assert str(path) in message
    assert f"'{field}'" in message
    assert "nr 2" in message  # the second entry is the bad one


def test_blank_required_field(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[documents]]\nfile = "a.txt"\ntitle = "   "\norganisation = "O"\n')
    with pytest.raises(CatalogError, match="'title'") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_fields_of_the_wrong_type_are_coerced_or_left_out_with_a_warning(tmp_path: Path) -> None:
    """Issue 11: `concerns = "SOU 2018:47"` was stored character by character, silently."""
    path = _write(
        tmp_path,
        '[[documents]]\nfile = "a.txt"\ntitle = 47\norganisation = "O"\nbody = true\nreference = 2.5\n'
        'concerns = "SOU 2018:47"\ndate = 2018-10-30\nkind = { namn = "remissvar" }\n\n'
        '[[documents]]\nfile = "b.txt"\ntitle = "B"\norganisation = "O"\nconcerns = ["SOU 2018:48", 2018, ["x"]]\n'
        '\n[[documents]]\nfile = "c.txt"\ntitle = "C"\norganisation = "O"\nconcerns = { sou = "2018:47" }\n',
    )
    catalog = load_catalog(path)
    a = catalog.meta_for(Path("a.txt"), "a.txt", ())
    assert (a.title, a.body, a.reference, a.date, a.kind) == ("47", "O", "2.5", "2018-10-30", "")
    assert a.concerns == ("SOU 2018:47",)
    assert catalog.meta_for(Path("b.txt"), "b.txt", ()).concerns == ("SOU 2018:48", "2018")
    assert catalog.meta_for(Path("c.txt"), "c.txt", ()).concerns == ()
    warnings = "\n".join(catalog.warnings)
    first = f"{path}: dokument nr 1 (a.txt)"
    assert f"{first}: fältet 'title' är ett tal (47); läst som texten \"47\"" in warnings
    assert f"{first}: fältet 'body' ska vara text, inte ett sant/falskt-värde; det används inte" in warnings
    assert f"{first}: fältet 'kind' ska vara text, inte en tabell" in warnings
    assert f"{first}: fältet 'concerns' ska vara en lista; läst som ['SOU 2018:47']" in warnings
    assert f"{path}: dokument nr 2 (b.txt): ett värde i 'concerns' är ett tal (2018)" in warnings
    assert f"{path}: dokument nr 2 (b.txt): ett värde i 'concerns' ska vara text, inte en lista" in warnings
    assert f"{path}: dokument nr 3 (c.txt): fältet 'concerns' ska vara en lista, inte en tabell" in warnings
    assert "'date'" not in warnings  # an unquoted TOML date is what the author meant
    assert f"{first}: fältet 'reference' är ett tal (2.5)" in warnings
    assert len(catalog.warnings) == 8


def test_a_required_field_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[documents]]\nfile = "a.txt"\ntitle = ["A", "B"]\norganisation = "O"\n')
    with pytest.raises(CatalogError, match="saknar fältet 'title'") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[documents]\nfile = "a.txt"\ntitle = "A"\n')
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value)
    assert "TOML" in str(info.value)


def test_catalog_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_bytes(
        '[[documents]]\nfile = "a.txt"\ntitle = "Yttrande från Malmö"\norganisation = "O"\n'.encode("cp1252")
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_speakers_must_be_a_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path, '[[documents]]\nfile = "a.txt"\ntitle = "A"\norganisation = "O"\nspeakers = ["Socialnämnden"]\n'
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value) and "speakers" in str(info.value) and "a.txt" in str(info.value)


def test_documents_written_as_single_table(tmp_path: Path) -> None:
    """'[documents]' instead of '[[documents]]' is a malformed catalog: CatalogError, not a crash."""
    path = _write(tmp_path, '[documents]\nfile = "a.txt"\ntitle = "A"\norganisation = "O"\n')
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------- unlisted files, ids, titles


def test_unlisted_file_gets_inferred_metadata(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, GOOD_ENTRY))
    blocks = clean([Page(None, "Datum\n\n# Yttrande om tillitsbaserad styrning\n\nNämnden tillstyrker.\n")]).blocks
    path = tmp_path / "Nytt Yttrande.docx"
    meta = catalog.meta_for(path, str(path), blocks)
    assert meta.catalogued is False
    assert meta.doc_id == "nytt-yttrande"
    # "Datum" is a heading too (a short title line), but the subject line "Yttrande om …" is the title.
    assert meta.title == "Yttrande om tillitsbaserad styrning"
    assert meta.kind == "yttrande"
    assert meta.original_file == "Nytt Yttrande.docx"


def test_unlisted_file_title_falls_back_to_stem(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path / "none.toml")
    meta = catalog.meta_for(tmp_path / "okand-fil.txt", "okand-fil.txt", ())
    assert meta.title == "okand-fil"
    assert meta.catalogued is False


def test_infer_title() -> None:
    heading = Block("Remissvar om En lärande tillsyn", 0, 31, None, 1)
    body = Block("Nämnden tillstyrker förslaget. " * 10, 33, 343, None, 0)
    assert infer_title((body, heading)) == "Remissvar om En lärande tillsyn"
    assert infer_title((Block("Bil", 0, 3, None, 3), heading)) == "Remissvar om En lärande tillsyn"  # too short
    assert infer_title((body,)) == body.text[:100]
    assert len(infer_title((body,))) == 100
    assert infer_title(()) == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Malmö Stad Yttrande.pdf", "malmö-stad-yttrande"),
        ("stockholms-stad-kommunstyrelsen-remissvar.txt", "stockholms-stad-kommunstyrelsen-remissvar"),
        ("Region Jämtland Härjedalen (RS 1295, 2018).docx", "region-jämtland-härjedalen-rs-1295-2018"),
        ("  ÄLDRENÄMNDEN__svar .html", "äldrenämnden__svar"),
        ("---.txt", "dokument"),
    ],
)
def test_document_id(name: str, expected: str) -> None:
    doc_id = document_id(Path(name))
    assert doc_id == expected
    assert doc_id == doc_id.lower()
    assert " " not in doc_id


def test_document_id_is_stable_and_ignores_folder() -> None:
    assert document_id(Path("a/b/Malmö Stad Yttrande.pdf")) == document_id(Path("Malmö Stad Yttrande.pdf"))
