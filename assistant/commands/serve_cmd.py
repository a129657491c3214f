"""`remiss serve`: make sure the index is in step with the corpus, then start the chat window."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from assistant.errors import IndexBusyError
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store


def ensure_index(settings: Settings, console: Console) -> Store:
    """Ingest first when the index is missing or the corpus changed (a no-op run is quick).

    When another process is writing the index and there is one already, start on it at once:
    the store follows that writer's changes (and a rebuild's switch) by itself."""
    from assistant.commands.ingest_cmd import RichProgress, print_report

    store = Store(settings)
    indexed = bool(store.manifest(fresh=True))
    if not indexed:
        console.print("Inget index ännu: indexerar korpusen först …")
    try:
        report = ingest(settings, store=store, progress=RichProgress(console), lock_wait=0 if indexed else None)
    except IndexBusyError as exc:
        if not indexed:
            raise
        console.print(escape(f"{exc} Startar med indexet som det är; ändringarna syns när indexeringen är klar."))
        return store
    if report.added or report.updated or report.removed or report.failed or report.warnings:
        print_report(report, console)
    return store


def run(args: argparse.Namespace, settings: Settings) -> int:
    console = Console(stderr=True)
    if args.host:
        settings = settings.model_copy(update={"host": args.host})
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    store = ensure_index(settings, console)
    try:
        from assistant.app import launch
    except ImportError:
        console.print(
            "Indexet är klart. Chattfönstret finns inte ännu; fråga i terminalen:\n"
            '  remiss ask "Vad tycker Malmö om riktade statsbidrag?"\n'
            '  remiss search "tillitsbaserad styrning" -k 5'
        )
        return 0
    launch(settings, store)
    return 0
