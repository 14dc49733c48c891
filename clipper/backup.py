"""Moving house: a consistent backup copy of the database, and the whole archive as JSON Lines and back.

`backup_db` uses SQLite's online backup, so it is consistent while other commands write. `export_archive` writes
every row of clipper's tables (pages optional) as JSON Lines; `import_archive` restores them into an empty database
in one transaction, ids and all, so a round trip is identical.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from clipper import __version__
from clipper.errors import StoreError, UsageError
from clipper.store import Store

FORMAT = "clipper-archive"
FORMAT_VERSION = 1
# Parents before children, so a restore satisfies foreign keys as it goes.
TABLES = ("clips", "tags", "pages", "fetches", "checks", "posts", "post_clips")


def backup_db(store: Store, dest: str | Path) -> Path:
    """Copy the database to `dest` with SQLite's online backup API. Refuses to overwrite an existing file."""
    dest = Path(dest).expanduser()
    if dest.exists() or dest.is_symlink():
        raise UsageError(f"will not overwrite {dest}: choose a new file name")
    if not dest.parent.exists():
        raise UsageError(f"no such folder: {dest.parent}")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        target = sqlite3.connect(str(tmp))
        try:
            store.conn.backup(target)
        finally:
            target.close()
        os.replace(tmp, dest)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"backup to {dest} failed: {exc}") from None
    return dest


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "$base64" in value:
        return base64.b64decode(value["$base64"])
    return value


def archive_lines(store: Store, *, pages: bool = False) -> Iterator[dict[str, Any]]:
    yield {"format": FORMAT, "version": FORMAT_VERSION, "clipper": __version__}
    for table in TABLES:
        if table == "pages" and not pages:
            continue
        cur = store.conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        for row in cur:
            data = {n: _encode(v) for n, v in zip(names, row, strict=True)}
            if table == "fetches" and not pages:
                data["page_sha256"] = None  # the pages are not in this archive: keep no dangling reference
            yield {"table": table, "row": data}


def export_archive(store: Store, out: IO[str], *, pages: bool = False) -> int:
    """Write the archive as JSON Lines; returns the number of clips written."""
    clips = 0
    for line in archive_lines(store, pages=pages):
        if line.get("table") == "clips":
            clips += 1
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return clips


def _read_lines(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise UsageError(f"{source}:{number}: not a JSON line") from None
        if not isinstance(obj, dict):
            raise UsageError(f"{source}:{number}: not a JSON object")
        yield number, obj


def import_archive(store: Store, lines: Iterable[str], *, source: str = "archive") -> int:
    """Restore an exported archive into an empty database, all or nothing. Returns the number of clips."""
    if store.count():
        raise UsageError("import --json restores into an empty database only; use a new --db")
    rows = _read_lines(lines, source)
    first = next(rows, None)
    if first is None or first[1].get("format") != FORMAT:
        raise UsageError(f"{source}: not a clipper archive (no header line)")
    if int(first[1].get("version", 0)) > FORMAT_VERSION:
        raise UsageError(f"{source}: archive from a newer clipper (format {first[1].get('version')})")
    columns: dict[str, set[str]] = {
        t: {r[1] for r in store.conn.execute(f"PRAGMA table_info({t})")} for t in TABLES
    }
    clips = 0
    try:
        with store.conn:
            for number, obj in rows:
                table, row = obj.get("table"), obj.get("row")
                if table not in columns or not isinstance(row, dict):
                    raise UsageError(f"{source}:{number}: unknown table {table!r}")
                unknown = set(row) - columns[table]
                if unknown:
                    raise UsageError(f"{source}:{number}: unknown column(s) {', '.join(sorted(unknown))} in {table}")
                names = list(row)
                store.conn.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [_decode(row[n]) for n in names],
                )
                clips += table == "clips"
            _after_restore(store)
    except sqlite3.Error as exc:
        raise UsageError(f"{source}: the archive does not fit the database: {exc}") from None
    return clips


def _after_restore(store: Store) -> None:
    """Rebuild what is derived from the rows (the search index), if this clipper has one."""
    import importlib

    try:
        search = importlib.import_module("clipper.search")
    except ImportError:  # pragma: no cover - before the search index existed
        return
    rebuild = getattr(search, "rebuild_index", None)
    if callable(rebuild):
        rebuild(store.conn)

