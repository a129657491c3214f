"""Compute the position matrix from the index, whole (`build`) or only what changed (`update`).

Every respondent's cells depend on its own chunks, the proposals and the stance model; the
matrix keeps a fingerprint of each, so an update after an ingest recomputes only the respondents
whose documents changed (a changed summary, proposals.toml or model recomputes everything).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.embeddings import EmbeddingCache
from assistant.errors import RemissError
from assistant.positions.cells import (
    AddressParams,
    address_scores,
    cell_for,
    classifier_stances,
    effective_scores,
    key_text,
    overall,
    profiles,
)
from assistant.positions.classifier import MODEL_PATH, load_stance_model
from assistant.positions.evidence import RespondentText, blocks_of, sentences_of, summary_doc_ids
from assistant.positions.model import Cell, PositionMatrix, Proposal, Respondent, load_matrix, save_matrix
from assistant.positions.parts import PartStore, assemble, compute_part
from assistant.positions.proposals import apply_overrides, extract_proposals
from assistant.positions.store import matrix_path
from assistant.sentences import _unit
from assistant.settings import Settings
from assistant.store import Store
from assistant.swedish import analyse
from ingest.records import Chunk

PROPOSALS_FILE = "proposals.toml"
METHOD_VERSION = 14  # raise when the computation changes, so stored matrices are recomputed


class Progress:
    """Progress of computing the matrix (the CLI shows a bar); the default shows nothing."""

    def start(self, total: int) -> None: ...
    def advance(self, label: str) -> None: ...
    def stop(self) -> None: ...


@dataclass
class UpdateReport:
    recomputed: list[tuple[str, str]] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    full: bool = False
    documents_computed: int = 0  # documents whose part was computed (the others' parts were reused)


def _key(key: tuple[str, str]) -> str:
    return f"{key[0]}\u241f{key[1]}"


def _hash(value: object) -> str:
    return hashlib.sha1(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:16]


def compute_proposals(settings: Settings, store: Store) -> list[Proposal]:
    """The proposals of every summarising document (each once), corrected by proposals.toml."""
    manifest = store.manifest()
    found = [
        proposal
        for doc_id in summary_doc_ids(manifest)
        for proposal in extract_proposals(blocks_of(manifest[doc_id], store.document_text(doc_id)), doc_id)
    ]
    return apply_overrides(unique_proposals(found), settings.corpus_dir / PROPOSALS_FILE)


def unique_proposals(proposals: Sequence[Proposal]) -> list[Proposal]:
    """Each proposal once: a reprinted summary (or a copy of it) repeats them. Same title and text
    is the same proposal; two that share only a title cut short ("Chefer … bör verka för att …")
    are two."""
    out: list[Proposal] = []
    seen: set[str] = set()
    for proposal in proposals:
        name = " ".join(f"{proposal.title} {proposal.text}".lower().split())
        if name in seen:
            continue
        seen.add(name)
        ids = {p.id for p in out}
        out.append(
            proposal if proposal.id not in ids else Proposal(**{**proposal.__dict__, "id": f"{proposal.id}-{len(out)}"})
        )
    return out


def speakers(manifest: dict) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(organisation, body) -> its (document, hash) pairs, from the manifest alone (no chunks read),
    in the order respondent_chunks gives them."""
    summaries = set(summary_doc_ids(manifest))
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for doc_id in sorted(manifest):
        if doc_id in summaries:
            continue
        entry = manifest[doc_id]
        for body in entry.bodies or (entry.body,):
            out.setdefault((entry.organisation, body), []).append((doc_id, entry.doc_hash))
    return out


def _fingerprints(
    settings: Settings, store: Store, groups: dict[tuple[str, str], list[tuple[str, str]]]
) -> tuple[str, dict[str, str]]:
    manifest = store.manifest()
    overrides = settings.corpus_dir / PROPOSALS_FILE
    model = MODEL_PATH.read_bytes() if MODEL_PATH.is_file() else b""
    summary = _hash(
        [
            [(d, manifest[d].doc_hash) for d in summary_doc_ids(manifest)],
            overrides.read_text(encoding="utf-8") if overrides.is_file() else "",
            hashlib.sha1(model).hexdigest(),
            store.embedder_label,
            bool(settings.llm_base_url) and settings.positions_llm,
            METHOD_VERSION,
        ]
    )
    respondents = {_key(k): _hash(sorted(docs)) for k, docs in groups.items()}
    return summary, respondents


RARITY_STEP = 0.05  # rarity in steps: one more passage does not move a step, so the other respondents' cells stay valid


