"""Where an archive index lives, picked by the shape of ``--index``.

A file path opens SQLite (embedded, the default); ``postgresql://…`` opens a
PostgreSQL server for many ingest workers. Both speak one small interface
(:class:`storydiff.store.sql.SqlStore`); the SQL dialect stays inside each.
"""

from __future__ import annotations

from collections.abc import Callable

from .sql import IndexMismatch, IndexUnavailable, SqlStore, StoredArticle

DEFAULT_INDEX = "storydiff-index.db"

__all__ = ["DEFAULT_INDEX", "IndexMismatch", "IndexUnavailable", "SqlStore", "StoredArticle", "open_store", "backend_name"]


def backend_name(location: str) -> str:
    if location.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    if "://" in location:
        scheme = location.split("://", 1)[0]
        raise IndexUnavailable(f"unknown index location scheme {scheme!r} in {location}", "use a file path (SQLite) or postgresql://…")
    return "sqlite"


def _open_sqlite(location: str, create: bool) -> SqlStore:
    from .sqlite import SQLiteStore

    return SQLiteStore(location, create=create)


def _open_postgresql(location: str, create: bool) -> SqlStore:
    from .postgres import PostgresStore  # psycopg is imported only here

    return PostgresStore(location, create=create)


_BACKENDS: dict[str, Callable[[str, bool], SqlStore]] = {"sqlite": _open_sqlite, "postgresql": _open_postgresql}


def open_store(location: str, *, create: bool) -> SqlStore:
    """Open (or with ``create``, create) the index at ``location``."""
    return _BACKENDS[backend_name(location)](location, create)
