"""Named evaluation sets: a name and one or more JSONL files of cases (defaults in evals/sets.toml).

Sets may share files; each file's cases are loaded (and later run) once and counted in every
set that lists it, so `dev` and `test` can be reported side by side from one run.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from evals.dataset import Case, DatasetError, load_dataset

SETS_PATH = Path(__file__).with_name("sets.toml")


@dataclass(frozen=True)
class EvalSet:
    name: str
    files: tuple[Path, ...]


def load_sets(path: Path = SETS_PATH) -> dict[str, EvalSet]:
    """The sets of a TOML file (`name = ["a.jsonl", ...]`, paths relative to the file), in file order."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: the sets file does not exist") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DatasetError(f"{path}: the sets file cannot be read ({exc})") from exc
    sets: dict[str, EvalSet] = {}
    for name, files in data.items():
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not files or not all(isinstance(f, str) and f.strip() for f in files):
            raise DatasetError(f"{path}: set {name!r} must be a non-empty list of file names, got {files!r}")
        sets[name] = EvalSet(name, tuple(path.parent / f for f in files))
    if not sets:
        raise DatasetError(f'{path}: the sets file names no set; add a line such as dev = ["dataset.jsonl"]')
    return sets


def single_set(path: Path) -> dict[str, EvalSet]:
    """One set of one file (`remiss eval --dataset PATH`), named after the file."""
    return {path.stem: EvalSet(path.stem, (path,))}


def load_cases(sets: dict[str, EvalSet]) -> tuple[list[Case], dict[str, list[Case]]]:
    """(every distinct case once, in file order; each set's cases)."""
    by_file: dict[Path, list[Case]] = {}
    members: dict[str, list[Case]] = {}
    for name, eval_set in sets.items():
        members[name] = []
        seen: set[tuple[str, str]] = set()
        for file in eval_set.files:
            key = file.resolve()
            if key not in by_file:
                by_file[key] = load_dataset(file)
            fresh = [c for c in by_file[key] if c.key not in seen]
            seen.update(c.key for c in fresh)
            members[name].extend(fresh)
    distinct = [case for cases in by_file.values() for case in cases]
    return distinct, members
