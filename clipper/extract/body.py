"""Main text of an article page, as a list of paragraphs, on selectolax (Lexbor).

Algorithm (one parse by the caller, a few C-side CSS queries, one Python walk over the chosen containers):

1. Clean (this MUTATES the tree): one CSS query removes non-content tags (script, style, svg, iframe, form
   controls...) and structural junk (nav, aside, footer, figcaption, dialog); then the outlet's ``drop_selectors``.
2. Container: the outlet's ``selectors`` are tried first, in order; when none matches or they yield almost nothing,
   a readability-style score decides. Every text block (``<p>``/``<pre>``, and the loose text of ``<div>``,
   ``<td>``...) of 25+ characters gives points for its length and punctuation (、。 count like commas) to its
   parent and, decaying, to four more ancestors; with ``jsonld_body`` known, blocks whose text appears in it count
   4x and others 1/4. The best candidates are weighed by their class/id names (article, content... up; comment,
   share, related... down) and their link density; below a minimum the page has no article (expired, index page)
   and only its plain ``<p>`` text is returned. Siblings of the winner that also score well join it (readability's
   rule), and so do high scorers with the winner's exact tag and class (an article split into parts by ads).
3. Walk: one iterative document-order walk (deep nesting cannot overflow the stack) turns each container into
   blocks. Block-level elements (p, h2-h6, li, blockquote, div...), ``<hr>`` and ``<br><br>`` end a paragraph; a
   single ``<br>`` is a line break inside one, unless the next line is indented with 　. Table rows are lines. On
   the way it skips ``<header>`` and elements named like junk (share, related, comment, caption, byline, ad...) or
   hidden, unless they hold most of the container's text, and it counts the characters inside links. Furigana:
   ``<rt>`` readings are dropped (``<ruby>子<rt>こ</rt></ruby>ども`` reads 子ども), except in a ruby that gives an
   ``<rp>`` plain-text fallback, which is kept as the author wrote it: 尹錫悦（ユンソンニョル）.
4. Filter: link-dense blocks (not in quotes: embedded posts are text), boilerplate lines (read more / 続きを読む,
   関連記事, Copyright ©, 無断転載, share/follow/subscribe, login and paywall prompts), headings, bylines and
   date lines before the first paragraph, the headline equal to ``title``, reporter/e-mail credit lines, and bare
   numbers (gallery counters).
5. Whitespace: runs of ASCII whitespace become one space, or nothing between two Japanese characters; a
   paragraph keeps its leading full-width space. If the DOM yields nothing useful, ``jsonld_body`` is returned.
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser, LexborNode

from clipper.extract.prose import data_prose
from clipper.htmldepth import parse_html

__all__ = ["extract_paragraphs"]

_REMOVE = (
    "script, style, noscript, template, svg, math, iframe, object, embed, canvas, video, audio, map, button, select,"
    " textarea, input, dialog, nav, aside, footer, figcaption"
)
_REMOVE_LOOSE = (
    "script, style, template, svg, math, iframe, object, embed, canvas, video, audio, map, button, select,"
    " textarea, input, dialog, nav, figcaption"
)
_REMOVE_TAGS = frozenset(t.strip() for t in _REMOVE.split(","))
_REMOVE_LOOSE_TAGS = frozenset(t.strip() for t in _REMOVE_LOOSE.split(","))
_TEXT_BLOCKS = "p, pre, div, td, section, article, main, font, center"  # what _score gives points to
_TEXT_BLOCK_TAGS = frozenset(t.strip() for t in _TEXT_BLOCKS.split(","))
_BLOCK = frozenset(
    "address article aside blockquote body center dd details dir div dl dt fieldset figure footer form h1 h2 h3 h4"
    " h5 h6 header hgroup hr li main menu nav ol p pre section summary table tbody tfoot thead tr ul caption"
    " legend".split()
)
_SKIP = frozenset("script style template svg iframe button select textarea input head title".split())
# Inline tags whose class names are not worth reading (formatting, not widgets).
_PLAIN = frozenset("a b i em strong u s sup sub small ruby rb rp rt code abbr cite q mark font wbr kbd var tt".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SUBHEADINGS = _HEADINGS - {"h1"}
_LISTED = _HEADINGS | {"li", "dt", "dd", "tr"}

# Class/id words (whole tokens, or two tokens run together: more-stories -> morestories) of elements that are no
# article text. Names are split at -, _, spaces and camelCase (imageEmbedCaption -> image, embed, caption).
_NEG_WORDS = frozenset(
    """comment comments share sharing sharedaddy sns social related relatedposts recommend recommended
    recommendation recommendations promo promos sponsor sponsored advert adverts advertisement advertising ad ads
    adv banner newsletter subscribe subscription signup sidebar widget breadcrumb breadcrumbs byline author authors
    authorbox caption captions credit credits tag tags popular ranking footer header nav navigation menu meta disqus
    outbrain taboola modal popup cookie cookies paywall login print toolbar pagination pager hidden sronly
    screenreader skip morestories mostread trending follow rss hashtag hashtags rail swiper carousel nocontent
    noprint yarpp addtoany affiliate disclosure disclaimer recirculation cta toccontainer toclist copyright rating
    ratings
    bio offscreen invisible tooltip popover hovercard rollover cap capt subtitle midtitle
    subhead dek metadata postmeta postmetadata commentlist""".split()
)
# A junk word run together with a word for a part of a page names that part: commentlist, commentsbox,
# postmetadata, sharebar. Only these pairs count, so that commentary or sharepoint stay plain words.
_PART_WORDS = (
    "list box area wrap wrapper container section block holder inner outer form count link links data info bar "
    "post entry article page site top bottom item items module panel wrapper title head tools buttons icons".split()
)
_COMPOUND_JUNK = tuple(
    "comment comments share sharing social related sidebar widget newsletter subscribe sponsor advert breadcrumb "
    "meta footer header nav menu popup modal cookie cookies byline author tags caption".split()
)
# Generated class names (CSS-in-JS: tagStyle_z4kqwb, wrapper_1l0t8bn) name no part of a page.
_GENERATED = re.compile(r"\b[A-Za-z]+_[a-z0-9]*\d[a-z0-9]*\b|\b[A-Za-z]+_[a-z0-9]{6,}\b")
# Inside running text only these names make an inline element junk (a hover card, a screen-reader label, an ad);
# an author link or a tag name in the middle of a sentence is part of the sentence.
# Class/id words of an article's lead, intro or standfirst, often outside the container of its paragraphs.
_LEAD_WORDS = frozenset(
    """intro introduction lead leadin leadtext teaser excerpt abstract summary deck standfirst subline subheadline
    subtitle subheading chapo chapeau perex einleitung sapo bajada entradilla strapline""".split()
)
_INLINE_JUNK = frozenset(
    """hidden invisible sronly offscreen screenreader tooltip popover hovercard rollover popup modal ad ads adv advert
    advertisement advertising share sharing social sponsor sponsored promo caption credit credits newsletter
    subscribe signup print skip""".split()
)
_EMBEDS = frozenset("social tweet twitter instagram tiktok".split())  # social embeds: posts quoted in the article
_SCREENS = frozenset("xs s sm m md l lg xl xxl mobile tablet desktop phone small medium large".split())
_SPLIT_NAMES = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
_JUNK_CACHE: dict[str, bool] = {}
_LEAD_CACHE: dict[str, bool] = {}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_POS = re.compile(r"article|body|content|entry|main|post|story|text|blog|honbun|kiji|news", re.I)
_CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break in the source between two Japanese characters is no space (a typed space stays one).
_BREAK_CJK = re.compile(rf"([{_CJK}])[ \xa0]*[\n\r\t\f\v][ \t\n\r\f\v\xa0]*(?=[{_CJK}])")
_BOILER = re.compile(
    r"^(?:read more|continue reading|related(?: articles?| stories| posts| coverage| content)?\s*:?$|see also|"
    # read-also teasers, newsletter boxes, rate/share prompts in the languages of the foreign news quoted most
    r"(?:also read|read also|lesen sie (?:auch|mehr)|auch interessant|mehr zum thema|zum weiterlesen|weiterlesen\s*$|"
    r"das könnte sie (?:auch )?interessieren|(?:à )?lire aussi|lee (?:también|más)|leer más|te puede interesar|"
    r"leggi anche|leia (?:também|mais)|читайте также|war (?:der|dieser) (?:artikel|beitrag) (?:hilfreich|nützlich)|"
    r"was this (?:article|page|post) (?:helpful|useful)|(?:möchten sie|jetzt) (?:den|diesen) (?:artikel|beitrag) "
    r"teilen|newsletter(?:\s|$)|abonnieren sie|melden sie sich .{0,30}newsletter|artikel (?:drucken|teilen)|"
    r"print (?:this )?(?:article|page)\s*$|bild anzeigen\s*$|beitragsbild\s*$|"
    r"(?:das )?(?:thema )?könnte (?:dich|sie|euch) (?:auch )?interessieren|le puede interesar|veja também|"
    r"never miss|.{0,40}(?:nichts|nie|keine \w+) mehr (?:verpassen|versäumen)|"
    r"(?:weitere|empfohlene|ähnliche) (?:beiträge|artikel)|(?:inhaltsverzeichnis|table of contents)\s*$|"
    r"(?:sie müssen|bitte|du musst) .{0,40}(?:einloggen|anmelden)|.{0,30}nicht (?:eingeloggt|angemeldet)|"
    r"(?:um )?(?:einen )?kommentare? zu (?:schreiben|verfassen)|kommentieren\s*$|alle angaben ohne gewähr|"
    r"(?:to (?:view|read|continue) .{0,30}, )?please (?:subscribe|log ?in|sign ?in)|"
    r"if you(?:'|’)re (?:seeing this|already a subscriber)|"
    r"(?:crédits? photos?|bildquelle|fotos?|bild|abbildung)\s*:|.{0,60}/ ?getty images\s*$)|"
    r"(?:advert(?:isement)?|anzeige|werbung|publicidad|publicité|pubblicità|iklan|реклама|広告|광고)\s*-?\s*$|sponsored|"
    r"share (?:this|on)|follow us|you may also like|you might also like|more from|recommended for you|topics\s*$|"
    r"join the conversation|filed under|tags?\s*:|\d+\s*-\s*\d+ of \d+\s*$|"
    r"follow [\w@ ]{1,40} on (?:twitter|facebook|instagram)|sign up|subscribe|click here|"
    r"all rights reserved|copyright\s*(?:©|\(c\)|\d{4})|©|\(c\) ?\d{4}|photo:|image:|credit:|this slideshow requires|"
    r"tell us what you think|(?:this|the) (?:post|article|page|review) (?:may )?contains? "
    r"(?:affiliate|referral|references to)|"
    r"(?:sorry,? )?(?:but )?your browser (?:needs|requires|does ?n[o']t support)|"
    r"(?:please )?(?:enable|activate|turn on) javascript|javascript (?:is )?(?:disabled|required|must be enabled)|"
    r"comments?\s*$|(?:hide |toggle )?caption\s*$|close\s*$|expand\s*$|"
    r"(?:last )?updated(?: at| on)?:? .{0,40}\d\s*(?:[ap]\.?m\.?)?\s*$|"
    r"続きを読む|関連(?:記事|リンク|ニュース|サイト|情報)|無断転載|この記事は.{0,30}(?:限定|会員|有料|購読|ログイン)|会員登録|"
    r"ログイン(?:して|する|はこちら|が必要)|有料会員|記事の続きは|この記事の続き|(?:シェア|ツイート|ブックマーク)(?:する)?\s*$|"
    r"\S{0,12}(?:を)?フォローする\s*$|(?:こちらも)?おすすめ(?:情報|記事|ニュース)?\s*$|\S{0,8}の?新着(?:記事|ニュース)?\s*$|"
    r"(?:アクセス)?ランキング\s*$|人気(?:記事|ニュース)|注目(?:記事|ニュース)\s*$|あわせて読みたい|(?:次|前)の記事|写真[:：]|【写真】|（写真|\(写真|\[pr\]|pr\s*$)",
    re.I,
)
_BOILER_ANY = re.compile(
    r"無断転載|all rights reserved|copyright ©|© ?\d{4}|follow (?:her|him|us|them|me) on|subscribe to \S+ newsletter|"
    r"(?:会員|無料)登録が必要|『?あとで読む』?ことができ",
    re.I,
)
_LEADERS = "\u3000 【[［(（<〈《「■□◆◇●○▼▽▶►・*-"  # what may precede a boilerplate word: 【関連記事】
_DATE_ONLY = re.compile(
    r"^\s*(?:(?:\d{4}|[０-９]{4})年)?[\d０-９]{1,2}月[\d０-９]{1,2}日\S{0,4}(?:\s*[\d０-９]{1,2}[:：時][\d０-９]{2}分?)?\s*$"
    r"|^\s*\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?:\s+\d{1,2}:\d{2})?\s*$"
)
_BOILER_HINTS = ("無断転載", "©", "ights reserved", "opyright", "ollow ", "ubscribe", "登録が必要", "あとで読む")
_BYLINE = re.compile(r"^(?:by|written by|posted by|文|文・|取材・文|記者)[\s:：・]", re.I)
_DATELINE = re.compile(r"\b(?:19|20)\d\d\b|\d:\d\d|\d{1,2}月\d{1,2}日|[0-9０-９]年")
_SENTENCE = re.compile(r"[。.!?！？]\s*$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_REPORTER = re.compile(r"(?:记者|記者|기자|特派員|通信員|reporter)\s*[\w\s]{0,12}$", re.I)
_NUMBER = re.compile(r"^[\d\s/.,:|-]*$|^https?://\S+$|^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?$")

_DIVIDERS = (1, 2, 6, 9, 12)  # readability: an ancestor n levels up gets 1/divider of a paragraph's points
_LITTLE = 400  # characters: a first pass that finds less tries again, more inclusively
_WRONG_WORDS = ("comment", "cookie", "consent", "gdpr")
_POPUP_WORDS = ("popup", "modal", "lightbox", "overlay", "flyout")
_PLAIN_BLOCKS = frozenset(("p", "pre"))
_LOOSE_BLOCKS = frozenset("div span td li section article".split())
_LEAD_LEVEL = 5
_LEAD_STOP = 5000  # characters: a block this long before the container is another part of the page
_HEAD_WORDS = frozenset("head heading headings headline headlines title titles hgroup".split())
_LEAD_TAGS = frozenset("p h2 h3 h4 h5 h6 div section ul ol dl table blockquote pre".split())
_PLAIN_LEADS = frozenset("p h2 h3 h4 h5 h6".split())
# A box before the container with the <h1> in it is the page's header; with a picture, a photo and its caption.
_NOT_LEAD = "h1, img, picture, figure"
_LEAD_UP = 6  # levels above the container searched for a lead (lead-named; other blocks up to _LEAD_LEVEL)
_STANDFIRST_TAGS = frozenset("div h2 h3".split())  # besides <p>: a text-only block after the <h1>, a standfirst
_STANDFIRST_LISTS = frozenset(("ul", "ol"))  # bullet points after the <h1>
_HEADER_BOXES = frozenset("header div section hgroup".split())
_HEADLINE_BOXES = _HEADER_BOXES | {"article"}  # boxes whose paragraphs after an <h1> are a standfirst
_LEAD_HOLDERS = _HEADER_BOXES  # boxes searched for an element named like a lead
_BASELINE_MIN = 40  # characters of a paragraph the last resort takes
_MIN_SCORE = 3.0  # about one real paragraph; below it the page has no article text (expired, index, error page)
_STRICT = False  # tests set this to see any exception the safety net in extract_paragraphs would swallow
_Block = tuple[str, int, str, bool, bool]  # text, chars inside links, innermost block tag, in a blockquote, has <img>


def _norm(text: str) -> str:
    """Text for comparison: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


