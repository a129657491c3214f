"""Read the next files in a background thread while the current one is embedded.

The embedder (OpenMP) and PDFium both run in C without the GIL, and Tesseract in a process of its
own, so reading file n+1 (a scanned page takes seconds) overlaps embedding file n. One thread and
one file ahead: memory holds at most two documents' pages, and every file is read on that one
thread (PDFium must not be used from two threads at once). A reader's exception (a LoadError, a
timeout) is raised again when that file's result is asked for, in the caller's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class Prefetcher(Generic[T]):
    """`get(path)` returns `read(path)`, started in the background one file before it is needed."""

    def __init__(self, read: Callable[[Path], T], paths: Iterable[Path], ahead: int = 1) -> None:
        self._read = read
        self._queue = list(paths)
        self._ahead = max(ahead, 0)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="remiss-read") if self._ahead else None
        self._futures: dict[Path, Future[T]] = {}
        self._fill()

    def _fill(self) -> None:
        while self._pool is not None and self._queue and len(self._futures) < self._ahead + 1:
            path = self._queue.pop(0)
            self._futures[path] = self._pool.submit(self._read, path)

    def get(self, path: Path) -> T:
        """The file's result (read now if it was not queued); its exception, if reading failed."""
        future = self._futures.pop(path, None)
        if path in self._queue:
            self._queue.remove(path)
        if future is None and self._pool is not None:  # still on the one reading thread: PDFium is not thread-safe
            future = self._pool.submit(self._read, path)
        try:
            return future.result() if future is not None else self._read(path)
        finally:
            self._fill()

    def close(self) -> None:
        """Drop what was not asked for; wait for the file being read to finish."""
        self._queue.clear()
        for future in self._futures.values():
            future.cancel()
        self._futures.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
