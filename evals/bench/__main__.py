"""`python -m evals.bench --serve-child`: the serving process the bench starts and measures."""

from __future__ import annotations

import sys

from evals.bench.serving import serve_child

if __name__ == "__main__":
    if sys.argv[1:] == ["--serve-child"]:
        serve_child()
    else:
        print("usage: remiss bench [--scales 1,10,100] [--out DIR] [--port P]", file=sys.stderr)
        raise SystemExit(2)
