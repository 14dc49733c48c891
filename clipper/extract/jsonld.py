"""JSON-LD blocks of a page, flattened into a list of objects (@graph expanded, lists unrolled)."""

from __future__ import annotations

import json
import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from clipper.extract.page import PageNodes

ARTICLE_TYPES = {
    "NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "TechArticle", "Report", "WebPage", "LiveBlogPosting", "ScholarlyArticle",
}


_CDATA = re.compile(r"^\s*(?://\s*|/\*\s*)?<!\[CDATA\[|(?://\s*|/\*\s*)?\]\]>(?:\s*\*/)?\s*$")
_DECODER = json.JSONDecoder(strict=False)


def _flatten(obj: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 20:  # lists of lists of ... : nothing a page means
        return
    if isinstance(obj, list):
        for item in obj:
            _flatten(item, out, depth + 1)
    elif isinstance(obj, dict):
        out.append(obj)
        if "@graph" in obj:
            _flatten(obj["@graph"], out, depth + 1)


def _decode(raw: str) -> Any:
    """The block's JSON: as written, else with trailing commas dropped, else its first value (a block with a
    stray closing brace after it). Raises ValueError (or RecursionError on absurd nesting)."""
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    fixed = raw.replace("\n", " ").replace(",}", "}").replace(",]", "]")
    try:
        return json.loads(fixed, strict=False)
    except ValueError:
        return _DECODER.raw_decode(fixed)[0]


def load_jsonld(tree: LexborHTMLParser, nodes: PageNodes | None = None) -> list[dict[str, Any]]:
    """Every JSON-LD object in the page. Broken blocks are skipped (a trailing comma, a stray brace after the object
    or a ``<![CDATA[ ... ]]>`` wrapper will not stop us; nesting too deep to decode skips the block)."""
    out: list[dict[str, Any]] = []
    scripts = nodes.ld_scripts() if nodes is not None else tree.css('script[type="application/ld+json"]')
    for node in scripts:
        raw = node.text(deep=True, separator="") or ""
        raw = raw.strip()
        if raw.startswith(("<!", "//", "/*")) or raw.endswith(">"):
            raw = _CDATA.sub("", raw).strip()
        raw = raw.rstrip(";")
        if not raw:
            continue
        try:
            data = _decode(raw)
        except (ValueError, RecursionError):
            continue
        _flatten(data, out)
    return out


def types_of(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return {x for x in t if isinstance(x, str)}
    return set()


def article_objects(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects that describe an article, most specific types first."""
    arts = [o for o in objs if types_of(o) & ARTICLE_TYPES]
    return sorted(arts, key=lambda o: 1 if types_of(o) <= {"WebPage"} else 0)
