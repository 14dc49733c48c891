"""The add pipeline: targets (URLs or saved pages) -> fetched, extracted, stored clips.

Fetching and extraction run in worker threads with a per-host limit; every database write happens in the
caller's thread, one short transaction per clip, so an interrupted batch keeps what it finished. Results are
yielded as they complete; nothing here prints.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import httpx

from clipper.errors import ClipperError, NotHTMLError, UsageError
from clipper.extract import extract_article
from clipper.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, fetch, make_client, read_file
from clipper.models import Article, Clip, Page
from clipper.outlets import Registry, load_registry
from clipper.store import PackedPage, Store, pack_page
from clipper.urls import check_url, host_of, is_url, normalize_url, strip_credentials


@dataclass(frozen=True)
class AddResult:
    target: str
    status: str  # added, exists, refetched, failed
    clip: Clip | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class AddOptions:
    tags: tuple[str, ...] = ()
    note: str | None = None
    url: str | None = None  # where a saved page came from
    title: str | None = None  # for link-only clips of non-HTML targets
    refetch: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    concurrency: int = 8
    per_host: int = 2
    quote: tuple[str | None, ...] | None = None


def read_target_list(text: str, name: str = "the list") -> list[str]:
    """URLs from an --input file: one per line, blank lines and # comments skipped; a Netscape bookmarks
    export (browser bookmark HTML) gives its links.

    A line of a list is a URL, never a local file (a list from elsewhere naming /etc/shadow must not store it): a
    saved page is clipped only when named on the command line. Raises UsageError naming the first line that is
    not an http(s) URL, before anything is fetched."""
    if "<!DOCTYPE NETSCAPE-Bookmark-file" in text[:500] or "<DT><A " in text.upper()[:20000]:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(text)
        return [href for a in tree.css("a[href]") if (href := (a.attributes.get("href") or "").strip())
                and is_url(href)]
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            if not is_url(line):
                shown = strip_credentials(line)[:200]
                raise UsageError(f"line {number} of {name} is not an http(s) URL: {shown!r} (lines of a list are "
                                 "URLs; name a saved page on the command line to clip it)")
            out.append(line)
    return out


Prepared = tuple[Page, Article, PackedPage | None]


def _prepare(target: str, opts: AddOptions, client: httpx.Client | None, registry: Registry,
             host_limits: Callable[[str], threading.Semaphore], *, pack: bool = True) -> Prepared:
    """Fetch or read a target and extract it; ``pack`` hashes and compresses the page for storing (``extract``,
    which stores nothing, skips it: compression is a third of its time)."""
    if is_url(target):
        url = check_url(target)
        assert client is not None, "a client is made whenever a target is a URL"
        with host_limits(host_of(url)):
            page = fetch(url, client, timeout=opts.timeout, max_bytes=opts.max_bytes)
        base: str | None = page.final_url or url
    elif "://" in target[:12] or target.lower().startswith(("javascript:", "data:", "mailto:")):
        raise UsageError(f"unsupported URL scheme: only http and https are fetched: {strip_credentials(target)}")
    else:
        page = read_file(target, max_bytes=opts.max_bytes, url=opts.url)
        base = opts.url
    article = extract_article(page.text, url=base, registry=registry)
    return page, article, pack_page(page.raw) if pack else None


def add_targets(
    store: Store,
    targets: Iterable[str],
    opts: AddOptions,
    *,
    client: httpx.Client | None = None,
    registry: Registry | None = None,
) -> Iterator[AddResult]:
    """Add every target; yields one AddResult per target, in completion order. Never raises for one bad target."""
    registry = registry or load_registry()
    own_client = False
    locks: dict[str, threading.Semaphore] = {}
    guard = threading.Lock()

    def host_limit(host: str) -> threading.Semaphore:
        with guard:
            return locks.setdefault(host, threading.Semaphore(max(opts.per_host, 1)))

    pending_targets: list[str] = []
    # Several targets naming one article (#fragments, utm_ variants...) are fetched once; the others get its result.
    first_of: dict[str, str] = {}
    repeats: dict[str, list[str]] = {}
    try:
        for target in targets:
            target = target.strip()
            if not target:
                continue
            if "://" in target[:16] or "@" in target:
                target = strip_credentials(target)  # never stored, printed or sent
            if is_url(target):
                key = normalize_url(target)
                if key in first_of:
                    repeats.setdefault(first_of[key], []).append(target)
                    continue
                first_of[key] = target
            # Known URL and no --refetch: nothing to fetch, just merge the tags.
            if is_url(target) and not opts.refetch:
                try:
                    existing = store.find_duplicate(check_url(target))
                except ClipperError as exc:
                    yield AddResult(target, "failed", error=str(exc))
                    continue
                if existing is not None:
                    store.add_tags(existing, opts.tags)
                    clip = store.get_clip(existing)
                    yield AddResult(target, "exists", clip=clip)
                    yield from _repeat(repeats.pop(target, ()), AddResult(target, "exists", clip=clip))
                    continue
            pending_targets.append(target)

        if client is None and any(is_url(t) for t in pending_targets):
            # made only when needed: creating the TLS context costs ~0.2 s, wasted on saved pages
            client = make_client(opts.timeout, max_connections=max(opts.concurrency, 1))
            own_client = True
        with ThreadPoolExecutor(max_workers=max(1, min(opts.concurrency, len(pending_targets) or 1))) as pool:
            futures: dict[Future[Prepared], str] = {}
            queue = list(reversed(pending_targets))
            try:
                while queue or futures:
                    while queue and len(futures) < max(1, opts.concurrency) * 2:
                        t = queue.pop()
                        futures[pool.submit(_prepare, t, opts, client, registry, host_limit)] = t
                    done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                    # Everything finished by now is stored in one transaction (committing, and the search index's
                    # flush, cost more per clip than the rows), then reported: a result is only ever reported
                    # once it is committed.
                    finished = [(fut, futures.pop(fut)) for fut in done]
                    yield from _store_batch(store, finished, repeats, opts)
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
    finally:
        if own_client and client is not None:
            client.close()


WRITE_ATTEMPTS = 3


def _store_batch(store: Store, finished: list[tuple[Future[Prepared], str]], repeats: dict[str, list[str]],
                 opts: AddOptions) -> list[AddResult]:
    """Store fetched pages in one transaction. Another program holding the database locked past the busy timeout
    does not lose them: the pages stay in memory and the write is tried again (WRITE_ATTEMPTS in all)."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        batch: list[AddResult] = []
        try:
            with store.conn:
                for fut, target in finished:
                    result = _store_result(store, target, fut, opts)
                    batch.append(result)
                    batch.extend(_repeat(repeats.get(target, ()), result))
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WRITE_ATTEMPTS:
                raise
            continue
        for _fut, target in finished:
            repeats.pop(target, None)
        return batch
    raise AssertionError("unreachable")  # pragma: no cover


