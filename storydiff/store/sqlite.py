"""The embedded index: one SQLite file in WAL mode.

One writer at a time (``BEGIN IMMEDIATE``; a second writer waits for the
lock), readers never block. Each ingest batch is one transaction, so a killed
process loses at most the batch in flight.

Key rows are single integers, each the rowid of its table (SQLite's densest
and fastest B-tree): ``generation | key | doc within the generation``, so
rows cluster by generation (a bulk load rewrites only the newest one's pages)
and a bucket is one short rowid range per generation. Keys keep their low
``KEY_BITS`` bits: two keys alike in those bits share a bucket, which only
proposes a candidate pair that verification then measures (at a million
articles, about one query in sixteen meets such a stranger).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .sql import GENERATION_BITS, IndexUnavailable, SqlStore, key_table

#: How long a writer waits for another writer's batch before giving up.
LOCK_WAIT_SECONDS = 600

KEY_BITS = 36
_KEY_MASK = (1 << KEY_BITS) - 1
_LOCAL_MASK = (1 << GENERATION_BITS) - 1
_GENERATION_SHIFT = KEY_BITS + GENERATION_BITS
#: Rowids are signed 64-bit: what is left above key and doc numbers generations.
MAX_DOC = 1 << (63 - KEY_BITS)
#: Values per json_each parameter (about 20 MB of text).
_CHUNK = 1_000_000


def _enter_wal_mode(connection: sqlite3.Connection) -> None:
    """Switch a new file to WAL. Two processes creating one index at once
    both switch it, and SQLite answers the loser "database is locked" at
    once, without waiting on its busy timeout: so wait here."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


#: An empty index file younger than this is another process creating the index.
FRESH_EMPTY_SECONDS = 10.0


def _stale_empty_file(path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return info.st_size == 0 and time.time() - info.st_mtime > FRESH_EMPTY_SECONDS and not os.path.exists(path + "-wal")


class SQLiteStore(SqlStore):
    def __init__(self, path: str, *, create: bool) -> None:
        super().__init__()
        self.location = path
        if not create and not os.path.exists(path):
            raise IndexUnavailable(f"no index at {path}", "add articles first: storydiff index add PATH... --index " + path)
        if os.path.isdir(path):
            raise IndexUnavailable(f"{path} is a directory, not an index file", "name a file, e.g. --index archive.db")
        if _stale_empty_file(path):
            # an empty file that has been there a while is something else's (a failed copy, a touch):
            # never make it an index unasked; a fresh one is another storydiff creating the index now
            raise IndexUnavailable(
                f"{path} is an empty file, not an index", "delete it to start a new index there, or pass another --index file"
            )
        try:
            self.connection = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS, isolation_level=None, check_same_thread=False)
            _enter_wal_mode(self.connection)
            # NORMAL in WAL mode: a killed process loses nothing committed;
            # only a power cut may lose the last transactions.
            self.connection.execute("PRAGMA synchronous = NORMAL")
            # Room for the newest generation of key rows (see GENERATION_BITS),
            # which is where a bulk load writes; reads of older generations go
            # through the memory map, without a system call per page.
            self.connection.execute("PRAGMA cache_size = -1048576")
            self.connection.execute("PRAGMA mmap_size = 17179869184")
            self.connection.execute("PRAGMA temp_store = MEMORY")
            # a damaged page is an error when read, not rows read as if whole
            self.connection.execute("PRAGMA cell_size_check = ON")
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailable(f"cannot open index {path}: {exc}", "is it a storydiff index? pass another --index file") from exc

    def integrity_problems(self, quick: bool = False) -> list[str]:
        check = "quick_check" if quick else "integrity_check"
        rows = [str(r[0]) for r in self.connection.execute(f"PRAGMA {check}(20)").fetchall()]
        return [] if rows == ["ok"] else rows

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

    # -- keys: one packed integer per row ------------------------------------------------

    def _key_table_statement(self, table: str) -> str:
        return f"CREATE TABLE IF NOT EXISTS {table} (k INTEGER PRIMARY KEY)"

    def stored_keys(self, keys: np.ndarray) -> np.ndarray:
        return keys & np.uint64(_KEY_MASK)

    def _packed(self, keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
        if docs.size and int(docs.max()) >= MAX_DOC:
            raise IndexUnavailable(f"index {self.location} is full ({MAX_DOC - 1:,} articles)", "evict old articles or start a new index")
        key_bits = (keys & np.uint64(_KEY_MASK)).astype(np.int64)
        return ((docs >> GENERATION_BITS) << _GENERATION_SHIFT) | (key_bits << GENERATION_BITS) | (docs & _LOCAL_MASK)

    def _each(self, statement: str, values: np.ndarray) -> None:
        # One statement per million values: no Python tuple per row (3x faster
        # than executemany at a million articles).
        for first in range(0, values.size, _CHUNK):
            self._execute(statement, (json.dumps(values[first : first + _CHUNK].tolist()),))

    def insert_keys(self, table: str, keys: np.ndarray, docs: np.ndarray) -> None:
        self._each(f"INSERT OR IGNORE INTO {key_table(table)} (k) SELECT value FROM json_each(?)", np.sort(self._packed(keys, docs)))

    def delete_keys(self, table: str, keys: np.ndarray, docs: np.ndarray) -> None:
        self._each(f"DELETE FROM {key_table(table)} WHERE k IN (SELECT value FROM json_each(?))", np.sort(self._packed(keys, docs)))

    def bucket_rows(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wanted = np.unique((keys & np.uint64(_KEY_MASK)).astype(np.int64))
        highest = self._all(f"SELECT MAX(k) FROM {key_table(table)}")[0][0]
        if highest is None:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        generations = np.arange((highest >> _GENERATION_SHIFT) + 1, dtype=np.int64)
        statement = f"SELECT b.k FROM json_each(?) AS j JOIN {key_table(table)} AS b ON b.k >= j.value AND b.k <= j.value + {_LOCAL_MASK}"
        found = [np.zeros(0, np.int64)]
        step = max(1, _CHUNK // generations.size)
        for first in range(0, wanted.size, step):
            starts = ((generations[:, None] << _GENERATION_SHIFT) | (wanted[None, first : first + step] << GENERATION_BITS)).ravel()
            rows = self._all(statement, (json.dumps(starts.tolist()),))
            if rows:
                found.append(np.array(rows, np.int64).ravel())
        packed = np.concatenate(found)
        docs = ((packed >> _GENERATION_SHIFT) << GENERATION_BITS) | (packed & _LOCAL_MASK)
        return ((packed >> GENERATION_BITS) & _KEY_MASK).astype(np.uint64), docs

    def has_table(self, name: str) -> bool:
        return bool(self._all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def table_count(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")[0][0])

    def size_bytes(self) -> int:
        return sum(os.path.getsize(p) for p in (self.location, self.location + "-wal") if os.path.exists(p))
