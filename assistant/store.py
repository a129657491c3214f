"""The index: a Chroma collection of chunks, a manifest of committed documents, and BM25.

A document becomes visible only when its manifest record is written (the commit point):
its new chunks are upserted first under ids that include the document hash, checked, then the
manifest is updated, then the document is replaced in the lexical index (one SQLite
transaction, `assistant.lexical`), then the old version's chunks are deleted. A process killed
at any step leaves the previously committed version searchable; lexical hits are kept only
when the manifest commits their version, and the next writer brings the lexical index in step
with the manifest (reading the missing documents' chunks from Chroma). Writes happen only under
the data dir's write lock (`assistant.writelock`), so no clean-up ever meets another writer's
uncommitted chunks.

Readers notice a change by a stamp bumped at every commit (a row of the lexical index on disk;
a record beside the generation pointer on a Chroma server), so nothing is re-read per question.

The store reads the current generation (`assistant.generations`) and follows a rebuild's
switch to a new one; a search under way finishes on the generation it started on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from assistant import writelock
from assistant.embeddings import EmbeddingBackend, embedder_identity, make_embedder
from assistant.errors import EmbedderMismatchError, IndexWriteError, RemissError, StoreUnavailableError
from assistant.generations import (
    Generation,
    ReaderLease,
    bump_server_stamp,
    current_number,
    generation,
    legacy_lexical_path,
    lexical_path,
    read_server_stamp,
    remove_unused,
)
from assistant.lexical import LexicalIndex
from assistant.memory import release_freed_memory
from assistant.settings import Settings
from ingest.records import Chunk, DocumentMeta

log = logging.getLogger(__name__)
T = TypeVar("T")

_PAGE = 5000  # records per get() when reading a whole collection
_BATCH = 256
# Per on-disk generation folder: the committed (doc, hash) pairs this process's Chroma copy holds,
# and how often that copy was dropped because another process wrote (see _follow_other_processes).
_SEEN: dict[str, dict[str, str]] = {}
_REOPENS: dict[str, int] = {}
_SERVER_POLL_SECONDS = 5.0  # how often a reader asks a Chroma server whether the index changed
# One HTTP client per Chroma server and process (each new chromadb client starts a System of its own).
_SERVER_CLIENTS: dict[tuple[str, int], Any] = {}
_SERVER_GUARD = threading.Lock()
# Errors of our own making (or of the caller's arguments), not of the server.
_NOT_SERVER_ERRORS = (KeyError, ValueError, TypeError, RuntimeError, RemissError)


@dataclass(frozen=True)
class ManifestEntry:
    """A committed document: its hash, where it came from and what the catalog says."""

    doc_id: str
    doc_hash: str
    source: str
    title: str
    organisation: str
    body: str
    kind: str
    date: str
    reference: str
    concerns: tuple[str, ...]
    bodies: tuple[str, ...]
    n_chunks: int
    catalogued: bool
    original_file: str = ""  # the catalog's name of the original file (an older index has none)

    def metadata(self) -> dict[str, Any]:
        return {
            "doc_hash": self.doc_hash,
            "source": self.source,
            "title": self.title,
            "organisation": self.organisation,
            "body": self.body,
            "kind": self.kind,
            "date": self.date,
            "reference": self.reference,
            "concerns": json.dumps(list(self.concerns), ensure_ascii=False),
            "bodies": json.dumps(list(self.bodies), ensure_ascii=False),
            "n_chunks": self.n_chunks,
            "catalogued": self.catalogued,
            "original_file": self.original_file,
        }

    @classmethod
    def from_metadata(cls, doc_id: str, meta: dict[str, Any]) -> ManifestEntry:
        return cls(
            doc_id=doc_id,
            doc_hash=str(meta["doc_hash"]),
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            organisation=str(meta.get("organisation", "")),
            body=str(meta.get("body", "")),
            kind=str(meta.get("kind", "")),
            date=str(meta.get("date", "")),
            reference=str(meta.get("reference", "")),
            concerns=tuple(json.loads(str(meta.get("concerns", "[]")))),
            bodies=tuple(json.loads(str(meta.get("bodies", "[]")))),
            n_chunks=int(meta.get("n_chunks", 0)),
            catalogued=bool(meta.get("catalogued", True)),
            original_file=str(meta.get("original_file", "")),
        )


@dataclass
class _ManifestCache:
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    loaded: bool = False
    chunks: int = 0  # committed chunks, summed once per load
    speakers: tuple[frozenset[str], frozenset[str]] | None = None  # organisations, bodies: gathered once per load
    kinds: dict[str, set[str]] | None = None  # organisation -> kinds of its documents


@dataclass(frozen=True)
class GarbageReport:
    """What the clean-up before an ingest found: leftover chunks deleted, committed documents missing chunks."""

    removed: int = 0
    damaged: dict[str, tuple[int, int]] = field(default_factory=dict)  # doc id -> (chunks present, chunks committed)


@dataclass(eq=False)
class _Handle:
    """One opened generation: its client, its two collections, the reader lease, and the calls using it."""

    generation: Generation
    client: Any
    chunks: Any
    manifest: Any
    lease: ReaderLease
    reopens: int
    users: int = 0
    retired: bool = False

    def close_if_unused(self) -> bool:
        """Release the lease once retired and unused; True when this call released it."""
        if self.retired and self.users == 0 and self.lease.held:
            self.lease.release()
            return True
        return False


class Store:
    """Chroma (on disk or a server) + manifest + lexical index, behind one small interface.

    `generation` pins the store to one generation (a rebuild writing the next one); without it
    the store follows the current generation."""

    def __init__(
        self, settings: Settings, embedder: EmbeddingBackend | None = None, generation: Generation | None = None
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._identity = embedder.identity if embedder else embedder_identity(settings)
        self._lock = threading.RLock()
        self._manifest = _ManifestCache()
        self._lexical: LexicalIndex | None = None
        self._lexical_number: int | None = None
        self._legacy: Path | None = None  # an index of the previous format, replaced on first sync
        self._server_stamp: int | None = None
        self._wrote = False  # our own writes change the manifest; other processes' writes do too
        self._pinned = generation is not None
        self._refused: int | None = None  # a newer generation built with another embedder than ours
        self._server = _server_client(settings) if settings.chroma_host else None
        self._checked_at = -_SERVER_POLL_SECONDS  # the first read asks the server
        self._handle = self._open(generation.number if generation else None)

    # -- opening ---------------------------------------------------------------------------
    def _open(self, number: int | None) -> _Handle:
        """Open generation `number`, or the current one, holding its reader lease from before opening.

        Without a number, the pointer is read again once the generation is open: if a rebuild switched
        meanwhile (and may have deleted what we opened), open the new current one instead."""
        for _ in range(100):
            n = self._current() if number is None else number
            lease = ReaderLease(self.settings, n)
            gen = generation(self.settings, n)
            if number is None and n and gen.path is not None and not gen.path.exists() and self._current() != n:
                lease.release()  # deleted after a switch we had not seen yet: do not create it again
                continue
            try:
                client = self._server or _connect(self.settings, gen.path)
                with self._server_errors():
                    chunks = self._open_chunks(client, gen)
                    manifest = client.get_or_create_collection(gen.manifest_collection, embedding_function=None)
            except BaseException:
                lease.release()
                raise
            if number is not None or self._current() == n:
                return _Handle(gen, client, chunks, manifest, lease, _REOPENS.get(str(gen.path), 0))
            lease.release()
        raise StoreUnavailableError(f"Indexet {self.settings.index_label} byter generation hela tiden; försök igen.")

    def _open_chunks(self, client: Any, gen: Generation) -> Any:
        name = gen.collection
        existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if name in existing:
            col = client.get_collection(name, embedding_function=None)
        else:
            try:
                col = client.create_collection(
                    name, embedding_function=None, metadata={"hnsw:space": "cosine", "embedder": self._identity}
                )
            except Exception:  # created by another process a moment ago
                col = client.get_collection(name, embedding_function=None)
        stored = (col.metadata or {}).get("embedder")
        if stored and stored != self._identity:
            raise EmbedderMismatchError(
                f"Indexet {self.settings.index_label} byggdes med inbäddningen '{stored}' "
                f"({(col.metadata or {}).get('dimension', '?')} dimensioner), men inställningen "
                f"REMISS_EMBEDDER ger '{self._identity}'. Bygg om indexet med `remiss ingest --rebuild`, "
                "eller ställ tillbaka REMISS_EMBEDDER/REMISS_EMBED_MODEL."
            )
        return col

    def _current(self) -> int:
        with self._server_errors():
            return current_number(self.settings, self._server)

    @property
    def generation(self) -> int:
        """The number of the generation this store reads now."""
        return self._handle.generation.number

    @property
    def _chunks(self) -> Any:
        return self._handle.chunks

    @property
    def embedder(self) -> EmbeddingBackend:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
            if self._embedder.identity != self._identity:
                raise EmbedderMismatchError(f"Inbäddningen '{self._embedder.identity}' är inte '{self._identity}'.")
        return self._embedder

    @property
    def embedder_label(self) -> str:
        return str((self._handle.chunks.metadata or {}).get("embedder", self._identity))

    def close(self) -> None:
        """Release this store's hold on its generation (so a rebuild can delete it)."""
        with self._lock:
            self._handle.retired = True
            self._handle.close_if_unused()

    def _retire(self, handle: _Handle) -> None:
        """Let go of a replaced generation; the last reader to leave an old one deletes it (on disk)."""
        if handle.close_if_unused() and self._server is None and not self._pinned:
            with contextlib.suppress(Exception):  # best effort: otherwise the next writer removes it
                remove_unused(self.settings, self._handle.generation.number, below_only=True)

    # -- following other processes ---------------------------------------------------------
    def _follow_generation(self, force: bool = False) -> None:
        """Reopen when a rebuild switched the current generation (on disk: checked on every read)."""
        if self._pinned:
            return
        if self._server is not None and not force and time.monotonic() - self._checked_at < _SERVER_POLL_SECONDS:
            return
        number = self._current()
        self._checked_at = time.monotonic()
        if self._server is not None:
            self._check_server_stamp()
        if number in (self._handle.generation.number, self._refused):
            return
        try:
            new = self._open(None)
        except EmbedderMismatchError as exc:
            if self._server is not None:
                raise  # the old collections are gone on a server
            self._refused = number
            log.warning("%s Svarar från den tidigare generationen av indexet tills appen startas om.", exc)
            return
        self._swap(new)
        self._manifest = _ManifestCache()

    def _follow_other_processes(self, entries: dict[str, ManifestEntry]) -> None:
        """Reopen the on-disk index when another process changed it since this process last looked.

        Chroma keeps the vectors of a persistent index in memory once per path and process, so
        vectors another process wrote stay invisible until that copy is dropped. The manifest
        (read from SQLite) does show the change, so it tells when to reopen.
        """
        from chromadb.api.shared_system_client import SharedSystemClient

        gen = self._handle.generation
        key = str(gen.path)
        signature = {d: e.doc_hash for d, e in entries.items()}
        known = _SEEN.get(key)
        if known is not None and known != signature and not self._wrote:
            # Forget (not stop) the cached copy: other stores in this process may still hold it.
            SharedSystemClient._identifier_to_refcount.pop(key, None)
            SharedSystemClient._identifier_to_system.pop(key, None)
            _REOPENS[key] = _REOPENS.get(key, 0) + 1
        _SEEN[key] = signature
        if self._handle.reopens != _REOPENS.get(key, 0):
            client = _connect(self.settings, gen.path)
            lease = ReaderLease(self.settings, gen.number)
            self._swap(
                _Handle(
                    gen,
                    client,
                    client.get_collection(gen.collection, embedding_function=None),
                    client.get_collection(gen.manifest_collection, embedding_function=None),
                    lease,
                    _REOPENS.get(key, 0),
                )
            )

    def _swap(self, new: _Handle) -> None:
        with self._lock:
            old, self._handle = self._handle, new
            old.retired = True
            self._retire(old)

    # -- calling Chroma --------------------------------------------------------------------
    @contextlib.contextmanager
    def _use(self) -> Iterator[_Handle]:
        """The current generation, kept open (its lease held) until the call is done."""
        with self._lock:
            handle = self._handle
            handle.users += 1
        try:
            yield handle
        finally:
            with self._lock:
                handle.users -= 1
                self._retire(handle)

    def _read(self, op: Callable[[_Handle], T]) -> T:
        """Run a read; when it fails because a rebuild switched generations under it, once more on the new one."""
        try:
            with self._use() as handle, self._server_errors():
                return op(handle)
        except Exception as exc:
            if self._pinned or not _answered_by_chroma(exc):
                raise
            self._follow_generation(force=True)
            if self._handle is handle:
                raise  # the generation did not change: a real error
        with self._use() as handle, self._server_errors():
            return op(handle)

    def _write(self, op: Callable[[_Handle], T]) -> T:
        writelock.require(self.settings)
        with self._use() as handle, self._server_errors():
            return op(handle)

    def _server_errors(self) -> contextlib.AbstractContextManager[None]:
        return server_errors(self.settings)

    # -- manifest --------------------------------------------------------------------------
    def manifest(self, fresh: bool = False) -> dict[str, ManifestEntry]:
        """Committed documents by id, re-read only when the index changed (its stamp moved) or `fresh`."""
        with self._lock:
            self._follow_generation(force=fresh)
            changed = self._lexical_index().refresh()
            if fresh or changed or not self._manifest.loaded:
                got = self._read(lambda h: get_all(h.manifest, ["metadatas"]))
                pairs = zip(got["ids"], got["metadatas"] or [], strict=True)
                entries = {i: ManifestEntry.from_metadata(i, m) for i, m in pairs}
                if self._server is None:
                    self._follow_other_processes(entries)
                self._wrote = False
                self._manifest = _ManifestCache(entries, True, sum(e.n_chunks for e in entries.values()))
                self._sync_lexical(entries)
                release_freed_memory()  # the read's buffers, else kept by the allocator for the process's life
            return self._manifest.entries

    def speaker_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """The organisations and the speaking bodies of the committed documents."""
        manifest = self.manifest()
        cache = self._manifest
        if cache.speakers is None:
            cache.speakers = (
                frozenset(e.organisation for e in manifest.values()),
                frozenset(b for e in manifest.values() for b in e.bodies),
            )
        return cache.speakers

    def kinds_by_organisation(self) -> dict[str, set[str]]:
        """Organisation -> the kinds of its committed documents (gathered once per change of the index)."""
        manifest = self.manifest()
        cache = self._manifest
        if cache.kinds is None:
            kinds: dict[str, set[str]] = {}
            for entry in manifest.values():
                kinds.setdefault(entry.organisation, set()).add(entry.kind)
            cache.kinds = kinds
        return cache.kinds

    def version(self) -> str:
        """Changes whenever the index does: the generation and its change stamps (no hashing per call)."""
        self.manifest()
        return f"{self.generation}:{self._lexical_index().stamp}:{self._server_stamp or 0}"

    def document_text(self, doc_id: str) -> str:
        got = self._read(lambda h: h.manifest.get(ids=[doc_id], include=["documents"]))
        docs = got.get("documents") or []
        return docs[0] if docs else ""

    # -- writing (only under the write lock) -----------------------------------------------
    def add_chunks(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Upsert chunks (invisible until their document is committed)."""

        self._lexical_index().note_pending(dict.fromkeys((c.doc_id, c.doc_hash) for c in chunks))

        def write(h: _Handle) -> None:
            if vectors:
                _record_dimension(h.chunks, len(vectors[0]))
            for b in range(0, len(chunks), _BATCH):
                part = chunks[b : b + _BATCH]
                h.chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=[list(v) for v in vectors[b : b + _BATCH]],
                    documents=[c.text for c in part],
                    metadatas=[c.metadata() for c in part],
                )

        self._write(write)

    def commit_document(self, meta: DocumentMeta, doc_hash: str, text: str, chunks: Sequence[Chunk]) -> None:
        """Make this version of the document the visible one, then drop older chunks.

        The manifest record is written only when every chunk of the version is in the collection,
        so a commit never points at chunks that are not there."""
        bodies = tuple(dict.fromkeys(c.body for c in chunks))
        entry = ManifestEntry(
            doc_id=meta.doc_id,
            doc_hash=doc_hash,
            source=meta.source,
            title=meta.title,
            organisation=meta.organisation,
            body=meta.body,
            kind=meta.kind,
            date=meta.date,
            reference=meta.reference,
            concerns=meta.concerns,
            bodies=bodies,
            n_chunks=len(chunks),
            catalogued=meta.catalogued,
            original_file=meta.original_file,
        )

        def write(h: _Handle) -> None:
            present = h.chunks.get(ids=[c.id for c in chunks], include=[])["ids"]
            if len(present) != len(chunks):
                raise RuntimeError(
                    f"{meta.doc_id}: {len(chunks) - len(present)} of {len(chunks)} chunks vanished before the commit"
                )
            before = h.manifest.get(ids=[meta.doc_id], include=["metadatas", "documents"])
            h.manifest.upsert(ids=[meta.doc_id], embeddings=[[1.0]], documents=[text], metadatas=[entry.metadata()])
            try:
                self._lexical_index().replace_document(meta.doc_id, doc_hash, chunks)
            except Exception as exc:
                _restore_manifest(h.manifest, meta.doc_id, before)  # the previous version stays, on both sides
                raise IndexWriteError(
                    f"{meta.source}: det lexikala indexet {lexical_path(self.settings, h.generation.number)} kunde "
                    f"inte skrivas ({type(exc).__name__}: {exc}); dokumentet behåller sin tidigare version. "
                    "Kontrollera diskutrymmet och kör `remiss ingest` igen."
                ) from exc
            h.chunks.delete(where={"$and": [{"doc_id": meta.doc_id}, {"doc_hash": {"$ne": doc_hash}}]})
            self._lexical_index().clear_pending(meta.doc_id)

        try:
            self._write(write)
        finally:
            self._invalidate()

    def delete_document(self, doc_id: str) -> None:
        """Remove a document: first from the manifest (invisible at once), then its chunks."""

        def write(h: _Handle) -> None:
            h.manifest.delete(ids=[doc_id])
            self._lexical_index().remove_document(doc_id)
            h.chunks.delete(where={"doc_id": doc_id})
            self._lexical_index().clear_pending(doc_id)

        try:
            self._write(write)
        finally:
            self._invalidate()

    def collect_garbage(self, whole: bool = True) -> GarbageReport:
        """Delete chunks of versions no committed document owns (left by a killed ingest), and find
        committed documents that miss chunks. Runs under the write lock, so no other writer's
        not-yet-committed chunks can be among those deleted.

        Without `whole`, only the versions the writers' journal names are cleaned (the work of one
        document, not of the whole index), once a whole sweep has run since the journal began."""
        committed = self.manifest(fresh=True)
        journal = self._lexical_index()
        if not whole and journal.swept:
            return self._write(lambda h: self._clean_pending(h, journal, committed))

        def write(h: _Handle) -> GarbageReport:
            got = get_all(h.chunks, ["metadatas"])
            present: Counter[tuple[str, str]] = Counter()
            stale = []
            for i, m in zip(got["ids"], got["metadatas"] or [], strict=True):
                doc_id, doc_hash = str((m or {}).get("doc_id")), (m or {}).get("doc_hash")
                entry = committed.get(doc_id)
                if entry is None or entry.doc_hash != doc_hash:
                    stale.append(i)
                else:
                    present[(doc_id, entry.doc_hash)] += 1
            for b in range(0, len(stale), _BATCH):
                h.chunks.delete(ids=stale[b : b + _BATCH])
            damaged = {
                d: (present[(d, e.doc_hash)], e.n_chunks)
                for d, e in committed.items()
                if present[(d, e.doc_hash)] != e.n_chunks
            }
            journal.clear_pending()
            journal.mark_swept()
            return GarbageReport(len(stale), damaged)

        return self._write(write)

    def _clean_pending(self, h: _Handle, journal: LexicalIndex, committed: dict[str, ManifestEntry]) -> GarbageReport:
        removed = 0
        for doc_id, doc_hash in journal.pending():
            entry = committed.get(doc_id)
            if entry is None or entry.doc_hash != doc_hash:  # never committed: its chunks go
                where = {"$and": [{"doc_id": doc_id}, {"doc_hash": doc_hash}]}
            else:  # committed, but the old version's chunks may still be there
                where = {"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": doc_hash}}]}
            stale = h.chunks.get(where=where, include=[])["ids"]
            if stale:
                h.chunks.delete(ids=stale)
            removed += len(stale)
        journal.clear_pending()
        return GarbageReport(removed)

    def _invalidate(self) -> None:
        with self._lock:
            self._manifest = _ManifestCache(self._manifest.entries, False)  # reload on next read
            self._wrote = True
            if self._server is not None:
                with contextlib.suppress(Exception), self._server_errors():  # readers poll it; a lost bump waits
                    bump_server_stamp(self.settings, self._server, self._handle.generation.number)

    # -- reading ---------------------------------------------------------------------------
    def committed_chunks(self) -> list[Chunk]:
        committed = self.manifest()
        got = self._read(lambda h: get_all(h.chunks, ["documents", "metadatas"]))
        chunks = [c for c, m in _chunks_read(got) if _is_committed(m, committed)]
        return sorted(chunks, key=lambda c: (c.doc_id, c.start))

    def committed_document_chunks(self, doc_id: str) -> list[Chunk]:
        """One committed document's chunks, in order, read from Chroma by its id and hash (not the
        whole collection): for a reader whose lexical index lags behind the manifest."""
        entry = self.manifest().get(doc_id)
        return self._document_chunks(doc_id, entry.doc_hash) if entry is not None else []

    def _document_chunks(self, doc_id: str, doc_hash: str) -> list[Chunk]:
        """The chunks Chroma holds for one version of a document, in order."""
        got = self._read(
            lambda h: h.chunks.get(
                where={"$and": [{"doc_id": doc_id}, {"doc_hash": doc_hash}]}, include=["documents", "metadatas"]
            )
        )
        return sorted((c for c, _ in _chunks_read(got)), key=lambda c: c.start)

    def chunk_count(self) -> int:
        self.manifest()
        return self._manifest.chunks

    def dense_search(self, vector: Sequence[float], k: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """Top-k committed chunks by cosine similarity (1 - distance)."""
        total = self.chunk_count()  # from the manifest: no count() call per question

        def query(h: _Handle) -> dict[str, Any] | None:
            if total == 0:
                return None
            return h.chunks.query(
                query_embeddings=[list(vector)],
                n_results=min(total, k + 8),
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )

        got = self._read(query)
        if got is None:
            return []
        committed = self.manifest()  # the generation may have switched during the query
        out: list[tuple[Chunk, float]] = []
        for i, d, m, dist in zip(
            got["ids"][0],
            (got["documents"] or [[]])[0],
            (got["metadatas"] or [[]])[0],
            (got["distances"] or [[]])[0],
            strict=True,
        ):
            if _is_committed(m, committed):
                out.append((Chunk.from_metadata(i, d, m), 1.0 - float(dist)))
        return out[:k]

    def lexical(self) -> LexicalIndex:
        """The BM25 index of the current generation, in step with the manifest (checked by its stamp)."""
        with self._lock:
            self.manifest()
            return self._lexical_index()

    def lexical_search(
        self, question: str, k: int, where: dict[str, str | tuple[str, ...]] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Top-k BM25 hits of committed versions only (a lexical index that lags the manifest shows nothing stale)."""
        lexical = self.lexical()
        committed = self._manifest.entries
        found = lexical.search(question, k + 8, where=where)
        return [(c, s) for c, s in found if (e := committed.get(c.doc_id)) is not None and e.doc_hash == c.doc_hash][:k]

    def _lexical_index(self) -> LexicalIndex:
        """The open lexical index of the generation being read (opened, or migrated, on first use)."""
        number = self._handle.generation.number
        if self._lexical is not None and self._lexical_number == number:
            return self._lexical
        path = lexical_path(self.settings, number)
        try:
            index = LexicalIndex(path)
        except (OSError, sqlite3.Error) as exc:  # a read-only data dir still searches, from memory
            log.warning("Kan inte öppna det lexikala indexet %s (%s); det byggs i minnet.", path, exc)
            index = LexicalIndex(":memory:")
        legacy = legacy_lexical_path(self.settings, number)
        self._legacy = legacy if legacy.exists() else None
        if index.migrated or self._legacy is not None:
            log.warning(
                "Det lexikala indexet %s har ett äldre format; det byggs om från dokumenten i indexet "
                "(inget indexerat går förlorat).",
                self._legacy or path,
            )
        if self._lexical is not None:
            self._lexical.close()
        self._lexical, self._lexical_number = index, number
        self._manifest = _ManifestCache()
        return index

    def _sync_lexical(self, entries: dict[str, ManifestEntry]) -> None:
        """Bring the lexical index in step with the manifest: after a crash, on a fresh data dir of a
        Chroma server, or from the previous format. Only one writer does it (under the write lock)."""
        index = self._lexical_index()
        have = index.documents()
        want = {d: e.doc_hash for d, e in entries.items()}
        if have == want:
            self._forget_legacy()
            return
        if index.path == ":memory:" or writelock.is_held(self.settings):
            self._repair_lexical(index, have, entries)
            return
        try:
            with writelock.write_lock(self.settings, wait=0):
                self._repair_lexical(index, index.documents(), entries)
        except RemissError:
            return  # a writer is at work and brings it in step itself; searches keep to committed versions

    def _repair_lexical(self, index: LexicalIndex, have: dict[str, str], entries: dict[str, ManifestEntry]) -> None:
        started = time.perf_counter()
        for doc_id in sorted(set(have) - set(entries)):
            index.remove_document(doc_id)
        missing = [e for d, e in sorted(entries.items()) if have.get(d) != e.doc_hash]
        for entry in missing:
            chunks = self._document_chunks(entry.doc_id, entry.doc_hash)
            if len(chunks) != entry.n_chunks:
                continue  # changed meanwhile by a writer elsewhere: the next change brings it in
            index.replace_document(entry.doc_id, entry.doc_hash, chunks)
        if missing:
            log.info("Lexikala indexet: %d dokument lästes in på %.1f s.", len(missing), time.perf_counter() - started)
        index.refresh()
        self._forget_legacy()

    def _forget_legacy(self) -> None:
        if self._legacy is not None:
            with contextlib.suppress(OSError):
                self._legacy.unlink()
            self._legacy = None

    def _check_server_stamp(self) -> None:
        """On a Chroma server: has any writer committed since we last looked? (one small request)"""
        stamp = read_server_stamp(self.settings, self._server, self._handle.generation.number)
        if stamp != self._server_stamp:
            self._server_stamp = stamp
            self._manifest = _ManifestCache(self._manifest.entries, False)


