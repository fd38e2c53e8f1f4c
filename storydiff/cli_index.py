"""``storydiff index …``: the archive index commands, a thin layer over
:mod:`storydiff.archive`."""

from __future__ import annotations

import functools
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from .cli_common import StorydiffError, _no_color, input_options, input_paths, load_articles, make_cluster_params, warn, write_output
from .render.markdown_text import visible
from .store import DEFAULT_INDEX, IndexUnavailable

F = TypeVar("F", bound=Callable[..., Any])


def index_option(function: F) -> F:
    return click.option(
        "--index",
        "location",
        default=DEFAULT_INDEX,
        show_default=True,
        envvar="STORYDIFF_INDEX",
        help="Index file (SQLite) or postgresql://user@host/db; also $STORYDIFF_INDEX.",
    )(function)


def _build_options(function: F) -> F:
    """Parameters fixed when an index is created; later runs may leave them out."""

    @click.option("--min-jaccard", type=click.FloatRange(0, 1), help="Link threshold on Jaccard (default 0.3).")
    @click.option("--min-containment", type=click.FloatRange(0, 1), help="Link threshold on containment (default 0.25).")
    @click.option("--num-perm", type=click.IntRange(8, 1024), help="MinHash permutations (default 128).")
    @click.option("--shingle-size", type=click.IntRange(1, 12), help="Words per shingle (default 5).")
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened(location: str, params: Any = None, *, create: bool = False, workers: int = 1) -> Iterator[Any]:
    """The archive at ``location``; any database error on the way is one line and exit 2."""
    from .archive import Archive

    try:
        with Archive.open(location, params, create=create, workers=workers) as archive:
            yield archive
    except IndexUnavailable as exc:
        raise StorydiffError(str(exc), exc.hint or None) from exc
    except Exception as exc:
        if not _database_error(exc):
            raise
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StorydiffError(
            f"index {location} cannot be read: {first}",
            f"run storydiff index check --index {location}; restore it from a backup, or rebuild it with storydiff index add",
        ) from exc


def _database_error(exc: BaseException) -> bool:
    """An error from the database layer (sqlite3, psycopg), whatever its class."""
    return type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg", "psycopg2")


def _params(min_jaccard: float | None, min_containment: float | None, num_perm: int | None, shingle_size: int | None) -> Any:
    if min_jaccard is None and min_containment is None and num_perm is None and shingle_size is None:
        return None

    return make_cluster_params(
        0.3 if min_jaccard is None else min_jaccard,
        0.25 if min_containment is None else min_containment,
        num_perm or 128,
        shingle_size or 5,
        "time",
        0,
    )


def counted(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w|mo|y)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 30 * 86400, "y": 365 * 86400}