_CJK_COMPAT = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]")


def _clean_text(text: str) -> str:
    """Collapse whitespace runs to one space (none at a line break between Japanese characters); keep 　. Soft
    hyphens and zero-width spaces are removed; text is NFC (unless that would change a CJK compatibility
    ideograph)."""
    if not text.isascii():
        if "\ufeff" in text or "\u200b" in text or "\xad" in text:
            text = text.replace("\ufeff", "").replace("\u200b", "").replace("\xad", "")
        if not unicodedata.is_normalized("NFC", text) and not _CJK_COMPAT.search(text):
            text = unicodedata.normalize("NFC", text)  # composed letters; CJK compatibility ideographs (神) kept
        text = _BREAK_CJK.sub(r"\1", text)
        if "\u3000" in text:  # str.split() would eat the full-width space: protect it
            return " ".join(text.replace("\u3000", "\ue000").split()).replace("\ue000", "\u3000").rstrip("\u3000 ")
    return " ".join(text.split())


def _names(attrs: dict[str, str | None]) -> str:
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def _junk_names(names: str, inline: bool) -> bool:
    """Do class/id names say navigation, share, related, caption, ad...? (``inline``: the short list for an element
    inside running text.) Cached: a page repeats its names."""
    key = names + "\0" if inline else names
    known = _JUNK_CACHE.get(key)
    if known is not None:
        return known
    vocabulary = _INLINE_JUNK if inline else _NEG_WORDS
    plain = _GENERATED.sub(" ", names) if "_" in names else names
    words = [w.lower() for w in _SPLIT_NAMES.split(plain) if w]
    if "hidden" in words:  # hidden-xs, l-hidden-s: hidden on small screens only, shown on others
        words = [w for w, nxt in zip(words, [*words[1:], ""], strict=True) if w != "hidden" or nxt not in _SCREENS]
    pairs = [a + b for a, b in zip(words, words[1:], strict=False)]  # more-stories -> morestories
    junk = any(w in vocabulary for w in words) or any(p in vocabulary for p in pairs)
    if not junk and not inline:
        junk = any(_compound_junk(w) for w in words if len(w) >= 7)
    if junk and "embed" in words and any(w in _EMBEDS for w in words):
        junk = False  # a social-media embed: the post quoted in the article, not a share button
    if len(_JUNK_CACHE) > 4096:
        _JUNK_CACHE.clear()
    _JUNK_CACHE[key] = junk
    return junk


