"""What a link check's answer means: the HTTP status, the redirects and the page -> one status and a reason.

    alive        the page is there and still carries the clip's text (or, with no text to compare, its title)
    moved        a permanent redirect (301/308) to another article page; `moved_to` is the new address
    dead         404/410/451; a redirect to the site's top page, a section index or a search page; a 200 page that
                 says the article is gone (the registry's soft-404 phrases, in its title, headline or the start of
                 its main text, never its sidebars); a 200 page whose title no longer resembles the clip's
    changed      the page is there, but the quoted paragraphs are not (the stored text stays the record)
    unreachable  timeout, DNS, refused, TLS, 5xx, 429 (transient: check.py turns it dead after 3 in a row);
                 401/403 and other 4xx are unreachable too but never turn dead (bot walls and paywalls answer so)

A reason is a code, optionally followed by ": " and a detail (`soft-404: 提供社の都合により削除されました`).
Everything here is pure: a Probe (what the network gave) and a Target (what the clip remembers) in, a Verdict out.
The page is read in two steps: a fast one (one parse, is the quote in the visible text?) settles a live article;
only a page without the quote pays for the full extraction (title, main text) that decides dead or changed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from clipper.extract import extract_article
from clipper.extract.jsonld import article_objects, load_jsonld
from clipper.htmldepth import parse_html
from clipper.outlets import Registry
from clipper.urls import normalize_url

STATUSES = ("alive", "moved", "dead", "changed", "unreachable")
DEAD_HTTP = frozenset({404, 410, 451})
PERMANENT_REDIRECTS = frozenset({301, 308})
QUOTE_PARAGRAPHS = 2  # without a chosen quote, the first paragraphs of the stored text are compared
SOFT404_WINDOW = 500  # characters at the start of the main text where a "gone" phrase counts
TITLE_SIMILARITY = 0.4  # character-bigram Dice coefficient below which two titles are different articles

_INVISIBLE = ["script", "style", "noscript", "template", "rt", "rp"]
_CHROME = "nav, aside, footer, header, a, form, button, select"
_SEARCH_SEGMENT = re.compile(r"(?:site|news)?search[\w-]*|kensaku\w*|find|results?", re.I)
_SEARCH_KEYS = frozenset({"q", "query", "keyword", "keywords", "kw", "word", "words", "s", "search"})
_SECTION_WORDS = frozenset({"category", "categories", "cat", "list", "genre", "genres", "topics", "topic", "tag",
                            "tags", "section", "sections", "archive", "archives", "ranking", "top", "home", "index",
                            "feature", "features", "series", "column", "keyword", "keywords", "theme", "themes"})
_WORD = re.compile(r"[a-z]+(?:[-_][a-z]+)?")
_INDEX_FILE = re.compile(r"(?:index|default|top|home)\.(?:s?html?|php|aspx?|jsp|cgi)", re.I)
_LOGIN = re.compile(r"(?:^|[/_-])(?:login|log-in|signin|sign-in|sign_in|auth|sso|member/login)(?:$|[/._-])", re.I)


@dataclass(frozen=True)
class Target:
    """What a check compares against: read from the clip before the request."""

    id: int
    url: str
    final_url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    quote: tuple[str, ...] = ()  # paragraphs that must still be on the page
    added_at: str | None = None
    published: str | None = None
    status: str | None = None
    fail_count: int = 0
    archive_url: str | None = None
    first_fail_at: str | None = None  # when the current streak of unreachable checks began


@dataclass(frozen=True)
class Probe:
    """What one GET gave: an error code, or a status with its redirects and (for a 2xx HTML page) the text."""

    url: str
    http_status: int | None = None
    final_url: str | None = None
    hops: tuple[tuple[int, str], ...] = ()  # each redirect: (its status, where it pointed)
    html: str | None = None  # decoded page, at most the byte cap (2xx HTML only)
    truncated: bool = False  # the page went on past the byte cap
    error: str | None = None  # a network failure: timeout, dns, refused, tls-error...
    retry_after: float | None = None  # seconds, from a 429/503's Retry-After


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str
    moved_to: str | None = None
    escalates: bool = False  # an unreachable that counts towards dead


def norm(text: str | None) -> str:
    """Text for comparison: NFKC, case-folded, no white space."""
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def quote_paragraphs(quote: list[str | None] | None, body: str | None, n: int = QUOTE_PARAGRAPHS) -> tuple[str, ...]:
    """The paragraphs a check looks for: the clip's chosen quote (cuts skipped), else the first `n` paragraphs
    of its text, preferring ones long enough to mean something (20+ characters)."""
    if quote:
        return tuple(p for p in quote if isinstance(p, str) and norm(p))
    paragraphs = [p for p in (body or "").split("\n\n") if norm(p)]
    long = [p for p in paragraphs if len(norm(p)) >= 20]
    return tuple((long or paragraphs)[:n])


def found_in(paragraph: str, text: str) -> bool:
    """Is a paragraph in a page's normalised text? Exactly, or, for a long one, 70% of its 12-character pieces
    (a corrected figure or typo does not make a paragraph gone)."""
    p = norm(paragraph)
    if not p or p in text:
        return True
    if len(p) < 36:
        return False
    pieces = [p[i:i + 12] for i in range(0, len(p) - 11, 12)]
    return sum(1 for piece in pieces if piece in text) >= 0.7 * len(pieces)


def _title_key(title: str) -> str:
    s = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ")


def titles_resemble(a: str, b: str) -> bool:
    """Two headlines of the same article: equal, one inside the other (a prefix or 【速報】 added), or sharing
    enough character bigrams (a revised figure). A top page's or another article's title does not."""
    ka, kb = _title_key(a), _title_key(b)
    if not ka or not kb or ka == kb:
        return True
    short, long = sorted((ka, kb), key=len)
    if len(short) >= 6 and short in long:
        return True
    ga = {ka[i:i + 2] for i in range(len(ka) - 1)} or {ka}
    gb = {kb[i:i + 2] for i in range(len(kb) - 1)} or {kb}
    return 2 * len(ga & gb) / (len(ga) + len(gb)) >= TITLE_SIMILARITY


def index_kind(url: str) -> str | None:
    """"top", "section" or "search" when a URL looks like a site's top page, a section index or a search page."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments and _INDEX_FILE.fullmatch(segments[-1]):
        segments.pop()
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    searching = any(_SEARCH_SEGMENT.fullmatch(s.rsplit(".", 1)[0]) for s in segments)
    if searching or (keys & _SEARCH_KEYS and len(segments) <= 1):
        return "search"
    if not segments:
        return None if parts.query else "top"
    if len(segments) > 2 or any(ch.isdigit() for s in segments for ch in s) or "." in segments[-1]:
        return None
    if all(_is_word(s) for s in segments):  # /politics/, /news/world
        return "section"
    if len(segments) == 2 and segments[0].lower() in _SECTION_WORDS and (
            _is_word(segments[1]) or not segments[1].isascii() and len(segments[1]) <= 12):  # /tag/政治/
        return "section"
    return None


