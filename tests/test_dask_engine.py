"""``cluster --engine dask`` gives the local engine's output byte for byte,
and the embedded path never imports dask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS
from storyfiles import write_stories

pytestmark = pytest.mark.slow


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        message = "dask.distributed is not installed (pip install 'storydiff[dask]')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _cluster(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storydiff", "cluster", *args], capture_output=True, text=True, check=True)


def test_dask_engine_output_equals_the_local_engine(tmp_path: Path) -> None:
    _need_dask()
    write_stories(tmp_path / "c", 60)
    inputs = [str(tmp_path / "c"), str(SEEDS)]
    local = _cluster(*inputs, "--format", "json")
    dask = _cluster(*inputs, "--format", "json", "--engine", "dask", "--workers", "2")
    assert dask.stdout == local.stdout
    assert '"articles"' in local.stdout and local.stdout.count('"linked_by": {') > 40


def test_scheduler_without_dask_engine_is_an_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "storydiff", "cluster", str(SEEDS), "--scheduler", "tcp://127.0.0.1:1"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.startswith("storydiff: error: --scheduler only applies to --engine dask")


def test_the_embedded_path_does_not_import_dask(tmp_path: Path) -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from storydiff.cli import main; "
        f"CliRunner().invoke(main, ['cluster', {str(SEEDS)!r}]); "
        f"CliRunner().invoke(main, ['index', 'add', {str(SEEDS)!r}, '--index', {str(tmp_path / 'i.db')!r}]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'psycopg')))"
    )
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "[]\n"
