"""The CI gate: minimums for the full system on one named set, and the goals reported beside them.

evals/thresholds.toml holds `set = "<name>"` (default "test"), `metric = minimum` lines and a
`[targets]` table of goals that are reported each run but not enforced.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import RemissError
from evals import metrics as m
from evals.report import METRICS

THRESHOLDS_PATH = Path(__file__).with_name("thresholds.toml")
DEFAULT_SET = "test"
GATED_SYSTEM = "full"


@dataclass(frozen=True)
class Gate:
    set_name: str
    minimums: dict[str, float]


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RemissError(f"{path}: the thresholds file does not exist") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RemissError(f"{path}: the thresholds file cannot be read ({exc})") from exc


def load_gate(path: Path = THRESHOLDS_PATH) -> Gate:
    """The gated set and its minimums; unknown metrics and non-numbers are clear errors."""
    data = _read(path)
    data.pop("targets", None)
    set_name = data.pop("set", DEFAULT_SET)
    if not isinstance(set_name, str) or not set_name.strip():
        raise RemissError(f"{path}: set must be the name of an evaluation set, got {set_name!r}")
    minimums: dict[str, float] = {}
    for key, value in data.items():
        if key not in METRICS:
            raise RemissError(f"{path}: unknown metric {key!r} (known: {', '.join(METRICS)})")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RemissError(f"{path}: {key} must be a number, got {value!r}")
        minimums[key] = float(value)
    return Gate(set_name, minimums)


def load_thresholds(path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    """Just the minimums."""
    return load_gate(path).minimums


def load_targets(path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    """The goals in the thresholds file's [targets] table: reported each run, not enforced."""
    try:
        targets = _read(path).get("targets", {})
    except RemissError:
        return {}
    return {k: float(v) for k, v in targets.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def check_gate(summary: dict[str, float], thresholds: dict[str, float], where: str = "") -> tuple[list[str], list[str]]:
    """(violations as readable lines, metrics that could not be measured)."""
    violations: list[str] = []
    unmeasured: list[str] = []
    suffix = f", set '{where}'" if where else ""
    for metric, minimum in thresholds.items():
        value = summary.get(metric, m.NAN)
        if math.isnan(value):
            unmeasured.append(metric)
        elif value < minimum:
            violations.append(
                f"{metric} = {value:.3f} is below the threshold {minimum:g} (system '{GATED_SYSTEM}'{suffix})"
            )
    return violations, unmeasured
