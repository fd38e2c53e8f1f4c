from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES, REPO

from storydiff.cli import main


def run(*args: str, input: str | None = None):
    runner = CliRunner()
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_cluster_seeds_table_exact(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = run("cluster", "seeds/")
    assert result.exit_code == 0
    assert result.stdout == (FIXTURES / "seeds-cluster.txt").read_text(encoding="utf-8")
    assert result.stderr == "storydiff: 2 articles, 1 story (1 with several versions)\n"


def test_cluster_json_contract(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    document = json.loads(run("cluster", "seeds/", "--format", "json").stdout)
    assert document["schema"] == "storydiff.clusters/1"
    assert {"num_perm", "seed", "scheme", "shingle_size", "min_jaccard", "min_containment"} <= set(document["params"])
    (cluster,) = document["clusters"]
    assert set(cluster) == {"id", "label", "order_source", "articles"}
    first, second = cluster["articles"]
    assert first["path"] == "seeds/000_32805d528c66c277.txt"
    assert second["path"] == "seeds/002_672c4604ee927781.txt"
    assert set(first) == {"path", "id", "headline", "published", "modified", "similarity_to_first", "linked_by"}
    assert first["similarity_to_first"] is None and first["linked_by"] is None
    assert second["linked_by"]["partner"] == first["id"]
    assert set(second["linked_by"]) >= {"partner", "jaccard", "containment", "shared_paragraphs"}
    assert document["skipped"] == []


def test_cluster_output_is_byte_identical_between_runs(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    assert run("cluster", "seeds/", "--format", "json").stdout == run("cluster", "seeds/", "--format", "json").stdout


def test_bad_inputs_are_reported_and_others_processed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    (tmp_path / "bad.json").write_text("{nope", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    result = run("cluster", "seeds/", str(tmp_path), str(tmp_path / "missing.txt"), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert len(document["clusters"]) == 1
    assert [s["reason"].split(":")[0].split(";")[0] for s in document["skipped"]] == [
        "malformed JSON at line 1 column 2",
        "binary file, not text",
        "no such file or directory",
    ]
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"storydiff: skipped {tmp_path}/bad.json: malformed JSON")
    assert "3 inputs skipped, 2 loaded" in result.stderr
    assert "Traceback" not in result.stderr


def test_strict_turns_skips_into_exit_2(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = run("cluster", "seeds/", str(tmp_path), "--strict")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "storydiff: error: 1 input(s) skipped and --strict is set" in result.stderr


def test_no_articles_is_trouble(tmp_path: Path) -> None:
    result = run("cluster", str(tmp_path / "nothing"))
    assert result.exit_code == 2
    assert "storydiff: error: no articles loaded" in result.stderr


def test_output_file_and_refusing_to_overwrite_an_input(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "stories.csv"
    assert run("cluster", "seeds/", "--format", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("story,label,order_source")
    seed = REPO / "seeds" / "000_32805d528c66c277.txt"
    before = seed.read_bytes()
    result = run("cluster", "seeds/", "-o", str(seed))
    assert result.exit_code == 2 and "refusing to overwrite input file" in result.stderr
    assert seed.read_bytes() == before


def test_a_feed_line_protects_its_feed(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"headline": "Port", "body": "The port reopened on Monday after a week of repairs."}) + "\n", encoding="utf-8"
    )
    before = feed.read_bytes()
    result = run("cluster", str(feed), "--format", "json", "-o", str(feed))
    assert result.exit_code == 2 and "refusing to overwrite input file" in result.stderr
    assert feed.read_bytes() == before


def test_report_refuses_to_overwrite_an_input_and_writes_nothing(tmp_path: Path) -> None:
    """An article named index.md inside the report folder, or named like a
    story's report: nothing is written, not even the other reports."""
    for name in ("000_32805d528c66c277.txt", "002_672c4604ee927781.txt"):
        (tmp_path / name).write_bytes((REPO / "seeds" / name).read_bytes())
    (tmp_path / "index.md").write_text("# Harbour notes\n\nThe harbour master kept notes of every ship that came in.\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run("report", str(tmp_path), "-o", str(tmp_path))
    assert result.exit_code == 2 and f"refusing to overwrite input file {tmp_path / 'index.md'}" in result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    (tmp_path / "index.md").unlink()
    story = json.loads(run("cluster", str(tmp_path), "--format", "json").stdout)["clusters"][0]["id"]
    (tmp_path / f"{story}.md").write_text(
        "# A reader's note\n\nThe harbour master kept notes of every ship that came in.\n", encoding="utf-8"
    )
    result = run("report", str(tmp_path), "-o", str(tmp_path))
    assert result.exit_code == 2 and f"{story}.md" in result.stderr
    assert not (tmp_path / "index.md").exists()


def test_stdin_and_min_versions(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = run(
        "cluster", "-", "--min-versions", "2", "--format", "json", input="A headline\n\nA single short article body for the test.\n"
    )
    assert json.loads(result.stdout)["clusters"] == []


def test_help_has_an_example() -> None:
    assert "storydiff cluster seeds/" in run("cluster", "--help").stdout


def test_load_runs_the_meanwhile_work_once_on_a_helper_thread() -> None:
    import threading

    from storydiff.cli import load_articles

    ran: list[str] = []
    seeds = sorted(str(p) for p in (REPO / "seeds").iterdir())
    articles, _ = load_articles(seeds, 10_000_000, "txt", False, meanwhile=lambda: ran.append(threading.current_thread().name))
    assert len(articles) == 2
    assert ran == ["storydiff-meanwhile"]


def test_load_ignores_a_failing_meanwhile_work(capsys) -> None:
    from storydiff.cli import _ignoring_errors, load_articles

    def broken() -> None:
        raise RuntimeError("no kernels here")

    seeds = sorted(str(p) for p in (REPO / "seeds").iterdir())
    articles, _ = load_articles(seeds, 10_000_000, "txt", False, meanwhile=_ignoring_errors(broken))
    assert len(articles) == 2
    assert "no kernels here" not in capsys.readouterr().err


def test_the_command_flushes_its_output_and_keeps_exit_statuses(tmp_path: Path) -> None:
    """`python -m storydiff` ends without freeing its results (cli.run):
    stdout and stderr must still arrive whole, with the usual statuses."""
    import subprocess
    import sys

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "storydiff", *args], cwd=REPO, capture_output=True, text=True, timeout=120)

    done = command("cluster", "seeds/")
    assert (done.returncode, done.stdout) == (0, (FIXTURES / "seeds-cluster.txt").read_text(encoding="utf-8"))
    assert done.stderr == "storydiff: 2 articles, 1 story (1 with several versions)\n"
    missing = command("cluster", str(tmp_path / "missing"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert "no such file or directory" in missing.stderr and "storydiff: error: no articles loaded" in missing.stderr
    assert command("diff", "seeds/000_32805d528c66c277.txt", "seeds/002_672c4604ee927781.txt", "--exit-code").returncode == 1
    assert command("--version").stdout.startswith("storydiff, version ")
