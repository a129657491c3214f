"""`remiss stats`: what the index holds, and which inquiries its documents concern."""

from __future__ import annotations

import argparse
import json

from assistant.inquiries import documents_of, label, load_inquiries, present
from assistant.prompts import message
from assistant.settings import Settings
from assistant.store import Store


def collect(settings: Settings) -> dict:
    store = Store(settings)
    manifest = store.manifest(fresh=True)
    organisations, bodies = store.speaker_names()
    known = load_inquiries(settings.inquiries_path)
    return {
        "documents": len(manifest),
        "document_ids": sorted(manifest),
        "chunks": store.chunk_count(),
        "organisations": sorted(organisations),
        "bodies": sorted(bodies),
        "inquiries": [
            {"number": number, "label": label(number, known), "documents": len(documents_of(manifest, number))}
            for number in present(manifest)
        ],
        "embedder": store.embedder_label,
        "index": settings.index_label,
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    stats = collect(settings)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    say = lambda key, **values: print(message(settings.prompts_dir, "sv", key, **values))  # noqa: E731
    say("stats_counts", documents=stats["documents"], chunks=stats["chunks"])
    say("stats_index", index=stats["index"], embedder=stats["embedder"])
    say("stats_organisations", names="; ".join(stats["organisations"]))
    say("stats_bodies", names="; ".join(stats["bodies"]))
    inquiries = [
        message(settings.prompts_dir, "sv", "stats_inquiry", label=i["label"], documents=i["documents"])
        for i in stats["inquiries"]
    ]
    if inquiries:
        say("stats_inquiries", names="; ".join(inquiries))
    else:
        say("stats_no_inquiries")
    say("stats_documents", ids="; ".join(stats["document_ids"]))
    return 0
