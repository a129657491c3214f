"""Ports for the servers the tests start (the app, Chroma, the scripted LLM and embedding servers).

When REMISS_PORT is set as the tests start (say, on a machine where only a range of ports may be
used), servers get REMISS_PORT, REMISS_PORT+1, … (skipping ports in use); otherwise a port the
OS says is free. The variable is read when this module is imported, before the per-test fixture
clears every REMISS_* setting.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading

RANGE = 200  # how far above REMISS_PORT to look for a free port


def _base() -> int | None:
    text = os.environ.get("REMISS_PORT", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536 - RANGE:
        raise RuntimeError(f"REMISS_PORT={text!r}: give a port number such as 7860 (or unset it)")
    return int(text)


_BASE = _base()
_NEXT = itertools.count(_BASE) if _BASE is not None else None
_LOCK = threading.Lock()


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def unused_port() -> int:
    """A port of 127.0.0.1 the OS says is free (for 'nothing listens there' tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_port() -> int:
    """The port for the next server a test starts: from REMISS_PORT up when it is set, else any free one."""
    if _NEXT is None or _BASE is None:
        return unused_port()
    with _LOCK:
        for port in _NEXT:
            if port >= _BASE + RANGE:
                break
            if _is_free(port):
                return port
    raise RuntimeError(f"no free port in {_BASE}–{_BASE + RANGE - 1} (REMISS_PORT={_BASE})")
