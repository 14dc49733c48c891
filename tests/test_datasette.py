"""The standard tools work on the database as it is (issue 12 item 11): sqlite-utils counts every table, Datasette
serves a page of every table, and `clipper datasette --metadata` hides the index and offers a search query."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_user import PAGES, add_pages, run


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "clips.db"
    ids = add_pages(path)
    run("edit", str(ids[PAGES[0]]), "--tag", "警察", db=path)
    run("rm", str(ids[PAGES[2]]), "--yes", db=path)
    return path


def tables(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()


def test_sqlite_utils_tables_counts(db: Path) -> None:
    exe = shutil.which("sqlite-utils") or str(Path(sys.executable).parent / "sqlite-utils")
    result = subprocess.run([exe, "tables", str(db), "--counts"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    counts = {row["table"]: row["count"] for row in json.loads(result.stdout)}
    assert counts["clips"] == 2 and counts["search_chars"] == 2 and counts["search_fts"] == 2
    assert set(counts) == set(tables(db))


def datasette_get(db: Path, paths: list[str], metadata: dict[str, Any] | None = None) -> list[Any]:
    from datasette.app import Datasette

    ds = Datasette([str(db)], metadata=metadata)

    async def fetch() -> list[Any]:
        return [await ds.client.get(p) for p in paths]

    return asyncio.run(fetch())


def test_datasette_serves_every_table(db: Path) -> None:
    names = tables(db)
    responses = datasette_get(db, [f"/clips/{t}.json" for t in names] + [f"/clips/{t}" for t in names])
    bad = [(r.url, r.status_code) for r in responses if r.status_code != 200]
    assert not bad


def test_clipper_datasette_metadata_hides_the_index_and_searches(db: Path) -> None:
    code, out, err = run("datasette", "--metadata", db=db)
    assert code == 0, err
    metadata = json.loads(out)
    listing, search, sorted_page = datasette_get(db, [
        "/clips.json", "/clips/search.json?word=警察無線&_shape=array", "/clips/clips.json?_sort_desc=published"],
        metadata)
    shown = {t["name"]: t["hidden"] for t in listing.json()["tables"]}
    assert all(shown[t] for t in ("search_fts", "search_chars", "search_indexed", "search_stale"))
    assert not shown["clips"]
    hits = search.json()
    assert search.status_code == 200 and [h["title"] for h in hits] and "警察無線" in hits[0]["title"]
    assert sorted_page.status_code == 200
    assert "published" in metadata["databases"]["clips"]["tables"]["clips"]["sortable_columns"]
    # the canned query finds what clipper search finds for a word
    assert {h["id"] for h in hits} == {json.loads(line)["id"] for line in
                                       run("search", "警察無線", "--json", db=db)[1].splitlines()}


def test_clipper_datasette_without_datasette_is_one_line(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    code, out, err = run("datasette", db=db)
    assert code == 1 and "pip install datasette" in err and len(err.strip().splitlines()) == 1
