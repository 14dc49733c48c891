"""Link health for the cron job (`clipper check`): which clips are due, polite concurrent GETs, one status each.

A clip is due when it was never checked, or not for an interval that grows with its age: daily in its first week,
weekly in its first month, monthly after (a clip last found unreachable is due daily, to settle it). So a daily run
touches a fraction of a large archive, and a run that was killed leaves the rest due for the next one.

Requests run in worker threads; the caller's thread schedules them and writes. The scheduler (hostqueue.py)
starts a request only when its host has fewer than `per_host` in flight and its last request started
`host_interval` ago, and never more than `concurrency` at once; a 429/503 with a short Retry-After is retried
once, after the wait, and holds the whole host back meanwhile. Each GET reads at most `max_bytes` (enough for a
title and the text), with the same User-Agent as `add`. Every result is committed as it arrives (a `checks` row
and the clip's status columns in one transaction; results that arrive together share it), so a killed run loses
nothing it finished. When a clip turns dead and has no archived copy, the Wayback Machine's availability API is
asked for the snapshot closest to its date, through the same scheduler (its own host, 2 at a time); an archive
that fails 3 times in a row is left alone for the rest of the run.

What the answer means is decided in verdict.py. Nothing here prints.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from clipper.archive import LOOKUP_TIMEOUT, find_snapshot, wayback_endpoint, wayback_timestamp
from clipper.encoding import decode_html
from clipper.errors import UsageError
from clipper.fetch import deadline, make_client, retry_after
from clipper.hostqueue import HostScheduler
from clipper.inflight import Watch, watching
from clipper.outlets import Registry, load_registry
from clipper.store import Store
from clipper.urls import host_of, strip_credentials, url_problem
from clipper.verdict import Probe, Target, Verdict, classify, quote_paragraphs

DEFAULT_CONCURRENCY = 16
DEFAULT_PER_HOST = 2
DEFAULT_TIMEOUT = 20.0
MAX_BYTES = 512 * 1024
HOST_INTERVAL = 0.2  # seconds between the starts of two requests to one host
MAX_RETRY_WAIT = 30.0  # a longer Retry-After is not waited for: the clip is recorded unreachable
FAILS_TO_DEAD = 3  # consecutive unreachable checks that make a clip dead...
FAIL_SPAN = timedelta(days=1)  # ...when the first of them was at least this long before the last
ARCHIVE_PER_HOST = 2
ARCHIVE_INTERVAL = 0.5
ARCHIVE_FAILS = 3  # consecutive archive failures after which a run stops asking it
DUE_SLACK = 0.9  # a check is due at 90% of its interval, so a daily cron run never misses a day by minutes
THREAD_CONNECTIONS = 4  # each worker's own pool (keep-alive to the hosts it met last)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "text/plain", "")


@dataclass
class CheckOptions:
    concurrency: int = DEFAULT_CONCURRENCY
    per_host: int = DEFAULT_PER_HOST
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = MAX_BYTES
    host_interval: float = HOST_INTERVAL
    max_retry_wait: float = MAX_RETRY_WAIT
    archive: bool = True  # look up an archived copy of clips that turn dead
    archive_timeout: float = LOOKUP_TIMEOUT
    archive_interval: float = ARCHIVE_INTERVAL  # seconds between the starts of two archive lookups


@dataclass(frozen=True)
class CheckResult:
    id: int
    url: str
    status: str
    previous_status: str | None
    http_status: int | None
    reason: str
    final_url: str | None
    archive_url: str | None
    moved_to: str | None
    checked_at: str
    title: str | None = None

    @property
    def is_news(self) -> bool:
        """Did the clip turn dead, moved or changed in this run (what a cron mail is for)?"""
        return self.status in ("dead", "moved", "changed") and self.status != self.previous_status

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "url": self.url, "status": self.status, "previous_status": self.previous_status,
                "http_status": self.http_status, "reason": self.reason, "final_url": self.final_url,
                "archive_url": self.archive_url}


# -- what is due --------------------------------------------------------------------------------------------

def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_interval(age: timedelta) -> timedelta:
    """How often a clip of this age is checked: daily in its first week, weekly in its first month, then monthly."""
    if age < timedelta(days=7):
        return timedelta(days=1)
    if age < timedelta(days=30):
        return timedelta(days=7)
    return timedelta(days=30)


def is_due(added_at: str | None, checked_at: str | None, status: str | None, now: datetime) -> bool:
    last = _parse(checked_at)
    if last is None:
        return True
    added = _parse(added_at) or last
    interval = timedelta(days=1) if status == "unreachable" else check_interval(now - added)
    return now - last >= interval * DUE_SLACK


def select_clips(store: Store, *, ids: Sequence[int] = (), check_all: bool = False, due_only: bool = False,
                 now: datetime | None = None) -> list[int]:
    """The ids a run checks: the given ones (those due, with due_only), every clip with a url, or those due.
    Clips without a url are skipped. Raises UsageError for an unknown id, or ids with check_all."""
    if ids and check_all:
        raise UsageError("give clip ids or --all, not both")
    now = now or utc_now()
    schedule = {cid: (added, checked, status) for cid, _url, added, checked, status in store.check_schedule()}
    if ids:
        for cid in ids:
            if cid not in schedule:
                store.get_clip(cid)  # raises for an unknown id; a clip without a url is just skipped
        chosen = [cid for cid in dict.fromkeys(ids) if cid in schedule]
        return [cid for cid in chosen if is_due(*schedule[cid], now)] if due_only else chosen
    if check_all:
        return list(schedule)
    return [cid for cid, row in schedule.items() if is_due(*row, now)]


def load_target(store: Store, clip_id: int) -> Target | None:
    state = store.check_state(clip_id)
    if state is None or not state["url"]:
        return None
    return Target(
        id=state["id"], url=state["url"], final_url=state["final_url"], canonical_url=state["canonical_url"],
        title=state["title"], quote=quote_paragraphs(state["quote"], state["body"]), added_at=state["added_at"],
        published=state["published"], status=state["status"], fail_count=int(state["fail_count"] or 0),
        archive_url=state["archive_url"], first_fail_at=state.get("first_fail_at"),
    )


# -- one request ----------------------------------------------------------------------------------------------

def _error_code(exc: httpx.HTTPError) -> str:
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirect-loop"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "bad-redirect"
    if isinstance(exc, httpx.ProxyError):
        return "proxy-error"
    if isinstance(exc, httpx.ConnectError):
        if any(s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                   "name resolution", "no address associated")):
            return "dns"
        if "refused" in text:
            return "refused"
        if "ssl" in text or "certificate" in text:
            return "tls-error"
        return "connect-error"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol-error"
    return "network-error"


def probe_url(url: str, client: httpx.Client, *, timeout: float, max_bytes: int) -> Probe:
    """GET a clip's address (following redirects), reading at most `max_bytes` of a 2xx HTML body."""
    ends = time.monotonic() + timeout
    url = strip_credentials(url)  # a user:password@ in a stored address is never sent as Basic auth
    problem = url_problem(url)
    if problem:
        return Probe(url, error=f"invalid-url: {problem}")
    try:
        with deadline(timeout), \
                client.stream("GET", url, timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0))) as resp:
            chain = [*resp.history, resp]
            hops = tuple((h.status_code, strip_credentials(str(chain[i + 1].url)))
                         for i, h in enumerate(resp.history))
            final = strip_credentials(str(resp.url))
            code = resp.status_code
            if code in (429, 503):
                wait_s = retry_after(resp.headers.get("retry-after"), utc_now())
                return Probe(url, code, final, hops, retry_after=wait_s)
            media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if not 200 <= code < 300 or media not in _HTML_TYPES:
                return Probe(url, code, final, hops)
            chunks: list[bytes] = []
            size = 0
            truncated = False
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= max_bytes:
                    truncated = True
                    break
                if time.monotonic() > ends:
                    return Probe(url, error="timeout")
            raw = b"".join(chunks)[:max_bytes]
            content_type = resp.headers.get("content-type")
    except httpx.HTTPError as exc:
        return Probe(url, error=_error_code(exc))
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # stored before addresses were validated
        return Probe(url, error=f"invalid-url: {exc}"[:200])
    html = decode_html(raw, content_type).text
    return Probe(url, code, final, hops, html=html, truncated=truncated)


