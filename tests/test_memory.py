"""Freed heap memory goes back to the system after a large read (glibc's malloc_trim)."""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import json
from assistant.memory import release_freed_memory

def rss():
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024

keep = [bytes(2000) for _ in range(1000)]  # below the big block: the heap cannot shrink by itself
blocks = [bytes(1000 + i % 7) for i in range(60_000)]
keep.append(bytes(2000))  # above it
before = rss()
del blocks
freed = rss()
released = release_freed_memory()
print(json.dumps({"before": before, "freed": freed, "after": rss(), "released": released}))
"""


def test_freed_heap_memory_is_given_back() -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=120, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["released"] is True
    assert figures["freed"] - figures["after"] > 30, figures  # the ~60 MiB freed, returned only by the trim
