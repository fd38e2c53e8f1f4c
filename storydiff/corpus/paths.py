"""Discovery: which files a path names, in natural order, each real folder once."""

from __future__ import annotations

import itertools
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from ..model import LoadWarning, Skipped
from .base import _EXTENSIONS, NOT_REGULAR

_DIGIT_RUNS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``2_`` before ``10_``."""
    # split() with a group puts the digit runs at the odd places. Asking
    # isdigit() instead took "²" for a number, which int() refuses.
    parts = _DIGIT_RUNS.split(name)
    return tuple((0, int(part)) if odd else (1, part.lower()) for odd, part in zip(itertools.cycle((False, True)), parts) if part)


def format_of(path: str) -> str | None:
    return _EXTENSIONS.get(os.path.splitext(path)[1].lower())


def _walk(root: str, seen: set[tuple[int, int]] | None = None) -> Iterator[str | Skipped | LoadWarning]:
    """Files below a directory, natural order, hidden entries skipped.

    Symbolic links are followed, each real directory once: a link back up
    the tree (``ln -s . loop``) is named and left. A folder that cannot be
    listed is skipped alone, and a named pipe, socket or device is never
    opened (reading a pipe would wait for a writer forever)."""
    seen = set() if seen is None else seen
    try:
        identity = os.stat(root)
        seen.add((identity.st_dev, identity.st_ino))
        entries = sorted(os.listdir(root), key=natural_key)
    except OSError as exc:
        yield Skipped(_display(root), f"cannot list directory: {exc.strerror or exc}; check its permissions")
        return
    for name in entries:
        if name.startswith("."):
            continue
        full = os.path.join(root, name)
        try:
            info = os.stat(full)
        except OSError as exc:
            if format_of(name) is not None or os.path.islink(full):
                yield Skipped(_display(full), f"cannot read: {exc.strerror or exc} (a broken or looping link?)")
            continue
        if stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) in seen:
                yield LoadWarning(_display(full), "a link to a folder already read (a loop or a second path to it); not read again")
                continue
            yield from _walk(full, seen)
        elif format_of(name) is not None:
            yield full if stat.S_ISREG(info.st_mode) else Skipped(_display(full), NOT_REGULAR)


def _display(path: str) -> str:
    return path.replace(os.sep, "/")


def display_path(path: Path | str) -> str:
    return _display(str(path))