def _restore_manifest(manifest: Any, doc_id: str, before: dict[str, Any]) -> None:
    """Put back the manifest record `before` held (or remove the one just written when there was none)."""
    if before.get("ids"):
        manifest.upsert(ids=[doc_id], embeddings=[[1.0]], documents=before["documents"], metadatas=before["metadatas"])
    else:
        manifest.delete(ids=[doc_id])


def _record_dimension(chunks: Any, dimension: int) -> None:
    meta = dict(chunks.metadata or {})
    if meta.get("dimension") != dimension:
        meta.pop("hnsw:space", None)
        meta["dimension"] = dimension
        chunks.modify(metadata=meta)


def get_all(collection: Any, include: list[str]) -> dict[str, list]:
    """Every record of a collection, read a page at a time: one `get()` of a whole large index asks
    SQLite for more variables than it allows ("too many SQL variables" at about 33,000 passages)."""
    out: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    offset = 0
    while True:
        page = collection.get(include=include, limit=_PAGE, offset=offset)
        out["ids"].extend(page["ids"])
        for key in include:
            out[key].extend(page.get(key) or [])
        if len(page["ids"]) < _PAGE:
            return out
        offset += _PAGE


def _chunks_read(got: Any) -> list[tuple[Chunk, dict]]:
    """The chunks of a Chroma `get` with documents and metadatas, each beside its metadata."""
    return [
        (Chunk.from_metadata(i, d, m), m)
        for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
    ]