def _compound_junk(word: str) -> bool:
    for junk in _COMPOUND_JUNK:
        if word.startswith(junk) and word[len(junk):] in _PART_WORDS:
            return True
        if word.endswith(junk) and word[: -len(junk)] in _PART_WORDS:
            return True
    return False


def _is_comments(attrs: dict[str, str | None]) -> bool:
    """Named as a comment thread (commentlist, comments-area): never the article, however long."""
    names = _names(attrs).lower()
    return "comment" in names and "commentary" not in names


def _lead_named(attrs: dict[str, str | None]) -> bool:
    """Named like an article's lead (intro, teaser-text, articleIntro, DefaultEinleitung). Cached per name."""
    names = _names(attrs)
    if len(names) <= 1:
        return False
    known = _LEAD_CACHE.get(names)
    if known is None:
        known = any(word.lower() in _LEAD_WORDS for token in _SPLIT_NAMES.split(names) if token
                    for word in _CAMEL.split(token))
        if len(_LEAD_CACHE) > 4096:
            _LEAD_CACHE.clear()
        _LEAD_CACHE[names] = known
    return known
    for token in _SPLIT_NAMES.split(names):
        for word in re.split(r"(?<=[a-z])(?=[A-Z])", token):
            if word.lower() in _LEAD_WORDS:
                return True
    return False


