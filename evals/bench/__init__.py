"""`remiss bench`: speed and memory of the whole pipeline, against targets and baselines, in one run.

Parts, one module each (each figure's method is also written into the report):

- `ingest`: cold and no-op ingest at each scale (×1 = the corpus; ×N = `evals.synthetic`), the
  embedder alone on the same texts, and `remiss ingest` as a new process.
- `search`: warm latency of hybrid, BM25-only and dense-only search; extractive `ask` at ×1.
- `serving`: a fresh process starts the app on the ×1 index, answers over HTTP, reports peak memory.
- `baselines`: the LangChain + Chroma tutorial pipeline with MiniLM and with the e5 embedder,
  against the full pipeline (hit@4 per evaluation set; latencies timed alternately).
- `machine`: what the machine is and how busy it was; `common`: rows, targets, latency summaries;
  `report`: the table, report.md and results.json; `run`: the command.
"""
