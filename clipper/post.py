"""Clips -> a blog-post draft in the writer's format (pure functions: no database, no printing).

The format is that of tests/fixtures/posts/seed.txt: an intro with one `` {outlet} {date}★《point/point》`` line per
article (blank lines between them for the writer's comments), then per article ``●title``, an indented credit
line ``    {outlet} {date} {author}``, the quoted paragraphs with a blank line between them, and ``・・・(略)・・・``
right below the paragraph where text was left out. Decisions:

* The credit label is ``clip.outlet`` verbatim (``IT Pro,ニュース``, ``週プレNEWS/ライブドアニュース``), the credit
  as the writer quotes it; the intro and :func:`cite` drop the carrier of ``A/B`` (-> ``A``), as the writer does.
* An explicit quote is rendered as stored (略 for each None), plus a 略 at the end when the body is known and the
  quote's last paragraph is not the end of the article.
* The default quote takes opening paragraphs up to ``max_chars`` (not counting indentation), ending at a paragraph
  or sentence end (:func:`sentence_ends`: a 。 inside 「…」 on the same line does not end the sentence around it).
* Indent modes change only the opening indent of each paragraph, not of its later lines.
* :func:`select_paragraphs` puts a 略 wherever text is left out: before, between and after the chosen paragraphs.
* :func:`verify_quote` accepts a paragraph that is a contiguous part of one body paragraph, compared line by line
  ignoring leading indent and trailing spaces, in any order; consecutive 略 lines collapse into one.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from clipper.extract.dates import DATE_STYLES, format_date
from clipper.models import CUT_LINE, Clip

__all__ = [
    "FORMATS", "INDENTS", "NO_BODY", "NO_DATE", "NO_OUTLET", "apply_indent", "cite", "default_quote",
    "first_sentence", "intro_label", "is_cut_line", "render_post", "safe_href", "select_paragraphs",
    "sentence_ends", "split_quote_text", "verify_quote",
]

DateStyleFor = Callable[[str | None], str]
Quote = tuple[str | None, ...]

NO_DATE = "(日付不明)"
NO_OUTLET = "(媒体不明)"
NO_BODY = "(本文なし)"
CREDIT_INDENT = "    "
INDENTS = ("keep", "none", "space", "fullwidth")
FORMATS = ("text", "html", "markdown", "json")

_INDENT_RE = re.compile(r"^[ \t\u3000\xa0]+")
_CUT_RE = re.compile(r"^[\s・･.。…]*[(（]\s*略\s*[)）][\s・･.。…]*$")
_OPENERS = "「『（(【〈《“"
_CLOSERS = "」』）)】〉》”"
_TRAILERS = "」』）)】〉》”\"'’"


# --- quotes -------------------------------------------------------------------------------------------------------

def is_cut_line(line: str) -> bool:
    """True for a line that marks a cut: ``・・・(略)・・・`` and its usual variants (（略）, …(略)…)."""
    return bool(_CUT_RE.match(line))


def _strip_indent(text: str) -> str:
    return _INDENT_RE.sub("", text)


def _norm(paragraph: str) -> str:
    """A paragraph for comparison: leading indent and trailing spaces of each line removed."""
    return "\n".join(_strip_indent(line).rstrip() for line in paragraph.split("\n")).strip("\n")


def apply_indent(paragraph: str, mode: str) -> str:
    """Normalise the opening indent of a paragraph: keep, none, space (one ASCII space), fullwidth (one 　)."""
    if mode == "keep":
        return paragraph
    if mode not in INDENTS:
        raise ValueError(f"unknown indent mode {mode!r}: use one of {', '.join(INDENTS)}")
    return {"none": "", "space": " ", "fullwidth": "\u3000"}[mode] + _strip_indent(paragraph)


def sentence_ends(text: str) -> list[int]:
    """Offsets just past each sentence end: 。！？, or ``.!?`` before whitespace or the end (``!?`` also before
    Japanese), closing brackets/quotes right after included; not inside brackets opened on the same line."""
    ends: list[int] = []
    depth = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            depth = 0
        elif ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "。！？!?.":
            j = i + 1
            while j < n and text[j] in "。！？!?.…":
                j += 1
            while j < n and text[j] in _TRAILERS:
                j += 1
            nxt = text[j] if j < n else ""
            if ch in "。！？" or not nxt or nxt.isspace() or (ch in "!?" and ord(nxt) >= 0x2E80):
                ends.append(j)
                i = j
                continue
        i += 1
    return ends


def first_sentence(paragraph: str) -> str:
    """The first sentence of a paragraph (the whole paragraph when it has no sentence end), indent removed."""
    text = _strip_indent(paragraph).strip()
    ends = sentence_ends(text)
    return text[: ends[0]].strip() if ends else text


def default_quote(paragraphs: Sequence[str], max_chars: int = 400) -> Quote:
    """Opening paragraphs up to ``max_chars``, cut at a paragraph or sentence end; a trailing None if cut short."""
    out: list[str | None] = []
    used = 0
    complete = True
    max_chars = max(max_chars, 1)
    for para in paragraphs:
        size = len(para.strip())
        if used + size <= max_chars:
            out.append(para)
            used += size
            continue
        complete = False
        body_end = len(para.rstrip())
        ends = [e for e in sentence_ends(para) if e < body_end]
        fitting = [e for e in ends if used + len(para[:e].strip()) <= max_chars]
        if fitting:
            out.append(para[: fitting[-1]].rstrip())
        elif not out:  # even the first sentence is too long: cut it at its last comma that fits, or at the limit
            lead = para[: len(para) - len(para.lstrip())]
            head = para.strip()[:max_chars]
            comma = max(head.rfind("、"), head.rfind("，"), head.rfind(","))
            out.append(lead + (head[: comma + 1] if comma >= max_chars // 2 else head))
        break
    while not complete and len(out) > 1 and not sentence_ends(str(out[-1]).strip()):
        out.pop()  # a subheading (■背景) right before the cut introduces nothing
    if not complete:
        out.append(None)
    return tuple(out)


def select_paragraphs(body_paragraphs: Sequence[str], spec: str) -> Quote:
    """Paragraphs chosen by a spec like ``1-3,5`` (1-based; ``4-`` = 4 to the end; any order, overlaps merge),
    with a None (略) wherever paragraphs are left out: before, between and after them. Raises ValueError."""
    n = len(body_paragraphs)
    if n == 0:
        raise ValueError("the article has no paragraphs to choose from")
    text = unicodedata.normalize("NFKC", spec).replace("、", ",").replace("~", "-").replace("〜", "-")
    if not text.strip():
        raise ValueError("empty paragraph list: give numbers and ranges like 1-3,5")
    picked_set: set[int] = set()
    for item in (part.strip() for part in text.split(",")):
        m = re.fullmatch(r"([0-9]+)\s*(?:(-)\s*([0-9]+)?)?", item)
        if not m:
            raise ValueError(f"bad paragraph range {item!r} in {spec!r}: give numbers and ranges like 1-3,5")
        first = int(m[1])
        last = int(m[3]) if m[3] else (n if m[2] else first)
        if first < 1:
            raise ValueError(f"bad paragraph number in {spec!r}: paragraphs are numbered from 1")
        if last < first:
            raise ValueError(f"range {item!r} runs backwards")
        if last > n:
            raise ValueError(f"there is no paragraph {last}: the article has {n} paragraph{'s' if n != 1 else ''}")
        picked_set.update(range(first, last + 1))
    picked = sorted(picked_set)
    out: list[str | None] = [None] if picked[0] > 1 else []
    for k, idx in enumerate(picked):
        if k and idx != picked[k - 1] + 1:
            out.append(None)
        out.append(body_paragraphs[idx - 1])
    if picked[-1] < n:
        out.append(None)
    return tuple(out)


def split_quote_text(text: str) -> list[str | None]:
    """Quote text -> paragraphs (split at blank lines), None for each cut line; consecutive cuts collapse."""
    out: list[str | None] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            out.append("\n".join(block))
            block.clear()

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            flush()
        elif is_cut_line(line):
            flush()
            if not out or out[-1] is not None:
                out.append(None)
        else:
            block.append(line.rstrip())
    flush()
    return out


def verify_quote(body_paragraphs: Sequence[str], text: str) -> Quote:
    """``text`` as a quote (None = 略) if every paragraph is verbatim article text, else ValueError naming the
    first paragraph that is not."""
    parts = split_quote_text(text)
    if not any(p is not None for p in parts):
        raise ValueError("the quote has no text")
    bodies = [_norm(p) for p in body_paragraphs]
    for number, part in enumerate((p for p in parts if p is not None), 1):
        probe = _norm(part)
        if not any(probe in body for body in bodies):
            short = probe if len(probe) <= 40 else probe[:40] + "…"
            raise ValueError(f"quote paragraph {number} is not verbatim article text: {short!r}")
    return tuple(parts)


def _effective_quote(clip: Clip, max_chars: int) -> tuple[Quote, bool]:
    """(quote, is_default)."""
    body = clip.paragraphs
    if clip.quote is not None and any(p is not None for p in clip.quote):
        quote = tuple(clip.quote)
        last = quote[-1]
        if last is not None and body and not _norm(body[-1]).endswith(_norm(last)):
            quote += (None,)
        return quote, False
    return default_quote(body, max_chars), True


# --- credits, dates, links ----------------------------------------------------------------------------------------

def intro_label(outlet: str | None) -> str:
    """The outlet as credited in the intro and inline citations: the originating outlet of ``A/B``."""
    if not outlet:
        return NO_OUTLET
    origin = outlet.split("/", 1)[0].strip()
    return origin or outlet


def _date_text(clip: Clip, style: str) -> str | None:
    if not clip.published:
        return None
    try:
        return format_date(clip.published, style)
    except (ValueError, KeyError, TypeError):
        return None


def cite(clip: Clip, date_style_for: DateStyleFor | None = None, *, style: str | None = "md") -> str:
    """An inline citation like ``(共同 8.25)``: style ``md`` unless another (or None = the outlet's) is given.
    A clip without a date is cited by its outlet alone, ``(共同)``: no made-up date inside the citation."""
    chosen = style or (date_style_for(clip.outlet) if date_style_for else "md")
    date = _date_text(clip, chosen)
    return f"({intro_label(clip.outlet)} {date})" if date else f"({intro_label(clip.outlet)})"


def safe_href(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (never javascript:, data:, relative...)."""
    if not url:
        return None
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33))))
    if re.search(r"[\x00-\x20\x7f]|\s", cleaned):
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "\\" in parts.netloc:
        return None
    return cleaned


