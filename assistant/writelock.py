"""One writer at a time: an inter-process lock on the data dir, held by every write to the index.

Two writers interleaving lose data (one's clean-up deletes the other's not-yet-committed chunks)
and can corrupt Chroma's files. The lock is `flock` on `data_dir/write.lock`: the kernel drops it
when its holder dies, even by SIGKILL, so a crashed ingest never blocks the next one. It is
re-entrant within a thread; another thread of the same process waits like another process.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from assistant.errors import IndexBusyError, RemissError
from assistant.settings import Settings

_POLL_SECONDS = 0.2
_GUARD = threading.Lock()
_HELD: dict[str, tuple[int, int]] = {}  # lock path -> (owning thread, depth)


def lock_path(settings: Settings) -> Path:
    return settings.data_dir / "write.lock"


def is_held(settings: Settings) -> bool:
    """True when this thread holds the write lock of this data dir."""
    with _GUARD:
        owner = _HELD.get(str(lock_path(settings)))
    return owner is not None and owner[0] == threading.get_ident()


def require(settings: Settings) -> None:
    """Refuse a write to the index made without the lock (a bug, not a user error)."""
    if not is_held(settings):
        raise RuntimeError(f"write to the index of {settings.data_dir} without holding its write lock")


@contextlib.contextmanager
def write_lock(
    settings: Settings, wait: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the data dir's write lock; wait up to `wait` seconds (default: the setting) for another writer.

    `on_wait` gets one message when the lock is busy. Raises IndexBusyError when the wait runs out."""
    path = lock_path(settings)
    key = str(path)
    me = threading.get_ident()
    with _GUARD:
        owner = _HELD.get(key)
        if owner is not None and owner[0] == me:
            _HELD[key] = (me, owner[1] + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _GUARD:
                _HELD[key] = (me, _HELD[key][1] - 1)
        return
    fh = _acquire(settings, path, settings.write_lock_wait if wait is None else wait, on_wait)
    with _GUARD:
        _HELD[key] = (me, 1)
    try:
        yield
    finally:
        with _GUARD:
            _HELD.pop(key, None)
        fh.close()  # closing the descriptor releases the flock


def _acquire(settings: Settings, path: Path, wait: float, on_wait: Callable[[str], None] | None) -> TextIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise RemissError(
            f"Kan inte skriva i datamappen {settings.data_dir} ({exc.strerror or exc}); kontrollera REMISS_DATA_DIR."
        ) from exc
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _holder(path)
            if time.monotonic() >= deadline:
                fh.close()
                raise IndexBusyError(
                    f"Indexet i {settings.data_dir} skrivs redan av en annan process ({holder}). Vänta tills den "
                    f"är klar och försök igen, eller höj REMISS_WRITE_LOCK_WAIT (nu {wait:g} s)."
                ) from None
            if not told and on_wait is not None:
                on_wait(f"En annan indexering pågår ({holder}); väntar tills den är klar (högst {wait:g} s) …")
            told = True
            time.sleep(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    fh.seek(0)
    fh.truncate()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    fh.write(json.dumps({"pid": os.getpid(), "since": started, "command": " ".join(sys.argv[:3])}))
    fh.flush()
    return fh


def _holder(path: Path) -> str:
    """Who holds the lock, from what the holder wrote into the file (best effort)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "process okänd"
    return f"process {info.get('pid', '?')}, sedan {info.get('since', '?')}"