def _leads(first: LexborNode, evidence: str | None = None) -> list[LexborNode]:
    """The article's lead, intro or subheading blocks just before its container (``first``) or before the
    container's nearest ancestors: elements named like a lead, and (next to it) plain paragraphs and headings.
    A long or link-dense block on the way stops the search at that level: that is another part of the page."""
    levels: list[list[LexborNode]] = []
    node: LexborNode | None = first
    for level in range(_LEAD_UP):
        if node is None or node.tag in ("body", "html"):
            break
        found: list[LexborNode] = []
        sib = node.prev
        seen = 0
        joined = True  # the element after ``sib`` (toward the container) joined: a heading there heads text
        while sib is not None and seen < 8:
            tag = sib.tag or ""
            if tag[0] != "-" and tag not in _SKIP:
                n = len(sib.text().strip())
                if n:
                    seen += 1
                    dense = _link_density(sib, n) > 0.3
                    before = len(found)
                    if _lead_named(sib.attributes) and not dense and 30 <= n <= 2000:
                        found.append(sib)
                    elif n <= 3000 and tag in _LEAD_HOLDERS and (inner := _lead_inside(sib)) is not None:
                        found.append(inner)
                    elif n > _LEAD_STOP:
                        break
                    elif dense and n > 150:
                        pass  # a link list between the container and its lead: looked past
                    elif level <= _LEAD_LEVEL and tag in _HEADLINE_BOXES and not dense \
                            and (tag == "header" or not _is_junk(sib.attributes)) \
                            and (standfirst := _after_headline(sib)):
                        found.extend(reversed(standfirst))
                    elif not dense and not _is_junk(sib.attributes) and level <= _LEAD_LEVEL \
                            and tag in _LEAD_TAGS and n >= 25 and (joined or tag not in _HEADINGS) \
                            and (tag in _PLAIN_LEADS or sib.css_first("h1" if n > 400 else _NOT_LEAD) is None
                                 and not _head_named(sib.attributes)
                                 and (evidence is None or _norm(sib.text()[:80]) in evidence)):
                        found.append(sib)
                    joined = len(found) > before
            sib = sib.prev
        levels.append(found[::-1])
        node = node.parent
    return [n for found in reversed(levels) for n in found]


def _head_named(attrs: dict[str, str | None]) -> bool:
    """Named as the article's head or title block (news_detail_head_group, article-title): the headline and its
    labels, whose standfirst (if any) is found by _after_headline."""
    names = _names(attrs)
    if len(names) <= 1:
        return False
    words = [word.lower() for token in _SPLIT_NAMES.split(names) if token for word in _CAMEL.split(token)]
    return any(w in _HEAD_WORDS or w.endswith(("headline", "title", "heading")) for w in words)


def _after_headline(box: LexborNode) -> list[LexborNode]:
    """The paragraphs after the ``<h1>`` in a header box (a standfirst that is named like nothing): <p>s, blocks of
    text alone (div, h2, h3) and bullet points."""
    out: list[LexborNode] = []
    seen = False
    for node in box.traverse(include_text=False):
        tag = node.tag
        if tag == "h1":
            seen = True
        elif seen and (tag == "p" or tag in _STANDFIRST_LISTS and _statements(node)
                       or tag in _STANDFIRST_TAGS and not any(c.tag in _BLOCK for c in node.iter())) \
                and not _is_junk(node.attributes):
            n = len(node.text().strip())
            if n >= 40 and _link_density(node, n) <= 0.3:
                out.append(node)
    return out


def _headline_standfirst(body: LexborNode, first: LexborNode) -> list[LexborNode]:
    """The standfirst after the page's first <h1> (see _after_headline), when the h1's box is outside the container
    (a headline far above it, or beside it, which the lead search does not reach)."""
    h1 = body.css_first("h1")
    box = h1.parent if h1 is not None else None
    if box is None or box.tag == "header":  # a <header>'s standfirst is for the lead search (_after_headline)
        return []
    node: LexborNode | None = first
    while node is not None:
        if node.mem_id == box.mem_id:
            return []
        node = node.parent
    return _after_headline(box)