def _link(clip: Clip) -> str | None:
    if clip.status == "dead" and safe_href(clip.archive_url):
        return safe_href(clip.archive_url)
    return next((h for h in map(safe_href, (clip.canonical_url, clip.final_url, clip.url)) if h), None)


# --- the draft ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Section:
    clip_id: int
    title: str
    label: str  # credit label (outlet as written)
    date: str  # as displayed, or the placeholder
    published: str | None
    author: str | None
    href: str | None
    quote: Quote
    default: bool
    summary: tuple[str, ...]

    @property
    def credit(self) -> str:
        return f"{self.label} {self.date}" + (f" {self.author}" if self.author else "")

    @property
    def intro(self) -> str:
        return f" {intro_label(self.label)} {self.date}★《{'/'.join(self.summary)}》"


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _section(clip: Clip, indent: str, max_chars: int, style: str, warnings: list[str]) -> _Section:
    who = f"clip {clip.id}"
    label = _one_line(clip.outlet or "")
    if not label:
        warnings.append(f"{who}: no outlet; shown as {NO_OUTLET}")
    date = _date_text(clip, style)
    if date is None:
        what = "no date" if not clip.published else f"unreadable date {clip.published!r}"
        warnings.append(f"{who}: {what}; shown as {NO_DATE}")
    if clip.status == "dead" and not clip.archive_url:
        warnings.append(f"{who}: its link is dead and no archived copy is known; the draft links to the dead page")
    quote, is_default = _effective_quote(clip, max_chars)
    if not any(p is not None for p in quote):
        warnings.append(f"{who}: no body text to quote; shown as {NO_BODY}")
        quote = (NO_BODY,)
    quote = tuple(apply_indent(p, indent) if p is not None else None for p in quote)
    title = _one_line(clip.title or "") or clip.url or f"(clip {clip.id})"
    if clip.summary:
        summary = tuple(_one_line(p) for p in clip.summary)
    else:
        first = next((p for p in quote if p is not None and p != NO_BODY), None)
        points = [_one_line(clip.title or "")] + ([_one_line(first_sentence(first))] if first else [])
        summary = tuple(dict.fromkeys(p for p in points if p))
    author = _one_line(clip.author or "") or None
    return _Section(clip.id, title, label or NO_OUTLET, date or NO_DATE, clip.published, author, _link(clip),
                    quote, is_default, summary)