def parse_duration(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise click.BadParameter(
            f"{text!r} is not a duration (a number and s, m, h, d, w, mo or y: 30d, 12h, 1y)", param_hint="--older-than"
        )
    return float(match.group(1)) * _SECONDS[match.group(2)]


@click.group()
def index() -> None:
    """A persistent archive index: add articles as they are published, ask which story one belongs to.

    \b
    Example:
        storydiff index add seeds/
        storydiff index query new-version.html
        storydiff index stories --min-versions 2
    """


@index.command("add")
@click.argument("paths", nargs=-1, required=True)
@index_option
@_build_options
@input_options
@click.option("--batch-size", type=click.IntRange(1, 1_000_000), default=5000, show_default=True, help="Articles per transaction.")
def add_command(
    paths: tuple[str, ...],
    location: str,
    min_jaccard: float | None,
    min_containment: float | None,
    num_perm: int | None,
    shingle_size: int | None,
    max_article_bytes: int,
    stdin_format: str,
    strict: bool,
    batch_size: int,
) -> None:
    """Store articles and place each in its story (the index is created if missing).

    The same text twice changes nothing; a new version joins its story.
    """
    params = _params(min_jaccard, min_containment, num_perm, shingle_size)
    articles, _ = load_articles(paths, max_article_bytes, stdin_format, strict)
    with opened(location, params, create=True, workers=0) as archive:
        progress = None
        if sys.stderr.isatty() and len(articles) > batch_size:

            def progress(done: int, total: int) -> None:
                click.echo(f"storydiff: indexed {done:,} of {total:,}…", err=True)

        result = archive.add(articles, now=time.time(), batch_size=batch_size, progress=progress)
        stats = archive.stats()
    shown = result.duplicates if len(result.duplicates) <= 10 else result.duplicates[:3]
    for given, stored in shown:
        warn(f"already indexed: {given}" + ("" if given == stored else f" (same text as {stored})"))
    if len(shown) < len(result.duplicates):
        warn(f"… and {len(result.duplicates) - len(shown):,} more already indexed")
    sighted = f", {counted(len(result.sightings), 'copy', 'copies')} of stored texts kept as sightings" if result.sightings else ""
    held = f" and {counted(stats['sightings'], 'sighting')}" if stats["sightings"] else ""
    click.echo(
        f"added {counted(len(result.added), 'article')}{sighted}, {len(result.duplicates):,} already indexed; "
        f"{location} holds {counted(stats['articles'], 'article')}{held} in {counted(stats['stories'], 'story', 'stories')}"
    )


@index.command("query")
@click.argument("article")
@index_option
@input_options
@click.option("--format", "fmt", type=click.Choice(["terminal", "markdown", "json"]), default="terminal", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
def query_command(
    article: str, location: str, max_article_bytes: int, stdin_format: str, strict: bool, fmt: str, output: str | None
) -> None:
    """Which stored story ARTICLE belongs to, and what changed since its latest version; adds nothing."""
    from .render import QUERY_FORMATS
    from .render.query import render_query_terminal
    from .report import query_document

    articles, skipped = load_articles([article], max_article_bytes, stdin_format, True)
    if len(articles) != 1:
        raise StorydiffError(f"query needs one article, {article} gave {len(articles)}", "name one article file (or one feed line via -)")
    with opened(location) as archive:
        result = archive.query(articles[0])
    document = query_document(articles[0], result)
    if fmt == "terminal" and output is None:
        text = render_query_terminal(document, color=sys.stdout.isatty() and not _no_color())
    else:
        text = QUERY_FORMATS[fmt](document)
    write_output(text, output, input_paths(articles, skipped))


@index.command("stories")
@index_option
@click.option("--min-versions", type=click.IntRange(min=1), default=1, show_default=True, help="Hide stories with fewer versions.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "csv", "json"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
def stories_command(location: str, min_versions: int, fmt: str, output: str | None) -> None:
    """Every stored story, versions oldest first (the same grouping as `storydiff cluster`)."""
    from .render import CLUSTER_FORMATS
    from .report import clusters_document

    with opened(location) as archive:
        _whole(archive, location)
        clustering = archive.stories()
    write_output(CLUSTER_FORMATS[fmt](clusters_document(clustering, (), min_versions)), output)


@index.command("show")
@click.argument("story")
@index_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
def show_command(story: str, location: str, fmt: str, output: str | None) -> None:
    """The report of one STORY (an id from `storydiff index stories`)."""
    from .render import REPORT_FORMATS
    from .report import story_report

    with opened(location) as archive:
        cluster = archive.story(story)
        if cluster is None:
            ids = archive.story_ids(story) if len(story) >= 4 else []
            if len(ids) == 1:
                cluster = archive.story(ids[0])
            elif len(ids) > 1:
                raise StorydiffError(f"{story} names {len(ids)} stories", "give more of the story id (storydiff index stories lists them)")
    if cluster is None:
        raise StorydiffError(f"no story {story} in {location}", "list the story ids with: storydiff index stories")
    document, _ = story_report(cluster)
    write_output(REPORT_FORMATS[fmt](document), output)


def _dry_run_option(function: F) -> F:
    return click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")(function)


def _list_removal(articles: list[Any], verb: str) -> None:
    for article in articles:
        click.echo(f"would {verb} {article.id} {visible(article.path)}")
    click.echo(f"would {verb} {counted(len(articles), 'article')} (dry run: nothing changed)")


@index.command("remove")
@click.argument("articles", nargs=-1, required=True)
@index_option
@_dry_run_option
def remove_command(articles: tuple[str, ...], location: str, dry_run: bool) -> None:
    """Remove ARTICLES (ids, id prefixes of 6+ characters, or stored paths); their stories are regrouped.

    A text met at several paths is stored once with its sightings: an id names
    the text and removes every copy; a path removes that copy alone."""
    from .archive import MIN_ID_PREFIX

    with opened(location) as archive:
        docs: list[int] = []
        sightings: list[str] = []
        for reference in articles:
            if archive.copies_at(reference):
                sightings.append(reference)
                continue
            found = archive.find(reference)
            if not found and len(reference) < MIN_ID_PREFIX and re.fullmatch(r"[0-9a-f]+", reference):
                raise StorydiffError(
                    f"{reference} is too short: an id prefix needs {MIN_ID_PREFIX} characters or more",
                    "give more of the id (storydiff index stories --format csv lists them)",
                )
            if not found:
                raise StorydiffError(f"no article {reference} in {location}", "use an id or path from: storydiff index stories")
            if len(found) > 1:
                raise StorydiffError(
                    f"{reference} names {len(found)} articles", "give the full id (storydiff index stories --format csv lists them)"
                )
            docs += found
        if dry_run:
            _list_removal(archive.described(sorted(set(docs))), "remove")
            for path in sightings:
                click.echo(f"would remove the copy at {visible(path)} (its text stays under its other paths)")
            return
        removed = archive.remove(sorted(set(docs)))
        archive.remove_copies(sightings)
    click.echo(f"removed {counted(len(removed), 'article')}" + (f" and {counted(len(sightings), 'copy', 'copies')}" if sightings else ""))


@index.command("evict")
@index_option
@click.option("--older-than", "older_than", required=True, help="Age such as 30d, 12h, 2w, 6mo or 1y (published time, else ingest time).")
@_dry_run_option
def evict_command(location: str, older_than: str, dry_run: bool) -> None:
    """Drop articles older than a rolling window, as a live desk keeps it."""
    cutoff = time.time() - parse_duration(older_than)
    with opened(location) as archive:
        if dry_run:
            _list_removal(archive.described(archive.evictable(cutoff)), "evict")
            return
        removed = archive.evict(cutoff)
    click.echo(f"evicted {counted(len(removed), 'article')} older than {older_than}")


@index.command("check")
@index_option
def check_command(location: str) -> None:
    """Run the database's integrity check on the index and say what to do."""
    try:
        with opened(location) as archive:
            problems = archive.check()
            backend = type(archive.store).__name__
    except StorydiffError as exc:
        if "cannot be read" not in exc.message:
            raise
        problems, backend = [exc.message.splitlines()[0].split("cannot be read: ", 1)[-1]], "SQLite"
    if problems:
        _damaged(location, problems)
    how = "SQLite integrity_check" if backend.startswith("SQLite") else "every table read (PostgreSQL keeps page checksums itself)"
    click.echo(f"{location}: ok ({how})")


@index.command("stats")
@index_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats_command(location: str, fmt: str) -> None:
    """Size, counts and parameters of the index."""
    from .render import STATS_FORMATS

    with opened(location) as archive:
        _whole(archive, location)
        stats = archive.stats()
    click.echo(STATS_FORMATS[fmt](stats), nl=False)


def _whole(archive: Any, location: str) -> None:
    """Commands that read the whole index first make sure it is whole (SQLite's quick_check)."""
    problems = archive.check(quick=True)
    if problems:
        _damaged(location, problems)


def _damaged(location: str, problems: list[str]) -> None:
    for problem in problems:
        warn(f"{location}: {problem}")
    raise StorydiffError(
        f"index {location} is damaged ({counted(len(problems), 'problem')} found)",
        "restore it from a backup, or rebuild it: storydiff index add ARTICLES... --index NEW.db",
    )
