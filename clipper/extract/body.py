"""Main text of an article page, as a list of paragraphs, on selectolax (Lexbor).

Algorithm (one parse, a handful of C-side CSS passes, one Python walk over the chosen container):

1. Clean (mutates the tree): remove non-content tags (script, style, svg, iframe, form controls...), furigana
   readings (``<rt>``, ``<rp>``, so ``<ruby>子<rt>こ</rt></ruby>ども`` reads 子ども), structural junk (nav, aside,
   footer, figcaption, dialogs, hidden elements) and the outlet's ``drop_selectors``.
2. Container: the outlet's ``selectors`` are tried first, in order. Otherwise (or when they yield almost nothing)
   a readability-style score: every text block (``<p>``/``<pre>``, and the loose text of ``<div>``/``<td>``...)
   gives points for its length and punctuation (、。 count like commas) to its parent and, decaying, to four more
   ancestors; class/id names vote (article, content... up; comment, share, related... down); the best score,
   discounted by link density, wins. Its siblings that also score well (an article split by ads) join it. When
   ``jsonld_body`` is known, blocks whose text appears in it weigh double, so the container that holds the real
   text wins over a teaser list.
3. Inside the container, elements named like junk (share, related, comment, caption, byline, ad...) are dropped
   unless they hold most of the text, and one iterative walk turns the DOM into blocks: block-level elements
   (p, h2-h6, li, blockquote, div...) and ``<br><br>`` end a paragraph; links are measured on the way.
4. Blocks are filtered: link-dense blocks, boilerplate lines (read more / 続きを読む, 関連記事, Copyright ©,
   無断転載, share/follow/subscribe, login and paywall prompts), the headline repeated as ``h1`` or equal to
   ``title``, bylines and date lines at the edges, and exact duplicates.
5. If nothing useful is left and ``jsonld_body`` is given, its paragraphs are returned instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["extract_paragraphs"]

_REMOVE_TAGS = [
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas", "video",
    "audio", "map", "button", "select", "textarea", "input", "option", "link", "meta", "rt", "rp", "dialog",
]
_REMOVE_CSS = (
    "nav, aside, footer, figcaption, [hidden], [role=navigation], [role=complementary], [role=dialog],"
    " [aria-hidden=true], [style*='display:none'], [style*='display: none']"
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure footer"
    " form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section summary table tbody td tfoot th"
    " thead tr ul caption".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())

_NEG = re.compile(
    r"(?:^|[-_ ])(?:comments?|share|sharing|sns|social|related|recommend(?:ed|ations?)?|promo|sponsor(?:ed)?|"
    r"advert\w*|ads?|adv|banner|newsletter|subscribe|subscription|signup|sidebar|widget|breadcrumbs?|byline|"
    r"author|authors|caption|credit|tags?|popular|ranking|footer|header|nav|navigation|menu|meta|disqus|"
    r"outbrain|taboola|modal|popup|cookie|paywall|login|print|toolbar|pagination|pager|hidden|sr-only|"
    r"visually-hidden|screen-reader-text|skip|more-stories|most-read|trending|follow|rss|hashtags?)(?:$|[-_ ])",
    re.I,
)
_POS = re.compile(r"article|body|content|entry|main|post|story|text|blog|honbun|kiji|news", re.I)
_PUNCT = re.compile(r"[,、，。．]")
_SPACE_CJK = re.compile(
    r"(?<=[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])[ \t\n\r\f\v\xa0]+"
    r"(?=[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
_SPACES = re.compile(r"[ \t\n\r\f\v\xa0]+")
_BOILER = re.compile(
    r"^(?:read more|continue reading|related(?: articles?| stories| posts| coverage)?:?$|see also|"
    r"advertisement|sponsored|share (?:this|on)|follow us|sign up|subscribe|click here|"
    r"all rights reserved|copyright|©|\(c\) ?\d{4}|photo:|image:|credit:|"
    r"続きを読む|関連記事|関連リンク|関連ニュース|無断転載|この記事は|会員登録|ログイン|有料会員|"
    r"記事の続きは|この記事の続き|シェア|ツイート|フォローする|写真[:：]|【写真】|（写真|\(写真)",
    re.I,
)
_BOILER_ANY = re.compile(r"無断転載|all rights reserved|copyright ©|© \d{4}|©\d{4}", re.I)
_BYLINE = re.compile(r"^(?:by|written by|posted by|文|文・|取材・文|記者)[\s:：・]", re.I)


@dataclass
class _Block:
    text: str
    links: int  # characters of text inside <a>
    tag: str  # the innermost block-level element


def _norm(text: str) -> str:
    """Text for comparison: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _clean_text(text: str) -> str:
    text = _SPACE_CJK.sub("", text)
    text = _SPACES.sub(" ", text)
    text = text.strip(" ")
    return text.rstrip("\u3000")


