"""Reading ahead: the next file is read in one background thread while the caller works on the current one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ingest.loaders import LoadError
from ingest.prefetch import Prefetcher


def test_the_next_file_is_read_while_the_current_one_is_worked_on_and_errors_stay_with_their_file() -> None:
    paths = [Path(f"f{i}.pdf") for i in range(4)]
    read_on: dict[Path, str] = {}
    started: dict[Path, threading.Event] = {p: threading.Event() for p in paths}

    def read(path: Path) -> str:
        read_on[path] = threading.current_thread().name
        started[path].set()
        if path.name == "f2.pdf":
            raise LoadError(path, "PDF-filen är trasig")
        return path.stem.upper()

    ahead = Prefetcher(read, paths, ahead=1)
    try:
        assert ahead.get(paths[0]) == "F0"
        # While the caller works on f0, f1 is read without being asked for.
        assert started[paths[1]].wait(5)
        assert ahead.get(paths[1]) == "F1"
        with pytest.raises(LoadError, match="trasig") as info:
            ahead.get(paths[2])
        assert info.value.path == paths[2]
        assert ahead.get(paths[3]) == "F3"  # a bad file does not stop the files after it
    finally:
        ahead.close()
    threads = set(read_on.values())
    assert len(threads) == 1 and threading.main_thread().name not in threads  # one reading thread


def test_without_read_ahead_files_are_read_when_asked_for_in_the_callers_thread() -> None:
    calls: list[tuple[str, str]] = []

    def read(path: Path) -> str:
        calls.append((path.name, threading.current_thread().name))
        return path.name

    ahead = Prefetcher(read, [Path("a"), Path("b")], ahead=0)
    time.sleep(0.05)
    assert calls == []
    assert ahead.get(Path("b")) == "b" and ahead.get(Path("a")) == "a"
    assert calls == [("b", threading.current_thread().name), ("a", threading.current_thread().name)]
    ahead.close()


def test_close_drops_what_was_not_asked_for() -> None:
    seen: list[str] = []
    gate = threading.Event()

    def read(path: Path) -> str:
        gate.wait(5)
        seen.append(path.name)
        return path.name

    ahead = Prefetcher(read, [Path(f"f{i}") for i in range(6)], ahead=1)
    gate.set()
    ahead.close()
    assert len(seen) <= 2  # at most the file being read and the one queued after it