def _is_word(segment: str) -> bool:
    return len(segment) <= 24 and _WORD.fullmatch(segment.lower()) is not None


def _page_key(url: str) -> str:
    """An address without scheme, www. and a trailing slash: http -> https upgrades are the same page."""
    key = normalize_url(url).split("://", 1)[-1]
    return key.removeprefix("www.").rstrip("/")


def permanent_target(probe: Probe) -> str | None:
    """Where the unbroken run of permanent redirects from the clip's address leads, if it starts with one."""
    target = None
    for status, location in probe.hops:
        if status not in PERMANENT_REDIRECTS:
            break
        target = location
    return target


def classify(target: Target, probe: Probe, registry: Registry) -> Verdict:
    """The status of a clip's link from one probe (before the 3-strikes rule, which needs the clip's history)."""
    if probe.error:
        # an address that cannot be fetched at all is reported every run, but never counts towards dead
        return Verdict("unreachable", probe.error, escalates=not probe.error.startswith("invalid-url"))
    code = probe.http_status or 0
    final = probe.final_url or target.url
    known = {_page_key(u) for u in (target.url, target.final_url, target.canonical_url) if u}
    if probe.hops and _page_key(final) not in known and not index_kind(target.url):
        kind = index_kind(final)
        if kind:
            return Verdict("dead", f"redirect-to-{kind}: {final}")
    if code in DEAD_HTTP:
        return Verdict("dead", f"http-{code}")
    if code == 429 or code >= 500:
        return Verdict("unreachable", f"http-{code}", escalates=True)
    if code >= 300:
        return Verdict("unreachable", f"http-{code}")
    if probe.hops and _LOGIN.search(urlsplit(final).path):
        return Verdict("changed", f"login-required: {final}")
    moved_to = permanent_target(probe)
    if moved_to and _page_key(moved_to) in known:
        moved_to = None
    if probe.html is None:
        verdict = Verdict("alive", "not-html")
    else:
        verdict = read_page(target, probe.html, final, registry, truncated=probe.truncated)
    if moved_to and verdict.status != "dead":
        return Verdict("moved", f"moved-permanently: {moved_to}", moved_to=moved_to)
    return verdict


