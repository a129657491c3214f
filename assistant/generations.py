"""Index generations: a rebuild writes a new generation beside the current one, then switches atomically.

A running app answers from the old generation until the switch and from the new one after it.
On disk, generation 0 is the index folder itself (as indexes were before generations) and
generation N >= 1 the folder `index/gen-N`; the file `index/CURRENT` holds the current number
and is replaced atomically. On a Chroma server, generation N >= 1 is the collections
`<name>-gN` and `<name>-gN-manifest`, and the one record of `<name>-generation` holds the number.

Readers on disk hold a shared `flock` on `index/readers-N.lock` while generation N is open; an
old generation is deleted only when nobody holds it. A server cannot tell who reads, so there a
reader whose collection has gone reopens the current generation and retries.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from assistant.settings import Settings

POINTER_FILE = "CURRENT"
_POINTER_ID = "current"
_GEN_DIR = re.compile(r"^gen-(\d+)$")
_KEEP_IN_ROOT = re.compile(r"^(CURRENT.*|gen-\d+|readers-\d+\.lock)$")  # what deleting generation 0 leaves


@dataclass(frozen=True)
class Generation:
    """Where generation `number` lives: a Chroma folder on disk (`path`), or collection names on a server."""

    number: int
    path: Path | None
    collection: str

    @property
    def manifest_collection(self) -> str:
        return f"{self.collection}-manifest"


def generation(settings: Settings, number: int) -> Generation:
    if settings.chroma_host:
        name = settings.collection if number == 0 else f"{settings.collection}-g{number}"
        return Generation(number, None, name)
    path = settings.index_dir if number == 0 else settings.index_dir / f"gen-{number}"
    return Generation(number, path, settings.collection)


def current_number(settings: Settings, server: Any = None) -> int:
    """The current generation (0 when no rebuild ever switched). Cheap: one small file or one request."""
    if settings.chroma_host:
        return _pointer_value(settings, server, _POINTER_ID, "generation")
    try:
        return int((settings.index_dir / POINTER_FILE).read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return 0


def present_numbers(settings: Settings, server: Any = None) -> set[int]:
    """Every generation that has data, current or not (abandoned rebuilds included)."""
    if settings.chroma_host:
        names = {c.name if hasattr(c, "name") else str(c) for c in server.list_collections()}
        pattern = re.compile(rf"^{re.escape(settings.collection)}(?:-g(\d+))?$")
        return {int(m.group(1) or 0) for n in names if (m := pattern.match(n))}
    root = settings.index_dir
    found = {0} if (root / "chroma.sqlite3").exists() else set()
    if root.is_dir():
        found |= {int(m.group(1)) for p in root.iterdir() if p.is_dir() and (m := _GEN_DIR.match(p.name))}
    return found


def switch(settings: Settings, number: int, server: Any = None) -> None:
    """Make `number` the current generation in one atomic step."""
    if settings.chroma_host:
        pointer = server.get_or_create_collection(_pointer_name(settings), embedding_function=None)
        pointer.upsert(ids=[_POINTER_ID], embeddings=[[1.0]], metadatas=[{"generation": number}])
        return
    root = settings.index_dir
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{POINTER_FILE}.tmp{os.getpid()}"
    with tmp.open("w", encoding="ascii") as fh:
        fh.write(f"{number}\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(root / POINTER_FILE)
    with contextlib.suppress(OSError):  # make the rename itself durable
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_unused(settings: Settings, keep: int, server: Any = None, below_only: bool = False) -> list[int]:
    """Delete every generation but `keep` that no reader holds; returns the numbers deleted.

    `below_only` spares newer generations: one may be a rebuild under way (only a writer, holding
    the write lock, may delete those)."""
    removed: list[int] = []
    for number in sorted(present_numbers(settings, server)):
        if number == keep or (below_only and number > keep):
            continue
        if settings.chroma_host:
            gen = generation(settings, number)
            for name in (gen.collection, gen.manifest_collection):
                with contextlib.suppress(Exception):  # already gone is fine
                    server.delete_collection(name)
            removed.append(number)
        elif _remove_on_disk(settings, number):
            removed.append(number)
        else:
            continue  # still read: its lexical index stays with it
        with contextlib.suppress(OSError):
            legacy_lexical_path(settings, number).unlink(missing_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{lexical_path(settings, number)}{suffix}").unlink(missing_ok=True)
            matrix_path(settings, number).unlink(missing_ok=True)
    return removed


def _remove_on_disk(settings: Settings, number: int) -> bool:
    lock = _readers_lock_path(settings, number)
    try:
        fh = lock.open("a+", encoding="ascii")
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a reader still has it open; it or the next writer removes it later
        gen = generation(settings, number)
        assert gen.path is not None
        _forget_chroma_copy(gen.path)
        if number == 0:
            for entry in settings.index_dir.iterdir():
                if _KEEP_IN_ROOT.match(entry.name):
                    continue
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(gen.path, ignore_errors=True)
        lock.unlink(missing_ok=True)
        return True
    finally:
        fh.close()


class ReaderLease:
    """A shared lock on generation `number` while a reader has it open (on disk; a no-op on a server)."""

    def __init__(self, settings: Settings, number: int) -> None:
        self._fh: TextIO | None = None
        if settings.chroma_host:
            return
        path = _readers_lock_path(settings, number)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = path.open("a+", encoding="ascii")
        except OSError:
            return  # a read-only data dir still searches; nobody deletes generations there either
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        self._fh = fh

    @property
    def held(self) -> bool:
        return self._fh is not None

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def lexical_path(settings: Settings, number: int) -> Path:
    """Where the BM25 index (SQLite) of a generation is kept, on this machine also for a Chroma server."""
    return legacy_lexical_path(settings, number).with_suffix(".sqlite3")


def legacy_lexical_path(settings: Settings, number: int) -> Path:
    """Where the previous format (one pickled bm25s index per generation) was kept."""
    return settings.data_dir / "lexical" / f"{generation_key(settings, number)}.pkl"


def matrix_path(settings: Settings, number: int) -> Path:
    """Where the position matrix (assistant/positions) of a generation is kept, so it goes with it."""
    return settings.data_dir / "positions" / f"{generation_key(settings, number)}.json"


def generation_key(settings: Settings, number: int) -> str:
    """A short file-name key for generation `number` of this index (files kept beside it use it too)."""
    safe = settings.index_label.replace("/", "_").replace(":", "_").replace(" ", "_")
    if number:
        safe += f"#g{number}"
    return hashlib.sha1(safe.encode()).hexdigest()[:12]


def read_server_stamp(settings: Settings, server: Any, number: int) -> int:
    """How many commits generation `number` on the Chroma server has seen (one small request)."""
    return _pointer_value(settings, server, f"stamp-{number}", "stamp")


def _pointer_value(settings: Settings, server: Any, record: str, key: str) -> int:
    """One number kept in the server's pointer collection (0 when the collection or record is missing)."""
    try:
        pointer = server.get_collection(_pointer_name(settings), embedding_function=None)
    except Exception as exc:
        if _is_not_found(exc):
            return 0
        raise
    metas = pointer.get(ids=[record], include=["metadatas"]).get("metadatas") or []
    return int(metas[0][key]) if metas and metas[0] else 0


def bump_server_stamp(settings: Settings, server: Any, number: int) -> None:
    """Tell readers on other machines that generation `number` changed (only writers, under the write lock)."""
    stamp = read_server_stamp(settings, server, number) + 1
    pointer = server.get_or_create_collection(_pointer_name(settings), embedding_function=None)
    pointer.upsert(ids=[f"stamp-{number}"], embeddings=[[1.0]], metadatas=[{"stamp": stamp}])


def _readers_lock_path(settings: Settings, number: int) -> Path:
    return settings.index_dir / f"readers-{number}.lock"


def _pointer_name(settings: Settings) -> str:
    return f"{settings.collection}-generation"


def _forget_chroma_copy(path: Path) -> None:
    """Chroma keeps one open copy per folder and process; a deleted folder's copy must not be reused."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    SharedSystemClient._identifier_to_system.pop(str(path), None)


def _is_not_found(exc: Exception) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError) or "does not exist" in str(exc)
