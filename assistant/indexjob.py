"""Indexing while the app serves: one background run at a time, with progress others can read.

The run is `assistant.indexing.ingest` (corpus and uploads) in a thread of the serving process,
on the app's own store, so the app sees each document the moment it is committed and never a
document half written (the store's commit is per document). A second start while one runs is
refused; another process holding the write lock is refused at once with its message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.errors import RemissError
from assistant.indexing import IngestReport, Progress, ingest
from assistant.settings import Settings
from assistant.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    """A snapshot of the current (or last) run."""

    state: str = "idle"  # idle, running, done, failed
    files_total: int = 0
    files_done: int = 0
    embed_total: int = 0
    embedded: int = 0
    current: str = ""
    note: str = ""
    report: IngestReport | None = None
    error: str = ""
    started: float = 0.0
    finished: float = 0.0
    run: int = 0  # counts runs, so a page can tell a new result from an old one

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def fraction(self) -> float:
        """Files done, the current one counted by its passages embedded."""
        if self.state == "done":
            return 1.0
        if not self.files_total:
            return 0.0
        part = self.embedded / self.embed_total if self.embed_total else 0.0
        return min(1.0, (self.files_done + min(part, 0.99)) / self.files_total)


@dataclass
class _Counts(Progress):
    """The ingest's progress callbacks, kept in numbers for `Status`."""

    job: IndexJob
    files_total: int = 0
    files_done: int = 0
    embed_total: int = 0
    embedded_n: int = 0
    current: str = ""
    note: str = ""
    names: list[str] = field(default_factory=list)

    def start(self, files: int) -> None:
        self.files_total = files
        self.job._publish()

    def file_done(self, name: str) -> None:
        self.files_done += 1
        self.current = name
        self.embed_total = self.embedded_n = 0
        self.job._publish()

    def embedded(self, n: int) -> None:
        self.embedded_n += n
        self.job._publish()

    def add_embedding_total(self, n: int) -> None:
        self.embed_total += n
        self.job._publish()

    def waiting(self, message: str) -> None:
        self.note = message
        self.job._publish()


class IndexJob:
    """The app's indexing runs: start one in a thread, read its status, never two at once."""

    def __init__(self, settings: Settings, store: Store, on_done: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.on_done = on_done
        self._lock = threading.Lock()
        self._status = Status()
        self._counts: _Counts | None = None
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> Status:
        with self._lock:
            return self._status

    def start(self) -> bool:
        """Start a run; False when one is already running."""
        with self._lock:
            if self._status.running:
                return False
            self._counts = _Counts(self)
            self._status = Status(state="running", started=time.time(), run=self._status.run + 1)
            self._thread = threading.Thread(target=self._run, name="remiss-index", daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float) -> bool:
        """Wait for the run to end (tests, shutdown); True when it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.status.running

    def _publish(self, **final: object) -> None:
        counts = self._counts
        if counts is None:
            return
        with self._lock:
            base = self._status
            self._status = Status(
                state=str(final.get("state", base.state)),
                files_total=counts.files_total,
                files_done=counts.files_done,
                embed_total=counts.embed_total,
                embedded=counts.embedded_n,
                current=counts.current,
                note=counts.note,
                report=final.get("report", base.report),  # type: ignore[arg-type]
                error=str(final.get("error", base.error)),
                started=base.started,
                finished=time.time() if "state" in final else 0.0,
                run=base.run,
            )

    def _run(self) -> None:
        counts = self._counts
        assert counts is not None
        try:
            report = ingest(self.settings, store=self.store, progress=counts, lock_wait=0)
        except RemissError as exc:
            self._publish(state="failed", error=str(exc))
        except Exception as exc:  # never let the thread die silently: the page must say it failed
            log.exception("indexing in the app failed")
            self._publish(state="failed", error=f"Indexeringen avbröts ({type(exc).__name__}: {exc}).")
        else:
            self._publish(state="done", report=report)
        finally:
            if self.on_done is not None:
                try:
                    self.on_done()
                except Exception:
                    log.exception("after indexing")
