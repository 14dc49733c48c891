"""How many bytes of pages are parsed at once, across the add pipeline's worker threads.

A parsed page takes about ten times its size (Lexbor's tree, then the extractor's strings: a 9.5 MB page peaks near
110 MB), so eight 10 MB pages extracted side by side took 920 MB-1.2 GB. :data:`PARSING` lets pages be parsed
together while their sizes fit :data:`PARSE_BUDGET` (a news page of 0.2-0.5 MB never waits); a larger page waits
for the others and then runs alone. The add pipeline holds a page's share from its extraction until its clip is
stored (clipper.pipeline.Held): storing a large page (its search index entries) costs as much as parsing it.
Afterwards the C allocator is asked to give the freed memory back (:func:`release_memory`): glibc keeps a
thread's freed arena otherwise, and each worker thread has its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PARSE_BUDGET", "PARSING", "PageBudget", "release_memory"]

PARSE_BUDGET = 12 * 1024 * 1024
BIG_PAGE = 2 * 1024 * 1024  # after a page this large, freed memory goes back to the system


class PageBudget:
    """A counting semaphore in bytes. A request waits while others hold bytes and it does not fit; a request
    larger than the whole budget runs when nothing else does; a holder asking for more (the next page of its
    article) never waits, so two holders cannot wait on each other."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._cond = threading.Condition()

    def room_for(self, size: int) -> bool:
        return self.used == 0 or self.used + size <= self.total

    def acquire(self, size: int, *, holding: int = 0) -> int:
        """Take ``size`` bytes (at most the whole budget) and return how many were taken."""
        size = max(1, min(size, self.total))
        with self._cond:
            if not holding:
                self._cond.wait_for(lambda: self.used == 0 or self.used + size <= self.total)
            self.used += size
        return size

    def release(self, size: int) -> None:
        if not size:
            return
        with self._cond:
            self.used -= size
            self._cond.notify_all()
        if size >= BIG_PAGE:
            release_memory()

    @contextmanager
    def hold(self, size: int) -> Iterator[None]:
        taken = self.acquire(size)
        try:
            yield
        finally:
            self.release(taken)


PARSING = PageBudget(PARSE_BUDGET)


def _trimmer() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to ask
        return None


_TRIM = _trimmer()


def release_memory() -> None:
    """Give the C heap's free memory back to the system (glibc's malloc_trim; elsewhere nothing)."""
    if _TRIM is not None:
        _TRIM(0)
