"""Articles split over pages (ITmedia's `(1/2)`, 東洋経済, PRESIDENT, ダイヤモンド, 日経クロステック's 次ページ).

A page's next page is, in this order: `<link rel="next">` / `<a rel="next">`; a link whose text says 次へ, 次ページ,
次のページ or 続きを読む; a link in the outlet's pagination block (an element whose class or id names a pager)
to the page after the current one. Whatever points there must stay on the same host and the same article: its path,
without its page marker (`_2`, `/2`, `?page=2`, `-2`), is the first page's path without its own (a rel="next" to
the site's next *article* is not followed). At most MAX_PAGES pages; a page seen before (a loop) ends the chain.

The pages' bodies are joined in order, each page's bytes kept (stored as the clip's fetches, part 1, 2, ...), and
the title loses its `(1/3)`. Nothing here does I/O: the caller passes the fetch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import parse_qsl, urljoin, urlsplit

from clipper.errors import FetchError
from clipper.htmldepth import parse_html
from clipper.models import Article, Page
from clipper.urls import normalize_url

MAX_PAGES = 10
_NEXT_TEXT = re.compile(r"^[\s<>＜＞«»‹›→»]*(次へ|次ページ|次のページ|続きを読む)")
_PAGER = re.compile(r"pag(?:er|ing|ination|enavi|e-?nav|es)|ctrl|next", re.I)
_PAGE_MARK = re.compile(r"(?:[_-]|/|/page/?|_p)(\d{1,2})$")
_EXT = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.I)
_PAGE_KEYS = {"page", "p", "pg", "pageno", "page_no"}
_COUNTER = re.compile(r"\s*[（(]\s*(\d{1,2})\s*/\s*(\d{1,2})\s*[)）]")


def article_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(host, path without its page marker and extension, query without its page key): equal for an
    article's pages."""
    parts = urlsplit(url)
    path = _EXT.sub("", parts.path.rstrip("/"))
    path = _PAGE_MARK.sub("", path)
    query = tuple(sorted((k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _PAGE_KEYS))
    return (parts.hostname or "").lower(), path, query


def _page_number(url: str) -> int:
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query):
        if k.lower() in _PAGE_KEYS and v.isdigit():
            return int(v)
    match = _PAGE_MARK.search(_EXT.sub("", parts.path.rstrip("/")))
    return int(match.group(1)) if match else 1


def next_page_url(html: str, url: str) -> str | None:
    """The address of the article's next page, if this page links to one (see the module's docstring)."""
    tree, _deep = parse_html(html)
    key = article_key(url)
    here = _page_number(url)

    def same_article(href: str | None) -> str | None:
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            return None
        target = urljoin(url, href.strip())
        if urlsplit(target).scheme not in ("http", "https") or normalize_url(target) == normalize_url(url):
            return None
        return target if article_key(target) == key else None

    for node in tree.css('link[rel="next"], a[rel="next"]'):
        if found := same_article(node.attributes.get("href")):
            return found
    anchors = tree.css("a[href]")
    for a in anchors:
        if _NEXT_TEXT.match(a.text(strip=True)) and (found := same_article(a.attributes.get("href"))):
            return found
    for a in anchors:
        text = a.text(strip=True)
        if text != str(here + 1):
            continue
        parent, hops = a.parent, 0
        while parent is not None and hops < 3:
            names = f"{parent.attributes.get('class') or ''} {parent.attributes.get('id') or ''}"
            if _PAGER.search(names):
                if found := same_article(a.attributes.get("href")):
                    return found
                break
            parent, hops = parent.parent, hops + 1
    return None


def drop_counter(title: str | None) -> str | None:
    """`記事の見出し (1/3)` -> `記事の見出し`."""
    if not title:
        return title
    return _COUNTER.sub("", title).strip() or title


def follow_pages(page: Page, article: Article, fetch_page: Callable[[str], Page],
                 extract: Callable[[Page], Article], *, max_pages: int = MAX_PAGES
                 ) -> tuple[Article, list[Page], tuple[str, ...]]:
    """Fetch the article's following pages: (the joined article, the following pages, warnings)."""
    first = page.final_url or page.url or ""
    seen = {normalize_url(first)}
    pages: list[Page] = []
    paragraphs = list(article.paragraphs)
    warnings: list[str] = []
    current = page
    while len(pages) + 1 < max_pages:
        nxt = next_page_url(current.text, current.final_url or current.url or first)
        if nxt is None:
            break
        if normalize_url(nxt) in seen:
            warnings.append(f"page {len(pages) + 2} links back to a page already read ({nxt}); stopped there")
            break
        seen.add(normalize_url(nxt))
        try:
            current = fetch_page(nxt)
        except FetchError as exc:
            warnings.append(f"page {len(pages) + 2} could not be fetched ({exc.reason}); the clip has "
                            f"{len(pages) + 1} page(s)")
            break
        if article_key(current.final_url or nxt) != article_key(first):  # redirected elsewhere
            warnings.append(f"page {len(pages) + 2} is another article ({current.final_url}); stopped there")
            break
        seen.add(normalize_url(current.final_url or nxt))
        pages.append(current)
        known = set(paragraphs)
        paragraphs += [p for p in extract(current).paragraphs if p not in known]
    else:
        if next_page_url(current.text, current.final_url or current.url or first):
            warnings.append(f"the article has more than {max_pages} pages; the first {max_pages} were kept")
    if not pages:
        return article, [], tuple(warnings)
    joined = replace(article, title=drop_counter(article.title), paragraphs=tuple(paragraphs))
    return joined, pages, tuple(warnings)
