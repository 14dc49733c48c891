"""`clipper import` of posts, `clipper export --post/--json`, `cite`, `backup` and quote editing, through the CLI
against a real SQLite file."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from tests.conftest import FIXTURES, JA
from tests.webserver import LoopbackWeb

runner = CliRunner()
SEED = FIXTURES / "posts" / "seed.txt"
SEED_HTML = FIXTURES / "posts" / "seed.html"


def sections(text: str) -> list[list[str]]:
    """The ● sections of a post, lines without trailing space or indentation, runs of blank lines as one, and
    without the blog's chrome that follows the last quote."""
    out: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("●"):
            out.append([])
        if not out:
            continue
        if line.startswith(("コメント (", "人気ブログランキング", "★")):
            break
        line = line.strip()
        if line or (out[-1] and out[-1][-1]):
            out[-1].append(line)
    return [[*s[:-1]] if s and not s[-1] else s for s in out]


def rows(db: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def test_import_the_seed_post_and_export_it_back(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(SEED)])
    assert result.exit_code == 0, result.output
    clips = [json.loads(line) for line in runner.invoke(app, ["list", "--json"]).stdout.splitlines()][::-1]
    assert len(clips) == 5
    assert [c["published"] for c in clips] == ["2016-08-01", "2016-07-18", "2016-08-25", "2016-08-25", "2016-07-27"]
    assert clips[3]["author"] == "井出 一仁=日経BPガバメントテクノロジー"
    assert clips[0]["title"] == "【マイナンバー】自治体の72%で交付遅れ解消 個人番号カード"
    draft = runner.invoke(app, ["export", "--post", *[str(c["id"]) for c in clips]])
    assert draft.exit_code == 0, draft.output
    seed = SEED.read_text(encoding="utf-8")
    assert sections(draft.stdout) == sections(seed)
    intro = " 週プレNEWS 2016年7月18日★《マイナンバーカードの普及率は7月上旬時点で国民の約5%にとどまっている/"
    assert intro in draft.stdout
    # the post is recorded with the clips it quotes
    assert len(rows(tmp_path / "clips.db", "posts")) == 1
    assert len(rows(tmp_path / "clips.db", "post_clips")) == 5


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    runner.invoke(app, ["import", str(SEED)])
    before = {t: rows(tmp_path / "clips.db", t) for t in ("clips", "posts", "post_clips")}
    again = runner.invoke(app, ["import", str(SEED)])
    assert again.exit_code == 0 and "nothing changed" in again.stderr
    assert {t: rows(tmp_path / "clips.db", t) for t in before} == before


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(SEED), "--dry-run"])
    assert result.exit_code == 0 and "would import 5 section(s)" in result.stderr
    assert rows(tmp_path / "clips.db", "clips") == []


def test_html_post_gives_urls(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(SEED_HTML)])
    assert result.exit_code == 0, result.output
    urls = [json.loads(line)["url"] for line in runner.invoke(app, ["list", "--json"]).stdout.splitlines()]
    assert any(u and u.startswith("http") for u in urls)
    assert not any(u and u.startswith("javascript:") for u in urls)


