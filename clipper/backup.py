"""Moving house: a consistent backup copy of the database, and the whole archive as JSON Lines and back.

`backup_db` uses SQLite's online backup, so it is consistent while other commands write. `export_archive` writes
every row of clipper's tables (pages optional) as JSON Lines; `import_archive` restores them into an empty database
in one transaction, ids and all, so a round trip is identical.

An archive may be hostile or hand-mended: each row is checked by clipper.rows (the rules clipper writes by) and
against the rows before it (an id or key used once, references only to rows already restored), and the first bad
line is refused as `FILE:LINE: field: what is wrong`, nothing written. `restore_archive` reads the file a line at a
time and never a line past MAX_LINE, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import sys
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


def archive_lines(store: Store, *, pages: bool = False) -> Iterator[dict[str, Any]]:
    from clipper.rows import URL_COLUMNS
    from clipper.urls import strip_credentials

    yield {"format": FORMAT, "version": FORMAT_VERSION, "clipper": __version__}
    for table in TABLES:
        if table == "pages" and not pages:
            continue
        cur = store.conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        addresses = URL_COLUMNS[table]
        for row in cur:
            data = {n: _encode(v) for n, v in zip(names, row, strict=True)}
            for name in addresses:  # an address stored before clipper dropped credentials everywhere
                if isinstance(data.get(name), str):
                    data[name] = strip_credentials(data[name])
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


MAX_LINE = 64 * 1024 * 1024  # bytes in one archive line; a line holds one row (a page's data, a clip's text)
# Which row an id or key of each table must match, in the rows restored before it.
_KEYS = {"clips": ("id",), "fetches": ("id",), "checks": ("id",), "posts": ("id",), "pages": ("sha256",),
         "tags": ("clip_id", "tag"), "post_clips": ("post_id", "clip_id")}
_REFERENCES = {"tags": {"clip_id": "clips"}, "fetches": {"clip_id": "clips", "page_sha256": "pages"},
               "checks": {"clip_id": "clips"}, "post_clips": {"post_id": "posts", "clip_id": "clips"}}
_PARENT_KEY = {"clips": "id", "posts": "id", "pages": "sha256"}
_NAMES = {"clips": "clip", "pages": "page", "posts": "post", "fetches": "fetch", "checks": "check", "tags": "tag",
          "post_clips": "post's clip"}


class _Refused(Exception):
    """An archive line that cannot be restored; the message is `field: reason` or a reason alone."""


def _no_constants(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON value clipper writes")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"{key}: the key appears twice")
            seen.add(key)
    return obj


def _decode(line: str | bytes, first: bool) -> str:
    if len(line) > MAX_LINE:
        raise _Refused(f"line longer than {MAX_LINE // (1024 * 1024)} MB")
    if isinstance(line, str):
        return line.removeprefix("\ufeff") if first else line
    try:
        return line.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(f"not UTF-8 text (byte {exc.start + 1})") from None


def _parse(text: str) -> dict[str, Any]:
    try:
        obj = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise _Refused("JSON nested too deeply") from None
    except ValueError as exc:
        raise _Refused(f"not a JSON line ({exc})") from None
    if not isinstance(obj, dict):
        raise _Refused("not a JSON object (a line is {\"table\": ..., \"row\": {...}})")
    return obj


def _read_lines(lines: Iterable[str | bytes], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    # Each line's bytes and text are dropped as soon as the next form exists (no enumerate(), which keeps the last
    # item): a 64 MB line is never held three times over.
    number = 0
    for line in lines:
        number += 1
        if not line or line.isspace():  # (not strip(): a copy of a 64 MB line)
            continue
        try:
            text = _decode(line, number == 1)
            del line
            obj = _parse(text)
            del text
        except _Refused as exc:
            raise UsageError(f"{source}:{number}: {exc}") from None
        yield number, obj


class _FileLines:
    """Lines of a binary file, none read past MAX_LINE bytes (a line that long is refused, not loaded); keeps no
    reference to a line it returned."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def __iter__(self) -> _FileLines:
        return self

    def __next__(self) -> bytes:
        line = self.fh.readline(MAX_LINE + 1)
        if not line:
            raise StopIteration
        return line


def _check_header(first: tuple[int, dict[str, Any]] | None, source: str) -> None:
    if first is None or first[1].get("format") != FORMAT:
        raise UsageError(f"{source}: not a clipper archive (no header line)")
    number, header = first
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UsageError(f"{source}:{number}: version: {_show(version)} is not a format version (1, 2, ...)")
    if version > FORMAT_VERSION:
        raise UsageError(f"{source}:{number}: version: archive from a newer clipper (format {version}; this one"
                         f" reads {FORMAT_VERSION})")


def _show(value: Any) -> str:
    from clipper.rows import kind

    return repr(value)[:40] if isinstance(value, str) else kind(value)


BATCH_ROWS = 500  # checked rows written together (sqlite-utils insert_all)...
BATCH_BYTES = 8 * 1024 * 1024  # ...or fewer, when their pages hold this many bytes: memory stays bounded


