"""The index: a Chroma collection of chunks, a manifest of committed documents, and BM25.

A document becomes visible only when its manifest record is written (the commit point):
its new chunks are upserted first under ids that include the document hash, then the
manifest is updated, then the old version's chunks are deleted. A process killed at any
step leaves the previously committed version searchable; the next ingest cleans up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.embeddings import EmbeddingBackend, embedder_identity, make_embedder
from assistant.errors import EmbedderMismatchError, StoreUnavailableError
from assistant.lexical import LexicalIndex
from assistant.settings import Settings
from ingest.records import Chunk, DocumentMeta

_BATCH = 256
# Per on-disk index: the committed (doc, hash) pairs this process's Chroma copy holds, and how
# often that copy was dropped because another process wrote (see _follow_other_processes).
_SEEN: dict[str, dict[str, str]] = {}
_GENERATION: dict[str, int] = {}
_MANIFEST_TTL_SECONDS = 5.0


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
        )


@dataclass
class _ManifestCache:
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    loaded_at: float = 0.0


class Store:
    """Chroma (on disk or a server) + manifest + lexical index, behind one small interface."""

    def __init__(self, settings: Settings, embedder: EmbeddingBackend | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._client = _connect(settings)
        self._identity = embedder.identity if embedder else embedder_identity(settings)
        self._chunks = self._open_chunks()
        self._manifest_col = self._client.get_or_create_collection(
            f"{settings.collection}-manifest", embedding_function=None
        )
        self._manifest = _ManifestCache()
        self._lexical: LexicalIndex | None = None
        self._lock = threading.RLock()
        self._wrote = False  # our own writes change the manifest; other processes' writes do too
        self._generation = _GENERATION.get(str(settings.index_dir), 0)

    # -- opening ---------------------------------------------------------------------------
    def _open_chunks(self) -> Any:
        name = self.settings.collection
        existing = {c.name if hasattr(c, "name") else str(c) for c in self._client.list_collections()}
        if name in existing:
            col = self._client.get_collection(name, embedding_function=None)
            stored = (col.metadata or {}).get("embedder")
            if stored and stored != self._identity:
                raise EmbedderMismatchError(
                    f"Indexet {self.settings.index_label} byggdes med inbäddningen '{stored}' "
                    f"({(col.metadata or {}).get('dimension', '?')} dimensioner), men inställningen "
                    f"REMISS_EMBEDDER ger '{self._identity}'. Bygg om indexet med `remiss ingest --rebuild`, "
                    "eller ställ tillbaka REMISS_EMBEDDER/REMISS_EMBED_MODEL."
                )
            return col
        return self._client.create_collection(
            name,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedder": self._identity},
        )

    @property
    def embedder(self) -> EmbeddingBackend:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
            if self._embedder.identity != self._identity:
                raise EmbedderMismatchError(f"Inbäddningen '{self._embedder.identity}' är inte '{self._identity}'.")
        return self._embedder

    def _record_dimension(self, dimension: int) -> None:
        meta = dict(self._chunks.metadata or {})
        if meta.get("dimension") != dimension:
            meta.pop("hnsw:space", None)
            meta["dimension"] = dimension
            self._chunks.modify(metadata=meta)

    @contextlib.contextmanager
    def _server_errors(self) -> Iterator[None]:
        """A Chroma server that stops answering mid-session becomes one clear, typed error."""
        try:
            yield
        except Exception as exc:
            if not self.settings.chroma_host or isinstance(exc, (KeyError, ValueError, TypeError)):
                raise
            raise StoreUnavailableError(
                f"Chroma-servern på http://{self.settings.chroma_host}:{self.settings.chroma_port} svarar inte "
                f"({type(exc).__name__}). Försök igen om en stund, eller starta servern."
            ) from exc

    @property
    def embedder_label(self) -> str:
        return str((self._chunks.metadata or {}).get("embedder", self._identity))

    # -- manifest --------------------------------------------------------------------------
    def manifest(self, fresh: bool = False) -> dict[str, ManifestEntry]:
        """Committed documents by id (cached briefly; other processes may ingest)."""
        with self._lock:
            if fresh or time.monotonic() - self._manifest.loaded_at > _MANIFEST_TTL_SECONDS:
                with self._server_errors():
                    got = self._manifest_col.get(include=["metadatas"])
                pairs = zip(got["ids"], got["metadatas"] or [], strict=True)
                entries = {i: ManifestEntry.from_metadata(i, m) for i, m in pairs}
                if not self.settings.chroma_host:
                    self._follow_other_processes(entries)
                self._wrote = False
                self._manifest = _ManifestCache(entries, time.monotonic())
            return self._manifest.entries

    def _follow_other_processes(self, entries: dict[str, ManifestEntry]) -> None:
        """Reopen the on-disk index when another process changed it since this process last looked.

        Chroma keeps the vectors of a persistent index in memory once per path and process, so
        vectors another process wrote stay invisible until that copy is dropped. The manifest
        (read from SQLite) does show the change, so it tells when to reopen.
        """
        from chromadb.api.shared_system_client import SharedSystemClient

        key = str(self.settings.index_dir)
        signature = {d: e.doc_hash for d, e in entries.items()}
        known = _SEEN.get(key)
        if known is not None and known != signature and not self._wrote:
            # Forget (not stop) the cached copy: other stores in this process may still hold it.
            SharedSystemClient._identifier_to_refcount.pop(key, None)
            SharedSystemClient._identifier_to_system.pop(key, None)
            _GENERATION[key] = _GENERATION.get(key, 0) + 1
        _SEEN[key] = signature
        if self._generation != _GENERATION.get(key, 0):
            self._client = _connect(self.settings)
            self._generation = _GENERATION.get(key, 0)
            self._chunks = self._client.get_collection(self.settings.collection, embedding_function=None)
            self._manifest_col = self._client.get_collection(
                f"{self.settings.collection}-manifest", embedding_function=None
            )
            self._lexical = None

    def speaker_names(self) -> tuple[set[str], set[str]]:
        """The organisations and the speaking bodies of the committed documents."""
        manifest = self.manifest()
        return {e.organisation for e in manifest.values()}, {b for e in manifest.values() for b in e.bodies}

    def version(self) -> str:
        """A hash of the committed (document, hash) pairs: changes whenever the index does."""
        pairs = sorted((d, e.doc_hash) for d, e in self.manifest().items())
        return hashlib.sha1(json.dumps([self.embedder_label, pairs]).encode()).hexdigest()[:16]

    def document_text(self, doc_id: str) -> str:
        got = self._manifest_col.get(ids=[doc_id], include=["documents"])
        docs = got.get("documents") or []
        return docs[0] if docs else ""

    # -- writing ---------------------------------------------------------------------------
    def add_chunks(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Upsert chunks (invisible until their document is committed)."""
        if vectors:
            self._record_dimension(len(vectors[0]))
        for b in range(0, len(chunks), _BATCH):
            part = chunks[b : b + _BATCH]
            self._chunks.upsert(
                ids=[c.id for c in part],
                embeddings=[list(v) for v in vectors[b : b + _BATCH]],
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def commit_document(self, meta: DocumentMeta, doc_hash: str, text: str, chunks: Sequence[Chunk]) -> None:
        """Make this version of the document the visible one, then drop older chunks."""
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
        )
        self._manifest_col.upsert(ids=[meta.doc_id], embeddings=[[1.0]], documents=[text], metadatas=[entry.metadata()])
        self._chunks.delete(where={"$and": [{"doc_id": meta.doc_id}, {"doc_hash": {"$ne": doc_hash}}]})
        self._invalidate()

    def delete_document(self, doc_id: str) -> None:
        """Remove a document: first from the manifest (invisible at once), then its chunks."""
        self._manifest_col.delete(ids=[doc_id])
        self._chunks.delete(where={"doc_id": doc_id})
        self._invalidate()

    def collect_garbage(self) -> int:
        """Delete chunks no committed document owns (left by a killed ingest). Returns count."""
        committed = self.manifest(fresh=True)
        got = self._chunks.get(include=["metadatas"])
        stale = [
            i
            for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)
            if committed.get(str(m.get("doc_id"))) is None or committed[str(m["doc_id"])].doc_hash != m.get("doc_hash")
        ]
        for b in range(0, len(stale), _BATCH):
            self._chunks.delete(ids=stale[b : b + _BATCH])
        return len(stale)

    def reset(self) -> None:
        """Drop the whole index (for a rebuild with another embedder)."""
        for name in (self.settings.collection, f"{self.settings.collection}-manifest"):
            with contextlib.suppress(Exception):
                self._client.delete_collection(name)
        self._chunks = self._client.create_collection(
            self.settings.collection,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedder": self._identity},
        )
        self._manifest_col = self._client.get_or_create_collection(
            f"{self.settings.collection}-manifest", embedding_function=None
        )
        self._invalidate()

    def _invalidate(self) -> None:
        with self._lock:
            self._manifest = _ManifestCache(self._manifest.entries, 0.0)  # reload on next read
            self._lexical = None
            self._wrote = True

    # -- reading ---------------------------------------------------------------------------
    def committed_chunks(self) -> list[Chunk]:
        committed = self.manifest()
        got = self._chunks.get(include=["documents", "metadatas"])
        chunks = [
            Chunk.from_metadata(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
            if _is_committed(m, committed)
        ]
        return sorted(chunks, key=lambda c: (c.doc_id, c.start))

    def chunk_count(self) -> int:
        return sum(e.n_chunks for e in self.manifest().values())

    def dense_search(self, vector: Sequence[float], k: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """Top-k committed chunks by cosine similarity (1 - distance)."""
        with self._server_errors():
            total = self._chunks.count()
        if total == 0:
            return []
        with self._server_errors():
            got = self._chunks.query(
                query_embeddings=[list(vector)],
                n_results=min(total, k + 8),
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        committed = self.manifest()
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
        """The BM25 index for the current version: from memory, from disk, or rebuilt."""
        with self._lock:
            version = self.version()
            if self._lexical is not None and self._lexical.version == version:
                return self._lexical
            path = self._lexical_path()
            index = LexicalIndex.load(path)
            if index is None or index.version != version:
                index = LexicalIndex.build(self.committed_chunks(), version)
                with contextlib.suppress(OSError):  # a read-only data dir still searches
                    index.save(path)
            self._lexical = index
            return index

    def _lexical_path(self) -> Path:
        safe = self.settings.index_label.replace("/", "_").replace(":", "_").replace(" ", "_")
        return self.settings.data_dir / "lexical" / f"{hashlib.sha1(safe.encode()).hexdigest()[:12]}.pkl"


def _is_committed(meta: dict | None, committed: dict[str, ManifestEntry]) -> bool:
    if not meta:
        return False
    entry = committed.get(str(meta.get("doc_id")))
    return entry is not None and entry.doc_hash == meta.get("doc_hash")


def reset_index(settings: Settings) -> None:
    """Delete the collections without opening them, so a rebuild works with another embedder."""
    client = _connect(settings)
    for name in (settings.collection, f"{settings.collection}-manifest"):
        with contextlib.suppress(Exception):  # absent is fine
            client.delete_collection(name)


def _connect(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailableError(
                f"Chroma-servern på http://{settings.chroma_host}:{settings.chroma_port} svarar inte ({exc}). "
                "Starta den (`chroma run --path DIR --host 127.0.0.1 --port PORT`) eller töm "
                "REMISS_CHROMA_HOST för att använda indexet på disk."
            ) from exc
        return client
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
