"""Polite order for requests to many hosts: a queue per host, at most `per_host(host)` requests in flight to a
host, and at least `interval(host)` seconds between the starts of two requests to it.

The caller pushes jobs, takes the next ready one (`next_ready`), says when one is `done`, and sleeps until
`wake_at` when nothing is ready. A heap of the hosts' ready times makes each pick O(log hosts), so an archive
spread over thousands of hosts costs no more than one over a few. A job may carry `not_before` (a Retry-After);
`hold` keeps a whole host back. Nothing here does I/O or keeps time itself: `now` is always passed in.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Queued(Protocol):
    host: str
    not_before: float


J = TypeVar("J", bound=Queued)


class HostScheduler(Generic[J]):
    """Per-host queues; a host is ready when it has work, a free slot and its interval has passed."""

    def __init__(self, per_host: Callable[[str], int], interval: Callable[[str], float]) -> None:
        self._per_host = per_host
        self._interval = interval
        self.queues: dict[str, deque[J]] = {}
        self.in_flight: dict[str, int] = {}
        self.next_start: dict[str, float] = {}
        self.waiting = 0
        self._heap: list[tuple[float, int, str]] = []
        self._offered: set[str] = set()
        self._seq = 0

    def _offer(self, host: str, now: float) -> None:
        queue = self.queues.get(host)
        if host in self._offered or not queue or self.in_flight.get(host, 0) >= self._per_host(host):
            return
        at = max(self.next_start.get(host, 0.0), queue[0].not_before, now)
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, host))
        self._offered.add(host)

    def push(self, job: J, now: float, *, front: bool = False) -> None:
        queue = self.queues.setdefault(job.host, deque())
        if front:
            queue.appendleft(job)
        else:
            queue.append(job)
        self.waiting += 1
        self._offer(job.host, now)

    def hold(self, host: str, until: float) -> None:
        """No request to this host before `until` (a Retry-After)."""
        self.next_start[host] = max(self.next_start.get(host, 0.0), until)

    def next_ready(self, now: float) -> J | None:
        while self._heap and self._heap[0][0] <= now:
            _at, _seq, host = heapq.heappop(self._heap)
            self._offered.discard(host)
            queue = self.queues.get(host)
            if not queue or self.in_flight.get(host, 0) >= self._per_host(host):
                continue
            if max(self.next_start.get(host, 0.0), queue[0].not_before) > now:  # held back since offered
                self._offer(host, now)
                continue
            job = queue.popleft()
            self.waiting -= 1
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.next_start[host] = now + self._interval(host)
            self._offer(host, now)
            return job
        return None

    def done(self, host: str, now: float) -> None:
        self.in_flight[host] -= 1
        self._offer(host, now)

    def wake_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def drain(self, host: str) -> list[J]:
        queue = self.queues.pop(host, deque())
        self.waiting -= len(queue)
        return list(queue)
