"""`clipper add` end to end: duplicates, batches, and every bad input getting one clear line and a non-zero exit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from clipper.store import open_db
from tests.conftest import JA, closed_port
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()
SANKEI_URL = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
SANKEI = JA / "sankei/20250121-ogasawara-police-radio.html"
MAINICHI_URL = "https://mainichi.jp/articles/20250114/k00/00m/030/335000c"
MAINICHI = JA / "mainichi/20250114-gaza-ceasefire.html"


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert lines, "expected an error message on stderr"
    assert lines[-1].startswith("error:")
    return lines[-1]


def clips_in(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, url, title FROM clips ORDER BY id").fetchall()


def test_same_article_twice_stays_one_clip_and_merges_tags(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    web.add_page(SANKEI_URL + "?utm_source=twitter&fbclid=abc", SANKEI.read_bytes())
    first = runner.invoke(app, ["add", SANKEI_URL, "--tag", "a"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["add", SANKEI_URL + "?utm_source=twitter&fbclid=abc#top", "--tag", "b", "--json"])
    assert second.exit_code == 0, second.output
    got = json.loads(second.stdout)
    assert got["outcome"] == "exists" and got["tags"] == ["a", "b"]
    assert len(clips_in(tmp_path / "clips.db")) == 1


def test_saved_file_duplicate_of_url_by_canonical(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    result = runner.invoke(app, ["add", str(SANKEI), "--json"])
    assert json.loads(result.stdout)["outcome"] == "exists"
    assert len(clips_in(tmp_path / "clips.db")) == 1


def test_refetch_updates_and_keeps_tags(web: LoopbackWeb) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL, "--tag", "keep"]).exit_code == 0
    result = runner.invoke(app, ["add", SANKEI_URL, "--refetch", "--json"])
    got = json.loads(result.stdout)
    assert got["outcome"] == "refetched" and got["tags"] == ["keep"]
    assert len([r for r in web.requests if r.url == SANKEI_URL]) == 2
    shown = json.loads(runner.invoke(app, ["show", str(got["id"]), "--json"]).stdout)
    assert len(shown["fetches"]) == 2


def test_user_agent_names_clipper(web: LoopbackWeb) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    runner.invoke(app, ["add", SANKEI_URL])
    assert web.requests[0].headers["user-agent"].startswith("clipper/")


def test_batch_keeps_going_and_exit_code_says_something_failed(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    web.add_page(MAINICHI_URL, MAINICHI.read_bytes())
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# my reading list\n{SANKEI_URL}\n\nhttps://www.sankei.com/gone/\n{MAINICHI_URL}\n",
                       encoding="utf-8")
    result = runner.invoke(app, ["add", "--input", str(listing)])
    assert result.exit_code == 1
    assert "https://www.sankei.com/gone/: HTTP 404" in result.stderr
    assert len(clips_in(tmp_path / "clips.db")) == 2


def test_input_from_stdin(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    result = runner.invoke(app, ["add", "--input", "-"], input=f"{SANKEI_URL}\n")
    assert result.exit_code == 0, result.output
    assert len(clips_in(tmp_path / "clips.db")) == 1


def test_redirects_are_followed_and_final_url_kept(web: LoopbackWeb) -> None:
    old = "http://sankei.jp.msn.com/affairs/news/old.htm"
    web.add(old, Response(301, headers={"Location": SANKEI_URL}))
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    got = json.loads(runner.invoke(app, ["add", old, "--json"]).stdout)
    assert got["url"] == old and got["final_url"] == SANKEI_URL and got["outlet"] == "産経"


def test_link_only_clip_for_a_pdf_with_title(web: LoopbackWeb) -> None:
    url = "https://www.soumu.go.jp/main_content/000001.pdf"
    web.add(url, Response(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf"}))
    failed = runner.invoke(app, ["add", url])
    assert "not an HTML page (application/pdf)" in one_line_error(failed)
    ok = runner.invoke(app, ["add", url, "--title", "総務省資料", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["title"] == "総務省資料"


def test_content_type_that_lies_about_a_pdf(web: LoopbackWeb) -> None:
    url = "https://example.jp/report.html"
    web.add(url, Response(200, b"%PDF-1.4 binary", {"Content-Type": "text/html"}))
    assert "not an HTML page" in one_line_error(runner.invoke(app, ["add", url]))


def test_page_without_charset_header_in_shift_jis(web: LoopbackWeb) -> None:
    url = "http://www.yomiuri.co.jp/e-japan/gifu/news/20110410-OYT8T00124.htm"
    web.add(url, Response(200, (JA / "yomiuri/20110410-gifu-tulip_sjis.html").read_bytes(),
                          {"Content-Type": "text/html"}))
    got = json.loads(runner.invoke(app, ["add", url, "--json"]).stdout)
    assert got["encoding"] == "cp932" and got["title"] == "色とりどりのチューリップ"


def test_page_that_does_not_decode_cleanly_is_stored_with_a_warning(web: LoopbackWeb) -> None:
    url = "https://example.jp/broken.html"
    body = "<html><head><title>壊れた記事</title></head><body><p>本文です。本文です。</p></body></html>".encode()
    web.add(url, Response(200, body[:-30] + b"\xff\xfe\xfa" + body[-30:], {"Content-Type": "text/html; charset=utf-8"}))
    result = runner.invoke(app, ["add", url])
    assert result.exit_code == 0
    assert "warning:" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["add", "not a url"], "no such file: not a url"),
        (["add", "ftp://example.com/x.html"], "unsupported URL scheme"),
        (["add", "javascript:alert(1)"], "unsupported URL scheme"),
        (["add", "/nonexistent/page.html"], "no such file"),
        (["show", "999"], "no clip with id 999"),
        (["edit", "999", "--title", "x"], "no clip with id 999"),
        (["rm", "999", "--yes"], "no clip with id 999"),
        (["list", "--since", "someday"], "--since"),
    ],
)
def test_bad_input_one_line(args: list[str], expected: str, tmp_path: Path) -> None:
    open_db(tmp_path / "clips.db").close()  # an empty collection (a missing one is its own error)
    assert expected in one_line_error(runner.invoke(app, args))


def test_directory_as_target(tmp_path: Path) -> None:
    assert "is a directory" in one_line_error(runner.invoke(app, ["add", str(tmp_path)]))


def test_http_errors(web: LoopbackWeb) -> None:
    web.add("https://example.jp/500", Response(500, b"oops"))
    assert "HTTP 404" in one_line_error(runner.invoke(app, ["add", "https://example.jp/missing"]))
    assert "HTTP 500" in one_line_error(runner.invoke(app, ["add", "https://example.jp/500"]))


def test_redirect_loop(web: LoopbackWeb) -> None:
    web.add("https://example.jp/a", Response(302, headers={"Location": "https://example.jp/b"}))
    web.add("https://example.jp/b", Response(302, headers={"Location": "https://example.jp/a"}))
    assert "redirect" in one_line_error(runner.invoke(app, ["add", "https://example.jp/a"]))


def test_redirect_to_file_scheme_is_refused(web: LoopbackWeb) -> None:
    web.add("https://example.jp/evil", Response(302, headers={"Location": "file:///etc/passwd"}))
    assert "unsupported" in one_line_error(runner.invoke(app, ["add", "https://example.jp/evil"]))


def test_timeout(web: LoopbackWeb) -> None:
    web.add("https://example.jp/slow", Response(200, b"<html>late</html>", {"Content-Type": "text/html"}, delay=3))
    assert "timed out" in one_line_error(runner.invoke(app, ["add", "https://example.jp/slow", "--timeout", "0.5"]))


def test_total_deadline_for_a_dripping_server(web: LoopbackWeb) -> None:
    body = b"<html><body>" + b"x" * 200 + b"</body></html>"
    web.add("https://example.jp/drip", Response(200, body, {"Content-Type": "text/html"}, drip=0.05))
    assert "timed out" in one_line_error(runner.invoke(app, ["add", "https://example.jp/drip", "--timeout", "1"]))


def test_body_over_the_cap(web: LoopbackWeb) -> None:
    web.add_page("https://example.jp/big", b"<html><body>" + b"a" * 200_000 + b"</body></html>")
    assert "too large" in one_line_error(runner.invoke(app, ["add", "https://example.jp/big", "--max-mb", "0.1"]))


def test_refused_connection() -> None:
    url = f"http://127.0.0.1:{closed_port()}/article"
    assert "connection refused" in one_line_error(runner.invoke(app, ["add", url]))


def test_dns_failure() -> None:
    assert "DNS lookup failed" in one_line_error(runner.invoke(app, ["add", "http://no-such-host.invalid/a"]))


def test_credentials_in_url_are_never_stored(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    secret = SANKEI_URL.replace("https://", "https://user:hunter2@")
    result = runner.invoke(app, ["add", secret, "--json"])
    assert "hunter2" not in result.output
    assert json.loads(result.stdout)["url"] == SANKEI_URL
    assert b"hunter2" not in (tmp_path / "clips.db").read_bytes()


def test_not_a_sqlite_file_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("my precious notes\n")
    result = runner.invoke(app, ["list", "--db", str(db)])
    assert "not an SQLite file" in one_line_error(result)
    assert db.read_text() == "my precious notes\n"


def test_database_from_a_newer_clipper_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE clips (id INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version = 999")
    before = db.read_bytes()
    assert "newer clipper" in one_line_error(runner.invoke(app, ["list", "--db", str(db)]))
    assert db.read_bytes() == before


def test_database_path_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "cannot create the database folder" in one_line_error(
        runner.invoke(app, ["add", str(SANKEI), "--db", str(blocker / "sub" / "clips.db")]))


def test_db_option_and_env(web: LoopbackWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    other = tmp_path / "other.db"
    assert runner.invoke(app, ["add", SANKEI_URL, "--db", str(other)]).exit_code == 0
    assert len(clips_in(other)) == 1
    assert not (tmp_path / "clips.db").exists()
    monkeypatch.delenv("CLIPPER_DB")
    runner.invoke(app, ["add", SANKEI_URL])
    assert (tmp_path / "data" / "clipper" / "clips.db").exists()  # the per-user data directory, not the cwd


def test_list_filters_edit_and_rm(web: LoopbackWeb) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    web.add_page(MAINICHI_URL, MAINICHI.read_bytes())
    runner.invoke(app, ["add", SANKEI_URL, "--tag", "police"])
    runner.invoke(app, ["add", MAINICHI_URL])
    rows = [json.loads(line) for line in runner.invoke(app, ["list", "--json"]).stdout.splitlines()]
    assert [r["outlet"] for r in rows] == ["毎日", "産経"]
    only = [json.loads(line) for line in runner.invoke(app, ["list", "--tag", "police", "--json"]).stdout.splitlines()]
    assert [r["outlet"] for r in only] == ["産経"]
    since = runner.invoke(app, ["list", "--since", "2025年1月15日", "--json"]).stdout.splitlines()
    assert [json.loads(line)["outlet"] for line in since] == ["産経"]
    until = runner.invoke(app, ["list", "--until", "2025/1/14", "--json"]).stdout.splitlines()
    assert [json.loads(line)["outlet"] for line in until] == ["毎日"]
    assert [json.loads(line)["outlet"] for line in runner.invoke(app, ["list", "--outlet", "産経ニュース", "--json"]
                                                                 ).stdout.splitlines()] == ["産経"]
    sankei_id = only[0]["id"]
    edited = runner.invoke(app, ["edit", str(sankei_id), "--outlet", "産経新聞", "--date", "2025/1/22", "--untag",
                                 "police", "--tag", "radio", "--json"])
    got = json.loads(edited.stdout)
    assert got["outlet"] == "産経新聞" and got["published"] == "2025-01-22" and got["tags"] == ["radio"]
    assert runner.invoke(app, ["rm", str(sankei_id)]).exit_code != 0  # no terminal to ask on, no --yes
    assert runner.invoke(app, ["rm", str(sankei_id), "--yes"]).exit_code == 0
    left = runner.invoke(app, ["list", "--json"]).stdout.splitlines()
    assert [json.loads(line)["outlet"] for line in left] == ["毎日"]


def test_search_simple(web: LoopbackWeb) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    runner.invoke(app, ["add", SANKEI_URL])
    hits = runner.invoke(app, ["search", "警察無線", "--json"]).stdout.splitlines()
    assert len(hits) == 1
    assert runner.invoke(app, ["search", "存在しない語句", "--json"]).stdout.strip() == ""


def test_version_and_help_examples() -> None:
    assert runner.invoke(app, ["--version"]).stdout.startswith("clipper ")
    for command in ("add", "extract", "list", "show", "search", "edit", "rm"):
        help_text = runner.invoke(app, [command, "--help"]).stdout
        assert "Example:" in help_text, command



def test_input_can_be_a_browser_bookmarks_export(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    web.add_page(MAINICHI_URL, MAINICHI.read_bytes())
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=UTF-8\">"
        f"\n<TITLE>Bookmarks</TITLE>\n<DL><p>\n<DT><H3>ニュース</H3>\n<DL><p>\n<DT><A HREF=\"{SANKEI_URL}\" "
        f"ADD_DATE=\"1737400000\">産経</A>\n<DT><A HREF=\"{MAINICHI_URL}\">毎日</A>\n"
        "<DT><A HREF=\"javascript:void(0)\">bookmarklet</A>\n</DL><p>\n</DL><p>\n", encoding="utf-8")
    result = runner.invoke(app, ["add", "--input", str(bookmarks)])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stderr
    assert len(clips_in(tmp_path / "clips.db")) == 2
    rerun = runner.invoke(app, ["add", "--input", str(bookmarks)])  # an interrupted batch is simply re-run
    assert "0 added, 2 already clipped" in rerun.stderr


def test_ctrl_c_in_a_batch_keeps_what_was_added(web: LoopbackWeb, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    urls = [f"https://slow.example/{i}.html" for i in range(8)]
    for i, url in enumerate(urls):
        page = f"<html><head><title>記事{i}</title></head><body><p>本文{i}です。</p></body></html>".encode()
        web.add(url, Response(200, page, {"Content-Type": "text/html"}, delay=0.4))
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(urls), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "clipper", "add", "--input", str(listing), "--json",
                             "--concurrency", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    reported = [json.loads(proc.stdout.readline()) for _ in range(2)]
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    reported += [json.loads(line) for line in rest.splitlines() if line.strip()]
    assert proc.returncode == 130
    assert "Traceback" not in err and "interrupted" in err
    stored = {row[1]: row[2] for row in clips_in(tmp_path / "clips.db")}
    assert {r["url"] for r in reported} <= set(stored)  # everything reported as added is there
    assert len(stored) < len(urls)
    with sqlite3.connect(tmp_path / "clips.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # no half-written clip: every stored clip has its fetch row and page
        assert conn.execute("SELECT count(*) FROM clips c WHERE NOT EXISTS (SELECT 1 FROM fetches f WHERE"
                            " f.clip_id = c.id AND f.page_sha256 IS NOT NULL)").fetchone()[0] == 0
