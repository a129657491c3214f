"""Bounded memory and disk for an app that runs for months: idle sessions go, old exports go.

Gradio keeps a copy of the page's state for every session it has seen (about 0.3 MB with our
catalog) and frees it only when more than `state_session_capacity` sessions exist. The app
releases every session idle longer than `session_ttl`, at most once a minute, from its
own event handlers; exported conversations older than `export_max_age` are deleted whenever
a new one is written, and never more than MAX_EXPORTS are kept.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

MAX_EXPORTS = 500
SWEEP_EVERY = 60.0  # seconds between two sweeps of idle sessions


class SessionReaper:
    """Drops the Gradio session state of sessions idle longer than `max_idle` seconds."""

    def __init__(self, max_idle: float, every: float = SWEEP_EVERY) -> None:
        self.max_idle = max_idle
        self.every = min(every, max_idle)
        self._last = 0.0
        self._lock = threading.Lock()

    def maybe_sweep(self, holder: Any) -> int:
        """Sweep when the last sweep is older than `every` seconds; returns the sessions released."""
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.every:
                return 0
            self._last = now
        return release_idle_sessions(holder, self.max_idle)


def release_idle_sessions(holder: Any, max_idle: float) -> int:
    """Remove sessions not used for `max_idle` seconds from a Gradio StateHolder."""
    if holder is None:
        return 0
    cutoff = datetime.now() - timedelta(seconds=max_idle)
    with holder.lock:
        idle = [sid for sid, used in list(holder.time_last_used.items()) if used < cutoff]
        for sid in idle:
            holder.session_data.pop(sid, None)
            holder.time_last_used.pop(sid, None)
    return len(idle)


def prune_exports(folder: Path, max_age: float, keep: int = MAX_EXPORTS) -> int:
    """Delete exported conversations older than `max_age` seconds, and all but the `keep` newest."""
    now = time.time()
    files: list[tuple[float, Path]] = []
    for path in folder.glob("samtal-*.md"):
        try:
            files.append((path.stat().st_mtime, path))
        except OSError:
            continue  # removed meanwhile by another session
    files.sort(reverse=True)
    removed = 0
    for index, (mtime, path) in enumerate(files):
        if index >= keep or now - mtime > max_age:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
