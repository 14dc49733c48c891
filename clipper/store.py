"""The SQLite store: open_db() applies migrations; every query lives here.

WAL mode and a busy timeout let a cron `check` and an interactive command share the file. Writes are short
transactions, so an interrupted batch keeps what it finished and never leaves half a clip.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from clipper.errors import StoreError, UsageError
from clipper.migrations import MIGRATIONS
from clipper.models import Article, Clip, Page
from clipper.urls import normalize_url

if TYPE_CHECKING:
    from types import ModuleType

    from sqlite_utils import Database
    from sqlite_utils.db import Table

    from clipper.search import SearchHit


def _search() -> ModuleType:
    """The search index module, imported on first write or search: `clipper list` starts faster without it."""
    from clipper import search

    return search

MIN_DB_SIZE = 512  # the smallest SQLite page: a non-empty database file is at least this big
BUSY_TIMEOUT_MS = 30_000


PackedPage = tuple[str, bytes]  # (sha256 hex of the raw bytes, zlib-compressed bytes)


def pack_page(raw: bytes) -> PackedPage:
    """Hash and compress a page. Both release the GIL, so the add pipeline calls this in its worker threads."""
    return hashlib.sha256(raw).hexdigest(), zlib.compress(raw, 6)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class _WriteConnection(sqlite3.Connection):
    """`with conn:` is a write transaction that starts with BEGIN IMMEDIATE: it takes the write lock first (waiting
    up to the busy timeout), so what the block reads is what it then changes (search.reindexing reads a clip's
    indexed text before the edit). sqlite3's implicit BEGIN comes only before the first INSERT/UPDATE/DELETE, which
    leaves earlier reads outside the transaction: another process's edit of the same clip committed in between
    made the index delete the wrong tokens ("database disk image is malformed", the edit lost)."""

    _depth = 0

    def __enter__(self) -> _WriteConnection:
        # Blocks nest: only the outermost one begins and commits (or rolls back), so a caller can make several
        # writes one transaction (a batch of added clips, a whole imported post).
        if self._depth == 0 and not self.in_transaction:
            self.execute("BEGIN IMMEDIATE")
        self._depth += 1
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> Literal[False]:
        self._depth -= 1
        if self._depth == 0:
            super().__exit__(exc_type, exc, tb)  # type: ignore[arg-type]
        return False


class Store:
    """An open clipper database. Use `open_db(path)`; close with `.close()` or as a context manager.

    Rows are written through `db`, an sqlite-utils Database over the same connection (so inside the same
    `with store.conn:` transaction: each insert is a savepoint in it); queries are SQL on `conn`. sqlite-utils is
    imported on the first write, not when a read command starts (it costs ~60 ms to import)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._db: Database | None = None
        self._tables: dict[str, Table] = {}

    @property
    def db(self) -> Database:
        if self._db is None:
            from sqlite_utils import Database

            # no PRAGMA recursive_triggers and no plugins: the connection stays exactly as open_db() set it up
            self._db = Database(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._db

    def table(self, name: str) -> Table:
        """The sqlite-utils Table `name` (made once: `db.table()` asks sqlite_master whether it is a view)."""
        if name not in self._tables:
            self._tables[name] = self.db.table(name)
        return self._tables[name]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- reading ---------------------------------------------------------------------------------------------

    def _tags(self, clip_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        out: dict[int, list[str]] = {i: [] for i in clip_ids}
        for chunk_start in range(0, len(clip_ids), 500):
            chunk = clip_ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for cid, tag in self.conn.execute(
                f"SELECT clip_id, tag FROM tags WHERE clip_id IN ({marks}) ORDER BY tag", tuple(chunk)
            ):
                out[cid].append(tag)
        return {k: tuple(v) for k, v in out.items()}

    def _clips(self, rows: list[sqlite3.Row]) -> list[Clip]:
        tags = self._tags([r["id"] for r in rows])
        return [_row_to_clip(r, tags.get(r["id"], ())) for r in rows]

    def get_clip(self, clip_id: int) -> Clip:
        row = self.conn.execute("SELECT * FROM clips WHERE id = ?", (clip_id,)).fetchone()
        if row is None:
            raise UsageError(f"no clip with id {clip_id}")
        return self._clips([row])[0]

    def get_clips(self, ids: Iterable[int]) -> list[Clip]:
        return [self.get_clip(i) for i in ids]

    def find_duplicate(self, *urls: str | None) -> int | None:
        """The id of a clip made from, or canonically at, any of these URLs (after normalisation)."""
        keys = {normalize_url(u) for u in urls if u}
        for key in keys:
            row = self.conn.execute(
                "SELECT id FROM clips WHERE url_key = ? OR canonical_key = ? ORDER BY id LIMIT 1", (key, key)
            ).fetchone()
            if row:
                return int(row[0])
        return None

    def find_clip_by_title(self, title: str, published: str | None) -> int | None:
        """A clip with this exact title (and published day, when known): how an imported section without a link
        finds the clip it quotes."""
        if published:
            row = self.conn.execute("SELECT id FROM clips WHERE title = ? AND substr(published, 1, 10) = ?"
                                    " ORDER BY id LIMIT 1", (title, published[:10])).fetchone()
        else:
            row = self.conn.execute("SELECT id FROM clips WHERE title = ? ORDER BY id LIMIT 1", (title,)).fetchone()
        return int(row[0]) if row else None

    def list_clips(
        self,
        *,
        tag: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        order: str = "added",
        ids: Sequence[int] | None = None,
    ) -> list[Clip]:
        where, params = _filters(tag=tag, outlet=outlet, since=since, until=until, status=status)
        if ids is not None:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = "SELECT * FROM clips"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += {
            "added": " ORDER BY id DESC",
            "published": " ORDER BY published IS NULL, published DESC, id DESC",
            "oldest": " ORDER BY id",
        }.get(order, " ORDER BY id DESC")
        if limit:
            sql += f" LIMIT {min(int(limit), 2**63 - 1)}"  # beyond 64 bits: all of them
        return self._clips(self.conn.execute(sql, params).fetchall())

    def search_hits(self, query: str, *, limit: int | None = 50, **filters: Any) -> list[SearchHit]:
        """Full-text search (clipper.search): best first, each hit with its score and a snippet.
        Raises UsageError for a query with nothing to find."""
        where, params = _filters(**filters)
        try:
            return _search().run_search(self.conn, query, where=where, params=params, limit=limit,
                                     load=lambda ids: self.list_clips(ids=ids))
        except ValueError as exc:
            raise UsageError(f"search: {exc}") from None

    def search_clips(self, query: str, *, limit: int | None = 50, **filters: Any) -> list[Clip]:
        """The clips `search_hits` finds, best first."""
        return [hit.clip for hit in self.search_hits(query, limit=limit, **filters)]

    def page_bytes(self, clip_id: int) -> bytes | None:
        """The raw bytes of the page a clip was last made from (the first page of a multi-page article)."""
        row = self.conn.execute(
            "SELECT p.data, p.compression FROM fetches f JOIN pages p ON p.sha256 = f.page_sha256"
            " WHERE f.clip_id = ? AND coalesce(f.part, 1) = 1 ORDER BY f.id DESC LIMIT 1",
            (clip_id,),
        ).fetchone()
        if row is None:
            return None
        return zlib.decompress(row[0]) if row[1] == "zlib" else bytes(row[0])

    def fetches(self, clip_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT fetched_at, source, url, final_url, http_status, content_type, encoding, encoding_source,"
            " warnings, snapshot_url, snapshot_at, part FROM fetches WHERE clip_id = ? ORDER BY id",
            (clip_id,),
        ).fetchall()
        return [{**dict(r), "warnings": _json_list(r["warnings"]) or []} for r in rows]

    def stored_pages(self, clip_id: int) -> list[dict[str, Any]]:
        """Every fetch of a clip that kept its page, oldest first, with the raw bytes (`raw`) and the response
        headers as stored (`headers`: [[name, value], ...], or None for fetches from before they were kept)."""
        out = []
        for row in self.conn.execute(
            "SELECT f.id, f.fetched_at, f.source, f.url, f.final_url, f.http_status, f.content_type, f.headers,"
            " f.snapshot_url, f.snapshot_at, f.part, p.data, p.compression FROM fetches f JOIN pages p ON"
            " p.sha256 = f.page_sha256 WHERE f.clip_id = ? ORDER BY f.id", (clip_id,)):
            item = dict(row)
            data, compression = item.pop("data"), item.pop("compression")
            item["raw"] = zlib.decompress(data) if compression == "zlib" else bytes(data)
            item["headers"] = _json_list(row["headers"])
            out.append(item)
        return out

    def checks(self, clip_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT checked_at, status, http_status, reason, final_url, archive_url FROM checks"
            " WHERE clip_id = ? ORDER BY id",
            (clip_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM clips").fetchone()[0])

    # -- link checks (clipper check) ---------------------------------------------------------------------------

    def check_schedule(self) -> list[tuple[int, str, str, str | None, str | None]]:
        """(id, url, added_at, checked_at, status) of every clip with a url, oldest first: what the due rule
        and the request scheduler read (the text is read per clip, when its turn comes)."""
        return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in self.conn.execute(
            "SELECT id, url, added_at, checked_at, status FROM clips WHERE url IS NOT NULL AND url != ''"
            " ORDER BY id")]

    def reader(self) -> Store:
        """Another connection to this database, for a worker thread to read on (the schema is already checked).

        Cheaper than open_db() (no schema check, no pragmas to set again). Anything that opens the database file
        with open()/close() must be avoided in a process that has it open: closing any descriptor of a file drops
        every POSIX lock the process holds on it, and another process may then take the live WAL for abandoned."""
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return Store(conn, self.path)

    def check_state(self, clip_id: int) -> dict[str, Any] | None:
        """What a link check compares against: the clip's addresses, title, quote, text and current link health."""
        row = self.conn.execute(
            "SELECT id, url, final_url, canonical_url, title, body, quote, published, added_at, status, fail_count,"
            " archive_url FROM clips WHERE id = ?", (clip_id,)).fetchone()
        if row is None:
            return None
        state = dict(row)
        state["quote"] = _json_list(row["quote"])
        fails = int(row["fail_count"] or 0)
        state["first_fail_at"] = self.conn.execute(
            "SELECT min(checked_at) FROM (SELECT checked_at FROM checks WHERE clip_id = ? ORDER BY id DESC LIMIT ?)",
            (clip_id, fails)).fetchone()[0] if fails else None
        return state

    def record_checks(self, checks: Sequence[dict[str, Any]]) -> None:
        """Link checks, each a `checks` row plus the clip's current status columns, in one transaction (a check
        run commits what arrived together). Keys: clip_id, checked_at, status, http_status, reason, final_url,
        archive_url, fail_count, moved_to. A found archive copy or new address is kept when a later check has
        none."""
        history = ("clip_id", "checked_at", "status", "http_status", "reason", "final_url", "archive_url")
        with self.conn:
            self.table("checks").insert_all({k: c[k] for k in history} for c in checks)
            self.conn.executemany(
                "UPDATE clips SET status=:status, status_http=:http_status, status_reason=:reason,"
                " checked_at=:checked_at, fail_count=:fail_count, moved_to=coalesce(:moved_to, moved_to),"
                " archive_url=coalesce(:archive_url, archive_url) WHERE id=:clip_id", checks)

    def set_archive_url(self, clip_id: int, archive_url: str) -> None:
        with self.conn:
            self.conn.execute("UPDATE clips SET archive_url = ? WHERE id = ?", (archive_url, clip_id))

    # -- writing ---------------------------------------------------------------------------------------------

    def _record_fetch(self, clip_id: int, page: Page, packed: PackedPage | None = None, *,
                      more: Sequence[tuple[Page, PackedPage | None]] = ()) -> None:
        """One fetches row per page: the page, then the following pages of a multi-page article (part 1, 2...);
        each page's bytes stored once (content-addressed: a page already stored is left as it is)."""
        pages = [(one, one_packed or pack_page(one.raw)) for one, one_packed in [(page, packed), *more] if one.raw]
        self.table("pages").insert_all(({"sha256": digest, "size": len(one.raw), "compression": "zlib",
                                         "data": data} for one, (digest, data) in pages), ignore=True)
        digests = {id(one): digest for one, (digest, _data) in pages}
        fetched = [page, *(one for one, _packed in more)]
        self.table("fetches").insert_all({
            "clip_id": clip_id, "fetched_at": one.fetched_at, "source": one.source, "url": one.url,
            "final_url": one.final_url, "http_status": one.status, "content_type": one.content_type,
            "encoding": one.encoding, "encoding_source": one.encoding_source,
            "warnings": _json(one.warnings), "page_sha256": digests.get(id(one)),
            "headers": _json([list(h) for h in one.headers]) if one.headers else None,
            "snapshot_url": one.snapshot_url, "snapshot_at": one.snapshot_at,
            "part": part if len(fetched) > 1 else None,
        } for part, one in enumerate(fetched, start=1))
        if page.snapshot_url:  # a copy from the archive: the clip's archived copy is that snapshot
            self.table("clips").update(clip_id, {"archive_url": playback_url(page.snapshot_url)})

    def insert_clip(
        self,
        article: Article,
        page: Page | None,
        *,
        url: str | None,
        tags: Iterable[str] = (),
        note: str | None = None,
        title: str | None = None,
        quote: Sequence[str | None] | None = None,
        packed: PackedPage | None = None,
        more_pages: Sequence[tuple[Page, PackedPage | None]] = (),
    ) -> int:
        """Store a new clip with its page and tags, all in one transaction. Returns the new id."""
        stamp = now_iso()
        row = {**_article_columns(article, page), "url": url, "url_key": normalize_url(url) if url else None,
               "title": title or article.title, "quote": _json(quote) if quote is not None else None, "note": note,
               "added_at": stamp, "updated_at": stamp}
        with self.conn:
            clip_id = int(self.table("clips").insert(row).last_rowid or 0)
            if page is not None:
                self._record_fetch(clip_id, page, packed, more=more_pages)
            self._add_tags(clip_id, tags)
            _search().index_clip(self.conn, clip_id)
        return clip_id

    def refresh_clip(self, clip_id: int, article: Article, page: Page, packed: PackedPage | None = None,
                     more_pages: Sequence[tuple[Page, PackedPage | None]] = ()) -> None:
        """Replace a clip's extracted fields with a new fetch (--refetch); keeps tags, note, quote and history."""
        fields = {**_article_columns(article, page), "updated_at": now_iso()}
        if fields["summary"] is None:  # a page without one keeps the summary the clip has
            del fields["summary"]
        with self.conn, _search().reindexing(self.conn, clip_id):
            self.table("clips").update(clip_id, fields)
            self._record_fetch(clip_id, page, packed, more=more_pages)

    def _add_tags(self, clip_id: int, tags: Iterable[str]) -> None:
        self.table("tags").insert_all(({"clip_id": clip_id, "tag": t.strip()} for t in tags if t.strip()),
                                      ignore=True)

    def add_tags(self, clip_id: int, tags: Iterable[str]) -> None:
        with self.conn, _search().reindexing(self.conn, clip_id):
            self._add_tags(clip_id, tags)

    def update_clip(
        self,
        clip_id: int,
        *,
        fields: dict[str, Any] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
    ) -> Clip:
        """Edit a clip's fields and tags in one transaction. Raises UsageError for an unknown id or field."""
        self.get_clip(clip_id)
        allowed = {"title", "outlet", "published", "published_source", "author", "note", "quote", "summary",
                   "site_name", "body"}
        fields = dict(fields or {})
        bad = set(fields) - allowed
        if bad:
            raise UsageError(f"cannot edit field(s): {', '.join(sorted(bad))}")
        for key in ("quote", "summary"):
            if key in fields and fields[key] is not None and not isinstance(fields[key], str):
                fields[key] = _json(fields[key])
        with self.conn, _search().reindexing(self.conn, clip_id):
            if fields:
                self.conn.execute(f"UPDATE clips SET {', '.join(f'{k} = ?' for k in fields)}, updated_at = ? WHERE"
                                  " id = ?", (*fields.values(), now_iso(), clip_id))
            self._add_tags(clip_id, add_tags)
            self.conn.executemany(
                "DELETE FROM tags WHERE clip_id = ? AND tag = ?", [(clip_id, t) for t in remove_tags]
            )
        return self.get_clip(clip_id)

    # -- posts (clipper import) ------------------------------------------------------------------------------

    def post_by_hash(self, content_sha256: str) -> int | None:
        row = self.conn.execute("SELECT id FROM posts WHERE content_sha256 = ?", (content_sha256,)).fetchone()
        return int(row[0]) if row else None

    def insert_post(self, *, source: str, title: str | None, date: str | None, content_sha256: str,
                    clip_ids: Sequence[int]) -> int:
        with self.conn:
            post_id = int(self.table("posts").insert({"source": source, "title": title, "date": date,
                                                   "content_sha256": content_sha256, "imported_at": now_iso()
                                                   }).last_rowid or 0)
            self.table("post_clips").insert_all(({"post_id": post_id, "clip_id": cid, "position": i}
                                              for i, cid in enumerate(clip_ids)), ignore=True)
        return post_id

    def posts_of(self, clip_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The imported posts that quote each clip: {clip_id: [{id, source, title, date}, ...]}."""
        out: dict[int, list[dict[str, Any]]] = {}
        if not clip_ids:
            return out
        marks = ",".join("?" * len(clip_ids))
        for row in self.conn.execute(
            f"SELECT pc.clip_id, p.id, p.source, p.title, p.date FROM post_clips pc JOIN posts p ON p.id ="
            f" pc.post_id WHERE pc.clip_id IN ({marks}) ORDER BY p.id", tuple(clip_ids)
        ):
            out.setdefault(row[0], []).append({"id": row[1], "source": row[2], "title": row[3], "date": row[4]})
        return out

    def delete_clip(self, clip_id: int) -> None:
        self.get_clip(clip_id)
        with self.conn:
            _search().unindex_clip(self.conn, clip_id)
            self.conn.execute("DELETE FROM clips WHERE id = ?", (clip_id,))
            self.conn.execute(
                "DELETE FROM pages WHERE sha256 NOT IN (SELECT page_sha256 FROM fetches WHERE page_sha256 IS NOT NULL)"
            )



def _json(items: Iterable[Any]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _article_columns(article: Article, page: Page | None) -> dict[str, Any]:
    """The clip columns that come from a fetch: what a new clip is made of and a refetch replaces."""
    canonical = article.canonical_url
    return {"final_url": page.final_url if page else None, "canonical_url": canonical,
            "canonical_key": normalize_url(canonical) if canonical else None, "title": article.title,
            "outlet": article.outlet, "site_name": article.site_name, "published": article.published,
            "published_source": article.published_source, "author": article.author, "body": article.body,
            "summary": _json(article.summary) if article.summary else None, "lang": article.lang,
            "encoding": page.encoding if page else None}


def playback_url(snapshot_url: str) -> str:
    """A snapshot's address for people (with the archive's banner): `/web/<ts>id_/` -> `/web/<ts>/`."""
    return re.sub(r"(/web/\d{1,14})id_/", r"\1/", snapshot_url, count=1)


def _filters(
    *,
    tag: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
    status: str | None = None,
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if tag:
        where.append("id IN (SELECT clip_id FROM tags WHERE tag = ?)")
        params.append(tag)
    if outlet:
        labels = outlet_labels(outlet)
        marks = ", ".join("?" * len(labels))
        # the outlet's credit, site name or an alias, or a syndicated credit that starts with one (週プレNEWS/...)
        where.append(f"(outlet IN ({marks}) OR site_name IN ({marks}) OR "
                     + " OR ".join("outlet LIKE ? ESCAPE '\\'" for _ in labels) + ")")
        params.extend([*labels, *labels, *(_like_prefix(label) + "/%" for label in labels)])
    if since:
        where.append("substr(published, 1, 10) >= ?")
        params.append(since[:10])
    if until:
        where.append("substr(published, 1, 10) <= ?")
        params.append(until[:10])
    if status:
        where.append("status = ?")
        params.append(status)
    return where, params


def outlet_labels(name: str) -> list[str]:
    """Every name an outlet goes by in the registry (credit, site name, aliases), for `--outlet`: 産経新聞 finds the
    clips credited 産経. A name the registry does not know is matched as given."""
    from clipper.outlets import load_registry

    known = load_registry().by_name(name)
    labels = [name.strip()] + ([known.name, known.site_name, *known.aliases] if known else [])
    return list(dict.fromkeys(label for label in labels if label))


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _json_list(text: str | None) -> list[Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _row_to_clip(row: sqlite3.Row, tags: tuple[str, ...]) -> Clip:
    quote = _json_list(row["quote"])
    return Clip(
        id=row["id"],
        url=row["url"],
        final_url=row["final_url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        outlet=row["outlet"],
        site_name=row["site_name"],
        published=row["published"],
        published_source=row["published_source"],
        author=row["author"],
        body=row["body"] or "",
        tags=tags,
        note=row["note"],
        added_at=row["added_at"],
        encoding=row["encoding"],
        quote=tuple(quote) if quote is not None else None,
        summary=tuple(_json_list(row["summary"]) or ()),
        status=row["status"],
        archive_url=row["archive_url"],
    )


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> Store:
    """Open (creating if needed) a clipper database and bring its schema up to date.

    `create=False` (read commands, check): a missing file is an error, not a new empty database -- a mistyped
    --db must not look like an empty collection. `readonly=True` (the caller only reads): a database that cannot
    be written (a read-only file or folder, read-only media, another user's file) is opened read-only instead
    (SQLite's mode=ro, or immutable when not even the -shm beside it can be made).

    Raises StoreError, leaving the file untouched, when the path cannot be written, the file is not SQLite,
    or the database was made by a newer clipper.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise StoreError(f"database path is a directory: {path}")
    if not create and not path.exists():
        raise StoreError(f"no such database: {path} (check --db / CLIPPER_DB; `clipper add` creates one)")
    if readonly and path.exists() and not _writable(path):
        return _open_readonly(path)
    if path.exists():
        # Never open() the file itself here: closing any descriptor of it drops the POSIX locks that this process's
        # SQLite connections hold on it (the check's worker threads open their own), and another process may then
        # checkpoint and delete a WAL still in use, losing commits. A non-empty file too small to be a database is
        # refused by its size; SQLite refuses any other non-database file ("file is not a database") unwritten.
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise StoreError(f"cannot read database {path}: {exc.strerror}") from None
        if 0 < size < MIN_DB_SIZE:
            raise StoreError(f"not a clipper database (not an SQLite file): {path}")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {path.parent}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               factory=_WriteConnection)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None
    # isolation_level=None = autocommit; `with conn:` blocks below still need explicit BEGIN, which
    # Connection.__enter__ does not issue -- so switch to the default deferred mode for transactions.
    conn.isolation_level = "DEFERRED"
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            conn.close()
            raise StoreError(
                f"{path} was made by a newer clipper (schema {version}, this one knows {len(MIGRATIONS)}); upgrade"
                " clipper"
            )
        if version < len(MIGRATIONS) and not _migrate(conn):
            conn.close()
            raise StoreError(f"not a clipper database (an SQLite file with other tables): {path}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        msg = str(exc)
        if "readonly" in msg or "read-only" in msg or "unable to open" in msg:
            raise StoreError(f"cannot write database {path}: {msg}") from None
        if "file is not a database" in msg:
            raise StoreError(f"not a clipper database (not an SQLite file): {path}") from None
        if "not a database" in msg or "malformed" in msg:
            raise StoreError(f"not a clipper database ({msg}): {path}") from None
        raise StoreError(f"database {path}: {msg}") from None
    return Store(conn, str(path))


def _writable(path: Path) -> bool:
    """Whether SQLite can write this database: the file, and the folder for its -wal and -shm files."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def _open_readonly(path: Path) -> Store:
    """A read-only connection to a database this process cannot write. Where the folder cannot take the -shm
    file either, the file is opened as immutable: no locks, so another process writing it meanwhile is not seen."""
    from urllib.parse import quote

    folder = path.parent if str(path.parent) else Path(".")
    shm = Path(f"{path}-shm")
    can_share = os.access(folder, os.W_OK | os.X_OK) or (shm.exists() and os.access(shm, os.R_OK | os.W_OK))
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("" if can_share else "&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               factory=_WriteConnection)
        conn.isolation_level = "DEFERRED"
        conn.row_factory = sqlite3.Row
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read database {path} (read-only): {exc}") from None
    if version != len(MIGRATIONS):
        conn.close()
        if version == 0:
            raise StoreError(f"not a clipper database: {path}")
        newer = "a newer clipper; upgrade clipper" if version > len(MIGRATIONS) else \
            "an older clipper; open it once where it can be written, to upgrade it"
        raise StoreError(f"{path} is read-only and was made by {newer} (schema {version})")
    return Store(conn, str(path))


def _migrate(conn: sqlite3.Connection) -> bool:
    """Apply the missing migrations, each in its own BEGIN IMMEDIATE transaction. The version is read again
    inside it, under the write lock, so processes opening a new (or old) database at once migrate it once: the
    others find it done. False, with nothing changed, for an SQLite file with other tables and no version."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version >= len(MIGRATIONS):
                conn.execute("COMMIT")
                return True
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                conn.execute("ROLLBACK")
                return False
            MIGRATIONS[version][1](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
