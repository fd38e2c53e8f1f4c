"""The index schema and its queries, written once for every SQL backend.

Backends supply a DB-API connection, the writer lock and the few places
where dialects differ (column types, how a list of values is passed). Keys
are stored as signed 64-bit integers (the bits of the uint64 key), which both
SQLite INTEGER and PostgreSQL BIGINT hold exactly.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..corpus import format_time, parse_time
from ..model import Article
from ..text import Paragraph

SCHEMA_VERSION = "storydiff.index/4"
KEY_TABLES = ("bands", "passages")
#: Each key row carries its generation (``doc >> GENERATION_BITS``). SQLite
#: clusters rows by it, so a bulk load rewrites only the newest generation's
#: pages, however large the archive, and a lookup seeks each key once per
#: generation (4 at a million articles). See docs/performance.md.
GENERATION_BITS = 18


class IndexUnavailable(Exception):
    """The index cannot be opened or used; carries a hint for the user."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class IndexMismatch(IndexUnavailable):
    """The index was built by another schema or with other parameters."""


@dataclass(frozen=True)
class StoredArticle:
    doc: int
    article: Article
    shingles: np.ndarray
    ingested: float
    story: str
    component: int


@dataclass(frozen=True)
class NewArticle:
    article: Article
    shingles: np.ndarray
    sampled: int
    ingested: float


def pack_paragraphs(paragraphs: Sequence[Paragraph]) -> bytes:
    return zlib.compress(json.dumps([[p.index, p.kind, p.text] for p in paragraphs], ensure_ascii=False).encode("utf-8"), 6)


def unpack_paragraphs(blob: bytes) -> tuple[Paragraph, ...]:
    return tuple(Paragraph(i, kind, text) for i, kind, text in json.loads(zlib.decompress(blob)))


def _age_key(article: Article, ingested: float) -> float:
    """Eviction age: published time, else when the index received it."""
    return article.published.timestamp() if article.published else ingested


_ARTICLE_COLUMNS = (
    "doc, article_id, path, headline, published, modified, url, source, external_id, editorial_note, version, status,"
    " ingested, story, component, shingles, paragraphs"
)
_SIGHTING_COLUMNS = "doc, path, headline, published, modified, url, source, external_id, editorial_note, version, status"