def rarity(store: Store) -> Callable[[str], float] | None:
    """How rare a word is across the indexed passages, 0.15-1 (BM25's IDF over its maximum), in
    steps of RARITY_STEP. The only thing a respondent's cells take from the other documents: the
    matrix keeps a fingerprint of it (`rarity_table`), and a change recomputes every respondent."""
    try:
        lexical = store.lexical()
        top = math.log(1 + lexical.n_chunks)
    except Exception:  # no lexical index yet: addressing falls back to equal word weights
        return None

    def rare(term: str) -> float:
        value = min(1.0, max(0.15, lexical.idf(term) / top)) if top else 1.0
        return round(round(value / RARITY_STEP) * RARITY_STEP, 4)

    return rare


def rarity_table(proposals: Sequence[Proposal], rare: Callable[[str], float] | None) -> list[tuple[str, float]]:
    """The rarity of every word the proposals' profiles weigh (what the cells depend on beyond their documents)."""
    if rare is None:
        return []
    words = {t for p in proposals for t in analyse(f"{key_text(p)} {p.text} {p.section}")}
    return sorted((t, rare(t)) for t in words)


class _QueryEmbedder:
    """The embedder's query side under its own identity, so the embedding cache keeps the proposals'
    vectors too: an update after one changed document embeds nothing it embedded before."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.identity = f"{inner.identity}|query"  # type: ignore[attr-defined]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.inner.embed_query(t) for t in texts]  # type: ignore[attr-defined]


class _Context:
    """What computing any respondent's cells needs, opened once."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        proposals: list[Proposal],
        params: AddressParams,
        rare: Callable[[str], float] | None,
        parts: PartStore | None = None,
    ) -> None:
        """`rare`: the words' rarity (`rarity(store)`); `parts`: where documents' parts are kept
        (None: computed, not kept)."""
        self.settings = settings
        self.store = store
        self.proposals = proposals
        self.params = params
        self.parts = parts
        self.computed = 0
        self.model = load_stance_model()
        self.cache = EmbeddingCache(settings.cache_path)
        queries = _QueryEmbedder(store.embedder)
        self.profiles = profiles(
            proposals,
            lambda texts: self.cache.embed(queries, texts, settings.embed_batch_size)[0],  # type: ignore[arg-type]
            rare,
        )
        self.labeller = None
        if settings.llm_base_url:
            from assistant.positions.llm_cells import LLMCellLabeller

            self.labeller = LLMCellLabeller(settings, store)

    def close(self) -> None:
        self.cache.close()

    def respondent_text(self, key: tuple[str, str], chunks: Sequence[Chunk]) -> RespondentText:
        sentences = sentences_of(chunks)
        texts = [s.text for s in sentences]
        vectors, _ = self.cache.embed(self.store.embedder, texts, self.settings.embed_batch_size) if texts else ([], 0)
        matrix = _unit(np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)) if texts else np.zeros((0, 1))
        return RespondentText(key[0], key[1], tuple(sorted({c.doc_id for c in chunks})), sentences, matrix)

    def compute(
        self,
        key: tuple[str, str],
        documents: Sequence[tuple[str, str]],
        reuse: bool,
        progress: Progress,
    ) -> tuple[Respondent, list[Cell]]:
        """One respondent from its documents' parts: stored ones reused (`reuse`), the others computed."""
        if self.labeller is not None:
            return self._with_llm(key, [c for d, _ in documents for c in self.chunks_of(key, d)], progress)
        found = []
        for doc_id, doc_hash in documents:
            part = self.parts.load(key, doc_id, doc_hash) if reuse and self.parts else None
            if part is None:
                text = self.respondent_text(key, self.chunks_of(key, doc_id))
                part = compute_part(text, self.profiles, self.model, self.params)
                self.computed += 1
                if self.parts is not None:
                    self.parts.save(key, doc_id, doc_hash, part)
            progress.advance(f"{key[0]}, {key[1]}")
            found.append(part)
        return assemble(key, found, self.proposals, self.params)

    def chunks_of(self, key: tuple[str, str], doc_id: str) -> list[Chunk]:
        """The document's committed chunks spoken by this body, in order (read from the lexical index)."""
        entry = self.store.manifest().get(doc_id)
        chunks = self.store.lexical().document_chunks(doc_id)
        lags = entry is None or len(chunks) != entry.n_chunks or any(c.doc_hash != entry.doc_hash for c in chunks)
        if lags:  # the lexical index lags behind the manifest: ask Chroma for this document alone
            chunks = self.store.committed_document_chunks(doc_id)
        chunks = sorted(chunks, key=lambda c: (c.doc_id, c.start))
        return [c for c in chunks if (c.organisation, c.body) == key]

    def _with_llm(
        self, key: tuple[str, str], chunks: Sequence[Chunk], progress: Progress
    ) -> tuple[Respondent, list[Cell]]:
        """With an LLM labelling the cells it reads the whole respondent at once (no parts)."""
        text = self.respondent_text(key, chunks)
        scores = effective_scores(text, address_scores(text, self.profiles, self.params), self.params, self.profiles)
        stance_of = classifier_stances(self.model, text)
        best = scores.max(axis=1, initial=0.0)
        cells = [cell_for(text, p, scores[:, j], stance_of, self.params, best) for j, p in enumerate(self.proposals)]
        cells = [
            self.labeller.relabel(text, p, scores[:, j], cell)  # type: ignore[union-attr]
            for j, (p, cell) in enumerate(zip(self.proposals, cells, strict=True))
        ]
        stance, quote = overall(text, self.model, scores)
        progress.advance(f"{key[0]}, {key[1]}")
        return Respondent(key[0], key[1], text.doc_ids, stance, quote), [
            c for c in cells if c.stance != "ej_berört" or c.quotes
        ]


