"""The archive index on a real PostgreSQL server: the same grouping as a
batch run, four writers at once, and nothing lost over a server restart."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgserver import Server, server_binaries
from storyfiles import write_stories

from storydiff.archive import Archive
from storydiff.cluster import ClusterParams, cluster_articles
from storydiff.corpus import load
from storydiff.report import clusters_document

pytestmark = pytest.mark.slow

_names = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    binaries = server_binaries()
    if binaries is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian postgresql package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("psycopg", reason="pip install 'storydiff[postgres]'")
    # Not under pytest's tmp_path: that is private to root, and the server
    # runs as the postgres user under CI.
    root = Path(tempfile.mkdtemp(prefix="storydiff-pg-"))
    instance = Server(binaries, root)
    instance.start()
    yield instance
    instance.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database(server: Server) -> str:
    return server.create_database(f"storydiff_{next(_names)}")


def test_postgres_groups_as_the_batch_run_in_any_order(server: Server, tmp_path: Path) -> None:
    articles = list(load([str(p) for p in write_stories(tmp_path / "c", 20)]).articles)
    params = ClusterParams(max_bucket=3, workers=1)
    expected = clusters_document(cluster_articles(articles, params))
    for seed in (1, 2, 3):
        order = articles[:]
        random.Random(seed).shuffle(order)
        with Archive.open(server.create_database(f"order_{seed}_{next(_names)}"), params, create=True) as archive:
            for first in range(0, len(order), 6):
                archive.add(order[first : first + 6], now=1.0e9)
            assert clusters_document(archive.stories()) == expected


def test_four_writers_then_a_restart_lose_nothing(server: Server, database: str, tmp_path: Path) -> None:
    files = [str(p) for p in write_stories(tmp_path / "c", 80)]
    random.Random(4).shuffle(files)
    parts = [files[i::4] for i in range(4)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "storydiff", "index", "add", *part, "--index", database, "--batch-size", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for part in parts
    ]
    results = [writer.communicate(timeout=600) for writer in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], [err for _, err in results]
    articles = list(load(files).articles)
    expected = clusters_document(cluster_articles(articles, ClusterParams(workers=1)))
    with Archive.open(database) as archive:
        assert clusters_document(archive.stories()) == expected
    server.restart()
    with Archive.open(database) as archive:
        assert archive.stats()["articles"] == len(articles)
        assert clusters_document(archive.stories()) == expected
        story_of = {m["path"]: c["id"] for c in expected["clusters"] for m in c["articles"]}
        for article in articles:
            answer = archive.query(article)
            assert answer.already_indexed and answer.story is not None and answer.story.id == story_of[article.path]


def test_postgres_errors_name_the_server(tmp_path: Path) -> None:
    pytest.importorskip("psycopg", reason="pip install 'storydiff[postgres]'")
    from click.testing import CliRunner

    from storydiff.cli import main

    result = CliRunner().invoke(main, ["index", "stats", "--index", "postgresql://nobody:secret@127.0.0.1:1/none"])
    assert result.exit_code == 2
    assert result.stderr.startswith("storydiff: error: cannot connect to postgresql://nobody@127.0.0.1:1/none")
    assert "secret" not in result.stderr
