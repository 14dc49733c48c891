"""The add pipeline: targets (URLs or saved pages) -> fetched, extracted, stored clips.

Fetching and extraction run in worker threads with a per-host limit; every database write happens in the
caller's thread, one short transaction per clip, so an interrupted batch keeps what it finished. Results are
yielded as they complete; nothing here prints.
"""

from __future__ import annotations

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
from clipper.urls import check_url, host_of, is_url


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


def read_target_list(text: str) -> list[str]:
    """Targets from an --input file: one per line, blank lines and # comments skipped; a Netscape bookmarks
    export (browser bookmark HTML) gives its links."""
    if "<!DOCTYPE NETSCAPE-Bookmark-file" in text[:500] or "<DT><A " in text.upper()[:20000]:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(text)
        return [href for a in tree.css("a[href]") if (href := (a.attributes.get("href") or "").strip())
                and is_url(href)]
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
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
        raise UsageError(f"unsupported URL scheme: only http and https are fetched: {target}")
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
    try:
        for target in targets:
            target = target.strip()
            if not target:
                continue
            # Known URL and no --refetch: nothing to fetch, just merge the tags.
            if is_url(target) and not opts.refetch:
                try:
                    existing = store.find_duplicate(check_url(target))
                except ClipperError as exc:
                    yield AddResult(target, "failed", error=str(exc))
                    continue
                if existing is not None:
                    notes = _merge_into(store, existing, opts)
                    yield AddResult(target, "exists", clip=store.get_clip(existing), warnings=notes)
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
                    batch: list[AddResult] = []
                    with store.conn:
                        for fut in done:
                            batch.append(_store_result(store, futures.pop(fut), fut, opts))
                    yield from batch
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
    finally:
        if own_client and client is not None:
            client.close()


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
        warnings += _merge_into(store, existing, opts)
        return AddResult(target, "refetched" if opts.refetch else "exists", clip=store.get_clip(existing),
                         warnings=warnings)
    clip_id = store.insert_clip(article, page, url=url, tags=opts.tags, note=opts.note, quote=opts.quote,
                                packed=packed)
    return AddResult(target, "added", clip=store.get_clip(clip_id), warnings=warnings)


def _merge_into(store: Store, clip_id: int, opts: AddOptions) -> tuple[str, ...]:
    """What `add` gives a clip that exists: its tags are merged, and a --note is set (saying whether it was added
    or replaced one, and what the old one was), so nothing given on the command line is dropped silently."""
    store.add_tags(clip_id, opts.tags)
    if not opts.note:
        return ()
    old = store.get_clip(clip_id).note
    if old == opts.note:
        return ()
    store.update_clip(clip_id, fields={"note": opts.note})
    return (f"note replaced on clip {clip_id} (it was: {old})",) if old else (f"note added to clip {clip_id}",)


def _link_only(store: Store, target: str, opts: AddOptions) -> AddResult:
    url = check_url(target)
    existing = store.find_duplicate(url)
    if existing is not None:
        return AddResult(target, "exists", clip=store.get_clip(existing), warnings=_merge_into(store, existing, opts))
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

