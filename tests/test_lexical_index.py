"""The lexical index on disk: updated per document inside the commit, per generation, crash-safe, migrated."""

from __future__ import annotations

import logging
import math
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_process import cli_env, run_cli
from corpus_text import seed_text

from assistant.errors import IndexWriteError
from assistant.generations import legacy_lexical_path, lexical_path
from assistant.indexing import ingest
from assistant.lexical import LEXICAL_FORMAT, LexicalIndex
from assistant.settings import Settings
from assistant.store import Store

UNIQUE = "Kommunen prövar zebrafinkarnas rastplatser vid Gullspångsälven i ett försök med tillitsbaserad styrning."


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "malmo.txt").write_text(
        seed_text("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", 900), encoding="utf-8"
    )
    (folder / "cks.txt").write_text(seed_text("cks-linkopings-universitet-remissyttrande.txt", 900), encoding="utf-8")
    (folder / "catalog.toml").write_text(
        '[[documents]]\nfile = "malmo.txt"\ntitle = "Malmös yttrande"\norganisation = "Malmö stad"\n'
        'body = "Arbetsmarknads- och socialnämnden"\n\n'
        '[[documents]]\nfile = "cks.txt"\ntitle = "CKS remissyttrande"\norganisation = "Linköpings universitet"\n'
        '\n[[documents]]\nfile = "ny.txt"\ntitle = "Ny inlaga"\norganisation = "Gullspångs kommun"\n',
        encoding="utf-8",
    )


def add_new_document(folder: Path) -> Path:
    path = folder / "ny.txt"
    path.write_text(
        "Inlaga om tillsyn\n\n"
        + seed_text("stockholms-stad-socialforvaltningen-tjansteutlatande.txt", 500, 6)
        + f"\n\n{UNIQUE}\n",
        encoding="utf-8",
    )
    return path


def found(store: Store, words: str) -> set[str]:
    return {c.doc_id for c, _ in store.lexical_search(words, 5)}


@pytest.fixture
def indexed(make_settings: Callable[..., Settings]) -> Settings:
    settings = make_settings()
    write_corpus(settings.corpus_dir)
    assert ingest(settings).ok
    return settings


def test_a_document_added_or_removed_by_another_process_is_searchable_at_once(
    indexed: Settings, tmp_path: Path
) -> None:
    serving = Store(indexed)  # kept open like `remiss serve`, never told to re-read
    assert found(serving, "zebrafinkarnas rastplatser") == set()
    before = serving.lexical().stamp

    add_new_document(indexed.corpus_dir)
    result = run_cli(cli_env(indexed), tmp_path, "ingest", "--quiet", timeout=240)
    assert result.returncode == 0, result.stderr
    assert found(serving, "zebrafinkarnas rastplatser") == {"ny"}, "a word only in the new document"
    assert serving.lexical().stamp > before
    assert "ny" in serving.manifest()  # the manifest followed the stamp, without fresh=True

    (indexed.corpus_dir / "ny.txt").unlink()
    result = run_cli(cli_env(indexed), tmp_path, "ingest", "--quiet", timeout=240)
    assert result.returncode == 0, result.stderr
    assert found(serving, "zebrafinkarnas rastplatser") == set()
    assert "ny" not in serving.manifest()
    assert set(serving.lexical().documents()) == {"malmo", "cks"}


def test_the_writer_updates_only_the_document_it_commits(indexed: Settings) -> None:
    store = Store(indexed)
    rows_before = dict(sqlite3.connect(lexical_path(indexed, 0)).execute("SELECT id, n FROM chunks"))
    add_new_document(indexed.corpus_dir)
    report = ingest(indexed, store=store)
    assert report.added == ["ny"]
    rows_after = dict(sqlite3.connect(lexical_path(indexed, 0)).execute("SELECT id, n FROM chunks"))
    assert {k: v for k, v in rows_after.items() if k in rows_before} == rows_before, "other documents were rewritten"
    assert found(store, "zebrafinkarnas") == {"ny"}
    assert store.lexical().n_chunks == store.chunk_count() == len(rows_after)


