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
from dataclasses import dataclass, field, replace

import httpx

from clipper.budget import BIG_PAGE, PARSING
from clipper.encoding import decode_html
from clipper.errors import ClipperError, FetchError, NotHTMLError, UsageError
from clipper.extract import extract_article
from clipper.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, fetch, make_client, read_file
from clipper.htmldepth import parse_html
from clipper.inflight import Watch, watching
from clipper.models import Article, Clip, Page
from clipper.multipage import follow_pages, next_page_url
from clipper.outlets import Registry, load_registry
from clipper.store import PackedPage, Store, pack_page
from clipper.urls import check_url, host_of, is_url, normalize_url, strip_credentials
from clipper.wayback import LOOKUP_TIMEOUT, Wayback, dead_fetch, looks_gone, redirected_away, stamp_of


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
    # Archived copies (clipper.wayback): looked up for dead links unless archive_lookup is off; from_archive skips
    # the live web. The snapshot closest to archive_dates[target], else archive_at, else the clip's published
    # date, else now.
    archive_lookup: bool = True
    from_archive: bool = False
    archive_at: str | None = None
    archive_dates: dict[str, str] = field(default_factory=dict)


def read_target_list(text: str, name: str = "the list") -> list[str]:
    """URLs from an --input file: one per line, blank lines and # comments skipped; a Netscape bookmarks
    export (browser bookmark HTML) gives its links.

    A line of a list is a URL, never a local file (a list from elsewhere naming /etc/shadow must not store it): a
    saved page is clipped only when named on the command line. Raises UsageError naming the first line that is
    not an http(s) URL, before anything is fetched."""
    if "<!DOCTYPE NETSCAPE-Bookmark-file" in text[:500] or "<DT><A " in text.upper()[:20000]:
        tree, _deep = parse_html(text)
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


class Held:
    """The bytes of the page budget (clipper.budget) one target holds, from its extraction until its result is
    stored: a large page's tree, strings and index entries are never built beside another large page's."""

    def __init__(self) -> None:
        self.size = 0
        self.reserved = 0  # taken by a download (clipper.fetch's reserve), not yet by its extraction

    def take(self, size: int) -> None:
        self.size += PARSING.acquire(size, holding=self.size)

    def reserve(self, size: int) -> None:
        before = self.size
        self.take(size)
        self.reserved += self.size - before

    def take_for(self, size: int) -> None:
        """What a page's extraction needs, less what its download reserved."""
        need, self.reserved = size - self.reserved, 0
        if need > 0:
            self.take(need)

    def release(self) -> None:
        size, self.size, self.reserved = self.size, 0, 0
        PARSING.release(size)


def _extract(page: Page, url: str | None, registry: Registry, held: Held | None) -> Article:
    """A page's article, parsed when the pages in the works in other threads leave room (clipper.budget). A large
    page waiting for its turn keeps only its bytes: its text is decoded again then."""
    if held is None:
        return extract_article(page.text, url=url, registry=registry)
    text = page.text
    if len(page.raw) >= BIG_PAGE and not PARSING.room_for(len(page.raw)):
        text = ""
        page = replace(page, text="")
    held.take_for(len(page.raw))
    if not text:
        text = decode_html(page.raw, page.content_type).text if page.raw else ""
    return extract_article(text, url=url, registry=registry)


def _light(page: Page) -> Page:
    """A page as the store keeps it, once extracted and packed: its decoded text is not kept in memory meanwhile
    (the store writes the raw bytes' compressed form)."""
    return replace(page, text="")


More = tuple[tuple[Page, PackedPage | None], ...]  # the following pages of a multi-page article
Prepared = tuple[Page, Article, PackedPage | None, More]


def _archived(url: str, wayback: Wayback | None, registry: Registry, at: str | None,
              dead: str | None, held: Held | None = None, watch: Watch | None = None) -> tuple[Page, Article]:
    """The archived copy of a dead (or, with --from-archive, any) link; FetchError naming both troubles."""
    if wayback is None:
        raise FetchError(url, dead or "no archive to ask")
    try:
        with watching(watch, url):  # the lookups and the snapshot: still this URL being waited on
            return wayback.copy_of(url, at, lambda p: _extract(p, url, registry, held), registry)
    except FetchError as exc:
        raise FetchError(url, f"{dead}; no archived copy: {exc.reason}" if dead else exc.reason) from None


