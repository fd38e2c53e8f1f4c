"""The seam between the compiled kernels and their plain-Python references.

Every inner loop of the clustering pipeline (shingling, MinHash, band and
passage keys, bucket grouping, candidate pairs, normalised text) exists
twice, with the same name, arguments and results:
:mod:`~storydiff.kernels.compiled` (numba) and
:mod:`~storydiff.kernels.reference` (plain Python, written to be read).
Callers take them from here, ``kernels.minhash_rows(...)``; the environment
variable ``STORYDIFF_KERNELS`` picks the backend, ``numba`` (the default) or
``python``, and the output is the same bytes either way (tests and
docs/architecture.md say how that is checked).

The backend loads on first use, so importing this module costs nothing and
never imports numba.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from .constants import NEEDS_PYTHON, OVERSIZE, WHITE_SPACE

if TYPE_CHECKING:  # both backends share the references' signatures
    from .reference import (
        band_rows,
        bucket_weights,
        candidate_pairs,
        content_ranges,
        family_pair_counts,
        group_rows,
        minhash_rows,
        normalised_texts,
        passage_rows,
        shared_counts,
        shared_key_weights,
        shingle_segments,
        sort_segments,
    )

#: Backend name -> module holding its kernels.
BACKENDS = {"numba": "compiled", "python": "reference"}
KERNELS = (
    "content_ranges",
    "normalised_texts",
    "shingle_segments",
    "minhash_rows",
    "shared_counts",
    "band_rows",
    "passage_rows",
    "sort_segments",
    "group_rows",
    "candidate_pairs",
    "family_pair_counts",
    "shared_key_weights",
    "bucket_weights",
)
__all__ = [
    "BACKENDS",
    "KERNELS",
    "NEEDS_PYTHON",
    "OVERSIZE",
    "WHITE_SPACE",
    "active",
    "backend_from_environment",
    "use",
    "band_rows",
    "bucket_weights",
    "candidate_pairs",
    "content_ranges",
    "family_pair_counts",
    "group_rows",
    "minhash_rows",
    "normalised_texts",
    "passage_rows",
    "shared_counts",
    "shared_key_weights",
    "shingle_segments",
    "sort_segments",
]

_active: list[str] = []


def backend_from_environment() -> str:
    """The backend ``STORYDIFF_KERNELS`` names (``numba`` when unset or empty)."""
    name = os.environ.get("STORYDIFF_KERNELS", "").strip().lower() or "numba"
    if name not in BACKENDS:
        raise ValueError(f"STORYDIFF_KERNELS must be one of {', '.join(BACKENDS)}, got {name!r}")
    return name


def use(name: str) -> None:
    """Make ``name``'s kernels the ones this module hands out (tests switch
    backends with it; the environment picks the first)."""
    if name not in BACKENDS:
        raise ValueError(f"kernel backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    module = importlib.import_module(f"{__name__}.{BACKENDS[name]}")
    globals().update({kernel: getattr(module, kernel) for kernel in KERNELS})
    _active[:] = [name]


def active() -> str:
    """The backend in use, loading the environment's choice if none is yet."""
    if not _active:
        use(backend_from_environment())
    return _active[0]


def __getattr__(name: str) -> Any:
    # Only reached while no backend is loaded: use() puts the kernels in
    # this module's namespace, where later lookups find them directly.
    if name in KERNELS:
        active()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