def _text(sections: Sequence[_Section]) -> str:
    lines: list[str] = []
    for sec in sections:
        lines += [sec.intro, ""]
    for sec in sections:
        lines += [f"●{sec.title}", CREDIT_INDENT + sec.credit]
        for k, item in enumerate(sec.quote):
            if item is None:
                lines.append(CUT_LINE)
            else:
                if k:
                    lines.append("")
                lines += item.split("\n")
        lines.append("")
    return "\n".join(lines)


def _html_line(line: str) -> str:
    """An escaped line whose leading spaces stay visible (as &nbsp;, the way blogs keep an indent)."""
    body = line.lstrip(" ")
    return "&nbsp;" * (len(line) - len(body)) + html.escape(body)


def _html(sections: Sequence[_Section]) -> str:
    esc = html.escape
    out = ['<div class="clipper-draft">']
    out += [f'<p class="intro">{esc(sec.intro)}</p>' for sec in sections]
    for sec in sections:
        title = esc(sec.title)
        if sec.href:
            title = f'<a href="{esc(sec.href)}">{title}</a>'
        out.append(f'<section class="clip" data-clip-id="{int(sec.clip_id)}">')
        out.append(f"<h3>●{title}</h3>")
        out.append(f'<p class="credit">{esc(sec.credit)}</p>')
        out.append(f'<blockquote cite="{esc(sec.href)}">' if sec.href else "<blockquote>")
        for item in sec.quote:
            if item is None:
                out.append(f'<p class="cut">{esc(CUT_LINE)}</p>')
            else:
                out.append("<p>" + "<br>\n".join(_html_line(line) for line in item.split("\n")) + "</p>")
        out += ["</blockquote>", "</section>"]
    out.append("</div>")
    return "\n".join(out) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=|-]|[0-9]+[.)])")


