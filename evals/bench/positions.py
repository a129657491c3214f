"""Speed and memory of the remissammanställning on the ×N synthetic corpora, beside their ingest.

Each phase runs as its own `remiss` process (so its peak memory is its own): a cold ingest
without the matrix, `remiss positions` computing the whole matrix (with its progress bar on
stderr), `remiss positions` again (the stored matrix), then after one respondent's document
changed: the ingest alone and `remiss positions` bringing the matrix up to date (the update
alone, in its own process), and after a second change the ingest with its own update of the
matrix (as `remiss ingest` runs by default).

    python -m evals.bench.positions [--scales 10,100] [--out DIR] [--cache FILE] [--reuse]

`--reuse` keeps an index an earlier run built in the same `--out` (the ×100 ingest takes long):
its cold ingest figure is the one recorded then (`ingest.json`), the corpus is written afresh and
brought into the index untimed, and the stored matrices are deleted, so `positions` is cold again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.settings import PROJECT_ROOT
from evals.synthetic import make_synthetic_corpus

_CHILD = (
    "import resource, sys\n"
    "from assistant.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "raise SystemExit(code)\n"
)
CHANGED = "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt"


def run_phase(args: list[str], env: dict[str, str], log: Path) -> dict[str, float]:
    """Seconds and peak resident memory (MiB) of one `remiss` command in a child process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    log.write_text(done.stdout[-4000:] + "\n--- stderr ---\n" + done.stderr[-8000:], encoding="utf-8")
    if done.returncode != 0:
        raise SystemExit(f"`remiss {' '.join(args)}` failed ({done.returncode}); see {log}")
    peak = next((int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("MAXRSS_KB")), 0)
    return {"seconds": round(seconds, 1), "peak_mib": round(peak / 1024, 1)}


def measure(scale: int, out: Path, cache: Path | None, reuse: bool = False) -> dict:
    root = out / f"x{scale}"
    corpus = make_synthetic_corpus(PROJECT_ROOT / "corpus", root / "corpus", scale)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMISS_")}
    env.update(
        REMISS_DATA_DIR=str(root / "data"),
        REMISS_CORPUS_DIR=str(corpus.folder),
        REMISS_CONFIG=str(root / "no-config.toml"),
        PYTHONPATH=str(PROJECT_ROOT),
        HF_HUB_OFFLINE="1",
    )
    if cache:
        env["REMISS_EMBED_CACHE"] = str(cache)
    result: dict = {"scale": scale, "documents": corpus.documents}
    recorded = root / "ingest.json"
    quiet = {**env, "REMISS_POSITIONS_ON_INGEST": "0"}
    if reuse and recorded.is_file() and (root / "data").is_dir():
        result["ingest"] = json.loads(recorded.read_text(encoding="utf-8"))
        run_phase(["ingest", "--quiet"], quiet, root / "ingest-sync.log")  # the changed document back as it was
        shutil.rmtree(root / "data" / "positions", ignore_errors=True)
    else:
        result["ingest"] = run_phase(["ingest", "--quiet"], quiet, root / "ingest.log")
        recorded.write_text(json.dumps(result["ingest"]), encoding="utf-8")
    matrix = root / "matrix.json"
    result["positions_cold"] = run_phase(["positions", "--format", "json", "--out", str(matrix)], env, root / "p1.log")
    rows = json.loads(matrix.read_text(encoding="utf-8"))
    result["cells"] = len(rows)
    result["addressed"] = sum(1 for r in rows if r["stance"] != "ej_berört")
    result["positions_stored"] = run_phase(
        ["positions", "--format", "csv", "--out", str(root / "m.csv")], env, root / "p2.log"
    )
    changed = corpus.folder / CHANGED
    # One changed document: the ingest alone, then the matrix's update alone (`remiss positions`) ...
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nNämnden tillstyrker förslaget om ett policylabb.\n")
    result["ingest_one_changed"] = run_phase(["ingest", "--quiet"], quiet, root / "ingest1.log")
    result["positions_update"] = run_phase(
        ["positions", "--format", "json", "--out", str(root / "m2.json")], env, root / "p3.log"
    )
    # ... and the ingest with its own update of the matrix, as `remiss ingest` runs by default.
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nNämnden avstyrker förslaget om frikommunförsök.\n")
    result["ingest_one_changed_with_update"] = run_phase(["ingest", "--quiet"], env, root / "ingest2.log")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time and memory of `remiss positions` on the ×N corpora.")
    parser.add_argument("--scales", default="10", help="comma-separated scales (default 10)")
    parser.add_argument("--out", type=Path, help="folder for the corpora and indexes (default: a temporary one)")
    parser.add_argument("--cache", type=Path, help="an embedding cache to reuse (default: each index its own)")
    parser.add_argument("--reuse", action="store_true", help="keep the indexes an earlier run built in --out")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="remiss-positions-bench-"))
    results = [measure(int(s), out, args.cache, args.reuse) for s in args.scales.split(",") if s.strip()]
    print(
        f"{'scale':>5} {'docs':>5} {'cells':>6} {'ingest s':>9} {'MiB':>6} {'positions s':>12} {'MiB':>6} "
        f"{'stored s':>9} {'1 changed: ingest s':>20} {'update s':>9} {'MiB':>6} {'ingest+update s':>16}"
    )
    for r in results:
        print(
            f"{r['scale']:>5} {r['documents']:>5} {r['cells']:>6} {r['ingest']['seconds']:>9} "
            f"{r['ingest']['peak_mib']:>6} {r['positions_cold']['seconds']:>12} {r['positions_cold']['peak_mib']:>6} "
            f"{r['positions_stored']['seconds']:>9} {r['ingest_one_changed']['seconds']:>20} "
            f"{r['positions_update']['seconds']:>9} {r['positions_update']['peak_mib']:>6} "
            f"{r['ingest_one_changed_with_update']['seconds']:>16}"
        )
    (out / "positions-bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"Wrote {out / 'positions-bench.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
