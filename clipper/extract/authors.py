"""Who wrote an article.

Sources, in order of trust: JSON-LD Person authors and creators, author <meta> tags, then the page's visible byline
(elements named author/byline/writer/reporter/credit, or rel/itemprop="author"). Structured metadata wins, unless
the page shows a byline and the structured name appears nowhere in the page's visible text (a CMS user name such as
the editor who pressed "publish"). Bylines are cleaned of labels (By, TEXT BY, 文●, 執筆者：), of desks and
affiliations after a slash (／ASCII編集部, / Yomiuri Shimbun Staff Writers), of job titles (記者, 기자) and of trailing
labels (関連キーワード, フォロー). Organisations, site names, placeholders ("No Author"), URLs, e-mail addresses and
numeric ids are not authors; a wire credit (JIJI, Kyodo, AP, Reuters, 共同, 時事) is, when it is the only byline.
Several authors are joined with "; ".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from clipper.extract.jsonld import article_objects, types_of
from clipper.extract.metadata import clean_text, fold, fold_long

__all__ = [
    "SEPARATOR", "dateline_author", "find_author", "paragraph_author", "split_names", "structured_authors",
    "text_byline", "visible_byline",
]

SEPARATOR = "; "

_META_KEYS = ("author", "cxenseparse:author", "dc.creator", "article:author", "article.author", "byl",
              "sailthru.author", "parsely-author")
_PLACEHOLDERS = {
    "noauthor", "unknown", "admin", "administrator", "staff", "editor", "editors", "none", "null", "anonymous",
    "author", "writer", "guest", "user", "webmaster", "nobody", "n/a", "-", "編集部", "ゲスト", "匿名", "名無し",
    "不明", "記者", "筆者", "著者", "ライター", "twitter", "facebook", "instagram", "line", "rss", "mail", "e-mail",
    "share", "follow", "フォロー", "シェア", "プロフィール", "profile",
}
_WIRES = {
    "jiji", "jijipress", "kyodo", "kyodonews", "ap", "associatedpress", "theassociatedpress", "reuters", "afp",
    "afp-jiji", "afp時事", "bloomberg", "xinhua", "yonhap", "共同", "共同通信", "時事", "時事通信", "ロイター",
    "新華社", "聯合",
}
_ORGANISATION = re.compile(
    r"株式会社|有限会社|合同会社|[（(]株[)）]|新聞|通信社|編集部|編集局|取材班|提供|協会|放送|出版|社$|"
    r"\b(?:inc|ltd|llc|corp|corporation|co|company|gmbh|group|media|press|news|times|shimbun|staff|editors|"
    r"desk|team|newsroom|wire|agency|images|photos|pictures)\b\.?$",
    re.I,
)
# words that mark the part after a slash or in brackets as a desk or an affiliation, not a second name
_DESK = re.compile(
    r"編集部|編集局|編集委員|記者|特派員|支局|総局|新聞|通信|社|部$|班$|staff|writer|reporter|correspondent|editor|"
    r"shimbun|news|times|press|bureau|desk|contributor|columnist",
    re.I,
)
# a pattern that opens with \s* has a lookahead on its first character in front: without one the regex engine tries
# each alternative at every position of the string
_TITLE_SUFFIX = re.compile(
    r"(?=[\s記特編論解支기특논선])\s*(?:記者|特派員|編集委員|論説委員|解説委員|支局長|기자|특파원|논설위원|선임기자)$"
)
_LABEL = re.compile(
    r"^(?:(?:(?:text|words|story|reporting|report|written|article)\s+by|by|この記事の(?:筆者|著者|執筆者)|執筆者|執筆|著者|"
    r"筆者|記者|作者|ライター|author|writer|reporter)(?:\s*[:：●・/／=＝]\s*|\s+)|"
    r"(?:取材・文|取材・執筆|文・写真|文)\s*[:：●・/／=＝]\s*)(?=\S)",
    re.I,
)
_OTHER_ROLE = re.compile(
    r"^(?:(?:translation|translated|photographs?|photos?|photography|illustrations?|edited|editing|video|design|"
    r"interview|images?)\s+by\b|(?:写真|撮影|翻訳|訳|編集|構成|イラスト|動画|聞き手|デザイン)\s*[:：●・/／=＝])",
    re.I,
)
_ROLE_BREAK = re.compile(
    r"(?=[\s／|｜])\s*(?:\s/\s|／|\s[|｜]\s)\s*"
    r"(?=(?:[A-Za-z][A-Za-z ]{0,30}\s+by\s)|(?:写真|撮影|翻訳|編集|構成|イラスト|文)\s*[●:：/／])",
    re.I,
)
_TRAILING_LABEL = re.compile(
    r"(?=[\s関キタフプ記すもfvmr])\s*(?:関連キーワード|関連タグ|キーワード[:：]|タグ[:：]|フォローする|フォロー|プロフィール|記事一覧|すべて見る|"
    r"もっと見る|\bfollow\b|\bview (?:all|profile)\b|\bmore (?:stories|articles) by\b|\bread more\b).*$",
    re.I,
)
_JOB = re.compile(
    r"(?=[ecrwpbda編カ])(?:\b(?:editor|correspondent|reporter|writer|columnist|contributor|producer|chief|bureau|director|analyst|"
    r"photographer)s?\b|編集長|編集者|カメラマン)",
    re.I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"^(?:https?:|www\.)", re.I)
_DATE_TAIL = re.compile(r"(?=[\s\d])\s*\d{4}[年/.\-]\d{1,2}[月/.\-]\d{1,2}.*$")
_SPLIT = re.compile(r"(?=[\s,、，;；&＆a])\s*(?:[,、，;；&＆]|\band\b|\s및\s)\s*", re.I)
_BRACKETS = re.compile(r"(?=[\s（(\[［【])\s*[（(\[［【]([^）)\]］】]*)[）)\]］】]$")
_DATELINE = re.compile(r"^[【\[]([^】\]＝=]{1,20})[＝=]([^】\]]{2,30})[】\]]")
_KOREAN_REPORTER = re.compile(r"([가-힣]{2,4})\s?(?:기자|특파원)\s*[(\[]?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

_BYLINE_CSS = (
    '[itemprop~="author"], [itemprop~="creator"], [rel~="author"], [class*="byline"], [class*="author"], '
    '[class*="writer"], [class*="reporter"], [class*="credit"], [id*="byline"]'
)
_NAME_CSS = (
    '[itemprop~="name"], [class*="name"], .fn, a[rel~="author"], a[href*="/author"], a[href*="/writer"], '
    'a[href*="/reporter"], li'
)
_LONG_NAME_CSS = '[itemprop~="name"], [class*="name"], .fn, a[rel~="author"]'
_SKIP_TAGS = {"meta", "link", "script", "style", "noscript", "template", "img", "svg", "time", "input", "button",
              "iframe", "head", "body", "html", "article", "main", "form", "select", "option"}
_NOT_BYLINE_CLASS = re.compile(
    r"(?=[ipctahs])(?:image|photo|img|pic|caption|thumb|avatar|icon|headshot|social|share)", re.I
)
_NOT_BYLINE_AREA = re.compile(
    r"(?=[rpscb])(?:related|ranking|recommend|popular|sidebar|comment|pickup|breadcrumb)", re.I
)
_SITE_FOOTER = re.compile(r"(?=[fs])(?:footer|(?<![a-z])side(?![a-z]))", re.I)
_BLOCKS = {"br", "p", "div", "li", "dt", "dd", "tr", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6",
           "section", "header", "footer", "address", "blockquote"}
_AUTHOR_WORDS = re.compile(r"(?=[abwr])(?:author|byline|writer|reporter)", re.I)
_MAX_CONTAINERS = 60
_MAX_BYLINE_CHARS = 300


# -- one name -------------------------------------------------------------------------------------------------

def _is_organisation(name: str) -> bool:
    return bool(_ORGANISATION.search(name.strip()))


def _person(name: str, identity: list[str]) -> str | None:
    """The name if it can be a person's (or a lone wire credit), else None."""
    name = _TITLE_SUFFIX.sub("", name.strip(" \u3000|｜/／,、:：・-")).strip(" \u3000")
    name = _DATE_TAIL.sub("", name).strip()
    if not name or len(name) > 50:
        return None
    low = fold(name)
    if len(low) < 2:
        return None
    if _URL.match(low) or "facebook.com" in low or "@" in low or "://" in low:
        return None
    if low in _PLACEHOLDERS or not any(ch.isalpha() for ch in low):
        return None
    if any(fold(site) == low for site in identity if site):
        return None
    if low in _WIRES:
        return name
    if len(name.split()) > 5 or _is_organisation(name) or _JOB.search(name):
        return None
    for site in identity:
        fs = fold(site)
        if fs and len(low) >= 3 and len(fs) >= 3 and (low in fs or fs in low):
            return None
    return name


