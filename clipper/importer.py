"""Past posts (plain text or a blog page's HTML) -> clips: pure parsing, no database.

A post is the writer's intro (comments, one ``{outlet} {date}★《point/point》`` summary line per article), then one
section per quoted article::

    ●title                                       <- a ● in column 0 starts a section; the title is the rest
        IT Pro,ニュース 2016/08/25 井出 一仁=…     <- credit line (the first non-blank line below): label date [author]
    https://…                                    <- optional: a bare link line right below the credit
     quoted paragraph                            <- paragraphs exactly as written (blank lines separate them)
    ・・・(略)・・・                                  <- a cut, recorded as None

Decisions:

* **Credit label vs outlet.** ``outlet_raw`` keeps the label exactly as written (``IT Pro,ニュース``,
  ``週プレNEWS/ライブドアニュース``); ``outlet`` is the canonical outlet for search: ``normalize_outlet(label)``,
  and when that does not know the label, ``normalize_outlet`` of its originating part (``A`` of ``A/B``, without a
  ``,section`` label: ``IT Pro,ニュース`` -> ``IT Pro``). A clip made from a section (:func:`section_to_clip`)
  stores the verbatim label as ``Clip.outlet`` - the model's "credit as writers quote it" - so that exporting it
  gives back the credit line as written; the canonical outlet is one registry look-up away (the registry lists
  such labels as aliases) and is also kept in ``Clip.extra["outlet_canonical"]``.
* Summary lines (in the intro) are matched to sections by date and canonical outlet - or a label ending with the
  section's credit label, for a comment written before it on the same line; the first unmatched section wins.
  Points are split at ``/`` (with any spaces around it), but not inside a number such as ``8/25``.
* The quote of a section runs to the next ``●`` line. It stops early at blog chrome - footers like
  ``コメント ( 0 ) | Trackback ( )``, ranking banners (人気ブログランキング, にほんブログ村, ★…クリック) - which
  is never part of an article. Trailing whitespace of lines is not kept; everything else is.
* A ``●`` line must have a credit line with a full date (``2016.8.1``, ``2016/08/25``, ``2016年7月18日``,
  ``2016-08-25``), else :class:`ImportFormatError` with the line number. ``●`` indented or inside a line is text.
* HTML: the post is turned into lines the way a browser shows them (``<br>``/blocks end lines, ``<p>`` leaves a
  blank line, whitespace collapses, ``&nbsp;`` and 　 indents stay) inside the entry container, then parsed as
  text. A section's ``url`` is the first http(s) link on its title line, else on its credit line, else a line
  right below the credit that is only a link. Line numbers in errors are those of the HTML source, found by
  searching for the line's text (best effort).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from selectolax.lexbor import LexborNode

from clipper.errors import ImportFormatError
from clipper.htmldepth import parse_html
from clipper.models import Clip
from clipper.post import is_cut_line, safe_href
from clipper.urls import strip_credentials

__all__ = [
    "ImportedPost", "ImportedSection", "parse_credit", "parse_post", "parse_post_file", "parse_post_html",
    "section_to_clip", "split_points",
]

Normalize = Callable[[str], str]


@dataclass(frozen=True)
class ImportedSection:
    line: int  # line of the ● title
    title: str
    outlet: str  # canonical outlet (for search)
    outlet_raw: str  # the credit label as written
    published: str | None  # ISO date
    author: str | None
    quote: tuple[str | None, ...]  # paragraphs exactly as written, None for each 略 line
    url: str | None
    summary: tuple[str, ...]
    credit: str = ""  # the credit line as written, without its indentation
    date_style: str | None = None  # how the credit wrote the date: dot, dot0, slash, slash0, kanji, iso


@dataclass(frozen=True)
class ImportedPost:
    source: str
    title: str | None
    date: str | None  # ISO date of the post, when known
    sections: list[ImportedSection]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Credit:
    label: str
    published: str  # ISO date
    date_text: str
    date_style: str
    author: str | None


@dataclass
class _Line:
    no: int
    text: str
    hrefs: list[str] = field(default_factory=list)
    link_only: bool = False


# --- credit lines -------------------------------------------------------------------------------------------------

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_DATE_RE = re.compile(
    r"(?:(?P<ky>[0-9]{4})\s*年\s*(?P<km>[0-9]{1,2})\s*月\s*(?P<kd>[0-9]{1,2})\s*日"
    r"|(?P<y>[0-9]{4})(?P<sep>[./-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2}))"
    r"(?:\s*[(（][月火水木金土日][)）])?(?:\s*[0-9]{1,2}[:：][0-9]{2})?"
)


def _date_at(m: re.Match[str]) -> tuple[str, str] | None:
    """(iso, style) of a _DATE_RE match, None when it is not a real date."""
    if m["ky"]:
        y, mo, d, style = m["ky"], m["km"], m["kd"], "kanji"
    else:
        y, mo, d = m["y"], m["m"], m["d"]
        padded = any(len(x) == 2 and x.startswith("0") for x in (mo, d))
        style = {".": "dot", "/": "slash", "-": "iso"}[m["sep"]] + ("0" if padded and m["sep"] != "-" else "")
    try:
        return dt.date(int(y), int(mo), int(d)).isoformat(), style
    except ValueError:
        return None


def parse_credit(text: str) -> Credit | None:
    """``{label} {date}[ {author}]`` -> Credit, or None. The date is the first real date preceded by a space."""
    line = text.strip()
    probe = line.translate(_DIGITS)
    for m in _DATE_RE.finditer(probe):
        start, end = m.span()
        if start == 0 or not probe[start - 1].isspace() or (end < len(probe) and not probe[end].isspace()):
            continue
        found = _date_at(m)
        label = line[:start].strip()
        if found is None or not label:
            continue
        author = line[end:].strip() or None
        return Credit(label, found[0], line[start:end], found[1], author)
    return None


def _origin(label: str) -> str:
    """The originating outlet of a credit label: ``A`` of ``A/B``, without a ``,section`` suffix."""
    origin = label.split("/", 1)[0].strip() or label
    head = re.split(r"[,，]", origin, maxsplit=1)[0].strip()
    return head or origin


def _canonical(label: str, normalize: Normalize) -> str:
    out = normalize(label)
    if out != label:
        return out
    origin = _origin(label)
    return normalize(origin) if origin != label else label


def split_points(text: str) -> tuple[str, ...]:
    """Summary points of ``《a/b / c》``: split at ``/`` with any spaces around it, not inside numbers (8/25)."""
    parts = re.split(r"(?<![0-9])\s*[/／]\s*|\s*[/／]\s*(?![0-9])", text)
    return tuple(p.strip() for p in parts if p.strip())


# --- sections -----------------------------------------------------------------------------------------------------

_CHROME = re.compile(
    r"^\s*(?:コメント\s*[（(]\s*[0-9]*\s*[)）]|トラックバック\s*[（(]|Trackback\s*[（(]|Comments?\s*[（(]\s*[0-9]*\s*[)）]"
    r"|このエントリーをはてなブックマークに追加|Posted by\b|posted at\b|[«<‹]?\s*(?:前の|次の)記事\s*[»>›]?\s*$)"
    r"|ブログランキング|ブログ村|^\s*★.*クリック",
    re.I,
)
_URL_LINE = re.compile(r"^\s*<?(https?://\S+?)>?\s*$", re.I)


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _quote(lines: Sequence[_Line]) -> tuple[str | None, ...]:
    out: list[str | None] = []
    block: list[str] = []
    for ln in lines:
        text = ln.text.rstrip()
        if _CHROME.search(text):
            break
        if not text.strip() or is_cut_line(text):
            if block:
                out.append("\n".join(block))
                block = []
            if text.strip():
                out.append(None)
        else:
            block.append(text)
    if block:
        out.append("\n".join(block))
    return tuple(out)


def _section(block: Sequence[_Line], source: str, normalize: Normalize) -> ImportedSection:
    head = block[0]
    title = head.text.strip()[1:].strip()
    if not title:
        raise ImportFormatError(source, head.no, "a ● line without a title")
    i = 1
    while i < len(block) and not block[i].text.strip():
        i += 1
    if i >= len(block):
        raise ImportFormatError(source, head.no, f"section {_short(title)!r} has no credit line (outlet and date)")
    cred_line = block[i]
    credit = parse_credit(cred_line.text)
    if credit is None:
        raise ImportFormatError(source, cred_line.no, f"section {_short(title)!r}: expected a credit line like "
                                f"'産経 2016.8.1' below the title, found {_short(cred_line.text.strip())!r}")
    i += 1
    url = next((h for h in map(safe_href, [*head.hrefs, *cred_line.hrefs]) if h), None)
    j = i
    while j < len(block) and not block[j].text.strip():
        j += 1
    if j < len(block):
        below = block[j]
        m = _URL_LINE.match(below.text)
        link = safe_href(m[1]) if m else None
        if below.link_only:
            link = link or next((h for h in map(safe_href, below.hrefs) if h), None)
        if link and url in (None, link):
            url, i = link, j + 1
    return ImportedSection(
        line=head.no, title=title, outlet=_canonical(credit.label, normalize), outlet_raw=credit.label,
        published=credit.published, author=credit.author, quote=_quote(block[i:]),
        url=strip_credentials(url) if url else None, summary=(),  # a link's user:password@ is never kept
        credit=cred_line.text.strip(), date_style=credit.date_style,
    )


_SUMMARY = re.compile(r"^(?P<credit>[^★]*)★\s*《(?P<points>.*)》\s*$")


def _attach_summaries(intro: Sequence[_Line], sections: list[ImportedSection], source: str,
                      normalize: Normalize, warnings: list[str]) -> list[ImportedSection]:
    done: set[int] = set()
    for ln in intro:
        m = _SUMMARY.match(ln.text.strip())
        if not m:
            continue
        credit = parse_credit(m["credit"])
        if credit is None:
            warnings.append(f"{source}:{ln.no}: summary line without outlet and date, ignored")
            continue
        key = _canonical(credit.label, normalize)
        # the outlet, or (after a comment on the same line) a label that ends with the section's credit label
        k = next((k for k, sec in enumerate(sections) if k not in done and sec.published == credit.published
                  and (sec.outlet == key or credit.label.endswith((sec.outlet_raw, _origin(sec.outlet_raw))))), None)
        if k is not None:
            sections[k] = replace(sections[k], summary=split_points(m["points"]))
            done.add(k)
        else:
            warnings.append(f"{source}:{ln.no}: summary line for {credit.label} {credit.date_text} matches no section")
    return sections


def _parse_lines(lines: list[_Line], source: str, normalize: Normalize, title: str | None = None,
                 date: str | None = None) -> ImportedPost:
    starts = [k for k, ln in enumerate(lines) if ln.text.startswith("●")]
    if not starts:
        raise ImportFormatError(source, None, "no ● section: every quoted article starts with a line '●title'")
    sections = [_section(lines[s: (starts[k + 1] if k + 1 < len(starts) else len(lines))], source, normalize)
                for k, s in enumerate(starts)]
    warnings: list[str] = []
    sections = _attach_summaries(lines[: starts[0]], sections, source, normalize, warnings)
    for sec in sections:
        if not any(p is not None for p in sec.quote):
            warnings.append(f"{source}:{sec.line}: section {_short(sec.title)!r} quotes no text")
    return ImportedPost(source, title, date, sections, warnings)


def parse_post(text: str, *, source: str, normalize_outlet: Normalize = lambda s: s) -> ImportedPost:
    """Parse a post in the plain-text format. Raises ImportFormatError (only) on a post it cannot import."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_Line(k + 1, line) for k, line in enumerate(text.split("\n"))]
    return _parse_lines(lines, source, normalize_outlet)


