"""A consultation round's worth of PDFs, ingested cold: `python -m evals.bench.pdf_round [--docs 150]`.

Generates remissvar-shaped PDFs (`evals.bench.pdf_corpus`: letterheads, running headers and footers,
two-column pages, tables, scanned pages), then measures, each phase on its own:

- reading alone: PDF text and layout (pages/s), and OCR of the scanned pages (pages/s);
- the cold ingest into an empty index with an empty embedding cache (docs/s, tokens/s);
- the embedder alone on the same texts (passages and sentences, as the ingest embeds them);
- CPU used per second of wall time (2.0 = both cores busy) and peak memory.

Prints the figures and writes results.json to --out; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.bench.pdf_corpus import make_corpus


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _phase(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds per wall second) of one phase."""
    cpu, wall = _cpu(), time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - wall
    return result, seconds, (_cpu() - cpu) / seconds if seconds else float("nan")


def _bar(console: Any) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def read_alone(files: list[Path], console: Any) -> dict[str, float]:
    """PDF text + layout for every page, then OCR of the scanned pages, timed apart."""
    from ingest import ocr, pdf_layout

    pages = scanned = 0
    layout_s = ocr_s = 0.0
    with _bar(console) as bar:
        task = bar.add_task("läser (text, OCR)", total=len(files))
        for path in files:
            started = time.perf_counter()
            doc = pdf_layout.open_pdf(path)
            raw = pdf_layout.extract(doc, time.monotonic() + 600)
            pdf_layout.lay_out([p for p in raw if not p.needs_ocr])
            layout_s += time.perf_counter() - started
            pages += sum(not p.needs_ocr for p in raw)
            if any(p.needs_ocr for p in raw) and ocr.state() != "none":
                started = time.perf_counter()
                scanned += ocr.read_scanned(doc, raw, path, lambda message: None)
                ocr_s += time.perf_counter() - started
            doc.close()
            bar.advance(task)
    return {
        "text_pages": pages,
        "layout_s": layout_s,
        "text_pages_per_s": pages / layout_s if layout_s else float("nan"),
        "ocr_pages": scanned,
        "ocr_s": ocr_s,
        "ocr_pages_per_s": scanned / ocr_s if ocr_s else float("nan"),
        "ocr": ocr.state(),
    }


def cold_ingest(settings: Any, console: Any, log: Path) -> dict[str, Any]:
    """`remiss ingest`'s own progress bars; each finished file is also logged (seconds since start)."""
    from assistant.commands.ingest_cmd import RichProgress
    from assistant.indexing import ingest

    started = time.perf_counter()

    class Logged(RichProgress):
        def file_done(self, name: str) -> None:
            super().file_done(name)
            with log.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"file": name, "s": round(time.perf_counter() - started, 2)}) + "\n")

    report, seconds, cores = _phase(lambda: ingest(settings, progress=Logged(console)))
    return {
        "seconds": seconds,
        "cores": cores,
        "added": len(report.added),
        "failed": report.failed,
        "warnings": report.warnings,
        "chunks": report.chunks_written,
        "embedded": report.embedded,
    }


def embedder_alone(settings: Any, console: Any) -> dict[str, float]:
    """The distinct passages and sentences of the index, through the embedder alone (no cache, no store):
    the least any pipeline must embed (the generated letters repeat sentences, which the ingest embeds
    once, through its cache)."""
    from assistant.sentences import sentence_texts
    from assistant.store import Store

    store = Store(settings)
    chunks = store.committed_chunks()
    texts = list(dict.fromkeys([c.indexed_text() for c in chunks] + sentence_texts(chunks)))
    embedder = store.embedder
    tokens = sum(embedder.token_count(t) for t in texts)
    batch = settings.embed_batch_size

    def run() -> None:
        with _bar(console) as bar:
            task = bar.add_task("inbäddning ensam", total=len(texts))
            for b in range(0, len(texts), batch):
                embedder.embed_documents(texts[b : b + batch])
                bar.advance(task, len(texts[b : b + batch]))

    _, seconds, cores = _phase(run)
    chunk_tokens = sum(embedder.token_count(c.indexed_text()) for c in chunks)
    store.close()
    return {"texts": len(texts), "tokens": tokens, "chunk_tokens": chunk_tokens, "seconds": seconds, "cores": cores}


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    parser = argparse.ArgumentParser(prog="python -m evals.bench.pdf_round", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=150, help="PDFs in the round (default 150)")
    parser.add_argument("--pages", type=int, default=10, help="pages per PDF, ±2 (default 10)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--out", type=Path, default=None, help="folder for the PDFs, the index and results.json")
    parser.add_argument(
        "--embedder-alone-only",
        action="store_true",
        help="only the embedder-alone phase, on the index an earlier run left in --out (its results.json is completed)",
    )
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if args.embedder_alone_only:
        return _embedder_alone_only(args.out, console)
    out = args.out or Path(tempfile.mkdtemp(prefix="remiss-pdf-round-"))
    corpus = out / "corpus"
    started = time.perf_counter()
    layouts = make_corpus(corpus, args.docs, args.seed, args.pages)
    generated_s = time.perf_counter() - started
    files = [layout.path for layout in layouts]
    pages = sum(layout.pages for layout in layouts)
    settings = _round_settings(out)
    load_before = os.getloadavg()[0]
    results: dict[str, Any] = {"docs": args.docs, "pages": pages}
    save = out / "results.json"
    results["read"] = read = read_alone(files, console)
    save.write_text(json.dumps(results, indent=2), encoding="utf-8")  # each phase's figures as soon as they exist
    results["ingest"] = ingest = cold_ingest(settings, console, out / "ingest-progress.jsonl")
    save.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    alone = embedder_alone(settings, console)
    results = {
        "docs": args.docs,
        "pages": pages,
        "two_column_pages": sum(len(x.two_column_pages) for x in layouts),
        "scanned_pages": sum(len(x.image_pages) for x in layouts),
        "generated_s": generated_s,
        "read": read,
        "ingest": ingest,
        "embedder_alone": alone,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average": [load_before, os.getloadavg()[0]],
        "cpus": os.cpu_count(),
    }
    save.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    _print(results, out)
    return 0 if not ingest["failed"] else 1


