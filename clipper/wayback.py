"""Archived copies for dead links: find the Wayback Machine's snapshot of a page and fetch its original bytes.

`add`, `add --refetch` and `import --fetch` come here when a link is dead (the verdicts `check` uses: 404/410/451,
a DNS failure, a redirect to the site's top page or a section index, a soft-404 page); `add --from-archive` comes
here first. The lookup asks the CDX API (``CLIPPER_CDX_URL``) for the captures closest to the date the clip needs
and falls back to the availability API (``CLIPPER_WAYBACK_URL``, as `check` uses) when the CDX API cannot answer.
A capture whose HTTP status was 200 is preferred; the snapshot is fetched in its `id_` form (the page's own bytes,
without the archive's toolbar or rewritten links), and one that is itself a soft 404 is passed over for the next.

Politeness: one archive request at a time (a lock shared by the worker threads), at least `interval` seconds
between the starts of two, a 429/503's Retry-After honoured (up to `max_retry_wait`, once). After three failures
in a row the archive is taken for down and the rest of the batch is not sent there.

Failures are FetchError with a one-line reason; nothing here prints or stores.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from clipper.archive import _error as archive_error
from clipper.archive import wayback_endpoint
from clipper.errors import FetchError
from clipper.fetch import DEFAULT_MAX_BYTES, _page_from_bytes, make_client, retry_after
from clipper.models import Article, Page
from clipper.outlets import Registry
from clipper.verdict import DEAD_HTTP, index_kind, norm

CDX_URL = "https://web.archive.org/cdx/search/cdx"
LOOKUP_TIMEOUT = 20.0
SNAPSHOT_TIMEOUT = 30.0
INTERVAL = 1.0  # seconds between the starts of two archive requests
MAX_RETRY_WAIT = 30.0  # a longer Retry-After is not waited for: the lookup fails ("the archive asked to wait")
MAX_CANDIDATES = 3  # snapshots tried, closest first, when one turns out to be a soft 404
DOWN_AFTER = 3  # failures in a row after which the archive is not asked again in this batch
SOFT404_WINDOW = 500

_SNAPSHOT = re.compile(r"^(?P<base>.*?/web/)(?P<ts>\d{1,14})(?P<flags>[a-z]{2}_)?/(?P<original>.+)$")


def cdx_endpoint() -> str:
    return os.environ.get("CLIPPER_CDX_URL") or CDX_URL


@dataclass(frozen=True)
class Capture:
    """One capture the archive lists: when, of which address, and the HTTP status it got then."""

    timestamp: str  # YYYYMMDDhhmmss
    original: str
    status: str | None  # "200", "404", None when unknown
    base: str  # where snapshots are served: ".../web/"

    @property
    def snapshot_url(self) -> str:
        """The original bytes, without the archive's toolbar: `/web/<ts>id_/<url>`."""
        return f"{self.base}{self.timestamp}id_/{self.original}"

    @property
    def captured_at(self) -> str:
        ts = (self.timestamp + "00000000000000")[:14]
        try:
            moment = datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return ts
        return moment.isoformat().replace("+00:00", "Z")


def stamp_of(date: str | None) -> str | None:
    """YYYYMMDDhhmmss (as far as known) from an ISO date or date-time, for the archive's `closest`."""
    digits = re.sub(r"\D", "", (date or "")[:19])
    return digits[:14] if len(digits) >= 8 else None


def _distance(timestamp: str, target: str) -> int:
    a = int((timestamp + "00000000000000")[:14])
    b = int((target + "00000000000000")[:14])
    return abs(a - b)


def snapshot_base(endpoint: str) -> str:
    """Where an archive serves snapshots, from its CDX endpoint: https://web.archive.org/cdx/search/cdx ->
    https://web.archive.org/web/."""
    parts = urlsplit(endpoint)
    return urlunsplit((parts.scheme, parts.netloc, "/web/", "", ""))


def parse_cdx(text: str, base: str) -> list[Capture]:
    """The captures of a CDX answer in JSON (`output=json`: a header row, then one row per capture; an empty
    answer is `[]` or empty). Raises ValueError for anything else."""
    if not text.strip():
        return []
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("not a list")
    if not data:
        return []
    header = data[0]
    if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
        raise ValueError("no header row")
    try:
        at, orig = header.index("timestamp"), header.index("original")
    except ValueError:
        raise ValueError("no timestamp/original columns") from None
    code = header.index("statuscode") if "statuscode" in header else None
    out = []
    for row in data[1:]:
        if not isinstance(row, list) or len(row) != len(header) or not all(isinstance(v, str) for v in row):
            raise ValueError("a row of the wrong shape")
        if not row[at].isdigit() or not 4 <= len(row[at]) <= 14 or not row[orig]:
            raise ValueError(f"a bad timestamp {row[at][:20]!r}")
        status = row[code] if code is not None and row[code].isdigit() else None
        out.append(Capture(row[at], row[orig], status, base))
    return out


