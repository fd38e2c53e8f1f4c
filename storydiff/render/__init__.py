"""Renderers: one report document in, one text out, chosen by name.

Each registry maps a format name to a pure function ``document -> str``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Renderer = Callable[[dict[str, Any]], str]

CLUSTER_FORMATS: dict[str, Renderer] = {}
DIFF_FORMATS: dict[str, Renderer] = {}
REPORT_FORMATS: dict[str, Renderer] = {}
EVAL_CLUSTER_FORMATS: dict[str, Renderer] = {}
EVAL_ALIGNMENT_FORMATS: dict[str, Renderer] = {}
QUERY_FORMATS: dict[str, Renderer] = {}
STATS_FORMATS: dict[str, Renderer] = {}


R = TypeVar("R", bound=Callable[..., str])


def register(registry: dict[str, Renderer], name: str) -> Callable[[R], R]:
    def decorate(function: R) -> R:
        registry[name] = function
        return function

    return decorate


def _load_all() -> None:
    from . import clusters, diff, html, quality, query, report, stats  # noqa: F401


_load_all()
