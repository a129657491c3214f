"""`remiss` as a user runs it: a child process on a given index, isolated from the caller's settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.settings import Settings


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a child `remiss` on the index of `settings`.

    No REMISS_* variable of the caller leaks in, and REMISS_CONFIG points at a file that does not
    exist, so only `settings` (and `extra`) decide what the child does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMISS_")}
    env.update(
        REMISS_DATA_DIR=str(settings.data_dir),
        REMISS_CORPUS_DIR=str(settings.corpus_dir),
        REMISS_EMBED_CACHE=str(settings.cache_path),
        REMISS_CONFIG=str(settings.data_dir / "no-config.toml"),
        HF_HUB_OFFLINE="1",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *args]


def run_cli(env: dict[str, str], cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `remiss <args>` to the end and capture its output as text."""
    return subprocess.run(
        cli_command(*args), env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )
