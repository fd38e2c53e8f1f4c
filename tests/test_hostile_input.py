"""Bad input beside good articles: each case gets one clear line on stderr
naming the file, and the good articles are still clustered. Cases that used to
hang run in a subprocess with a time limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from storydiff.cli import main
from storydiff.corpus import decode

pytestmark = pytest.mark.slow

LIMIT = 120  # seconds a case may take, numba's first compile included


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    return folder


def _cluster(folder: Path) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "storydiff", "cluster", str(folder), "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        cwd=folder.parent,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def _both_seeds_clustered(stdout: str) -> None:
    rows = [line for line in stdout.splitlines()[1:] if line]
    assert len(rows) == 2 and len({row.split(",")[0] for row in rows}) == 1, stdout


def test_deep_json_is_skipped_and_the_seeds_still_cluster(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "deep.json").write_text("[" * 1000 + "]" * 1000)
    code, out, err = _cluster(folder)
    assert code == 0
    _both_seeds_clustered(out)
    assert "deep.json: nested too deeply" in err


def test_deep_json_line_in_a_feed_skips_that_line_only(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    seeds = sorted(SEEDS.iterdir())
    import json

    lines = [json.dumps({"headline": p.name, "body": p.read_text()}) for p in seeds]
    (folder / "feed.jsonl").write_text(lines[0] + "\n" + "[" * 1000 + "]" * 1000 + "\n" + lines[1] + "\n")
    code, out, err = _cluster(folder)
    assert code == 0
    _both_seeds_clustered(out)
    assert "feed.jsonl:2: nested too deeply" in err


@pytest.mark.parametrize("value", ["2024-13-45", "2024-02-30T25:61:00Z"])
def test_impossible_front_matter_date_skips_that_file_with_a_hint(tmp_path: Path, value: str) -> None:
    folder = _folder(tmp_path)
    (folder / "dated.md").write_text(f"---\npublished: {value}\n---\n\n# Title\n\nSome text of an article here.\n")
    code, out, err = _cluster(folder)
    assert code == 0
    _both_seeds_clustered(out)
    assert f"dated.md: front matter published: '{value}' is not a date" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_not_opened(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    os.mkfifo(folder / "p.txt")
    code, out, err = _cluster(folder)
    assert code == 0
    _both_seeds_clustered(out)
    assert "p.txt: not a regular file" in err
    result = subprocess.run(
        [sys.executable, "-m", "storydiff", "cluster", str(folder / "p.txt")], capture_output=True, text=True, timeout=LIMIT
    )
    assert result.returncode == 2 and "not a regular file" in result.stderr


def test_directory_symlink_loops_are_read_once(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "a").symlink_to(".")
    (folder / "b").symlink_to(".")
    code, out, err = _cluster(folder)
    assert code == 0
    _both_seeds_clustered(out)
    assert "a folder already read" in err


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
    (folder / "bomb.md").write_text("---\n" + "\n".join(bomb) + "\n---\n\nSome text of an article here.\n")
    code, out, err = _cluster(folder)
    assert code == 0
    _both_seeds_clustered(out)
    assert "bomb.md: YAML front matter uses 72 aliases" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_subfolder_is_skipped_alone(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        code, out, err = _cluster(folder)
    finally:
        locked.chmod(0o755)
    assert code == 0
    _both_seeds_clustered(out)
    assert "locked: cannot list directory" in err


def test_unreadable_subfolder_message_names_that_folder(tmp_path: Path, monkeypatch) -> None:
    """The walk's own handling, whoever runs it: listing one folder fails, the others are read."""
    from storydiff import corpus
    from storydiff.corpus import paths as corpus_paths

    folder = _folder(tmp_path)
    (folder / "locked").mkdir()
    real = os.listdir

    def listdir(path):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(corpus_paths.os, "listdir", listdir)
    events = list(corpus.iter_load([str(folder)]))
    assert [e.path.rsplit("/", 1)[-1] for e in events if isinstance(e, corpus.Skipped)] == ["locked"]
    assert sum(isinstance(e, corpus.Article) for e in events) == 2


def test_nearly_utf8_file_stays_utf8_with_the_bad_bytes_counted() -> None:
    text = "The naïve café charged £4 for a crème brûlée – “outrageous”, said Zoë. " * 20
    data = text.encode()
    damaged = data[:100] + b"\xff\xfe\x80" + data[100:400] + b"\xc3" + data[400:]
    decoded, warning = decode(damaged)
    assert decoded.count("£") == 20 and "¬" not in decoded and "‚Äô" not in decoded
    assert warning and warning.startswith("4 bytes not valid UTF-8")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_western_text_is_read_as_cp1252_not_its_neighbours(encoding: str) -> None:
    text = "El niño comió piñas en Málaga; ¿Qué pasó? «Sí», dijo José Núñez, naïve. " * 6
    decoded, warning = decode(text.encode(encoding))
    assert decoded == text and "cp1252" in (warning or "")


def test_diff_of_an_unreadable_file_does_not_mention_strict(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = CliRunner().invoke(main, ["diff", str(empty), str(SEEDS / "000_32805d528c66c277.txt")])
    assert result.exit_code == 2
    assert "--strict" not in result.output
    assert "empty.txt could not be read" in result.output


def test_feed_line_error_names_the_column_not_line_one(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"headline": "a", "body": "x y z"}\n{"headline": oops}\n')
    result = CliRunner().invoke(main, ["cluster", str(feed)])
    assert "feed.jsonl:2: malformed JSON at column 14" in result.output
    assert "line 1 column" not in result.output


def _old_seed_paragraphs() -> list[str]:
    old = sorted(SEEDS.iterdir())[0].read_text(encoding="utf-8")
    return [p.strip() for p in old.split("\n\n") if p.strip()]


@pytest.mark.parametrize(
    "name, text",
    [
        # libxml2 (and so trafilatura) drops whatever lies deeper than 256 elements.
        ("deep.html", lambda ps: "<html><body>" + "<div>" * 600 + "".join(f"<p>{p}</p>" for p in ps) + "</div>" * 600 + "</body></html>"),
        # markdown-it stops at 20 levels and drops the rest of the file.
        ("deep.md", lambda ps: "\n\n".join("> " * 200 + p for p in ps)),
        ("deeplist.md", lambda ps: "\n".join("  " * i + "- item" for i in range(300)) + "\n\n" + "\n\n".join(ps)),
    ],
)
def test_deeply_nested_markdown_or_html_around_an_article_is_read(tmp_path: Path, name: str, text) -> None:
    folder = _folder(tmp_path)
    (folder / name).write_text(text(_old_seed_paragraphs()), encoding="utf-8")
    code, out, err = _cluster(folder)
    assert code == 0 and err.count("\n") == 1, err  # the summary line only: nothing skipped
    rows = [line for line in out.splitlines()[1:] if line]
    assert len(rows) == 3 and len({row.split(",")[0] for row in rows}) == 1, out


#: The hostile corpus: every bad input in one table, each run through the
#: command line beside the two seeds with a time limit. (name, bytes, what the
#: one stderr line must say). Cases needing a pipe, a link or permissions are above.
HOSTILE_CORPUS = [
    ("deep.json", b"[" * 1000 + b"]" * 1000, "nested too deeply"),
    ("deep-object.json", b'{"a":' * 5000 + b"1" + b"}" * 5000, "nested too deeply"),
    ("dated.md", b"---\npublished: 2024-13-45\n---\nSome words of a body here.\n", "is not a date"),
    ("hour.md", b"---\npublished: 2024-02-30T25:61:00Z\n---\nSome words of a body here.\n", "is not a date"),
    (
        "bomb.md",
        b"---\na: &a [x,x,x,x,x,x,x,x,x]\n"
        + b"".join(b"%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n" % ((c,) * 2 + (c - 1,) * 9) for c in range(ord("b"), ord("j")))
        + b"---\nBody words here.\n",
        "aliases",
    ),
    ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 50, "binary file"),
    ("empty.txt", b"", "empty file"),
    ("blank.md", b"   \n\n  ", "empty file"),
    ("bad.json", b'{"headline": "x", ', "malformed JSON"),
    ("list.json", b"[[1, 2], [3]]", "not of article objects"),
    ("nobody.json", b'{"headline": "x"}', "no article text"),
    ("broken.html", b"<html><body><div><<<>>></div>", "no article text found"),
    ("front.md", b"---\nheadline: [unclosed\n---\nBody text.\n", "malformed YAML"),
    ("huge.txt", b"word " * 2_200_000, "over --max-article-bytes"),
    ("nul.html", b"<html>\x00\x00\x00<body>" + b"\x00" * 4000, "binary file"),
    ("bad-line.jsonl", b'{"headline": "a", "body": "Some words of a body."}\n{"headline": \n', "malformed JSON"),
]


@pytest.mark.parametrize("name, content, expected", HOSTILE_CORPUS, ids=[case[0] for case in HOSTILE_CORPUS])
def test_hostile_corpus_case_beside_the_seeds(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    folder = _folder(tmp_path)
    (folder / name).write_bytes(content)
    code, out, err = _cluster(folder)
    assert code == 0, err
    named = [line for line in err.splitlines() if name in line]
    assert named and expected in named[0], err
    rows = [line for line in out.splitlines()[1:] if line]
    seeds = [row for row in rows if "000_" in row or "002_" in row]
    assert len(seeds) == 2 and len({row.split(",")[0] for row in seeds}) == 1, out
