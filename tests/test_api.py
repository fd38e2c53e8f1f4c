"""The library as the README shows it: the public names and the doctest of its "Python API" section."""

from __future__ import annotations

import doctest
import importlib

import pytest
from conftest import REPO

import storydiff


def test_every_public_name_resolves_and_nothing_else_does() -> None:
    assert storydiff.__all__ == ["__version__", *sorted(storydiff._EXPORTS, key=lambda n: (n[0].islower(), n))]
    for name in storydiff.__all__:
        assert getattr(storydiff, name) is not None, name
    with pytest.raises(AttributeError):
        storydiff.no_such_name  # noqa: B018


def test_the_lazy_names_are_the_stage_modules_own_objects() -> None:
    assert storydiff.diff is importlib.import_module("storydiff.align").align
    assert storydiff.Archive is importlib.import_module("storydiff.archive").Archive


def test_the_readme_python_api_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    failures, tried = doctest.testfile(str(REPO / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert tried >= 10 and failures == 0