def _is_committed(meta: dict | None, committed: dict[str, ManifestEntry]) -> bool:
    if not meta:
        return False
    entry = committed.get(str(meta.get("doc_id")))
    return entry is not None and entry.doc_hash == meta.get("doc_hash")


def _answered_by_chroma(exc: BaseException) -> bool:
    """An error Chroma itself reported (a deleted collection: NotFoundError, or a missing segment while
    it is being deleted), not a connection that failed or timed out."""
    from chromadb.errors import ChromaError

    return isinstance(exc, ChromaError) or isinstance(exc.__cause__, ChromaError)


@contextlib.contextmanager
def server_errors(settings: Settings) -> Iterator[None]:
    """A Chroma server that stops answering (dead, frozen, gone) becomes one clear, typed error."""
    try:
        yield
    except Exception as exc:
        if not settings.chroma_host or isinstance(exc, _NOT_SERVER_ERRORS):
            raise
        raise StoreUnavailableError(
            f"Chroma-servern på http://{settings.chroma_host}:{settings.chroma_port} svarar inte "
            f"({type(exc).__name__}). Försök igen om en stund, eller starta servern."
        ) from exc


def server_client(settings: Settings) -> Any | None:
    """The Chroma server's client, or None for the on-disk index."""
    return _server_client(settings) if settings.chroma_host else None


