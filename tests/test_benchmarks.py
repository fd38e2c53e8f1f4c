"""The benchmark code runs end to end (--quick); timings are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SEEDS, need_data

pytestmark = pytest.mark.slow


def test_quick_benchmark_runs_every_measurement(tmp_path) -> None:
    data = need_data("onestopenglish").parent
    results = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--quick",
            "--work",
            str(tmp_path),
            "--data",
            str(data),
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(results.read_text())
    assert document["sizes"][0]["cluster"]["stories"] > 0
    if Path("/proc/self/smaps_rollup").exists():
        assert document["sizes"][0]["cluster"]["peak_tree_pss_mb"] > 0
    assert set(document["signature_one_core"]) >= {"storydiff", "datasketch update + MinHashLSH"}
    assert document["diff"]["25_paragraphs_ms"] > 0 and document["report"]["stories"] > 0
    assert "| storydiff |" in run.stdout


def test_generated_corpus_is_seeded_and_keeps_unrelated_articles_apart(tmp_path) -> None:
    data = need_data("onestopenglish").parent
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (first, second):
        subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "corpus.py"), "--articles", "400", "--data", str(data), "--out", str(out)],
            check=True,
            capture_output=True,
        )
    assert first.read_bytes() == second.read_bytes()
    check = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "corpus.py"), "--articles", "400", "--data", str(data), "--out", str(first), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["max"] < 0.01
    words = [len(json.loads(line)["body"].split()) for line in first.read_text().splitlines()]
    assert min(words) >= 400 and max(words) <= 1200


def test_stage_timer_times_every_stage_of_the_seeds() -> None:
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "stages.py"), str(SEEDS)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stderr.splitlines()]
    assert [row[0] for row in rows] == ["load", "shingles", "signatures", "candidates", "verify", "group", "assemble"]
    assert rows[0][-1] == "2" and rows[-1][-1] == "1"  # two seeds loaded, one story
