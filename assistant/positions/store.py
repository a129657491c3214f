"""The position matrix of the current index generation; its file goes with the generation (generations.matrix_path)."""

from __future__ import annotations

from assistant.generations import current_number, matrix_path
from assistant.positions.model import PositionMatrix, load_matrix
from assistant.settings import Settings


def current_matrix(settings: Settings, server: object = None) -> PositionMatrix | None:
    """The matrix of the current generation, or None when it has not been computed yet."""
    return load_matrix(matrix_path(settings, current_number(settings, server)))
