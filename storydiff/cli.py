"""The command line: a thin layer over the library.

stdout carries the product; stderr carries progress, warnings and skips.
Exit 0 on success, 2 on trouble; ``diff --exit-code`` also exits 1 when the
versions differ, as diff(1) does.
"""

from __future__ import annotations

import atexit
import functools
import os
import sys
from typing import Any

import click

from . import __version__, kernels
from .cli_common import (
    F,
    StorydiffError,
    _ignoring_errors,
    _no_color,
    _progress,
    cluster_options,
    input_options,
    input_paths,
    load_articles,
    output_option,
    overwritten_inputs,
    warn,
    write_atomic,
    write_output,
)
from .cli_index import index
from .workers import gc_paused

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


# --- commands ------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storydiff")
def main() -> None:
    """Group news articles into stories and show what changed between versions."""
    try:
        kernels.backend_from_environment()
    except ValueError as exc:
        raise StorydiffError(str(exc), "unset STORYDIFF_KERNELS, or set it to numba (fast) or python (the references)") from None


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
    params: Any,
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
    # The first clustering stage imports numba, loads its kernels and builds
    # a character table: 1-1.5 s that can pass while the articles load.
    prepare = _ignoring_errors(warm_tables) if engine != "dask" else None
    articles, skipped = load_articles(paths, max_article_bytes, stdin_format, strict, params.workers, meanwhile=prepare)
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
    params: Any,
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
    params: Any,
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


main.add_command(index)