def _visible_text(tree: LexborHTMLParser) -> str:
    tree.strip_tags(_INVISIBLE)
    return tree.body.text(separator=" ") if tree.body is not None else ""


def _squash(text: str) -> str:
    return "".join(text.split())


def _jsonld_body(html: str) -> str:
    for obj in article_objects(load_jsonld(parse_html(html)[0])):
        body = obj.get("articleBody")
        if isinstance(body, str):
            return norm(body)
    return ""


def _soft404(phrases: tuple[str, ...], places: list[str]) -> str | None:
    for phrase in phrases:
        key = norm(phrase)
        if key and any(key in place for place in places):
            return phrase
    return None


def read_page(target: Target, html: str, url: str, registry: Registry, *, truncated: bool = False) -> Verdict:
    """Judge a 200 page: alive, changed, or dead (soft-404 or another article)."""
    # The common case, a live page with the very text, needs no parse: the quoted paragraphs, white space aside,
    # are in the markup as they are (a paragraph with a link, an entity or a <br> inside takes the next step).
    quote = [_squash(p) for p in target.quote]
    if quote:
        markup = _squash(html)
        if all(p in markup for p in quote):
            return Verdict("alive", "ok")
    tree, _deep = parse_html(html)
    visible = _visible_text(tree)
    squashed = _squash(visible)  # then the page's text, still without NFKC (slow on CJK text)
    if quote and all(p in squashed for p in quote):
        return Verdict("alive", "ok")
    text = norm(visible)
    missing = [p for p in target.quote if not found_in(p, text)]
    if target.quote and not missing:
        return Verdict("alive", "ok")
    if missing:  # a page that renders its text from JSON-LD
        ld_text = _jsonld_body(html)
        if ld_text:
            missing = [p for p in missing if not found_in(p, ld_text)]
            if not missing:
                return Verdict("alive", "ok")
    # The slow path: the page lacks the clip's text (or the clip has none). Extract it as `add` would.
    article = extract_article(html, url=url, registry=registry)
    title_node = tree.css_first("title")
    headings = [norm(article.title), norm(title_node.text() if title_node else "")]
    headings += [norm(h.text()) for h in tree.css("h1")[:3]]
    main = norm("".join(article.paragraphs))
    if not main:
        for node in reversed(tree.css(_CHROME)):
            node.decompose()
        main = norm(tree.body.text(separator=" ")) if tree.body is not None else ""
    phrase = _soft404(registry.soft404_phrases, [*headings, main[:SOFT404_WINDOW]])
    if phrase:
        return Verdict("dead", f"soft-404: {phrase}")
    if missing and len(missing) < len(target.quote):
        if truncated:
            return Verdict("alive", "text-beyond-cap")
        return Verdict("changed", f"text-changed: {len(missing)} of {len(target.quote)} quoted paragraphs missing")
    if target.title and article.title and not titles_resemble(target.title, article.title):
        return Verdict("dead", f"title-mismatch: {article.title}")
    if missing:
        if truncated:
            return Verdict("alive", "text-beyond-cap")
        return Verdict("changed", "text-gone: the quoted paragraphs are not on the page")
    return Verdict("alive", "title-matches" if target.title and article.title else "ok")
