"""The current generation's position matrix for long-running readers (the app, the chat).

Read again only when its file changes, so a matrix computed while the app runs shows at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.positions.model import PositionMatrix, load_matrix
from assistant.positions.store import matrix_path
from assistant.settings import Settings


class MatrixCache:
    """`current()` is one stat() per call; a damaged file reads as no matrix (with a warning), never an error."""

    def __init__(self, settings: Settings, generation: Callable[[], int]) -> None:
        self.settings = settings
        self.generation = generation
        self._cached: tuple[tuple[Path, int], PositionMatrix | None] | None = None
        self._lock = threading.Lock()

    def current(self) -> PositionMatrix | None:
        path = matrix_path(self.settings, self.generation())
        try:
            stamp = (path, path.stat().st_mtime_ns)
        except OSError:
            return None
        with self._lock:
            if self._cached is None or self._cached[0] != stamp:
                try:
                    matrix = load_matrix(path)
                except (ValueError, TypeError, KeyError) as exc:
                    logging.getLogger(__name__).warning(
                        "%s cannot be read (%s); run `remiss positions` again", path, exc
                    )
                    matrix = None
                self._cached = (stamp, matrix)
            return self._cached[1]
