"""The archive index (SQLite): incremental grouping equals a batch run, the
commands' contracts, and what a killed or concurrent writer leaves behind."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEEDS, need_data
from storyfiles import write_feed, write_reuse, write_stories

from storydiff.archive import Archive
from storydiff.cli import main
from storydiff.cluster import ClusterParams, cluster_articles
from storydiff.corpus import load
from storydiff.model import Article
from storydiff.report import clusters_document

SEED_OLD = str(SEEDS / "000_32805d528c66c277.txt")
SEED_NEW = str(SEEDS / "002_672c4604ee927781.txt")


def run(*args: str, env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def unique(articles: list[Article]) -> list[Article]:
    seen: set[str] = set()
    return [a for a in articles if not (a.id in seen or seen.add(a.id))]  # type: ignore[func-returns-value]


def batch_document(articles: list[Article], params: ClusterParams) -> dict[str, object]:
    return clusters_document(cluster_articles(articles, params))


def index_document(path: Path, articles: list[Article], params: ClusterParams, step: int) -> dict[str, object]:
    with Archive.open(str(path), params, create=True) as archive:
        for first in range(0, len(articles), step):
            archive.add(articles[first : first + step], now=1.0e9)
        return clusters_document(archive.stories())


# --- the invariant ---------------------------------------------------------------------


@pytest.mark.parametrize(("max_bucket", "rare_bucket", "rare_share"), [(100, 30, 0.1), (3, 30, 0.1), (3, 1, 0.9), (6, 2, 0.5)])
def test_three_ingest_orders_group_as_the_batch_run(tmp_path: Path, max_bucket: int, rare_bucket: int, rare_share: float) -> None:
    # max_bucket=3 makes buckets cross the cap while articles arrive, and a
    # small rare_bucket makes passage buckets cross the rarity tiers, so the
    # re-checking of crossed buckets is exercised too.
    articles = unique(list(load([str(p) for p in write_stories(tmp_path / "c", 25)] + [str(SEEDS)]).articles))
    params = ClusterParams(max_bucket=max_bucket, rare_bucket=rare_bucket, rare_share=rare_share, workers=1)
    expected = batch_document(articles, params)
    assert sum(len(c["articles"]) > 1 for c in expected["clusters"]) >= 5  # type: ignore[attr-defined]
    for seed, step in ((1, 1), (2, 4), (3, 13)):
        order = articles[:]
        random.Random(seed).shuffle(order)
        assert index_document(tmp_path / f"{seed}.db", order, params, step) == expected, f"order {seed}"


def test_a_link_on_a_reused_passage_lapses_and_returns_as_the_passage_turns_common_and_rare(tmp_path: Path) -> None:
    # reuse_bucket=3: the fourth article carrying the passage makes it common,
    # and the stored link between the rewrites must go, as in a batch run.
    params = ClusterParams(reuse_bucket=3, workers=1)
    rewrites, carriers = write_reuse(tmp_path / "c", carriers=2)
    articles = unique(list(load([str(p) for p in rewrites + carriers]).articles))
    both = [a for a in articles if "rewrite" in a.path]
    assert [len(c["articles"]) for c in batch_document(both, params)["clusters"]] == [2]  # type: ignore[index]
    for seed in (1, 2, 3):
        order = articles[:]
        random.Random(seed).shuffle(order)
        assert index_document(tmp_path / f"{seed}.db", order, params, 1) == batch_document(articles, params), f"order {seed}"
    with Archive.open(str(tmp_path / "1.db"), params) as archive:
        for article in articles:
            if "carrier" in article.path:
                archive.remove(archive.find(article.id))
        assert clusters_document(archive.stories()) == batch_document(both, params)


def test_copies_at_other_paths_are_kept_as_sightings_and_group_as_the_batch_run(tmp_path: Path) -> None:
    # Issue 21, case 10: a copy of a stored text (another file, URL or time) is
    # a version in a batch run, so the index keeps it as a sighting and lists it.
    files = write_stories(tmp_path / "c", 12)
    for n, file in enumerate(files[::4]):
        text = file.read_text(encoding="utf-8")
        (file.parent / f"copy-{n}{file.suffix}").write_text(text, encoding="utf-8")
    articles = list(load([str(tmp_path / "c")]).articles)
    assert len(articles) > len(unique(articles))
    params = ClusterParams(workers=1)
    expected = batch_document(articles, params)
    for seed, step in ((1, 1), (2, 5)):
        order = articles[:]
        random.Random(seed).shuffle(order)
        assert index_document(tmp_path / f"{seed}.db", order, params, step) == expected, f"order {seed}"
    with Archive.open(str(tmp_path / "1.db"), params) as archive:
        again = archive.add(articles, now=2.0e9)
        assert (again.added, again.sightings) == ((), ())
        assert clusters_document(archive.stories()) == expected
        # A path removes that copy alone, whichever copy the index stored first.
        copy, original = str(tmp_path / "c" / f"copy-0{files[0].suffix}"), str(files[0])
        archive.remove_copies([copy])
        assert clusters_document(archive.stories()) == batch_document([a for a in articles if a.path != copy], params)
        assert not archive.copies_at(original)  # the last copy: removed as an article
        archive.remove(archive.find(original))
        (text_id,) = {a.id for a in articles if a.path == original}
        assert clusters_document(archive.stories()) == batch_document([a for a in articles if a.id != text_id], params)
        assert archive.find(text_id) == []


def test_an_index_built_by_an_earlier_storydiff_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    location = tmp_path / "old.db"
    with Archive.open(str(location), create=True) as archive:
        archive.add(load([SEED_OLD]).articles, now=1.0)
    # Make it what an earlier storydiff wrote: schema 3, parameters without the rarity weights.
    with sqlite3.connect(location) as db:
        params = json.loads(db.execute("SELECT value FROM meta WHERE key = 'params'").fetchone()[0])
        del params["rare_bucket"], params["rare_share"]
        db.execute("UPDATE meta SET value = ? WHERE key = 'params'", (json.dumps(params),))
        db.execute("UPDATE meta SET value = 'storydiff.index/3' WHERE key = 'schema'")
    before = location.read_bytes()
    result = run("index", "add", SEED_NEW, "--index", str(location))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "storydiff.index/3" in result.stderr and "rebuild" in result.stderr  # type: ignore[attr-defined]
    assert location.read_bytes() == before
    with sqlite3.connect(location) as db:
        db.execute("UPDATE meta SET value = 'storydiff.index/4' WHERE key = 'schema'")
    result = run("index", "stats", "--index", str(location))
    assert result.exit_code == 2 and "rare_bucket" in result.stderr and "rebuild" in result.stderr  # type: ignore[attr-defined]


def test_shared_corpora_group_as_the_batch_run_in_any_order(tmp_path: Path) -> None:
    root = need_data("ecbplus")
    articles = unique(list(load([str(root / "articles")]).articles))
    params = ClusterParams(workers=1)
    expected = batch_document(articles, params)
    for seed in (1, 2, 3):
        order = articles[:]
        random.Random(seed).shuffle(order)
        assert index_document(tmp_path / f"{seed}.db", order, params, 37) == expected


def test_removing_and_evicting_regroup_as_if_never_added(tmp_path: Path) -> None:
    articles = unique(list(load([str(p) for p in write_stories(tmp_path / "c", 20)]).articles))
    params = ClusterParams(max_bucket=3, workers=1)
    gone = random.Random(5).sample(articles, len(articles) // 3)
    with Archive.open(str(tmp_path / "i.db"), params, create=True) as archive:
        archive.add(articles, now=1.0e9, batch_size=10)
        for article in gone:
            archive.remove(archive.find(article.id))
        kept = [a for a in articles if a not in gone]
        assert clusters_document(archive.stories()) == batch_document(kept, params)
        archive.add(gone, now=2.0e9)  # back again, ingested later
        assert clusters_document(archive.stories()) == batch_document(articles, params)
        assert len(archive.evict(1.5e9)) == len(kept)
        assert clusters_document(archive.stories()) == batch_document(unique(gone), params)


def test_the_same_article_twice_changes_nothing(tmp_path: Path) -> None:
    location = tmp_path / "i.db"
    with Archive.open(str(location), create=True) as archive:
        first = archive.add(load([SEED_OLD]).articles, now=1.0)
        before = clusters_document(archive.stories())
        again = archive.add(load([SEED_OLD]).articles, now=2.0)
        assert (len(first.added), len(again.added)) == (1, 0)
        assert again.duplicates == ((SEED_OLD, SEED_OLD),)
        assert clusters_document(archive.stories()) == before
        archive.add(load([SEED_NEW]).articles, now=3.0)
        (story,) = archive.stories().clusters
        assert [m.article.path for m in story.members] == [SEED_OLD, SEED_NEW]


# --- commands ------------------------------------------------------------------------------


def test_cli_add_stories_equals_cluster_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = [str(p.relative_to(tmp_path)) for p in write_stories(tmp_path / "c", 12)]
    random.Random(3).shuffle(files)
    for file in files:
        assert run("index", "add", file).exit_code == 0
    stories = run("index", "stories", "--format", "json")
    batch = run("cluster", "c", "--format", "json")
    assert stories.stdout == batch.stdout  # type: ignore[attr-defined]


def test_cli_add_and_stats_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("index", "add", SEED_OLD, "--index", "a.db")
    assert result.stdout == "added 1 article, 0 already indexed; a.db holds 1 article in 1 story\n"  # type: ignore[attr-defined]
    result = run("index", "add", str(SEEDS), "--index", "a.db")
    assert result.stdout == "added 1 article, 1 already indexed; a.db holds 2 articles in 1 story\n"  # type: ignore[attr-defined]
    assert result.stderr == f"storydiff: already indexed: {SEED_OLD}\n"  # type: ignore[attr-defined]
    stats = json.loads(run("index", "stats", "--index", "a.db", "--format", "json").stdout)  # type: ignore[attr-defined]
    assert (stats["articles"], stats["stories"], stats["stories_with_versions"], stats["links"]) == (2, 1, 1, 1)
    assert stats["schema"] == "storydiff.index/4" and stats["params"]["band_keys"] == "storydiff-band/1"


def test_query_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run("index", "add", SEED_OLD, str(FIXTURES / "eval" / "articles" / "library.txt"))
    document = json.loads(run("index", "query", SEED_NEW, "--format", "json").stdout)  # type: ignore[attr-defined]
    assert document["schema"] == "storydiff.query/1"
    assert [a["path"] for a in document["story"]["articles"]] == [SEED_OLD]
    assert document["match"]["path"] == SEED_OLD and document["match"]["containment"] > 0.5
    assert document["diff"]["schema"] == "storydiff.diff/2"
    assert (document["diff"]["old"]["path"], document["diff"]["new"]["path"]) == (SEED_OLD, SEED_NEW)
    # querying adds nothing
    assert json.loads(run("index", "stats", "--format", "json").stdout)["articles"] == 2  # type: ignore[attr-defined]
    known = json.loads(run("index", "query", SEED_OLD, "--format", "json").stdout)  # type: ignore[attr-defined]
    assert known["diff"] is None and known["already_indexed"] is True
    alone = json.loads(run("index", "query", str(FIXTURES / "eval" / "articles" / "harbour-v1.txt"), "--format", "json").stdout)  # type: ignore[attr-defined]
    assert (alone["story"], alone["match"], alone["diff"]) == (None, None, None)
    text = run("index", "query", SEED_NEW).stdout  # type: ignore[attr-defined]
    assert text.startswith("Story s") and f"{SEED_NEW} matches {SEED_OLD}" in text


def test_show_remove_and_evict_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run("index", "add", str(SEEDS))
    story = json.loads(run("index", "stories", "--format", "json").stdout)["clusters"][0]  # type: ignore[attr-defined]
    report = run("index", "show", story["id"]).stdout  # type: ignore[attr-defined]
    assert report.startswith(f"## Story {story['id']}: ") and "### v1 → v2" in report
    missing = run("index", "show", "s000000000000")
    assert missing.exit_code == 2 and "no story s000000000000" in missing.stderr  # type: ignore[attr-defined]
    assert run("index", "remove", story["articles"][1]["id"][:8]).stdout == "removed 1 article\n"  # type: ignore[attr-defined]
    assert len(json.loads(run("index", "stories", "--format", "json").stdout)["clusters"][0]["articles"]) == 1  # type: ignore[attr-defined]
    assert run("index", "evict", "--older-than", "1h").stdout == "evicted 0 articles older than 1h\n"  # type: ignore[attr-defined]
    assert run("index", "evict", "--older-than", "0s").stdout == "evicted 1 article older than 0s\n"  # type: ignore[attr-defined]
    bad = run("index", "evict", "--older-than", "soon")
    assert bad.exit_code == 2 and "'soon' is not a duration" in bad.stderr  # type: ignore[attr-defined]


def test_index_errors_are_one_line_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    missing = run("index", "stories", "--index", "nothing.db")
    assert missing.exit_code == 2
    assert missing.output.startswith("storydiff: error: no index at nothing.db\nHint: add articles first")  # type: ignore[attr-defined]
    Path("notes.txt").write_text("not a database, and must stay as it is\n")
    bad = run("index", "add", SEED_OLD, "--index", "notes.txt")
    assert bad.exit_code == 2 and "notes.txt" in bad.stderr  # type: ignore[attr-defined]
    assert Path("notes.txt").read_text() == "not a database, and must stay as it is\n"
    other = sqlite3.connect("other.db")
    other.execute("CREATE TABLE people (name TEXT)")
    other.commit()
    other.close()
    refused = run("index", "add", SEED_OLD, "--index", "other.db")
    assert refused.exit_code == 2 and "other.db is not a storydiff index" in refused.stderr  # type: ignore[attr-defined]
    run("index", "add", SEED_OLD)
    mismatch = run("index", "add", SEED_NEW, "--num-perm", "64")
    assert mismatch.exit_code == 2  # type: ignore[attr-defined]
    assert "was built with other parameters: bands=64 (asked for 32), num_perm=128 (asked for 64)" in mismatch.stderr  # type: ignore[attr-defined]


# --- crashes and concurrency ---------------------------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "storydiff", *args]


def _stored_paths(location: Path) -> list[str]:
    connection = sqlite3.connect(location)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [row[0] for row in connection.execute("SELECT path FROM articles ORDER BY doc")]
    finally:
        connection.close()


def _count_committed(location: Path) -> int:
    connection = sqlite3.connect(location)
    try:
        return int(connection.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        connection.close()


@pytest.mark.slow
def test_a_killed_ingest_leaves_a_consistent_index(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = write_feed(feed, 700)
    location = tmp_path / "i.db"
    process = subprocess.Popen(_cli("index", "add", str(feed), "--index", str(location), "--batch-size", "50"), stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
        if _count_committed(location) >= 200:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = _stored_paths(location)
    assert 0 < len(stored) < lines and len(stored) % 50 == 0, "whole batches only"
    everything = list(load([str(feed)]).articles)
    by_path = {a.path: a for a in everything}
    params = ClusterParams(workers=1)
    with Archive.open(str(location)) as archive:
        assert clusters_document(archive.stories()) == batch_document([by_path[p] for p in stored], params)
    finished = subprocess.run(_cli("index", "add", str(feed), "--index", str(location)), capture_output=True, text=True, check=True)
    assert finished.stdout.startswith(f"added {lines - len(stored):,} articles, {len(stored)} already indexed")
    with Archive.open(str(location)) as archive:
        assert clusters_document(archive.stories()) == batch_document(everything, params)


def test_two_writers_at_once_both_succeed(tmp_path: Path) -> None:
    files = [str(p) for p in write_stories(tmp_path / "c", 60)]
    halves = files[::2], files[1::2]
    location = tmp_path / "i.db"
    env = {**os.environ, "STORYDIFF_INDEX": str(location)}
    writers = [
        subprocess.Popen(_cli("index", "add", *half, "--batch-size", "10"), env=env, stdout=subprocess.PIPE, text=True) for half in halves
    ]
    outputs = [writer.communicate(timeout=300)[0] for writer in writers]
    assert [w.returncode for w in writers] == [0, 0]
    assert all(out.startswith(f"added {len(half)} articles, 0 already indexed") for out, half in zip(outputs, halves, strict=True))
    with Archive.open(str(location)) as archive:
        assert clusters_document(archive.stories()) == batch_document(list(load(files).articles), ClusterParams(workers=1))
