"""What a batch is waiting on: the URLs whose requests are in flight, and since when.

The add pipeline and the link check call a `Watch` around every request they send (``started(url)`` just before
it goes out, ``finished(url)`` when its answer, or its failure, is in), from their worker threads. `InFlight` is
the watch the CLI's progress bar reads: which URLs are in flight, the one waited on longest first. Nothing here
prints; a run without a watch behaves exactly as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Watch(Protocol):
    """Told of every request of a run, from the thread that sends it (so it must be thread-safe)."""

    def started(self, url: str) -> None: ...

    def finished(self, url: str) -> None: ...


@contextmanager
def watching(watch: Watch | None, url: str) -> Iterator[None]:
    """``started(url)`` now, ``finished(url)`` when the block ends, however it ends."""
    if watch is None:
        yield
        return
    watch.started(url)
    try:
        yield
    finally:
        watch.finished(url)


class InFlight:
    """A thread-safe record of the requests in flight. A URL in flight twice at once is counted twice."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._since: list[tuple[float, str]] = []  # in the order they started: the oldest first

    def started(self, url: str) -> None:
        with self._lock:
            self._since.append((self._clock(), url))

    def finished(self, url: str) -> None:
        with self._lock:
            for i, (_at, one) in enumerate(self._since):
                if one == url:
                    del self._since[i]
                    return

    def waiting(self) -> list[tuple[str, float]]:
        """(url, seconds waited) of every request in flight, the one waited on longest first."""
        now = self._clock()
        with self._lock:
            return [(url, max(0.0, now - at)) for at, url in self._since]
