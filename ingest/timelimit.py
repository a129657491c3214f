"""A time limit on parsing one file, in whatever thread parses it.

A watchdog timer raises `ParseTimeout` in the parsing thread (CPython's async exceptions, so it
works outside the main thread and leaves SIGALRM to others, e.g. pytest-timeout). It derives from
BaseException so a parser's own `except Exception` cannot swallow it, and it is raised again every
`_REPEAT_SECONDS` until the protected block is left: when it lands in a finalizer or a weakref
callback run by the garbage collector, Python reports it as ignored and the next one ends the
parse. Like a signal, it lands between Python bytecodes: a long call inside C code (zlib, lxml)
finishes first, which the size limits bound.
"""

from __future__ import annotations

import ctypes
import threading
from types import TracebackType

_REPEAT_SECONDS = 0.2


class ParseTimeout(BaseException):
    """The time for parsing one file ran out."""


class time_limit:
    """`with time_limit(seconds):` raises ParseTimeout inside the block once `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._done = False
        self._thread_id = 0
        self._timer: threading.Timer | None = None

    def __enter__(self) -> time_limit:
        if self.seconds > 0:
            self._thread_id = threading.get_ident()
            self._arm(self.seconds)
        return self

    def _arm(self, seconds: float) -> None:
        timer = threading.Timer(seconds, self._fire)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            _raise_in(self._thread_id, ParseTimeout)
            self._arm(_REPEAT_SECONDS)  # again, in case the parser swallowed it with a bare `except:`

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._thread_id:
            return
        while True:
            try:
                self._stop()
                return
            except ParseTimeout:
                continue  # delivered while leaving: the block is done anyway; stop again

    def _stop(self) -> None:
        with self._lock:
            self._done = True
            _raise_in(self._thread_id, None)  # withdraw one that is pending but not yet delivered
            if self._timer is not None:
                self._timer.cancel()


def _raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Make `exc_type` pending in that thread; None (a NULL pointer) withdraws a pending one."""
    pending = ctypes.py_object(exc_type) if exc_type is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), pending)