def _statements(items: LexborNode) -> bool:
    """A list whose items are each a plain statement (bullet points), not a menu of words (print, mail, share)."""
    lines = [item for item in items.iter() if item.tag == "li"]
    return bool(lines) and all(len(item.text().strip()) >= 20 and not any(c.tag in _BLOCK for c in item.iter())
                               for item in lines)


def _lead_inside(node: LexborNode) -> LexborNode | None:
    """The first element inside ``node`` named like a lead, with text and few links (a header's standfirst)."""
    for inner in node.css("[class]"):
        if _lead_named(inner.attributes):
            n = len(inner.text().strip())
            if 30 <= n <= 2000 and _link_density(inner, n) <= 0.3:
                return inner
    return None


def _named(node: LexborNode) -> dict[str, str | None]:
    """An element's attributes, without a heading's id: that is an anchor made from the heading's own words
    (h3#nav_nur_die_folie names no navigation)."""
    attrs = node.attributes
    if "id" in attrs and node.tag in _HEADINGS:
        attrs = {k: v for k, v in attrs.items() if k != "id"}
    return attrs


def _is_hidden(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return bool(style and "none" in style and re.search(r"display\s*:\s*none", style))


def _is_junk(attrs: dict[str, str | None], in_text: bool = False) -> bool:
    """Hidden, or named like page furniture (``in_text``: an inline element inside a sentence, see _INLINE_JUNK)."""
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    if style and "none" in style and re.search(r"display\s*:\s*none", style):
        return True
    names = _names(attrs)
    return len(names) > 1 and _junk_names(names, in_text)


def _link_density(node: LexborNode, total: int) -> float:
    if total <= 0:
        return 1.0
    return min(1.0, sum(len(a.text()) for a in node.css("a")) / total)


def _score(body: LexborNode, evidence: str | None, inclusive: bool = False,
           candidates: list[LexborNode] | None = None) -> tuple[dict[int, float], dict[int, LexborNode]]:
    """Candidate containers' scores and nodes, keyed by ``mem_id`` (node ``==`` is very slow in selectolax)."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    chains: dict[int, list[int]] = {}  # first scored ancestor -> it and up to 4 more ancestors (body excluded)
    for node in body.css(_TEXT_BLOCKS) if candidates is None else candidates:
        tag = node.tag
        deep = tag == "p" or tag == "pre" or inclusive and not any(c.tag in _BLOCK for c in node.iter())
        text = node.text(deep=deep)
        if len(text) < 25 or len(text := text.strip()) < 25:
            continue
        commas = text.count(",") + text.count("、") + text.count("，") + text.count("。") + text.count("．")
        points = 1.0 + commas + min(len(text) / 100, 3.0)
        if evidence:  # JSON-LD articleBody: text found in it weighs 4x, other text 1/4
            points *= 4.0 if _norm(text[:80]) in evidence else 0.25
        first = node.parent if deep else node
        if first is None:
            continue
        chain = chains.get(first.mem_id)
        if chain is None:
            chain = []
            parent: LexborNode | None = first
            while parent is not None and len(chain) < 5 and parent.tag not in ("body", "html"):
                key = parent.mem_id
                nodes.setdefault(key, parent)
                chain.append(key)
                parent = parent.parent
            chains[first.mem_id] = chain
        for level, key in enumerate(chain):
            scores[key] = scores.get(key, 0.0) + points / _DIVIDERS[level]
    return scores, nodes


def _pick(body: LexborNode, evidence: str | None, inclusive: bool = False,
          candidates: list[LexborNode] | None = None) -> list[LexborNode]:
    scores, nodes = _score(body, evidence, inclusive, candidates)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:20]
    best: LexborNode | None = None
    best_score = 0.0
    for key, score in ranked:
        if score * 1.25 <= best_score:
            break  # cannot win any more: weights and link density only lower a score below 1.25x
        node = nodes[key]
        attrs = node.attributes
        pos = _POS.search(_names(attrs)) is not None
        weight = (1.25 if pos else 1.0) * ((0.5 if pos else 0.2) if _is_junk(attrs) else 1.0)
        final = score * weight
        if final > best_score:
            final *= 1.0 - _link_density(node, len(node.text()))
        if final > best_score:
            best, best_score = node, final
    if best is None or best_score < _MIN_SCORE:
        return []
    best_id = best.mem_id
    chosen = [best]
    parent = best.parent
    if parent is not None and parent.tag != "html":
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
    signature = _signature(best)
    if signature is not None:
        # Parts of the same article elsewhere (split by ads or widgets): high scorers with the winner's tag and
        # class (for a winner without a class: with its parent's tag and class).
        ids = {n.mem_id for n in chosen}
        extra = [
            node
            for key, score in scores.items()
            if score >= 3.0 and key not in ids and (node := nodes[key]).tag == best.tag
            and _signature(node) == signature and not _inside_any(node, ids)
        ]
        if extra:
            chosen = _in_document_order(body, chosen + extra)
    return chosen


def _signature(node: LexborNode) -> tuple[str | None, ...] | None:
    cls = node.attributes.get("class")
    if cls:
        return (node.tag, cls)
    parent = node.parent
    if parent is None or parent.tag in ("body", "html"):
        return None
    parent_class = parent.attributes.get("class")
    return (node.tag, None, parent.tag, parent_class) if parent_class else None


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


def _walk(container: LexborNode, comments: bool = False) -> list[_Block]:
    """Blocks of ``container`` in document order; junk-named and hidden elements are skipped (``comments``: not
    elements named as comments, on a page whose text is its comments: a forum thread, a live ticker)."""
    out: list[_Block] = []
    buf: list[str] = []
    opened: list[str] = []  # tags of the elements we are inside (below the container)
    blocks: list[str] = [container.tag or "div"]
    links = brs = link_depth = quote_depth = 0
    image = False  # the current block shows an image: short text with it is a caption
    filled = False  # the current paragraph has text: an inline element now is part of a sentence, not a widget
    ruby_rp = False  # the current <ruby> gives a plain-text fallback: 尹錫悦<rp>（</rp><rt>ユン</rt><rp>）</rp>
    half = max(300, len(container.text()) // 2)  # a junk-named wrapper of most of the text is no junk

    def flush() -> None:
        nonlocal links, brs, filled, image
        if buf:
            text = _clean_text("".join(buf))
            if text.strip("\u3000"):
                out.append((text, links, blocks[-1], quote_depth > 0, image))
            buf.clear()
        links = brs = 0
        filled = image = False

    node: LexborNode | None = container.first_child
    while node is not None:
        tag = node.tag or ""
        if tag == "-text":
            text = node.text_content or ""
            if not text.isspace():
                if brs == 1 and text.lstrip(" \t\r\n").startswith("\u3000"):
                    flush()  # <br> then an indented line: a new Japanese paragraph
                brs = 0
                filled = True
                if link_depth:
                    links += len(text.strip())
            buf.append(text)
        elif tag == "br":
            brs += 1
            if brs >= 2:
                flush()
            else:
                buf.append("\n")
        elif tag == "img":
            image = True
        elif tag == "rt" and not ruby_rp:
            pass  # furigana reading without <rp> fallback: dropped (子<rt>こ</rt>ども reads 子ども)
        elif tag[0] != "-" and tag not in _SKIP and (
            tag in _PLAIN
            or (tag != "header" or _section_header(node)) and not _is_junk(_named(node), filled and tag not in _BLOCK)
            or len(node.text()) > half and not _is_comments(node.attributes)
            or comments and _is_comments(node.attributes) and not _is_hidden(node.attributes)
            or tag == "div" and _heading_box(node)
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


def _heading_box(node: LexborNode) -> bool:
    """A box named like furniture ("j-header", "section-header") that only wraps a section heading (h2-h6)."""
    if _is_hidden(node.attributes):
        return False
    children = [c for c in node.iter() if c.tag != "-text" and c.tag != "-comment"]
    return len(children) == 1 and children[0].tag in _SUBHEADINGS and not (node.text(deep=False) or "").strip()


def _section_header(node: LexborNode) -> bool:
    """A ``<header>`` inside the article that heads one of its sections (an h2-h6, no h1, no byline or time)."""
    return node.css_first("h1, time, address, [rel=author]") is None \
        and node.css_first("h2, h3, h4, h5, h6") is not None


def _is_boilerplate(text: str, n: int) -> bool:
    if n < 200 and _BOILER.match(text.lstrip(_LEADERS)):
        return True
    if n < 30 and (_DATE_ONLY.match(text) or not any(ch.isalnum() or ch == "_" for ch in text)):
        return True  # a lone date (a list of other articles), or only symbols (◇, ＊＊＊)
    return any(hint in text for hint in _BOILER_HINTS) and _BOILER_ANY.search(text) is not None


def _is_title(text: str, tag: str, title_norm: str) -> bool:
    """The headline again: equal to the known title, or a heading that is a part of it or contains it."""
    norm = _norm(text)
    return norm == title_norm or tag in _HEADINGS and len(norm) >= 8 and (norm in title_norm or title_norm in norm)


def _filter(blocks: list[_Block], title: str | None) -> list[str]:
    title_norm = _norm(title) if title else None
    out: list[str] = []
    started = False
    for text, links, tag, quoted, image in blocks:
        if image and len(text) < 100 and not quoted and tag not in _LISTED and not _SENTENCE.search(text):
            continue  # a picture with a line of text that is no sentence: a caption
        n = len(text)
        if links and links >= 0.5 * n and not quoted and (tag != "p" or links >= 0.8 * n or n - links < 20):
            continue  # link lists; a paragraph with a sentence of its own around its links stays
        if n < 300 and _is_boilerplate(text, n):
            continue
        if tag != "tr" and _NUMBER.match(text):
            continue
        if tag in _HEADINGS and not started and (tag == "h1" or not title_norm) \
                or title_norm and n < 300 and _is_title(text, tag, title_norm):
            continue
        if not started and n < 80 and (_BYLINE.match(text) or _DATELINE.search(text) and not _SENTENCE.search(text)):
            continue
        if n < 100 and ("@" in text and _EMAIL.search(text) or n < 40 and _REPORTER.search(text)):
            continue
        out.append(text)
        if tag not in _HEADINGS:
            started = True
    return out


def _clean(body: LexborNode, remove: frozenset[str]) -> list[LexborNode]:
    """Remove the elements whose tag is in ``remove`` (a ``<noscript>`` only when short: a page may put its text
    there) and return the text-block candidates (``_TEXT_BLOCKS``) that stay, in document order. One walk over the
    elements instead of two CSS queries: selectolax matches a selector list one selector at a time, so the 25
    tags of ``_REMOVE`` cost more than walking the tree once."""
    doomed: list[LexborNode] = []
    kept: list[LexborNode] = []
    block_tags = _TEXT_BLOCK_TAGS
    skip_to: int | None = None  # mem_id of the first element after a removed subtree
    for node in body.traverse(include_text=False):
        if skip_to is not None:
            if node.mem_id != skip_to:
                continue
            skip_to = None
        tag = node.tag
        if tag in remove and (tag != "noscript" or len(node.text()) < 200):
            doomed.append(node)
            after = _next_element(node, body)
            if after is None:
                break
            skip_to = after
        elif tag in block_tags:
            kept.append(node)
    _decompose_all(doomed)
    return kept


def _next_element(node: LexborNode, root: LexborNode) -> int | None:
    """``mem_id`` of the first non-text node after ``node``'s subtree, inside ``root`` (None: nothing follows)."""
    current: LexborNode | None = node
    while current is not None and current.mem_id != root.mem_id:
        nxt = current.next
        while nxt is not None and nxt.tag == "-text":
            nxt = nxt.next
        if nxt is not None:
            return nxt.mem_id
        current = current.parent
    return None


def _decompose_all(nodes: list[LexborNode]) -> None:
    # Innermost first: a node removed with its ancestor must not be touched again. Never the document itself.
    for node in reversed(nodes):
        if node.tag not in ("html", "body", "head"):
            node.decompose()


def _from_selectors(tree: LexborHTMLParser, selectors: list[str], title: str | None, enough: int) -> list[str]:
    """Paragraphs of the first selector (in the outlet's order) whose elements yield ``enough`` text."""
    for selector in selectors:
        try:
            nodes = tree.css(selector)
        except Exception:  # an invalid selector in the registry must not break extraction
            continue
        ids = {n.mem_id for n in nodes}
        paragraphs = _filter([b for n in nodes if not _inside_any(n, ids) for b in _walk(n)], title)
        if sum(len(p) for p in paragraphs) >= enough:
            return paragraphs
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
    parts: list[list[str]] | None = None,
) -> list[str]:
    """The article body of ``tree`` as paragraphs (subheadings and list items are paragraphs too).

    ``selectors``: the outlet's body-container selectors, tried in order; ``drop_selectors``: the outlet's junk;
    ``jsonld_body``: JSON-LD ``articleBody``, used to pick the container and as a fallback; ``title``: the known
    headline, dropped when repeated in the body; ``parts``: the lists a JSON-LD Recipe or HowTo gives (ingredients,
    steps; see clipper.extract.prose.recipe_parts), whose blocks join the text when the chosen container misses
    them. A paragraph keeps a leading full-width space (　) the page has.

    The tree is MUTATED (junk elements are removed): read metadata first, or pass a copy. Never raises on bad
    markup; returns ``[]`` (or the JSON-LD text) when nothing is found.
    """
    fallback = _jsonld_paragraphs(jsonld_body) if jsonld_body else []
    try:
        return _extract(tree, selectors, drop_selectors, jsonld_body, title, fallback, parts)
    except Exception:  # a safety net for the caller's contract: a bad page is no error
        if _STRICT:
            raise
        return fallback


