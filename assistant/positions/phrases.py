"""The Swedish phrases of the remissammanställning (prompts/positions.sv.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from assistant.errors import ConfigError


@cache
def _table(prompts_dir: Path) -> dict[str, str]:
    path = prompts_dir / "positions.sv.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} kan inte läsas ({exc}); kontrollera REMISS_PROMPTS_DIR") from exc


def phrase(prompts_dir: Path, key: str, **values: object) -> str:
    text = _table(prompts_dir)[key]
    return text.format(**values) if values else text
