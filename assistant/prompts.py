"""Prompts and user-facing phrases, loaded from files in `prompts/` (never Python strings)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

from assistant.errors import ConfigError


def _read(prompts_dir: Path, name: str, language: str) -> str:
    for candidate in (prompts_dir / f"{name}.{language}.md", prompts_dir / f"{name}.sv.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise ConfigError(f"Promptfilen {prompts_dir / (name + '.sv.md')} saknas; kontrollera REMISS_PROMPTS_DIR")


@lru_cache(maxsize=16)
def answer_prompt(prompts_dir: Path, language: str) -> ChatPromptTemplate:
    """System rules + the numbered, fenced sources + the question."""
    return ChatPromptTemplate.from_messages(
        [
            ("system", _read(prompts_dir, "system", language)),
            ("human", _read(prompts_dir, "answer", language)),
        ],
        template_format="f-string",
    )


@lru_cache(maxsize=16)
def condense_prompt(prompts_dir: Path, language: str) -> PromptTemplate:
    return PromptTemplate.from_template(_read(prompts_dir, "condense", language))


@lru_cache(maxsize=4)
def _messages(prompts_dir: Path) -> dict[str, dict[str, str]]:
    path = prompts_dir / "messages.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} kan inte läsas ({exc}); kontrollera REMISS_PROMPTS_DIR") from exc


def message(prompts_dir: Path, language: str, key: str, **values: object) -> str:
    """A phrase in the question's language (Swedish when no translation exists)."""
    table = _messages(prompts_dir)
    text = table.get(language, {}).get(key) or table["sv"][key]
    return text.format(**values) if values else text
