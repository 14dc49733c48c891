"""The CLI as a first-day user types it (issue 12): README commands, options where users put them, checked values.

Every test runs the command line through Typer's CliRunner against a real SQLite file made from saved pages.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from tests.conftest import JA, load_truth

runner = CliRunner()
README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
PAGES = ("sankei/20250121-ogasawara-police-radio.html", "asahi/20250113-miyazaki-earthquake.html",
         "chunichi/20250114-nankai-trough.html")


def run(*args: str, db: Path | None = None) -> tuple[int, str, str]:
    argv = [*args, "--db", str(db)] if db else list(args)
    result = runner.invoke(app, argv)
    return result.exit_code, result.stdout, result.stderr


def add_pages(db: Path, files: tuple[str, ...] = PAGES) -> dict[str, int]:
    """Clip saved pages as a user would (`clipper add page.html --url URL`); their ids by file name."""
    urls = {row["file"]: row["url"] for row in load_truth()}
    ids = {}
    for name in files:
        code, out, err = run("add", str(JA / name), "--url", urls[name], "--json", db=db)
        assert code == 0, err
        ids[name] = json.loads(out.splitlines()[-1])["id"]
    return ids


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "clips.db"


@pytest.fixture
def clips(db: Path) -> dict[str, int]:
    return add_pages(db)


def ids_of(out: str) -> list[int]:
    return [json.loads(line)["id"] for line in out.splitlines() if line.strip()]


# -- 1. the README's search examples, unquoted -----------------------------------------------------------------


def test_search_takes_several_words_unquoted(db: Path, clips: dict[str, int]) -> None:
    code, out, err = run("search", "地震", "気象庁", "--json", db=db)
    assert code == 0, err
    quoted = run("search", "地震 気象庁", "--json", db=db)[1]
    assert ids_of(out) == ids_of(quoted) and clips[PAGES[1]] in ids_of(out)


def test_search_minus_word_excludes_unquoted(db: Path, clips: dict[str, int]) -> None:
    code, out, err = run("search", "地震", "-津波", "--json", db=db)
    assert code == 0, err
    found = set(ids_of(out))
    assert clips[PAGES[1]] not in found and clips[PAGES[0]] in found


def test_search_or_unquoted_with_options_anywhere(db: Path, clips: dict[str, int]) -> None:
    code, out, err = run("search", "津波", "OR", "高潮", "--limit", "5", "気象庁", "--json", db=db)
    assert code == 0, err
    assert ids_of(out) == ids_of(run("search", "津波 OR 高潮 気象庁", "--limit", "5", "--json", db=db)[1])
    assert clips[PAGES[1]] in ids_of(out) and clips[PAGES[0]] not in ids_of(out)


def _readme_command_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = re.split(r"\s{2,}#", line)[0].strip()
            if line.startswith("clipper "):
                lines.append(line)
    return lines


def _runnable_offline(line: str) -> bool:
    """Synopsis lines (URL, ID, [options], ...) and lines that fetch from the internet are left out."""
    if "[" in line or "..." in line or "http" in line or "--archive" in line or "--fetch" in line:
        return False
    words = shlex.split(line)
    return not any(re.fullmatch(r"[A-Z][A-Z0-9_-]*", w) and w != "OR" for w in words)


README_LINES = [line for line in _readme_command_lines() if _runnable_offline(line)]


def test_the_readme_has_runnable_command_lines() -> None:
    assert len(README_LINES) >= 15
    assert "clipper search 地震 -津波" in README_LINES


@pytest.mark.parametrize("line", README_LINES)
def test_readme_command_line_is_valid_usage(line: str, db: Path, clips: dict[str, int], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command line of the README's code blocks that runs offline parses: no usage error (exit 2)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLIPPER_DB", str(db))
    line = line.replace("$(date +%F)", "2025-01-01").replace("~/", f"{tmp_path}/")
    words = shlex.split(line.split(" > ")[0].split(" | ")[0])[1:]
    result = runner.invoke(app, words)
    assert not (result.exit_code == 2 and "Try 'clipper" in result.stderr), f"{line}: {result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{line}: {result.exception!r}"


# -- 2. options where users put them -------------------------------------------------------------------------------


def test_db_before_the_command_like_git(db: Path, clips: dict[str, int], monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.setenv("CLIPPER_DB", str(tmp_path / "other.db"))
    code, out, err = run("--db", str(db), "list", "--json")
    assert code == 0, err
    assert sorted(ids_of(out)) == sorted(clips.values())
    assert run("--db", str(db), "search", "地震", "--json")[1]
    assert not (tmp_path / "other.db").exists()


# -- 3. checked values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "choices"), [
    (["list", "--status", "daed"], "dead"),
    (["search", "地震", "--status", "daed"], "unreachable"),
    (["export", "--post", "1", "--format", "txt"], "markdown"),
    (["export", "--post", "1", "--order", "date"], "published"),
    (["export", "--post", "1", "--indent", "tab"], "fullwidth"),
    (["export", "--post", "1", "--date-style", "western"], "slash0"),
])
def test_enumerated_options_are_checked(argv: list[str], choices: str, db: Path, clips: dict[str, int]) -> None:
    code, out, err = run(*argv, db=db)
    assert code == 2
    assert choices in err and out == ""


def test_the_cli_choices_are_the_ones_the_code_knows() -> None:
    from clipper import cli
    from clipper.drafting import ORDERS
    from clipper.extract.dates import DATE_STYLES
    from clipper.post import FORMATS, INDENTS

    assert [e.value for e in cli.Order] == list(ORDERS)
    assert [e.value for e in cli.Format] == list(FORMATS)
    assert [e.value for e in cli.Indent] == list(INDENTS)
    assert [e.value for e in cli.DateStyle] == list(DATE_STYLES)


def test_date_style_help_lists_every_value() -> None:
    from clipper.extract.dates import DATE_STYLES

    help_text = " ".join(run("export", "--help")[1].split())
    for style, example in DATE_STYLES.items():
        assert f"{style} {example}" in help_text


# -- 13. small ones ------------------------------------------------------------------------------------------------


def test_help_examples_one_per_line() -> None:
    out = run("add", "--help")[1]
    examples = [line.strip() for line in out.splitlines() if "Example:" in line]
    from clipper.cli import add

    written = (add.__doc__ or "").count("Example:")
    assert written >= 2 and len(examples) == written  # each example on a line of its own, none run together
    assert all(e.startswith("Example: clipper add ") for e in examples)
    assert all(len(e.split()) >= 3 for e in examples)


def test_info_says_where_the_data_lives(db: Path, clips: dict[str, int], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    user_registry = tmp_path / "mine.toml"
    user_registry.write_text('[[outlet]]\nname = "テスト"\ndomains = ["example.org"]\n', encoding="utf-8")
    monkeypatch.setenv("CLIPPER_OUTLETS", str(user_registry))
    code, out, err = run("--db", str(db), "info", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["database"] == str(db.resolve())
    assert data["clips"] == 3 and data["link_status"] == {"unchecked": 3} and data["pages"] == 3
    assert data["registry"][-1] == str(user_registry) and data["registry"][0].endswith("outlets.toml")
    assert data["index"] == {"indexed": 3, "stale": 0, "missing": 0, "ok": True}
    text = run("info", db=db)[1]
    assert str(db.resolve()) in text and "3 clip(s) indexed, ok" in text
    assert run("--db", str(db), "info", "--path")[1].strip() == str(db.resolve())


def test_info_reports_an_index_out_of_date(db: Path, clips: dict[str, int]) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("UPDATE clips SET title = 'edited elsewhere' WHERE id = ?", (clips[PAGES[0]],))
    conn.commit()
    conn.close()
    data = json.loads(run("info", "--json", db=db)[1])
    assert data["index"]["ok"] is False and data["index"]["stale"] == 1
    assert "run `clipper reindex`" in run("info", db=db)[1]


# -- 5. nothing silently dropped -------------------------------------------------------------------------------------


def test_add_note_on_a_clip_that_exists_is_kept_and_said(db: Path, clips: dict[str, int]) -> None:
    url = {row["file"]: row["url"] for row in load_truth()}[PAGES[0]]
    clip_id = clips[PAGES[0]]
    code, out, err = run("add", url, "--note", "最初のメモ", "--json", db=db)
    assert code == 0, err
    assert json.loads(out)["note"] == "最初のメモ" and f"note added to clip {clip_id}" in err
    code, out, err = run("add", url, "--note", "二つ目", db=db)
    assert code == 0 and "note replaced" in err and "最初のメモ" in err
    assert json.loads(run("show", str(clip_id), "--json", db=db)[1])["note"] == "二つ目"


def test_add_refetch_archive_asks_save_page_now(web: object, monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    from tests.webserver import LoopbackWeb, Response

    assert isinstance(web, LoopbackWeb)
    monkeypatch.setenv("CLIPPER_SAVE_URL", "http://save.test/save/")
    url = {row["file"]: row["url"] for row in load_truth()}[PAGES[0]]
    web.add_page(url, (JA / PAGES[0]).read_bytes())
    web.add(f"http://save.test/save/{url}", Response(200, b"saved", {"Content-Location": f"/web/20250101000000/{url}"}))
    assert run("add", url, db=db)[0] == 0
    code, out, err = run("add", url, "--refetch", "--archive", "--json", db=db)
    assert code == 0, err
    got = json.loads(out)
    assert got["outcome"] == "refetched" and got["archive_url"] == f"http://save.test/web/20250101000000/{url}"


# -- 7. one meaning per word -----------------------------------------------------------------------------------------


def test_add_json_outcome_is_not_the_link_status(db: Path, clips: dict[str, int]) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("UPDATE clips SET status = 'dead' WHERE id = ?", (clips[PAGES[0]],))
    conn.commit()
    conn.close()
    code, out, err = run("add", str(JA / PAGES[0]), "--url", load_truth()[0]["url"], "--json", db=db)
    got = json.loads(out)
    assert code == 0 and got["outcome"] == "exists" and got["status"] == "dead"
    code, out, err = run("add", "http://127.0.0.1:9/x", "--json", "--timeout", "2", db=db)
    assert code == 1 and json.loads(out)["outcome"] == "failed" and "status" not in json.loads(out)


# -- 8. dates agree across commands ----------------------------------------------------------------------------------


def _set(db: Path, clip_id: int, **fields: object) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    for key, value in fields.items():
        conn.execute(f"UPDATE clips SET {key} = ? WHERE id = ?", (value, clip_id))
    conn.commit()
    conn.close()


def test_list_cite_and_draft_show_the_same_day(db: Path, clips: dict[str, int]) -> None:
    clip_id = clips[PAGES[1]]
    _set(db, clip_id, published="2025-01-13T23:30:00-05:00", outlet="共同")  # 2025-01-14 13:30 in Japan
    listed = [line for line in run("list", db=db)[1].splitlines() if line.split()[0] == str(clip_id)]
    assert "2025-01-14" in listed[0]
    assert run("cite", str(clip_id), db=db)[1].strip() == "(共同 1.14)"
    draft = run("export", "--post", str(clip_id), "--date-style", "iso", db=db)[1]
    assert "共同 2025-01-14" in draft


def test_cite_takes_several_ids_and_json(db: Path, clips: dict[str, int]) -> None:
    a, b = clips[PAGES[0]], clips[PAGES[1]]
    _set(db, b, published=None)
    code, out, err = run("cite", str(a), str(b), "--json", db=db)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [a, b]
    assert rows[0]["citation"].startswith("(") and rows[0]["day"] == "2025-01-21"
    assert rows[1]["published"] is None and "日付不明" not in rows[1]["citation"]
    assert f"clip {b} has no date" in err
    text = run("cite", str(a), str(b), db=db)[1].splitlines()
    assert len(text) == 2 and "日付不明" not in text[1]


# -- 13. small ones --------------------------------------------------------------------------------------------------


def test_clip_ids_are_never_reused_after_a_delete(db: Path) -> None:
    ids = add_pages(db, PAGES[:2])
    last = max(ids.values())
    assert run("rm", str(last), "--yes", db=db)[0] == 0
    new = add_pages(db, PAGES[2:])[PAGES[2]]
    assert new == last + 1


def test_an_old_database_with_rows_gets_autoincrement_keeping_everything(db: Path) -> None:
    import sqlite3

    from clipper.migrations import MIGRATIONS

    ids = add_pages(db, PAGES[:2])
    run("edit", str(ids[PAGES[0]]), "--tag", "keep", "--note", "メモ", db=db)
    # make it an old database: clips without AUTOINCREMENT, at the schema just before that migration
    before_autoincrement = [name for name, _ in MIGRATIONS].index("m004_clip_ids_never_reused")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'clips'").fetchone()
    indexes = [s for (s,) in conn.execute("SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='clips' "
                                          "AND sql IS NOT NULL")]
    conn.execute(sql.replace("clips", "old_clips", 1).replace("AUTOINCREMENT", ""))
    conn.execute("INSERT INTO old_clips SELECT * FROM clips")
    conn.execute("DROP TABLE clips")
    conn.execute("ALTER TABLE old_clips RENAME TO clips")
    for s in indexes:
        conn.execute(s)
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'clips'")
    conn.execute(f"PRAGMA user_version = {before_autoincrement}")
    conn.commit()
    before = [tuple(r) for r in conn.execute("SELECT * FROM clips ORDER BY id")]
    conn.close()
    assert "AUTOINCREMENT" not in sql.replace("AUTOINCREMENT", "")

    code, out, err = run("show", str(ids[PAGES[0]]), "--json", db=db)  # opening migrates
    assert code == 0, err
    shown = json.loads(out)
    assert shown["tags"] == ["keep"] and shown["note"] == "メモ" and len(shown["fetches"]) == 1
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert "AUTOINCREMENT" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'clips'").fetchone()[0]
    assert [tuple(r) for r in conn.execute("SELECT * FROM clips ORDER BY id")] == before
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not conn.execute("PRAGMA foreign_key_check").fetchall()
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='clips'")
            } >= {"clips_url_key", "clips_published"}
    conn.close()
    assert run("search", "地震", "--json", db=db)[1]


def test_out_files_get_the_usual_mode(db: Path, clips: dict[str, int], tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        draft, dump = tmp_path / "draft.txt", tmp_path / "archive.jsonl"
        assert run("export", "--post", str(clips[PAGES[0]]), "--out", str(draft), db=db)[0] == 0
        assert run("dump", "--out", str(dump), db=db)[0] == 0
        assert (draft.stat().st_mode & 0o777, dump.stat().st_mode & 0o777) == (0o644, 0o644)
        draft.chmod(0o600)  # a file the user made private stays private when written again
        assert run("export", "--post", str(clips[PAGES[0]]), "--out", str(draft), db=db)[0] == 0
        assert draft.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_show_json_fetch_warnings_are_a_list(db: Path, clips: dict[str, int]) -> None:
    shown = json.loads(run("show", str(clips[PAGES[0]]), "--json", db=db)[1])
    assert shown["fetches"] and all(isinstance(f["warnings"], list) for f in shown["fetches"])


# -- 4. --outlet through the registry ---------------------------------------------------------------------------------


def test_outlet_filter_uses_the_registrys_names(db: Path, clips: dict[str, int]) -> None:
    sankei, asahi = clips[PAGES[0]], clips[PAGES[1]]
    _set(db, asahi, outlet="IT Pro,ニュース", site_name=None)
    for name in ("産経新聞", "産経", "Sankei Shimbun"):
        assert ids_of(run("list", "--outlet", name, "--json", db=db)[1]) == [sankei], name
    for name in ("IT Pro", "日経xTECH"):
        assert ids_of(run("list", "--outlet", name, "--json", db=db)[1]) == [asahi], name
    assert ids_of(run("search", "地震", "--outlet", "産経新聞", "--json", db=db)[1]) == [sankei]
    _set(db, asahi, outlet="週プレNEWS/ライブドアニュース")
    assert ids_of(run("list", "--outlet", "週プレNEWS", "--json", db=db)[1]) == [asahi]
    assert ids_of(run("list", "--outlet", "100%", "--json", db=db)[1]) == []


# -- 10. drafts ----------------------------------------------------------------------------------------------------


def test_max_chars_is_a_ceiling(db: Path, clips: dict[str, int]) -> None:
    for clip_id in clips.values():
        for limit in ("150", "60"):
            code, out, err = run("export", "--post", str(clip_id), "--max-chars", limit, "--format", "json", db=db)
            assert code == 0, err
            (section,) = json.loads(out)["sections"]
            texts = [p for p in section["paragraphs"] if p is not None]
            assert texts and sum(len(t.strip()) for t in texts) <= int(limit)


def test_markdown_has_a_blank_quote_line_before_the_cut(db: Path, clips: dict[str, int]) -> None:
    out = run("export", "--post", str(clips[PAGES[0]]), "--format", "markdown", "--max-chars", "150", db=db)[1]
    assert "\n>\n> ・・・(略)・・・" in out


def test_a_dead_clip_without_an_archived_copy_is_flagged(db: Path, clips: dict[str, int]) -> None:
    _set(db, clips[PAGES[0]], status="dead")
    code, out, err = run("export", "--post", str(clips[PAGES[0]]), db=db)
    assert code == 0 and "dead" in err and "no archived copy" in err
    _set(db, clips[PAGES[0]], archive_url="https://web.archive.org/web/2025/x")
    assert "no archived copy" not in run("export", "--post", str(clips[PAGES[0]]), db=db)[2]


def test_html_written_to_a_file_declares_its_charset(db: Path, clips: dict[str, int], tmp_path: Path) -> None:
    page = tmp_path / "draft.html"
    assert run("export", "--post", str(clips[PAGES[0]]), "--format", "html", "--out", str(page), db=db)[0] == 0
    assert page.read_text(encoding="utf-8").startswith('<meta charset="utf-8">')


def test_import_does_not_replace_a_clip_quote_with_text_not_in_its_article(db: Path, clips: dict[str, int],
                                                                             tmp_path: Path) -> None:
    clip_id = clips[PAGES[0]]
    title = json.loads(run("show", str(clip_id), "--json", db=db)[1])["title"]
    post = tmp_path / "post.txt"
    post.write_text(f" 産経 2025.1.21★《{title}》\n\n●{title}\n    産経 2025.1.21\n"
                    " 記事にはない、書き換えられた文章。\n", encoding="utf-8")
    code, out, err = run("import", str(post), "--dry-run", db=db)
    assert code == 0, err
    assert f"existing clip {clip_id}" in out and "not in clip" in err and "keeps its own quote" in err
    code, out, err = run("import", str(post), db=db)
    assert code == 0 and "not in clip" in err
    shown = json.loads(run("show", str(clip_id), "--json", db=db)[1])
    assert shown["quote"] is None  # the default quote from the article, not the post's rewritten text
    draft = run("export", "--post", str(clip_id), db=db)[1]
    assert "書き換えられた文章" not in draft