# -- the run --------------------------------------------------------------------------------------------------

class _Clients:
    """An HTTP client per worker thread (sharing one TLS context), unless the caller passed one to share.

    httpx's connection pool takes a lock and scans its connections on every request; with 16 threads on one
    pool that was a quarter of a check's CPU (bench/check.py: 2.65 -> 2.15 ms per URL, 300 -> 390 URLs/s)."""

    def __init__(self, timeout: float, shared: httpx.Client | None) -> None:
        self._timeout = timeout
        self.shared = shared
        self._local = threading.local()
        self._made: list[httpx.Client] = []
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def get(self) -> httpx.Client:
        if self.shared is not None:
            return self.shared
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            with self._lock:
                if self._tls is None:
                    self._tls = httpx.create_ssl_context(trust_env=True)
                client = make_client(self._timeout, max_connections=THREAD_CONNECTIONS, verify=self._tls)
                self._made.append(client)
            self._local.client = client
        return client

    def close(self) -> None:
        with self._lock:
            for client in self._made:
                client.close()
            self._made.clear()


class _Worker:
    """What the worker threads do: load a clip (each thread reads the database on a connection of its own, so the
    writing thread never waits for it), GET its address on the thread's own client, and judge the answer."""

    def __init__(self, store: Store | None, registry: Registry, opts: CheckOptions,
                 client: httpx.Client | None, watch: Watch | None = None) -> None:
        self.store = store  # None: the caller's thread loads each clip (an in-memory database)
        self.registry = registry
        self.watch = watch
        self.opts = opts
        self.clients = _Clients(opts.timeout, client)
        self._local = threading.local()
        self._readers: list[Store] = []
        self._lock = threading.Lock()
        self._sent: dict[str, float] = {}
        self._pace_lock = threading.Lock()

    def _pace(self, url: str) -> None:
        """Hold this request until `host_interval` after the previous one to its host was sent. The scheduler spaces
        the jobs' starts, but a job then loads its clip and perhaps makes its thread's client before it sends, so
        the requests themselves could come closer than promised (0.133 s for 0.2); this spaces the sends."""
        interval = self.opts.host_interval
        if interval <= 0:
            return
        host = host_of(url) or "?"
        with self._pace_lock:
            now = time.monotonic()
            at = max(now, self._sent.get(host, now - interval) + interval)
            self._sent[host] = at
        if at > now:
            time.sleep(at - now)

    def _reader(self) -> Store:
        reader: Store | None = getattr(self._local, "reader", None)
        if reader is None:
            assert self.store is not None
            reader = self._local.reader = self.store.reader()
            with self._lock:
                self._readers.append(reader)
        return reader

    def close(self) -> None:
        """Close the readers and clients; only once no request is running."""
        with self._lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self.clients.close()

    def check(self, clip_id: int, url: str, target: Target | None,
              may_retry: bool) -> tuple[Target | None, Probe, Verdict | None]:
        """(target, probe, verdict); verdict None: a short Retry-After to honour first, or (target None) a clip
        that is gone."""
        if target is None:
            target = load_target(self._reader(), clip_id)
            if target is None:
                return None, Probe(url), None
        client = self.clients.get()
        self._pace(url)
        try:
            with watching(self.watch, url):
                probe = probe_url(url, client, timeout=self.opts.timeout, max_bytes=self.opts.max_bytes)
        finally:
            if client is not self.clients.shared:
                client.cookies.clear()  # kept through one redirect chain (cookie checks), not across a whole run
        if may_retry and probe.retry_after is not None and probe.retry_after <= self.opts.max_retry_wait:
            return target, probe, None
        try:
            return target, probe, classify(target, probe, self.registry)
        except Exception as exc:  # an odd page must not end the run; never counts towards dead
            return target, probe, Verdict("unreachable", f"client-error: {exc.__class__.__name__}")

    def snapshot(self, target: Target) -> tuple[str | None, str | None]:
        stamp = wayback_timestamp(target.published, target.added_at)
        with watching(self.watch, target.url):  # its archived copy, looked up
            return find_snapshot(target.url, self.clients.get(), timestamp=stamp,
                                 timeout=self.opts.archive_timeout)


