"""Opening one new SQLite index from two processes at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from storydiff.store.sqlite import SQLiteStore


def _create(path: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        store = SQLiteStore(path, create=True)
        with store.writing():
            store.create_schema()
        store.close()
        results.put("ok")
    except Exception as exc:  # reported to the test, which names it
        results.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_creating_one_index_both_succeed(tmp_path: Path) -> None:
    # Both switch the new file to WAL; SQLite answered the loser "database is
    # locked" at once (40 of 60 rounds failed before the open waited for it).
    context = multiprocessing.get_context("fork")
    for round_number in range(12):
        path = str(tmp_path / f"race{round_number}.db")
        barrier, results = context.Barrier(2), context.Queue()
        processes = [context.Process(target=_create, args=(path, barrier, results)) for _ in range(2)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [results.get(timeout=5) for _ in processes] == ["ok", "ok"]
