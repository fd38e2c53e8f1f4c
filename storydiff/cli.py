"""The command line: a thin layer over the library.

stdout carries the product; stderr carries progress, warnings and skips.
Exit 0 on success, 2 on trouble; ``diff --exit-code`` also exits 1 when the
versions differ, as diff(1) does.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from . import __version__
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
_OUTLIVING: list[object] | None = None


def outlive(*made: object) -> None:
    """Keep a command's results alive until the process ends, so that
    :func:`run` ends it without freeing them one object at a time."""
    if _OUTLIVING is not None:
        _OUTLIVING.extend(made)


def run() -> None:
    """The ``storydiff`` command: :func:`main`, then an exit that leaves the
    process's memory to the operating system. Freeing the articles, clusters
    and report of 100k articles one object at a time took 0.6 s after the
    output was written (measured); exit handlers still run."""
    global _OUTLIVING
    _OUTLIVING = []
    try:
        main()
        status = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            # as Python's own exit does when stdout is a closed pipe
            status = status or 120
    os._exit(status)


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
        return function(*args, **kwargs)

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


# --- commands ------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storydiff")
def main() -> None:
    """Group news articles into stories and show what changed between versions."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@cluster_options
@input_options
@click.option(
    "--min-versions",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Hide stories with fewer versions (2 hides singletons).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "csv", "json"]), default="table", show_default=True)
@output_option
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Who computes: this process and its workers, or a Dask cluster (same output).",
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster).")
def cluster(
    paths: tuple[str, ...],
    min_jaccard: float,
    min_containment: float,
    num_perm: int,
    shingle_size: int,
    order_by: str,
    workers: int,
    max_article_bytes: int,
    stdin_format: str,
    strict: bool,
    min_versions: int,
    fmt: str,
    output: str | None,
    engine: str,
    scheduler: str | None,
) -> None:
    """Group articles into story clusters, versions oldest first.

    PATHS are files, directories (searched recursively) or - for stdin.

    \b
    Example:
        storydiff cluster seeds/
        storydiff cluster archive/ --min-versions 2 --format json -o stories.json
        storydiff cluster archive/ --engine dask --scheduler tcp://scheduler:8786
    """
    from .cluster import cluster_articles
    from .render import CLUSTER_FORMATS
    from .report import clusters_document
    from .signature import warm_tables

    if scheduler and engine != "dask":
        raise StorydiffError("--scheduler only applies to --engine dask", "add --engine dask, or drop --scheduler")
    params = make_cluster_params(min_jaccard, min_containment, num_perm, shingle_size, order_by, workers)
    # The first clustering stage imports numba, loads its kernels and builds
    # a character table: 1-1.5 s that can pass while the articles load.
    prepare = _ignoring_errors(warm_tables) if engine != "dask" else None
    articles, skipped = load_articles(paths, max_article_bytes, stdin_format, strict, workers, meanwhile=prepare)
    progress = _progress(sys.stderr.isatty() and len(articles) > 2000)
    if engine == "dask":
        from .dask_engine import EngineUnavailable, cluster_with_dask

        try:
            clustering = cluster_with_dask(articles, params, scheduler, progress)
        except EngineUnavailable as exc:
            raise StorydiffError(str(exc), exc.hint or None) from exc
    else:
        with gc_paused(lasting=True):
            clustering = cluster_articles(articles, params, progress=progress)
    # The report document lives until the command ends, like the clusters:
    # collections while it is built would only rescan it (0.25 s at 100k).
    with gc_paused(lasting=True):
        document = clusters_document(clustering, skipped, min_versions)
        text = CLUSTER_FORMATS[fmt](document)
    write_output(text, output, input_paths(articles, skipped))
    outlive(articles, clustering, document)
    multi = sum(1 for c in clustering.clusters if len(c.members) > 1)
    warn(
        f"{len(articles)} article{'s' if len(articles) != 1 else ''}, {len(clustering.clusters)} stor{'ies' if len(clustering.clusters) != 1 else 'y'} ({multi} with several versions)"
    )