@dataclass
class _Job:
    clip_id: int
    url: str
    host: str
    kind: str = "page"  # "page": check the link; "archive": look up a snapshot, then record `pending`
    retried: bool = False
    not_before: float = 0.0
    target: Target | None = None
    pending: _Pending | None = None


@dataclass(frozen=True)
class _Pending:
    """A finished check: what to record (after its archive lookup, for a clip that turned dead)."""

    status: str
    reason: str
    http_status: int | None
    final_url: str | None
    fail_count: int
    moved_to: str | None


def _settle(target: Target, verdict: Verdict, now: datetime | None = None) -> tuple[str, str, int]:
    """Apply the 3-strikes rule: (status, reason, fail_count) to record. The strikes count only when they are
    spread out: the first of the streak at least FAIL_SPAN before this one, so three runs in a few minutes (a
    server down for an afternoon) never turn a link dead."""
    if verdict.status != "unreachable":
        return verdict.status, verdict.reason, 0
    fails = target.fail_count + 1
    first = _parse(target.first_fail_at) if target.fail_count else None
    spread = first is not None and (now or utc_now()) - first >= FAIL_SPAN
    if verdict.escalates and fails >= FAILS_TO_DEAD and spread:
        return "dead", f"{verdict.reason}: unreachable {fails} checks in a row", fails
    return "unreachable", verdict.reason, fails


