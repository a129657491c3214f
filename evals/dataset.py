"""The evaluation dataset: one JSON object per line, validated strictly on load.

Each line is a case::

    {"id": "q001", "question": "...", "language": "sv", "category": "fact",
     "history": ["earlier user question", ...], "answerable": true,
     "evidence": [{"doc": "<doc_id>", "quote": "<verbatim text of that document>",
                   "also_in": ["<doc_id of another document with the same words>"]}],
     "bodies": ["<expected speaking body>", ...], "reference_answer": "..."}

`also_in` is optional: other documents that reproduce the quote verbatim (a city's joint
answer that reprints a förvaltning's tjänsteutlåtande), where a passage holds the same evidence.
`style` is optional: how the question is phrased (one of `STYLES`), so the report can show
which phrasings the assistant handles.

A malformed file raises `DatasetError`; its message names the file, the line (and the case id
when known), the field and what is wrong with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.errors import RemissError

DEFAULT_DATASET = Path(__file__).with_name("dataset.jsonl")
CATEGORIES = frozenset({"fact", "who_said", "definition", "comparison", "conversation", "english", "unanswerable"})
STYLES = frozenset(
    {
        "plain",
        "messy",
        "no_diacritics",
        "long",
        "paraphrase",
        "list",
        "count",
        "date",
        "name",
        "multi_part",
        "definition",
        "stance",
        "english",
        "followup_needs_context",
        "followup_standalone",
    }
)
# field -> (expected type, description used in messages)
_FIELDS: dict[str, tuple[type, str]] = {
    "id": (str, "a string"),
    "question": (str, "a string"),
    "language": (str, "a string"),
    "category": (str, "a string"),
    "history": (list, "a list of strings"),
    "answerable": (bool, "true or false"),
    "evidence": (list, "a list of {doc, quote} objects"),
    "bodies": (list, "a list of strings"),
    "reference_answer": (str, "a string"),
}


class DatasetError(RemissError):
    """The dataset file cannot be read or a case in it is malformed."""


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote from document `doc` (and any `also_in` documents) that answers the question."""

    doc: str
    quote: str
    also_in: tuple[str, ...] = ()

    @property
    def docs(self) -> tuple[str, ...]:
        return (self.doc, *self.also_in)


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    language: str
    category: str
    history: tuple[str, ...]
    answerable: bool
    evidence: tuple[Evidence, ...]
    bodies: tuple[str, ...]
    reference_answer: str
    line: int = 0
    style: str = ""
    source: str = ""  # the file the case was read from

    @property
    def key(self) -> tuple[str, str]:
        """Unique across files: two files may use the same id."""
        return (self.source, self.id)

    @property
    def should_abstain(self) -> bool:
        return not self.answerable


def load_dataset(path: Path | str | None = None) -> list[Case]:
    """All cases of the dataset (default: evals/dataset.jsonl); raises DatasetError if malformed."""
    path = Path(path) if path is not None else DEFAULT_DATASET
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: the dataset file does not exist") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: the dataset file cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: the dataset file is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        case = replace(parse_case(line, path, number), source=str(path))
        if case.id in seen:
            raise DatasetError(
                f"{path}: line {number} (case {case.id}): field 'id': duplicate id "
                f"(already used on line {seen[case.id]})"
            )
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path}: the dataset has no cases")
    return cases


def parse_case(line: str, path: Path, number: int) -> Case:
    """One line of the file as a Case (validated)."""
    where = f"{path}: line {number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {_type_name(data)}")
    case_id = data.get("id")
    if isinstance(case_id, str) and case_id.strip():
        where = f"{where} (case {case_id})"

    def fail(field: str, problem: str) -> DatasetError:
        return DatasetError(f"{where}: field '{field}': {problem}")

    for name, (kind, description) in _FIELDS.items():
        if name not in data:
            raise fail(name, "missing")
        value = data[name]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise fail(name, f"must be {description}, got {_type_name(value)}")
        if kind is str and name != "reference_answer" and not value.strip():
            raise fail(name, "is empty")
    for name in ("history", "bodies"):
        for i, item in enumerate(data[name]):
            if not isinstance(item, str) or not item.strip():
                raise fail(f"{name}[{i}]", f"must be a non-empty string, got {_type_name(item)}")
    if data["category"] not in CATEGORIES:
        raise fail("category", f"unknown category {data['category']!r} (known: {', '.join(sorted(CATEGORIES))})")
    style = data.get("style", "")
    if not isinstance(style, str) or (style and style not in STYLES):
        raise fail("style", f"unknown style {style!r} (known: {', '.join(sorted(STYLES))})")
    evidence = [_evidence(item, i, fail) for i, item in enumerate(data["evidence"])]
    if data["answerable"] and not evidence:
        raise fail("evidence", "an answerable case needs at least one evidence item")
    if not data["answerable"] and evidence:
        raise fail("evidence", "an unanswerable case must have no evidence")
    return Case(
        id=data["id"],
        question=data["question"],
        language=data["language"],
        category=data["category"],
        history=tuple(data["history"]),
        answerable=data["answerable"],
        evidence=tuple(evidence),
        bodies=tuple(data["bodies"]),
        reference_answer=data["reference_answer"],
        line=number,
        style=style,
    )


def _evidence(item: Any, i: int, fail: Any) -> Evidence:
    if not isinstance(item, dict):
        raise fail(f"evidence[{i}]", f"must be an object with 'doc' and 'quote', got {_type_name(item)}")
    for key in ("doc", "quote"):
        if key not in item:
            raise fail(f"evidence[{i}].{key}", "missing")
        if not isinstance(item[key], str) or not item[key].strip():
            raise fail(f"evidence[{i}].{key}", f"must be a non-empty string, got {_type_name(item[key])}")
    also_in = item.get("also_in", [])
    if not isinstance(also_in, list) or not all(isinstance(d, str) and d.strip() for d in also_in):
        raise fail(f"evidence[{i}].also_in", f"must be a list of document ids, got {_type_name(also_in)}")
    return Evidence(doc=item["doc"], quote=item["quote"], also_in=tuple(also_in))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    names = {int: "a number", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)
