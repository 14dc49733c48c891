"""Safe under attack and accident (issue 15): deadlines, credentials, local files, duplicates, stored URLs,
read-only databases, the check lock, special output files, terminal hygiene, one-line errors, memory."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from clipper.errors import LockedError
from clipper.runlock import lock_path, run_lock
from clipper.store import open_db
from tests.conftest import JA
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()
SANKEI_URL = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
SANKEI = JA / "sankei/20250121-ogasawara-police-radio.html"


def clip_count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM clips").fetchone()[0])


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clipper", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)


# -- 10: the total deadline covers connect, headers and body ---------------------------------------------------

def test_a_server_dripping_its_headers_cannot_outlast_the_deadline(web: LoopbackWeb) -> None:
    web.add("https://evil.example/slowloris", Response(200, b"<html><body><p>x</p></body></html>",
                                                       {"Content-Type": "text/html"}, header_drip=0.5))
    started = time.monotonic()
    proc = run_cli("add", "https://evil.example/slowloris", "--timeout", "3")
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "timed out" in proc.stderr and "Traceback" not in proc.stderr
    assert took < 8, took  # 3 s deadline + start-up; before: ~60 s (a byte every 0.5 s never trips a read timeout)


def test_check_of_a_server_dripping_its_headers_ends_on_time(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    web.add(SANKEI_URL, Response(200, SANKEI.read_bytes(), {"Content-Type": "text/html"}, header_drip=0.5))
    started = time.monotonic()
    proc = run_cli("check", "--timeout", "2")
    took = time.monotonic() - started
    assert "Traceback" not in proc.stderr
    assert took < 10, took


# -- 5: credentials are stripped wherever a URL enters -------------------------------------------------------

def everything_printed(db: Path) -> str:
    out = []
    for args in (["list"], ["show", "1"], ["show", "1", "--json"], ["export", "--json"],
                 ["export", "--post", "1"]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        out.append(result.stdout + result.stderr)
    with sqlite3.connect(db) as conn:
        for table in ("clips", "fetches", "checks"):
            out.append(repr(conn.execute(f"SELECT * FROM {table}").fetchall()))  # noqa: S608
    return "\n".join(out)


def test_a_canonical_link_with_a_password_is_never_stored_printed_or_sent(
        web: LoopbackWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # straight to the loopback server: through a proxy, httpx sends
    base = f"http://127.0.0.1:{web.port}"       # no Basic auth, so the leak would not show
    article = ("<html><head><title>記事の見出し</title>"
               f'<link rel="canonical" href="http://dave:topsecret@127.0.0.1:{web.port}/a/1"></head>'
               "<body><article><h1>記事の見出し</h1><p>本文の段落です。" + "あ" * 80 + "</p></article></body></html>")
    web.add_page(f"{base}/a/1?from=top", article.encode())
    web.add_page(f"{base}/a/1", article.encode())
    assert runner.invoke(app, ["add", f"{base}/a/1?from=top"]).exit_code == 0
    web.requests.clear()
    db = tmp_path / "clips.db"
    with sqlite3.connect(db) as conn:  # check the canonical address, as a moved clip would be
        conn.execute("UPDATE clips SET url = coalesce(canonical_url, url)")
    runner.invoke(app, ["check", "--all", "--db", str(db)])
    assert web.requests, "check made no request"
    with sqlite3.connect(db) as conn:  # stored by an older clipper
        conn.execute("UPDATE clips SET url = ?, checked_at = NULL", (f"http://dave:topsecret@127.0.0.1:{web.port}/a/1",))
    runner.invoke(app, ["check", "--all", "--db", str(db)])
    assert all("authorization" not in r.headers for r in web.requests)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE clips SET url = ?", (f"{base}/a/1",))
    printed = everything_printed(db)
    assert "topsecret" not in printed
    assert f"127.0.0.1:{web.port}/a/1" in printed


def test_a_redirect_with_a_password_during_check_is_not_kept(web: LoopbackWeb, tmp_path: Path) -> None:
    article = b"<html><head><title>T</title></head><body><p>" + "本文".encode() * 60 + b"</p></body></html>"
    web.add_page("http://news.example/b/1", article)
    assert runner.invoke(app, ["add", "http://news.example/b/1"]).exit_code == 0
    web.add("http://news.example/b/1", Response(301, b"", {"Location": "http://alice:s3cret@news.example/b/2"}))
    web.add_page("http://news.example/b/2", article)
    result = runner.invoke(app, ["check", "--all"])
    assert "s3cret" not in result.stdout + result.stderr
    assert "s3cret" not in everything_printed(tmp_path / "clips.db")


def test_errors_never_show_a_password(web: LoopbackWeb) -> None:
    for target in ("ftp://user:s3cret@host.example/x", "http://user:s3cret@a..b/",
                   "http://user:s3cret@closed.example:99999/"):
        result = runner.invoke(app, ["add", target])
        assert result.exit_code != 0
        assert "s3cret" not in result.stdout + result.stderr, target


# -- 6: the lines of a list are URLs, never local files --------------------------------------------------------

def test_a_list_naming_a_local_file_stores_nothing(web: LoopbackWeb, tmp_path: Path) -> None:
    secret = tmp_path / "shadow.html"
    secret.write_text("<html><head><title>root:x:0:0</title></head><body><p>secret hash</p></body></html>")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# from a colleague\n{secret}\n")
    result = runner.invoke(app, ["add", "--input", str(listing)])
    assert result.exit_code != 0
    assert "not an http(s) URL" in result.stderr and "line 2" in result.stderr
    assert clip_count(tmp_path / "clips.db") == 0
    # named on the command line, the same file is clipped
    assert runner.invoke(app, ["add", str(secret)]).exit_code == 0


# -- 13: one article named many times is fetched once; a 302 without Location is an error ----------------------

def test_a_batch_naming_one_article_many_times_fetches_it_once(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    variants = [SANKEI_URL, SANKEI_URL + "#top", SANKEI_URL + "?utm_source=x", SANKEI_URL + "?utm_medium=y#z"]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(variants * 50) + "\n")
    result = runner.invoke(app, ["add", "--input", str(listing), "--json"])
    assert result.exit_code == 0, result.stderr
    assert len([r for r in web.requests if r.method == "GET"]) == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 200 and {d["id"] for d in lines} == {1}


def test_a_redirect_without_location_is_an_error(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add("http://news.example/c/1", Response(302, b"", {"Content-Type": "text/html"}))
    result = runner.invoke(app, ["add", "http://news.example/c/1"])
    assert result.exit_code == 1
    assert "302" in result.stderr and "Location" in result.stderr
    assert clip_count(tmp_path / "clips.db") == 0


# -- 8: addresses are validated when stored; one that cannot be checked gets a status and a reason --------------

BAD_URLS = ("http://a..b/", "http://" + "a" * 64 + ".example/", "http://news.example/\x01x",
            "http://news.example/" + "x" * 70_000)


def test_add_refuses_addresses_nothing_could_fetch() -> None:
    for url in BAD_URLS:
        result = runner.invoke(app, ["add", url])
        assert result.exit_code != 0
        assert "not a valid URL" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr) < 400


def test_check_records_a_stored_address_it_cannot_fetch(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    db = tmp_path / "clips.db"
    for url in BAD_URLS:  # stored by an older clipper, or by hand
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE clips SET url = ?, checked_at = NULL", (url,))
        result = runner.invoke(app, ["check", "--all", "--json"])
        assert "Traceback" not in result.output
        assert "checked 0" not in result.stderr
        with sqlite3.connect(db) as conn:
            status, reason = conn.execute("SELECT status, reason FROM checks ORDER BY rowid DESC").fetchone()
        assert status == "unreachable" and reason.startswith("invalid-url"), (url[:40], status, reason)
    with sqlite3.connect(db) as conn:  # it never turns dead by itself: the link was never tried
        assert conn.execute("SELECT status FROM clips").fetchone()[0] == "unreachable"


# -- 4 and issue 12 item 2: read-only databases are read; a missing one is not created by a read command ---------

def test_read_commands_do_not_create_a_missing_database(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for args in (["list"], ["show", "1"], ["search", "地震"], ["export", "--json"], ["check"]):
        result = runner.invoke(app, [*args, "--db", str(missing)])
        assert result.exit_code == 1, (args, result.output)
        assert "no such database" in result.stderr and str(missing) in result.stderr
        assert not missing.exists(), args


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """The folder and its files cannot be written: chmod for a user; for root (whom modes do not stop) a
    read-only bind mount, i.e. read-only media."""
    if os.geteuid() != 0:
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_database_that_cannot_be_written_is_listed_shown_searched_and_backed_up(
        web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "clips.db"
    assert runner.invoke(app, ["add", SANKEI_URL, "--db", str(db)]).exit_code == 0
    before = db.read_bytes()
    with unwritable(folder):
        for args in (["list"], ["show", "1"], ["search", "小笠原"], ["export", "--json"],
                     ["backup", str(tmp_path / "copy.db")]):
            result = run_cli(*args, "--db", str(db))
            assert result.returncode == 0, (args, result.stderr)
            if args[0] in ("list", "show", "search"):
                assert "小笠原" in result.stdout, args
        added = run_cli("add", SANKEI_URL + "?x=1", "--db", str(db))
        assert added.returncode == 1 and "Traceback" not in added.stderr
        assert len(added.stderr.strip().splitlines()) == 1, added.stderr
    assert (tmp_path / "copy.db").stat().st_size > 0
    assert db.read_bytes() == before


# -- 3: the check lock neither follows symlinks nor lets a second run in ----------------------------------------

def test_the_check_lock_never_writes_through_a_symlink_nor_crashes_on_a_folder(tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    open_db(db).close()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    lock = lock_path(db)
    lock.symlink_to(precious)
    result = runner.invoke(app, ["check", "--db", str(db)])
    assert result.exit_code == 1 and "symlink" in result.stderr and "Traceback" not in result.output
    assert precious.read_text() == "keep me\n"
    lock.unlink()
    lock.mkdir()
    result = runner.invoke(app, ["check", "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and str(lock) in result.stderr


def test_a_lock_file_deleted_mid_run_does_not_let_a_second_run_in(tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    open_db(db).close()
    with run_lock(db):
        lock_path(db).unlink()  # a cleaner, or a user tidying the folder
        with pytest.raises(LockedError):
            with run_lock(db):
                pass
    with run_lock(db):  # released with the first run
        pass


# -- 2: --out onto /dev/null, a FIFO, a pipe -----------------------------------------------------------------

def test_out_onto_special_files_writes_into_them_and_never_replaces_them(web: LoopbackWeb, tmp_path: Path) -> None:
    import stat
    import threading

    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    null = "/dev/null"
    if os.geteuid() == 0:  # a node of our own, so a regression cannot replace the machine's /dev/null
        null = str(tmp_path / "null")
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = os.stat(null)
    assert runner.invoke(app, ["export", "--post", "1", "--out", null]).exit_code == 0
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino and after.st_rdev == before.st_rdev
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert runner.invoke(app, ["export", "--post", "1", "--out", str(fifo)]).exit_code == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and "小笠原" in got[0].decode()
    for out in ("-", "/dev/stdout", "/dev/fd/1"):  # a pipe to another program
        proc = run_cli("export", "--post", "1", "--out", out)
        assert proc.returncode == 0, (out, proc.stderr)
        assert "小笠原" in proc.stdout, out


# -- 9: one-line errors instead of tracebacks; a locked database does not lose a fetched batch ------------------

def test_a_database_locked_for_a_while_keeps_the_fetched_batch(web: LoopbackWeb, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from clipper import pipeline, store

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(pipeline, "WRITE_ATTEMPTS", 8)
    web.add_page(SANKEI_URL, SANKEI.read_bytes(), delay=0.3)
    db = tmp_path / "clips.db"
    open_db(db).close()
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another program writing for a while
    releaser = threading.Timer(1.2, lambda: other.execute("COMMIT"))
    releaser.start()
    try:
        result = runner.invoke(app, ["add", SANKEI_URL])
    finally:
        releaser.join()
        other.close()
    assert result.exit_code == 0, result.output
    assert clip_count(db) == 1


def test_a_full_disk_is_one_line_and_loses_nothing(web: LoopbackWeb, tmp_path: Path) -> None:
    import resource

    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    db = tmp_path / "clips.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = clip_count(db)
    big = b"<html><head><title>Big</title></head><body>" + b"<p>" + "本文。".encode() * 40_000 + b"</p></body></html>"
    web.add_page("http://news.example/big", big)
    limit = db.stat().st_size + 64 * 1024

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "clipper", "add", "http://news.example/big"], capture_output=True,
                          text=True, env=dict(os.environ), timeout=60, preexec_fn=small_disk)  # noqa: PLW1509
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: database"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # EFBIG reads as "disk I/O error", ENOSPC as "disk is full"
    assert clip_count(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_search_with_many_excluded_words(web: LoopbackWeb) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    query = "小笠原 " + " ".join(f"-除外{i}" for i in range(300))
    result = runner.invoke(app, ["search", query])
    assert result.exit_code == 0, result.output
    assert "小笠原" in result.stdout
    assert runner.invoke(app, ["search", query + " -警察無線"]).stdout.count("小笠原") == 0


def test_numbers_and_names_out_of_range_are_one_line(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    for args in (["show", str(2**63)], ["show", str(2**70)], ["add", SANKEI_URL + "x", "--max-mb", "inf"],
                 ["add", SANKEI_URL + "x", "--max-mb", "nan"], ["add", "b" * 300 + ".html"],
                 ["export", "--post", "1", "--out", str(tmp_path / ("a" * 300))]):
        result = runner.invoke(app, args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1, args
    listed = runner.invoke(app, ["list", "--limit", str(10**23)])
    assert listed.exit_code == 0 and "小笠原" in listed.stdout


def test_arguments_that_are_not_utf8_are_refused_before_fetching(web: LoopbackWeb) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    proc = subprocess.run([sys.executable, "-m", "clipper", "add", SANKEI_URL, "--tag", b"\xff\xfe".decode(
        "utf-8", "surrogateescape")], capture_output=True, env=dict(os.environ), timeout=60)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert b"not valid UTF-8" in proc.stderr
    assert not web.requests


# -- 7: control characters and bidi marks are cleaned when extracted and never reach a terminal or a draft -------

EVIL = "見出し\x1b]0;pwned\x07\x1b]8;;http://evil.example/\x1b\\リンク\x1b]8;;\x1b\\\x1b[2J\u202egnp.exe\u202c" \
    "\u2028\ufeff\u061c\x85終わり"
BAD_CHARS = ("\x1b", "\x07", "\u202e", "\u202c", "\u2028", "\ufeff", "\u061c", "\x85")


def test_control_characters_are_cleaned_at_extraction_and_on_every_output(web: LoopbackWeb, tmp_path: Path) -> None:
    page = (f"<html><head><title>{EVIL}</title><meta name='author' content='記者{EVIL}'></head><body><article>"
            f"<h1>{EVIL}</h1><p>本文の段落です。{EVIL}" + "あ" * 60 + "</p></article></body></html>")
    web.add_page("http://news.example/evil", page.encode())
    assert runner.invoke(app, ["add", "http://news.example/evil"]).exit_code == 0
    db = tmp_path / "clips.db"
    with sqlite3.connect(db) as conn:
        stored = " ".join(str(v) for v in conn.execute("SELECT title, author, body FROM clips").fetchone())
    assert "見出し" in stored and "終わり" in stored
    assert not any(c in stored for c in BAD_CHARS), repr(stored)
    with sqlite3.connect(db) as conn:  # a clip stored by an older clipper, before extraction cleaned
        conn.execute("UPDATE clips SET title = ?, outlet = ?", (EVIL, EVIL))
    out = tmp_path / "draft.txt"
    outputs = [runner.invoke(app, args).stdout for args in (["export", "--post", "1"], ["cite", "1"], ["list"],
                                                              ["show", "1"])]
    assert runner.invoke(app, ["export", "--post", "1", "--out", str(out)]).exit_code == 0
    outputs.append(out.read_text())
    for text in outputs:
        assert "見出し" in text
        assert not any(c in text for c in BAD_CHARS), repr(text)
