"""JSON-LD blocks of a page, flattened into a list of objects (@graph expanded, lists unrolled)."""

from __future__ import annotations

import json
from typing import Any

from selectolax.lexbor import LexborHTMLParser

ARTICLE_TYPES = {
    "NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "TechArticle", "Report", "WebPage", "LiveBlogPosting", "ScholarlyArticle",
}


def _flatten(obj: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(obj, list):
        for item in obj:
            _flatten(item, out)
    elif isinstance(obj, dict):
        out.append(obj)
        if "@graph" in obj:
            _flatten(obj["@graph"], out)


def load_jsonld(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """Every JSON-LD object in the page. Broken blocks are skipped (a trailing comma will not stop us)."""
    out: list[dict[str, Any]] = []
    for node in tree.css('script[type="application/ld+json"]'):
        raw = node.text(deep=True, separator="") or ""
        raw = raw.strip().rstrip(";")
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(raw.replace("\n", " ").replace(",}", "}").replace(",]", "]"), strict=False)
            except ValueError:
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
