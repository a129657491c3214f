"""Shared fixtures: every test runs with its own data directory and no stray REMISS_* settings."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "corpus"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-screenshot",
        action="store_true",
        help="also copy the chat screenshot to docs/screenshot-chat.png (tests write it to a temporary folder)",
    )


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("REMISS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("REMISS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REMISS_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the whole session: identical text is embedded once."""
    return tmp_path_factory.mktemp("cache") / "embedding-cache.sqlite"


@pytest.fixture
def make_settings(tmp_path: Path, shared_cache: Path) -> Callable[..., Settings]:
    """Settings in this test's own folders (override any field by keyword)."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "corpus_dir": tmp_path / "corpus",
            "embed_cache": shared_cache,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Iterator[Settings]:
    """The bundled corpus, ingested once per session into its own data dir."""
    from assistant.indexing import ingest

    root = tmp_path_factory.mktemp("corpus-index")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, embed_cache=shared_cache)  # type: ignore[call-arg]
    report = ingest(settings)
    assert report.ok, report.failed
    yield settings


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus (documents + catalog) for this test."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
