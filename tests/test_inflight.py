"""The progress bar names the slow URL it waits on (issue 12 item 9): the in-flight hook of the add pipeline and of
the link check, and what the CLI's progress bar makes of it, on a real terminal and on a recorded rich Console."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from clipper import ui
from clipper.check import CheckOptions, run_check, select_clips
from clipper.inflight import InFlight
from clipper.pipeline import AddOptions, add_targets
from clipper.store import open_db
from tests.conftest import env_for_subprocess
from tests.test_check import html, make_clip, page
from tests.test_terminal import ANSI, in_terminal
from tests.webserver import LoopbackWeb, RequestInfo, Response

SITE = "http://news.maiasa.test"
FAST_1, SLOW, FAST_2, GONE = (f"{SITE}/articles/{name}" for name in ("fast-1", "slow-one", "fast-2", "gone"))
SLOW_SHOWN = "waiting on news.maiasa.test/articles/slow-one"
SLOW_DELAY = 2.5


class Recorder:
    """A watch that keeps every event (and, through `log`, the results between them) in the order they came."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def started(self, url: str) -> None:
        with self._lock:
            self.log.append(("started", url))

    def finished(self, url: str) -> None:
        with self._lock:
            self.log.append(("finished", url))


def serve(web: LoopbackWeb, slow: float = SLOW_DELAY) -> None:
    for i, url in enumerate((FAST_1, FAST_2)):
        web.add(url, html(page(title=f"速い記事その{i + 1}　都心で今冬初の積雪")))
    web.add(SLOW, html(page(title="遅い記事　交通に乱れ"), delay=slow))
    web.add(GONE, Response(404))


def test_add_reports_each_request_started_then_finished_in_order(web: LoopbackWeb, tmp_path: Path) -> None:
    serve(web, slow=0.2)
    watch = Recorder()
    targets = [FAST_1, SLOW, GONE, FAST_2]
    opts = AddOptions(concurrency=1, archive_lookup=False)
    with open_db(tmp_path / "clips.db") as store:
        for result in add_targets(store, targets, opts, watch=watch):
            watch.log.append(("result", result.target))
    assert_in_order(watch.log, targets)


def assert_in_order(log: list[tuple[str, str]], urls: list[str]) -> None:
    """One request at a time: each URL started, then finished, in the given order; its result only after."""
    events = [event for event in log if event[0] != "result"]
    assert events == [(kind, url) for url in urls for kind in ("started", "finished")]
    for url in urls:
        assert log.index(("finished", url)) < log.index(("result", url))
    assert sorted(url for kind, url in log if kind == "result") == sorted(urls)


def test_add_of_a_known_url_sends_nothing_and_reports_nothing(web: LoopbackWeb, tmp_path: Path) -> None:
    serve(web, slow=0.0)
    with open_db(tmp_path / "clips.db") as store:
        assert [r.status for r in add_targets(store, [FAST_1], AddOptions(archive_lookup=False))] == ["added"]
        watch = Recorder()
        assert [r.status for r in add_targets(store, [FAST_1], AddOptions(), watch=watch)] == ["exists"]
    assert watch.log == []


def test_check_reports_each_request_started_then_finished_in_order(web: LoopbackWeb, tmp_path: Path) -> None:
    serve(web, slow=0.2)
    db = tmp_path / "clips.db"
    urls = [FAST_1, SLOW, GONE, FAST_2]
    ids = [make_clip(db, url) for url in urls]
    watch = Recorder()
    opts = CheckOptions(concurrency=1, timeout=5.0, host_interval=0.0, archive=False)
    with open_db(db) as store:
        for result in run_check(store, select_clips(store, check_all=True), opts, watch=watch):
            watch.log.append(("result", result.url))
    assert ids == sorted(ids)
    assert_in_order(watch.log, urls)


def test_in_flight_oldest_first_and_a_url_twice_counted_twice() -> None:
    now = [100.0]
    inflight = InFlight(clock=lambda: now[0])
    inflight.started("http://a.test/1")
    now[0] = 101.0
    inflight.started("http://b.test/2")
    inflight.started("http://a.test/1")
    now[0] = 104.5
    assert inflight.waiting() == [("http://a.test/1", 4.5), ("http://b.test/2", 3.5), ("http://a.test/1", 3.5)]
    assert ui.waiting_line(inflight) == "waiting on a.test/1 4 s · 3 in flight"
    inflight.finished("http://a.test/1")
    inflight.finished("http://b.test/2")
    assert ui.waiting_line(inflight) == "waiting on a.test/1 3 s"
    inflight.finished("http://a.test/1")
    assert inflight.waiting() == [] and ui.waiting_line(inflight) is None


def test_a_request_is_named_only_once_it_has_taken_a_second() -> None:
    now = [0.0]
    inflight = InFlight(clock=lambda: now[0])
    inflight.started("https://www.example.com/slow")
    now[0] = 0.9
    assert ui.waiting_line(inflight) is None
    now[0] = 4.2
    assert ui.waiting_line(inflight) == "waiting on example.com/slow 4 s"


def test_a_long_or_hostile_address_is_cut_and_cleaned() -> None:
    shown = ui.short_url("https://news.test/" + "記事" * 40 + "\x1b[31m")
    assert shown.endswith("…") and ui.cell_len(shown) <= ui.WAIT_URL_CELLS and "\x1b" not in shown