def _names(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def _text_len(node: LexborNode) -> int:
    return len(node.text(deep=True))


def _link_density(node: LexborNode, total: int) -> float:
    if total <= 0:
        return 1.0
    links = sum(len(a.text(deep=True).strip()) for a in node.css("a"))
    return min(1.0, links / total)


def _score_candidates(body: LexborNode, evidence: str | None) -> tuple[dict[int, float], dict[int, LexborNode]]:
    """Scores of candidate containers and the nodes themselves, keyed by ``mem_id`` (node ``==`` is slow)."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    blocks: list[tuple[LexborNode, str]] = [(n, n.text(deep=True)) for n in body.css("p, pre")]
    blocks += [(n, n.text(deep=False)) for n in body.css("div, td, section, article, main, font, center")]
    for node, raw in blocks:
        text = raw.strip()
        if len(text) < 25:
            continue
        points = 1.0 + len(_PUNCT.findall(text)) + min(len(text) / 100, 3.0)
        if evidence is not None and _norm(text[:60]) in evidence:
            points *= 2
        parent = node if node.tag not in ("p", "pre") else node.parent
        level = 0
        while parent is not None and level < 5 and parent.tag not in ("body", "html"):
            divider = 1 if level == 0 else 2 if level == 1 else level * 3
            key = parent.mem_id
            if key not in nodes:
                nodes[key] = parent
            scores[key] = scores.get(key, 0.0) + points / divider
            parent = parent.parent
            level += 1
    return scores, nodes


def _pick_container(body: LexborNode, evidence: str | None) -> list[LexborNode]:
    scores, nodes = _score_candidates(body, evidence)
    if not scores:
        return [body]
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:8]
    best: LexborNode | None = None
    best_score = 0.0
    for key, score in ranked:
        node = nodes[key]
        names = _names(node)
        weight = 1.0
        if _NEG.search(names) and not _POS.search(names):
            weight = 0.5
        elif _POS.search(names):
            weight = 1.25
        total = _text_len(node)
        final = score * weight * (1.0 - _link_density(node, total))
        if final > best_score:
            best, best_score = node, final
    if best is None:
        return [body]
    # Siblings that score well too (an article split in parts by ads or "read more" modules) join the container.
    parent = best.parent
    if parent is None or parent.tag in ("html",):
        return [best]
    chosen: list[LexborNode] = []
    threshold = max(10.0, best_score * 0.2)
    best_names = _names(best)
    best_id = best.mem_id
    for sib in parent.iter():
        if sib.mem_id == best_id:
            chosen.append(sib)
            continue
        s = scores.get(sib.mem_id, 0.0)
        if s <= 0:
            continue
        if _names(sib) == best_names and best_names.strip():
            s *= 1.5
        if s * (1.0 - _link_density(sib, _text_len(sib))) >= threshold:
            chosen.append(sib)
        elif sib.tag == "p":
            text = sib.text(deep=True)
            if len(text) > 80 and _link_density(sib, len(text)) < 0.25:
                chosen.append(sib)
    return chosen


def _drop_junk(container: LexborNode) -> None:
    total = max(1, _text_len(container))
    for node in container.css("[class], [id]"):
        names = _names(node)
        if not _NEG.search(names) or _POS.search(names) and not _NEG.search(names.split()[0] if names.split() else ""):
            continue
        if _text_len(node) > total * 0.5:
            continue
        node.decompose()


class _Walker:
    """Document-order walk that turns a container into blocks (iterative: deep nesting cannot overflow)."""

    def __init__(self) -> None:
        self.out: list[_Block] = []
        self.buf: list[str] = []
        self.links = 0
        self.brs = 0
        self.link_depth = 0
        self.tags: list[str] = ["div"]

    def flush(self) -> None:
        if self.buf:
            text = _clean_text("".join(self.buf))
            if text.strip("\u3000"):
                self.out.append(_Block(text, self.links, self.tags[-1]))
            self.buf.clear()
        self.links = 0
        self.brs = 0

    def enter(self, node: LexborNode) -> bool:
        """Handle the start of ``node``; True when its children are to be walked (and its end handled)."""
        if node.is_text_node:
            text = node.text_content or ""
            stripped = text.strip()
            if stripped:
                self.brs = 0
                if self.link_depth:
                    self.links += len(stripped)
            self.buf.append(text)
            return False
        if not node.is_element_node:
            return False
        tag = node.tag or ""
        if tag == "br":
            self.brs += 1
            if self.brs >= 2:
                self.flush()
            else:
                self.buf.append("\n")
            return False
        if tag in _BLOCK_TAGS:
            self.flush()
            if tag == "hr":
                return False
            self.tags.append(tag)
        elif tag == "a":
            self.link_depth += 1
        return True

    def leave(self, node: LexborNode) -> None:
        tag = node.tag or ""
        if tag in _BLOCK_TAGS:
            self.flush()
            if len(self.tags) > 1:
                self.tags.pop()
        elif tag == "a":
            self.link_depth = max(0, self.link_depth - 1)

    def walk(self, container: LexborNode) -> list[_Block]:
        self.tags = [container.tag or "div"]
        top = container.mem_id
        node = container.first_child
        while node is not None:
            if self.enter(node):
                child = node.first_child
                if child is not None:
                    node = child
                    continue
                self.leave(node)
            while node is not None:
                nxt = node.next
                if nxt is not None:
                    node = nxt
                    break
                node = node.parent
                if node is None or node.mem_id == top:
                    node = None
                    break
                self.leave(node)
        self.flush()
        return self.out


def _is_junk_line(block: _Block, title_norm: str | None) -> bool:
    text = block.text
    n = len(text)
    if block.links and block.links >= 0.5 * n:
        return True
    if n < 200 and _BOILER.match(text.lstrip("\u3000 ")):
        return True
    if n < 300 and _BOILER_ANY.search(text):
        return True
    if title_norm and block.tag in _HEADINGS | {"div", "p"} and _norm(text) == title_norm:
        return True
    return False


def _filter(blocks: list[_Block], title: str | None) -> list[str]:
    title_norm = _norm(title) if title else None
    out: list[str] = []
    started = False
    for block in blocks:
        if _is_junk_line(block, title_norm):
            continue
        if block.tag == "h1" and not started:
            continue
        if not started and len(block.text) < 80 and _BYLINE.match(block.text):
            continue
        out.append(block.text)
        if block.tag not in _HEADINGS:
            started = True
    return out


def _from_selectors(tree: LexborHTMLParser, selectors: list[str]) -> list[LexborNode]:
    for selector in selectors:
        try:
            nodes = tree.css(selector)
        except Exception:  # an invalid selector in the registry must not break extraction
            continue
        # Keep outermost matches only, in document order.
        kept: list[LexborNode] = []
        for node in nodes:
            if not any(_contains(k.mem_id, node) for k in kept):
                kept.append(node)
        if sum(_text_len(n) for n in kept) >= 50:
            return kept
    return []


def _contains(ancestor: int, node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor:
            return True
        parent = parent.parent
    return False


def _jsonld_paragraphs(jsonld_body: str) -> list[str]:
    parts = re.split(r"\n\s*\n|\r\n\s*\r\n", jsonld_body)
    if len(parts) == 1:
        parts = jsonld_body.splitlines()
    return [t for t in (_clean_text(p) for p in parts) if t]


def extract_paragraphs(
    tree: LexborHTMLParser,
    *,
    selectors: list[str] | None = None,
    drop_selectors: list[str] | None = None,
    jsonld_body: str | None = None,
    title: str | None = None,
) -> list[str]:
    """The article body of ``tree`` as paragraphs (subheadings and list items are paragraphs too).

    ``selectors``: the outlet's body-container selectors, tried in order; ``drop_selectors``: the outlet's junk;
    ``jsonld_body``: JSON-LD ``articleBody``, used to pick the container and as a fallback; ``title``: the known
    headline, dropped when repeated in the body. A paragraph keeps a leading full-width space (　) the page has.

    The tree is MUTATED (junk elements are removed): read metadata first, or pass a copy. Never raises on bad
    markup; returns ``[]`` when nothing is found.
    """
    try:
        return _extract(tree, selectors, drop_selectors, jsonld_body, title)
    except RecursionError:
        return _jsonld_paragraphs(jsonld_body) if jsonld_body else []


def _extract(
    tree: LexborHTMLParser,
    selectors: list[str] | None,
    drop_selectors: list[str] | None,
    jsonld_body: str | None,
    title: str | None,
) -> list[str]:
    body = tree.body
    if body is None:
        return _jsonld_paragraphs(jsonld_body) if jsonld_body else []
    tree.strip_tags(_REMOVE_TAGS, recursive=True)
    for selector in drop_selectors or ():
        try:
            for node in tree.css(selector):
                node.decompose()
        except Exception:  # an invalid selector in the registry must not break extraction
            continue
    containers = _from_selectors(tree, selectors) if selectors else []
    for node in body.css(_REMOVE_CSS):
        node.decompose()
    evidence = _norm(jsonld_body) if jsonld_body else None
    if not containers:
        containers = _pick_container(body, evidence)
    blocks: list[_Block] = []
    for container in containers:
        _drop_junk(container)
        blocks.extend(_Walker().walk(container))
    paragraphs = _filter(blocks, title)
    if jsonld_body and sum(len(p) for p in paragraphs) < 0.2 * len(jsonld_body):
        return _jsonld_paragraphs(jsonld_body)
    return paragraphs
