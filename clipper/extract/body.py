"""Main text of an article page, as a list of paragraphs, on selectolax (Lexbor).

Algorithm (one parse by the caller, three C-side CSS queries, one Python walk over the chosen container):

1. Clean (this MUTATES the tree): one CSS query removes non-content tags (script, style, svg, iframe, form
   controls...), furigana readings (``<rt>``, ``<rp>``: ``<ruby>子<rt>こ</rt></ruby>ども`` reads 子ども) and
   structural junk (nav, aside, footer, figcaption, dialog); then the outlet's ``drop_selectors``.
2. Container: the outlet's ``selectors`` are tried first, in order; when none matches or they yield almost nothing,
   a readability-style score decides. Every text block (``<p>``/``<pre>``, and the loose text of ``<div>``,
   ``<td>``...) of 25+ characters gives points for its length and punctuation (、。 count like commas) to its
   parent and, decaying, to four more ancestors; with ``jsonld_body`` known, blocks whose text appears in it give
   double. The best few candidates are weighed by their class/id names (article, content... up; comment, share,
   related... down) and their link density. Siblings of the winner that also score well join it, and so do other
   elements with the winner's exact tag and class (an article split into several parts by ads or widgets).
3. Walk: one iterative document-order walk (deep nesting cannot overflow the stack) turns each container into
   blocks. Block-level elements (p, h2-h6, li, blockquote, div...), ``<hr>`` and ``<br><br>`` end a paragraph; a
   single ``<br>`` is a line break inside one. On the way it skips elements named like junk (share, related,
   comment, caption, byline, ad...) or hidden, unless they hold most of the container's text; it measures links.
4. Filter: link-dense blocks (not in quotes: embedded posts are text), boilerplate lines (read more / 続きを読む,
   関連記事, Copyright ©, 無断転載, share/follow/subscribe, login and paywall prompts), the headline repeated as
   ``h1`` or equal to ``title``, bylines at the top, and bare numbers (gallery counters).
5. Whitespace: runs of ASCII whitespace become one space, or nothing between two Japanese characters; a
   paragraph keeps its leading full-width space. If the DOM yields nothing useful, ``jsonld_body`` is returned.
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["extract_paragraphs"]

_REMOVE = (
    "script, style, noscript, template, svg, math, iframe, object, embed, canvas, video, audio, map, button, select,"
    " textarea, input, dialog, nav, aside, footer, figcaption"
)
_BLOCK = frozenset(
    "address article aside blockquote body center dd details dir div dl dt fieldset figure footer form h1 h2 h3 h4"
    " h5 h6 header hgroup hr li main menu nav ol p pre section summary table tbody tfoot thead tr ul caption"
    " legend".split()
)
_SKIP = frozenset("script style noscript template svg iframe button select textarea input head title".split())
# Inline tags whose class names are not worth reading (formatting, not widgets).
_PLAIN = frozenset("a b i em strong u s sup sub small ruby rb rp rt code abbr cite q mark font wbr kbd var tt big".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())

_NEG = re.compile(
    r"(?:^|[-_ ])(?:comments?|share|sharing|sharedaddy|sns|social|related|relatedposts|recommend(?:ed|ations?)?|"
    r"promo|sponsor(?:ed)?|advert\w*|ads?|adv|banner|newsletter|subscribe|subscription|signup|sidebar|widget|"
    r"breadcrumbs?|byline|author|authors|caption|credit|tags?|popular|ranking|footer|header|nav|navigation|menu|"
    r"meta|disqus|outbrain|taboola|modal|popup|cookie|paywall|login|print|toolbar|pagination|pager|hidden|sr-only|"
    r"visually-hidden|screen-reader-text|skip|more-stories|most-read|trending|follow|rss|hashtags?|rail|swiper|"
    r"carousel|robots-nocontent|noprint|yarpp|addtoany|jp-relatedposts|author-box|bio|tooltip|popover|hovercard|rollover|cap|capt|photo-cap|subtitle|midtitle|subhead|dek)(?:$|[-_ ])",
    re.I,
)
_EMBED = re.compile(r"tweet|instagram|tiktok|social[-_ ]?(?:media[-_ ])?embed|embed[-_ ]?social", re.I)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # embedded posts are quoted text, not share widgets
_POS = re.compile(r"article|body|content|entry|main|post|story|text|blog|honbun|kiji|news", re.I)
_PUNCT = re.compile(r"[,、，。．]")
_CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\n\r\f\v\xa0]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\n\r\f\v\xa0]+")
_BOILER = re.compile(
    r"^(?:read more|continue reading|related(?: articles?| stories| posts| coverage| content)?\s*:?$|see also|"
    r"advert(?:isement)?\s*$|sponsored|share (?:this|on)|follow us|sign up|subscribe|click here|"
    r"all rights reserved|copyright|©|\(c\) ?\d{4}|photo:|image:|credit:|this slideshow requires|"
    r"tell us what you think|comments?\s*$|(?:last )?updated(?: at| on)?:? .{0,40}\d\s*(?:[ap]\.?m\.?)?\s*$|"
    r"続きを読む|関連記事|関連リンク|関連ニュース|無断転載|この記事は|会員登録|ログイン|有料会員|"
    r"記事の続きは|この記事の続き|シェア|ツイート|フォローする|写真[:：]|【写真】|（写真|\(写真)",
    re.I,
)
_BOILER_ANY = re.compile(
    r"無断転載|all rights reserved|copyright ©|© ?\d{4}|follow (?:her|him|us|them|me) on|subscribe to \S+ newsletter",
    re.I,
)
_BYLINE = re.compile(r"^(?:by|written by|posted by|文|文・|取材・文|記者)[\s:：・]", re.I)
_DATELINE = re.compile(r"\b(?:19|20)\d\d\b|\d:\d\d|\d{1,2}月\d{1,2}日|[0-9０-９]年")
_SENTENCE = re.compile(r"[。.!?！？]\s*$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_REPORTER = re.compile(r"(?:记者|記者|기자|特派員|通信員|reporter)\s*[\w\s]{0,12}$", re.I)
_NUMBER = re.compile(r"^[\d\s/.,:|-]*$")

_Block = tuple[str, int, str, bool]  # text, characters inside links, innermost block tag, inside a blockquote


def _norm(text: str) -> str:
    """Text for comparison: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _clean_text(text: str) -> str:
    text = _SPACES.sub(" ", _SPACE_CJK.sub("", text)).strip(" ")
    return text.rstrip("\u3000 ")


