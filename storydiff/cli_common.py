"""What every command shares: options, loading, output and errors (the CLI's
common layer; :mod:`storydiff.cli` and :mod:`storydiff.cli_index` build on it)."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from .corpus import DEFAULT_MAX_ARTICLE_BYTES, FORMATS, LoadOptions, iter_load
from .model import Article, LoadWarning, Skipped
from .render.markdown_text import visible
from .workers import gc_paused

F = TypeVar("F", bound=Callable[..., Any])


class StorydiffError(click.ClickException):
    """A user-facing error: one line, a hint, exit status 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message + (f"\nHint: {hint}" if hint else ""))

    def show(self, file: Any = None) -> None:
        click.echo(f"storydiff: error: {visible(self.format_message())}", err=True)


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def warn(message: str) -> None:
    click.echo(f"storydiff: {visible(message)}", err=True)


#: What the command made, kept until the process ends, when :func:`run`
#: started it (None under CliRunner, whose process goes on).
# --- shared options -----------------------------------------------------------


def input_options(function: F) -> F:
    @click.option(
        "--max-article-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_ARTICLE_BYTES,
        show_default=True,
        help="Skip a single article larger than this (a JSONL feed may be larger).",
    )
    @click.option(
        "--stdin-format", type=click.Choice(FORMATS), default="txt", show_default=True, help="Format of an article read from '-'."
    )
    @click.option("--strict", is_flag=True, help="Exit with status 2 if any input was skipped.")
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def cluster_options(function: F) -> F:
    """The clustering options, given to the command as one ``params: ClusterParams``."""

    @click.option(
        "--min-jaccard",
        type=click.FloatRange(0, 1),
        default=0.3,
        show_default=True,
        help="Link two articles sharing this share of all their shingles...",
    )
    @click.option(
        "--min-containment",
        type=click.FloatRange(0, 1),
        default=0.25,
        show_default=True,
        help="...or this share of the shorter article's shingles.",
    )
    @click.option("--num-perm", type=click.IntRange(8, 1024), default=128, show_default=True, help="MinHash permutations (even).")
    @click.option("--shingle-size", type=click.IntRange(1, 12), default=5, show_default=True, help="Words per shingle.")
    @click.option(
        "--order-by",
        type=click.Choice(["time", "name", "given"]),
        default="time",
        show_default=True,
        help="Version order: modified/published time then file name; file name; or command-line order.",
    )
    @click.option("--workers", type=click.IntRange(0, 64), default=0, help="Processes for signatures (0: one per core, at most 2).")
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # The command receives one checked ClusterParams as ``params``.
        chosen = [kwargs.pop(name) for name in ("min_jaccard", "min_containment", "num_perm", "shingle_size", "order_by", "workers")]
        return function(*args, params=make_cluster_params(*chosen), **kwargs)

    return wrapper  # type: ignore[return-value]


def output_option(function: F) -> F:
    return click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")(
        function
    )


# --- helpers -------------------------------------------------------------------


def _ignoring_errors(work: Callable[[], None]) -> Callable[[], None]:
    """``work`` for a helper thread: on failure the stage that needs it
    does it again, and reports the error there as the user's error."""

    def run() -> None:
        with contextlib.suppress(Exception):
            work()

    return run