def _connect(settings: Settings, path: Path | None) -> Any:
    """The Chroma client of an on-disk generation folder, or of the server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if settings.chroma_host:
        return _server_client(settings)
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def _server_client(settings: Settings) -> Any:
    """The process's client of the Chroma server, with `chroma_timeout` on every call, checked alive."""
    import chromadb.api.fastapi  # noqa: F401 - imported here, so the time limit below is for the server alone
    import httpx

    key = (settings.chroma_host, settings.chroma_port)
    try:
        with _SERVER_GUARD:
            client = _SERVER_CLIENTS.get(key)
        if client is None:
            client = _within(settings.chroma_timeout, lambda: _new_server_client(settings))
            with _SERVER_GUARD:
                client = _SERVER_CLIENTS.setdefault(key, client)
        session = getattr(getattr(client, "_server", None), "_session", None)
        if session is not None:  # chromadb sets no timeout at all; a frozen server would hang every call
            session.timeout = httpx.Timeout(settings.chroma_timeout)
        client.heartbeat()
    except Exception as exc:
        raise StoreUnavailableError(
            f"Chroma-servern på http://{settings.chroma_host}:{settings.chroma_port} svarar inte ({exc}). "
            "Starta den (`chroma run --path DIR --host 127.0.0.1 --port PORT`) eller töm "
            "REMISS_CHROMA_HOST för att använda indexet på disk."
        ) from exc
    return client


def _new_server_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.HttpClient(
        host=settings.chroma_host, port=settings.chroma_port, settings=ChromaSettings(anonymized_telemetry=False)
    )


def _within(seconds: float, make: Callable[[], T]) -> T:
    """Run `make` in a helper thread and give up after `seconds` (creating a chromadb client already
    calls the server, before any timeout can be set)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = make()
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=run, name="chroma-connect", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"inget svar på {seconds:g} s")
    if "error" in result:
        raise result["error"]
    return result["value"]
