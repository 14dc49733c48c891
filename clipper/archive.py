"""The Wayback Machine: find an archived copy of a dead link, and ask Save Page Now to capture a new clip.

Both are best effort. An archive that is down, slow or answers nonsense never raises: a lookup returns
``(None, reason)``. Endpoints come from ``CLIPPER_WAYBACK_URL`` (the availability API) and ``CLIPPER_SAVE_URL``
(Save Page Now, which is given the page URL appended to it), so tests point them at a loopback server.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import httpx

from clipper.fetch import make_client
from clipper.inflight import Watch, watching

if TYPE_CHECKING:
    from clipper.pipeline import AddResult
    from clipper.store import Store

WAYBACK_URL = "https://archive.org/wayback/available"
SAVE_URL = "https://web.archive.org/save/"
LOOKUP_TIMEOUT = 10.0  # the availability API answers in well under a second when it is well
SAVE_TIMEOUT = 30.0  # a capture can take a while; the add never waits longer than this
SAVE_INTERVAL = 5.0  # Save Page Now is rate-limited per client: at most one request every few seconds

_SNAPSHOT_PATH = re.compile(r"/web/\d{8,14}[^/]*/")


def wayback_endpoint() -> str:
    return os.environ.get("CLIPPER_WAYBACK_URL") or WAYBACK_URL


def save_endpoint() -> str:
    return os.environ.get("CLIPPER_SAVE_URL") or SAVE_URL


def wayback_timestamp(*dates: str | None) -> str | None:
    """YYYYMMDD from the first ISO date given (published, then added), for the availability API's `timestamp`."""
    for value in dates:
        digits = (value or "")[:10].replace("-", "")
        if len(digits) == 8 and digits.isdigit():
            return digits
    return None


def _error(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "the archive timed out"
    if isinstance(exc, httpx.HTTPError):
        return f"the archive could not be reached ({exc.__class__.__name__})"
    return f"the archive gave an unreadable answer ({exc.__class__.__name__})"


def find_snapshot(
    url: str,
    client: httpx.Client,
    *,
    timestamp: str | None = None,
    endpoint: str | None = None,
    timeout: float = LOOKUP_TIMEOUT,
) -> tuple[str | None, str | None]:
    """The Wayback snapshot closest to `timestamp`: (snapshot URL, None), (None, None) when the archive has no
    usable copy, or (None, reason) when the archive could not answer. Never raises."""
    params = {"url": url}
    if timestamp:
        params["timestamp"] = timestamp
    try:
        resp = client.get(endpoint or wayback_endpoint(), params=params, timeout=timeout, follow_redirects=True)
        if resp.status_code != 200:
            return None, f"the archive answered HTTP {resp.status_code}"
        data: Any = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        return None, _error(exc)
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or not closest.get("available") or not isinstance(closest.get("url"), str):
        return None, None
    status = str(closest.get("status") or "200")
    if not status.startswith("2"):  # a capture of the error page is no copy of the article
        return None, None
    return closest["url"], None


class SavePageNow:
    """Asks the Wayback Machine to capture pages, at most one request every `interval` seconds (thread-safe)."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        endpoint: str | None = None,
        interval: float = SAVE_INTERVAL,
        timeout: float = SAVE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._own_client = client is None
        self.client = client or make_client(timeout, max_connections=1)
        self.endpoint = endpoint or save_endpoint()
        self.interval = interval
        self.timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def _wait_turn(self) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._clock()
            self._next = now + self.interval

    def save(self, url: str) -> tuple[str | None, str | None]:
        """(snapshot URL if the archive said where, None) or (None, reason). Never raises."""
        self._wait_turn()
        try:
            resp = self.client.get(self.endpoint + url, timeout=self.timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            return None, _error(exc)
        if resp.status_code >= 400:
            return None, f"the archive answered HTTP {resp.status_code}"
        location = resp.headers.get("content-location") or ""
        for candidate in (urljoin(str(resp.url), location) if location else "", str(resp.url)):
            if candidate and _SNAPSHOT_PATH.search(candidate):
                return candidate, None
        return None, None


def archive_added(store: Store, results: Iterable[AddResult], saver: SavePageNow,
                  watch: Watch | None = None) -> Iterator[AddResult]:
    """Pass `clipper add` results through, asking Save Page Now to capture each newly added (or refetched)
    clip's page.

    The capture's address, when the archive gives one, becomes the clip's archive_url. A failure is a warning on
    the result, never a failed add. `watch` (clipper.inflight) is told of each request, its turn's wait included,
    by the address asked (the archive's, with the page's after it)."""
    for result in results:
        clip = result.clip
        if result.status in ("added", "refetched") and clip is not None and clip.url:
            with watching(watch, saver.endpoint + clip.url):
                snapshot, error = saver.save(clip.url)
            if snapshot:
                store.set_archive_url(clip.id, snapshot)
                result = replace(result, clip=store.get_clip(clip.id))
            elif error:
                result = replace(result, warnings=(*result.warnings, f"Save Page Now: {error}"))
        yield result
