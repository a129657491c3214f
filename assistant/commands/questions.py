"""Shared plumbing of `remiss search` and `remiss ask`: one question, or a batch file."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.errors import QuestionError, RemissError
from assistant.retrieval import Filters


def filters_from(args: argparse.Namespace) -> Filters:
    return Filters(
        organisation=args.org or "",
        body=args.body or "",
        doc_id=args.doc or "",
        kind=args.kind or "",
        inquiry=getattr(args, "inquiry", None) or "",
    )


def read_batch(path: Path) -> Iterator[str]:
    """One question per non-empty line; a missing or unreadable file is a clear error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RemissError(f"Frågefilen {path} kan inte läsas ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise RemissError(f"Frågefilen {path} är inte UTF-8; spara den som UTF-8") from exc
    for line in text.splitlines():
        if line.strip():
            yield line.strip()


def run_questions(
    args: argparse.Namespace,
    one: Callable[[str], dict],
    show: Callable[[dict], None],
) -> int:
    """Answer `args.question` or every line of `args.batch`; JSON Lines out for batches."""
    if args.batch:
        status = 0
        for question in read_batch(args.batch):
            try:
                record = one(question)
            except QuestionError as exc:
                record = {"question": question, "error": str(exc)}
                status = 1
            print(json.dumps(record, ensure_ascii=False), flush=True)
        return status
    if args.question is None:
        raise QuestionError('Ange en fråga, till exempel: remiss ask "Vad är tillitsbaserad styrning?"')
    record = one(args.question)
    if args.json:
        print(json.dumps(record if "answer" in record else record["hits"], ensure_ascii=False, indent=2))
    else:
        show(record)
    return 0
