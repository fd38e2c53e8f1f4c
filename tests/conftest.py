"""Shared fixtures: where the shared corpora live, and how their absence is handled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = REPO / "seeds"


def data_root() -> Path:
    return Path(os.environ.get("STORYDIFF_DATA", REPO.parent / "shared" / "data"))


def need_data(name: str) -> Path:
    """The named shared corpus, or a skip (a failure under CI=true)."""
    path = data_root() / name
    if not path.is_dir():
        message = f"shared data folder {path} is missing (set STORYDIFF_DATA to its parent)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def devgold() -> Path:
    return need_data("devgold")
