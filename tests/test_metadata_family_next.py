"""The `next` family of generated remissvar: deterministic for its seed, its own names, and every
truth it states readable in its text (no detection is scored here: the family is held out)."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

from evals.metadata import SEEDS
from evals.metadata_base import MONTHS
from evals.metadata_docs import ORGS, TEMPLATES, generate, write
from ingest.clean import clean
from ingest.loaders import load

# a remissyttrande is recorded as a remissvar, as in the other families and the catalog
KIND_WORDS = {"remissvar": ("remissvar", "remissyttrande")}


def _flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


def test_the_family_is_deterministic_for_its_seed_and_covers_every_template() -> None:
    first, again, other = generate("next", 36, SEEDS["next"]), generate("next", 36, 6), generate("next", 36, 7)
    assert SEEDS["next"] == 6 and len(first) == 36
    assert [(asdict(t), lines) for t, lines in first] == [(asdict(t), lines) for t, lines in again]
    assert [asdict(t) for t, _ in first] != [asdict(t) for t, _ in other]
    assert {t.template for t, _ in first} == {template.__name__ for template, _ in TEMPLATES["next"]}
    assert len({(t.organisation, t.body) for t, _ in first}) >= 18


def test_its_organisations_are_its_own() -> None:
    names = {org.name for org in ORGS["next"]}
    assert len(ORGS["next"]) >= 18
    for family, orgs in ORGS.items():
        if family != "next":
            assert not names & {org.name for org in orgs}, family


def test_every_stated_truth_is_in_the_text() -> None:
    for truth, lines in generate("next", 36, 6):
        text = _flat(lines)
        label = f"{truth.file} [{truth.template}]"
        assert truth.organisation.casefold() in text.casefold(), label
        assert truth.body in text, label
        assert truth.title and truth.title in text, label
        named = KIND_WORDS.get(truth.kind, (truth.kind,))
        assert any(word in text.casefold() for word in named), label
        for number in truth.concerns:
            assert number in text, label
        # our number, then the receiver's in parentheses; "" when the document states only the receiver's
        own, _, theirs = truth.reference.partition(" (")
        if own:
            assert own in text and theirs.rstrip(")") in text, label
        else:
            assert re.search(r"Er referens: \S+", text), label
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", truth.date), label
        year, month, *day = truth.date.split("-")
        name = MONTHS[int(month) - 1]
        if day:  # the full date, written as ISO, "5 mars 2024" or "den 5:e mars 2024"
            d = int(day[0])
            forms = (truth.date, f"{d} {name} {year}", f"{d}:a {name} {year}", f"{d}:e {name} {year}")
            assert any(form in text for form in forms), label
        else:  # a month without a day, recorded to the month
            assert f" i {name} {year}" in text, label


def test_the_family_is_written_as_txt_pdf_and_docx_and_reads_back(tmp_path: Path) -> None:
    written = write(tmp_path, generate("next", 6, 6), ("txt", "pdf", "docx"))
    assert {path.suffix for _, path in written} == {".txt", ".pdf", ".docx"}
    for truth, path in written:
        text = " ".join(" ".join(block.text for block in clean(load(path, 50_000_000)).blocks).split())
        assert truth.organisation.casefold() in text.casefold(), path.name
        for number in truth.concerns:
            assert number in text, path.name
    assert len((tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()) == 6
