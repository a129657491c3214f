"""BM25 over the indexed chunks with Swedish analysis, kept on disk in SQLite FTS5 and updated per document.

Each index generation has one SQLite file. A document's chunks are analysed once, when it is
committed (stems, compound parts, å/ä/ö as written; see `assistant.swedish`), and stored as
space-separated terms in an FTS5 table (document frequencies, vocabulary) and as postings: one row
per (term, document) holding that document's passages with the term, their term frequency and
length, packed as a numpy array. Adding or removing a document is one transaction that also bumps a
change stamp. Readers keep nothing that grows with the corpus besides its vocabulary: they check the
stamp (one small read) and read the question's postings, document frequencies and sentences on disk.

Scores are Lucene's BM25 (k1 = 1.2, b = 0.75, idf = log(1 + (N - n + 0.5) / (n + 0.5))), as bm25s
computed them before, computed exactly for every passage holding a question word: a search reads
one row per document for each of its words and adds the scores up in numpy, so its cost grows with
the number of documents holding the words, not with their text (FTS5's own `bm25()` ranking visited
every matching passage's text and was the slow part at a few hundred documents).

Compounds are split against the whole vocabulary, as a build from scratch would: a document is
analysed against the index's vocabulary and its own words, and when it brings new words, the
earlier documents holding a word that now splits differently are analysed again in the same
transaction (a removed document's words are not taken back).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.swedish import analyse, proper_nouns, split_compound, vocabulary
from ingest.chunking import sentence_spans
from ingest.records import Chunk

LEXICAL_FORMAT = 17  # bump when the analysis or the stored columns change (the store then re-reads Chroma)
K1, B = 1.2, 0.75  # Lucene's defaults, as bm25s used before
# One posting: a passage's row, how often the term occurs in it, and its length in terms.
POSTING = np.dtype([("n", "<i4"), ("tf", "<i4"), ("dl", "<i4")])
_MIN_COMPOUND = 7  # shorter words are never split (see swedish.split_compound)
_SENTENCE_CACHE = 512  # chunks whose sentences a reader keeps in memory
_CHUNK_CACHE = 2048  # chunks a reader keeps in memory (found again by the next questions)
_FILTER_COLUMNS = ("organisation", "body", "doc_id", "kind")
_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending(doc_id TEXT NOT NULL, doc_hash TEXT NOT NULL, PRIMARY KEY(doc_id, doc_hash));
CREATE TABLE IF NOT EXISTS documents(n INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, doc_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, organisation TEXT NOT NULL,
    body TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL, sentences TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_by_organisation ON chunks(organisation);
CREATE INDEX IF NOT EXISTS chunks_by_body ON chunks(body);
CREATE INDEX IF NOT EXISTS chunks_by_kind ON chunks(kind);
CREATE TABLE IF NOT EXISTS postings(term TEXT NOT NULL, doc INTEGER NOT NULL, entries BLOB NOT NULL,
    PRIMARY KEY(term, doc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS postings_by_doc ON postings(doc);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(terms, tokenize="{_TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_df USING fts5vocab(chunk_terms, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS doc_terms USING fts5(terms, tokenize="{_TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS doc_words USING fts5(words, tokenize="{_TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS doc_words_df USING fts5vocab(doc_words, 'row');
"""
_TABLES = (
    "meta",
    "pending",
    "documents",
    "chunks",
    "postings",
    "chunk_terms",
    "chunk_df",
    "doc_terms",
    "doc_words",
    "doc_words_df",
)