@main.command()
@click.argument("old")
@click.argument("new")
@input_options
@click.option("--format", "fmt", type=click.Choice(["terminal", "markdown", "jira", "html", "json"]), default="terminal", show_default=True)
@output_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when the versions differ, 0 when they are equivalent (like diff).")
def diff(
    old: str, new: str, max_article_bytes: int, stdin_format: str, strict: bool, fmt: str, output: str | None, exit_code: bool
) -> None:
    """Align the paragraphs of two versions and show what changed.

    \b
    Example:
        storydiff diff seeds/000_32805d528c66c277.txt seeds/002_672c4604ee927781.txt
        storydiff diff old.html new.html --format markdown -o comment.md
    """
    from .align import align
    from .render import DIFF_FORMATS
    from .render.diff import render_terminal
    from .report import diff_document

    articles, skipped = load_articles([old, new], max_article_bytes, stdin_format, strict, at_least=0)
    if len(articles) != 2:
        unread = f" ({', '.join(s.path for s in skipped)} could not be read, see above)" if skipped else ""
        raise StorydiffError(
            f"diff needs exactly two articles, {old} and {new} gave {len(articles)}{unread}",
            "name one readable article file for OLD and one for NEW",
        )
    alignment = align(articles[0], articles[1])
    document = diff_document(alignment)
    if fmt == "terminal" and output is None:
        color = sys.stdout.isatty() and not _no_color()
        text = render_terminal(document, color=color)
    else:
        text = DIFF_FORMATS[fmt](document)
    write_output(text, output, input_paths(articles, skipped))
    if exit_code and not alignment.equivalent:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output-dir",
    "output_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the reports (created if missing).",
)
@click.option("--formats", default="markdown,html,json", show_default=True, help="Comma-separated: markdown, html, json.")
@cluster_options
@input_options
def report(
    paths: tuple[str, ...],
    output_dir: str,
    formats: str,
    min_jaccard: float,
    min_containment: float,
    num_perm: int,
    shingle_size: int,
    order_by: str,
    workers: int,
    max_article_bytes: int,
    stdin_format: str,
    strict: bool,
) -> None:
    """Cluster PATHS and write one report per story with two or more versions.

    Each report holds the version timeline, the diff of each consecutive pair
    and the lineage of the latest version's paragraphs; index.* lists them.

    \b
    Example:
        storydiff report seeds/ -o reports/
    """
    from .cluster import cluster_articles
    from .render import REPORT_FORMATS
    from .report import story_report

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in REPORT_FORMATS]
    if unknown or not chosen:
        raise StorydiffError(
            f"unknown report format(s): {', '.join(unknown) or formats!r}", f"choose from {', '.join(sorted(REPORT_FORMATS))}"
        )
    params = make_cluster_params(min_jaccard, min_containment, num_perm, shingle_size, order_by, workers)
    articles, skipped = load_articles(paths, max_article_bytes, stdin_format, strict)
    clustering = cluster_articles(articles, params)
    stories = [c for c in clustering.clusters if len(c.members) > 1]
    extensions = {"markdown": "md", "html": "html", "json": "json"}
    index_path = os.path.abspath(os.path.join(output_dir, "index.md"))
    targets = {
        (story.id, fmt): os.path.abspath(os.path.join(output_dir, f"{story.id}.{extensions[fmt]}")) for story in stories for fmt in chosen
    }
    # Checked before anything is written: a refusal leaves the folder as it was.
    clashes = overwritten_inputs([index_path, *targets.values()], input_paths(articles, skipped))
    if clashes:
        raise StorydiffError(f"refusing to overwrite input file {min(clashes)}", "choose another --output-dir")
    index_rows = []
    for story in stories:
        document, diffs = story_report(story)
        for fmt in chosen:
            write_atomic(targets[(story.id, fmt)], REPORT_FORMATS[fmt](document))
        index_rows.append((story, diffs))
    write_atomic(index_path, _index_markdown(index_rows, chosen))
    outlive(articles, clustering, index_rows)
    warn(f"{len(stories)} stor{'ies' if len(stories) != 1 else 'y'} with several versions reported in {output_dir}")


@main.group()
def evaluate() -> None:
    """Measure clustering and alignment against answer keys, beside the baselines."""


def _evaluation_output(function: F) -> F:
    @click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True)
    @output_option
    @click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the full results as JSON to this file.")
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _emit(document: dict[str, Any], registry: dict[str, Any], fmt: str, output: str | None, json_path: str | None) -> None:
    write_output(registry[fmt](document), output)
    if json_path:
        write_atomic(os.path.abspath(json_path), registry["json"](document))