def _fetch_article(url: str, opts: AddOptions, client: httpx.Client, registry: Registry,
                   host_limits: Callable[[str], threading.Semaphore], wayback: Wayback | None,
                   at: str | None, held: Held | None, watch: Watch | None = None) -> tuple[Page, Article]:
    """A URL's page and article; for a dead link (the verdicts `check` uses), its archived copy."""
    if opts.from_archive:
        return _archived(url, wayback, registry, at, None, held, watch)
    try:
        with host_limits(host_of(url)), watching(watch, url):
            page = fetch(url, client, timeout=opts.timeout, max_bytes=opts.max_bytes,
                         reserve=held.reserve if held is not None else None)
    except FetchError as exc:
        if wayback is None or not dead_fetch(exc):
            raise
        return _archived(url, wayback, registry, at, exc.reason, held, watch)
    article = _extract(page, page.final_url or url, registry, held)
    if wayback is None:
        return page, article
    kind = redirected_away(url, page)
    gone = None if kind else looks_gone(article, registry)
    if kind or gone:
        dead = f"redirected to the site's {kind} page ({page.final_url})" if kind else \
            f"the page says the article is gone ({gone})"
        try:
            return _archived(url, wayback, registry, at, dead, held, watch)
        except FetchError as exc:  # no copy: the page as it is now is all there is, and the clip says so
            return page, replace(article, warnings=(*article.warnings, exc.reason))
    return page, article


def _more_pages(page: Page, article: Article, opts: AddOptions, client: httpx.Client, registry: Registry,
                host_limits: Callable[[str], threading.Semaphore], held: Held | None,
                watch: Watch | None = None) -> tuple[Article, list[Page]]:
    """A multi-page article's following pages (same host, same politeness), joined into the article."""
    first_host = host_of(page.final_url or page.url or "")

    def fetch_page(url: str) -> Page:
        if host_of(url) != first_host:
            raise FetchError(url, "another host")
        with host_limits(first_host), watching(watch, url):
            return fetch(url, client, timeout=opts.timeout, max_bytes=opts.max_bytes,
                         reserve=held.reserve if held is not None else None)

    joined, pages, warnings = follow_pages(
        page, article, fetch_page, lambda p: _extract(p, p.final_url or p.url, registry, held))
    if warnings:
        joined = replace(joined, warnings=joined.warnings + warnings)
    if pages:
        joined = replace(joined, warnings=joined.warnings + (f"joined {len(pages) + 1} pages",))
    return joined, pages


def _prepare(target: str, opts: AddOptions, client: httpx.Client | None, registry: Registry,
             host_limits: Callable[[str], threading.Semaphore], *, pack: bool = True,
             wayback: Wayback | None = None, at: str | None = None, held: Held | None = None,
             watch: Watch | None = None) -> Prepared:
    """Fetch or read a target and extract it; ``pack`` hashes and compresses the page for storing (``extract``,
    which stores nothing, skips it: compression is a third of its time)."""
    if is_url(target):
        url = check_url(target)
        assert client is not None, "a client is made whenever a target is a URL"
        page, article = _fetch_article(url, opts, client, registry, host_limits, wayback, at, held, watch)
        more: More = ()
        if pack and page.snapshot_url is None:  # (an archived copy's next pages are not looked for yet)
            article, pages = _more_pages(page, article, opts, client, registry, host_limits, held, watch)
            more = tuple((_light(p), pack_page(p.raw)) for p in pages)
        if not pack:
            return page, article, None, more
        return _light(page), article, pack_page(page.raw), more
    elif "://" in target[:12] or target.lower().startswith(("javascript:", "data:", "mailto:")):
        raise UsageError(f"unsupported URL scheme: only http and https are fetched: {strip_credentials(target)}")
    else:
        page = read_file(target, max_bytes=opts.max_bytes, url=opts.url)
        base = opts.url
    article = _extract(page, base, registry, held)
    return (_light(page), article, pack_page(page.raw), ()) if pack else (page, article, None, ())