# --- HTML ---------------------------------------------------------------------------------------------------------

_BLOCKS = frozenset(
    "address article aside blockquote center dd details div dl dt fieldset figcaption figure footer form h1 h2 h3 h4"
    " h5 h6 header hgroup hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul caption".split()
)
_PARAS = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre ul ol table hr".split())
_SKIP = frozenset(
    "head script style noscript template svg math iframe object embed canvas button select textarea".split()
)
_CONTAINERS = (".entry-body", ".entry-content", ".entry_body", ".entryBody", ".post-body", ".post-content",
               ".article-body", ".blog-body", "#entry", ".entry", "article", "main")
_TITLES = (".entry-title", ".entry_title", ".post-title", "article h1", "article h2", "h1", "title")


class _Lines:
    """Text lines of an HTML tree as a browser shows them, with the links on each line."""

    def __init__(self) -> None:
        self.out: list[tuple[str, list[str], bool]] = []
        self._reset()

    def _reset(self) -> None:
        self.buf: list[str] = []
        self.hrefs: list[str] = []
        self.chars = 0
        self.link_chars = 0

    def put(self, text: str, href: str | None, pre: bool) -> None:
        if pre:
            for k, piece in enumerate(text.split("\n")):
                if k:
                    self.end(force=True)
                self._put(piece, href)
            return
        text = re.sub(r"[ \t\n\r\f]+", " ", text)
        if text.startswith(" ") and (not self.buf or self.buf[-1].endswith(" ")):
            text = text[1:]
        self._put(text, href)

    def _put(self, text: str, href: str | None) -> None:
        if not text:
            return
        self.buf.append(text)
        n = len(text.strip())
        self.chars += n
        if href is not None:
            self.link_chars += n
            if href not in self.hrefs:
                self.hrefs.append(href)

    def end(self, force: bool = False) -> None:
        text = "".join(self.buf).replace("\xa0", " ").rstrip()
        if text or force:
            self.out.append((text, self.hrefs, bool(self.hrefs) and self.link_chars >= self.chars > 0))
        self._reset()

    def boundary(self, tag: str) -> None:
        """At the start and end of a block a line ends; a paragraph-like block also leaves a blank line."""
        if tag in _BLOCKS:
            self.end()
            if tag in _PARAS and self.out and self.out[-1][0]:
                self.out.append(("", [], False))


