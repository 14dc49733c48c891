"""`clipper check`: every kind of link death through the loopback proxy, against a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from clipper.archive import SavePageNow
from clipper.check import CheckOptions, CheckResult, is_due, run_check, select_clips
from clipper.cli import app
from clipper.errors import LockedError
from clipper.hostqueue import HostScheduler
from clipper.models import Article
from clipper.runlock import lock_path, run_lock
from clipper.store import open_db
from clipper.verdict import index_kind, titles_resemble
from tests.conftest import closed_port, env_for_subprocess
from tests.webserver import LoopbackWeb, RequestInfo, Response

runner = CliRunner()
ROOT = Path(__file__).parent.parent
WAYBACK = "http://archive.test/wayback/available"
TITLE = "東京で大雪、交通に乱れ　都心で今冬初の積雪"
PARAS = (
    "東京都心で14日、今冬初めての積雪を観測した。気象庁によると、午前中は多摩地域を中心に雪が強まる見込みだ。",
    "首都高速道路の一部区間が通行止めとなり、JRや私鉄の各線でも遅れが出ている。",
    "気象庁は路面の凍結や交通機関への影響に注意するよう呼びかけている。",
)
FAST = CheckOptions(timeout=1.0, host_interval=0.0, max_retry_wait=5.0, archive_timeout=1.0, archive_interval=0.0)


def page(title: str = TITLE, paras: tuple[str, ...] = PARAS, sidebar: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    links = "".join(f'<li><a href="/n/{i}">{sidebar or "ほかのニュースの見出し"} {i}</a></li>' for i in range(8))
    return (f'<html lang="ja"><head><meta charset="utf-8"><title>{title} | 毎朝新聞</title></head><body>'
            f"<header><nav><a href='/'>トップ</a></nav></header><main><article><h1>{title}</h1>{body}</article>"
            f"</main><aside><h2>ランキング</h2><ul>{links}</ul></aside><footer>Copyright 毎朝新聞</footer>"
            "</body></html>").encode()


def html(body: bytes, status: int = 200, *, delay: float = 0.0, retry_after: str | None = None) -> Response:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Response(status, body, headers, delay=delay)


def make_clip(db: Path, url: str, *, title: str = TITLE, paras: tuple[str, ...] = PARAS,
              published: str | None = "2016-08-01") -> int:
    with open_db(db) as store:
        return store.insert_clip(Article(title=title, paragraphs=paras, published=published, outlet="毎朝"), None,
                                 url=url)


def run(db: Path, ids: list[int] | None = None, opts: CheckOptions = FAST) -> dict[int, CheckResult]:
    with open_db(db) as store:
        chosen = ids if ids is not None else select_clips(store, check_all=True)
        return {r.id: r for r in run_check(store, chosen, opts)}


def clip_row(db: Path, clip_id: int) -> sqlite3.Row:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM clips WHERE id = ?", (clip_id,)).fetchone()


def check_rows(db: Path, clip_id: int | None = None) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        if clip_id is None:
            return conn.execute("SELECT * FROM checks ORDER BY id").fetchall()
        return conn.execute("SELECT * FROM checks WHERE clip_id = ? ORDER BY id", (clip_id,)).fetchall()


def wayback_query(url: str, timestamp: str) -> str:
    return str(httpx.URL(WAYBACK, params={"url": url, "timestamp": timestamp}))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "clips.db"


@pytest.fixture
def wayback(monkeypatch: pytest.MonkeyPatch, web: LoopbackWeb) -> LoopbackWeb:
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", WAYBACK)
    return web


# -- one status per clip ----------------------------------------------------------------------------------------

def test_statuses_of_a_mixed_archive(web: LoopbackWeb, db: Path) -> None:
    base = "http://news.maiasa.test/articles/20160801"
    web.add(f"{base}/alive", html(page()))
    web.add(f"{base}/gone404", Response(404))
    web.add(f"{base}/gone410", Response(410))
    web.add(f"{base}/soft", html(page("指定されたURLは存在しませんでした", ("指定されたURLは存在しませんでした。",))))
    web.add(f"{base}/yahoo", html(page("Yahoo!ニュース", ("この記事は提供社の都合により削除されました。",))))
    web.add(f"{base}/totop", Response(302, headers={"Location": "http://news.maiasa.test/"}))
    web.add("http://news.maiasa.test/", html(page("毎朝新聞トップ", ("今日のニュース一覧です。",))))
    web.add(f"{base}/tosection", Response(301, headers={"Location": "http://news.maiasa.test/politics/"}))
    web.add("http://news.maiasa.test/politics/", html(page("政治", ("政治ニュースの一覧。",))))
    web.add(f"{base}/tosearch", Response(302, headers={"Location": "http://news.maiasa.test/search?q=x"}))
    web.add("http://news.maiasa.test/search?q=x", html(page("検索結果", ("検索結果はありません。",))))
    web.add(f"{base}/moved", Response(301, headers={"Location": "https://www.maiasa.test/article/20160801-ABC/"}))
    web.add("https://www.maiasa.test/article/20160801-ABC/", html(page()))
    web.add(f"{base}/other", html(page("全く別の記事の見出しです　円安進む", ("円相場が下落した。",))))
    web.add(f"{base}/edited", html(page(paras=(PARAS[0], "訂正：首都高速道路は通行止めになっていませんでした。"))))
    web.add(f"{base}/paywall", html(page(paras=("この記事は会員限定です。続きはログインしてお読みください。",))))
    names = ["alive", "gone404", "gone410", "soft", "yahoo", "totop", "tosection", "tosearch", "moved", "other",
             "edited", "paywall"]
    ids = {name: make_clip(db, f"{base}/{name}") for name in names}  # (addresses with digits, like articles')
    results = run(db)
    got = {name: (results[cid].status, results[cid].reason.split(":")[0]) for name, cid in ids.items()}
    assert got == {
        "alive": ("alive", "ok"),
        "gone404": ("dead", "http-404"),
        "gone410": ("dead", "http-410"),
        "soft": ("dead", "soft-404"),
        "yahoo": ("dead", "soft-404"),
        "totop": ("dead", "redirect-to-top"),
        "tosection": ("dead", "redirect-to-section"),
        "tosearch": ("dead", "redirect-to-search"),
        "moved": ("moved", "moved-permanently"),
        "other": ("dead", "title-mismatch"),
        "edited": ("changed", "text-changed"),
        "paywall": ("changed", "text-gone"),
    }
    moved = clip_row(db, ids["moved"])
    assert moved["status"] == "moved" and moved["moved_to"] == "https://www.maiasa.test/article/20160801-ABC/"
    gone = clip_row(db, ids["gone404"])
    assert (gone["status"], gone["status_http"], gone["status_reason"], gone["fail_count"]) == ("dead", 404,
                                                                                               "http-404", 0)
    assert gone["checked_at"] and len(check_rows(db)) == len(names)
    edited = clip_row(db, ids["edited"])
    assert "首都高速道路の一部区間" in open_db(db).get_clip(edited["id"]).body  # the stored text stays the record


def test_sidebar_phrase_is_no_soft_404(web: LoopbackWeb, db: Path) -> None:
    url = "http://news.maiasa.test/articles/sidebar"
    web.add(url, html(page(sidebar="ページが見つかりません問題、サイト改修で")))
    cid = make_clip(db, url)
    assert run(db)[cid].status == "alive"


def test_quote_is_what_is_looked_for(web: LoopbackWeb, db: Path) -> None:
    url = "http://news.maiasa.test/articles/quoted"
    web.add(url, html(page(paras=PARAS[:2])))  # the third paragraph is gone
    cid = make_clip(db, url)
    with open_db(db) as store:
        store.update_clip(cid, fields={"quote": [PARAS[0], None, PARAS[2]]})
    assert run(db)[cid].status == "changed"
    with open_db(db) as store:
        store.update_clip(cid, fields={"quote": [PARAS[1]]})
    assert run(db)[cid].status == "alive"


def test_http_upgrade_and_known_final_url_are_not_moves(web: LoopbackWeb, db: Path) -> None:
    web.add("http://www.maiasa.test/a/1", Response(301, headers={"Location": "https://www.maiasa.test/a/1"}))
    web.add("https://www.maiasa.test/a/1", html(page()))
    web.add("http://nordot.test/x", Response(302, headers={"Location": "https://www.maiasa.test/a/1"}))
    a = make_clip(db, "http://www.maiasa.test/a/1")
    b = make_clip(db, "http://nordot.test/x")
    results = run(db)
    assert results[a].status == "alive" and results[a].final_url == "https://www.maiasa.test/a/1"
    assert results[b].status == "alive"


def test_retry_after_503_then_200(web: LoopbackWeb, db: Path) -> None:
    url = "http://busy.test/a/1"
    answers = [html(b"busy", 503, retry_after="1"), html(page())]
    times: list[float] = []

    def handler(_req: RequestInfo) -> Response:
        times.append(time.monotonic())
        return answers.pop(0)

    web.add(url, handler)
    cid = make_clip(db, url)
    result = run(db)[cid]
    assert result.status == "alive"
    assert len(times) == 2 and times[1] - times[0] >= 0.9
    assert len(check_rows(db, cid)) == 1  # the retry is part of one check


def test_429_with_a_long_retry_after_is_unreachable_without_waiting(web: LoopbackWeb, db: Path) -> None:
    web.add("http://limited.test/a", html(b"slow down", 429, retry_after="3600"))
    web.add("http://limited.test/b", html(b"slow down", 429, retry_after="1"))
    a = make_clip(db, "http://limited.test/a")
    b = make_clip(db, "http://limited.test/b")
    start = time.monotonic()
    results = run(db)
    assert time.monotonic() - start < 5
    assert (results[a].status, results[a].reason, results[a].http_status) == ("unreachable", "http-429", 429)
    assert results[b].status == "unreachable"
    assert [r.url for r in web.requests].count("http://limited.test/a") == 1
    assert [r.url for r in web.requests].count("http://limited.test/b") == 2  # retried once, after 1 s


def test_timeout_and_refused_are_unreachable(web: LoopbackWeb, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the refused address must not go through the proxy
    web.add("http://slow.test/a", html(page(), delay=3))
    slow = make_clip(db, "http://slow.test/a")
    refused = make_clip(db, f"http://127.0.0.1:{closed_port()}/article")
    start = time.monotonic()
    results = run(db)
    assert time.monotonic() - start < 2.5
    assert (results[slow].status, results[slow].reason) == ("unreachable", "timeout")
    assert (results[refused].status, results[refused].reason) == ("unreachable", "refused")
    assert clip_row(db, slow)["fail_count"] == 1


def run_at(db: Path, moment: datetime) -> dict[int, CheckResult]:
    with open_db(db) as store:
        return {r.id: r for r in run_check(store, select_clips(store, check_all=True), FAST, clock=lambda: moment)}


def test_unreachable_three_times_in_a_row_is_dead(web: LoopbackWeb, db: Path) -> None:
    web.add("http://flaky.test/a", html(b"oops", 500))
    web.add("http://forbidden.test/a", html(b"no bots", 403))
    flaky = make_clip(db, "http://flaky.test/a")
    forbidden = make_clip(db, "http://forbidden.test/a")
    t0 = datetime(2025, 1, 1, 4, 17, tzinfo=UTC)
    runs = [run_at(db, t0 + timedelta(hours=h)) for h in (0, 12, 25)]  # spread over more than a day
    seen = [(r[flaky].status, r[forbidden].status) for r in runs]
    assert seen == [("unreachable", "unreachable")] * 2 + [("dead", "unreachable")]
    row = clip_row(db, flaky)
    assert row["fail_count"] == 3 and row["status_reason"].startswith("http-500")
    web.add("http://flaky.test/a", html(page()))  # back: the count starts again
    assert run(db, [flaky])[flaky].status == "alive" and clip_row(db, flaky)["fail_count"] == 0


def test_three_failures_within_minutes_do_not_make_a_link_dead(web: LoopbackWeb, db: Path) -> None:
    """A server down for an afternoon: three runs (by hand, or cron retried) within minutes are one outage."""
    web.add("http://flaky.test/b", html(b"oops", 503))
    flaky = make_clip(db, "http://flaky.test/b")
    for _ in range(4):
        result = runner.invoke(app, ["check", "--all", "--json", "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["status"] == "unreachable"
    assert clip_row(db, flaky)["fail_count"] == 4
    t0 = datetime.now(UTC)
    assert run_at(db, t0 + timedelta(hours=23))[flaky].status == "unreachable"
    assert run_at(db, t0 + timedelta(hours=25))[flaky].status == "dead"  # the streak now spans a day


# -- archived copies -------------------------------------------------------------------------------------------

def test_wayback_snapshot_is_stored_for_a_dead_clip(wayback: LoopbackWeb, db: Path) -> None:
    url = "http://news.maiasa.test/gone"
    snap = "http://web.archive.org/web/20160801000000/http://news.maiasa.test/gone"
    answer = {"archived_snapshots": {"closest": {"available": True, "url": snap, "timestamp": "20160801000000",
                                                 "status": "200"}}}
    wayback.add(wayback_query(url, "20160801"), html(json.dumps(answer).encode()))
    wayback.add("http://news.maiasa.test/alive", html(page()))
    cid = make_clip(db, url)
    alive = make_clip(db, "http://news.maiasa.test/alive")
    result = run(db)[cid]
    assert (result.status, result.archive_url) == ("dead", snap)
    assert clip_row(db, cid)["archive_url"] == snap and check_rows(db, cid)[0]["archive_url"] == snap
    assert not any("archive.test" in r.url and "alive" in r.url for r in wayback.requests)  # only dead ones
    run(db, [cid])  # already archived: not asked again
    assert sum(1 for r in wayback.requests if "archive.test" in r.url) == 1
    assert clip_row(db, alive)["archive_url"] is None


def test_wayback_without_a_snapshot(wayback: LoopbackWeb, db: Path) -> None:
    answers = [b'{"url": "x", "archived_snapshots": {}}', b'{"archived_snapshots": []}', b"<html>not json",
               b'{"archived_snapshots": {"closest": {"available": true, "url": "http://w/x", "status": "404"}}}']
    ids = []
    for i, answer in enumerate(answers):
        url = f"http://news.maiasa.test/never-archived/{i}"
        wayback.add(wayback_query(url, "20160801"), html(answer))
        ids.append(make_clip(db, url))
    results = run(db)
    assert [(results[i].status, results[i].archive_url) for i in ids] == [("dead", None)] * len(answers)


def test_wayback_down_never_fails_the_run(monkeypatch: pytest.MonkeyPatch, db: Path, web: LoopbackWeb) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", f"http://127.0.0.1:{closed_port()}/wayback/available")
    ids = [make_clip(db, f"http://news.maiasa.test/dead/{i}") for i in range(6)]
    results = run(db)
    assert {results[i].status for i in ids} == {"dead"}
    assert all(clip_row(db, i)["archive_url"] is None for i in ids)
    result = runner.invoke(app, ["check", "--all", "--timeout", "1"])
    assert result.exit_code == 0, result.output


def test_add_archive_asks_save_page_now(web: LoopbackWeb, monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    monkeypatch.setenv("CLIPPER_SAVE_URL", "http://save.test/save/")
    url = "http://news.maiasa.test/new"
    web.add(url, html(page()))
    web.add(f"http://save.test/save/{url}",
            Response(200, b"saved", {"Content-Location": "/web/20250101000000/" + url}))
    result = runner.invoke(app, ["add", url, "--archive", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["archive_url"] == f"http://save.test/web/20250101000000/{url}"
    assert runner.invoke(app, ["add", url]).exit_code == 0  # already clipped: no new capture
    assert sum(1 for r in web.requests if r.url.startswith("http://save.test/")) == 1


def test_add_archive_down_is_only_a_warning(web: LoopbackWeb) -> None:
    url = "http://news.maiasa.test/new2"
    web.add(url, html(page()))
    result = runner.invoke(app, ["add", url, "--archive"])  # CLIPPER_SAVE_URL: a dead port (via the proxy: 404)
    assert result.exit_code == 0, result.output
    assert "Save Page Now" in result.stderr


def test_save_page_now_is_rate_limited() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    client = httpx.Client(transport=httpx.MockTransport(lambda req: httpx.Response(200)))
    saver = SavePageNow(client, endpoint="http://save.test/save/", interval=5.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        saver.save("http://a.test/x")
    assert slept == [5.0, 5.0]


# -- politeness ------------------------------------------------------------------------------------------------

def test_per_host_limit_holds_and_user_agent_is_clippers(web: LoopbackWeb, db: Path) -> None:
    for i in range(10):
        web.add(f"http://one.test/a/{i}", html(page(), delay=0.15))
        web.add(f"http://two.test/a/{i}", html(page(), delay=0.15))
        make_clip(db, f"http://one.test/a/{i}")
        make_clip(db, f"http://two.test/a/{i}")
    results = run(db, opts=CheckOptions(timeout=2, per_host=2, concurrency=16, host_interval=0.0))
    assert {r.status for r in results.values()} == {"alive"}
    assert web.max_in_flight["one.test"] == 2 and web.max_in_flight["two.test"] == 2
    assert all(r.headers["user-agent"].startswith("clipper/") for r in web.requests)


def test_min_interval_between_requests_to_a_host(web: LoopbackWeb, db: Path) -> None:
    times: list[float] = []

    def handler(_req: RequestInfo) -> Response:
        times.append(time.monotonic())
        return html(page())

    for i in range(4):
        web.add(f"http://polite.test/a/{i}", handler)
        make_clip(db, f"http://polite.test/a/{i}")
    sent: list[float] = []

    class Sends:
        def started(self, url: str) -> None:
            sent.append(time.monotonic())

        def finished(self, url: str) -> None:
            pass

    with open_db(db) as store:
        list(run_check(store, select_clips(store, check_all=True),
                       CheckOptions(timeout=2, per_host=4, host_interval=0.2), watch=Sends()))
    # the sends are spaced (not only the jobs' starts, which came 0.133-0.18 s apart at the server before the fix):
    # as the client sends them (a sleeping thread may wake a few ms late on a loaded machine); at the server,
    # loopback delivery adds jitter of its own
    sent_gaps = [b - a for a, b in zip(sent, sent[1:], strict=False)]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(sent) == 4 and min(sent_gaps) >= 0.19, sent_gaps
    assert len(times) == 4 and min(gaps) >= 0.15, gaps


def test_host_scheduler_order() -> None:
    @dataclass
    class Job:
        host: str
        name: str
        not_before: float = 0.0

    sched: HostScheduler[Job] = HostScheduler(per_host=lambda h: 2, interval=lambda h: 1.0)
    for name in ("a1", "a2", "a3"):
        sched.push(Job("a", name), 0.0)
    sched.push(Job("b", "b1"), 0.0)
    first = [sched.next_ready(0.0), sched.next_ready(0.0), sched.next_ready(0.0)]
    assert sorted(j.name for j in first if j) == ["a1", "b1"] and first[2] is None  # a again only after 1 s
    assert sched.wake_at() == 1.0
    a2 = sched.next_ready(1.0)
    assert a2 is not None and a2.name == "a2" and sched.next_ready(2.0) is None  # two of a's in flight
    sched.done("a", 2.0)
    sched.hold("a", 5.0)  # a Retry-After
    assert sched.next_ready(4.9) is None and getattr(sched.next_ready(5.0), "name", None) == "a3"
    assert sched.waiting == 0


# -- what is due -----------------------------------------------------------------------------------------------

def test_due_interval_grows_with_age() -> None:
    now = datetime(2025, 3, 1, 4, 17, tzinfo=UTC)

    def due(age_days: float, since_check_hours: float, status: str = "alive") -> bool:
        added = (now - timedelta(days=age_days)).isoformat()
        checked = (now - timedelta(hours=since_check_hours)).isoformat()
        return is_due(added, checked, status, now)

    assert is_due("2025-03-01T00:00:00Z", None, None, now)  # never checked
    assert due(3, 23.9) and not due(3, 12)  # first week: daily (a cron run a few minutes early still counts)
    assert not due(10, 24 * 5) and due(10, 24 * 7)  # first month: weekly
    assert not due(100, 24 * 20) and due(100, 24 * 30)  # after: monthly
    assert due(100, 24, status="unreachable")  # unreachable: daily, to settle it


def test_select_due_with_an_injected_clock(web: LoopbackWeb, db: Path) -> None:
    web.add("http://news.maiasa.test/a", html(page()))
    old = make_clip(db, "http://news.maiasa.test/a")
    new = make_clip(db, "http://news.maiasa.test/b")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE clips SET added_at = '2024-01-01T00:00:00Z' WHERE id = ?", (old,))
        conn.execute("UPDATE clips SET added_at = '2025-02-27T00:00:00Z' WHERE id = ?", (new,))
        conn.execute("INSERT INTO clips (added_at, updated_at, title) VALUES ('2024-01-01', '2024-01-01', 'no url')")
    t0 = datetime(2025, 3, 1, 4, 17, tzinfo=UTC)
    with open_db(db) as store:
        assert select_clips(store, now=t0) == [old, new]  # never checked; the link-less clip is skipped
        for _ in run_check(store, [old, new], FAST, clock=lambda: t0):
            pass
        assert select_clips(store, now=t0 + timedelta(hours=1)) == []
        assert select_clips(store, now=t0 + timedelta(days=1)) == [new]  # in its first week: daily
        assert select_clips(store, now=t0 + timedelta(days=20)) == [new]  # the old one is monthly
        assert select_clips(store, now=t0 + timedelta(days=27)) == [old, new]  # (due at 90% of the interval)
        assert select_clips(store, ids=[new], now=t0) == [new]  # ids are checked, due or not
        assert select_clips(store, ids=[new], due_only=True, now=t0) == []
        assert select_clips(store, check_all=True, now=t0) == [old, new]


# -- the command -----------------------------------------------------------------------------------------------

def test_cli_json_quiet_and_exit_code(web: LoopbackWeb, db: Path) -> None:
    web.add("http://news.maiasa.test/ok", html(page()))
    ok = make_clip(db, "http://news.maiasa.test/ok")
    gone = make_clip(db, "http://news.maiasa.test/gone")
    result = runner.invoke(app, ["check", "--json", "--timeout", "1"])
    assert result.exit_code == 0, result.output  # a dead link is a finding, not an error
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(rows[gone]) == {"id", "url", "status", "previous_status", "http_status", "reason", "final_url",
                               "archive_url"}
    assert (rows[gone]["status"], rows[gone]["previous_status"], rows[gone]["http_status"]) == ("dead", None, 404)
    assert rows[ok]["status"] == "alive"
    quiet = runner.invoke(app, ["check", "--all", "--quiet", "--timeout", "1"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""  # nothing changed: no cron mail
    web.add("http://news.maiasa.test/ok", Response(410))
    news = runner.invoke(app, ["check", "--all", "--quiet", "--timeout", "1"])
    assert news.exit_code == 0 and f"{ok}  alive -> dead  http-410" in news.stdout
    assert "gone" not in news.stdout  # still dead: not news
    listed = runner.invoke(app, ["list", "--status", "dead"])
    assert {int(line.split()[0]) for line in listed.stdout.splitlines()} == {ok, gone}
    shown = runner.invoke(app, ["show", str(ok)])
    assert "link checks (3" in shown.stdout and "http-410" in shown.stdout and "HTTP 200" in shown.stdout
    summary = runner.invoke(app, ["check", "--all", "--timeout", "1"])
    assert "checked 2 clip(s): 2 dead; 0 changed status" in summary.stderr


def test_list_shows_the_archive_url_of_dead_clips(db: Path) -> None:
    cid = make_clip(db, "http://news.maiasa.test/x")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE clips SET status = 'dead', archive_url = 'https://web.archive.org/web/1/x' WHERE id = ?",
                     (cid,))
    out = runner.invoke(app, ["list", "--status", "dead"]).stdout
    assert "[dead] archived: https://web.archive.org/web/1/x" in out


def test_usage_errors(db: Path) -> None:
    open_db(db).close()
    assert runner.invoke(app, ["check", "--all", "3"]).exit_code == 1
    assert "no clip with id 99" in runner.invoke(app, ["check", "99"]).stderr


def test_lock_refuses_a_second_run_and_a_stale_lock_is_ignored(web: LoopbackWeb, db: Path) -> None:
    web.add("http://news.maiasa.test/ok", html(page()))
    make_clip(db, "http://news.maiasa.test/ok")
    with run_lock(db):
        result = runner.invoke(app, ["check", "--timeout", "1"])
        assert result.exit_code == 1 and "another check is running" in result.stderr
        assert f"pid {os.getpid()}" in result.stderr
        with pytest.raises(LockedError):
            with run_lock(db):
                pass
    assert not lock_path(db).exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path(db).write_text(dead.stdout)  # left behind by a killed run
    result = runner.invoke(app, ["check", "--timeout", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "alive"


def test_a_killed_run_keeps_what_it_finished(web: LoopbackWeb, db: Path) -> None:
    n = 20
    for i in range(n):
        web.add(f"http://slow{i}.test/a", html(page(), delay=0.5))
        make_clip(db, f"http://slow{i}.test/a")
    cmd = [sys.executable, "-m", "clipper", "check", "--db", str(db), "--concurrency", "2", "--timeout", "5"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env_for_subprocess(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    done = 0
    while done < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
        done = len(check_rows(db))
    proc.send_signal(signal.SIGKILL)
    _out, err = proc.communicate()
    assert done >= 3, (done, err.decode(errors="replace")[-2000:])
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        checked = conn.execute("SELECT count(*) FROM clips WHERE checked_at IS NOT NULL").fetchone()[0]
        rows = conn.execute("SELECT count(*), count(DISTINCT clip_id) FROM checks").fetchone()
    assert 3 <= checked < n and tuple(rows) == (checked, checked)
    again = subprocess.run(cmd[:-4] + ["--concurrency", "16", "--timeout", "5", "--json"], cwd=ROOT,
                           env=env_for_subprocess(), capture_output=True, text=True, timeout=30)
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.splitlines()) == n - checked  # only what was still due
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT clip_id) FROM checks").fetchone() == (n, n)


def test_check_beside_a_running_add(web: LoopbackWeb, db: Path) -> None:
    web.add("http://news.maiasa.test/ok", html(page()))
    make_clip(db, "http://news.maiasa.test/ok")
    with open_db(db) as writer:
        writer.conn.execute("BEGIN IMMEDIATE")  # an add in the middle of its transaction
        writer.conn.execute("UPDATE clips SET note = 'x'")
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "clipper", "check", "--db", str(db), "--timeout", "2",
                                 "--json"], cwd=ROOT, env=env_for_subprocess(), stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        writer.conn.execute("COMMIT")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and json.loads(out)["status"] == "alive"
    assert time.monotonic() - start < 10


# -- the heuristics --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, kind", [
    ("https://www.sankei.com/", "top"),
    ("https://www.sankei.com/index.html", "top"),
    ("https://www.sankei.com/politics/", "section"),
    ("https://news.yahoo.co.jp/topics/top-picks", "section"),
    ("https://www.asahi.com/tag/政治/", "section"),
    ("https://news.yahoo.co.jp/search?p=大雪", "search"),
    ("https://www.example.jp/?s=keyword", "search"),
    ("https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/", None),
    ("https://wired.jp/article/vol-55-japan-space-industry-startups/", None),
    ("https://nordot.app/1234567890", None),
    ("https://www.itmedia.co.jp/news/articles/1601/05/news058.html", None),
    ("https://blog.example.jp/?p=123", None),
])
def test_index_kind(url: str, kind: str | None) -> None:
    assert index_kind(url) == kind


def test_titles_resemble() -> None:
    assert titles_resemble(TITLE, "【速報】" + TITLE)
    assert titles_resemble("死者3人に　関東で大雪", "死者5人に　関東で大雪")
    assert titles_resemble("Mainichi: snow in Tokyo", "MAINICHI — Snow in Tokyo!")
    assert not titles_resemble(TITLE, "産経ニュース")
    assert not titles_resemble(TITLE, "円安が進む　一時1ドル160円台")