def parse_availability(data: Any) -> list[Capture]:
    """The one capture an availability answer names (none when it names none)."""
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or not closest.get("available") or not isinstance(closest.get("url"), str):
        return []
    match = _SNAPSHOT.match(closest["url"])
    if not match:
        return []
    status = str(closest.get("status") or "200")
    return [Capture(match["ts"], match["original"], status if status.isdigit() else None, match["base"])]


def choose(captures: list[Capture], target: str | None) -> tuple[list[Capture], str | None]:
    """The captures worth fetching, best first (HTTP 200, closest to `target`), or ([], why none is)."""
    if not captures:
        return [], "no snapshot in the archive"
    good = [c for c in captures if c.status == "200"]
    if not good:
        codes = sorted({c.status or "unknown" for c in captures})
        return [], f"the archive only has snapshots with HTTP {', '.join(codes)}"
    if target:
        good.sort(key=lambda c: _distance(c.timestamp, target))
    else:
        good.sort(key=lambda c: c.timestamp, reverse=True)
    seen: set[str] = set()
    unique = [c for c in good if not (c.timestamp in seen or seen.add(c.timestamp))]  # type: ignore[func-returns-value]
    return unique, None


def looks_gone(article: Article, registry: Registry) -> str | None:
    """The registry's "this article is gone" phrase a page carries in its title or the start of its text."""
    places = [norm(article.title), norm("".join(article.paragraphs))[:SOFT404_WINDOW]]
    for phrase in registry.soft404_phrases:
        key = norm(phrase)
        if key and any(key in place for place in places):
            return phrase
    return None


def dead_fetch(exc: FetchError) -> bool:
    """Is this fetch failure a dead link (as `check` judges one), worth an archived copy?"""
    return exc.status in DEAD_HTTP or exc.reason.startswith("DNS lookup failed")


def redirected_away(url: str, page: Page) -> str | None:
    """"top", "section" or "search" when an article's address now redirects to such a page."""
    final = page.final_url or url
    if final.rstrip("/") == url.rstrip("/") or index_kind(url):
        return None
    return index_kind(final)


class ArchiveDown(Exception):
    """The archive failed DOWN_AFTER times in a row: not asked again in this run."""


