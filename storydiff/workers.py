"""Process and thread pools for the stages that use every core.

``forked_map`` hands workers large read-only state (articles, shingle
arrays) by inheritance through fork(), so only the small jobs and results
are pickled; where fork() is missing it runs in this process instead.
``threaded_map`` serves compiled kernels that release the GIL, which share
everything without pickling at all. ``gc_paused`` serves the stages that
make objects in bulk.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

S = TypeVar("S")
J = TypeVar("J")
R = TypeVar("R")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def process_pool(workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("fork" if can_fork() else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


#: (function, shared state) for the workers of the forked_map in progress.
_INHERITED: list[tuple[Callable[[Any, Any], Any], Any]] = []


def _run_inherited(job: Any) -> Any:
    function, shared = _INHERITED[0]
    return function(shared, job)


def forked_map(function: Callable[[S, J], R], shared: S, jobs: Sequence[J], workers: int) -> list[R]:
    """``[function(shared, job) for job in jobs]``, on ``workers`` forked
    processes when there is more than one job to share out."""
    if workers <= 1 or len(jobs) <= 1 or not can_fork():
        return [function(shared, job) for job in jobs]
    _INHERITED[:] = [(function, shared)]
    try:
        with process_pool(workers) as pool:
            return list(pool.map(_run_inherited, jobs))
    finally:
        _INHERITED.clear()


def threaded_map(function: Callable[[J], R], jobs: Iterable[J], workers: int) -> list[R]:
    """``[function(job) for job in jobs]`` on ``workers`` threads: for
    functions that spend their time in code that releases the GIL."""
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [function(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, jobs))


@contextlib.contextmanager
def gc_paused(*, lasting: bool = False) -> Iterator[None]:
    """No cycle collection inside the block: for stages that make objects in
    bulk (articles, edges, clusters) and no reference cycles, where each pass
    only rescans what was just made. At 100k articles the passes took 2.7 s
    of the main process, most of it in its serial parts (measured).

    Afterwards the first collection scans everything the block made, once
    (0.4 s after clustering 100k articles). With ``lasting``, what the block
    made lives until the process ends (a command's corpus and clusters), so it
    is frozen out of all later collections instead; forked workers then also
    stop copying the pages those scans would touch."""
    if not gc.isenabled():
        yield
        if lasting:
            gc.freeze()
        return
    gc.disable()
    try:
        yield
        if lasting:
            gc.freeze()
    finally:
        gc.enable()