class _Batch:
    """Checked rows of one table not yet written: the checks of the next rows look here as well as in the
    database. Rows of one table are written together with insert_all, when the batch is full or the archive moves
    on to another table (so the rows a reference can name, in tables before, are always in the database)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = ""
        self.rows: list[dict[str, Any]] = []
        self.keys: set[tuple[Any, ...]] = set()
        self.tags: dict[int, int] = {}  # tags per clip, in this batch
        self.hashes: set[str] = set()  # posts' content_sha256, in this batch
        self.size = 0

    def add(self, table: str, values: dict[str, Any], key: tuple[Any, ...]) -> None:
        self.rows.append(values)
        self.keys.add(key)
        if table == "tags":
            self.tags[values["clip_id"]] = self.tags.get(values["clip_id"], 0) + 1
        elif table == "posts":
            self.hashes.add(values["content_sha256"])
        elif table == "pages":
            self.size += len(values["data"])
        if len(self.rows) >= BATCH_ROWS or self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.store.table(self.table).insert_all(self.rows, batch_size=BATCH_ROWS)
        self.rows, self.size = [], 0
        self.keys.clear()
        self.tags.clear()
        self.hashes.clear()


def _restore_row(batch: _Batch, table: Any, row: Any) -> bool:
    """Check one archive row against clipper's rules and the rows before it, and add it to the batch."""
    from clipper.rows import MAX_TAGS, TABLES, Invalid, check_row

    if table not in TABLES:
        raise _Refused(f"table: unknown table {_show(table)} (known: {', '.join(TABLES)})")
    if not isinstance(row, dict):
        raise _Refused(f"row: expected an object, got {_show(row)}")
    try:
        values = check_row(table, row)
    except Invalid as exc:
        raise _Refused(str(exc)) from None
    if table != batch.table:
        batch.flush()
        batch.table = table
    conn = batch.store.conn
    for column, parent in _REFERENCES.get(table, {}).items():
        if values[column] is not None and conn.execute(
                f"SELECT 1 FROM {parent} WHERE {_PARENT_KEY[parent]} = ?", (values[column],)).fetchone() is None:
            raise _Refused(f"{column}: no {_NAMES[parent]} {values[column]!r} in the archive before this line")
    keys = _KEYS[table]
    key = tuple(values[k] for k in keys)
    if key in batch.keys or conn.execute(f"SELECT 1 FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in keys)}",
                                         key).fetchone() is not None:
        shown = ", ".join(f"{k} {values[k]!r}" for k in keys)
        raise _Refused(f"{keys[-1]}: a {_NAMES[table]} with {shown} is already in the archive")
    if table == "tags" and batch.tags.get(values["clip_id"], 0) + conn.execute(
            "SELECT count(*) FROM tags WHERE clip_id = ?", (values["clip_id"],)).fetchone()[0] >= MAX_TAGS:
        raise _Refused(f"clip_id: clip {values['clip_id']} has more than {MAX_TAGS} tags")
    if table == "posts" and (values["content_sha256"] in batch.hashes or conn.execute(
            "SELECT 1 FROM posts WHERE content_sha256 = ?", (values["content_sha256"],)).fetchone() is not None):
        raise _Refused("content_sha256: another post with this content is already in the archive")
    row.clear()  # the archive's copy (a page's base64 text) is not needed any more
    batch.add(table, values, key)
    return table == "clips"


def import_archive(store: Store, lines: Iterable[str | bytes], *, source: str = "archive") -> int:
    """Restore an exported archive into an empty database, all or nothing. Returns the number of clips.

    Every row is checked by clipper.rows (the rules add, edit and import write by) and against the rows before it
    (ids taken once, references to rows already restored); the first bad line is refused with
    `SOURCE:LINE: field: what is wrong`, and nothing of the archive is written."""
    rows = _read_lines(lines, source)
    _check_header(next(rows, None), source)
    clips = 0
    number = 0
    try:
        with store.conn:
            if any(store.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in TABLES):
                raise UsageError("import --json restores into an empty database only; use a new --db")
            batch = _Batch(store)
            for number, obj in rows:
                extra = sorted(set(obj) - {"table", "row"})
                try:
                    if extra:
                        raise _Refused(f"{extra[0]}: unknown key (a line is {{\"table\": ..., \"row\": {{...}}}})")
                    clips += _restore_row(batch, obj.get("table"), obj.get("row"))
                except _Refused as exc:
                    raise UsageError(f"{source}:{number}: {exc}") from None
            batch.flush()
            _after_restore(store)
    except sqlite3.Error as exc:
        where = f"{source}:{number}" if number else source
        if "full" in str(exc):
            raise StoreError(f"{where}: the disk is full; nothing of the archive was written") from None
        raise StoreError(f"{where}: the archive could not be written ({exc}); nothing of it was kept") from None
    return clips


def restore_archive(store: Store, name: str) -> int:
    """`import --json NAME`: restore the archive in file NAME ("-" for standard input), read a line at a time."""
    if name == "-":
        return import_archive(store, _FileLines(sys.stdin.buffer), source="<stdin>")
    path = Path(name).expanduser()
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise UsageError(f"no such file: {name}") from None
    except IsADirectoryError:
        raise UsageError(f"is a directory, not an archive: {name}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None
    with fh:
        try:
            return import_archive(store, _FileLines(fh), source=name)
        except OSError as exc:
            raise UsageError(f"cannot read {name}: {exc.strerror}") from None


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