def _walk(root: LexborNode) -> list[tuple[str, list[str], bool]]:
    lines = _Lines()
    stack: list[tuple[LexborNode, bool, str | None, bool]] = [(root, False, None, False)]
    while stack:
        node, leaving, href, pre = stack.pop()
        tag = node.tag or ""
        if leaving:
            lines.boundary(tag)
            continue
        if tag == "-text":
            lines.put(node.text_content or "", href, pre)
            continue
        if tag.startswith("-") or tag in _SKIP:
            continue
        if tag == "br":
            lines.end(force=True)
            continue
        lines.boundary(tag)
        if tag == "a":
            href = (node.attributes.get("href") or "").strip() or href
        stack.append((node, True, href, pre))
        pre = pre or tag in ("pre", "textarea")
        stack.extend((child, False, href, pre) for child in reversed(list(node.iter(include_text=True))))
    lines.end()
    return lines.out


def _source_lines(html: str, texts: Sequence[str]) -> list[int]:
    """Best-effort HTML source line of each text line (searching forward for a piece of its text)."""
    nos: list[int] = []
    pos, no = 0, 1
    for text in texts:
        probes = [piece[:10] for piece in re.split(r"[&<>\"'\s●★]+", text) if len(piece) >= 2][:3]
        idx = next((i for i in (html.find(p, pos) for p in probes) if i >= 0), -1)
        if idx >= 0:
            no += html.count("\n", pos, idx)
            pos = idx
        nos.append(no)
    return nos


