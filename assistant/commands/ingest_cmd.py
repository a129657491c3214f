"""`remiss ingest`: progress bars, then a summary table."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.indexing import IngestReport, ingest
from assistant.indexing import Progress as ProgressHooks
from assistant.settings import Settings


class RichProgress(ProgressHooks):
    """Three bars: files, chunks written, passages with a vector (embedded now or from the cache)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bars = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
        )
        self._files = self._bars.add_task("filer", total=0, note="")
        self._chunks = self._bars.add_task("stycken", total=0, note="")
        self._embed = self._bars.add_task("inbäddning", total=0, note="")
        self._from_cache = 0

    def start(self, files: int) -> None:
        self._bars.update(self._files, total=files)
        self._bars.start()

    def file_done(self, name: str) -> None:
        self._bars.advance(self._files)

    def add_embedding_total(self, n: int) -> None:
        for task in (self._chunks, self._embed):
            self._bars.update(task, total=(self._bars.tasks[task].total or 0) + n)

    def chunks(self, n: int) -> None:
        self._bars.advance(self._chunks, n)

    def embedded(self, n: int) -> None:
        self._bars.advance(self._embed, n)

    def cached(self, n: int) -> None:
        if n:
            self._from_cache += n
            self._bars.update(self._embed, advance=n, note=f"({self._from_cache} ur cachen)")

    def waiting(self, message: str) -> None:
        self._console.print(escape(message), highlight=False)

    def stop(self) -> None:
        self._bars.stop()


class QuietProgress(ProgressHooks):
    """No bars; still says why it waits (another writer holds the lock)."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def waiting(self, message: str) -> None:
        self._console.print(escape(message), highlight=False)


def run(args: argparse.Namespace, settings: Settings) -> int:
    console = Console(stderr=True)
    hooks = QuietProgress(console) if args.quiet else RichProgress(console)
    report = ingest(settings, list(args.paths) or None, progress=hooks, rebuild=args.rebuild)
    print_report(report, Console())
    return 0 if report.ok else 1


def print_report(report: IngestReport, console: Console) -> None:
    """Warnings, failures and the summary table; text from documents is escaped (a heading may hold `[/2018]`)."""
    for warning in report.warnings:
        console.print(f"[yellow]varning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    for path, reason in report.failed:
        console.print(f"[red]misslyckades:[/] {escape(f'{path}: {reason}')}", highlight=False, soft_wrap=True)
    table = Table(title="Indexering klar" if report.ok else "Indexering klar, med fel")
    for column in ("nya", "ändrade", "oförändr.", "borttagna", "fel", "stycken", "inbäddade", "sek"):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(report.added)),
        str(len(report.updated)),
        str(len(report.unchanged)),
        str(len(report.removed)),
        str(len(report.failed)),
        str(report.chunks_total),
        str(report.embedded),
        f"{report.seconds:.1f}",
    )
    console.print(table)
    if report.generation is not None:
        console.print(f"Det ombyggda indexet (generation {report.generation}) är nu det som används.", highlight=False)
