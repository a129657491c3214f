"""`remiss stats`: what the index holds."""

from __future__ import annotations

import argparse
import json

from assistant.settings import Settings
from assistant.store import Store


def collect(settings: Settings) -> dict:
    store = Store(settings)
    manifest = store.manifest(fresh=True)
    organisations, bodies = store.speaker_names()
    return {
        "documents": len(manifest),
        "document_ids": sorted(manifest),
        "chunks": store.chunk_count(),
        "organisations": sorted(organisations),
        "bodies": sorted(bodies),
        "embedder": store.embedder_label,
        "index": settings.index_label,
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    stats = collect(settings)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"Dokument: {stats['documents']}  Stycken: {stats['chunks']}")
    print(f"Index: {stats['index']}  Inbäddning: {stats['embedder']}")
    print("Organisationer: " + "; ".join(stats["organisations"]))
    print("Talande organ: " + "; ".join(stats["bodies"]))
    print("Dokument-id (för --doc): " + "; ".join(stats["document_ids"]))
    return 0
