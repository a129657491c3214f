"""`remiss search`: ranked hybrid hits."""

from __future__ import annotations

import argparse

from assistant.chain import Assistant
from assistant.commands.questions import filters_from, run_questions
from assistant.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    assistant = Assistant(settings)
    filters = filters_from(args)

    def one(question: str) -> dict:
        retrieval = assistant.search(question, args.k, filters)
        return {"question": question, "hits": [h.as_json() for h in retrieval.hits]}

    def show(record: dict) -> None:
        if not record["hits"]:
            print("Inga träffar.")
        for hit in record["hits"]:
            where = hit["section"] or "—"
            page = f", s. {hit['page']}" if hit["page"] else ""
            print(f"{hit['rank']:>2}. [{hit['score']:.4f}] {hit['organisation']} – {hit['body']} ({where}{page})")
            print("    " + " ".join(hit["text"].split())[:300])

    return run_questions(args, one, show)
