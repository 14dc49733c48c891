"""`clipper info`: where the data lives and what state it is in (the database, the outlet registries in force,
counts, the search index's health), so a user can tell which file a command reads before wondering why a list is
empty."""

from __future__ import annotations

from typing import Any

from clipper.store import Store


def describe(store: Store) -> dict[str, Any]:
    from pathlib import Path

    from clipper.migrations import MIGRATIONS
    from clipper.outlets import builtin_registry_path, user_registry_path

    conn = store.conn
    db = store.db  # sqlite-utils over clipper's own connection: same transaction state, nothing reopened
    path = Path(store.path)

    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    counts = {name: db[name].count for name in db.table_names()}
    clips = counts["clips"]
    statuses = {str(row[0] or "unchecked"): int(row[1]) for row in
                db.execute("SELECT status, count(*) FROM clips GROUP BY status ORDER BY status")}
    user = user_registry_path()
    indexed = counts["search_indexed"]
    from clipper.search import outdated_clips

    stale = outdated_clips(conn)
    missing = one("SELECT count(*) FROM clips WHERE id NOT IN (SELECT clip_id FROM search_indexed)")
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return {
        "database": str(path.resolve()),
        "size_bytes": size,
        "schema": f"{one('PRAGMA user_version')} of {len(MIGRATIONS)}",
        "registry": [str(builtin_registry_path())] + ([str(user)] if user and user.exists() else []),
        "registry_missing": str(user) if user and not user.exists() else None,
        "clips": clips,
        "link_status": statuses,
        "pages": counts["pages"],
        "posts": counts["posts"],
        "checks": counts["checks"],
        "tables": counts,
        "index": {"indexed": indexed, "stale": stale, "missing": missing,
                  "ok": stale == 0 and missing == 0 and indexed == clips},
    }
