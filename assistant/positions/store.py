"""Where the position matrix of an index generation is kept, so it switches with the index it was computed from."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.generations import current_number
from assistant.positions.model import PositionMatrix, load_matrix
from assistant.settings import Settings


def matrix_path(settings: Settings, number: int) -> Path:
    """The matrix file of generation `number` (beside the lexical index, keyed the same way)."""
    safe = settings.index_label.replace("/", "_").replace(":", "_").replace(" ", "_")
    if number:
        safe += f"#g{number}"
    return settings.data_dir / "positions" / f"{hashlib.sha1(safe.encode()).hexdigest()[:12]}.json"


def current_matrix(settings: Settings, server: object = None) -> PositionMatrix | None:
    """The matrix of the current generation, or None when it has not been computed yet."""
    return load_matrix(matrix_path(settings, current_number(settings, server)))
