"""`remiss ask`: an answer with its numbered sources."""

from __future__ import annotations

import argparse

from assistant.chain import Assistant
from assistant.commands.questions import filters_from, run_questions
from assistant.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    assistant = Assistant(settings)
    filters = filters_from(args)

    def one(question: str) -> dict:
        answer = assistant.answer(question, filters=filters, k=args.k).as_json()
        keys = ("question", "answer", "citations", "abstained", "mode", "notices", "timings")
        return {key: answer[key] for key in keys}

    def show(record: dict) -> None:
        for notice in record["notices"]:
            if notice not in record["answer"]:  # the LLM fallback's notice already opens the text
                print(f"({notice})")
        print(record["answer"])
        if record["citations"] and not record["abstained"]:
            print("\nKällor:")
            for c in record["citations"]:
                page = f", s. {c['page']}" if c["page"] else ""
                print(f"[{c['n']}] {c['title']} – {c['organisation']}, {c['body']} ({c['section'] or '—'}{page})")
        print(f"\nLäge: {record['mode']}")

    return run_questions(args, one, show)