def _is_desk(text: str, identity: list[str]) -> bool:
    f = fold(text)
    return bool(_DESK.search(text)) or any(len(fold(s)) >= 3 and fold(s) in f for s in identity)


def _cut_desk(text: str, identity: list[str]) -> str:
    """Drop a desk or affiliation after a slash or in trailing brackets: オカモト／ASCII編集部 -> オカモト,
    but NeoL／ネオエル stays whole."""
    for sep in _DESK_SEP.finditer(text):
        if _is_desk(text[sep.end():], identity):
            return text[: sep.start()]
    bracket = _BRACKETS.search(text)
    if bracket and text[: bracket.start()].strip() and _is_desk(bracket.group(1), identity):
        return text[: bracket.start()]
    return text


_DESK_SEP = re.compile(r"(?=[\s／/])\s*(?:／|\s/\s|/)\s*")
_DESK_PREFIX = re.compile(
    r"^(?:(?:社会|政治|経済|国際|外信|外報|運動|文化|科学|生活|地方|報道|写真|映像|デジタル|特別報道|科学環境|くらし|編集)部|"
    r"\S{1,10}(?:支局|総局|通信部))\s+(?=\S)"
)


def split_names(text: str, identity: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The people named in one byline string: labels, desks, job titles and trailing labels removed;
    "A and B", "A, B", "A、B" split; organisations and placeholders dropped."""
    ids = list(identity)
    text = clean_text(_EMAIL.sub(" ", text or "")).strip(" \u3000|｜,、")
    for _ in range(2):
        text = _LABEL.sub("", text).strip(" \u3000|｜/／,、:：")
    text = _TRAILING_LABEL.sub("", text)
    text = _DATE_TAIL.sub("", text).strip(" \u3000|｜,、")
    if not text or _URL.match(text):
        return []
    m = _BRACKETS.fullmatch(text) if text[:1] in "（([［【" else None
    if m:  # the whole byline in brackets: [ITmedia]
        text = m.group(1)
    text = _DESK_PREFIX.sub("", _cut_desk(text, ids).strip())
    out: list[str] = []
    for piece in _SPLIT.split(text):
        name = _person(piece, ids)
        if name and name not in out:
            out.append(name)
    return _persons_first(out)


def _persons_first(names: list[str]) -> list[str]:
    """A wire credit counts only when nobody else is named: "By John Smith, Associated Press" -> John Smith."""
    persons = [n for n in names if fold(n) not in _WIRES]
    return persons or names


# -- bylines on the page ----------------------------------------------------------------------------------------

def _lines(node: LexborNode, limit: int = 5000) -> list[str]:
    """The node's text split at <br> and block elements (about ``limit`` characters at most)."""
    lines: list[str] = [""]
    size = 0
    for count, child in enumerate(node.traverse(include_text=True)):
        if count > limit // 2:
            break
        tag = child.tag
        if tag == "-text":
            parent = child.parent
            if parent is not None and parent.tag in ("script", "style", "noscript", "template"):
                continue
            text = child.text_content or ""
            lines[-1] += text
            size += len(text)
            if size > limit:
                break
        elif tag in _BLOCKS:
            lines.append("")
    return [t for t in (clean_text(line) for line in lines) if t]


def _names_from_lines(lines: Iterable[str], identity: list[str], labelled_only: bool = False) -> list[str]:
    """Names in credit lines; when some lines are labelled as the text's author (TEXT BY, 文●), only those count,
    and lines crediting others (TRANSLATION BY, 写真：) never do. ``labelled_only`` (an element that is only a
    "credit", often a photo's): unlabelled lines count only as a wire credit."""
    pieces: list[str] = []
    for line in lines:
        for part in _ROLE_BREAK.split(line):
            for sub in re.split(r"\s[|｜]\s", part):
                if sub.strip():
                    pieces.append(sub.strip())
    pieces = [p for p in pieces if not _OTHER_ROLE.match(p)]
    labelled = [p for p in pieces if _LABEL.match(p)]
    names: list[str] = []
    for piece in labelled or pieces:
        for name in split_names(piece, identity):
            if name not in names and (labelled or not labelled_only or fold(name) in _WIRES):
                names.append(name)
    return names


AreaCache = dict[int, tuple[bool, str | None]]


def _area(node: LexborNode | None, cache: AreaCache) -> tuple[bool, str | None]:
    """For a node and its ancestors below <body>: (whether one is a figure, nav, aside or a skipped area; the
    outermost of them that is an article/main or a footer, as "article" / "footer"). Memoised by node, so the
    bylines of one page walk each ancestor chain once."""
    chain: list[LexborNode] = []
    cur = node
    state: tuple[bool, str | None] = (False, None)
    while cur is not None and cur.tag not in ("body", "html"):
        known = cache.get(cur.mem_id)
        if known is not None:
            state = known
            break
        chain.append(cur)
        cur = cur.parent
    for a in reversed(chain):  # outermost first
        tag = a.tag
        names: str | None = None  # its class and id, read once (each read of .attributes builds a dict)
        skip = state[0] or tag in ("figure", "figcaption", "nav", "aside")
        if not skip:
            names = _class_id(a)
            skip = bool(_NOT_BYLINE_AREA.search(names))
        outer = state[1]
        if outer is None:
            if tag in ("article", "main"):
                outer = "article"
            elif tag == "footer" or _SITE_FOOTER.search(names if names is not None else _class_id(a)):
                outer = "footer"
        state = (skip, outer)
        cache[a.mem_id] = state
    return state


def _skip_container(node: LexborNode, cache: AreaCache | None = None) -> bool:
    """Photo credits, navigation, asides, related-article lists, sidebars, and the site's footer (an article's own
    footer, where many blogs put the byline, is kept)."""
    if node.tag in _SKIP_TAGS:
        return True
    if _NOT_BYLINE_CLASS.search(node.attributes.get("class") or ""):
        return True
    skip, outer = _area(node.parent, {} if cache is None else cache)
    return skip or outer == "footer"


def _ancestors(node: LexborNode, limit: int = 80) -> Iterator[LexborNode]:
    """The node's ancestors below <body>, nearest first (at most ``limit``: a hostile page may nest forever)."""
    cur = node.parent
    for _ in range(limit):
        if cur is None or cur.tag in ("body", "html"):
            return
        yield cur
        cur = cur.parent


def _class_id(node: LexborNode) -> str:
    attrs = node.attributes
    return f'{attrs.get("class") or ""} {attrs.get("id") or ""}'


def _inside(node: LexborNode, containers: list[LexborNode]) -> bool:
    ids = {c.mem_id for c in containers}
    return bool(ids) and any(a.mem_id in ids for a in _ancestors(node))


def _container_names(node: LexborNode, identity: list[str], labelled_only: bool, long: bool) -> list[str]:
    """Names in one byline element: in its name-like children (class "name", itemprop="name", links to an author
    page, list items) when it has some, else in its lines. Of a long element (an author box with a biography) only
    the name-like children are read."""
    named = [n for n in node.css(_NAME_CSS if not long else _LONG_NAME_CSS) if clean_text(n.text(deep=True))]
    if named:
        names: list[str] = []
        for n in named:
            for name in _names_from_lines(_lines(n), identity, labelled_only):
                if name not in names:
                    names.append(name)
        return names
    return [] if long else _names_from_lines(_lines(node), identity, labelled_only)


def visible_byline(tree: LexborHTMLParser, identity: list[str]) -> tuple[list[str], bool]:
    """(people named in the page's byline elements, whether the page shows any byline text at all).

    The first byline element that names someone counts, with its siblings that are byline elements too (one
    element per reporter); persons outrank a wire credit."""
    body = tree.body
    if body is None:
        return [], False
    seen_text = False
    read: list[LexborNode] = []  # elements read whole: the byline elements inside them have been read too
    names: list[str] = []
    parent_id: int | None = None
    cache: AreaCache = {}
    for node in body.css(_BYLINE_CSS)[:_MAX_CONTAINERS]:
        if _skip_container(node, cache) or _inside(node, read):
            continue
        if parent_id is not None and (node.parent is None or node.parent.mem_id != parent_id):
            continue
        text = clean_text(node.text(deep=True))
        if not text:
            continue
        attrs = node.attributes
        credit_only = not _AUTHOR_WORDS.search(" ".join(attrs.get(k) or "" for k in ("class", "id", "itemprop", "rel")))
        seen_text = seen_text or not credit_only
        long = len(text) > _MAX_BYLINE_CHARS
        found = _container_names(node, identity, credit_only, long)
        if found or not long:
            read.append(node)
        if found:
            parent_id = node.parent.mem_id if node.parent is not None else None
            names += [n for n in found if n not in names]
    return _persons_first(names), seen_text


# -- structured metadata ----------------------------------------------------------------------------------------

def _jsonld_names(value: Any) -> list[str]:
    out: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            types = types_of(item)
            if not types or "Person" in types:
                out.append(item["name"])
    return out


def structured_authors(metas: dict[str, list[str]], jsonld: list[dict[str, Any]], identity: list[str]) -> list[str]:
    """Authors named by JSON-LD (every Person of the first author/creator that has one) or else by a <meta>."""
    for obj in article_objects(jsonld):
        for key in ("author", "creator"):
            names: list[str] = []
            for raw in _jsonld_names(obj.get(key)):
                names += [n for n in split_names(raw, identity) if n not in names]
            if names:
                return _persons_first(names)
    for key in _META_KEYS:
        for value in metas.get(key, []):
            names = split_names(value, identity)
            if names:
                return names
    return []


def _shown(tree: LexborHTMLParser, names: list[str]) -> list[str]:
    """Those of the names that the page shows as text (not only inside scripts)."""
    body = tree.body
    if body is None:
        return []
    text = fold_long(body.text(deep=True))
    present = [n for n in names if fold(n) in text]
    if not present:  # the text of scripts and styles is only read to discount a name found in the page
        return []
    hidden = fold_long(" ".join(n.text(deep=True) for n in body.css("script, style, noscript, template")))
    return [n for n in present if text.count(fold(n)) > hidden.count(fold(n))]


def find_author(tree: LexborHTMLParser, metas: dict[str, list[str]], jsonld: list[dict[str, Any]],
                identity: list[str], h1s: list[LexborNode] | None = None) -> str | None:
    """The article's author(s) joined with "; " (see the module docstring); dateline_author and paragraph_author
    look in the text when this finds nobody."""
    structured = structured_authors(metas, jsonld, identity)
    byline, byline_shown = visible_byline(tree, identity)
    if structured:
        folded = {fold(b) for b in byline}
        if byline and all(fold(s) in folded for s in structured):
            # the byline agrees, and may name more people than the metadata
            return SEPARATOR.join(byline)
        if not byline_shown:
            return SEPARATOR.join(structured)
        trusted = [s for s in structured if fold(s) in folded] or _shown(tree, structured)
        if trusted:
            return SEPARATOR.join(trusted)
    return SEPARATOR.join(byline) or SEPARATOR.join(text_byline(tree, identity, h1s)) or None


# -- in the text ---------------------------------------------------------------------------------------------

def dateline_author(first_paragraph: str) -> str | None:
    """The reporter named in a dateline that opens an article: 【ソウル＝小池和樹】 -> 小池和樹."""
    m = _DATELINE.match(first_paragraph.strip())
    return m.group(2).strip() if m else None


def _labelled_byline(lines: Iterable[str], identity: list[str]) -> list[str]:
    """Names in the first short line that is labelled as a byline (文●…, 取材・文／…, By …)."""
    for line in lines:
        if len(line) > 60 or not _LABEL.match(line) or _OTHER_ROLE.match(line):
            continue
        names = split_names(line, identity)
        # a Latin "By …" line must look like names, not a sentence ("By contrast, …")
        if names and all(not n.isascii() or all(w[:1].isupper() for w in n.split()) for n in names):
            return names
    return []


def _after(node: LexborNode, limit: int) -> list[str]:
    """Lines of text that follow a node (its next siblings, then its parent's), about ``limit`` characters."""
    out: list[str] = []
    size = 0
    cur: LexborNode | None = node
    for _ in range(3):
        if cur is None or cur.tag == "body":
            break
        sib = cur.next
        for _ in range(40):
            if sib is None or size >= limit:
                break
            if sib.tag not in ("-comment", "script", "style", "noscript", "template"):
                lines = [clean_text(sib.text_content or "")] if sib.tag == "-text" else _lines(sib, limit - size)
                out += [line for line in lines if line]
                size += sum(len(line) for line in lines)
            sib = sib.next
        cur = cur.parent
    return out


def text_byline(tree: LexborHTMLParser, identity: list[str], h1s: list[LexborNode] | None = None) -> list[str]:
    """A byline in the page's text rather than in a named element: a labelled line just below the headline
    (文●オカモト／ASCII編集部), or, on a Korean page, reporters' "이름 기자 e-mail" credits in the last 3 KB of the
    article."""
    for h1 in (h1s if h1s is not None else tree.css("h1"))[:3]:
        if len(clean_text(h1.text(deep=True))) >= 4:
            names = _labelled_byline(_after(h1, 1500), identity)
            if names:
                return names
    root = tree.root
    lang = (root.attributes.get("lang") or "") if root is not None else ""
    if not lang.lower().startswith("ko"):
        return []
    article = tree.css_first('[itemprop~="articleBody"], article') or tree.body
    if article is not None:
        end = article.text(deep=True, separator="\n")[-3000:]
        korean = [n for n in dict.fromkeys(_KOREAN_REPORTER.findall(end)) if _person(n, identity)]
        if korean:
            return korean
    return []


def paragraph_author(paragraphs: list[str] | tuple[str, ...], identity: list[str] | tuple[str, ...] = ()) -> str | None:
    """A byline written as a paragraph: a short labelled line (文●…, TEXT BY …) among the first two or last three
    paragraphs, or Korean reporters' "이름 기자 e-mail" credits at the end."""
    if not paragraphs:
        return None
    ids = list(identity)
    tail = list(paragraphs[-3:])
    korean = [n for n in dict.fromkeys(_KOREAN_REPORTER.findall(" ".join(p[-600:] for p in tail))) if _person(n, ids)]
    names = korean or _labelled_byline([clean_text(p) for p in list(paragraphs[:2]) + tail], ids)
    return SEPARATOR.join(names) or None
