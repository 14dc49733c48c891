"""`clipper restore BACKUP` (issue 15 item 1, issue 12 item 7): a backup goes back in place, checked, atomically,
with the current database and a killed run's -wal/-shm set aside, never replayed onto the restored file."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from clipper.restore import backup_target
from tests.test_cli_user import PAGES, add_pages, ids_of, run

KILLED_WRITER = """
import os, signal, sys
from clipper.store import open_db
store = open_db(sys.argv[1])
store.conn.execute("PRAGMA wal_autocheckpoint = 0")
store.update_clip(int(sys.argv[2]), fields={"title": "killed run's edit"})
os.kill(os.getpid(), signal.SIGKILL)
"""


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_restore_a_backup_over_a_database_with_a_killed_runs_wal(tmp_path: Path) -> None:
    db, saved = tmp_path / "clips.db", tmp_path / "saved.db"
    ids = add_pages(db, PAGES[:2])
    code, _, err = run("backup", str(saved), db=db)
    assert code == 0, err
    add_pages(db, PAGES[2:])
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db), str(ids[PAGES[0]])], check=False)
    assert Path(f"{db}-wal").stat().st_size > 0  # the killed run's commit is only in the WAL

    code, out, err = run("restore", str(saved), db=db)
    assert code == 0, err
    assert "restored 2 clip(s)" in err
    assert integrity(db) == "ok"
    assert sorted(ids_of(run("list", "--json", db=db)[1])) == sorted(ids.values())
    code, out, err = run("search", "地震", "--json", db=db)
    assert code == 0 and ids_of(out), err
    # the previous database is kept, the killed run's commit folded into it
    (aside,) = tmp_path.glob("clips.db.before-restore-*")
    assert integrity(aside) == "ok"
    titles = {json.loads(line)["title"] for line in run("list", "--json", db=aside)[1].splitlines()}
    assert len(titles) == 3 and "killed run's edit" in titles


def test_a_damaged_backup_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    db, saved = tmp_path / "clips.db", tmp_path / "saved.db"
    add_pages(db, PAGES[:1])
    assert run("backup", str(saved), db=db)[0] == 0
    data = bytearray(saved.read_bytes())
    for start in range(4096, len(data), 4096):  # garbage over every page but the header's
        data[start + 8: start + 400] = b"\xff" * 392
    saved.write_bytes(bytes(data))
    before = db.read_bytes()
    code, out, err = run("restore", str(saved), db=db)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("clips.db.before-restore-*")) and not list(tmp_path.glob(".clips.db*"))


def test_restore_a_dump_replaces_the_database(tmp_path: Path) -> None:
    db, archive = tmp_path / "clips.db", tmp_path / "archive.jsonl"
    ids = add_pages(db, PAGES[:2])
    code, _, err = run("dump", "--pages", "--out", str(archive), db=db)
    assert code == 0, err
    assert json.loads(archive.read_text(encoding="utf-8").splitlines()[0])["format"] == "clipper-archive"
    add_pages(db, PAGES[2:])
    code, _, err = run("restore", str(archive), db=db)
    assert code == 0, err
    assert sorted(ids_of(run("list", "--json", db=db)[1])) == sorted(ids.values())
    assert run("show", str(ids[PAGES[0]]), "--html", db=db)[1].startswith("<")


def test_restore_into_a_new_path(tmp_path: Path) -> None:
    db, saved, new = tmp_path / "clips.db", tmp_path / "saved.db", tmp_path / "new.db"
    add_pages(db, PAGES[:1])
    run("backup", str(saved), db=db)
    code, _, err = run("restore", str(saved), "--db", str(new))
    assert code == 0 and "kept as" not in err, err
    assert len(ids_of(run("list", "--json", db=new)[1])) == 1


def test_restore_of_something_else_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    add_pages(db, PAGES[:1])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    for target in (notes, tmp_path / "missing.db"):
        code, _, err = run("restore", str(target), db=db)
        assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert len(ids_of(run("list", "--json", db=db)[1])) == 1


def test_old_spellings_still_work_hidden(tmp_path: Path) -> None:
    db, archive, new = tmp_path / "clips.db", tmp_path / "a.jsonl", tmp_path / "new.db"
    add_pages(db, PAGES[:1])
    assert run("export", "--json", "--out", str(archive), db=db)[0] == 0
    assert run("import", "--json", str(archive), "--db", str(new))[0] == 0
    assert len(ids_of(run("list", "--json", db=new)[1])) == 1
    for command in ("export", "import"):  # hidden: no option line for them
        assert not re.search(r"^\s+--(json|pages)\b", run(command, "--help")[1], flags=re.M)


def test_backup_into_a_folder_writes_a_dated_file(tmp_path: Path) -> None:
    db, folder = tmp_path / "clips.db", tmp_path / "backups"
    add_pages(db, PAGES[:1])
    folder.mkdir()
    code, _, err = run("backup", f"{folder}/", db=db)
    assert code == 0, err
    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    assert (folder / f"clips-{today}.db").is_file()
    assert run("backup", str(folder), db=db)[0] == 0  # a second one the same day gets the time too
    assert len(list(folder.glob(f"clips-{today}*.db"))) == 2


def test_backup_target_names() -> None:
    moment = datetime(2025, 1, 21, 10, 15, 0)
    assert backup_target("x/new.db", "/d/clips.db", now=moment) == Path("x/new.db")
    assert backup_target("nowhere/", "/d/clips.db", now=moment) == Path("nowhere/clips-2025-01-21.db")
    assert os.sep in str(backup_target("nowhere/", "/d/clips.db", now=moment))
