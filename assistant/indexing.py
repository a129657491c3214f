"""Bring the index in step with the files: add new, replace changed, delete removed documents.

Each document is processed on its own; a bad file is reported and skipped, and the version
already indexed stays searchable. See `assistant.store` for why a killed run is safe. Every
run holds the data dir's write lock (`assistant.writelock`); a rebuild writes a new generation
beside the current one and switches to it at the end (`assistant.generations`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant import generations
from assistant.embeddings import EmbeddingCache
from assistant.errors import RemissError
from assistant.sentences import sentence_texts
from assistant.settings import Settings
from assistant.store import Store, server_client, server_errors
from assistant.writelock import write_lock
from ingest import ocr
from ingest.catalog import Catalog, document_id, load_catalog, needs_text
from ingest.chunking import chunk_sections
from ingest.clean import clean
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load
from ingest.prefetch import Prefetcher
from ingest.records import Chunk, CleanText, DocumentMeta, Page, layout_text
from ingest.sections import split_sections

# Bump when cleaning, sectioning, chunking or the indexed text changes, so every document is redone.
PIPELINE_VERSION = "10"  # 10: PDFs read by layout (headers, columns, hyphens), scanned pages by OCR
HEADER_RESERVE_TOKENS = 64
READ_AHEAD = 1  # files read in a background thread while the one before is embedded (0: none)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks_total: int = 0
    chunks_written: int = 0
    embedded: int = 0
    garbage_collected: int = 0
    generation: int | None = None  # a rebuild: the generation it built and switched to
    generations_removed: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class Prepared:
    """A document read, cleaned and chunked, ready to embed."""

    meta: DocumentMeta
    doc_hash: str
    clean: CleanText
    chunks: list[Chunk]
    warnings: tuple[str, ...] = ()  # read only in part (scanned pages without OCR)


class Progress:
    """Callbacks for progress display; the default does nothing."""

    def start(self, files: int) -> None: ...
    def file_done(self, name: str) -> None: ...
    def chunks(self, n: int) -> None: ...
    def embedded(self, n: int) -> None: ...
    def cached(self, n: int) -> None: ...  # passages whose vectors came from the cache
    def add_embedding_total(self, n: int) -> None: ...
    def waiting(self, message: str) -> None: ...
    def stop(self) -> None: ...


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest under the given files and folders; also returns the folders scanned.

    Files keep the path they were found under (a symlink stays the link, not its target), so a
    removed link removes its document."""
    files: list[Path] = []
    roots: list[Path] = []
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            roots.append(root)
            files.extend(
                p
                for p in sorted(root.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
            )
        else:
            files.append(path.absolute())
    return files, roots


def document_hash(data: bytes, meta: DocumentMeta, settings: Settings) -> str:
    """Changes when the bytes, the catalog entry or the chunking settings change."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps(meta.__dict__, sort_keys=True, ensure_ascii=False, default=list).encode())
    digest.update(f"{PIPELINE_VERSION}:{settings.chunk_tokens}:{settings.chunk_overlap_tokens}".encode())
    digest.update(f":ocr={ocr.state()}".encode())  # installing Tesseract later reads the skipped scanned pages
    return digest.hexdigest()


def read_file(path: Path, settings: Settings) -> tuple[list[Page], list[str]]:
    """The file's pages and what was read only in part (warnings), within the settings' limits."""
    warnings: list[str] = []
    pages = load(
        path,
        int(settings.max_file_mb * 1_000_000),
        max_unpacked_bytes=int(settings.max_unpacked_mb * 1_000_000),
        max_seconds=settings.max_parse_seconds,
        warn=warnings.append,
    )
    return pages, warnings


def prepare(
    path: Path,
    catalog: Catalog,
    settings: Settings,
    fits: Callable[[str], bool] | None,
    doc_id: str | None = None,
    loaded: tuple[list[Page], list[str]] | None = None,
) -> Prepared:
    """Load (unless `loaded` already holds `read_file`'s result), clean, sectionise and chunk one file."""
    pages, warnings = loaded if loaded is not None else read_file(path, settings)
    cleaned = clean(pages)
    if not cleaned.text.strip():
        raise LoadError(path, "filen innehåller ingen läsbar text")
    meta = catalog.meta_for(path, str(path), cleaned.blocks, doc_id, layout_text(pages))
    doc_hash = document_hash(path.read_bytes(), meta, settings)
    sections = split_sections(cleaned.blocks, meta)
    chunks = chunk_sections(
        sections,
        cleaned.text,
        meta,
        doc_hash,
        settings.chunk_tokens,
        settings.chunk_overlap_tokens,
        fits,
        frozenset(p.number for p in pages if p.ocr and p.number is not None),
    )
    if not chunks:
        raise LoadError(path, "filen gav inga textstycken att indexera")
    return Prepared(meta, doc_hash, cleaned, chunks, tuple(warnings))


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    store: Store | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
    lock_wait: float | None = None,
) -> IngestReport:
    """Index the files under `paths` (default: the corpus) incrementally; see module doc.

    Waits up to `lock_wait` seconds (default: REMISS_WRITE_LOCK_WAIT) for another writer."""
    progress = progress or Progress()
    with write_lock(settings, lock_wait, progress.waiting):
        if rebuild:
            return _rebuild(settings, paths, store, progress)
        store = store or Store(settings)
        _remove_unread_generations(settings)
        return _update(settings, paths, store, progress)


def _remove_unread_generations(settings: Settings) -> int:
    """Under the write lock nobody writes another generation: what is neither current nor read can go
    (a rebuild that died, old generations whose readers have left). Returns the current number."""
    server = server_client(settings)
    with server_errors(settings):
        current = generations.current_number(settings, server)
        generations.remove_unused(settings, current, server)
    return current


def _rebuild(settings: Settings, paths: list[Path] | None, readers: Store | None, progress: Progress) -> IngestReport:
    """Build the next generation from the files, switch to it, then delete the old ones nobody reads."""
    current = _remove_unread_generations(settings)
    server = server_client(settings)
    with server_errors(settings):
        present = generations.present_numbers(settings, server)
    target = generations.generation(settings, max({current, *present}) + 1)
    store = Store(settings, generation=target)
    try:
        report = _update(settings, paths, store, progress)
        if not report.added:  # a wrong folder, or every file bad: keep the index that works
            report.failed.append(
                (str(settings.corpus_dir if not paths else paths[0]), "ombyggnaden gav inga dokument; indexet behölls")
            )
            return report
        with server_errors(settings):
            generations.switch(settings, target.number, server)
    finally:
        store.close()
    if readers is not None:
        readers.manifest(fresh=True)  # the caller's own store follows the switch at once
    with server_errors(settings):
        removed = generations.remove_unused(settings, target.number, server)
        left = generations.present_numbers(settings, server) - {target.number}
    if left:
        report.warnings.append(
            "Den tidigare versionen av indexet läses fortfarande av en annan process (till exempel remiss serve); "
            "den tas bort när processen har bytt till det nya indexet."
        )
    report.generation = target.number
    report.generations_removed = removed
    return report


def _update(settings: Settings, paths: list[Path] | None, store: Store, progress: Progress) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    garbage = store.collect_garbage(whole=paths is None)  # `remiss ingest FILE` does one file's work
    report.garbage_collected = garbage.removed
    for doc_id, (have, want) in sorted(garbage.damaged.items()):
        report.warnings.append(f"{doc_id}: indexet saknade {want - have} av {want} stycken; dokumentet indexeras om.")
    corpus_catalog = load_catalog(settings.catalog_path)
    catalog = with_uploads(corpus_catalog, settings)
    report.warnings.extend(catalog.warnings)
    files, roots = discover(paths or default_paths(settings))
    report.warnings.extend(missing_from_catalog(corpus_catalog, files, roots, settings.corpus_dir))
    committed = store.manifest(fresh=True)
    cache = EmbeddingCache(settings.cache_path)
    progress.start(len(files))
    seen: set[str] = set()
    ids = unique_ids(files)
    damaged = set(garbage.damaged)
    to_read = [p for p in files if _needs_reading(p, ids[p], catalog, settings, committed, damaged)]
    ahead = Prefetcher(lambda p: read_file(p, settings), to_read, READ_AHEAD if len(to_read) > 1 else 0)
    try:
        for path in files:
            _ingest_one(
                path, ids[path], catalog, settings, store, cache, committed, damaged, seen, report, progress, ahead
            )
            progress.file_done(path.name)
        for doc_id, entry in committed.items():
            source = Path(entry.source)
            if doc_id not in seen and any(source.is_relative_to(r) for r in roots) and not source.exists():
                store.delete_document(doc_id)
                report.removed.append(doc_id)
        store.lexical()  # rebuild and persist BM25 for the new version now, not at first search
    finally:
        ahead.close()
        cache.close()
        progress.stop()
    report.chunks_total = store.chunk_count()
    from assistant.positions.build import after_ingest  # the matrix follows the index (only what changed)

    if warning := after_ingest(settings, store):
        report.warnings.append(warning)
    report.seconds = time.perf_counter() - started
    return report


def default_paths(settings: Settings) -> list[Path]:
    """What `remiss ingest` indexes without paths: the corpus, and the files uploaded on the admin page."""
    uploads = settings.uploads_dir
    return [settings.corpus_dir, uploads] if uploads.is_dir() else [settings.corpus_dir]


def with_uploads(catalog: Catalog, settings: Settings) -> Catalog:
    """The corpus catalog plus the uploads' own (`uploads/catalog.toml`); the corpus wins a shared file name."""
    path = settings.uploads_dir / "catalog.toml"
    if not path.is_file():
        return catalog
    uploads = load_catalog(path)
    return Catalog({**uploads.entries, **catalog.entries}, catalog.path, catalog.warnings + uploads.warnings)


def missing_from_catalog(catalog: Catalog, files: list[Path], roots: list[Path], corpus_dir: Path) -> list[str]:
    """A warning per catalog entry whose file is not in the corpus folder (when that folder is ingested)."""
    if catalog.path is None or corpus_dir.resolve() not in roots:
        return []
    present = {f.name for f in files}
    return [
        f"{catalog.path.name} nämner {name}, men filen finns inte i {corpus_dir}; "
        "rätta filnamnet i katalogen eller lägg dit filen."
        for name in catalog.entries
        if name not in present
    ]


def unique_ids(files: list[Path]) -> dict[Path, str]:
    """Document ids from file names; where two files share a name, the suffix and then the folder tell them apart."""
    ids = {path: document_id(path) for path in files}
    for attempt in (
        lambda p: f"{document_id(p)}-{p.suffix.lstrip('.').lower()}",
        lambda p: f"{document_id(p.parent)}-{document_id(p)}-{p.suffix.lstrip('.').lower()}",
    ):
        counts: dict[str, int] = {}
        for value in ids.values():
            counts[value] = counts.get(value, 0) + 1
        ids = {p: attempt(p) if counts[v] > 1 else v for p, v in ids.items()}
    return ids


def _ingest_one(
    path: Path,
    doc_id: str,
    catalog: Catalog,
    settings: Settings,
    store: Store,
    cache: EmbeddingCache,
    committed: dict,
    damaged: set[str],
    seen: set[str],
    report: IngestReport,
    progress: Progress,
    ahead: Prefetcher[tuple[list[Page], list[str]]] | None = None,
) -> None:
    seen.add(doc_id)
    entry = committed.get(doc_id)
    whole = doc_id not in damaged
    try:
        if not path.is_file():
            raise LoadError(path, "filen finns inte")
        if (
            whole
            and entry is not None
            and entry.source == str(path)
            and _quick_hash_matches(path, doc_id, catalog, settings, entry.doc_hash)
        ):
            report.unchanged.append(doc_id)
            return
        embedder = store.embedder
        window = embedder.max_tokens - HEADER_RESERVE_TOKENS
        loaded = ahead.get(path) if ahead is not None else None
        prepared = prepare(path, catalog, settings, lambda text: embedder.token_count(text) <= window, doc_id, loaded)
    except RemissError:
        raise  # the embedder or the store, not the file
    except LoadError as exc:
        report.failed.append((str(exc.path), exc.reason))
        return
    except OSError as exc:
        report.failed.append((str(path), f"kan inte läsas ({exc.strerror or exc})"))
        return
    except Exception as exc:  # cleaning, sections or chunks choked on what the parser gave: still this file's error
        report.failed.append((str(path), f"oväntat fel när filen bearbetades ({type(exc).__name__}: {exc})"))
        return
    report.warnings.extend(prepared.warnings)
    if whole and entry is not None and entry.doc_hash == prepared.doc_hash:
        report.unchanged.append(doc_id)
        return
    if not prepared.meta.catalogued:
        report.warnings.append(uncatalogued_warning(path, prepared.meta, settings.catalog_path.name))
    sentences = sentence_texts(prepared.chunks)
    progress.add_embedding_total(len(prepared.chunks) + len(sentences))
    vectors, fresh = cache.embed(
        store.embedder, [c.indexed_text() for c in prepared.chunks], settings.embed_batch_size, progress.embedded
    )
    # Sentence vectors go to the cache only: questions look them up to judge and quote evidence.
    _, fresh_sentences = cache.embed(store.embedder, sentences, settings.embed_batch_size, progress.embedded)
    progress.cached(len(prepared.chunks) - fresh + len(sentences) - fresh_sentences)
    store.add_chunks(prepared.chunks, vectors)
    store.commit_document(prepared.meta, prepared.doc_hash, prepared.clean.text, prepared.chunks)
    progress.chunks(len(prepared.chunks))
    report.embedded += fresh + fresh_sentences
    report.chunks_written += len(prepared.chunks)
    (report.updated if entry is not None else report.added).append(doc_id)


def uncatalogued_warning(path: Path, meta: DocumentMeta, catalog_name: str) -> str:
    """What was read from the text of a file the catalog does not list, and what to do."""
    fields = (
        ("titel", meta.title),
        ("organisation", meta.organisation),
        ("organ", meta.body),
        ("typ", meta.kind),
        ("datum", meta.date),
        ("dnr", meta.reference),
    )
    found = ", ".join(f"{label} '{_shortened(value)}'" for label, value in fields if value)
    return (
        f"{path.name} finns inte i katalogen {catalog_name}; ur texten lästes {found}. "
        f"Kontrollera med `remiss catalog suggest {path.name}` och lägg till filen i katalogen."
    )


def _shortened(value: str, limit: int = 80) -> str:
    """A long value cut at a word, with an ellipsis, so the warning never shows a half number."""
    if len(value) <= limit:
        return value
    return value[:limit].rsplit(" ", 1)[0] + " …"


def _needs_reading(
    path: Path, doc_id: str, catalog: Catalog, settings: Settings, committed: dict, damaged: set[str]
) -> bool:
    """False for a file `_ingest_one` will find unchanged without reading it (the same quick check)."""
    entry = committed.get(doc_id)
    if doc_id in damaged or entry is None or entry.source != str(path) or not path.is_file():
        return True
    try:
        return not _quick_hash_matches(path, doc_id, catalog, settings, entry.doc_hash)
    except OSError:
        return True


def _quick_hash_matches(path: Path, doc_id: str, catalog: Catalog, settings: Settings, doc_hash: str) -> bool:
    """Compare hashes without cleaning or chunking: the no-op path must be fast."""
    if path.name not in catalog.entries or needs_text(catalog.entries[path.name]):
        return False  # detected metadata needs the text; fall through to the full path
    meta = catalog.meta_for(path, str(path), (), doc_id)
    return document_hash(path.read_bytes(), meta, settings) == doc_hash
