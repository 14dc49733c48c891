"""Metadata of a page: title (without the site's suffix), site name, canonical URL, language, the originating
outlet of a syndicated page and the outlet's own summary bullets. Reads JSON-LD, OpenGraph, <meta> (content= or
value=) and the DOM. Authors are in :mod:`clipper.extract.authors`."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from clipper.extract.jsonld import article_objects, types_of

_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def clean_text(text: str | None) -> str:
    """Collapse runs of ASCII white space; keep full-width spaces inside (Japanese headlines use them as
    separators) but strip them at the ends."""
    return _SPACES.sub(" ", text or "").strip(" \u3000")


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def meta_map(tree: LexborHTMLParser) -> dict[str, list[str]]:
    """Every <meta> by lower-cased name/property/itemprop -> its values (content= or value=), in page order."""
    out: dict[str, list[str]] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        value = attrs.get("content")
        if value is None:
            value = attrs.get("value")
        if value is None:
            continue
        for key_attr in ("property", "name", "itemprop", "http-equiv"):
            key = attrs.get(key_attr)
            if key:
                out.setdefault(key.strip().lower(), []).append(value.strip())
    return out


def first_meta(metas: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        for value in metas.get(name, []):
            if value:
                return value
    return None


# -- title --------------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"\s+[-–—|｜:：/／]\s+|\s*[|｜]\s*|\s*[：:]\s*(?=[^：:]*$)|\s*[-–—]\s+|\s+[-–—]\s*")
_DATE_PAREN = re.compile(r"\s*[（(]\s*\d{4}年\d{1,2}月\d{1,2}日\s*[）)]\s*$")
_GENERIC_SITE = re.compile(
    r"(ニュース|新聞|news|online|オンライン|デジタル|digital|web|ドットコム|通信|watch|\.jp|\.com)$", re.I
)


def _is_site(segment: str, folded_sites: list[str]) -> bool:
    f = fold(segment)
    if not f:
        return False
    if any(f == s or s in f or (len(f) >= 3 and f in s) for s in folded_sites):
        return True
    return len(segment) <= 20 and bool(_GENERIC_SITE.search(f))


_HOME_WORDS = ("トップ", "トップページ", "ホーム", "home", "top", "のトップへ戻る", "トップへ戻る", "トップへ")


def _is_chrome(segment: str, head: str, chrome: list[str]) -> bool:
    """Whether a title segment is what the page's own header calls the site or a section: the same text, the text
    plus トップ/ホーム ("HTMLタグボードトップ"), or the end of a logo's alt text after a colon or dash (but not of a
    link that repeats the whole title, as breadcrumbs do)."""
    f, fh = fold(segment), fold(head)
    if len(f) < 2:
        return False
    for c in chrome:
        if c == f or (c.startswith(f) and c[len(f):] in _HOME_WORDS):
            return True
        if len(f) >= 3 and len(c) > len(f) and c.endswith(f) and c[-len(f) - 1] in ":|-–—/" \
                and c[: -len(f) - 1] != fh:
            return True
    return False


def page_chrome_names(tree: LexborHTMLParser) -> list[str]:
    """Folded names the page's chrome gives the site and its sections: the home link's title, the logo's alt text,
    and the texts of the first links (header menus and breadcrumbs come first in a page)."""
    names: list[str] = []
    for node in tree.css('link[rel~="home"], link[rel~="top"], link[rel~="start"], link[rel~="index"]'):
        names.append(node.attributes.get("title") or "")
    body = tree.body
    if body is not None:
        for node in body.css('h1 img[alt], [class*="logo"] img[alt], [id*="logo"] img[alt]')[:5]:
            names.append(node.attributes.get("alt") or "")
        for node in body.css("a")[:60]:
            names.append(node.text(deep=True))
            img = node.css_first("img[alt]")
            if img is not None:
                names.append(img.attributes.get("alt") or "")
    return [f for f in dict.fromkeys(fold(n) for n in names) if len(f) >= 2]


def strip_site_suffix(title: str, site_names: list[str], chrome: list[str] | None = None) -> str:
    """Remove ` - 産経ニュース`, `｜毎日新聞`, `（2020年2月15日）｜BIGLOBEニュース`, `NEWS WEB EASY|` and the like.

    ``chrome`` (from :func:`page_chrome_names`) adds the names the page's header gives itself, for pages that do not
    declare a site name: `文字のエンコードを指定する：HTMLタグ辞典 - HTMLタグボード` loses both trailing names."""
    title = clean_text(title)
    folded_sites = [fold(s) for s in site_names if s and len(fold(s)) >= 2]
    chrome = chrome or []
    for _ in range(3):
        matches = list(_SEPARATORS.finditer(title))
        if not matches:
            break
        last, first = matches[-1], matches[0]
        head, tail = title[: last.start()].strip(), title[last.end():].strip()
        if len(head) >= 4 and (_is_site(tail, folded_sites) or _is_chrome(tail, head, chrome)):
            title = _DATE_PAREN.sub("", head).strip()
            continue
        head, tail = title[: first.start()].strip(), title[first.end():].strip()
        if len(tail) >= 4 and any(fold(head) == s or fold(head) in s for s in folded_sites if len(fold(head)) >= 2):
            title = tail
            continue
        break
    return _DATE_PAREN.sub("", title).strip()


def find_title(tree: LexborHTMLParser, metas: dict[str, list[str]], jsonld: list[dict[str, Any]],
               site_names: list[str]) -> str | None:
    candidates: list[str] = []
    for obj in article_objects(jsonld):
        head = obj.get("headline") or obj.get("name")
        if isinstance(head, str) and head.strip():
            candidates.append(head)
            break
    for key in ("og:title", "twitter:title", "title", "dc.title"):
        value = first_meta(metas, key)
        if value:
            candidates.append(value)
    title_node = tree.css_first("title")
    if title_node is not None:
        candidates.append(title_node.text())
    # a page that does not name its site (no og:site_name) is read for what its header calls it
    chrome = page_chrome_names(tree) if first_meta(metas, "og:site_name") is None else []
    cleaned = [t for t in (strip_site_suffix(c, site_names, chrome) for c in candidates) if t]
    h1s = [_text_without_ruby(n) for n in tree.css("h1")[:6]]
    h1s = [h for h in h1s if len(h) >= 4]
    # An <h1> that agrees with a metadata title is the headline as shown on the page (og:title and <title> are
    # sometimes rewritten for sharing): prefer it.
    for h in h1s:
        fh = fold(h)
        for c in cleaned:
            fc = fold(c)
            if fh == fc:
                return c
            if len(fh) >= 8 and (fh in fc or fc in fh) and not any(fold(s) == fh for s in site_names if s):
                return h if len(fh) <= len(fc) + 2 else c
    if cleaned:
        return cleaned[0]
    return h1s[0] if h1s else None


def _text_without_ruby(node: LexborNode) -> str:
    """Text of a node without furigana readings (<rt>) and their parentheses (<rp>)."""
    if node.css_first("rt") is None:
        return clean_text(node.text(deep=True))
    html = re.sub(r"<(rt|rp)\b[^>]*>.*?</\1>", "", node.html or "", flags=re.S | re.I)
    return clean_text(LexborHTMLParser(html).text(deep=True))


# -- site, canonical, language ----------------------------------------------------------------------------

def find_site_names(metas: dict[str, list[str]], jsonld: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for key in ("og:site_name", "application-name", "twitter:site", "cxenseparse:recs:publisher"):
        value = first_meta(metas, key)
        if value and not value.startswith("@"):
            names.append(clean_text(value))
    for obj in article_objects(jsonld):
        pub = obj.get("publisher")
        if isinstance(pub, list) and pub:
            pub = pub[0]
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            names.append(clean_text(pub["name"]))
    for obj in jsonld:
        if types_of(obj) & {"WebSite", "NewsMediaOrganization", "Organization"} and isinstance(obj.get("name"), str):
            names.append(clean_text(obj["name"]))
    seen: list[str] = []
    for n in names:
        if n and n not in seen:
            seen.append(n)
    return seen


def find_canonical(tree: LexborHTMLParser, metas: dict[str, list[str]], base_url: str | None) -> str | None:
    candidates = []
    for node in tree.css('link[rel="canonical"]'):
        href = node.attributes.get("href")
        if href:
            candidates.append(href.strip())
    og = first_meta(metas, "og:url")
    if og:
        candidates.append(og)
    for href in candidates:
        absolute = urljoin(base_url, href) if base_url else href
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        # a canonical pointing at the site root is a CMS mistake, not the article's address
        if parts.path in ("", "/") and not parts.query and base_url and urlsplit(base_url).path not in ("", "/"):
            continue
        return absolute
    return None


def find_lang(tree: LexborHTMLParser, metas: dict[str, list[str]]) -> str | None:
    html = tree.css_first("html")
    lang = html.attributes.get("lang") if html is not None else None
    if not lang:
        lang = first_meta(metas, "og:locale", "content-language", "language")
    if not lang:
        return None
    return lang.replace("_", "-").split("-")[0].lower() or None


# -- syndicated origin and summary bullets -------------------------------------------------------------------

_HAISHIN = re.compile(r"([^\s　|｜/／()（）]{2,30})\s*\d{1,2}/\d{1,2}\s*[（(][^)）]{1,2}[)）]\s*\d{1,2}:\d{2}\s*配信")


def find_origin(tree: LexborHTMLParser, jsonld: list[dict[str, Any]], selectors: tuple[str, ...],
                syndicator_names: list[str]) -> str | None:
    """The outlet a syndicated page (Yahoo!ニュース, livedoor, BIGLOBE) says the article came from."""
    syn = [fold(s) for s in syndicator_names if s]

    def ok(name: str) -> str | None:
        name = clean_text(name)
        if not name or len(name) > 40:
            return None
        f = fold(name)
        if any(f == s or s in f or f in s for s in syn):
            return None
        return name

    for obj in article_objects(jsonld):
        for key in ("author", "sourceOrganization", "provider", "creator"):
            value = obj.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and "Organization" in " ".join(types_of(item)):
                    name = item.get("name")
                    if isinstance(name, str) and ok(name):
                        return ok(name)
    body_text = ""
    body = tree.body
    if body is not None:
        body_text = body.text(deep=True, separator=" ")[:20000]
    m = _HAISHIN.search(body_text)
    if m and ok(m.group(1)):
        return ok(m.group(1))
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            text = clean_text(node.text(deep=True, separator=" "))
            text = re.sub(r"\s*\d{1,2}/\d{1,2}.*$", "", text)
            if text and ok(text):
                return ok(text)
    return None


def find_summary(tree: LexborHTMLParser) -> tuple[str, ...]:
    """The outlet's own summary bullets, e.g. livedoor's 「ざっくり言うと」 list."""
    for node in tree.css("h2, h3, h4, p, div, span, dt, strong"):
        own = node.text(deep=False).strip()
        if own not in ("ざっくり言うと", "ざっくり言うと："):
            continue
        cur: LexborNode | None = node
        for _ in range(4):
            if cur is None:
                break
            lst = cur.css_first("ul, ol")
            if lst is None:
                sib = cur.next
                while sib is not None and sib.tag in ("-text", "-comment"):
                    sib = sib.next
                lst = sib if sib is not None and sib.tag in ("ul", "ol") else (
                    sib.css_first("ul, ol") if sib is not None else None)
            if lst is not None:
                items = [clean_text(li.text(deep=True)) for li in lst.css("li")]
                items = [i for i in items if i]
                if items:
                    return tuple(items[:5])
            cur = cur.parent
    return ()