class SqlStore:
    """One index database; every method runs inside :meth:`writing` or :meth:`reading`."""

    placeholder = "?"
    blob_type = "BLOB"
    key_type = "INTEGER"
    real_type = "REAL"
    without_rowid = " WITHOUT ROWID"
    location: str

    def __init__(self) -> None:
        self.connection: Any = None

    # -- dialect hooks ---------------------------------------------------------------

    def _in_list(self) -> str:
        """``IN``-like SQL for one parameter holding a list of values."""
        raise NotImplementedError

    def _list_param(self, values: Sequence[int] | Sequence[str]) -> Any:
        raise NotImplementedError

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One transaction holding the index's single writer lock."""
        raise NotImplementedError
        yield  # pragma: no cover

    @contextmanager
    def reading(self) -> Iterator[None]:
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def size_bytes(self) -> int:
        raise NotImplementedError

    # -- plumbing --------------------------------------------------------------------

    def _sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(self._sql(statement), params)
        return cursor

    def _executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        cursor = self.connection.cursor()
        cursor.executemany(self._sql(statement), list(rows))

    def _all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self._execute(statement, params).fetchall())

    # -- schema and parameters --------------------------------------------------------

    def create_schema(self) -> None:
        k, blob, real = self.key_type, self.blob_type, self.real_type
        for statement in (
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            f"""CREATE TABLE IF NOT EXISTS articles (
                doc {k} PRIMARY KEY, article_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
                headline TEXT NOT NULL, published TEXT, modified TEXT, url TEXT, source TEXT,
                external_id TEXT, ingested {real} NOT NULL, age {real} NOT NULL, story TEXT NOT NULL,
                component {k} NOT NULL, sampled {k} NOT NULL, shingles {blob} NOT NULL, paragraphs {blob} NOT NULL,
                editorial_note TEXT, version TEXT, status TEXT)""",
            self._sightings_statement(),
            "CREATE INDEX IF NOT EXISTS articles_story ON articles (story)",
            "CREATE INDEX IF NOT EXISTS articles_component ON articles (component)",
            "CREATE INDEX IF NOT EXISTS articles_age ON articles (age)",
            *(self._key_table_statement(table) for table in KEY_TABLES),
            f"""CREATE TABLE IF NOT EXISTS edges (a {k} NOT NULL, b {k} NOT NULL, jaccard {real} NOT NULL,
                containment {real} NOT NULL, shared {k} NOT NULL, PRIMARY KEY (a, b)){self.without_rowid}""",
            "CREATE INDEX IF NOT EXISTS edges_b ON edges (b)",
        ):
            self._execute(statement)

    def _sightings_statement(self) -> str:
        # Another file, URL or time carrying a stored article's exact text:
        # a batch run lists it as a version, so the index keeps it too.
        return f"""CREATE TABLE IF NOT EXISTS sightings (
            doc {self.key_type} NOT NULL, path TEXT NOT NULL, headline TEXT NOT NULL, published TEXT, modified TEXT,
            url TEXT, source TEXT, external_id TEXT, editorial_note TEXT, version TEXT, status TEXT,
            ingested {self.real_type} NOT NULL, PRIMARY KEY (doc, path))"""

    def _key_table_statement(self, table: str) -> str:
        raise NotImplementedError

    def has_table(self, name: str) -> bool:
        raise NotImplementedError

    def table_count(self) -> int:
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        return dict(self._all("SELECT key, value FROM meta"))

    def set_meta(self, values: dict[str, str]) -> None:
        self._executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", values.items()
        )

    # -- articles ----------------------------------------------------------------------

    def docs_of(self, article_ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for first in range(0, len(article_ids), 10000):
            part = article_ids[first : first + 10000]
            rows = self._all(f"SELECT article_id, doc FROM articles WHERE article_id {self._in_list()}", (self._list_param(part),))
            found.update((article_id, int(doc)) for article_id, doc in rows)
        return found

    def next_doc(self) -> int:
        return int(self._all("SELECT COALESCE(MAX(doc), 0) FROM articles")[0][0]) + 1

    def insert_articles(self, first_doc: int, items: Sequence[NewArticle]) -> list[int]:
        docs = list(range(first_doc, first_doc + len(items)))
        rows = []
        for doc, item in zip(docs, items, strict=True):
            a = item.article
            rows.append(
                (
                    doc,
                    a.id,
                    a.path,
                    a.headline,
                    format_time(a.published),
                    format_time(a.modified),
                    a.url,
                    a.source,
                    a.external_id,
                    item.ingested,
                    _age_key(a, item.ingested),
                    f"new{doc}",
                    doc,
                    item.sampled,
                    item.shingles.astype("<u4").tobytes(),
                    pack_paragraphs(a.paragraphs),
                    a.editorial_note,
                    a.version,
                    a.status,
                )
            )
        self._executemany(
            "INSERT INTO articles (doc, article_id, path, headline, published, modified, url, source, external_id,"
            " ingested, age, story, component, sampled, shingles, paragraphs, editorial_note, version, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return docs

    def insert_sightings(self, rows: Sequence[tuple[int, Article]], ingested: float) -> None:
        """(doc, article) for each copy of a stored article's text met elsewhere."""
        self._executemany(
            f"INSERT INTO sightings ({_SIGHTING_COLUMNS}, ingested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                (doc, a.path, a.headline, format_time(a.published), format_time(a.modified), a.url, a.source, a.external_id)
                + (a.editorial_note, a.version, a.status, ingested)
                for doc, a in rows
            ],
        )

    def sightings_of(self, docs: Iterable[int]) -> dict[int, list[Article]]:
        """The copies met of each stored article, as articles without paragraphs, by path."""
        wanted = sorted(set(docs))
        out: dict[int, list[Article]] = {}
        for first in range(0, len(wanted), 5000):
            part = wanted[first : first + 5000]
            for row in self._all(
                f"SELECT {_SIGHTING_COLUMNS} FROM sightings WHERE doc {self._in_list()} ORDER BY doc, path", (self._list_param(part),)
            ):
                out.setdefault(int(row[0]), []).append(_article(row, (), "-"))
        return out

    def sighting_docs(self, path: str) -> list[int]:
        return [int(r[0]) for r in self._all("SELECT doc FROM sightings WHERE path = ? ORDER BY doc", (path,))]

    def take_place(self, doc: int, sighting: Article) -> None:
        """The sighting becomes the stored article ``doc`` (same text), and is no longer a sighting."""
        ingested = float(self._all("SELECT ingested FROM sightings WHERE doc = ? AND path = ?", (doc, sighting.path))[0][0])
        self._execute(
            "UPDATE articles SET path = ?, headline = ?, published = ?, modified = ?, url = ?, source = ?, external_id = ?,"
            " editorial_note = ?, version = ?, status = ?, ingested = ?, age = ? WHERE doc = ?",
            (
                sighting.path,
                sighting.headline,
                format_time(sighting.published),
                format_time(sighting.modified),
                sighting.url,
                sighting.source,
                sighting.external_id,
                sighting.editorial_note,
                sighting.version,
                sighting.status,
                ingested,
                _age_key(sighting, ingested),
                doc,
            ),
        )
        self.delete_sighting(doc, sighting.path)

    def delete_sighting(self, doc: int, path: str) -> None:
        self._execute("DELETE FROM sightings WHERE doc = ? AND path = ?", (doc, path))

    def records(self, docs: Iterable[int], *, paragraphs: bool = True) -> dict[int, StoredArticle]:
        """Stored articles by doc. Without ``paragraphs`` their articles have
        none (linking and grouping read only shingles, ids and times; unpacking
        the texts was a sixth of an ingest)."""
        wanted = sorted(set(docs))
        columns = _ARTICLE_COLUMNS if paragraphs else _ARTICLE_COLUMNS.replace(", paragraphs", ", NULL")
        out: dict[int, StoredArticle] = {}
        for first in range(0, len(wanted), 5000):
            part = wanted[first : first + 5000]
            for row in self._all(f"SELECT {columns} FROM articles WHERE doc {self._in_list()}", (self._list_param(part),)):
                out[int(row[0])] = _stored(row)
        return out

    def paragraphs_of(self, docs: Iterable[int]) -> dict[int, tuple[Paragraph, ...]]:
        wanted = sorted(set(docs))
        out: dict[int, tuple[Paragraph, ...]] = {}
        for first in range(0, len(wanted), 5000):
            part = wanted[first : first + 5000]
            for doc, blob in self._all(f"SELECT doc, paragraphs FROM articles WHERE doc {self._in_list()}", (self._list_param(part),)):
                out[int(doc)] = unpack_paragraphs(bytes(blob))
        return out

    def sampled_of(self, docs: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for first in range(0, len(docs), 20000):
            part = docs[first : first + 20000]
            found.update(self._all(f"SELECT doc, sampled FROM articles WHERE doc {self._in_list()}", (self._list_param(part),)))
        return {int(k): int(v) for k, v in found.items()}

    def integrity_problems(self, quick: bool = False) -> list[str]:
        """What the database's own check finds wrong (nothing: an empty list).

        PostgreSQL keeps page checksums itself and has no built-in full check
        (its amcheck extension is opt-in), so here every table is read once."""
        for table in ("articles", "sightings", "edges", "meta"):
            self._all(f"SELECT COUNT(*) FROM {table}", ())
        return []

    def story_ids(self, prefix: str) -> list[str]:
        return sorted({str(r[0]) for r in self._all("SELECT DISTINCT story FROM articles WHERE story LIKE ?", (prefix + "%",))})

    def docs_where(self, condition: str = "1 = 1", params: Sequence[Any] = ()) -> list[int]:
        return [int(r[0]) for r in self._all(f"SELECT doc FROM articles WHERE {condition} ORDER BY doc", params)]

    def groups(self, docs: Sequence[int]) -> dict[int, tuple[int, str]]:
        out: dict[int, tuple[int, str]] = {}
        for first in range(0, len(docs), 20000):
            part = docs[first : first + 20000]
            for doc, component, story in self._all(
                f"SELECT doc, component, story FROM articles WHERE doc {self._in_list()}", (self._list_param(part),)
            ):
                out[int(doc)] = (int(component), story)
        return out

    def component_members(self, components: Iterable[int]) -> list[int]:
        wanted = sorted(set(components))
        out: list[int] = []
        for first in range(0, len(wanted), 20000):
            part = wanted[first : first + 20000]
            out += [int(r[0]) for r in self._all(f"SELECT doc FROM articles WHERE component {self._in_list()}", (self._list_param(part),))]
        return out

    def set_groups(self, rows: Sequence[tuple[int, int, str]]) -> None:
        """(doc, component, story) for every regrouped article."""
        self._executemany("UPDATE articles SET component = ?, story = ? WHERE doc = ?", [(c, s, d) for d, c, s in rows])

    def delete_articles(self, docs: Sequence[int]) -> None:
        self._executemany("DELETE FROM sightings WHERE doc = ?", [(d,) for d in docs])
        self._executemany("DELETE FROM articles WHERE doc = ?", [(d,) for d in docs])

    # -- keys --------------------------------------------------------------------------
    #
    # Each backend lays its key tables out as suits its engine: these four
    # methods and the table statement above go together.

    def stored_keys(self, keys: np.ndarray) -> np.ndarray:
        """Keys as this index compares them; the archive signs with these."""
        raise NotImplementedError

    def insert_keys(self, table: str, keys: np.ndarray, docs: np.ndarray) -> None:
        raise NotImplementedError

    def delete_keys(self, table: str, keys: np.ndarray, docs: np.ndarray) -> None:
        raise NotImplementedError

    def bucket_rows(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (key, doc) row of the given keys: whole buckets."""
        raise NotImplementedError

    # -- edges -------------------------------------------------------------------------

    def edges_touching(self, docs: Sequence[int]) -> list[tuple[int, int, float, float, int]]:
        out: set[tuple[int, int, float, float, int]] = set()
        for first in range(0, len(docs), 20000):
            part = self._list_param(docs[first : first + 20000])
            out.update(self._all(f"SELECT a, b, jaccard, containment, shared FROM edges WHERE a {self._in_list()}", (part,)))
            out.update(self._all(f"SELECT a, b, jaccard, containment, shared FROM edges WHERE b {self._in_list()}", (part,)))
        return sorted(out)

    def add_edges(self, rows: Sequence[tuple[int, int, float, float, int]]) -> None:
        self._executemany("INSERT INTO edges (a, b, jaccard, containment, shared) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)

    def delete_edges(self, pairs: Sequence[tuple[int, int]]) -> None:
        self._executemany("DELETE FROM edges WHERE a = ? AND b = ?", pairs)

    def all_edges(self) -> list[tuple[int, int, float, float, int]]:
        return [tuple(r) for r in self._all("SELECT a, b, jaccard, containment, shared FROM edges ORDER BY a, b")]

    # -- numbers -----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        out = {}
        for name, statement in (
            ("articles", "SELECT COUNT(*) FROM articles"),
            ("stories", "SELECT COUNT(DISTINCT story) FROM articles"),
            ("sightings", "SELECT COUNT(*) FROM sightings"),
            ("links", "SELECT COUNT(*) FROM edges"),
            ("band_rows", "SELECT COUNT(*) FROM bands"),
            ("passage_rows", "SELECT COUNT(*) FROM passages"),
        ):
            out[name] = int(self._all(statement)[0][0])
        out["stories_with_versions"] = int(
            self._all(
                "SELECT COUNT(*) FROM (SELECT a.story FROM articles a LEFT JOIN sightings s ON s.doc = a.doc"
                " GROUP BY a.story HAVING COUNT(DISTINCT a.doc) + COUNT(s.path) > 1) AS multi"
            )[0][0]
        )
        return out

    def time_range(self) -> tuple[float | None, float | None]:
        low, high = self._all("SELECT MIN(age), MAX(age) FROM articles")[0]
        return low, high


def key_table(table: str) -> str:
    if table not in KEY_TABLES:
        raise ValueError(f"no key table {table!r}")
    return table


def _article(row: Sequence[Any], paragraphs: Sequence[Paragraph], article_id: str) -> Article:
    """An article from (doc, path, headline, published, modified, url, source,
    external_id, editorial_note, version, status), as both the articles and
    the sightings tables hold them."""
    doc, path, headline, published, modified, url, source, external_id, note, version, status = row
    return Article(
        path=path,
        paragraphs=paragraphs,
        headline=headline,
        published=parse_time(published),
        modified=parse_time(modified),
        url=url,
        source=source,
        external_id=external_id,
        position=int(doc),
        id=article_id,
        editorial_note=note,
        version=version,
        status=status,
    )


def _stored(row: Sequence[Any]) -> StoredArticle:
    doc, article_id = row[:2]
    ingested, story, component, shingles, paragraphs = row[12:]
    article = _article((doc, *row[2:12]), unpack_paragraphs(bytes(paragraphs)) if paragraphs is not None else (), article_id)
    return StoredArticle(int(doc), article, np.frombuffer(bytes(shingles), "<u4").astype(np.uint32), float(ingested), story, int(component))
