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
from clipper.extract.page import PageNodes
from clipper.htmldepth import parse_html
from clipper.urls import strip_credentials, url_problem

_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def clean_text(text: str | None) -> str:
    """Collapse runs of ASCII white space; keep full-width spaces inside (Japanese headlines use them as
    separators) but strip them at the ends."""
    return _SPACES.sub(" ", text or "").strip(" \u3000")


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


_FOLD_PIECE = 4096
_ASCII_SPACE = re.compile(r"[ \t\n]")


def fold_long(text: str) -> str:
    """``fold`` of a long text (a page's whole text), the same string for less work: folded in pieces of about
    4 KB cut at an ASCII space, tab or newline. One character that NFKC changes (an ellipsis, a no-break space)
    then costs its own piece a normalization instead of the whole text, and a piece without such characters,
    or of ASCII only, is cheap to lower-case. Exact: such a space never composes with its neighbours, stops the
    final-sigma context of lower-casing, and is removed from the folded text."""
    if len(text) <= 2 * _FOLD_PIECE:
        return fold(text)
    out: list[str] = []
    start, size = 0, len(text)
    while start < size:
        m = _ASCII_SPACE.search(text, start + _FOLD_PIECE) if start + _FOLD_PIECE < size else None
        end = m.start() if m else size
        out.append(fold(text[start:end]))
        start = end
    return "".join(out)


def meta_map(tree: LexborHTMLParser, nodes: PageNodes | None = None) -> dict[str, list[str]]:
    """Every <meta> by lower-cased name/property/itemprop -> its values (content= or value=), in page order."""
    out: dict[str, list[str]] = {}
    for attrs in (nodes or PageNodes.of(tree)).meta_attributes():
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

# each pattern below opens with a lookahead on its first character: without it the regex engine tries every
# alternative at every position of the string (the separators alone cost ~1,600 instructions a character)
_SEPARATORS = re.compile(
    r"(?=[\s\-–—|｜:：])(?:\s+[-–—|｜:：/／›»•·]\s+|\s*[|｜]\s*|\s*[：:]\s*(?=[^：:]*$)|\s*[-–—]\s+|\s+[-–—]\s*)"
)
# a photo or image credit at the end of a headline: （写真＝共同）, (画像：〇〇提供)
_PHOTO_CREDIT = re.compile(
    r"(?=[\s（(])\s*[（(](?:写真|画像|撮影|動画|イラスト|図|資料写真)\s*[＝=：:・／/][^（()）]{1,40}[）)]\s*$"
)
# segments that blog software adds to every post's title
_CMS_SEGMENTS = frozenset({"blogarchive", "blogarchiv", "archive", "archiv", "blog"})
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_GENERIC_LABELS = frozenset({"co", "com", "or", "ne", "ac", "go", "gv", "gob", "org", "net", "gov", "edu", "ed", "lg"})
_DATE_PAREN = re.compile(r"(?=[\s（(])\s*[（(]\s*\d{4}年\d{1,2}月\d{1,2}日\s*[）)]\s*$")
_GENERIC_SITE = re.compile(
    r"(ニュース|新聞|news|online|オンライン|デジタル|digital|web|ドットコム|通信|watch|\.jp|\.com)$", re.I
)