def _names(attrs: dict[str, str | None]) -> str:
    """Class and id, camelCase split (``imageEmbedCaption`` -> ``image Embed Caption``)."""
    return _CAMEL.sub(" ", f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


def _is_junk(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    if style and "none" in style and re.search(r"display\s*:\s*none", style):
        return True
    names = _names(attrs)
    return len(names) > 1 and _NEG.search(names) is not None and _EMBED.search(names) is None


def _link_density(node: LexborNode, total: int) -> float:
    if total <= 0:
        return 1.0
    return min(1.0, sum(len(a.text()) for a in node.css("a")) / total)


def _score(body: LexborNode, evidence: str | None) -> tuple[dict[int, float], dict[int, LexborNode]]:
    """Candidate containers' scores and nodes, keyed by ``mem_id`` (node ``==`` is very slow in selectolax)."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    for node in body.css("p, pre, div, td, section, article, main, font, center, span"):
        tag = node.tag
        deep = tag in ("p", "pre")
        text = node.text(deep=deep).strip()
        if len(text) < 25:
            continue
        points = 1.0 + len(_PUNCT.findall(text)) + min(len(text) / 100, 3.0)
        if evidence is not None and _norm(text[:80]) in evidence:
            points *= 2
        parent = node.parent if deep or tag == "span" else node
        for level in range(5):
            if parent is None or parent.tag in ("body", "html"):
                break
            key = parent.mem_id
            if key not in nodes:
                nodes[key] = parent
            scores[key] = scores.get(key, 0.0) + points / (1 if level == 0 else 2 if level == 1 else level * 3)
            parent = parent.parent
    return scores, nodes


def _pick(body: LexborNode, evidence: str | None) -> list[LexborNode]:
    scores, nodes = _score(body, evidence)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:6]
    best: LexborNode | None = None
    best_score = 0.0
    for key, score in ranked:
        node = nodes[key]
        names = _names(node.attributes)
        weight = 1.0
        if _POS.search(names):
            weight = 1.25
        elif _NEG.search(names):
            weight = 0.5
        final = score * weight * (1.0 - _link_density(node, len(node.text())))
        if final > best_score:
            best, best_score = node, final
    if best is None:
        return [body]
    best_id = best.mem_id
    chosen = [best]
    parent = best.parent
    if parent is not None and parent.tag not in ("html", None):
        # Readability's sibling rule: siblings that score well, or plain long paragraphs, join the winner.
        threshold = max(10.0, best_score * 0.2)
        chosen = []
        for sib in parent.iter():
            key = sib.mem_id
            if key == best_id:
                chosen.append(sib)
            elif scores.get(key, 0.0) >= threshold:
                if scores[key] * (1.0 - _link_density(sib, len(sib.text()))) >= threshold:
                    chosen.append(sib)
            elif sib.tag not in _SKIP:
                text = sib.text(deep=sib.tag == "p")  # a paragraph, or an element's own loose text
                if len(text) > 80 and _link_density(sib, len(text)) < 0.25 and not _is_junk(sib.attributes):
                    chosen.append(sib)
    # Parts of the same article elsewhere in the page: elements with the winner's exact tag and class.
    cls = best.attributes.get("class")
    if cls and '"' not in cls and "\\" not in cls:
        same = [n for n in body.css(f'{best.tag}[class="{cls}"]') if scores.get(n.mem_id, 0.0) >= 3.0]
        if len(same) > 1:
            ids = {n.mem_id for n in chosen}
            extra = [n for n in same if n.mem_id not in ids and not _inside_any(n, ids)]
            if extra:
                chosen = _in_document_order(body, chosen + extra)
    return chosen


def _inside_any(node: LexborNode, ids: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def _in_document_order(body: LexborNode, nodes: list[LexborNode]) -> list[LexborNode]:
    wanted = {n.mem_id for n in nodes}
    kept = [n for n in nodes if not _inside_any(n, wanted)]
    wanted = {n.mem_id for n in kept}
    order = {n.mem_id: i for i, n in enumerate(body.css(", ".join(sorted({n.tag or "div" for n in kept}))))}
    return sorted(kept, key=lambda n: order.get(n.mem_id, 0))


def _walk(container: LexborNode) -> list[_Block]:
    """Blocks of ``container`` in document order; junk-named and hidden elements are skipped."""
    out: list[_Block] = []
    buf: list[str] = []
    opened: list[str] = []  # tags of the elements we are inside (below the container)
    blocks: list[str] = [container.tag or "div"]
    links = brs = link_depth = quote_depth = 0
    ruby_rp = False  # the current <ruby> gives a plain-text fallback: 尹錫悦<rp>（</rp><rt>ユン</rt><rp>）</rp>
    half = max(300, len(container.text()) // 2)  # a junk-named wrapper of most of the text is no junk

    def flush() -> None:
        nonlocal links, brs
        if buf:
            text = _clean_text("".join(buf))
            if text.strip("\u3000"):
                out.append((text, links, blocks[-1], quote_depth > 0))
            buf.clear()
        links = brs = 0

    node: LexborNode | None = container.first_child
    while node is not None:
        if node.is_text_node:
            text = node.text_content or ""
            if not text.isspace():
                brs = 0
                if link_depth:
                    links += len(text.strip())
            buf.append(text)
        elif node.is_element_node:
            tag = node.tag or ""
            if tag == "br":
                brs += 1
                if brs >= 2:
                    flush()
                else:
                    buf.append("\n")
            elif tag == "rt" and not ruby_rp:
                pass  # furigana reading without <rp> fallback: dropped (子<rt>こ</rt>ども reads 子ども)
            elif tag not in _SKIP and (
                tag in _PLAIN or tag != "header" and not _is_junk(node.attributes) or len(node.text()) > half
            ):
                if tag == "ruby" or tag == "rp":
                    ruby_rp = tag == "rp"
                block = tag in _BLOCK
                if block:
                    flush()
                elif tag == "td" or tag == "th":
                    buf.append(" ")
                child = node.first_child if tag != "hr" else None
                if child is not None:
                    opened.append(tag)
                    if block:
                        blocks.append(tag)
                        if tag == "blockquote":
                            quote_depth += 1
                    elif tag == "a":
                        link_depth += 1
                    node = child
                    continue
        while node is not None:  # next sibling, or climb to the first ancestor that has one
            nxt = node.next
            if nxt is not None:
                node = nxt
                break
            if not opened:
                node = None
                break
            node = node.parent
            tag = opened.pop()
            if tag in _BLOCK:
                flush()
                blocks.pop()
                if tag == "blockquote":
                    quote_depth -= 1
            elif tag == "a":
                link_depth -= 1
    flush()
    return out


def _filter(blocks: list[_Block], title: str | None) -> list[str]:
    title_norm = _norm(title) if title else None
    out: list[str] = []
    started = False
    for text, links, tag, quoted in blocks:
        n = len(text)
        if links and links >= 0.5 * n and not quoted:
            continue
        if n < 200 and _BOILER.match(text.lstrip("\u3000 ")) or n < 300 and _BOILER_ANY.search(text):
            continue
        if tag != "tr" and _NUMBER.match(text):
            continue
        if tag in _HEADINGS and not started or title_norm and n < 300 and _norm(text) == title_norm:
            continue
        if not started and n < 80 and (_BYLINE.match(text) or _DATELINE.search(text) and not _SENTENCE.search(text)):
            continue
        if n < 100 and (_EMAIL.search(text) or n < 40 and _REPORTER.search(text)):
            continue
        out.append(text)
        if tag not in _HEADINGS:
            started = True
    return out


def _decompose_all(nodes: list[LexborNode]) -> None:
    # Innermost first: a node removed with its ancestor must not be touched again.
    for node in reversed(nodes):
        node.decompose()


def _from_selectors(tree: LexborHTMLParser, selectors: list[str]) -> list[LexborNode]:
    for selector in selectors:
        try:
            nodes = tree.css(selector)
        except Exception:  # an invalid selector in the registry must not break extraction
            continue
        ids = {n.mem_id for n in nodes}
        kept = [n for n in nodes if not _inside_any(n, ids)]
        if sum(len(n.text()) for n in kept) >= 50:
            return kept
    return []


def _jsonld_paragraphs(jsonld_body: str) -> list[str]:
    parts = re.split(r"\n\s*\n", jsonld_body)
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
    fallback = _jsonld_paragraphs(jsonld_body) if jsonld_body else []
    body = tree.body
    if body is None:
        return fallback
    _decompose_all(body.css(_REMOVE))
    for selector in drop_selectors or ():
        try:
            _decompose_all(tree.css(selector))
        except Exception:  # an invalid selector in the registry must not break extraction
            continue
    paragraphs: list[str] = []
    if selectors:
        containers = _from_selectors(tree, selectors)
        paragraphs = _filter([b for c in containers for b in _walk(c)], title)
    if sum(len(p) for p in paragraphs) < 50:
        evidence = _norm(jsonld_body) if jsonld_body else None
        paragraphs = _filter([b for c in _pick(body, evidence) for b in _walk(c)], title)
    if fallback and sum(len(p) for p in paragraphs) < 0.2 * len(jsonld_body or ""):
        return fallback
    return paragraphs
