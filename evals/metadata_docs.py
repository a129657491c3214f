"""Generated remissvar with known metadata: letterheads, dates, Dnr lines and signatures in
varied styles, as .txt, real PDF (fpdf2) and DOCX (python-docx), each with its truth.

Families of templates, each with its own pool of names: `dev` (for tuning the rules in
ingest/metadata.py), `report` (written before tuning; measured once held out, then its errors
were used for tuning too), `fresh` (written after that, before the further tuning; measured once,
then three of its failures were fixed), `final` (written after all tuning; not tuned on) and
`next` (written after all tuning, before its first run; not tuned on).
Deterministic for a seed."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from evals.metadata_base import (
    DEV_ORGS,
    REPORT_ORGS,
    Org,
    Truth,
)
from evals.metadata_templates_a import (
    dev_förbund,
    dev_myndighet_remissvar,
    dev_nämnd_yttrande,
    dev_protokollsutdrag,
    dev_tjänsteutlåtande,
    dev_universitet,
    rep_förbund,
    rep_förvaltning_tu,
    rep_högskola,
    rep_kommun_caps,
    rep_myndighet,
    rep_region_yttrande,
)
from evals.metadata_templates_b import (
    FINAL_ORGS,
    FRESH_ORGS,
    final_kommun,
    final_myndighet,
    final_organisation,
    final_region,
    final_universitet,
    fresh_förbund,
    fresh_myndighet,
    fresh_region,
    fresh_stad_two_labels,
    fresh_stadsdel_protokoll,
    fresh_universitet,
)
from evals.metadata_templates_c import (
    NEXT_ORGS,
    next_fits,
    next_förbund,
    next_letterhead,
    next_länsstyrelse,
    next_myndighet,
    next_protokollsutdrag,
    next_universitet,
)

Template = Callable[[random.Random, Org], tuple[list[str], dict]]
# Each template with the organisation types it suits.
TEMPLATES: dict[str, tuple[tuple[Template, tuple[str, ...]], ...]] = {
    "dev": (
        (dev_nämnd_yttrande, ("kommun", "stad")),
        (dev_myndighet_remissvar, ("myndighet",)),
        (dev_universitet, ("universitet",)),
        (dev_tjänsteutlåtande, ("region", "kommun")),
        (dev_förbund, ("förbund",)),
        (dev_protokollsutdrag, ("kommun", "stad", "region")),
    ),
    "report": (
        (rep_kommun_caps, ("kommun", "stad")),
        (rep_myndighet, ("myndighet",)),
        (rep_region_yttrande, ("region",)),
        (rep_högskola, ("universitet",)),
        (rep_förbund, ("förbund",)),
        (rep_förvaltning_tu, ("kommun", "stad")),
    ),
    "fresh": (
        (fresh_stad_two_labels, ("kommun", "stad")),
        (fresh_myndighet, ("myndighet",)),
        (fresh_region, ("region",)),
        (fresh_universitet, ("universitet",)),
        (fresh_förbund, ("förbund",)),
        (fresh_stadsdel_protokoll, ("stad",)),
    ),
    "final": (
        (final_kommun, ("kommun", "stad")),
        (final_myndighet, ("myndighet",)),
        (final_region, ("region",)),
        (final_universitet, ("universitet",)),
        (final_organisation, ("förbund",)),
    ),
    "next": (
        (next_letterhead, ("kommun", "stad", "region")),
        (next_myndighet, ("myndighet",)),
        (next_protokollsutdrag, ("kommun", "stad", "region")),
        (next_universitet, ("universitet",)),
        (next_förbund, ("förbund",)),
        (next_länsstyrelse, ("myndighet",)),
    ),
}
ORGS = {"dev": DEV_ORGS, "report": REPORT_ORGS, "fresh": FRESH_ORGS, "final": FINAL_ORGS, "next": NEXT_ORGS}


def _fits(template: Template, org: Org) -> bool:
    if template.__name__.startswith("next_"):
        return next_fits(template, org)
    if template in (dev_tjänsteutlåtande, rep_förvaltning_tu):
        return org.body.casefold().endswith(("förvaltningen", "kontoret"))
    if template in (dev_nämnd_yttrande, dev_protokollsutdrag, rep_kommun_caps, rep_region_yttrande):
        return not org.body.casefold().endswith(("förvaltningen", "kontoret"))
    return True


def generate(family: str, n: int, seed: int) -> list[tuple[Truth, list[str]]]:
    """n documents: (truth, lines) with templates and organisations of the family, drawn with the seed."""
    rng = random.Random(seed)
    pairs = [(t, o) for t, types in TEMPLATES[family] for o in ORGS[family] if o.type in types and _fits(t, o)]
    out = []
    for i in range(n):
        template, org = pairs[i % len(pairs)] if i < len(pairs) else rng.choice(pairs)
        lines, facts = template(rng, org)
        truth = Truth(
            file=f"{family}-{seed}-{i:03d}",
            organisation=org.name,
            body=facts["body"],
            kind=facts["kind"],
            date=facts["date"],
            reference=facts["reference"],
            title=facts["title"],
            concerns=[number for number, _ in facts["reports"]],
            template=template.__name__,
        )
        out.append((truth, lines))
    rng.shuffle(out)
    return out


def write(folder: Path, docs: list[tuple[Truth, list[str]]], formats: tuple[str, ...]) -> list[tuple[Truth, Path]]:
    """Write each document in the formats, rotating; truth.jsonl beside them. Returns (truth, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (truth, lines) in enumerate(docs):
        suffix = formats[i % len(formats)]
        path = folder / f"{truth.file}.{suffix}"
        {"txt": _write_txt, "pdf": _write_pdf, "docx": _write_docx}[suffix](path, lines)
        written.append((Truth(**{**asdict(truth), "file": path.name}), path))
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as out:
        for truth, _ in written:
            out.write(json.dumps(asdict(truth), ensure_ascii=False) + "\n")
    return written


def _write_txt(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_pdf(path: Path, lines: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if font.is_file():
        pdf.add_font("DejaVu", fname=str(font))
        pdf.set_font("DejaVu", size=10)
    else:  # core font: cp1252 only
        pdf.set_font("Helvetica", size=10)
        lines = [line.replace("–", "-").encode("cp1252", "replace").decode("cp1252") for line in lines]
    pdf.add_page()
    for line in lines:
        if line:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    path.write_bytes(bytes(pdf.output()))


def _write_docx(path: Path, lines: list[str]) -> None:
    import docx

    document = docx.Document()
    for line in lines:
        if line:
            document.add_paragraph(line)
    document.save(str(path))
