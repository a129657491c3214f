"""Give freed heap memory back to the system after a large read.

Reading the manifest of a big index (every document's metadata from Chroma) allocates tens of MiB
that are freed at once but stay in the C allocator's heap, counted in the query process's memory
for its whole life. glibc's `malloc_trim` returns them; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _trim() -> object | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def release_freed_memory() -> bool:
    """Return freed heap pages to the system; True when the allocator could (glibc)."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)  # type: ignore[operator]
    return True