def parse_post_html(html: str, *, source: str, normalize_outlet: Normalize = lambda s: s) -> ImportedPost:
    """Parse a blog page (or fragment) holding a post. Raises ImportFormatError on a post it cannot import."""
    tree, deep = parse_html(html)  # an absurdly deep post is flattened first (clipper.htmldepth)
    root = next((n for n in (tree.css_first(sel) for sel in _CONTAINERS) if n is not None and "●" in n.text()),
                None) or tree.body or tree.root
    if root is None:
        raise ImportFormatError(source, None, "no ● section: the page is empty")
    found = _walk(root)
    nos = _source_lines(html, [text for text, _, _ in found])
    lines = [_Line(no, text, hrefs, link_only) for no, (text, hrefs, link_only) in zip(nos, found, strict=True)]
    title = next((t for t in (" ".join(n.text().split()) if n else "" for n in map(tree.css_first, _TITLES))
                  if t and "●" not in t), None)
    date = None
    stamp = tree.css_first("time[datetime]")
    meta = [stamp.attributes.get("datetime") or ""] if stamp else []
    meta += [n.text() for n in tree.css(".entry-date, .date, .entry-info, .posted, .entry-meta, time")]
    for text in meta:
        m = _DATE_RE.search(text.translate(_DIGITS))
        found_date = _date_at(m) if m else None
        if found_date:
            date = found_date[0]
            break
    post = _parse_lines(lines, source, normalize_outlet, title, date)
    if deep:
        post.warnings.insert(0, f"{source}: {deep}")
    return post


def looks_like_html(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:2000]
    return head.startswith("<") or bool(re.search(r"<(?:html|body|br|p|div|a)\b[^>]*>", head, re.I))


def parse_post_file(path: str | Path, *, normalize_outlet: Normalize = lambda s: s,
                    raw: bytes | None = None) -> ImportedPost:
    """Read a saved post (text or HTML, any common Japanese encoding) and parse it, picking the form by content.
    ``raw``: the file's bytes, when already read."""
    from clipper.encoding import decode_html

    p = Path(path)
    text = decode_html(p.read_bytes() if raw is None else raw).text
    del raw
    if looks_like_html(text):
        return parse_post_html(text, source=str(p), normalize_outlet=normalize_outlet)
    return parse_post(text, source=str(p), normalize_outlet=normalize_outlet)


# --- clips --------------------------------------------------------------------------------------------------------

def section_to_clip(section: ImportedSection, *, clip_id: int = 0, added_at: str = "") -> Clip:
    """A Clip holding what the section knows: the quote is also the body (it is all of the article we have)."""
    return Clip(
        id=clip_id, url=section.url or "", final_url=None, canonical_url=None, title=section.title,
        outlet=section.outlet_raw, site_name=None, published=section.published, published_source="import",
        author=section.author, body="\n\n".join(p for p in section.quote if p is not None), tags=(), note=None,
        added_at=added_at, encoding=None, quote=section.quote, summary=section.summary,
        extra={"outlet_canonical": section.outlet, "credit": section.credit, "import_line": section.line},
    )
