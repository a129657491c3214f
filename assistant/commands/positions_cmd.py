"""`remiss positions`: the remissammanställning, as a table, Markdown, csv, json, xlsx or docx."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.errors import RemissError
from assistant.positions.build import PROPOSALS_FILE, update
from assistant.positions.build import Progress as ProgressHooks
from assistant.positions.model import LONG_FIELDS, STANCE_LABELS_SV, STANCES, PositionMatrix
from assistant.positions.phrases import phrase
from assistant.settings import Settings
from assistant.store import Store
from assistant.swedish import fold


class RichProgress(ProgressHooks):
    """One bar: the respondent documents whose part of the matrix is computed or read back."""

    def __init__(self, console: Console, label: str) -> None:
        self._bars = Progress(
            TextColumn(f"{label:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
        )
        self._task = self._bars.add_task(label, total=0, note="")

    def start(self, total: int) -> None:
        self._bars.update(self._task, total=total)
        if total:
            self._bars.start()

    def advance(self, label: str) -> None:
        self._bars.update(self._task, advance=1, note=escape(label[:40]))

    def stop(self) -> None:
        self._bars.stop()


def load_or_compute(
    settings: Settings, recompute: bool = False, progress: ProgressHooks | None = None
) -> PositionMatrix:
    """The stored matrix of the current index, brought up to date (computed when missing)."""
    if not settings.index_dir.exists() and not settings.chroma_host:
        raise RemissError(phrase(settings.prompts_dir, "no_index"))
    store = Store(settings)
    if not store.manifest(fresh=True):
        raise RemissError(phrase(settings.prompts_dir, "no_index"))
    matrix, _ = update(settings, store, progress, previous=None if recompute else True)
    if not matrix.proposals:
        raise RemissError(phrase(settings.prompts_dir, "no_summary", path=settings.corpus_dir / PROPOSALS_FILE))
    return matrix


def select(matrix: PositionMatrix, proposal: str | None, respondent: str | None, prompts_dir: Path) -> PositionMatrix:
    """The matrix restricted to the proposals and respondents asked for (by id or part of a name)."""
    proposals, respondents = matrix.proposals, matrix.respondents
    if proposal:
        want = fold(proposal.lower())
        exact = [p for p in proposals if p.id == proposal]
        proposals = exact or [p for p in proposals if want in fold(p.title.lower()) or want in fold(p.id.lower())]
        if not proposals:
            ids = ", ".join(p.id for p in matrix.proposals)
            raise RemissError(phrase(prompts_dir, "no_proposal", value=proposal, ids=ids))
    if respondent:
        want = fold(respondent.lower())
        respondents = [r for r in respondents if want in fold(r.label.lower())]
        if not respondents:
            names = "; ".join(r.label for r in matrix.respondents)
            raise RemissError(phrase(prompts_dir, "no_respondent", value=respondent, names=names))
    ids = {p.id for p in proposals}
    keys = {r.key for r in respondents}
    cells = [c for c in matrix.cells if c.proposal_id in ids and c.respondent_key in keys]
    return PositionMatrix(proposals, respondents, cells, matrix.index_version, matrix.meta)


def to_csv(matrix: PositionMatrix) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(LONG_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(matrix.long_rows())
    return buffer.getvalue()


def to_json(matrix: PositionMatrix) -> str:
    return json.dumps(matrix.long_rows(), ensure_ascii=False, indent=1)


def to_markdown(matrix: PositionMatrix, prompts_dir: Path) -> str:
    p_ = lambda key: phrase(prompts_dir, key)  # noqa: E731
    lines = [f"# {p_('title')}", ""]
    for proposal in matrix.proposals:
        lines += [f"## {proposal.title} ({proposal.id}, {proposal.kind})", ""]
        if proposal.addressee:
            lines += [f"*{proposal.addressee}*", ""]
        lines += [f"| {p_('respondent')} | {p_('stance')} | {p_('quote')} | {p_('source')} |", "|---|---|---|---|"]
        silent = []
        for respondent in matrix.respondents:
            cell = matrix.cell(proposal.id, *respondent.key)
            if cell.stance == "ej_berört":
                silent.append(respondent.label)
                continue
            q = cell.quotes[0] if cell.quotes else None
            quote = q.text.replace("|", "\\|") if q else ""
            where = f"{q.doc_id}" + (f", s. {q.page}" if q and q.page else "") if q else ""
            lines.append(f"| {respondent.label} | {STANCE_LABELS_SV[cell.stance]} | ”{quote}” | {where} |")
        if silent:
            lines += ["", f"{p_('not_addressed')}: " + "; ".join(silent) + "."]
        lines.append("")
    return "\n".join(lines)


def table(matrix: PositionMatrix, prompts_dir: Path) -> Table:
    """One proposal: a row per respondent with the quote; several: a row per proposal, who takes which stance."""
    if len(matrix.proposals) == 1:
        proposal = matrix.proposals[0]
        t = Table(title=f"{proposal.title} ({proposal.id})", show_lines=True)
        for key in ("respondent", "stance", "confidence", "quote"):
            t.add_column(phrase(prompts_dir, key))
        for r in matrix.respondents:
            cell = matrix.cell(proposal.id, *r.key)
            quote = cell.quotes[0].text if cell.quotes else ""
            t.add_row(escape(r.label), STANCE_LABELS_SV[cell.stance], f"{cell.confidence:.2f}", escape(quote))
        return t
    t = Table(title=phrase(prompts_dir, "title"), show_lines=True)
    t.add_column(phrase(prompts_dir, "proposal"))
    for stance in STANCES:
        t.add_column(STANCE_LABELS_SV[stance] if stance != "ej_berört" else "Ej berört (antal)")
    for proposal in matrix.proposals:
        by: dict[str, list[str]] = {s: [] for s in STANCES}
        for r in matrix.respondents:
            by[matrix.cell(proposal.id, *r.key).stance].append(r.body or r.organisation)
        row = [escape(f"{proposal.id}\n{proposal.title}")]
        row += [escape("\n".join(by[s])) for s in STANCES[:-1]] + [str(len(by["ej_berört"]))]
        t.add_row(*row)
    return t


def _export(fmt: str, matrix: PositionMatrix, out: Path, prompts_dir: Path) -> None:
    try:
        from assistant.positions import export  # written beside this command; may be absent
    except ImportError as exc:
        raise RemissError(phrase(prompts_dir, "no_export", fmt=fmt)) from exc
    getattr(export, f"write_{fmt}")(matrix, out)


def run(args: argparse.Namespace, settings: Settings) -> int:
    err = Console(stderr=True)
    if args.format in ("xlsx", "docx") and not args.out:
        raise RemissError(phrase(settings.prompts_dir, "needs_out", fmt=args.format))
    hooks = ProgressHooks() if args.quiet else RichProgress(err, phrase(settings.prompts_dir, "computing"))
    matrix = select(
        load_or_compute(settings, args.recompute, hooks), args.proposal, args.respondent, settings.prompts_dir
    )
    if args.format in ("xlsx", "docx"):
        _export(args.format, matrix, args.out, settings.prompts_dir)
        err.print(phrase(settings.prompts_dir, "written", path=args.out), highlight=False)
        return 0
    if args.format == "table" and not args.out:
        Console().print(table(matrix, settings.prompts_dir))
        return 0
    if args.format == "table":
        console = Console(file=io.StringIO(), width=200)
        console.print(table(matrix, settings.prompts_dir))
        text = console.file.getvalue()  # type: ignore[attr-defined]
    else:
        text = {
            "md": lambda: to_markdown(matrix, settings.prompts_dir),
            "csv": lambda: to_csv(matrix),
            "json": lambda: to_json(matrix),
        }[args.format]()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        err.print(phrase(settings.prompts_dir, "written", path=args.out), highlight=False)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
