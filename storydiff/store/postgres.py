"""The index on a PostgreSQL server, for many ingest workers at once.

The logical schema is the SQLite one (``BIGINT`` keys, ``BYTEA`` blobs,
``DOUBLE PRECISION`` similarities so stored links compare exactly). Writers
take one transaction-scoped advisory lock: each worker commits its articles,
keys and links before the next one queries, so concurrent workers always
find each other's versions. Loading and signing happen outside the lock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .sql import GENERATION_BITS, IndexUnavailable, SqlStore, key_table

#: Any fixed number: the advisory lock that serialises index writers.
WRITER_LOCK = 0x5D1FF
KEY_ORDER = "bkey, gen, doc"


class PostgresStore(SqlStore):
    placeholder = "%s"
    blob_type = "BYTEA"
    key_type = "BIGINT"
    real_type = "DOUBLE PRECISION"
    without_rowid = ""

    def __init__(self, url: str, *, create: bool) -> None:
        super().__init__()
        #: Key rows this connection added since its last ANALYZE, and before it.
        self.unanalysed: dict[str, int] = {}
        self.analysed: dict[str, int] = {}
        try:
            import psycopg
        except ImportError as exc:
            raise IndexUnavailable("a postgresql:// index needs psycopg", "pip install 'storydiff[postgres]'") from exc
        self.location = _without_password(url)
        try:
            self.connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise IndexUnavailable(f"cannot connect to {self.location}: {reason}", "is the server running, and the URL right?") from exc

    def _in_list(self) -> str:
        return "= ANY(%s)"

    def _list_param(self, values: Sequence[int] | Sequence[str]) -> Any:
        return list(values)

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self.connection.transaction():
            self._execute("SELECT pg_advisory_xact_lock(?)", (WRITER_LOCK,))
            yield

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self.connection.transaction():
            self._execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield

    def has_table(self, name: str) -> bool:
        return bool(self._all("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0])

    def table_count(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")[0][0])

    # -- keys: one (gen, bkey, doc) row per key, ordered key first -----------------------
    #
    # A PostgreSQL table is a heap beside its index, so clustering by
    # generation (as SQLite does) bought bulk loads little and multiplied the
    # seeks of a lookup (docs/performance.md): keys are looked up by key alone.

    def _key_table_statement(self, table: str) -> str:
        return f"""CREATE TABLE IF NOT EXISTS {table} (gen BIGINT NOT NULL, bkey BIGINT NOT NULL, doc BIGINT NOT NULL,
            PRIMARY KEY ({KEY_ORDER}))"""

    def stored_keys(self, keys: np.ndarray) -> np.ndarray:
        return keys

    def insert_keys(self, table: str, keys: np.ndarray, docs: np.ndarray) -> None:
        # COPY into a scratch table, then one INSERT: far faster than row by row.
        self._execute("CREATE TEMP TABLE IF NOT EXISTS incoming_keys (gen BIGINT, bkey BIGINT, doc BIGINT) ON COMMIT DELETE ROWS")
        gens = docs >> GENERATION_BITS
        with self.connection.cursor().copy("COPY incoming_keys (gen, bkey, doc) FROM STDIN") as copy:
            for row in zip(gens.tolist(), keys.view(np.int64).tolist(), docs.tolist(), strict=True):
                copy.write_row(row)
        self._execute(
            f"INSERT INTO {key_table(table)} (gen, bkey, doc) SELECT gen, bkey, doc FROM incoming_keys"
            f" ORDER BY {KEY_ORDER} ON CONFLICT DO NOTHING"
        )
        self._execute("DELETE FROM incoming_keys")
        # Fresh statistics as a bulk load grows the table (doubling steps), so
        # the planner seeks the key index instead of guessing; autovacuum would
        # get there later.
        self.unanalysed[table] = self.unanalysed.get(table, 0) + keys.size
        if self.unanalysed[table] >= max(1_000_000, self.analysed.get(table, 0)):
            self._execute(f"ANALYZE {key_table(table)}")
            self.analysed[table] = self.analysed.get(table, 0) + self.unanalysed.pop(table)

    def delete_keys(self, table: str, keys: np.ndarray, docs: np.ndarray) -> None:
        rows = zip((docs >> GENERATION_BITS).tolist(), keys.view(np.int64).tolist(), docs.tolist(), strict=True)
        self._executemany(f"DELETE FROM {key_table(table)} WHERE gen = ? AND bkey = ? AND doc = ?", rows)

    def bucket_rows(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wanted = np.unique(keys.view(np.int64))
        found = [np.zeros((0, 2), np.int64)]
        for first in range(0, wanted.size, 50000):
            rows = self._all(f"SELECT bkey, doc FROM {key_table(table)} WHERE bkey = ANY(?)", (wanted[first : first + 50000].tolist(),))
            if rows:
                found.append(np.array(rows, np.int64))
        both = np.concatenate(found)
        return both[:, 0].copy().view(np.uint64), both[:, 1].copy()

    def size_bytes(self) -> int:
        total = 0
        for table in ("articles", "bands", "passages", "edges", "meta"):
            total += int(self._all("SELECT pg_total_relation_size(?::regclass)", (table,))[0][0])
        return total


def _without_password(url: str) -> str:
    """The URL as shown to users: never echo a password."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
