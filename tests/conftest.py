"""Shared fixtures: where the shared corpora live, and how their absence is handled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: "quick" while developing, "thorough" in CI (CI=true) or when
# asked (HYPOTHESIS_PROFILE=thorough). Tests that set their own example count
# keep it in both: those counts were chosen to reach the branches they test.
settings.register_profile("quick", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=300, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if os.environ.get("CI", "").lower() == "true" else "quick"))

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