def run_check(
    store: Store,
    ids: Sequence[int],
    opts: CheckOptions | None = None,
    *,
    client: httpx.Client | None = None,
    registry: Registry | None = None,
    clock: Callable[[], datetime] = utc_now,
    watch: Watch | None = None,
) -> Iterator[CheckResult]:
    """Check these clips; yields one CheckResult per clip, in completion order, each already committed.
    `watch` (clipper.inflight) is told, from the worker threads, of every request as it starts and finishes.

    The caller's thread only schedules and writes: results that arrive together are committed in one
    transaction, so the writer keeps up with 16 threads (each SQLite call hands the GIL over and waits for it)."""
    opts = opts or CheckOptions()
    registry = registry or load_registry()
    limit = max(opts.concurrency, 1)
    archive_host = "archive:" + (host_of(wayback_endpoint()) or "wayback")
    sched: HostScheduler[_Job] = HostScheduler(
        per_host=lambda h: ARCHIVE_PER_HOST if h == archive_host else max(opts.per_host, 1),
        interval=lambda h: opts.archive_interval if h == archive_host else opts.host_interval,
    )
    wanted = set(ids)
    start = time.monotonic()
    for cid, url, *_rest in store.check_schedule():  # only addresses up front; each clip's text when its turn comes
        if cid in wanted:
            sched.push(_Job(cid, url, host_of(url) or "?"), start)
    if not sched.waiting:
        return
    worker = _Worker(store if Path(store.path).is_file() else None, registry, opts, client, watch)
    futures: dict[Future[Any], _Job] = {}
    archive_fails = 0
    rows: list[dict[str, Any]] = []
    results: list[CheckResult] = []

    def record(target: Target, p: _Pending, archive_url: str | None) -> None:
        stamp = _iso(clock())
        rows.append({"clip_id": target.id, "checked_at": stamp, "status": p.status, "http_status": p.http_status,
                     "reason": p.reason, "final_url": p.final_url, "archive_url": archive_url,
                     "fail_count": p.fail_count, "moved_to": p.moved_to})
        results.append(CheckResult(target.id, target.url, p.status, target.status, p.http_status, p.reason,
                                   p.final_url, archive_url or target.archive_url, p.moved_to, stamp, target.title))

    def flush() -> Iterator[CheckResult]:
        if rows:
            store.record_checks(rows)
            yield from results
            rows.clear()
            results.clear()

    def submit(job: _Job) -> None:
        if job.kind == "archive":
            assert job.target is not None
            futures[pool.submit(worker.snapshot, job.target)] = job
            return
        if job.target is None and worker.store is None:  # an in-memory database: read it here
            job.target = load_target(store, job.clip_id)
        futures[pool.submit(worker.check, job.clip_id, job.url, job.target, not job.retried)] = job

    def finish(job: _Job, fut: Future[Any], now: float) -> None:
        nonlocal archive_fails
        if job.kind == "archive":
            assert job.target is not None and job.pending is not None
            try:
                snapshot, error = fut.result()
            except Exception as exc:  # the archive's trouble is never the run's
                snapshot, error = None, exc.__class__.__name__
            archive_fails = archive_fails + 1 if error else 0
            record(job.target, job.pending, snapshot)
            return
        try:
            target, probe, verdict = fut.result()
        except Exception:  # the database could not be read (locked past the busy timeout): due next run
            return
        if target is None:  # deleted (or its url cleared) since the run began
            return
        if verdict is None:  # a short Retry-After: once more, after the wait, and the host waits too
            assert probe.retry_after is not None
            sched.hold(job.host, now + probe.retry_after)
            job.target, job.retried, job.not_before = target, True, now + probe.retry_after
            sched.push(job, now, front=True)
            return
        status, reason, fails = _settle(target, verdict, clock())
        pending = _Pending(status, reason, probe.http_status, probe.final_url, fails, verdict.moved_to)
        if status == "dead" and not target.archive_url and opts.archive and archive_fails < ARCHIVE_FAILS:
            sched.push(_Job(target.id, target.url, archive_host, kind="archive", target=target, pending=pending), now)
            return
        record(target, pending, None)

    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="check")
    try:
        while futures or sched.waiting:
            now = time.monotonic()
            while len(futures) < limit and (job := sched.next_ready(now)) is not None:
                submit(job)
            wake = sched.wake_at()
            if not futures:
                time.sleep(max(0.0, (wake or now) - now))
                continue
            timeout = None if wake is None or len(futures) >= limit else max(0.0, wake - now)
            done, _ = wait(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
            now = time.monotonic()
            for fut in done:
                job = futures.pop(fut)
                sched.done(job.host, now)
                finish(job, fut, now)
            if archive_fails >= ARCHIVE_FAILS:  # the archive is down: record what waits for it, without a copy
                for job in sched.drain(archive_host):
                    assert job.target is not None and job.pending is not None
                    record(job.target, job.pending, None)
            yield from flush()
    finally:
        for fut in futures:
            fut.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        if not futures:  # interrupted with requests running: the threads finish alone, and their connections go
            worker.close()  # with them
