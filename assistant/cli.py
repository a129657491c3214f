"""The `remiss` command. Each subcommand parses arguments, calls one library function and
turns the library's typed errors into one friendly line and a non-zero exit code."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.errors import RemissError
from assistant.settings import Settings, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
        return int(args.handler(args, settings) or 0)
    except BrokenPipeError:
        return _reader_went_away()
    except RemissError as exc:
        print(f"remiss: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            fields = ", ".join(f"REMISS_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            print(f"remiss: ogiltig inställning: {fields}", file=sys.stderr)
            return 2
        print(f"remiss: oväntat fel: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("remiss: avbrutet", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remiss", description="Frågor och svar om betänkanden och remissvar.")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("ingest", help="indexera dokument (standard: korpusen)")
    p.add_argument("paths", nargs="*", type=Path, help="filer eller mappar")
    p.add_argument("--rebuild", action="store_true", help="bygg om indexet från början")
    p.add_argument("--quiet", action="store_true", help="inga förloppsstaplar")
    p.set_defaults(handler=_lazy("assistant.commands.ingest_cmd", "run"))

    p = sub.add_parser("stats", help="vad indexet innehåller")
    p.add_argument("--json", action="store_true", help="skriv ut som JSON (med dokument-id:n för --doc)")
    p.set_defaults(handler=_lazy("assistant.commands.stats_cmd", "run"))

    p = sub.add_parser("search", help="sök stycken")
    _question_args(p)
    p.set_defaults(handler=_lazy("assistant.commands.search_cmd", "run"))

    p = sub.add_parser("ask", help="ställ en fråga och få ett svar med källor")
    _question_args(p)
    p.set_defaults(handler=_lazy("assistant.commands.ask_cmd", "run"))

    p = sub.add_parser("catalog", help="katalogen över dokumenten")
    catalog_sub = p.add_subparsers(dest="catalog_command", help="suggest: ett utkast till katalogposter")
    q = catalog_sub.add_parser(
        "suggest",
        help="föreslå katalogposter ur dokumentens text",
        description="Läs organisation, talande organ, typ, datum, diarienummer, titel och betänkanden ur "
        "dokumenten (brevhuvud, ärenderad, underskrift, filnamn) och skriv ett utkast i catalog.toml-format, "
        "med säkerhet och belägg som kommentarer. Utan sökvägar: korpusens filer som saknas i katalogen.",
    )
    q.add_argument("paths", nargs="*", type=Path, help="filer eller mappar")
    q.add_argument("--out", type=Path, metavar="FIL", help="skriv utkastet hit (standard: skärmen)")
    q.set_defaults(handler=_lazy("assistant.commands.catalog_cmd", "run"))

    p = sub.add_parser("serve", help="starta chattfönstret i webbläsaren")
    p.add_argument("--host", help="adress att lyssna på (standard: REMISS_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port att lyssna på (standard: REMISS_PORT, 7860)")
    p.set_defaults(handler=_lazy("assistant.commands.serve_cmd", "run"))

    p = sub.add_parser(
        "eval",
        help="utvärdera svarskvaliteten",
        description="Kör bm25, dense och hela kedjan på utvärderingsmängderna i evals/sets.toml (dev, test) "
        "och skriv report.md, chart.png och results.json. Avslutas med kod 1 om hela kedjan hamnar under "
        "golven i evals/thresholds.toml på mängden som nämns där.",
    )
    p.add_argument(
        "--dataset", type=Path, metavar="FIL", help="utvärdera bara denna JSONL-fil (som en egen mängd) i stället"
    )
    p.add_argument(
        "--out", type=Path, metavar="MAPP", help="mapp för rapporten (standard: $REMISS_DATA_DIR/eval/<tidpunkt>)"
    )
    p.add_argument("--record", action="store_true", help="lägg till resultatet i evals/history.jsonl")
    p.set_defaults(handler=_lazy("evals.run", "run_cli"))

    p = sub.add_parser("fit-answerability", help="anpassa svarbarhetsmodellen på utvecklingsmängderna")
    p.add_argument("--dataset", type=Path, action="append", help="JSONL-fil med utvecklingsfall (kan upprepas)")
    p.add_argument("--out", type=Path, help="var modellen skrivs (standard: paketets answerability.json)")
    p.set_defaults(handler=_lazy("evals.fit_answerability", "run_cli"))

    p = sub.add_parser(
        "positions",
        help="remissammanställning: varje remissinstans ställning till varje förslag",
        description="Vilka remissinstanser tillstyrker, tillstyrker delvis, avstyrker, har synpunkter på eller "
        "berör inte varje förslag i utredningen, med citat. Beräknas från indexet (bara det som ändrats).",
    )
    p.set_defaults(handler=_lazy("assistant.commands.positions_cmd", "run"))
    from assistant.commands.positions_args import add_arguments as _positions_arguments

    _positions_arguments(p)

    p = sub.add_parser(
        "fit-positions", help="anpassa ställningsklassificeraren på de märkta meningarna och skriv korsvaliderade mått"
    )
    p.add_argument("--out", type=Path, help="var modellen skrivs (standard: paketets stance_model.json)")
    p.set_defaults(handler=_lazy("assistant.positions.fit", "run_cli"))

    p = sub.add_parser(
        "bench",
        help="mät hastighet och minne",
        description="Mät indexering, sökning, svar och minne på korpusen i flera skalor, och jämför med "
        "LangChain-handledningens enkla kedja. Tar några minuter.",
    )
    p.add_argument(
        "--scales",
        default="1,10,100",
        metavar="N,N,...",
        help="korpusens storlekar: ×1 är korpusen, ×N varje dokument N gånger (standard: 1,10,100)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="MAPP",
        help="mapp för rapport och index (standard: $REMISS_DATA_DIR/bench/<tidpunkt>)",
    )
    p.add_argument("--port", type=int, help="port för appen som startas och mäts (standard: en ledig port)")
    p.set_defaults(handler=_lazy("evals.bench.run", "run_cli"))
    return parser


def _reader_went_away() -> int:
    """The reader of stdout closed it (`remiss ask … | head`): stop quietly, as other tools do.

    Later writes (Python flushes stdout at exit) go to /dev/null instead of failing again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a process ended by a closed pipe


def _question_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="frågan")
    p.add_argument("-k", type=int, default=None, help="antal träffar")
    p.add_argument("--json", action="store_true", help="skriv ut som JSON")
    p.add_argument("--batch", type=Path, help="fil med en fråga per rad; JSON Lines ut")
    p.add_argument("--org", help="bara denna organisation")
    p.add_argument("--body", help="bara detta organ (nämnd, förvaltning ...)")
    p.add_argument("--doc", help="bara detta dokument (id)")
    p.add_argument("--kind", help="bara denna dokumenttyp")
    p.add_argument("--inquiry", help='bara dokument om denna utredning (till exempel "SOU 2018:47")')


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace, Settings], int]:
    """Import a command only when it runs, so `remiss --help` stays instant."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args, settings)

    return handler


if __name__ == "__main__":
    raise SystemExit(main())