class Wayback:
    """Archive lookups and snapshot fetches, one at a time, spaced (thread-safe)."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        cdx: str | None = None,
        availability: str | None = None,
        interval: float = INTERVAL,
        timeout: float = LOOKUP_TIMEOUT,
        snapshot_timeout: float = SNAPSHOT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_retry_wait: float = MAX_RETRY_WAIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._own_client = client is None
        self.client = client or make_client(snapshot_timeout, max_connections=1)
        self.cdx = cdx or cdx_endpoint()
        self.availability = availability or wayback_endpoint()
        self.interval = interval
        self.timeout = timeout
        self.snapshot_timeout = snapshot_timeout
        self.max_bytes = max_bytes
        self.max_retry_wait = max_retry_wait
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self.failures = 0  # in a row
        self.requests = 0

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    @property
    def down(self) -> bool:
        return self.failures >= DOWN_AFTER

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the archive for one request, after waiting for the spacing."""
        with self._lock:
            if self.down:
                raise ArchiveDown
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
            try:
                yield
            finally:
                self.requests += 1
                self._next = self._clock() + self.interval

    def _get(self, url: str, params: dict[str, str] | None, timeout: float) -> httpx.Response:
        """GET with the politeness rules; one retry after a short Retry-After. Raises httpx.HTTPError."""
        for attempt in (1, 2):
            with self._turn():
                resp = self.client.get(url, params=params, timeout=timeout, follow_redirects=True)
            if resp.status_code in (429, 503) and attempt == 1:
                wait = retry_after(resp.headers.get("retry-after"), datetime.now(UTC))
                if wait is not None and wait <= self.max_retry_wait:
                    with self._lock:
                        self._next = max(self._next, self._clock() + wait)
                    continue
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    def captures(self, url: str, at: str | None) -> tuple[list[Capture], str | None]:
        """The archive's captures of `url` near `at`: (captures, None), or ([], reason) when it could not answer.
        The CDX API first; the availability API when that fails."""
        params = {"url": url, "output": "json", "fl": "timestamp,original,statuscode,mimetype", "limit": "10",
                  "sort": "closest", "closest": at or datetime.now(UTC).strftime("%Y%m%d%H%M%S")}
        try:
            resp = self._get(self.cdx, params, self.timeout)
            if resp.status_code == 200:
                return parse_cdx(resp.text, snapshot_base(self.cdx)), None
            cdx_problem = f"the archive's CDX API answered HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            cdx_problem = archive_error(exc).replace("the archive", "the archive's CDX API", 1)
        except ValueError as exc:
            cdx_problem = f"the archive's CDX API gave a malformed answer ({exc})"
        avail_params = {"url": url, **({"timestamp": at[:14]} if at else {})}
        try:
            resp = self._get(self.availability, avail_params, self.timeout)
            if resp.status_code != 200:
                return [], f"{cdx_problem}; its availability API answered HTTP {resp.status_code}"
            return parse_availability(resp.json()), None
        except httpx.HTTPError as exc:
            return [], f"{cdx_problem}; availability API: {archive_error(exc)}"
        except ValueError:
            return [], f"{cdx_problem}; its availability API gave a malformed answer"

    def fetch_snapshot(self, capture: Capture, url: str) -> Page:
        """A snapshot's original bytes as a Page of `url` (with its provenance). Raises FetchError."""
        snapshot = capture.snapshot_url
        deadline = time.monotonic() + self.snapshot_timeout
        try:
            with self._turn(), self.client.stream("GET", snapshot, timeout=self.snapshot_timeout) as resp:
                if resp.status_code >= 400:
                    raise FetchError(url, f"the archive's snapshot answered HTTP {resp.status_code}", resp.status_code)
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(url, f"the archive's snapshot is too large (over {self.max_bytes} bytes)")
                    if time.monotonic() > deadline:
                        raise FetchError(url, f"the archive's snapshot timed out ({self.snapshot_timeout:g} s)")
                    chunks.append(chunk)
                headers = tuple(resp.headers.multi_items())
                content_type = resp.headers.get("content-type") or None
                final = str(resp.url)
        except httpx.TimeoutException:
            raise FetchError(url, "the archive's snapshot timed out") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"the archive's snapshot: {archive_error(exc)}") from None
        # The archive may answer with a neighbouring capture (a redirect to another timestamp): record that one.
        match = _SNAPSHOT.match(final)
        taken = replace(capture, timestamp=match["ts"]) if match else capture
        page = _page_from_bytes(b"".join(chunks), source=final, url=url, final_url=url, status=200,
                                content_type=content_type, headers=headers)
        return replace(page, snapshot_url=final if match else snapshot, snapshot_at=taken.captured_at)

    def copy_of(self, url: str, at: str | None, extract: Callable[[Page], Article],
                registry: Registry) -> tuple[Page, Article]:
        """The best archived copy of `url` near `at`, fetched and extracted; FetchError with one line when there
        is none (the archive down, no snapshot, a malformed answer, only a 404 or soft-404 capture)."""
        try:
            return self._copy_of(url, at, extract, registry)
        except ArchiveDown:
            raise FetchError(url, f"the archive failed {DOWN_AFTER} times in a row; not asked again in this run"
                             ) from None

    def _copy_of(self, url: str, at: str | None, extract: Callable[[Page], Article],
                 registry: Registry) -> tuple[Page, Article]:
        captures, problem = self.captures(url, at)
        if problem:
            self.failures += 1
            raise FetchError(url, problem)
        chosen, why = choose(captures, at)
        if not chosen:
            self.failures = 0
            raise FetchError(url, why or "no snapshot in the archive")
        last: str | None = None
        for capture in chosen[:MAX_CANDIDATES]:
            try:
                page = self.fetch_snapshot(capture, url)
            except FetchError as exc:
                last = exc.reason
                if exc.status is None:  # the archive itself failed, not this capture
                    self.failures += 1
                    raise
                continue
            self.failures = 0
            article = extract(page)
            gone = looks_gone(article, registry)
            if gone:
                last = f"the archive's snapshot of {capture.captured_at[:10]} is itself a soft 404 ({gone})"
                continue
            if not article.paragraphs:
                last = f"the archive's snapshot of {capture.captured_at[:10]} has no article text"
                continue
            return page, article
        self.failures = 0
        raise FetchError(url, last or "no usable snapshot in the archive")
