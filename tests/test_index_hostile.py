"""The archive index facing damage and unlucky commands: one clear line and exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from storydiff.cli import main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@pytest.fixture
def damaged(tmp_path: Path) -> str:
    rng = random.Random(3)
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "harbour",
        "council",
        "fire",
        "police",
        "vote",
        "market",
        "river",
        "school",
        "doctor",
        "storm",
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"headline": f"Story {i}", "body": " ".join(rng.choice(words) + str(rng.randrange(9999)) for _ in range(300))})
            + "\n"
            for i in range(400)
        )
    )
    index = str(tmp_path / "big.db")
    assert _run("index", "add", str(feed), "--index", index)[0] == 0
    size, page = os.path.getsize(index), 4096
    with open(index, "r+b") as handle:
        handle.seek((size // page // 2) * page)
        handle.write(bytes(rng.randrange(256) for _ in range(page)))
    return index


@pytest.mark.parametrize("command", ["stats", "stories", "check"])
def test_damaged_index_is_one_line_and_exit_2(damaged: str, command: str) -> None:
    code, output = _run("index", command, "--index", damaged)
    assert code == 2
    assert "damaged" in output or "cannot be read" in output
    assert "Hint:" in output


def test_damaged_index_query_and_add_never_trace_back(damaged: str) -> None:
    for args in (("query", str(SEEDS / "000_32805d528c66c277.txt")), ("add", str(SEEDS))):
        code, output = _run("index", *args, "--index", damaged)
        assert code in (0, 2), output


def test_empty_file_is_not_turned_into_an_index(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    os.utime(empty, (1_000_000_000, 1_000_000_000))  # there for a while, not being created right now
    code, output = _run("index", "add", str(SEEDS), "--index", str(empty))
    assert code == 2 and "empty.db is an empty file, not an index" in output
    assert empty.stat().st_size == 0


def test_check_says_ok_on_a_whole_index(tmp_path: Path) -> None:
    index = str(tmp_path / "a.db")
    _run("index", "add", str(SEEDS), "--index", index)
    assert _run("index", "check", "--index", index) == (0, f"{index}: ok (SQLite integrity_check)\n")


def test_short_id_prefix_says_how_long_it_must_be_and_show_takes_a_prefix(tmp_path: Path) -> None:
    index = str(tmp_path / "a.db")
    _run("index", "add", str(SEEDS), "--index", index)
    code, output = _run("index", "remove", "c5f3", "--index", index)
    assert code == 2 and "an id prefix needs 6 characters or more" in output
    code, output = _run("index", "show", "sc5f3e", "--index", index)
    assert code == 0 and output.startswith("## Story sc5f3e5e95d07: ")


def test_evict_and_remove_dry_runs_change_nothing(tmp_path: Path) -> None:
    index = str(tmp_path / "a.db")
    _run("index", "add", str(SEEDS), "--index", index)
    code, output = _run("index", "evict", "--older-than", "0s", "--dry-run", "--index", index)
    assert code == 0 and output.endswith("would evict 2 articles (dry run: nothing changed)\n")
    code, output = _run("index", "remove", "c5f3e5e95d07", "--dry-run", "--index", index)
    assert code == 0 and "would remove c5f3e5e95d07b190 " in output
    assert "holds 2 articles" in _run("index", "add", str(SEEDS), "--index", index)[1]
    assert _run("index", "evict", "--older-than", "1y", "--index", index)[0] == 0


def test_case_10_a_copy_at_another_path_is_a_sighting_listed_and_removable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same text filed again (another file name, URL or time) is a version
    # in a batch run; the index keeps it as a sighting instead of dropping it.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    for seed in SEEDS.iterdir():
        (tmp_path / "c" / seed.name).write_bytes(seed.read_bytes())
    old = sorted(p.name for p in SEEDS.iterdir())[0]
    (tmp_path / "c" / "reprint.txt").write_bytes((SEEDS / old).read_bytes())
    result = CliRunner().invoke(main, ["index", "add", "c"])
    assert result.stdout == (
        "added 2 articles, 1 copy of stored texts kept as sightings, 0 already indexed; "
        "storydiff-index.db holds 2 articles and 1 sighting in 1 story\n"
    )
    batch = CliRunner().invoke(main, ["cluster", "c", "--format", "json"]).stdout
    assert CliRunner().invoke(main, ["index", "stories", "--format", "json"]).stdout == batch
    again = CliRunner().invoke(main, ["index", "add", "c/reprint.txt"])
    assert again.stdout.startswith("added 0 articles, 1 already indexed;")
    # Removing the stored copy's path leaves the reprint in its place.
    assert _run("index", "remove", f"c/{old}") == (0, "removed 0 articles and 1 copy\n")
    stories = json.loads(CliRunner().invoke(main, ["index", "stories", "--format", "json"]).stdout)
    assert sorted(a["path"] for c in stories["clusters"] for a in c["articles"]) == sorted(
        ["c/reprint.txt", *(f"c/{p.name}" for p in SEEDS.iterdir() if p.name != old)]
    )