def _md(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_LINE_START.sub(r"\1\\\2", text)


def _markdown(sections: Sequence[_Section]) -> str:
    lines: list[str] = []
    for sec in sections:
        lines += [_md(sec.intro.strip()), ""]
    for sec in sections:
        title = _md(sec.title)
        if sec.href:
            url = sec.href.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
            title = f"[{title}](<{url}>)"
        lines += [f"●{title}", "", _md(sec.credit), ""]
        for k, item in enumerate(sec.quote):
            if item is None:
                if k:
                    lines.append(">")  # a line of its own in the quote, not run into the paragraph above
                lines.append("> " + _md(CUT_LINE))
            else:
                if k:
                    lines.append(">")
                lines += ["> " + _md(line.lstrip(" ")) for line in item.split("\n")]
        lines.append("")
    return "\n".join(lines)


def _json(sections: Sequence[_Section], warnings: list[str]) -> str:
    """The structured draft; ``paragraphs`` holds null for each cut (略)."""
    data = {"intro": [sec.intro for sec in sections], "warnings": warnings, "sections": [
        {"id": sec.clip_id, "title": sec.title, "outlet": sec.label, "date": sec.date, "published": sec.published,
         "author": sec.author, "url": sec.href, "credit": sec.credit, "paragraphs": list(sec.quote),
         "cut": None in sec.quote, "cut_at_end": bool(sec.quote) and sec.quote[-1] is None,
         "default_quote": sec.default, "summary": list(sec.summary)}
        for sec in sections]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_post(
    clips: Sequence[Clip],
    *,
    fmt: str = "text",
    indent: str = "keep",
    max_chars: int = 400,
    date_style_for: DateStyleFor,
    date_style: str | None = None,
) -> tuple[str, list[str]]:
    """The draft for ``clips`` (in the order given) in ``fmt`` (text, html, markdown, json), and warnings."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if indent not in INDENTS:
        raise ValueError(f"unknown indent mode {indent!r}: use one of {', '.join(INDENTS)}")
    if date_style is not None and date_style not in DATE_STYLES:
        raise ValueError(f"unknown date style {date_style!r}: use one of {', '.join(DATE_STYLES)}")
    warnings: list[str] = []
    sections = []
    for clip in clips:
        style = date_style or date_style_for(clip.outlet)
        if style not in DATE_STYLES:
            warnings.append(f"clip {clip.id}: unknown date style {style!r} for {clip.outlet!r}; using kanji")
            style = "kanji"
        sections.append(_section(clip, indent, max_chars, style, warnings))
    if fmt in ("html", "markdown"):
        warnings += [f"clip {sec.clip_id}: no http(s) link to the article; title not linked"
                     for sec in sections if sec.href is None]
    if fmt == "html":
        return _html(sections), warnings
    if fmt == "markdown":
        return _markdown(sections), warnings
    if fmt == "json":
        return _json(sections, warnings), warnings
    return _text(sections), warnings
