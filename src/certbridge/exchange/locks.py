"""One import of a run at a time, whatever the process, on both databases.

An import holds a lock named after its run (file SHA-256, profile, department,
province) from before it looks the run up until it ends. A second import of the same
run meanwhile is told `exchange.in_progress` at once instead of racing the first on the
run's unique key and its quarantine rows. The lock belongs to the process, never to a
row: a process killed with -9 loses it with its connection (PostgreSQL advisory lock)
or its open file (flock next to the SQLite file), so the next import resumes the run.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from certbridge.errors import InputError

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


class ImportInProgress(InputError):
    """Another import of the same file, profile and issuer has not ended."""

    def __init__(self) -> None:
        super().__init__(
            "exchange.in_progress",
            "该文件正在导入（同一文件、格式和发证机关的另一次导入尚未结束），请稍后再提交："
            "那次导入会继续完成，届时再次提交即可得到其结果",
            field="file",
        )


@contextmanager
def exclusive_run(session: Session, key: str) -> Iterator[None]:
    """Hold the lock of run `key` for the block, or raise ImportInProgress."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    digest = hashlib.sha256(key.encode()).digest()
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, int.from_bytes(digest[:8], "big", signed=True)):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _process_lock(digest.hex()):
            yield
        return
    folder = Path(database).with_name(Path(database).name + "-import-locks")
    folder.mkdir(parents=True, exist_ok=True)
    with _file_lock(folder / f"{digest.hex()[:32]}.lock"):
        yield


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[None]:
    """A session-level advisory lock on a connection of its own, so it outlives the
    import's transactions and dies with the process."""
    connection = engine.connect()
    try:
        acquired = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        held = bool(acquired.scalar())
        connection.commit()
        if not held:
            raise ImportInProgress
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except SQLAlchemyError:
                connection.invalidate()  # a lost connection has let the lock go already
    finally:
        connection.close()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    # flock only: a soft lock file would outlive a killed process.
    lock = FileLock(path, timeout=0, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        raise ImportInProgress from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _process_lock(key: str) -> Iterator[None]:
    """An in-memory database lives in one process: a lock of the process will do."""
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        raise ImportInProgress
    try:
        yield
    finally:
        lock.release()