def _repeat(targets: Iterable[str], result: AddResult) -> Iterator[AddResult]:
    """The results of targets naming an article already handled in this batch: fetched once, reported each."""
    for target in targets:
        if result.status == "failed":
            yield AddResult(target, "failed", error=result.error)
        else:
            yield AddResult(target, "exists", clip=result.clip)


def _store_result(store: Store, target: str, fut: Future[Prepared], opts: AddOptions) -> AddResult:
    try:
        page, article, packed = fut.result()
        assert packed is not None, "the add pipeline always packs"
    except NotHTMLError as exc:
        if opts.title:
            return _link_only(store, target, opts)
        return AddResult(target, "failed", error=str(exc))
    except ClipperError as exc:
        return AddResult(target, "failed", error=str(exc))
    except Exception as exc:  # an unexpected failure on one target must not stop the batch
        return AddResult(target, "failed", error=f"{target}: unexpected error: {exc.__class__.__name__}: {exc}")
    url = page.url or article.canonical_url
    warnings = page.warnings + article.warnings
    existing = store.find_duplicate(url, article.canonical_url, page.final_url)
    if existing is not None:
        if opts.refetch:
            store.refresh_clip(existing, article, page, packed)
            store.add_tags(existing, opts.tags)
            return AddResult(target, "refetched", clip=store.get_clip(existing), warnings=warnings)
        store.add_tags(existing, opts.tags)
        return AddResult(target, "exists", clip=store.get_clip(existing), warnings=warnings)
    clip_id = store.insert_clip(article, page, url=url, tags=opts.tags, note=opts.note, quote=opts.quote,
                                packed=packed)
    return AddResult(target, "added", clip=store.get_clip(clip_id), warnings=warnings)


def _link_only(store: Store, target: str, opts: AddOptions) -> AddResult:
    url = check_url(target)
    existing = store.find_duplicate(url)
    if existing is not None:
        store.add_tags(existing, opts.tags)
        return AddResult(target, "exists", clip=store.get_clip(existing))
    registry = load_registry()
    outlet = registry.for_host(host_of(url))
    article = Article(title=opts.title, outlet=outlet.name if outlet else host_of(url),
                      site_name=outlet.site_name if outlet else None)
    clip_id = store.insert_clip(article, None, url=url, tags=opts.tags, note=opts.note)
    return AddResult(target, "added", clip=store.get_clip(clip_id), warnings=("stored as a link-only clip",))


Extracted = tuple[str, Page | None, Article | None, str | None]


def extract_targets(targets: Iterable[str], *, url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Extracted]:
    """Extraction alone, nothing stored: (target, page, article, error) per target, in the given order."""
    registry = load_registry()
    opts = AddOptions(url=url, timeout=timeout, max_bytes=max_bytes)
    sem = threading.Semaphore(1)
    targets = list(targets)
    client = make_client(timeout) if any(is_url(t) for t in targets) else None
    try:
        for target in targets:
            try:
                page, article, _packed = _prepare(target, opts, client, registry, lambda _h: sem, pack=False)
            except ClipperError as exc:
                yield target, None, None, str(exc)
                continue
            yield target, page, article, None
    finally:
        if client is not None:
            client.close()

