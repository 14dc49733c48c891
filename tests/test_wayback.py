"""Archived copies for dead links (clipper.wayback): a loopback "live web" that answers 404 and a loopback archive
(CDX API, availability API, `id_` snapshots) whose archived bytes are real corpus pages.

Honest note: the 2016 articles the seed post quotes are not in any public test data, so the archive here holds
other real pages of the corpus (a Sankei page for the Sankei link, and so on) under the seed's addresses. What is
tested is the path a dead link takes: the clip's text is exactly what clipper extracts from the archived bytes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from clipper.extract import extract_article
from clipper.outlets import load_registry
from tests.conftest import FIXTURES, JA
from tests.webserver import LoopbackWeb, RequestInfo, Response

runner = CliRunner()
CDX = "http://archive.test/cdx/search/cdx"
AVAILABLE = "http://archive.test/wayback/available"
SEED_HTML = FIXTURES / "posts" / "seed.html"
SANKEI_2016 = "https://www.sankei.com/politics/news/160801/plt1608010020-n1.html"
LIVEDOOR_2016 = "http://news.livedoor.com/article/detail/11772532/"
KYODO_2016 = "http://this.kiji.is/141497467035387382"
PAGES = {SANKEI_2016: "sankei/20250121-ogasawara-police-radio.html",
         LIVEDOOR_2016: "biglobe-news/20200215-nogizaka-yoda.html",
         KYODO_2016: "tokyo-np/20250113-joshi-idai-arrest.html"}
TOOLBAR = b"<!-- BEGIN WAYBACK TOOLBAR INSERT --><div>Wayback Machine toolbar</div>"


@dataclass
class Archive:
    """The loopback archive: captures per original URL, (timestamp, status, bytes)."""

    web: LoopbackWeb
    captures: dict[str, list[tuple[str, str, bytes]]] = field(default_factory=dict)
    cdx_answer: bytes | None = None  # a fixed (malformed) CDX answer
    cdx_status: int = 200
    delay: float = 0.0

    def hold(self, url: str, timestamp: str, body: bytes, status: str = "200") -> None:
        self.captures.setdefault(url, []).append((timestamp, status, body))

    def cdx(self, info: RequestInfo) -> Response:
        if self.cdx_status != 200:
            return Response(self.cdx_status, b"busy", {"Content-Type": "text/plain"}, delay=self.delay)
        if self.cdx_answer is not None:
            return Response(200, self.cdx_answer, {"Content-Type": "application/json"}, delay=self.delay)
        query = parse_qs(urlsplit(info.url).query)
        url = query["url"][0]
        rows = [["timestamp", "original", "statuscode", "mimetype"]]
        rows += [[ts, url, status, "text/html"] for ts, status, _ in self.captures.get(url, [])]
        body = json.dumps(rows if len(rows) > 1 else []).encode()
        return Response(200, body, {"Content-Type": "application/json"}, delay=self.delay)

    def available(self, info: RequestInfo) -> Response:
        url = parse_qs(urlsplit(info.url).query)["url"][0]
        found = self.captures.get(url)
        closest = {} if not found else {"closest": {"available": True, "status": found[0][1], "timestamp":
                                                    found[0][0], "url": f"http://archive.test/web/{found[0][0]}/{url}"}}
        return Response(200, json.dumps({"url": url, "archived_snapshots": closest}).encode(),
                        {"Content-Type": "application/json"})

    def snapshot(self, info: RequestInfo) -> Response:
        rest = info.url.split("/web/", 1)[1]
        stamp, original = rest.split("/", 1)
        for ts, status, body in self.captures.get(original, []):
            if stamp.removesuffix("id_") == ts:
                raw = body if stamp.endswith("id_") else TOOLBAR + body
                return Response(int(status), raw, {"Content-Type": "text/html"}, delay=self.delay)
        return Response(404, b"not in the archive", {"Content-Type": "text/html"})


@pytest.fixture
def archive(web: LoopbackWeb, monkeypatch: pytest.MonkeyPatch) -> Archive:
    monkeypatch.setenv("CLIPPER_CDX_URL", CDX)
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", AVAILABLE)
    arch = Archive(web)
    web.add_prefix(CDX, arch.cdx)
    web.add_prefix(AVAILABLE, arch.available)
    web.add_prefix("http://archive.test/web/", arch.snapshot)
    return arch


def corpus(name: str) -> bytes:
    return (JA / name).read_bytes()


def expected_body(name: str, url: str) -> str:
    return extract_article(corpus(name).decode("utf-8", "replace"), url=url, registry=load_registry()).body


def rows(db: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, args).fetchall()


def test_seed_post_with_dead_links_imports_full_articles_from_the_archive(archive: Archive, tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    for url, name in PAGES.items():  # the live web answers 404 for every one (no route)
        archive.hold(url, "20150101000000", b"<html><title>old</title><body><p>too old</p></body></html>")
        archive.hold(url, "20160828093000", corpus(name))
    result = runner.invoke(app, ["import", str(SEED_HTML), "--fetch"])
    assert result.exit_code == 0, result.output
    assert "web archive's copy of 2016-08-28" in result.stderr
    clips = {r["url"]: r for r in rows(db, "SELECT * FROM clips WHERE url IS NOT NULL")}
    assert set(clips) == set(PAGES)
    for url, name in PAGES.items():
        clip = clips[url]
        assert clip["body"] == expected_body(name, url) and len(clip["body"]) > 200
        assert clip["archive_url"] == f"http://archive.test/web/20160828093000/{url}"
        fetch = rows(db, "SELECT * FROM fetches WHERE clip_id = ? ORDER BY id DESC", clip["id"])[0]
        assert fetch["snapshot_url"] == f"http://archive.test/web/20160828093000id_/{url}"
        assert fetch["snapshot_at"] == "2016-08-28T09:30:00Z"
        html = runner.invoke(app, ["show", str(clip["id"]), "--html"])
        assert html.stdout_bytes == corpus(name)  # the page's own bytes: no toolbar
        shown = runner.invoke(app, ["show", str(clip["id"])])
        assert "the web archive: snapshot of 2016-08-28 09:30:00 UTC" in shown.stdout
    live = [r for r in archive.web.requests if not r.url.startswith("http://archive.test")]
    assert {r.url for r in live} == set(PAGES)  # each live link was tried first
    cdx = [r for r in archive.web.requests if r.url.startswith(CDX)]
    assert all("closest=20160827" in r.url for r in cdx)  # closest to the post's date


def test_add_from_archive_at_a_date(archive: Archive, tmp_path: Path) -> None:
    archive.web.add_page(SANKEI_2016, b"<html><body><p>live page</p></body></html>")
    archive.hold(SANKEI_2016, "20160801120000", corpus(PAGES[SANKEI_2016]))
    archive.hold(SANKEI_2016, "20240101000000", b"<html><body><p>later</p></body></html>")
    result = runner.invoke(app, ["add", SANKEI_2016, "--from-archive", "--at", "2016-08-02", "--json"])
    assert result.exit_code == 0, result.output
    clip = json.loads(result.stdout)
    assert clip["body"] == expected_body(PAGES[SANKEI_2016], SANKEI_2016)
    assert not any(r.url == SANKEI_2016 for r in archive.web.requests)  # the live page was not asked


def test_prefers_a_200_capture_and_skips_a_soft_404_snapshot(archive: Archive) -> None:
    url = "https://news.yahoo.co.jp/articles/gone-soon"
    archive.hold(url, "20160801000000", b"<html><body>x</body></html>", status="404")
    gone = ("<html><head><title>Yahoo!ニュース</title></head><body><p>この記事は提供社の都合により削除されました。</p>"
            "</body></html>")
    archive.hold(url, "20160802000000", gone.encode())
    archive.hold(url, "20160810000000", corpus(PAGES[SANKEI_2016]))
    result = runner.invoke(app, ["add", url, "--at", "2016-08-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["archive_url"] == f"http://archive.test/web/20160810000000/{url}"


@pytest.mark.parametrize(("setup", "message"), [
    ("none", "no snapshot in the archive"),
    ("only404", "the archive only has snapshots with HTTP 404"),
    ("malformed", "malformed answer"),
    ("soft404", "is itself a soft 404"),
])
def test_no_usable_copy_is_one_line_and_nothing_is_stored(archive: Archive, tmp_path: Path, setup: str,
                                                           message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://www.sankei.com/politics/news/160801/gone.html"
    if setup == "only404":
        archive.hold(url, "20160801000000", b"<html>Not Found</html>", status="404")
    elif setup == "malformed":
        archive.cdx_answer = b'[["timestamp","original"],["2016x","http://a"]]'
        monkeypatch.setenv("CLIPPER_WAYBACK_URL", "http://127.0.0.1:9/available")  # no fallback either
    elif setup == "soft404":
        archive.hold(url, "20160801000000", "<html><head><title>Yahoo!ニュース</title></head><body><p>この記事は"
                     "提供社の都合により削除されました。</p></body></html>".encode())
    result = runner.invoke(app, ["add", url])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "HTTP 404" in lines[0] and message in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert rows(tmp_path / "clips.db", "SELECT count(*) AS n FROM clips")[0]["n"] == 0


def test_malformed_cdx_falls_back_to_the_availability_api(archive: Archive) -> None:
    url = "https://www.sankei.com/politics/news/160801/plt1608010020-n1.html"
    archive.hold(url, "20160801000000", corpus(PAGES[SANKEI_2016]))
    archive.cdx_answer = b"<html>an error page, not JSON</html>"
    result = runner.invoke(app, ["add", url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["archive_url"] == f"http://archive.test/web/20160801000000/{url}"


def test_archive_unreachable_slow_and_busy_batches_go_on(archive: Archive, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ok = "https://www.asahi.com/articles/AST1F4445T1FUTIL02SM.html"
    archive.web.add_page(ok, corpus("asahi/20250113-miyazaki-earthquake.html"))
    dead = [f"https://www.sankei.com/gone/{i}" for i in range(4)]
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join([dead[0], ok, *dead[1:]]) + "\n", encoding="utf-8")
    monkeypatch.setenv("CLIPPER_CDX_URL", "http://127.0.0.1:9/cdx")  # nothing there: refused / 404 via proxy
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", "http://127.0.0.1:9/available")
    result = runner.invoke(app, ["add", "--input", str(listing), "--timeout", "2", "--concurrency", "1"])
    assert result.exit_code == 1
    assert len(rows(tmp_path / "clips.db", "SELECT id FROM clips")) == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(failed) == 4 and all("no archived copy" in line for line in failed)
    assert sum("not asked again" in line for line in failed) == 1  # down after 3 failures in a row
    # a slow archive: the lookup's deadline, one line
    monkeypatch.setenv("CLIPPER_CDX_URL", CDX)
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", AVAILABLE)
    archive.delay = 3.0
    archive.hold(dead[0], "20160801000000", corpus(PAGES[SANKEI_2016]))
    slow = runner.invoke(app, ["add", dead[0], "--timeout", "1"])
    assert slow.exit_code == 1 and "timed out" in slow.stderr and len(slow.stderr.strip().splitlines()) == 1


def test_retry_after_is_honoured_and_requests_are_spaced(archive: Archive) -> None:
    import httpx

    from clipper.wayback import Wayback

    calls: list[float] = []
    now = [0.0]

    def sleep(s: float) -> None:
        calls.append(s)
        now[0] += s

    busy = {"n": 0}

    def cdx(info: RequestInfo) -> Response:
        busy["n"] += 1
        if busy["n"] == 1:
            return Response(429, b"slow down", {"Retry-After": "7"})
        return archive.cdx(info)

    archive.web.add_prefix(CDX, cdx)
    archive.hold(SANKEI_2016, "20160801000000", corpus(PAGES[SANKEI_2016]))
    with httpx.Client(trust_env=True) as client:
        wb = Wayback(client, cdx=CDX, availability=AVAILABLE, interval=2.0, clock=lambda: now[0], sleep=sleep)
        page, article = wb.copy_of(SANKEI_2016, "20160801", lambda p: extract_article(p.text, url=SANKEI_2016,
                                   registry=load_registry()), load_registry())
    assert page.raw == corpus(PAGES[SANKEI_2016]) and article.paragraphs
    assert calls[0] == 7.0 and calls[1:] == [2.0]  # Retry-After, then the spacing before the snapshot
