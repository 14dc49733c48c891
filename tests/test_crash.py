"""Crash safety: `clipper add --input` and `clipper check`, run as real processes against the loopback web serving
the corpus, are killed with SIGKILL at random moments (seeded, so a failure can be replayed). After every kill the
database is intact, everything the run reported on stdout before it died is complete in the database (never half a
clip or half a check), and running the same command again finishes the job: every URL exactly once.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from clipper.archive import wayback_timestamp
from clipper.encoding import decode_html
from clipper.extract import extract_article
from clipper.models import Article
from clipper.runlock import lock_path
from clipper.store import open_db
from clipper.urls import normalize_url
from tests.conftest import JA, load_truth
from tests.webserver import LoopbackWeb, Response

SEED = 20250121
WAYBACK = "http://archive.test/wayback/available"


@lru_cache(maxsize=1)
def corpus() -> dict[str, bytes]:
    """Every corpus page with its own address: {url: raw bytes} (the first page when two share a URL)."""
    pages: dict[str, bytes] = {}
    for row in load_truth():
        if row["url"] and row["url"] not in pages:
            pages[row["url"]] = (JA / row["file"]).read_bytes()
    return pages


@lru_cache(maxsize=1)
def articles() -> dict[str, Article]:
    return {url: extract_article(decode_html(raw, "text/html").text, url=url) for url, raw in corpus().items()}


def seed_clips(db: Path, urls: list[str] | None = None) -> dict[str, int]:
    """Store corpus clips directly (no network): {url: id}."""
    with open_db(db) as store:
        return {url: store.insert_clip(articles()[url], None, url=url) for url in (urls or list(corpus()))}


Trigger = Callable[[dict[str, Any]], bool]


def clipper(*args: str, kill_after: float | None = None, from_line: Trigger | None = None,
            timeout: float = 60) -> tuple[int, list[dict[str, Any]], str]:
    """Run clipper in a new process (env from the fixtures: CLIPPER_DB, proxies, CA) and read its JSON lines as they
    come. With `kill_after`, SIGKILL it that many seconds after it started, or after the first line `from_line`
    accepts (so a kill lands mid-batch however fast the machine is), if it is still running then.
    Returns (exit code, the complete JSON lines printed, stderr); a line cut short by the kill is dropped."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "clipper", *args], env=dict(os.environ),
                                stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        lines: list[dict[str, Any]] = []
        started = threading.Event()
        if from_line is None:
            started.set()

        def read() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                if raw.endswith(b"\n"):
                    lines.append(json.loads(raw))
                    if from_line is not None and from_line(lines[-1]):
                        started.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if kill_after is not None:
                while not started.wait(0.01) and proc.poll() is None:
                    pass
                try:
                    proc.wait(timeout=kill_after)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout)
        err.seek(0)
        return proc.returncode, list(lines), err.read().decode("utf-8", errors="replace")


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return conn


