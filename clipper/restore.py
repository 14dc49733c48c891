"""`clipper restore BACKUP`: put a backup back in place of the database, never half-way.

A backup is either an SQLite file (from `clipper backup`) or a JSON Lines archive (from `clipper dump`). Either
way the new database is first built beside the current one, as a temporary file: an SQLite backup is copied with
SQLite's backup API and must pass ``PRAGMA integrity_check``; an archive is restored row by row into a fresh
database (:func:`clipper.backup.import_archive`). Only then is the current database set aside, with a name that
says when (``clips.db.before-restore-20250101T101500``), and the new file renamed over it, so at every moment the
database path holds a whole database. A ``-wal``/``-shm`` pair left beside the old file by a killed run is folded
into the old file first (opening it does that), so it can never be replayed onto the restored one.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from clipper.errors import StoreError, UsageError

SQLITE_MAGIC = b"SQLite format 3\x00"


def _sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _copy_checked(backup: Path, tmp: Path) -> None:
    """Copy an SQLite backup to `tmp` with the backup API (the backup is only read) and check its integrity."""
    try:
        source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(str(tmp))
            try:
                source.backup(target)
                problems = [r[0] for r in target.execute("PRAGMA integrity_check").fetchall()]
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise UsageError(f"{backup}: not a usable SQLite backup ({exc})") from None
    if problems != ["ok"]:
        raise UsageError(f"{backup}: the backup is damaged ({problems[0]}); nothing was changed")


def _fill_from_archive(backup: Path, tmp: Path) -> None:
    from clipper.backup import restore_archive
    from clipper.store import open_db

    with open_db(tmp) as store:
        # a line at a time, every row checked (never the whole file in memory)
        restore_archive(store, str(backup))


def _settle(db: Path) -> None:
    """Fold the current database's WAL into it and make sure no other command has it open."""
    try:
        conn = sqlite3.connect(str(db), timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        return  # a damaged database is set aside as it is, with its sidecars
    if any(p.exists() for p in _sidecars(db)[:2]):
        raise StoreError(f"{db} is in use by another clipper command (its -wal is open); run restore when it ends")


def restore_db(backup: str | Path, db: str | Path, *, now: datetime | None = None) -> tuple[int, Path | None]:
    """Replace the database at `db` by `backup` (an SQLite backup or a JSON Lines archive).

    Returns the restored clip count and where the previous database was set aside (None when there was none).
    Raises UsageError (bad backup) or StoreError (the database cannot be replaced); nothing changes then."""
    backup, db = Path(backup).expanduser(), Path(db).expanduser()
    if not backup.is_file():
        raise UsageError(f"no such backup file: {backup}")
    if db.exists() and backup.resolve() == db.resolve():
        raise UsageError(f"{backup} is the database itself")
    if not db.parent.is_dir():
        raise UsageError(f"no such folder: {db.parent}")
    tmp = db.with_name(f".{db.name}.restore-{os.getpid()}.tmp")
    for leftover in (tmp, *_sidecars(tmp)):
        leftover.unlink(missing_ok=True)
    try:
        try:
            sqlite = _is_sqlite(backup)
        except OSError as exc:
            raise UsageError(f"cannot read {backup}: {exc.strerror}") from None
        if sqlite:
            _copy_checked(backup, tmp)
        else:
            _fill_from_archive(backup, tmp)
        from clipper.store import open_db

        with open_db(tmp) as store:  # a clipper database (migrated if older), or a one-line StoreError
            clips = store.count()
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        aside = None
        if db.exists():
            _settle(db)
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
            aside = db.with_name(f"{db.name}.before-restore-{stamp}")
            n = 1
            while aside.exists():
                n += 1
                aside = db.with_name(f"{db.name}.before-restore-{stamp}-{n}")
            try:
                os.link(db, aside)  # the old file keeps its name until the new one replaces it
            except OSError:
                import shutil

                shutil.copy2(db, aside)
            for side in _sidecars(db):
                if side.exists():
                    os.replace(side, Path(f"{aside}{side.name.removeprefix(db.name)}"))
        os.replace(tmp, db)
    except OSError as exc:
        raise StoreError(f"cannot restore into {db}: {exc.strerror or exc}") from None
    finally:
        for leftover in (tmp, *_sidecars(tmp)):
            leftover.unlink(missing_ok=True)
    return clips, aside


def backup_target(dest: str | Path, db: str | Path, *, now: datetime | None = None) -> Path:
    """Where `clipper backup DEST` writes: DEST itself, or for a folder (an existing one, or a name ending in
    /) a dated file in it named after the database: ``clips-2025-01-21.db``, then ``clips-2025-01-21-101500.db``."""
    text = str(dest)
    folder = Path(text).expanduser()
    if not (text.endswith(("/", os.sep)) or folder.is_dir()):
        return folder
    moment = now or datetime.now().astimezone()
    stem, suffix = Path(db).stem, Path(db).suffix or ".db"
    target = folder / f"{stem}-{moment:%Y-%m-%d}{suffix}"
    if target.exists() or target.is_symlink():
        target = folder / f"{stem}-{moment:%Y-%m-%d-%H%M%S}{suffix}"
    return target