def load_articles(
    paths: Sequence[str],
    max_article_bytes: int,
    stdin_format: str,
    strict: bool,
    workers: int = 1,
    meanwhile: Callable[[], None] | None = None,
    at_least: int = 1,
) -> tuple[list[Article], list[Skipped]]:
    """Load inputs, telling stderr about every skip and warning as it happens.

    ``meanwhile`` runs on a thread while the loading goes on, for set-up the
    next stage needs (this process mostly waits for its loading workers).
    It starts with the first article, when any worker processes have been
    forked: a fork while another thread holds a lock would hand the child
    that lock, locked."""
    from .signature import default_workers

    articles: list[Article] = []
    skipped: list[Skipped] = []
    options = LoadOptions(max_article_bytes=max_article_bytes, stdin_format=stdin_format, workers=workers or default_workers())
    helper: threading.Thread | None = None
    # The articles live until the command ends.
    with gc_paused(lasting=True):
        for event in iter_load(paths, options):
            if isinstance(event, Article):
                if meanwhile is not None and helper is None:
                    helper = threading.Thread(target=meanwhile, name="storydiff-meanwhile", daemon=True)
                    helper.start()
                articles.append(event)
            elif isinstance(event, Skipped):
                skipped.append(event)
                warn(f"skipped {event.path}: {event.reason}")
            elif isinstance(event, LoadWarning):
                warn(f"warning: {event.path}: {event.message}")
    if helper is not None:
        helper.join()
    if skipped:
        warn(f"{len(skipped)} input{'s' if len(skipped) != 1 else ''} skipped, {len(articles)} loaded")
        if strict:
            raise StorydiffError(
                f"{len(skipped)} input(s) skipped and --strict is set", "fix or remove the files named above, or drop --strict"
            )
    if len(articles) < at_least:
        raise StorydiffError("no articles loaded", "pass .txt, .md, .html, .json or .jsonl files, or directories holding them")
    return articles, skipped


def input_paths(articles: Sequence[Article], skipped: Sequence[Skipped] = ()) -> list[str]:
    """Every input as the loader names it: a file, "-" for stdin, or a feed
    line as its file followed by ":line"."""
    return [a.path for a in articles] + [s.path for s in skipped]


def overwritten_inputs(targets: Iterable[str], inputs: Sequence[str]) -> set[str]:
    """The ``targets`` (absolute paths) that are input files (``inputs`` as
    :func:`input_paths` gives them; a feed line stands for its file). Only
    inputs named like a target are looked up on disk: looking up every line
    of a 100k-line feed took 0.5 s."""
    wanted = set(targets)
    names = {os.path.basename(target) for target in wanted}
    found = set()
    for path in inputs:
        for file in (path, path.rsplit(":", 1)[0]):
            if file != "-" and file.rpartition("/")[2] in names and os.path.exists(file) and os.path.abspath(file) in wanted:
                found.add(os.path.abspath(file))
    return found


def write_output(text: str, output: str | None, inputs: Sequence[str] = ()) -> None:
    """stdout, or a file replaced atomically; never one of the ``inputs``
    (see :func:`input_paths`)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = os.path.abspath(output)
    if overwritten_inputs([target], inputs):
        raise StorydiffError(f"refusing to overwrite input file {output}", "choose another --output path")
    write_atomic(target, text)


def write_atomic(target: str, text: str) -> None:
    directory = os.path.dirname(target) or "."
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".storydiff-", dir=directory)
        # mkstemp makes the file 0600; a report is for a desk's shared folder, so it gets what open() would give
        os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        raise StorydiffError(f"cannot write {target}: {exc.strerror or exc}", "check the directory exists and is writable") from exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _progress(enabled: bool) -> Callable[[str, int, int], None] | None:
    if not enabled:
        return None

    def report(stage: str, done: int, total: int) -> None:
        click.echo(f"storydiff: {stage} ({total:,})…", err=True)

    return report


def make_cluster_params(min_jaccard: float, min_containment: float, num_perm: int, shingle_size: int, order_by: str, workers: int) -> Any:
    from .cluster import ClusterParams
    from .signature import SignatureParams

    if num_perm % 2:
        raise StorydiffError(f"--num-perm must be even, got {num_perm}")
    bands = num_perm // 2
    try:
        return ClusterParams(
            signature=SignatureParams(num_perm=num_perm, shingle_size=shingle_size),
            min_jaccard=min_jaccard,
            min_containment=min_containment,
            bands=bands,
            order_by=order_by,
            workers=workers,
        )
    except ValueError as exc:
        raise StorydiffError(str(exc)) from exc