def _round_settings(out: Path) -> Any:
    """A round's settings: its PDFs, index and embedding cache all inside `out`."""
    from assistant.settings import Settings

    return Settings(data_dir=out / "data", corpus_dir=out / "corpus", embed_cache=out / "cache.sqlite")  # type: ignore[call-arg]


def _embedder_alone_only(out: Path | None, console: Any) -> int:
    """The last phase alone, for a round whose ingest finished but whose embedder-alone phase did not."""
    save = (out or Path(".")) / "results.json"
    if out is None or not save.is_file():
        console.print(f"--embedder-alone-only behöver --out med en mapp från en tidigare körning (saknar {save})")
        return 2
    results = json.loads(save.read_text(encoding="utf-8"))
    if "ingest" not in results:
        console.print(f"{save} har inga siffror från indexeringen; kör hela rundan först")
        return 2
    settings = _round_settings(out)
    load_before = os.getloadavg()[0]
    results["embedder_alone"] = embedder_alone(settings, console)
    results.setdefault("load_average", [load_before, os.getloadavg()[0]])
    results.setdefault("cpus", os.cpu_count())
    save.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    _print(results, out)
    return 0


def _print(r: dict[str, Any], out: Path) -> None:
    read, ing, alone = r["read"], r["ingest"], r["embedder_alone"]
    rows = [
        (
            "round",
            f"{r['docs']} PDFs, {r['pages']} pages ({r.get('two_column_pages', '?')} two-column, "
            f"{r.get('scanned_pages', r['read']['ocr_pages'])} scanned)"
            + (f"; generated in {r['generated_s']:.1f} s" if "generated_s" in r else ""),
        ),
        (
            "text + layout alone",
            f"{read['text_pages']} pages in {read['layout_s']:.1f} s = {read['text_pages_per_s']:.0f} pages/s",
        ),
        (
            "OCR alone",
            f"{read['ocr_pages']} pages in {read['ocr_s']:.1f} s = {read['ocr_pages_per_s']:.2f} pages/s "
            f"(model: {read['ocr']})",
        ),
        (
            "cold ingest",
            f"{ing['seconds']:.1f} s: {ing['added']} docs, {ing['chunks']} passages, {ing['embedded']} texts embedded",
        ),
        (
            "cold ingest throughput",
            f"{ing['added'] / ing['seconds']:.2f} docs/s · "
            f"{alone['tokens'] / ing['seconds']:.0f} tok/s (passages + sentences) · CPU {ing['cores']:.2f} cores",
        ),
        (
            "embedder alone, same texts",
            f"{alone['seconds']:.1f} s: {alone['texts']} texts, "
            f"{alone['tokens'] / alone['seconds']:.0f} tok/s · CPU {alone['cores']:.2f} cores",
        ),
        ("cold ingest / embedder alone", f"{ing['seconds'] / alone['seconds']:.2f}×"),
        (
            "… in CPU seconds",  # steadier than wall time when the phases ran under different loads
            f"{ing['seconds'] * ing['cores']:.0f} / {alone['seconds'] * alone['cores']:.0f} = "
            f"{ing['seconds'] * ing['cores'] / (alone['seconds'] * alone['cores']):.2f}×",
        ),
        ("peak memory (RSS)", f"{r['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in r else "—"),
        ("load average before/after", f"{r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} on {r['cpus']} CPUs"),
        ("failed", str(len(ing["failed"])) + "".join(f"\n    {p}: {why}" for p, why in ing["failed"][:5])),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"results: {out / 'results.json'}")


if __name__ == "__main__":
    sys.exit(main())
