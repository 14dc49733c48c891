"""The store writes its rows through sqlite-utils (issue 12 item 12): the schema stays exactly what the migrations
make, the stored values are byte for byte what the hand-written SQL stored, read commands never import it, and a
restore written in batches still checks every row against the rows before it, across batch boundaries."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clipper import backup
from clipper.backup import import_archive
from clipper.errors import UsageError
from clipper.migrations import MIGRATIONS
from clipper.models import Article, Page
from clipper.store import open_db

TITLE = "東京で大雪、交通に乱れ"
RAW = "<html><body><h1>東京で大雪</h1><p>本文です。</p></body></html>".encode()


def schema(db: Path) -> list[tuple[str, str, str, str | None]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def migrated_by_hand(db: Path) -> None:
    """The migrations alone, on a plain sqlite3 connection (no Store, no sqlite-utils)."""
    conn = sqlite3.connect(db, isolation_level=None)
    for version, (_name, migrate) in enumerate(MIGRATIONS, start=1):
        conn.execute("BEGIN")
        migrate(conn)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    conn.close()


def page(url: str, raw: bytes = RAW, **kw: object) -> Page:
    return Page(source=url, url=url, final_url=url, status=200, content_type="text/html", raw=raw, text=raw.decode(),
                encoding="utf-8", encoding_source="meta", fetched_at="2025-01-14T01:02:03Z",
                headers=(("Content-Type", "text/html"),), **kw)  # type: ignore[arg-type]


def fill(db: Path) -> int:
    """Every write path of the store, once."""
    with open_db(db) as store:
        article = Article(title=TITLE, paragraphs=("本文です。",), published="2025-01-14", outlet="毎朝",
                          summary=("要点", "二つ目"))
        cid = store.insert_clip(article, page("https://news.test/a"), url="https://news.test/a",
                                tags=["大雪", " 交通 ", "大雪", ""], note="メモ", quote=["一段落目", None],
                                more_pages=[(page("https://news.test/a?p=2", RAW + b"2"), None)])
        store.refresh_clip(cid, Article(title=TITLE + "（更新）", paragraphs=("本文です。",)),
                           page("https://news.test/a", RAW + b"new"))
        store.add_tags(cid, ["追加"])
        store.update_clip(cid, fields={"note": "新しいメモ"}, remove_tags=["交通"])
        store.insert_post(source="post.txt", title="投稿", date="2025-01-15", content_sha256="ab" * 32,
                          clip_ids=[cid, cid])
        store.record_checks([{"clip_id": cid, "checked_at": "2025-01-16T00:00:00Z", "status": "alive",
                              "http_status": 200, "reason": "ok", "final_url": None, "archive_url": None,
                              "fail_count": 0, "moved_to": None}])
        return cid


def test_writes_leave_the_schema_exactly_as_the_migrations_make_it(tmp_path: Path) -> None:
    by_hand = tmp_path / "by-hand.db"
    migrated_by_hand(by_hand)
    written = tmp_path / "written.db"
    fill(written)
    restored = tmp_path / "restored.db"
    with open_db(written) as store, open_db(restored) as target:
        lines = [json.dumps(line, ensure_ascii=False) for line in backup.archive_lines(store, pages=True)]
        assert import_archive(target, lines) == 1
    assert schema(written) == schema(by_hand) == schema(restored)


def test_the_stored_values_are_what_the_hand_written_sql_stored(tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    cid = fill(db)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    clip = conn.execute("SELECT * FROM clips WHERE id = ?", (cid,)).fetchone()
    assert clip["summary"] == '["要点", "二つ目"]'  # kept by a refetch whose page has none; not ASCII-escaped
    assert clip["quote"] == '["一段落目", null]' and clip["note"] == "新しいメモ"
    assert clip["title"] == TITLE + "（更新）" and clip["url_key"] == "https://news.test/a"
    assert clip["fail_count"] == 0 and clip["status"] == "alive" and clip["checked_at"] == "2025-01-16T00:00:00Z"
    assert [r[0] for r in conn.execute("SELECT tag FROM tags ORDER BY tag")] == sorted(["大雪", "追加"])
    fetches = conn.execute("SELECT part, warnings, headers, page_sha256 FROM fetches ORDER BY id").fetchall()
    assert [f["part"] for f in fetches] == [1, 2, None]
    assert {f["warnings"] for f in fetches} == {"[]"}
    assert fetches[0]["headers"] == '[["Content-Type", "text/html"]]'
    assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 3
    assert all(f["page_sha256"] for f in fetches)
    assert [tuple(r) for r in conn.execute("SELECT post_id, clip_id, position FROM post_clips")] == [(1, cid, 0)]
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == 1


def test_the_same_page_twice_is_stored_once(tmp_path: Path) -> None:
    with open_db(tmp_path / "clips.db") as store:
        for url in ("https://news.test/a", "https://news.test/b"):
            store.insert_clip(Article(title=TITLE), page(url), url=url)
        assert store.conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 1
        assert store.conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 2


def test_read_commands_do_not_import_sqlite_utils(tmp_path: Path) -> None:
    """sqlite-utils costs ~60 ms to import: `list`, `show` and `search` start without it."""
    db = tmp_path / "clips.db"
    fill(db)
    code = (f"import sys; sys.argv = ['clipper', 'list', '--db', {str(db)!r}]\n"
            "from clipper.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'sqlite_utils' not in sys.modules, 'imported'\nprint('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("ok"), result.stderr


# -- restore in batches --------------------------------------------------------------------------------------

def archive_of(db: Path) -> list[dict[str, object]]:
    with open_db(db) as store:
        return list(backup.archive_lines(store, pages=True))


def lines_of(rows: list[dict[str, object]]) -> list[str]:
    return [json.dumps(row, ensure_ascii=False) for row in rows]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup, "BATCH_ROWS", 3)


def many_clips(db: Path, n: int = 8) -> None:
    with open_db(db) as store:
        for i in range(n):
            url = f"https://news.test/{i}"
            store.insert_clip(Article(title=f"{TITLE}{i}"), page(url, RAW + str(i).encode()), url=url,
                              tags=[f"t{i}", "共通"])


def test_a_restore_in_batches_is_the_archive_row_for_row(tmp_path: Path, small_batches: None) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    many_clips(source)
    rows = archive_of(source)
    with open_db(target) as store:
        assert import_archive(store, lines_of(rows)) == 8
    assert archive_of(target) == rows


@pytest.mark.parametrize("copy_of", [1, 6])  # a row written in an earlier batch; one waiting in the same batch
def test_a_repeated_id_is_refused_within_a_batch_and_across(tmp_path: Path, small_batches: None,
                                                            copy_of: int) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    many_clips(source)
    rows = archive_of(source)
    clips = [i for i, row in enumerate(rows) if row.get("table") == "clips"]
    repeated = {**rows[clips[copy_of]], "row": {**rows[clips[copy_of]]["row"], "url": "https://news.test/x"}}  # type: ignore[dict-item]
    at = clips[-1] + 1
    rows.insert(at, repeated)
    with open_db(target) as store:
        with pytest.raises(UsageError, match=rf"archive:{at + 1}: id: a clip with id {copy_of + 1} is already"):
            import_archive(store, lines_of(rows))
        assert store.count() == 0  # nothing of it was written


def test_too_many_tags_are_counted_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  small_batches: None) -> None:
    import clipper.rows

    monkeypatch.setattr(clipper.rows, "MAX_TAGS", 4)
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    with open_db(source) as store:
        store.insert_clip(Article(title=TITLE), None, url="https://news.test/a", tags=["a", "b", "c", "d"])
    rows = archive_of(source)
    rows.insert(len(rows), {"table": "tags", "row": {"clip_id": 1, "tag": "e"}})
    with open_db(target) as store:
        with pytest.raises(UsageError, match=rf"archive:{len(rows)}: clip_id: clip 1 has more than 4 tags"):
            import_archive(store, lines_of(rows))


def test_a_post_twice_in_one_batch_is_refused(tmp_path: Path) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    with open_db(source) as store:
        store.insert_post(source="a.txt", title="投稿", date=None, content_sha256="cd" * 32, clip_ids=[])
    rows = archive_of(source)
    rows.append({"table": "posts", "row": {**rows[-1]["row"], "id": 2}})  # type: ignore[dict-item]
    with open_db(target) as store:
        with pytest.raises(UsageError, match="content_sha256: another post with this content"):
            import_archive(store, lines_of(rows))