def _alnum(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def domain_label(host: str | None) -> str | None:
    """The name part of a host's registrable domain: archiv.krimiblog.de -> krimiblog, www.diariodelsur.com.co ->
    diariodelsur (a rough public-suffix rule: a generic second-level label such as co/com/or/gv is skipped)."""
    if not host:
        return None
    labels = [p for p in host.lower().rstrip(".").split(".") if p]
    if len(labels) < 2:
        return None
    label = labels[-2]
    if label in _GENERIC_LABELS and len(labels) >= 3:
        label = labels[-3]
    label = "".join(ch for ch in label if ch.isalnum())
    return label if len(label) >= 3 else None


def names_the_domain(segment: str, label: str | None) -> bool:
    """Whether a name is the site's domain name written out: "Baltimore Sun" on baltimoresun.com, "LECKER" on
    lecker.de, "Bächli-Bergsport" on baechli-bergsport.ch, "DOMRADIO.DE - Katholische Nachrichten" on domradio.de."""
    if not label:
        return False
    for form in {_alnum(segment), _alnum(segment.lower().translate(_TRANSLIT))}:
        if not form:
            continue
        # a short label must open the name (ZDFmediathek on zdf.de), not merely occur in it (L'Université PSL);
        # and the name is mostly the label ("Das Autohaus ist alternativlos" is no name of autohaus.de)
        if len(form) > 2 * len(label) + 4:
            continue
        if form.startswith(label) or (len(label) >= 5 and label in form) or (len(form) >= 5 and form in label):
            return True
    return False


def _is_site(segment: str, folded_sites: list[str], label: str | None = None) -> bool:
    f = fold(segment)
    if not f:
        return False
    if any(f == s or s in f or (len(f) >= 3 and f in s) for s in folded_sites):
        return True
    if f in _CMS_SEGMENTS:
        return True
    if len(segment) <= 40 and names_the_domain(segment, label):
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


def page_chrome_names(tree: LexborHTMLParser, nodes: PageNodes | None = None) -> list[str]:
    """Folded names the page's chrome gives the site and its sections: the home link's title, the logo's alt text,
    and the texts of the first links (header menus and breadcrumbs come first in a page)."""
    nodes = nodes or PageNodes.of(tree)
    return _names(tree, nodes, ("home", "top", "start", "index"), nodes.anchors[:60], link_titles=False)


def _names(tree: LexborHTMLParser, nodes: PageNodes, rels: tuple[str, ...], anchors: list[LexborNode], *,
           link_titles: bool) -> list[str]:
    """Folded names from ``<link rel=…>`` titles, logo alt texts and the given links (their text, ``title`` when
    ``link_titles``, and an image's alt), each once, in that order."""
    names = [n.attributes.get("title") or "" for n in nodes.links_with_rel(*rels)]
    if tree.body is not None:
        names += [n.attributes.get("alt") or "" for n in nodes.logos()]
        for node in anchors:
            names.append(node.text(deep=True))
            if link_titles:
                names.append(node.attributes.get("title") or "")
            img = node.css_first("img[alt]")
            if img is not None:
                names.append(img.attributes.get("alt") or "")
    return [f for f in dict.fromkeys(fold(n) for n in names) if len(f) >= 2]


def strip_site_suffix(title: str, site_names: list[str], chrome: list[str] | None = None,
                      host: str | None = None) -> str:
    """Remove ` - 産経ニュース`, `｜毎日新聞`, `（2020年2月15日）｜BIGLOBEニュース`, `NEWS WEB EASY|` and the like.

    ``chrome`` (from :func:`page_chrome_names`) adds the names the page's header gives itself, for pages that do not
    declare a site name: `文字のエンコードを指定する：HTMLタグ辞典 - HTMLタグボード` loses both trailing names. A
    segment that spells the page's domain name (``host``) is the site's name too (`Rezept | LECKER` on lecker.de).
    A site's name followed by its tagline (`Post : Blog | Ermittlungen zum … | Gegründet 2005`) goes with it."""
    title = clean_text(title)
    folded_sites = [fold(s) for s in site_names if s and len(fold(s)) >= 2]
    chrome = chrome or []
    label = domain_label(host)
    for _ in range(3):
        matches = list(_SEPARATORS.finditer(title))
        if not matches:
            break
        last, first = matches[-1], matches[0]
        head, tail = title[: last.start()].strip(), title[last.end():].strip()
        # a site's name is short: a tail longer than what comes before it is the headline (a breadcrumb that
        # repeats it is no reason to cut it)
        short = len(tail) <= 25 or len(tail) <= len(head)
        if len(head) >= 4 and short and (_is_site(tail, folded_sites, label) or _is_chrome(tail, head, chrome)):
            title = _DATE_PAREN.sub("", head).strip()
            continue
        head, tail = title[: first.start()].strip(), title[first.end():].strip()
        if len(tail) >= 4 and len(head) >= 2 and (
                any(fold(head) == s or fold(head) in s for s in folded_sites if len(fold(head)) >= 2)
                or (first.group(0)[:1].isspace() and _alnum(head).startswith(label or "\0")
                    and names_the_domain(head, label))):
            title = tail
            continue
        break
    # a site's name in the middle, with the rest of the site's blurb after it
    matches = [m for m in _SEPARATORS.finditer(title) if m.group(0).strip() not in ("-", "–", "—", "/", "／")
               or m.group(0).startswith(" ")]
    for k, m in enumerate(matches[:-1]):
        head = title[: m.start()].strip()
        segment = title[m.end(): matches[k + 1].start()].strip()
        if len(head) >= 8 and (_is_site(segment, folded_sites) or _is_chrome(segment, head, chrome)):
            title = head
            break
    return _DATE_PAREN.sub("", title).strip()


def home_names(tree: LexborHTMLParser, nodes: PageNodes | None = None) -> list[str]:
    """Folded names the page gives its home page: the text, title or logo alt of links to the site root, a
    ``<link rel="home">`` title, a logo's alt text."""
    nodes = nodes or PageNodes.of(tree)
    home = [n for n in nodes.anchors if _HOME_HREF.match((n.attributes.get("href") or "").strip())]
    return _names(tree, nodes, ("home",), home, link_titles=True)


def site_from_title(raw_title: str | None, headline: str | None, host: str | None,
                    home: list[str]) -> str | None:
    """The site's name as the page's <title> gives it beside the headline (`Headline | Blog | tagline`,
    `Blog: Headline`), when a part of it spells the domain or is what the page calls its home page; else None
    (a section's name such as `News` is no credit)."""
    raw, head = clean_text(raw_title), clean_text(headline)
    if not raw or not head or raw == head:
        return None
    if raw.startswith(head):
        rest = raw[len(head):]
    elif raw.endswith(head):
        rest = raw[: -len(head)]
    else:
        return None
    rest = rest.strip(" |｜-–—:：/／›»‹«•·\u3000")
    if not 2 <= len(rest) <= 120 or not _alnum(rest):
        return None
    label = domain_label(host)
    for segment in [rest, *(s.strip() for s in _CREDIT_SPLIT.split(rest) if s.strip())]:
        if fold(segment) in _CMS_SEGMENTS:
            continue
        if names_the_domain(segment, label) or fold(segment) in home:
            return rest
    return None


# -- the short credit of a site that is not in the registry -----------------------------------------------------

_CREDIT_SPLIT = re.compile(r"(?=[\s|｜])(?:\s+[-–—|｜:：/／›»•·]\s+|\s*[|｜]\s*|\s+::\s+|\s+//\s+)")
_TAGLINE = re.compile(
    r"(No\.?\s?1|ナンバーワン|お届け|最新|情報サイト|ポータル|配信|公式|総合|専門|[！!。？?]|ニュースサイト|サイトです"
    r"|\b(?:your|for|and|und|für|mit|pour|per|para|con|про)\b)",
    re.I,
)


def _taglike(segment: str) -> bool:
    return len(segment) > 30 or len(segment.split()) > 4 or bool(_TAGLINE.search(segment))


def short_credit(name: str, host: str | None) -> str:
    """The short credit of a site the registry does not know, from the name it gives itself: its tagline cut off
    (`…配信シェアNo.1｜Brand` -> `Brand`, `Brand|最新のニュースをお届け！` -> `Brand`, `News zu VR, AR und KI |
    MIXED.de` -> `MIXED.de`); a name that spells the domain, whole or as one segment, wins."""
    name = clean_text(name)
    label = domain_label(host)
    if names_the_domain(name, label):
        return name
    segments = [s.strip() for s in _CREDIT_SPLIT.split(name)
                if _alnum(s) and fold(s) not in _CMS_SEGMENTS]
    if len(segments) <= 1:
        return segments[0] if segments else name
    for segment in segments:
        if names_the_domain(segment, label):
            return segment
    plain = [s for s in segments if not _taglike(s)]
    return (plain or segments)[0]


_HOME_HREF = re.compile(r"^(?:https?://[^/]+)?/?(?:index\.\w+)?$", re.I)
_HEADER_CLASS = re.compile(r"(?=[lsbm])(?:logo|site-?title|site-?name|blog-?title|blog-?name|masthead|branding)", re.I)


def _is_header_h1(node: LexborNode) -> bool:
    """An <h1> that is the site's name in its header (a blog's masthead), not the headline: it links to the
    home page or is classed as the logo or site title."""
    attrs = node.attributes
    if _HEADER_CLASS.search(f'{attrs.get("class") or ""} {attrs.get("id") or ""}'):
        return True
    link = node.css_first("a[href]")
    if link is not None and clean_text(link.text(deep=True)) == clean_text(node.text(deep=True)):
        href = (link.attributes.get("href") or "").strip()
        title = (link.attributes.get("title") or "").strip().lower()
        return bool(_HOME_HREF.match(href)) or title in ("home", "ホーム", "トップ", "startseite", "accueil")
    return False


def find_title(tree: LexborHTMLParser, metas: dict[str, list[str]], jsonld: list[dict[str, Any]],
               site_names: list[str], host: str | None = None, nodes: PageNodes | None = None) -> str | None:
    nodes = nodes or PageNodes.of(tree)
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
    if nodes.title is not None:
        candidates.append(nodes.title.text())
    # a page that does not name its site (no og:site_name) is read for what its header calls it
    chrome = page_chrome_names(tree, nodes) if first_meta(metas, "og:site_name") is None else []
    # og:title, twitter:title and <title> are often the same string: each distinct one is cleaned once
    stripped = {c: _PHOTO_CREDIT.sub("", strip_site_suffix(c, site_names, chrome, host))
                for c in dict.fromkeys(candidates)}
    cleaned = [t for t in (stripped[c] for c in candidates) if t]
    h1s = [_PHOTO_CREDIT.sub("", _text_without_ruby(n)) for n in nodes.h1s[:6] if not _is_header_h1(n)]
    h1s = [h for h in h1s if len(h) >= 4]
    # An <h1> that agrees with a metadata title is the headline as shown on the page (og:title and <title> are
    # sometimes rewritten for sharing): prefer it.
    for c in cleaned:
        fc = fold(c)
        for h in h1s:
            fh = fold(h)
            if fh == fc:
                return c
            if len(fh) >= 8 and (fh in fc or fc in fh) and not any(fold(s) == fh for s in site_names if s):
                if fc.endswith(fh) and fc[: -len(fh)].endswith(":"):
                    return c  # the headline's kicker (速報：…) shown outside the <h1>
                if fh in fc and not fc.startswith(fh) and not fc.endswith(fh) and len(fh) * 2 < len(fc):
                    continue  # a fragment from the middle of the title, such as a site name in a blog's header
                return h if len(fh) <= len(fc) + 2 else c
    if cleaned:
        return cleaned[0]
    return h1s[0] if h1s else None


def _text_without_ruby(node: LexborNode) -> str:
    """Text of a node without furigana readings (<rt>) and their parentheses (<rp>)."""
    if node.css_first("rt") is None:
        return clean_text(node.text(deep=True))
    html = re.sub(r"<(rt|rp)\b[^>]*>.*?</\1>", "", node.html or "", flags=re.S | re.I)
    return clean_text(parse_html(html)[0].text(deep=True))


# -- site, canonical, language ----------------------------------------------------------------------------

def find_site_names(metas: dict[str, list[str]], jsonld: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for key in ("og:site_name", "application-name", "twitter:site", "cxenseparse:recs:publisher"):
        value = first_meta(metas, key)
        if not value or value.startswith("@"):
            continue
        if key == "twitter:site" and re.fullmatch(r"[A-Za-z0-9_]{1,15}", value):
            continue  # a handle without its @ (bund_net) is no name to credit
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


def find_canonical(tree: LexborHTMLParser, metas: dict[str, list[str]], base_url: str | None,
                   nodes: PageNodes | None = None) -> str | None:
    candidates = []
    links = nodes.links if nodes is not None else tree.css("link")
    for node in (n for n in links if (n.attributes.get("rel") or "").strip().lower() == "canonical"):
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
        if url_problem(absolute):  # an address nothing could fetch (a..b, a control character...) is no canonical
            continue
        return strip_credentials(absolute)  # a user:password@ in a page's link is never stored nor sent
    return None


def find_lang(tree: LexborHTMLParser, metas: dict[str, list[str]]) -> str | None:
    html = tree.root
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
