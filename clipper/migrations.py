"""Ordered, named schema migrations. A migration is a new function appended to MIGRATIONS; never edit one that
has shipped. The store applies the missing ones when it opens, so a fresh and an old database are handled alike.
`PRAGMA user_version` holds how many have been applied, so a database from a newer clipper is refused untouched.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run SQL statements one by one inside the caller's transaction (executescript would COMMIT first)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip():
        conn.execute(pending)


def m001_initial(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE clips (
            id INTEGER PRIMARY KEY,
            url TEXT,
            url_key TEXT,
            final_url TEXT,
            canonical_url TEXT,
            canonical_key TEXT,
            title TEXT,
            outlet TEXT,
            site_name TEXT,
            published TEXT,
            published_source TEXT,
            author TEXT,
            body TEXT NOT NULL DEFAULT '',
            summary TEXT,          -- JSON list of summary points (★《…/…》)
            quote TEXT,            -- JSON list of paragraphs; null entries mark a cut (略); NULL = default quote
            note TEXT,
            lang TEXT,
            encoding TEXT,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT,           -- link health from the latest check: alive, moved, dead, changed, unreachable
            status_http INTEGER,
            status_reason TEXT,
            checked_at TEXT,
            fail_count INTEGER NOT NULL DEFAULT 0,
            moved_to TEXT,
            archive_url TEXT
        );
        CREATE INDEX clips_url_key ON clips(url_key);
        CREATE INDEX clips_canonical_key ON clips(canonical_key);
        CREATE INDEX clips_published ON clips(published);
        CREATE INDEX clips_outlet ON clips(outlet);
        CREATE INDEX clips_status ON clips(status);

        CREATE TABLE tags (
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (clip_id, tag)
        );
        CREATE INDEX tags_tag ON tags(tag);

        -- Raw page bytes, zlib-compressed, stored once per distinct content (content-addressed).
        CREATE TABLE pages (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            compression TEXT NOT NULL DEFAULT 'zlib',
            data BLOB NOT NULL
        );

        -- Every fetch that produced or refreshed a clip: where from, what came back, how it was decoded.
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            fetched_at TEXT NOT NULL,
            source TEXT,
            url TEXT,
            final_url TEXT,
            http_status INTEGER,
            content_type TEXT,
            encoding TEXT,
            encoding_source TEXT,
            warnings TEXT,
            page_sha256 TEXT REFERENCES pages(sha256)
        );
        CREATE INDEX fetches_clip ON fetches(clip_id);

        -- Link-health history: one row per check of a clip.
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            checked_at TEXT NOT NULL,
            status TEXT NOT NULL,
            http_status INTEGER,
            reason TEXT,
            final_url TEXT,
            archive_url TEXT
        );
        CREATE INDEX checks_clip ON checks(clip_id, checked_at);

        -- Posts already written (imported), and which clips they quote.
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            title TEXT,
            date TEXT,
            content_sha256 TEXT NOT NULL UNIQUE,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE post_clips (
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            PRIMARY KEY (post_id, clip_id)
        );
        """
    )


def m002_search(conn: sqlite3.Connection) -> None:
    """The full-text search index (see clipper.search), built from the clips already stored. The tables are
    created by clipper.search itself, so a later change to them is a new migration that calls rebuild_index."""
    from clipper.search import rebuild_index

    rebuild_index(conn)


def m003_fetch_provenance(conn: sqlite3.Connection) -> None:
    """What a WARC export and `clipper show` need to know of each fetch: the response headers as received (JSON
    list of [name, value]), whether the page came from a web archive (the snapshot's address and capture time),
    and its place in a multi-page article (1, 2, ...; NULL for a single page). Old fetches keep NULLs."""
    run_script(
        conn,
        """
        ALTER TABLE fetches ADD COLUMN headers TEXT;
        ALTER TABLE fetches ADD COLUMN snapshot_url TEXT;
        ALTER TABLE fetches ADD COLUMN snapshot_at TEXT;
        ALTER TABLE fetches ADD COLUMN part INTEGER;
        """,
    )


def m004_clip_ids_never_reused(conn: sqlite3.Connection) -> None:
    """Clip ids are never reused after a delete (AUTOINCREMENT), so an id written in a post or a note keeps naming
    the clip it named, or none. SQLite cannot add AUTOINCREMENT to a table, so clips is rebuilt (foreign keys are
    off while migrating: the rows that point at clips stay as they are) from its own current definition, whatever
    columns earlier migrations gave it, and its indexes are made again."""
    (table_sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'clips'").fetchone()
    if "AUTOINCREMENT" in table_sql.upper():
        return
    new_sql, n = re.subn(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", "id INTEGER PRIMARY KEY AUTOINCREMENT", table_sql,
                         count=1, flags=re.IGNORECASE)
    if n != 1:
        raise sqlite3.DatabaseError("clips has no 'id INTEGER PRIMARY KEY' column to make AUTOINCREMENT")
    indexes = [sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                                              "tbl_name = 'clips' AND sql IS NOT NULL")]
    conn.execute(re.sub(r"^CREATE TABLE\s+\"?clips\"?", "CREATE TABLE clips_autoincrement", new_sql.strip(),
                        flags=re.IGNORECASE))
    conn.execute("INSERT INTO clips_autoincrement SELECT * FROM clips")
    conn.execute("DROP TABLE clips")
    conn.execute("ALTER TABLE clips_autoincrement RENAME TO clips")
    for sql in indexes:
        conn.execute(sql)


def m005_search_scannable(conn: sqlite3.Connection) -> None:
    """The search index rebuilt with search_chars keeping its (small) per-clip size table: without it, a full scan
    of the table (`sqlite-utils tables --counts`, Datasette's table page, `SELECT count(*)`) failed with "table does
    not support scanning"."""
    from clipper.search import rebuild_index

    rebuild_index(conn)


Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_initial", m001_initial),
    ("m002_search", m002_search),
    ("m003_fetch_provenance", m003_fetch_provenance),
    ("m004_clip_ids_never_reused", m004_clip_ids_never_reused),
    ("m005_search_scannable", m005_search_scannable),
]