def test_unparseable_section_names_its_line_and_imports_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("前置き\n\n●タイトルだけの節\n\n本文だけで出典の行がない。\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert re.search(r"bad\.txt:5: section .タイトルだけの節.", result.stderr)
    assert rows(tmp_path / "clips.db", "clips") == []
    nothing = tmp_path / "plain.txt"
    nothing.write_text("ただの日記です。\n", encoding="utf-8")
    assert "●" in runner.invoke(app, ["import", str(nothing)]).stderr


def test_by_post_report(tmp_path: Path) -> None:
    runner.invoke(app, ["import", str(SEED)])
    out = runner.invoke(app, ["list", "--by-post"]).stdout
    assert out.splitlines()[0].endswith("seed.txt")
    assert len([line for line in out.splitlines() if line.startswith("  ")]) == 5


def test_archive_round_trip_is_identical(web: LoopbackWeb, tmp_path: Path) -> None:
    url = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
    web.add_page(url, (JA / "sankei/20250121-ogasawara-police-radio.html").read_bytes())
    runner.invoke(app, ["import", str(SEED)])
    runner.invoke(app, ["add", url, "--tag", "police", "--note", "メモ"])
    runner.invoke(app, ["edit", "1", "--quote-paras", "1,3", "--summary", "a/b"])
    archive = tmp_path / "archive.jsonl"
    assert runner.invoke(app, ["export", "--json", "--pages", "--out", str(archive)]).exit_code == 0
    restored = tmp_path / "restored.db"
    result = runner.invoke(app, ["import", "--json", str(archive), "--db", str(restored)])
    assert result.exit_code == 0, result.output
    for table in ("clips", "tags", "pages", "fetches", "checks", "posts", "post_clips"):
        assert rows(restored, table) == rows(tmp_path / "clips.db", table), table
    # restoring into a database that has clips is refused, and changes nothing
    again = runner.invoke(app, ["import", "--json", str(archive), "--db", str(restored)])
    assert again.exit_code == 1 and "empty database" in again.stderr


def test_backup_is_a_consistent_copy_and_never_overwrites(tmp_path: Path) -> None:
    runner.invoke(app, ["import", str(SEED)])
    dest = tmp_path / "backup.db"
    assert runner.invoke(app, ["backup", str(dest)]).exit_code == 0
    assert rows(dest, "clips") == rows(tmp_path / "clips.db", "clips")
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "will not overwrite" in runner.invoke(app, ["backup", str(dest)]).stderr


def test_export_out_is_atomic_and_replaces_a_symlink_without_following_it(tmp_path: Path) -> None:
    runner.invoke(app, ["import", str(SEED)])
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "draft.txt"
    link.symlink_to(victim)
    assert runner.invoke(app, ["export", "--post", "1", "--out", str(link)]).exit_code == 0
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith(" 産経 2016.8.1★《")


def test_export_needs_a_selection_and_cite() -> None:
    runner.invoke(app, ["import", str(SEED)])
    result = runner.invoke(app, ["export", "--post"])
    assert result.exit_code == 1 and "say which clips" in result.stderr
    assert runner.invoke(app, ["cite", "3"]).stdout.strip() == "(共同 8.25)"


def test_edit_quote_paragraphs_and_refuse_invented_quotes() -> None:
    runner.invoke(app, ["import", str(SEED)])
    assert runner.invoke(app, ["edit", "1", "--quote-paras", "1,3"]).exit_code == 0
    draft = runner.invoke(app, ["export", "--post", "1"]).stdout
    body = draft.split("●", 1)[1]
    assert body.count("・・・(略)・・・") == 1  # the gap between paragraphs 1 and 3
    refused = runner.invoke(app, ["edit", "1", "--quote", "記事にない文章です。"])
    assert refused.exit_code == 1 and "error:" in refused.stderr


@pytest.mark.parametrize("fmt", ["html", "markdown", "json"])
def test_export_formats(fmt: str) -> None:
    runner.invoke(app, ["import", str(SEED)])
    result = runner.invoke(app, ["export", "--post", "1", "2", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        json.loads(result.stdout)
    assert "マイナンバー" in result.stdout


def test_archive_without_pages_restores(web: LoopbackWeb, tmp_path: Path) -> None:
    url = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
    web.add_page(url, (JA / "sankei/20250121-ogasawara-police-radio.html").read_bytes())
    runner.invoke(app, ["add", url])
    archive = tmp_path / "archive.jsonl"
    assert runner.invoke(app, ["export", "--json", "--out", str(archive)]).exit_code == 0
    restored = tmp_path / "restored.db"
    result = runner.invoke(app, ["import", "--json", str(archive), "--db", str(restored)])
    assert result.exit_code == 0, result.output
    assert rows(restored, "clips") == rows(tmp_path / "clips.db", "clips")
    assert rows(restored, "pages") == []