def _extract(
    tree: LexborHTMLParser,
    selectors: list[str] | None,
    drop_selectors: list[str] | None,
    jsonld_body: str | None,
    title: str | None,
    fallback: list[str],
    parts: list[list[str]] | None = None,
) -> list[str]:
    body = tree.body
    if body is None:
        return fallback
    candidates: list[LexborNode] | None = _clean(body, _REMOVE_TAGS)
    for selector in drop_selectors or ():
        try:
            dropped = tree.css(selector)
        except Exception:  # an invalid selector in the registry must not break extraction
            continue
        if dropped:
            _decompose_all(dropped)
            candidates = None  # some of them may be gone with what was dropped
    enough = max(10, len(jsonld_body or "") // 5)  # what the outlet's selectors must yield to be trusted
    paragraphs = _from_selectors(tree, selectors, title, enough) if selectors else []
    if not paragraphs:
        evidence = _norm(jsonld_body) if jsonld_body else None
        paragraphs = _generic(body, evidence, title, candidates=candidates)
        found = sum(len(p) for p in paragraphs)
        if found < _LITTLE:
            # A second, more inclusive pass on a fresh parse: <aside>, <footer>, <noscript> and <form> kept, and
            # text in <div>/<span> without <p> scored whole.
            loose = parse_html(tree.raw_html.decode("utf-8", errors="replace"))[0].body
            if loose is not None:
                second = _generic(loose, evidence, title, inclusive=True, candidates=_clean(loose, _REMOVE_LOOSE_TAGS))
                if sum(len(p) for p in second) > found:
                    paragraphs = second
        if not fallback and sum(len(p) for p in paragraphs) < _LITTLE:
            # text built by JavaScript from the page's data: prose strings in its JSON (see clipper.extract.prose)
            data = _data_paragraphs(tree.raw_html.decode("utf-8", errors="replace"), title)
            if sum(len(p) for p in data) > 2 * max(_LITTLE, sum(len(p) for p in paragraphs)):
                paragraphs = data
        if parts:
            paragraphs = paragraphs + _missing_parts(body, paragraphs, parts, title)
    if fallback and sum(len(p) for p in paragraphs) < 0.2 * len(jsonld_body or ""):
        return fallback
    if not paragraphs and not selectors:
        # the last resort (trafilatura's "baseline"): the page's paragraphs wherever they are, junk names or not
        paragraphs = _baseline(body, title)
    return paragraphs


_NON_WORD = re.compile(r"\W+")
_PART_BOX = 3.0  # a box holding a recipe's list has at most this many times the list's characters (+ _PART_SLACK)
_PART_SLACK = 1500


def _key(text: str) -> str:
    return _NON_WORD.sub("", text.lower())


def _deepest(body: LexborNode, key: str) -> LexborNode | None:
    """The lowest element whose text holds ``key`` (see _key), or None."""
    node = body
    if key not in _key(node.text()):
        return None
    while True:
        for child in node.iter():
            if key in _key(child.text()):
                node = child
                break
        else:
            return node


def _common(nodes: list[LexborNode]) -> LexborNode | None:
    chains = []
    for node in nodes:
        chain: list[LexborNode] = []
        walker: LexborNode | None = node
        while walker is not None:
            chain.append(walker)
            walker = walker.parent
        chains.append(chain[::-1])
    common = None
    for level in zip(*chains, strict=False):
        if len({n.mem_id for n in level}) != 1:
            break
        common = level[0]
    return common


def _missing_parts(body: LexborNode, paragraphs: list[str], parts: list[list[str]], title: str | None) -> list[str]:
    """A recipe's (or how-to's) ingredients and steps that its JSON-LD lists and the chosen text lacks: the blocks
    of the box that holds most of each list (the lowest common ancestor of the items), when that box is about the
    list's size, not the page."""
    have = _key(" ".join(paragraphs))
    known = set(paragraphs)
    blocks: list[_Block] = []
    for texts in parts:
        keys = [k for k in dict.fromkeys(_key(t) for t in texts) if len(k) >= 4]
        missing = [k for k in keys if k not in have]
        if not missing or len(missing) < 0.5 * len(keys):
            continue
        found = [n for n in (_deepest(body, k) for k in missing) if n is not None]
        if len(found) < 0.5 * len(missing):
            continue
        box = _common(found) if len(found) > 1 else found[0].parent
        if box is None or box.tag in ("body", "html"):
            continue
        if len(_key(box.text())) > _PART_BOX * sum(len(k) for k in keys) + _PART_SLACK:
            continue
        for block in _walk(box):
            if block[0] not in known:
                known.add(block[0])
                blocks.append(block)
        have = _key(" ".join(known))
    return _filter(blocks, title) if blocks else []


def _baseline(body: LexborNode, title: str | None) -> list[str]:
    blocks: list[_Block] = []
    for node in body.css("p"):
        if _is_hidden(node.attributes):
            continue
        text = _clean_text(node.text())
        n = len(text)
        if n >= _BASELINE_MIN and _link_density(node, n) <= 0.3:
            blocks.append((text, 0, "p", False, False))
    return _filter(blocks, title)


def _data_paragraphs(html: str, title: str | None) -> list[str]:
    blocks: list[_Block] = []
    root = LexborHTMLParser(html).root
    for text in data_prose(root, title) if root is not None else ():
        if "<" in text:
            fragment = LexborHTMLParser(text).body
            blocks += _walk(fragment) if fragment is not None else []
        else:
            blocks += [(line, 0, "p", False, False) for line in (_clean_text(t) for t in text.splitlines()) if line]
    return _filter(blocks, title)


def _generic(body: LexborNode, evidence: str | None, title: str | None, inclusive: bool = False,
             candidates: list[LexborNode] | None = None) -> list[str]:
    """The container vote, its walk and filter. A winner that is a teaser list or named like comments or a consent
    dialog is removed and the vote is held again (twice at most). ``candidates``: the text blocks, when the
    caller collected them while cleaning (valid until the next removal)."""
    for _ in range(3):
        containers = _pick(body, evidence, inclusive, candidates)
        candidates = None
        if not containers:
            break
        if _wrong_winner(containers, body):
            _decompose_all(containers)
            continue
        blocks = [b for c in containers for b in _walk(c)]
        size = sum(len(c.text()) for c in containers)
        if size > 2000 and sum(len(b[0]) for b in blocks) < 0.1 * size:
            # almost all of the winner is named as comments: a forum thread or a live ticker, whose text they are
            blocks = [b for c in containers for b in _walk(c, comments=True)]
        known = {b[0] for b in blocks}
        lead = [b for n in _leads(containers[0], evidence) for b in _walk(n) if b[0] not in known]
        seen = known | {b[0] for b in lead}
        lead = [b for n in _headline_standfirst(body, containers[0]) for b in _walk(n) if b[0] not in seen] + lead
        return _filter(lead + blocks, title)
    # no container stands out (a stub or a tiny page): its plain <p> paragraphs, if any
    return _filter([b for b in _walk(body) if b[2] in _PLAIN_BLOCKS or inclusive and b[2] in _LOOSE_BLOCKS], title)


def _wrong_names(names: str, words: tuple[str, ...] = _WRONG_WORDS) -> bool:
    """Named as comments or a consent dialog (commentlist, cookiecontent), not counting a blog's taxonomy classes
    (tag-privacy, category-comments)."""
    for token in names.lower().split():
        if token.startswith(("tag-", "category-")):
            continue
        for word in _SPLIT_NAMES.split(token):
            if word.startswith(words) and not word.startswith("commentar"):
                return True
    return False


def _popup_names(names: str) -> bool:
    """Named as a popup, modal, overlay or flyout: the last word of a name says what the element is
    (pum-overlay, contactflyout-modal), not a word before it (a page wrapper that is "modal-enabled")."""
    for token in names.lower().split():
        words = [w for w in _SPLIT_NAMES.split(token) if w]
        if words and any(words[-1].startswith(w) or words[-1].endswith(w) for w in _POPUP_WORDS):
            return True
    return False


def _wrong_winner(containers: list[LexborNode], body: LexborNode) -> bool:
    """Comments, a consent dialog or a list of teasers for other articles won the vote."""
    first = containers[0]
    node: LexborNode | None = first
    for _ in range(3):  # the winner or its near ancestors
        if node is None or node.tag in ("body", "html"):
            break
        names = _names(node.attributes)
        if _wrong_names(names):
            return True
        # a popup: the winner itself, or an ancestor that holds less than half the page; a form's text (terms of a
        # signup box) unless the form wraps the page
        if (_popup_names(names) or node.tag == "form") and (node is first or len(node.text()) < 0.5 * len(body.text())):
            return True
        node = node.parent
    if len(containers) >= 3:  # a grid of cards: each part short, each led by a link (in it, or in its own card)
        cards = [_card(c) for c in containers]
        return all(card is not None for card in cards) and len({c.mem_id for c in cards if c is not None}) == len(cards)
    return _is_card_grid(first)


def _card(part: LexborNode) -> LexborNode | None:
    """The short card around ``part`` (it, or an ancestor up to three levels) that is or holds a link."""
    node: LexborNode | None = part
    for _ in range(4):
        if node is None or len(node.text()) >= 600:
            return None
        if node.tag == "a" or _headline_link(node):
            return node
        node = node.parent
    return None


def _is_card_grid(node: LexborNode) -> bool:
    """Most of ``node``'s text is in three or more alike cards (div/article/li/section of one class), each short
    and each with a headline link of its own: a list of teasers for other articles."""
    groups: dict[tuple[str | None, str | None], list[LexborNode]] = {}
    for child in node.iter():
        if child.tag in ("div", "article", "li", "section"):
            groups.setdefault((child.tag, child.attributes.get("class")), []).append(child)
    cards = max(groups.values(), key=len, default=[])
    if len(cards) < 3:
        return False
    lengths = [len(c.text()) for c in cards]
    if max(lengths) >= 600 or sum(lengths) < 0.7 * len(node.text()):
        return False
    return all(_headline_link(c) for c in cards)


def _headline_link(card: LexborNode) -> bool:
    for child in card.iter():
        if child.tag == "a" and len(child.text().strip()) >= 3:
            return True
        if child.tag in _HEADINGS and child.css_first("a") is not None:
            return True
    return False