def assert_intact(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


# ------------------------------------------------------------------------------------------------ add

def verify_add(db: Path, reported: list[dict[str, Any]]) -> None:
    """Every clip in the database is whole (fields, tag, fetch row, page bytes); every one reported is there."""
    pages = corpus()
    with connect(db) as conn:
        assert_intact(conn)
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'clips'").fetchone()[0]:
            assert not reported  # killed before the schema was made: nothing was done, nothing was reported
            return
        clips = {r["id"]: r for r in conn.execute("SELECT * FROM clips")}
        for clip in clips.values():  # never half a clip, reported or not
            fetches = conn.execute("SELECT * FROM fetches WHERE clip_id = ?", (clip["id"],)).fetchall()
            assert len(fetches) == 1, clip["url"]
            fetch = fetches[0]
            assert fetch["url"] == clip["url"] and fetch["http_status"] == 200
            page = conn.execute("SELECT * FROM pages WHERE sha256 = ?", (fetch["page_sha256"],)).fetchone()
            raw = zlib.decompress(page["data"])
            assert raw == pages[clip["url"]] and hashlib.sha256(raw).hexdigest() == page["sha256"]
            assert page["size"] == len(raw)
            assert [t for (t,) in conn.execute("SELECT tag FROM tags WHERE clip_id = ?", (clip["id"],))] == ["crash"]
            assert clip["title"] and clip["body"] and clip["url_key"] == normalize_url(clip["url"])
        for got in reported:
            assert got["outcome"] in ("added", "exists"), got
            row = clips.get(got["id"])
            assert row is not None, f"reported as {got['outcome']} but not in the database: {got['url']}"
            for key in ("url", "final_url", "canonical_url", "title", "outlet", "site_name", "published", "author",
                        "body", "note", "encoding"):
                assert row[key] == got[key], key
            assert got["tags"] == ["crash"]


def verify_every_url_once(db: Path) -> None:
    with connect(db) as conn:
        keys = [k for (k,) in conn.execute("SELECT url_key FROM clips")]
    assert sorted(keys) == sorted(normalize_url(u) for u in corpus())


def added(line: dict[str, Any]) -> bool:
    return line.get("status") == "added"


@pytest.mark.slow
def test_add_killed_at_random_moments_keeps_whole_clips_and_a_rerun_finishes(web: LoopbackWeb, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    urls = list(corpus())
    rng.shuffle(urls)
    for url in urls:
        web.add_page(url, corpus()[url], delay=rng.uniform(0.02, 0.15))
    listing = tmp_path / "urls.txt"
    listing.write_text("# reading list\n" + "\n".join(urls) + "\n", encoding="utf-8")
    command = ["add", "--input", str(listing), "--tag", "crash", "--json", "--concurrency", "4"]
    db = Path(os.environ["CLIPPER_DB"])
    killed = 0
    for episode in range(2):  # each episode starts from no database at all, so kills also land in the migration
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        for run in range(3):
            if run == 0:  # in the start-up: opening, migrating, reading the list
                code, lines, err = clipper(*command, kill_after=rng.uniform(0.05, 0.5))
            else:  # mid-batch: some time after this run stored its first new clip
                code, lines, err = clipper(*command, kill_after=rng.uniform(0.0, 0.6), from_line=added)
            assert "Traceback" not in err and "locked" not in err, err
            killed += code == -signal.SIGKILL
            assert code in (0, -signal.SIGKILL), (episode, run, code, err)
            verify_add(db, lines)
        code, lines, err = clipper(*command)
        assert code == 0, err
        assert len(lines) == len(urls)  # one line per URL: added now, or already there from a killed run
        verify_add(db, lines)
        verify_every_url_once(db)
    assert killed, "no run was killed before it finished: the kill times are too late for this machine"


# ------------------------------------------------------------------------------------------------ check

def verify_check(db: Path, reported: list[dict[str, Any]]) -> None:
    """A clip's status columns and its checks row are written together or not at all; each clip is checked at
    most once (a clip checked by a killed run is not due again); every reported result is in the database."""
    with connect(db) as conn:
        assert_intact(conn)
        for clip in conn.execute("SELECT * FROM clips"):
            history = conn.execute("SELECT * FROM checks WHERE clip_id = ?", (clip["id"],)).fetchall()
            assert len(history) <= 1, clip["url"]
            if not history:
                assert clip["checked_at"] is None and clip["status"] is None
                continue
            check = history[0]
            assert (clip["checked_at"], clip["status"], clip["status_http"]) == (
                check["checked_at"], check["status"], check["http_status"])
            assert clip["archive_url"] == check["archive_url"]
        for got in reported:
            clip = conn.execute("SELECT * FROM clips WHERE id = ?", (got["id"],)).fetchone()
            check = conn.execute("SELECT * FROM checks WHERE clip_id = ?", (got["id"],)).fetchone()
            assert check is not None, f"reported but not recorded: {got}"
            assert (check["status"], check["http_status"], check["final_url"], check["archive_url"]) == (
                got["status"], got["http_status"], got["final_url"], got["archive_url"])
            assert clip["status"] == got["status"]


@pytest.mark.slow
def test_check_killed_at_random_moments_keeps_whole_checks_and_a_rerun_finishes(
        web: LoopbackWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", WAYBACK)
    rng = random.Random(SEED + 1)
    db = Path(os.environ["CLIPPER_DB"])
    ids = seed_clips(db)
    urls = list(ids)
    gone = set(rng.sample(urls, 5))  # these turn dead, and the archive has a copy of each
    with connect(db) as conn:
        stamps = {row["url"]: wayback_timestamp(row["published"], row["added_at"])
                  for row in conn.execute("SELECT url, published, added_at FROM clips")}
    for url in urls:
        delay = rng.uniform(0.05, 0.25)
        if url in gone:
            web.add(url, Response(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"},
                                  delay=delay))
            snapshot = {"archived_snapshots": {"closest": {"available": True, "status": "200",
                                                           "url": f"https://web.archive.org/web/2016/{url}"}}}
            params = {"url": url, "timestamp": stamps[url]} if stamps[url] else {"url": url}
            web.add(str(httpx.URL(WAYBACK, params=params)),
                    Response(200, json.dumps(snapshot).encode(), {"Content-Type": "application/json"}))
        else:
            web.add_page(url, corpus()[url], delay=delay)
    command = ["check", "--json", "--timeout", "10"]
    killed = 0
    for _ in range(5):
        code, lines, err = clipper(*command, kill_after=rng.uniform(0.0, 0.8), from_line=lambda _: True)
        assert "Traceback" not in err and "locked" not in err and "another check" not in err, err
        assert code in (0, -signal.SIGKILL), err
        verify_check(db, lines)
        if code == -signal.SIGKILL:
            killed += 1
            if lines:  # it held the lock when it died: the lock file is left behind, and the next run goes ahead
                assert lock_path(db).exists()
    code, lines, err = clipper(*command)
    assert code == 0, err
    verify_check(db, lines)
    with connect(db) as conn:
        statuses = {row["url"]: (row["status"], row["archive_url"]) for row in conn.execute("SELECT * FROM clips")}
        counts = tuple(conn.execute("SELECT count(*), count(DISTINCT clip_id) FROM checks").fetchone())
    assert counts == (len(urls), len(urls))  # every clip checked exactly once, over all the runs
    assert statuses == {url: ("dead", f"https://web.archive.org/web/2016/{url}") if url in gone else ("alive", None)
                        for url in urls}
    assert not lock_path(db).exists()
    assert killed, "no run was killed before it finished: the kill times are too late for this machine"