@evaluate.command("clusters")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--answers", type=click.Path(dir_okay=False), help="Answer key (default: DIRECTORY/clusters.json).")
@click.option("--baselines/--no-baselines", default=True, show_default=True, help="Also score datasketch MinHashLSH@0.5.")
@cluster_options
@_evaluation_output
def evaluate_clusters_command(
    directory: str,
    answers: str | None,
    baselines: bool,
    min_jaccard: float,
    min_containment: float,
    num_perm: int,
    shingle_size: int,
    order_by: str,
    workers: int,
    fmt: str,
    output: str | None,
    json_path: str | None,
) -> None:
    """Cluster DIRECTORY and score the grouping against an answer key.

    The key is either a list of lists of "case/file" names (relative to
    cases/) or {story: [file, ...]} (relative to articles/); files it does not
    name are ignored.

    \b
    Example:
        storydiff evaluate clusters ../shared/data/onestopenglish
        storydiff evaluate clusters corpus/articles --answers corpus/clusters.json --json scores.json
    """
    from .evaluate import read_answer_key
    from .quality import evaluate_clusters
    from .render import EVAL_CLUSTER_FORMATS

    answers = answers or os.path.join(directory, "clusters.json")
    try:
        key = read_answer_key(answers)
    except FileNotFoundError as exc:
        raise StorydiffError(f"no answer key at {answers}", "pass --answers FILE") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise StorydiffError(
            f"cannot read answer key {answers}: {exc}", "it must be JSON: [[name, ...], ...] or {story: [name, ...]}"
        ) from exc
    inside = os.path.abspath(key.root).startswith(os.path.abspath(directory) + os.sep)
    paths = [key.root] if inside and os.path.isdir(key.root) else [directory]
    params = make_cluster_params(min_jaccard, min_containment, num_perm, shingle_size, order_by, workers)
    result = evaluate_clusters(paths, key, params, baselines=baselines, dataset=os.path.basename(os.path.abspath(directory)))
    if not result.articles:
        raise StorydiffError(
            f"no file under {directory} is named by {answers}", "point DIRECTORY at the folder the key's names are relative to"
        )
    for skipped in result.skipped:
        warn(f"skipped {skipped.path}: {skipped.reason}")
    _emit(result.as_dict(), EVAL_CLUSTER_FORMATS, fmt, output, json_path)


@evaluate.command("alignment")
@click.argument("gold", type=click.Path(exists=True))
@click.option("--baselines/--no-baselines", default=True, show_default=True, help="Also score difflib with in-order pairing.")
@_evaluation_output
def evaluate_alignment_command(gold: str, baselines: bool, fmt: str, output: str | None, json_path: str | None) -> None:
    """Align every version pair of the gold.json files under GOLD and score the links.

    \b
    Example:
        storydiff evaluate alignment ../shared/data/devgold
    """
    from .quality import evaluate_alignment
    from .render import EVAL_ALIGNMENT_FORMATS

    systems = ("storydiff", "difflib") if baselines else ("storydiff",)
    try:
        result = evaluate_alignment(gold, systems)
    except FileNotFoundError as exc:
        raise StorydiffError(str(exc), "GOLD must be a folder holding cases/*/gold.json, or one gold.json") from exc
    except (ValueError, KeyError) as exc:
        raise StorydiffError(f"cannot use the gold under {gold}: {exc}", "check the gold.json format (see devgold/README.md)") from exc
    _emit(result.as_dict(), EVAL_ALIGNMENT_FORMATS, fmt, output, json_path)


@evaluate.command("edits")
@click.argument("revisions", type=click.Path(exists=True))
@click.option("--baselines/--no-baselines", default=True, show_default=True, help="Also score difflib over whitespace tokens.")
@_evaluation_output
def evaluate_edits_command(revisions: str, baselines: bool, fmt: str, output: str | None, json_path: str | None) -> None:
    """Score the words `diff` marks as changed against human-labelled edit spans.

    REVISIONS is a revisions.jsonl file (IteraTeR's fields: before, after,
    edits with character offsets) or a folder holding one.

    \b
    Example:
        storydiff evaluate edits ../shared/data/iterater-news-dev
    """
    from .quality_edits import evaluate_edits
    from .render import EVAL_EDITS_FORMATS

    systems = ("storydiff", "difflib") if baselines else ("storydiff",)
    try:
        result = evaluate_edits(revisions, systems)
    except FileNotFoundError as exc:
        raise StorydiffError(str(exc), "REVISIONS must be a revisions.jsonl file or a folder holding one") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise StorydiffError(
            f"cannot use the revisions at {revisions}: {exc}", "each line needs before, after and edits[{type, start, end, after}]"
        ) from exc
    _emit(result.as_dict(), EVAL_EDITS_FORMATS, fmt, output, json_path)


def _index_markdown(rows: list[tuple[Any, list[dict[str, Any]]]], formats: list[str]) -> str:
    from tabulate import tabulate

    from .render.markdown_text import escape

    extension = {"markdown": "md", "html": "html", "json": "json"}
    table = [
        [
            " ".join(f"[{fmt}]({story.id}.{extension[fmt]})" for fmt in formats),
            escape(story.label),
            str(len(story.members)),
            story.order_source,
            str(sum(d["summary"]["silent_substantive_edits"] for d in diffs)),
        ]
        for story, diffs in rows
    ]
    return (
        "# storydiff reports\n\n"
        + tabulate(table, headers=["report", "story", "versions", "order", "silent edits"], tablefmt="github")
        + "\n"
    )


from .cli_index import index  # noqa: E402  (the index commands use the helpers above)

main.add_command(index)
