"""Same input, byte-identical output: every format, in fresh processes under
two hash seeds (set and dict orders differ between them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, need_data

pytestmark = pytest.mark.slow

HASH_SEEDS = ("1", "4242")


def _run(args: list[str], hash_seed: str, cwd: Path) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "storydiff", *args], capture_output=True, env=env, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "seeds/", "--format", "json"],
        ["cluster", "seeds/", "--format", "csv"],
        ["diff", "seeds/000_32805d528c66c277.txt", "seeds/002_672c4604ee927781.txt", "--format", "json"],
        ["diff", "seeds/000_32805d528c66c277.txt", "seeds/002_672c4604ee927781.txt", "--format", "markdown"],
        ["diff", "seeds/000_32805d528c66c277.txt", "seeds/002_672c4604ee927781.txt", "--format", "jira"],
        ["diff", "seeds/000_32805d528c66c277.txt", "seeds/002_672c4604ee927781.txt", "--format", "html"],
    ],
    ids=lambda args: " ".join(args[:1] + args[-1:]),
)
def test_seed_outputs_do_not_depend_on_the_hash_seed(args: list[str]) -> None:
    outputs = {_run(args, seed, REPO) for seed in HASH_SEEDS}
    assert len(outputs) == 1


def test_devgold_clusters_and_reports_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    cases = need_data("devgold") / "cases"
    outputs = {_run(["cluster", str(cases), "--format", "json"], seed, tmp_path) for seed in HASH_SEEDS}
    assert len(outputs) == 1
    for seed in HASH_SEEDS:
        _run(["report", str(cases), "-o", str(tmp_path / seed)], seed, tmp_path)
    first, second = (sorted((tmp_path / seed).iterdir()) for seed in HASH_SEEDS)
    assert [p.name for p in first] == [p.name for p in second] and len(first) > 10
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
