"""Where the position matrix of an index generation is kept, so it switches with the index it was computed from."""

from __future__ import annotations

from pathlib import Path

from assistant.generations import current_number, generation_key
from assistant.positions.model import PositionMatrix, load_matrix
from assistant.settings import Settings


def matrix_path(settings: Settings, number: int) -> Path:
    """The matrix file of generation `number` (beside the lexical index, keyed the same way)."""
    return settings.data_dir / "positions" / f"{generation_key(settings, number)}.json"


def current_matrix(settings: Settings, server: object = None) -> PositionMatrix | None:
    """The matrix of the current generation, or None when it has not been computed yet."""
    return load_matrix(matrix_path(settings, current_number(settings, server)))