def test_a_rebuild_generation_has_its_own_lexical_index(indexed: Settings) -> None:
    old = lexical_path(indexed, 0)
    assert old.exists()
    report = ingest(indexed, rebuild=True)
    assert report.generation == 1
    new = lexical_path(indexed, 1)
    assert new.exists() and new != old
    assert not old.exists(), "the old generation's lexical index goes with it"
    store = Store(indexed)
    assert store.generation == 1
    assert set(store.lexical().documents()) == {"malmo", "cks"}
    assert found(store, "Malmö stad arbetsmarknadsnämnden") >= {"malmo"}


def test_a_failed_lexical_write_leaves_the_previous_version_everywhere(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(indexed)
    add_new_document(indexed.corpus_dir)

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(LexicalIndex, "replace_document", broken)
    with pytest.raises(IndexWriteError, match=r"ny\.txt.*tidigare version"):
        ingest(indexed, store=store)
    monkeypatch.undo()

    reader = Store(indexed)
    for s in (store, reader):
        assert "ny" not in s.manifest(fresh=True), "the manifest commit was undone"
        assert found(s, "zebrafinkarnas rastplatser") == set()
        vector = s.embedder.embed_query(UNIQUE)
        assert all(c.doc_id != "ny" for c, _ in s.dense_search(vector, 10)), "no half document searchable"

    report = ingest(indexed, store=store)  # the next run indexes it whole
    assert report.added == ["ny"]
    assert found(reader, "zebrafinkarnas rastplatser") == {"ny"}


def test_a_lexical_index_behind_the_manifest_is_brought_in_step(indexed: Settings) -> None:
    """A writer killed between the manifest commit and the lexical write: searches keep to committed
    versions, and the next writer reads the missing document's chunks from Chroma."""
    path = lexical_path(indexed, 0)
    with sqlite3.connect(path) as db:  # as if the lexical write of "cks" never happened
        n = db.execute("SELECT n FROM documents WHERE doc_id = 'cks'").fetchone()[0]
        chunk_rows = [r[0] for r in db.execute("SELECT n FROM chunks WHERE doc_id = 'cks'")]
        db.executemany("DELETE FROM chunk_terms WHERE rowid = ?", [(r,) for r in chunk_rows])
        db.execute("DELETE FROM chunks WHERE doc_id = 'cks'")
        for table in ("doc_terms", "doc_words"):
            db.execute(f"DELETE FROM {table} WHERE rowid = ?", (n,))
        db.execute("DELETE FROM documents WHERE n = ?", (n,))
    report = ingest(indexed)
    assert report.unchanged == ["cks", "malmo"]
    store = Store(indexed)
    assert set(store.lexical().documents()) == {"malmo", "cks"}
    assert "cks" in found(store, "Centrum för kommunstrategiska studier")


def test_an_index_of_the_previous_format_is_rebuilt_with_a_message(
    indexed: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A data dir from before (one pickled bm25s index per generation): nothing indexed is lost."""
    path = lexical_path(indexed, 0)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    legacy = legacy_lexical_path(indexed, 0)
    legacy.write_bytes(pickle.dumps({"format": 10}))
    with caplog.at_level(logging.WARNING, logger="assistant.store"):
        store = Store(indexed)
        assert found(store, "Malmö stad") >= {"malmo"}
    assert "äldre format" in caplog.text and str(legacy) in caplog.text
    assert set(store.lexical().documents()) == {"malmo", "cks"}
    assert not legacy.exists()

    with sqlite3.connect(path) as db:  # a lexical file of another format version
        db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(LEXICAL_FORMAT - 1),))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="assistant.store"):
        again = Store(indexed)
        assert set(again.lexical().documents()) == {"malmo", "cks"}
    assert "äldre format" in caplog.text


def test_filters_and_document_counts_are_answered_on_disk(indexed: Settings) -> None:
    store = Store(indexed)
    lexical = store.lexical()
    assert {c.doc_id for c, _ in store.lexical_search("tillit", 10, {"organisation": "Malmö stad"})} == {"malmo"}
    assert store.lexical_search("tillit", 10, {"doc_id": "saknas"}) == []
    with pytest.raises(ValueError, match="filter"):
        lexical.search("tillit", 3, where={"text": "x"})
    holding, total = lexical.documents_holding([{"malmö"}])
    assert total == 2 and holding >= 1
    assert lexical.organisation_of()["Arbetsmarknads- och socialnämnden"] == "Malmö stad"
    assert "tillit" in lexical.document_frequency and lexical.df("tillit") > 0
    assert "zzzzz" not in lexical.document_frequency and lexical.idf("zzzzz") > lexical.idf("tillit")


def test_on_a_chroma_server_readers_elsewhere_follow_the_lexical_index(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each machine keeps its own lexical index of the server's collection, filled from Chroma and
    kept in step by the change stamp the writer leaves on the server."""
    from test_chroma_server import running_chroma

    from assistant import store as store_module

    monkeypatch.setattr(store_module, "_SERVER_POLL_SECONDS", 0.0)  # ask the server on every read
    with running_chroma(tmp_path / "chroma") as port:
        writer = make_settings(chroma_host="127.0.0.1", chroma_port=port)
        write_corpus(writer.corpus_dir)
        assert ingest(writer).ok
        assert lexical_path(writer, 0).exists()
        elsewhere = make_settings(chroma_host="127.0.0.1", chroma_port=port, data_dir=tmp_path / "other-machine")
        reader = Store(elsewhere)
        assert found(reader, "Malmö stad") >= {"malmo"}
        assert lexical_path(elsewhere, 0).exists(), "the reader's own copy, read from the server"

        add_new_document(writer.corpus_dir)
        assert ingest(writer).added == ["ny"]
        assert found(reader, "zebrafinkarnas rastplatser") == {"ny"}
        assert found(Store(writer), "zebrafinkarnas rastplatser") == {"ny"}


def test_one_file_ingest_cleans_up_a_killed_one_from_the_journal(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`remiss ingest FILE` does one document's work: leftovers of a killed run are found in the writers'
    journal, not by reading every chunk of the index."""
    store = Store(indexed)
    new = add_new_document(indexed.corpus_dir)

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies between writing the chunks and committing them

    monkeypatch.setattr(Store, "commit_document", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(indexed, paths=[new], store=store)
    monkeypatch.undo()
    assert store._chunks.count() > store.chunk_count(), "uncommitted chunks were left"
    assert store.lexical().pending()

    def no_sweep(*args: object, **kwargs: object) -> None:
        raise AssertionError("read every chunk of the index")

    chunks_get = store._chunks.get
    monkeypatch.setattr(
        store._chunks, "get", lambda **kw: no_sweep() if "where" not in kw and "ids" not in kw else chunks_get(**kw)
    )
    report = ingest(indexed, paths=[new], store=store)
    monkeypatch.undo()
    assert report.added == ["ny"] and report.garbage_collected > 0
    assert store._chunks.count() == store.chunk_count()
    assert store.lexical().pending() == []
    assert found(store, "zebrafinkarnas") == {"ny"}


def test_the_order_documents_come_in_does_not_change_the_index() -> None:
    """A compound in an earlier document is split once a later one brings its parts, as a build of all would;
    scores are Lucene's BM25 (what bm25s computed)."""
    from test_render import make_chunk

    first = make_chunk("Nämnden vill minska antalet riktade statsbidrag.", id="a:1:0", doc_id="a", doc_hash="1")
    second = make_chunk("Staten ger bidrag till kommunerna.", id="b:1:0", doc_id="b", doc_hash="1")
    third = make_chunk("Kommunerna vill ha tillit.", id="c:1:0", doc_id="c", doc_hash="1")
    whole = LexicalIndex.build([first, second, third])
    for order in ([first, second, third], [third, second, first]):
        index = LexicalIndex(":memory:")
        for chunk in order:
            index.replace_document(chunk.doc_id, chunk.doc_hash, [chunk])
        terms = "SELECT c.id, t.terms FROM chunks c JOIN chunk_terms t ON t.rowid = c.n ORDER BY c.id"
        assert index._query(terms) == whole._query(terms)
        assert index.vocab == whole.vocab
        assert index._total_terms() == whole._total_terms() == sum(len(t.split()) for (_, t) in whole._query(terms))
        assert {c.doc_id for c, _ in index.search("bidrag från staten", 3)} == {"a", "b"}

    (chunk, score), *_ = whole.search("tillit", 3)
    n, df = 3, 1
    length = len(whole._query("SELECT terms FROM chunk_terms WHERE rowid = 3")[0][0].split())
    average = whole._total_terms() / n
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    assert chunk.doc_id == "c"
    assert score == pytest.approx(idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * length / average)))


def test_a_word_repeated_next_to_itself_counts_twice() -> None:
    from test_render import make_chunk

    twice = make_chunk("Tillit tillit.", id="a:1:0", doc_id="a", doc_hash="1", organisation="X", body="Y", section="")
    once = make_chunk("Tillit och annat.", id="b:1:0", doc_id="b", doc_hash="1", organisation="X", body="Y", section="")
    other = make_chunk("Helt annat här.", id="c:1:0", doc_id="c", doc_hash="1", organisation="X", body="Y", section="")
    index = LexicalIndex.build([twice, once, other])
    scores = dict((c.doc_id, s) for c, s in index.search("tillit", 3))
    lengths = {r[0]: len(r[1].split()) for r in index._query("SELECT rowid, terms FROM chunk_terms")}
    average = index._total_terms() / 3
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))

    def lucene(tf: int, length: int) -> float:
        return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))

    assert scores["a"] == pytest.approx(lucene(2, lengths[1]))
    assert scores["b"] == pytest.approx(lucene(1, lengths[2]))


