"""Property tests on both kernel backends: the compiled kernels and their
plain-Python references (see storydiff.kernels)."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from storydiff import kernels


@contextlib.contextmanager
def kernels_in_use(name: str) -> Iterator[None]:
    before = kernels.active()
    kernels.use(name)
    try:
        yield
    finally:
        kernels.use(before)


def on_both_backends(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` once on each kernel backend (a parameter, not a fixture:
    hypothesis tests may not use function-scoped fixtures)."""

    @functools.wraps(test)
    def run(*args: Any, kernel_backend: str, **kwargs: Any) -> None:
        with kernels_in_use(kernel_backend):
            test(*args, **kwargs)

    signature = inspect.signature(test)
    backend = inspect.Parameter("kernel_backend", inspect.Parameter.KEYWORD_ONLY)
    run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), backend])  # type: ignore[attr-defined]
    parametrised: Callable[..., None] = pytest.mark.parametrize("kernel_backend", list(kernels.BACKENDS))(run)
    return parametrised
