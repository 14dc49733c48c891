"""Several clipper processes on one database file at once: `add`, `check`, `edit`, `import` and `backup` side by side
finish without a "database is locked" reaching the user, and all their work is there afterwards; two `check` runs
never overlap; many processes opening a new database at once make its schema once.

Every command runs as a real process (`python -m clipper`), with the env the fixtures set.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from clipper import search
from clipper.migrations import MIGRATIONS
from clipper.models import Article
from clipper.store import open_db
from tests.conftest import JA
from tests.test_crash import corpus, seed_clips
from tests.webserver import LoopbackWeb, RequestInfo, Response

SANKEI = JA / "sankei/20250121-ogasawara-police-radio.html"


def run_all(commands: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    """Start every command at the same moment, each in its own process; wait for all."""
    barrier = threading.Barrier(len(commands))
    results: list[subprocess.CompletedProcess[str] | None] = [None] * len(commands)

    def go(i: int) -> None:
        barrier.wait()
        results[i] = subprocess.run([sys.executable, "-m", "clipper", *commands[i]], env=dict(os.environ), cwd=cwd,
                                    capture_output=True, text=True, timeout=120)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(commands))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def post(n: int) -> str:
    return "".join(f"●取り込み{n}-{k}の見出し\n  共同 2016/8/{20 + k}\n 取り込み{n}-{k}の本文です。\n\n"
                   for k in range(2))


def assert_no_locked(result: subprocess.CompletedProcess[str]) -> None:
    assert "locked" not in result.stderr.lower() and "Traceback" not in result.stderr, (result.args, result.stderr)


@pytest.mark.slow
def test_add_check_edit_import_and_backup_side_by_side(web: LoopbackWeb, tmp_path: Path) -> None:
    db = Path(os.environ["CLIPPER_DB"])
    urls = list(corpus())
    seeded = seed_clips(db, urls[:8])  # what edit and check work on
    for url in urls:
        web.add_page(url, corpus()[url], delay=0.05)
    to_add = [urls[8:14], urls[14:20], urls[20:26]]
    for n in range(3):
        (tmp_path / f"post{n}.txt").write_text(post(n), encoding="utf-8")
    ids = list(seeded.values())
    edits = [["edit", str(ids[0]), "--tag", "edit-a"], ["edit", str(ids[0]), "--tag", "edit-b"],
             ["edit", str(ids[1]), "--note", "並行編集のメモ"], ["edit", str(ids[1]), "--tag", "edit-c"],
             ["edit", str(ids[2]), "--title", "並行して直した見出し"], ["edit", str(ids[2]), "--summary", "一/二"]]
    commands = [
        *[["add", *batch, "--tag", f"add-{n}", "--concurrency", "2"] for n, batch in enumerate(to_add)],
        *edits,
        *[["import", str(tmp_path / f"post{n}.txt")] for n in range(3)],
        ["check", "--json", "--timeout", "10"], ["check", "--json", "--timeout", "10"],
        ["backup", str(tmp_path / "backup.db")],
    ]
    results = run_all(commands, tmp_path)
    for result in results:
        assert_no_locked(result)
        if result.args[3] == "check" and result.returncode == 1:
            assert "another check is running" in result.stderr  # refused at once: the other one holds the lock
        else:
            assert result.returncode == 0, (result.args, result.stderr)
    assert any(r.args[3] == "check" and r.returncode == 0 for r in results)

    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        clips = {r["url"] or r["title"]: r for r in conn.execute("SELECT * FROM clips")}

        def tags(clip_id: int) -> set[str]:
            return {t for (t,) in conn.execute("SELECT tag FROM tags WHERE clip_id = ?", (clip_id,))}

        for n, batch in enumerate(to_add):  # every add: each URL exactly once, tagged, with its page
            for url in batch:
                assert f"add-{n}" in tags(clips[url]["id"])
                assert conn.execute("SELECT count(*) FROM fetches WHERE clip_id = ?", (clips[url]["id"],)).fetchone()[0]
        assert len([r for r in conn.execute("SELECT url FROM clips WHERE url IS NOT NULL")]) == 26
        assert {"edit-a", "edit-b"} <= tags(ids[0])  # both edits of one clip, neither lost
        assert clips[urls[1]]["note"] == "並行編集のメモ" and "edit-c" in tags(ids[1])
        assert clips[urls[2]]["title"] == "並行して直した見出し" and clips[urls[2]]["summary"] == '["一", "二"]'
        for n in range(3):  # every import: its post and its two clips
            assert f"取り込み{n}-0の見出し" in clips and f"取り込み{n}-1の見出し" in clips
        assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 3
        for clip_id in ids:  # the check that ran saw every seeded clip; no clip was checked twice
            assert conn.execute("SELECT count(*) FROM checks WHERE clip_id = ?", (clip_id,)).fetchone()[0] == 1
        assert conn.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM checks GROUP BY clip_id)").fetchone()[0] == 1
    with sqlite3.connect(tmp_path / "backup.db") as conn:  # a consistent copy, taken while the others wrote
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM clips").fetchone()[0] >= len(seeded)
    found = subprocess.run([sys.executable, "-m", "clipper", "search", "並行して直した見出し", "--json"],
                           env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and f'"id": {ids[2]}' in found.stdout  # the search index followed the edit


def test_a_second_check_is_refused_at_once_while_other_commands_go_ahead(web: LoopbackWeb, tmp_path: Path) -> None:
    db = Path(os.environ["CLIPPER_DB"])
    urls = list(corpus())
    ids = seed_clips(db, urls[:2])
    release = threading.Event()

    def held(_info: RequestInfo) -> Response:  # the first check's second page comes when the test says so
        release.wait(60)
        return Response(200, corpus()[urls[1]], {"Content-Type": "text/html"})

    web.add_page(urls[0], corpus()[urls[0]])
    web.add(urls[1], held)
    web.add_page(urls[2], corpus()[urls[2]])
    (tmp_path / "post.txt").write_text(post(9), encoding="utf-8")
    first = subprocess.Popen([sys.executable, "-m", "clipper", "check", "--json", "--timeout", "60"],
                             env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None
        first.stdout.readline()  # one clip checked; it holds the lock and waits for the other page
        results = run_all([["check", "--json"], ["add", urls[2]], ["edit", str(ids[urls[0]]), "--tag", "during"],
                           ["import", str(tmp_path / "post.txt")]], tmp_path)
        assert first.poll() is None
    finally:
        release.set()
    refused, *others = results
    assert refused.returncode == 1 and "another check is running" in refused.stderr
    assert f"pid {first.pid}" in refused.stderr
    for result in others:
        assert_no_locked(result)
        assert result.returncode == 0, result.stderr
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(DISTINCT clip_id) FROM checks").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM clips").fetchone()[0] == 5  # 2 seeded, 1 added, 2 imported


def test_many_processes_opening_a_new_database_make_its_schema_once(tmp_path: Path) -> None:
    """Each process reads the schema version, then waits for the write lock the first one holds; when they get it
    the schema is already there. (A version read before the lock would make the tables twice: "table clips
    already exists".)"""
    db = tmp_path / "new.db"
    db.touch()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the first process, in the middle of making the schema
    procs = [subprocess.Popen([sys.executable, "-m", "clipper", *args, "--db", str(db)], env=dict(os.environ),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in (["list"], ["list", "--json"], ["add", str(SANKEI)], ["export", "--json"], ["list"])]
    time.sleep(1.5)  # let them all reach the lock (if one is late it simply finds the schema made)
    holder.execute("COMMIT")
    holder.close()
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "locked" not in err, err
    with open_db(db) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert store.count() == 1


def test_opening_a_database_twice_in_one_process_keeps_its_locks(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it; if open_db opened the file
    itself (to peek at its header) while another connection of the process is open, the next process to close
    would find no other user, checkpoint and delete the WAL still in use, and commits were lost so."""
    db = Path(os.environ["CLIPPER_DB"])
    with open_db(db) as first:
        first.insert_clip(Article(title="一つ目", paragraphs=("本文。",)), None, url="https://e.jp/1")
        with open_db(db) as second:  # a worker thread's own connection, say
            assert second.count() == 1
        done = subprocess.run([sys.executable, "-m", "clipper", "list"], env=dict(os.environ), capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert Path(f"{db}-wal").exists()  # the other process saw this one still using the database
        first.insert_clip(Article(title="二つ目", paragraphs=("本文。",)), None, url="https://e.jp/2")
    listed = subprocess.run([sys.executable, "-m", "clipper", "list", "--json"], env=dict(os.environ),
                            capture_output=True, text=True, timeout=60)
    assert len(listed.stdout.splitlines()) == 2


def test_two_edits_of_one_clip_at_once_both_land(tmp_path: Path) -> None:
    """An edit reads the clip's indexed text, then changes it: both inside one write transaction, so an edit by
    another process cannot slip in between (it used to: the search index was asked to delete tokens it no longer
    had, "database disk image is malformed", and the second edit was lost with a traceback)."""
    db = Path(os.environ["CLIPPER_DB"])
    with open_db(db) as store:
        clip_id = store.insert_clip(Article(title="古い見出しです", paragraphs=("本文は変わらない。",)), None,
                                    url="https://e.jp/1")
    with open_db(db) as other:  # another process's edit, caught in the middle of its transaction
        other.conn.execute("BEGIN IMMEDIATE")
        with search.reindexing(other.conn, clip_id):
            other.conn.execute("UPDATE clips SET title = '新しい題名だ' WHERE id = ?", (clip_id,))
        edit = subprocess.Popen([sys.executable, "-m", "clipper", "edit", str(clip_id), "--tag", "並行"],
                                env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # let it start and reach the lock (if it is late, it simply comes after)
        other.conn.execute("COMMIT")
    _, err = edit.communicate(timeout=60)
    assert edit.returncode == 0 and "Traceback" not in err, err
    with open_db(db) as store:
        clip = store.get_clip(clip_id)
        assert clip.title == "新しい題名だ" and clip.tags == ("並行",)
        assert [c.id for c in store.search_clips("新しい")] == [clip_id] == [c.id for c in store.search_clips("並行")]
        assert store.search_clips("古い") == []