def build(
    settings: Settings,
    store: Store | None = None,
    progress: Progress | None = None,
    params: AddressParams | None = None,
    save: bool = True,
) -> PositionMatrix:
    """The whole matrix from the index (and stored for its generation)."""
    matrix, _ = update(settings, store, progress, params, save, previous=None)
    return matrix


def update(
    settings: Settings,
    store: Store | None = None,
    progress: Progress | None = None,
    params: AddressParams | None = None,
    save: bool = True,
    previous: PositionMatrix | bool | None = True,
) -> tuple[PositionMatrix, UpdateReport]:
    """Recompute what changed since the stored matrix of the current generation (`previous=True`),
    everything when there is none or the summary changed; returns the matrix and what was redone."""
    store = store or Store(settings)
    progress = progress or Progress()
    manifest = store.manifest(fresh=True)
    if not manifest:
        raise RemissError("Indexet är tomt. Kör `remiss ingest` först.")
    path = matrix_path(settings, store.generation)
    if previous is True:
        previous = load_matrix(path)
    groups = speakers(manifest)
    summary_print, respondent_prints = _fingerprints(settings, store, groups)
    report = UpdateReport()
    old = previous if isinstance(previous, PositionMatrix) else None
    if old is None or old.meta.get("summary_fingerprint") != summary_print or params is not None:
        old = None
    proposals = compute_proposals(settings, store) if old is None else old.proposals
    rare = rarity(store)
    rarity_print = _hash(rarity_table(proposals, rare))
    if old is not None and old.meta.get("rarity_fingerprint") != rarity_print:
        old = None  # the words' rarity moved a step: every respondent's addressing may change
    report.full = old is None
    old_prints = old.meta.get("respondent_fingerprints", {}) if old else {}
    todo = [k for k in groups if old is None or old_prints.get(_key(k)) != respondent_prints[_key(k)]]
    respondents: dict[tuple[str, str], Respondent] = {}
    cells: dict[tuple[str, str], list[Cell]] = {}
    if old is not None:
        for r in old.respondents:
            if r.key in groups and r.key not in todo:
                respondents[r.key] = r
                report.kept.append(r.key)
        for c in old.cells:
            if c.respondent_key in respondents:
                cells.setdefault(c.respondent_key, []).append(c)
        report.removed = [r.key for r in old.respondents if r.key not in groups]
    part_store = None
    if params is None:
        part_store = PartStore(path.with_suffix(".parts"), _hash([summary_print, rarity_print]), writable=save)
    context = _Context(settings, store, proposals, params or AddressParams(), rare, part_store) if todo else None
    # The bar counts the respondents' documents (a part reused from the last update counts at once).
    progress.start(sum(1 for k in todo for d, _ in groups[k]) if todo else 0)
    try:
        for key in todo:
            respondents[key], cells[key] = context.compute(key, groups[key], old is not None, progress)  # type: ignore[union-attr]
            report.recomputed.append(key)
    finally:
        if context is not None:
            report.documents_computed = context.computed
            context.close()
        progress.stop()
    order = list(groups)
    matrix = PositionMatrix(
        proposals=proposals,
        respondents=[respondents[k] for k in order],
        cells=[c for k in order for c in cells.get(k, [])],
        index_version=store.version(),
        meta={
            "summary_fingerprint": summary_print,
            "rarity_fingerprint": rarity_print,
            "respondent_fingerprints": respondent_prints,
            "summary_doc_ids": summary_doc_ids(manifest),
            "method": "llm" if settings.llm_base_url else "lexicon+classifier",
        },
    )
    if save:
        save_matrix(matrix, path)
        if part_store is not None:
            part_store.keep_only(part_store.name(k, d, h) for k, docs in groups.items() for d, h in docs)
    return matrix, report


def after_ingest(settings: Settings, store: Store) -> str | None:
    """Bring the stored matrix up to date after an ingest; a warning instead of an error, so an
    ingest never fails because of the matrix (it is recomputed by `remiss positions`)."""
    if not settings.positions_on_ingest:
        return None
    try:
        if not summary_doc_ids(store.manifest()):
            return None
        update(settings, store)
    except Exception as exc:
        return f"Remissammanställningen kunde inte uppdateras ({exc}); kör `remiss positions`."
    return None