def chunk_sentences(text: str) -> list[str]:
    """The sentences of a passage, line by line (headings and list items are lines of their own)."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        out.extend(text[s:e].strip() for s, e in sentence_spans(line.group(0), line.start()))
    return [s for s in out if s]


@dataclass
class _Snapshot:
    """What a reader caches for one stamp: dropped as a whole when the index changes."""

    stamp: int
    vocab: frozenset[str] | None = None
    n_chunks: int | None = None
    df: dict[str, int] = field(default_factory=dict)
    sentences: dict[str, tuple[tuple[str, frozenset[str]], ...]] = field(default_factory=dict)
    organisation_of: dict[str, str] | None = None
    proper_nouns: dict[str, str] | None = None
    document_ids: frozenset[str] | None = None
    total_terms: int | None = None
    chunk_rows: dict[int, Chunk] = field(default_factory=dict)
    previous_vocab: frozenset[str] | None = None  # reused when unchanged, so caches keyed on it stay warm


class _DocumentFrequency(Mapping[str, int]):
    """`term in index.document_frequency` and `.get(term)`, looked up on disk (and memoised per stamp)."""

    def __init__(self, index: LexicalIndex) -> None:
        self._index = index

    def __getitem__(self, term: str) -> int:
        n = self._index.df(term)
        if not n:
            raise KeyError(term)
        return n

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._index.df(term) > 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(t for (t,) in self._index._query("SELECT term FROM chunk_df"))

    def __len__(self) -> int:
        return int(self._index._query("SELECT count(*) FROM chunk_df")[0][0])


class LexicalIndex:
    """One generation's BM25 index: an SQLite file (or `:memory:`), safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        memory = str(path) == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), timeout=60, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self.migrated = False  # True when the file held another format and was emptied
        with self._lock:
            if not memory:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema()
        self._snapshot = _Snapshot(self._read_stamp())
        self.document_frequency: Mapping[str, int] = _DocumentFrequency(self)

    @classmethod
    def build(cls, chunks: Sequence[Chunk], version: str = "") -> LexicalIndex:
        """An in-memory index of the given chunks (documents in order; for tests and one-off use)."""
        index = cls(":memory:")
        by_document: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_document.setdefault(chunk.doc_id, []).append(chunk)
        vocab = vocabulary(c.indexed_text() for c in chunks)
        for doc_id, own in by_document.items():
            index.replace_document(doc_id, own[0].doc_hash, own, vocab)
        return index

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- schema and stamp ------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
        stored = None
        if "meta" in tables:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            stored = int(row[0]) if row else None
        if tables and stored != LEXICAL_FORMAT:
            self._conn.execute("BEGIN IMMEDIATE")
            for name in _TABLES:
                self._conn.execute(f"DROP TABLE IF EXISTS {name}")
            self._conn.execute("COMMIT")
            self.migrated = True
        self._conn.executescript(_SCHEMA)
        self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (str(LEXICAL_FORMAT),))
        self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('stamp', '0')")

    def _read_stamp(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key = 'stamp'")[0][0])

    def refresh(self) -> bool:
        """Drop what this reader cached when another writer changed the index; True if it had changed."""
        stamp = self._read_stamp()
        if stamp == self._snapshot.stamp:
            return False
        self._snapshot = _Snapshot(stamp, previous_vocab=self._snapshot.vocab or self._snapshot.previous_vocab)
        return True

    @property
    def stamp(self) -> int:
        return self._snapshot.stamp

    @property
    def version(self) -> str:
        """Changes whenever the indexed documents do (for caches keyed on the index)."""
        return f"{id(self)}:{self._snapshot.stamp}"

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(args)).fetchall()

    # -- writing ---------------------------------------------------------------------------
    def documents(self) -> dict[str, str]:
        """The indexed documents: id -> hash of the indexed version."""
        return dict(self._query("SELECT doc_id, doc_hash FROM documents"))

    def replace_document(
        self, doc_id: str, doc_hash: str, chunks: Sequence[Chunk], vocab: frozenset[str] | None = None
    ) -> None:
        """Index this version of the document in place of any other, in one transaction (then bump the stamp)."""
        texts = [c.indexed_text() for c in chunks]
        own = vocabulary(texts)
        self.refresh()
        before = vocab if vocab is not None else self.vocab
        vocab = before | own
        analysed, sentences = _analyse_chunks(chunks, vocab)
        doc_terms = " ".join(sorted({t for terms in analysed for t in terms}))
        with self._lock, self._transaction() as db:
            self._delete(db, doc_id)
            n = db.execute("INSERT INTO documents(doc_id, doc_hash) VALUES (?, ?)", (doc_id, doc_hash)).lastrowid
            db.execute("INSERT INTO doc_terms(rowid, terms) VALUES (?, ?)", (n, doc_terms))
            db.execute("INSERT INTO doc_words(rowid, words) VALUES (?, ?)", (n, " ".join(sorted(own))))
            rows = []
            for c, terms, sentence_terms in zip(chunks, analysed, sentences, strict=True):
                cn = db.execute(
                    "INSERT INTO chunks(id, doc_id, organisation, body, kind, text, meta, sentences) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        c.id,
                        doc_id,
                        c.organisation,
                        c.body,
                        c.kind,
                        c.text,
                        json.dumps(c.metadata(), ensure_ascii=False),
                        sentence_terms,
                    ),
                ).lastrowid
                db.execute("INSERT INTO chunk_terms(rowid, terms) VALUES (?, ?)", (cn, " ".join(terms)))
                rows.append(cn)
            db.execute("DELETE FROM postings WHERE doc = ?", (n,))  # a row number reused after a torn write
            _write_postings(db, n, rows, analysed)
            self._resplit(db, before, own - before, vocab, skip=n)
            self._add_terms(db, sum(len(t) for t in analysed))
            self._bump(db)
            stamp = int(db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()[0])
        self._snapshot = _Snapshot(stamp, vocab=vocab)  # the writer goes on with what it just wrote

    def _resplit(
        self, db: sqlite3.Connection, before: frozenset[str], new: set[str], vocab: frozenset[str], skip: int
    ) -> None:
        """Analyse again the other documents holding a word the new words split differently (so that the
        order documents came in does not matter)."""
        if not new or not before:
            return
        if len(new) <= 20:
            candidates = [w for w in before if len(w) >= _MIN_COMPOUND and any(v in w for v in new)]
        else:
            candidates = [w for w in before if len(w) >= _MIN_COMPOUND and _has_part_in(w, new)]
        changed = [w for w in candidates if split_compound(w, before) != split_compound(w, vocab)]
        documents: set[int] = set()
        for word in changed:
            documents.update(
                r[0] for r in db.execute("SELECT rowid FROM doc_words WHERE doc_words MATCH ?", (_quote(word),))
            )
        documents.discard(skip)
        for n in sorted(documents):
            rows = db.execute(
                "SELECT c.n, c.id, c.text, c.meta FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
                "WHERE d.n = ? ORDER BY c.n",
                (n,),
            ).fetchall()
            chunks = [Chunk.from_metadata(i, t, json.loads(m)) for _, i, t, m in rows]
            analysed, sentences = _analyse_chunks(chunks, vocab)
            self._add_terms(db, sum(len(t) for t in analysed) - self._terms_in(db, [r[0] for r in rows]))
            for (cn, *_), terms, sentence_terms in zip(rows, analysed, sentences, strict=True):
                db.execute("UPDATE chunks SET sentences = ? WHERE n = ?", (sentence_terms, cn))
                db.execute("DELETE FROM chunk_terms WHERE rowid = ?", (cn,))
                db.execute("INSERT INTO chunk_terms(rowid, terms) VALUES (?, ?)", (cn, " ".join(terms)))
            db.execute("DELETE FROM postings WHERE doc = ?", (n,))
            _write_postings(db, n, [r[0] for r in rows], analysed)
            doc_terms = " ".join(sorted({t for terms in analysed for t in terms}))
            db.execute("DELETE FROM doc_terms WHERE rowid = ?", (n,))
            db.execute("INSERT INTO doc_terms(rowid, terms) VALUES (?, ?)", (n, doc_terms))

    def _add_terms(self, db: sqlite3.Connection, delta: int) -> None:
        """Keep the total number of indexed terms (BM25's average passage length) with the data."""
        db.execute("INSERT OR IGNORE INTO meta VALUES ('total_terms', '0')")
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'total_terms'", (delta,))

    def _terms_in(self, db: sqlite3.Connection, rows: Sequence[int]) -> int:
        """How many terms the chunk rows hold (terms are separated by single spaces)."""
        total = 0
        for n in rows:
            got = db.execute("SELECT terms FROM chunk_terms WHERE rowid = ?", (n,)).fetchone()
            total += got[0].count(" ") + 1 if got else 0
        return total

    def remove_document(self, doc_id: str) -> bool:
        """Remove a document in one transaction; False when it was not indexed."""
        with self._lock, self._transaction() as db:
            removed = self._delete(db, doc_id)
            self._bump(db)  # also when it was not here: the manifest changed, readers re-read it
        return removed

    def _delete(self, db: sqlite3.Connection, doc_id: str) -> bool:
        row = db.execute("SELECT n FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        chunk_rows = [r[0] for r in db.execute("SELECT n FROM chunks WHERE doc_id = ?", (doc_id,))]
        self._add_terms(db, -self._terms_in(db, chunk_rows))
        db.executemany("DELETE FROM chunk_terms WHERE rowid = ?", [(n,) for n in chunk_rows])
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        if row is None:
            return bool(chunk_rows)
        db.execute("DELETE FROM postings WHERE doc = ?", row)
        db.execute("DELETE FROM doc_terms WHERE rowid = ?", row)
        db.execute("DELETE FROM doc_words WHERE rowid = ?", row)
        db.execute("DELETE FROM documents WHERE n = ?", row)
        return True

    # -- the writers' journal: chunk versions written to Chroma but not yet committed or cleaned up --
    def note_pending(self, versions: Iterable[tuple[str, str]]) -> None:
        """Record (document, hash) versions about to be written to the vector store."""
        with self._lock, self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", list(versions))

    def pending(self) -> list[tuple[str, str]]:
        return [(d, h) for d, h in self._query("SELECT doc_id, doc_hash FROM pending")]

    def clear_pending(self, doc_id: str | None = None) -> None:
        """Forget the pending versions of a document (all, without one) once they are committed or removed."""
        with self._lock, self._transaction() as db:
            if doc_id is None:
                db.execute("DELETE FROM pending")
            else:
                db.execute("DELETE FROM pending WHERE doc_id = ?", (doc_id,))

    @property
    def swept(self) -> bool:
        """Has the vector store been swept whole since this journal began? (Until then the journal may miss
        leftovers of earlier writers.)"""
        return bool(self._query("SELECT 1 FROM meta WHERE key = 'swept'"))

    def mark_swept(self) -> None:
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('swept', '1')")

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'stamp'")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    # -- reading ---------------------------------------------------------------------------
    @property
    def vocab(self) -> frozenset[str]:
        """Words and stems of the indexed text (what question words and compounds are read against)."""
        snap = self._snapshot
        if snap.vocab is None:
            vocab = frozenset(t for (t,) in self._query("SELECT term FROM doc_words_df"))
            snap.vocab = snap.previous_vocab if vocab == snap.previous_vocab else vocab
            snap.previous_vocab = None
        return snap.vocab

    @property
    def n_chunks(self) -> int:
        snap = self._snapshot
        if snap.n_chunks is None:
            snap.n_chunks = int(self._query("SELECT count(*) FROM chunks")[0][0])
        return snap.n_chunks

    @property
    def chunks(self) -> list[Chunk]:
        """Every indexed chunk (reads the whole index: for checks and tests, not for answering)."""
        rows = self._query("SELECT id, text, meta FROM chunks ORDER BY n")
        return [Chunk.from_metadata(i, t, json.loads(m)) for i, t, m in rows]

    @property
    def document_ids(self) -> frozenset[str]:
        """The ids of the indexed documents, read once per index version (every question reads them)."""
        snap = self._snapshot
        if snap.document_ids is None:
            snap.document_ids = frozenset(d for (d,) in self._query("SELECT doc_id FROM documents"))
        return snap.document_ids

    @property
    def proper_nouns(self) -> dict[str, str]:
        """Names the indexed text always capitalises (lower case -> as written), for questions typed
        in lower case; read once per index version."""
        snap = self._snapshot
        if snap.proper_nouns is None:
            snap.proper_nouns = proper_nouns(t for (t,) in self._query("SELECT text FROM chunks"))
        return snap.proper_nouns

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """One document's chunks in order (the position matrix reads only the documents that changed)."""
        rows = self._query("SELECT id, text, meta FROM chunks WHERE doc_id = ? ORDER BY n", (doc_id,))
        return [Chunk.from_metadata(i, t, json.loads(m)) for i, t, m in rows]

    @property
    def terms_by_document(self) -> dict[str, frozenset[str]]:
        """Each document's terms (reads the whole index: for checks and tests)."""
        rows = self._query("SELECT d.doc_id, t.terms FROM documents d JOIN doc_terms t ON t.rowid = d.n")
        return {d: frozenset(terms.split()) for d, terms in rows}

    def df(self, term: str) -> int:
        """How many chunks hold the term."""
        snap = self._snapshot
        n = snap.df.get(term)
        if n is None:
            row = self._query("SELECT doc FROM chunk_df WHERE term = ?", (term,))
            n = snap.df[term] = int(row[0][0]) if row else 0
        return n

    def idf(self, term: str) -> float:
        """Inverse document frequency: rare terms weigh more when judging evidence."""
        return math.log(1 + self.n_chunks / (1 + self.df(term)))

    def documents_holding(self, term_sets: Iterable[Iterable[str]]) -> tuple[int, int]:
        """(documents holding every term of at least one of the sets, all documents)."""
        clauses = ["(" + " AND ".join(_quote(t) for t in terms) + ")" for terms in term_sets if terms]
        total = int(self._query("SELECT count(*) FROM documents")[0][0])
        if not clauses:
            return 0, total
        found = self._query("SELECT count(*) FROM doc_terms WHERE doc_terms MATCH ?", (" OR ".join(clauses),))
        return int(found[0][0]), total

    def organisation_of(self) -> dict[str, str]:
        """Speaking body -> its organisation, over the indexed chunks."""
        snap = self._snapshot
        if snap.organisation_of is None:
            snap.organisation_of = dict(self._query("SELECT DISTINCT body, organisation FROM chunks"))
        return snap.organisation_of

    def sentence_coverage(self, chunk_id: str, terms: set[str]) -> float:
        """Best IDF-weighted share of `terms` that one sentence of the chunk contains (0–1).

        A chunk whose single sentence answers the question beats one that spreads the same
        words over several sentences about other things."""
        total = sum(self.idf(t) for t in terms)
        if total == 0:
            return 0.0
        best = max((sum(self.idf(t) for t in terms & s) for _, s in self._sentences(chunk_id)), default=0.0)
        return best / total

    def sentences_of(self, chunk: Chunk) -> Sequence[tuple[str, frozenset[str]]]:
        """The chunk's sentences with their analysed terms (kept in the index; analysed here if not)."""
        kept = self._sentences(chunk.id)
        if not kept and chunk.text.strip():
            kept = tuple((s, frozenset(analyse(s, self.vocab))) for s in chunk_sentences(chunk.text))
        return kept

    def _sentences(self, chunk_id: str) -> tuple[tuple[str, frozenset[str]], ...]:
        snap = self._snapshot
        kept = snap.sentences.get(chunk_id)
        if kept is None:
            row = self._query("SELECT sentences FROM chunks WHERE id = ?", (chunk_id,))
            kept = tuple((s, frozenset(t)) for s, t in json.loads(row[0][0])) if row else ()
            if len(snap.sentences) >= _SENTENCE_CACHE:
                snap.sentences.clear()
            snap.sentences[chunk_id] = kept
        return kept

    def _chunks_by_row(self, rows: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by row number, read once per stamp (answers return to the same passages)."""
        snap = self._snapshot
        missing = [n for n in rows if n not in snap.chunk_rows]
        if missing:
            if len(snap.chunk_rows) >= _CHUNK_CACHE:
                snap.chunk_rows.clear()
            marks = ",".join("?" * len(missing))
            for n, chunk_id, text, meta in self._query(
                f"SELECT n, id, text, meta FROM chunks WHERE n IN ({marks})", missing
            ):
                snap.chunk_rows[n] = Chunk.from_metadata(chunk_id, text, json.loads(meta))
        return {n: snap.chunk_rows[n] for n in rows if n in snap.chunk_rows}

    def _allowed(self, where: Mapping[str, str | tuple[str, ...]]) -> tuple[set[int] | None, np.ndarray | None]:
        """The document rows and passage rows a filter allows (None: all); indexed lookups, no text read."""
        documents: set[int] | None = None
        passages: np.ndarray | None = None
        for column, value in where.items():
            if column in ("doc_ids", "doc_id"):
                allowed = (value,) if isinstance(value, str) else tuple(value)
                marks = ", ".join("?" * len(allowed)) or "NULL"
                found = {r[0] for r in self._query(f"SELECT n FROM documents WHERE doc_id IN ({marks})", allowed)}
                documents = found if documents is None else documents & found
                continue
            if column not in _FILTER_COLUMNS:
                raise ValueError(f"okänt filter för det lexikala indexet: {column}")
            found_rows = np.array([r[0] for r in self._query(f"SELECT n FROM chunks WHERE {column} = ?", (value,))])
            passages = found_rows if passages is None else np.intersect1d(passages, found_rows)
        return documents, passages

    def _total_terms(self) -> int:
        snap = self._snapshot
        if snap.total_terms is None:
            row = self._query("SELECT value FROM meta WHERE key = 'total_terms'")
            snap.total_terms = int(row[0][0]) if row else 0
        return snap.total_terms

    def search(
        self,
        question: str,
        k: int,
        keep: Callable[[Chunk], bool] | None = None,
        where: Mapping[str, str | tuple[str, ...]] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """Top-k chunks by BM25 score (> 0): only those matching `where` and `keep`.

        `where` maps a column to its value, or `doc_ids` to the documents allowed (an inquiry's)."""
        terms = [t for t in analyse(question, self.vocab) if self.df(t) > 0]
        if not terms:
            return []
        documents, passages = self._allowed(where or {})
        n_chunks = self.n_chunks
        average = self._total_terms() / n_chunks if n_chunks else 1.0
        rows: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for term, times in Counter(terms).items():
            df = self.df(term)
            weight = times * math.log(1 + (n_chunks - df + 0.5) / (df + 0.5))
            found = self._query("SELECT doc, entries FROM postings WHERE term = ?", (term,))
            packed = b"".join(e for d, e in found if documents is None or d in documents)
            if not packed:
                continue
            postings = np.frombuffer(packed, dtype=POSTING)
            tf = postings["tf"].astype(np.float64)
            norm = K1 * (1 - B + B * postings["dl"] / average)
            rows.append(postings["n"])
            scores.append(weight * tf * (K1 + 1) / (tf + norm))
        if not rows:
            return []
        total = np.bincount(np.concatenate(rows), weights=np.concatenate(scores))
        hits = np.flatnonzero(total > 0)
        if passages is not None:
            hits = hits[np.isin(hits, passages)]
        ranked = hits[np.lexsort((hits, -total[hits]))]  # best first, ties by row (the order of indexing)
        out: list[tuple[Chunk, float]] = []
        for start in range(0, len(ranked), k):
            batch = [int(n) for n in ranked[start : start + k]]
            found = self._chunks_by_row(batch)
            for n in batch:
                chunk = found.get(n)
                if chunk is not None and (keep is None or keep(chunk)):
                    out.append((chunk, float(total[n])))
                    if len(out) == k:
                        return out
        return out


def _write_postings(db: sqlite3.Connection, doc: int, rows: Sequence[int], analysed: Sequence[list[str]]) -> None:
    """One postings row per term of the document: its passages with the term, packed (see POSTING)."""
    by_term: dict[str, list[tuple[int, int, int]]] = {}
    for n, terms in zip(rows, analysed, strict=True):
        for term, tf in Counter(terms).items():
            by_term.setdefault(term, []).append((n, tf, len(terms)))
    db.executemany(
        "INSERT INTO postings(term, doc, entries) VALUES (?, ?, ?)",
        ((term, doc, np.array(entries, dtype=POSTING).tobytes()) for term, entries in by_term.items()),
    )


def _analyse_chunks(chunks: Sequence[Chunk], vocab: frozenset[str]) -> tuple[list[list[str]], list[str]]:
    """Each chunk's index terms, and its sentences with their terms (as stored JSON)."""
    analysed = [analyse(c.indexed_text(), vocab) or ["_"] for c in chunks]
    sentences = [
        json.dumps([[s, analyse(s, vocab)] for s in chunk_sentences(c.text)], ensure_ascii=False) for c in chunks
    ]
    return analysed, sentences


def _has_part_in(word: str, parts: set[str]) -> bool:
    """Does any piece of the word (3 letters or more) belong to `parts`? (A stem is a prefix of its word.)"""
    return any(word[i:j] in parts for i in range(len(word) - 2) for j in range(i + 3, len(word) + 1))


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error (so no half document is ever searchable)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
