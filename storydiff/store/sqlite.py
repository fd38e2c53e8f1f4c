"""The embedded index: one SQLite file in WAL mode.

One writer at a time (``BEGIN IMMEDIATE``; a second writer waits for the
lock), readers never block. Each ingest batch is one transaction, so a killed
process loses at most the batch in flight.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .sql import IndexUnavailable, SqlStore

#: How long a writer waits for another writer's batch before giving up.
LOCK_WAIT_SECONDS = 600


class SQLiteStore(SqlStore):
    def __init__(self, path: str, *, create: bool) -> None:
        super().__init__()
        self.location = path
        if not create and not os.path.exists(path):
            raise IndexUnavailable(f"no index at {path}", "add articles first: storydiff index add PATH... --index " + path)
        if os.path.isdir(path):
            raise IndexUnavailable(f"{path} is a directory, not an index file", "name a file, e.g. --index archive.db")
        try:
            self.connection = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS, isolation_level=None, check_same_thread=False)
            self.connection.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a killed process loses nothing committed;
            # only a power cut may lose the last transactions.
            self.connection.execute("PRAGMA synchronous = NORMAL")
            # Room for the newest generation of key rows (see GENERATION_BITS),
            # which is where a bulk load writes; reads of older generations go
            # through the memory map, without a system call per page.
            self.connection.execute("PRAGMA cache_size = -1048576")
            self.connection.execute("PRAGMA mmap_size = 17179869184")
            self.connection.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailable(f"cannot open index {path}: {exc}", "is it a storydiff index? pass another --index file") from exc

    def _in_list(self) -> str:
        return "IN (SELECT value FROM json_each(?))"

    def _list_param(self, values: Sequence[int] | Sequence[str]) -> Any:
        return json.dumps(list(values))

    @contextmanager
    def writing(self) -> Iterator[None]:
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailable(f"cannot write to index {self.location}: {exc}", "is it a storydiff index, and writable?") from exc
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[None]:
        # A read transaction: every query sees the same committed snapshot.
        try:
            self.connection.execute("BEGIN")
            self.connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailable(f"cannot read index {self.location}: {exc}", "is it a storydiff index?") from exc
        try:
            yield
        finally:
            self.connection.execute("COMMIT")

    def has_table(self, name: str) -> bool:
        return bool(self._all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def table_count(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")[0][0])

    def size_bytes(self) -> int:
        return sum(os.path.getsize(p) for p in (self.location, self.location + "-wal") if os.path.exists(p))