def add_targets(
    store: Store,
    targets: Iterable[str],
    opts: AddOptions,
    *,
    client: httpx.Client | None = None,
    registry: Registry | None = None,
    watch: Watch | None = None,
) -> Iterator[AddResult]:
    """Add every target; yields one AddResult per target, in completion order. Never raises for one bad target.

    `watch` (clipper.inflight) is told, from the worker threads, of every request as it starts and finishes: what
    a progress bar shows as being waited on."""
    registry = registry or load_registry()
    own_client = False
    locks: dict[str, threading.Semaphore] = {}
    guard = threading.Lock()

    def host_limit(host: str) -> threading.Semaphore:
        with guard:
            return locks.setdefault(host, threading.Semaphore(max(opts.per_host, 1)))

    pending_targets: list[str] = []
    helds: dict[Future[Prepared], Held] = {}  # each target's share of the page budget, until stored
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
            if is_url(target) and not opts.refetch and not opts.from_archive:
                try:
                    existing = store.find_duplicate(check_url(target))
                except ClipperError as exc:
                    yield AddResult(target, "failed", error=str(exc))
                    continue
                if existing is not None:
                    notes = _merge_into(store, existing, opts)
                    clip = store.get_clip(existing)
                    yield AddResult(target, "exists", clip=clip, warnings=notes)
                    yield from _repeat(repeats.pop(target, ()), AddResult(target, "exists", clip=clip))
                    continue
            pending_targets.append(target)

        if client is None and any(is_url(t) for t in pending_targets):
            # made only when needed: creating the TLS context costs ~0.2 s, wasted on saved pages
            client = make_client(opts.timeout, max_connections=max(opts.concurrency, 1))
            own_client = True
        wayback, dates = None, {}
        if client is not None and (opts.archive_lookup or opts.from_archive):
            wayback = Wayback(client, timeout=min(opts.timeout, LOOKUP_TIMEOUT), snapshot_timeout=opts.timeout,
                              max_bytes=opts.max_bytes)
            dates = _archive_dates(store, pending_targets, opts)
        with ThreadPoolExecutor(max_workers=max(1, min(opts.concurrency, len(pending_targets) or 1))) as pool:
            futures: dict[Future[Prepared], str] = {}
            queue = list(reversed(pending_targets))
            try:
                while queue or futures:
                    while queue and len(futures) < max(1, opts.concurrency) * 2:
                        t = queue.pop()
                        held = Held()
                        fut = pool.submit(_prepare, t, opts, client, registry, host_limit, wayback=wayback,
                                          at=dates.get(t), held=held, watch=watch)
                        futures[fut], helds[fut] = t, held
                    done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                    # Everything finished by now is stored in one transaction (committing, and the search index's
                    # flush, cost more per clip than the rows), then reported: a result is only ever reported
                    # once it is committed.
                    finished = [(fut, futures.pop(fut)) for fut in done]
                    try:
                        stored = _store_batch(store, finished, repeats, opts)
                    finally:
                        for fut, _target in finished:
                            helds.pop(fut).release()
                    yield from stored
            except BaseException:
                for fut in futures:
                    fut.cancel()
                for held in helds.values():  # a worker waiting for the budget must not wait forever
                    held.release()
                raise
    finally:
        for held in helds.values():  # (the workers have ended: what they took after an interruption goes back)
            held.release()
        if own_client and client is not None:
            client.close()


def _archive_dates(store: Store, targets: list[str], opts: AddOptions) -> dict[str, str]:
    """The moment each URL's archived copy should be closest to, as YYYYMMDD[hhmmss]: the date given for it (an
    imported post's), else --at, else the clip's published date; absent = now."""
    out: dict[str, str] = {}
    for target in targets:
        if not is_url(target):
            continue
        when = opts.archive_dates.get(target) or opts.archive_at
        if not when:
            try:
                existing = store.find_duplicate(check_url(target))
            except ClipperError:
                continue
            when = store.get_clip(existing).published if existing is not None else None
        if stamp := stamp_of(when):
            out[target] = stamp
    return out


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
        page, article, packed, more = fut.result()
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
    if page.snapshot_url:
        warnings += (f"the text is the web archive's copy of {(page.snapshot_at or '?')[:10]} "
                     f"({page.snapshot_url})",)
    existing = store.find_duplicate(url, article.canonical_url, page.final_url)
    if existing is not None:
        if opts.refetch or opts.from_archive:
            store.refresh_clip(existing, article, page, packed, more_pages=more)
        warnings += _merge_into(store, existing, opts)
        refetched = opts.refetch or opts.from_archive
        return AddResult(target, "refetched" if refetched else "exists", clip=store.get_clip(existing),
                         warnings=warnings)
    clip_id = store.insert_clip(article, page, url=url, tags=opts.tags, note=opts.note, quote=opts.quote,
                                packed=packed, more_pages=more)
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
                page, article, _packed, _more = _prepare(target, opts, client, registry, lambda _h: sem,
                                                         pack=False)
                where = page.final_url or page.url or article.canonical_url
                if where and (nxt := next_page_url(page.text, where)) is not None:
                    article = replace(article, warnings=article.warnings + (
                        f"the article continues on another page: {nxt} (clipper add fetches every page)",))
            except ClipperError as exc:
                yield target, None, None, str(exc)
                continue
            yield target, page, article, None
    finally:
        if client is not None:
            client.close()