def recorded_console(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Point ui.err at a rich Console that thinks it is a terminal and writes into a buffer."""
    from rich.console import Console

    buffer = io.StringIO()
    fake = ui._LazyConsole(stderr=True)
    fake._console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    monkeypatch.setattr(ui, "err", fake)
    return buffer


def hold_until_shown(buffer: io.StringIO, text: str, seen: list[bool], body: bytes) -> object:
    """A route that answers only once `text` is on the console (or after 8 s): proof it was shown while the
    request was still waiting."""
    def answer(_info: RequestInfo) -> Response:
        ends = time.monotonic() + 8
        while time.monotonic() < ends and text not in buffer.getvalue():
            time.sleep(0.05)
        seen.append(text in buffer.getvalue())
        return html(body)

    return answer


def test_add_progress_names_the_slow_url_while_it_waits(web: LoopbackWeb, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    serve(web)
    buffer = recorded_console(monkeypatch)
    seen: list[bool] = []
    web.add(SLOW, hold_until_shown(buffer, SLOW_SHOWN, seen, page(title="遅い記事　交通に乱れ")))  # type: ignore[arg-type]
    inflight = InFlight()
    with open_db(tmp_path / "clips.db") as store:
        results = add_targets(store, [FAST_1, SLOW, FAST_2], AddOptions(archive_lookup=False), watch=inflight)
        assert ui.render_add(results, total=3, as_json=False, inflight=inflight) == 0
    assert seen == [True]
    shown = buffer.getvalue()
    assert "fast-1" not in shown.split(SLOW_SHOWN)[0].split("waiting on")[-1]  # the fast pages never waited
    assert inflight.waiting() == []


def test_check_progress_names_the_slow_url_while_it_waits(web: LoopbackWeb, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    serve(web)
    buffer = recorded_console(monkeypatch)
    seen: list[bool] = []
    web.add(SLOW, hold_until_shown(buffer, SLOW_SHOWN, seen, page()))  # type: ignore[arg-type]
    db = tmp_path / "clips.db"
    for url in (FAST_1, SLOW, FAST_2):
        make_clip(db, url)
    inflight = InFlight()
    opts = CheckOptions(timeout=10.0, host_interval=0.0, archive=False)
    with open_db(db) as store:
        ids = select_clips(store, check_all=True)
        done = ui.render_check(run_check(store, ids, opts, watch=inflight), total=3, quiet=False, as_json=False,
                               inflight=inflight)
    assert len(done) == 3 and seen == [True]


def test_no_progress_shows_no_waiting_line(web: LoopbackWeb, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    serve(web, slow=1.5)
    buffer = recorded_console(monkeypatch)
    inflight = InFlight()
    with open_db(tmp_path / "clips.db") as store:
        results = add_targets(store, [FAST_1, SLOW], AddOptions(archive_lookup=False), watch=inflight)
        ui.render_add(results, total=2, as_json=False, progress_bar=False, inflight=inflight)
    assert "waiting" not in buffer.getvalue() and "━" not in buffer.getvalue()


# -- the installed command, as typed ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["add", "check"])
def test_the_command_in_a_terminal_names_the_slow_url(command: str, web: LoopbackWeb, tmp_path: Path) -> None:
    serve(web)
    db = tmp_path / "clips.db"
    if command == "check":
        for url in (FAST_1, SLOW, FAST_2):
            make_clip(db, url)
        args = ["check", "--all", "--db", str(db)]
    else:
        args = ["add", FAST_1, SLOW, FAST_2, "--live-only", "--db", str(db)]
    text = ANSI.sub("", in_terminal(*args, columns=100))
    assert SLOW_SHOWN in text, text
    assert "waiting on news.maiasa.test/articles/fast" not in text


@pytest.mark.parametrize("extra", [["--no-progress"], ["--json"]])
def test_no_waiting_line_with_no_progress_or_json(extra: list[str], web: LoopbackWeb, tmp_path: Path) -> None:
    serve(web, slow=2.0)
    db = tmp_path / "clips.db"
    text = in_terminal("add", FAST_1, SLOW, "--live-only", "--db", str(db), *extra)
    assert "waiting on" not in text and "━" not in text, text


def test_no_waiting_line_when_stderr_is_not_a_terminal(web: LoopbackWeb, tmp_path: Path) -> None:
    """A quiet cron run: stderr is a pipe (or a mail), so no progress at all."""
    serve(web, slow=2.0)
    db = tmp_path / "clips.db"
    for url in (FAST_1, SLOW):
        make_clip(db, url)
    for args in (["add", FAST_1, SLOW, FAST_2, "--live-only"], ["check", "--all"]):
        result = subprocess.run([sys.executable, "-m", "clipper", *args, "--db", str(db)], capture_output=True,
                                text=True, env=env_for_subprocess(), timeout=60)
        assert result.returncode == 0, result.stderr
        assert "waiting on" not in result.stderr and "━" not in result.stderr, result.stderr


def test_save_page_now_requests_are_reported_too(web: LoopbackWeb, tmp_path: Path) -> None:
    """`add --archive`: each capture request (its 5 s turn included) is what the bar names meanwhile."""
    import httpx

    from clipper.archive import SavePageNow, archive_added

    serve(web, slow=0.0)
    watch = Recorder()
    captured = httpx.MockTransport(lambda request: httpx.Response(200, headers={
        "content-location": "/web/20250101000000/" + str(request.url).split("/save/", 1)[1]}))
    saver = SavePageNow(httpx.Client(transport=captured), endpoint="https://web.archive.test/save/", interval=0)
    with open_db(tmp_path / "clips.db") as store:
        results = add_targets(store, [FAST_1], AddOptions(archive_lookup=False, concurrency=1))
        done = list(archive_added(store, results, saver, watch=watch))
    assert done[0].clip is not None and done[0].clip.archive_url
    assert watch.log == [("started", f"https://web.archive.test/save/{FAST_1}"),
                         ("finished", f"https://web.archive.test/save/{FAST_1}")]
