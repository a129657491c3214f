"""Reading a whole collection pages through it: one get() of a large index exceeds SQLite's variable limit."""

from __future__ import annotations

from pathlib import Path

import chromadb
import pytest

from assistant import store


def test_a_whole_collection_is_read_a_page_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"))
    collection = client.create_collection("sider", embedding_function=None)
    ids = [f"c{i:03d}" for i in range(23)]
    collection.add(
        ids=ids,
        embeddings=[[float(i), 1.0, 0.0] for i in range(23)],
        documents=[f"stycke {i}" for i in range(23)],
        metadatas=[{"n": i} for i in range(23)],
    )
    calls = []
    real_get = collection.get

    def counting_get(**kwargs: object) -> object:
        calls.append(kwargs)
        return real_get(**kwargs)

    monkeypatch.setattr(store, "_PAGE", 5)
    monkeypatch.setattr(collection, "get", counting_get)
    got = store.get_all(collection, ["documents", "metadatas"])
    assert sorted(got["ids"]) == ids and len(set(got["ids"])) == 23
    assert {got["documents"][k] for k in range(23)} == {f"stycke {i}" for i in range(23)}
    assert all(got["metadatas"][k]["n"] == int(got["ids"][k][1:]) for k in range(23))
    assert len(calls) == 5 and all(c["limit"] == 5 for c in calls)  # 5 + 5 + 5 + 5 + 3
