"""The options of `remiss positions` (kept apart so `remiss --help` imports nothing heavy)."""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("table", "md", "csv", "json", "xlsx", "docx")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--proposal", metavar="ID", help="bara detta förslag (id eller en del av rubriken)")
    p.add_argument("--respondent", metavar="NAMN", help="bara denna remissinstans (organisation eller organ)")
    p.add_argument("--format", choices=FORMATS, default="table", help="utdata (standard: table)")
    p.add_argument("--out", type=Path, metavar="FIL", help="skriv till filen i stället för till skärmen")
    p.add_argument("--recompute", action="store_true", help="beräkna allt på nytt, inte bara det som ändrats")
    p.add_argument("--quiet", action="store_true", help="ingen förloppsstapel")