def test_every_passage_holding_a_question_word_is_scored_exactly() -> None:
    """Scores are BM25 over every passage that holds a word of the question, also when hundreds do
    (a search by the common words alone must still find the passage where they are densest), and
    filters and removals apply to the postings as to the passages."""
    from test_render import make_chunk

    chunks = []
    for i in range(450):
        words = "Kommunen följer upp verksamheten" + (" med tillit" if i % 3 else "") + f" i område {i}."
        chunks.append(make_chunk(words, id=f"d{i % 9}:1:{i}", doc_id=f"d{i % 9}", doc_hash="1", body=f"Nämnd {i % 2}"))
    dense = "Tillit, tillit och uppföljning: kommunen följer upp med tillit."
    chunks.append(make_chunk(dense, id="z:1:0", doc_id="z", doc_hash="1", body="Nämnd 1"))
    index = LexicalIndex.build(chunks)
    rows = index._query("SELECT c.id, c.body, c.doc_id, t.terms FROM chunks c JOIN chunk_terms t ON t.rowid = c.n")
    average = index._total_terms() / len(rows)

    def brute_force(question: str, body: str | None = None, drop: str | None = None) -> list[tuple[str, float]]:
        from assistant.swedish import analyse

        terms = [t for t in analyse(question, index.vocab) if index.df(t) > 0]
        scored = []
        for chunk_id, chunk_body, doc_id, text in rows:
            passage = text.split()
            score = 0.0
            for term in terms:
                tf, df = passage.count(term), index.df(term)
                idf = math.log(1 + (len(rows) - df + 0.5) / (df + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(passage) / average)) if tf else 0.0
            if score > 0 and (body is None or chunk_body == body) and doc_id != drop:
                scored.append((chunk_id, score))
        return sorted(scored, key=lambda p: -p[1])[:5]

    for question, body in (("tillit i uppföljningen", None), ("kommunen följer upp", "Nämnd 0"), ("tillit", "Nämnd 1")):
        got = [(c.id, s) for c, s in index.search(question, 5, where={"body": body} if body else None)]
        expected = brute_force(question, body)
        assert [s for _, s in got] == pytest.approx([s for _, s in expected])
        assert got[0][0] == expected[0][0]
    assert index.search("tillit i uppföljningen", 1)[0][0].id == "z:1:0"
    assert {c.doc_id for c, _ in index.search("tillit", 20, where={"doc_ids": ("d1", "d2")})} == {"d1", "d2"}
    assert index.remove_document("z")
    assert "z" not in {c.doc_id for c, _ in index.search("tillit i uppföljningen", 50)}
    assert index._query("SELECT count(*) FROM postings WHERE doc NOT IN (SELECT n FROM documents)") == [(0,)]
