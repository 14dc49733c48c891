"""Page -> Article: outlet rules, metadata (JSON-LD, OGP, meta), main text, dates, authors.

`extract_article(html, url=..., registry=...)` is the one entry point. It never raises on a bad page: an empty,
binary or broken document gives an Article with empty fields and a warning.
"""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborHTMLParser

from clipper.encoding import PageText
from clipper.extract.authors import dateline_author, find_author, paragraph_author
from clipper.extract.body import extract_paragraphs
from clipper.extract.dates import find_published
from clipper.extract.jsonld import article_objects, load_jsonld
from clipper.extract.metadata import (
    clean_text,
    find_canonical,
    find_lang,
    find_origin,
    find_site_names,
    find_summary,
    find_title,
    home_names,
    meta_map,
    short_credit,
    site_from_title,
)
from clipper.extract.page import PageNodes
from clipper.extract.prose import recipe_parts
from clipper.htmldepth import shallow_html
from clipper.models import MAX_BODY, Article
from clipper.outlets import Outlet, Registry, load_registry
from clipper.textclean import strip_unsafe, strip_unsafe_opt
from clipper.urls import host_of

__all__ = ["extract_article"]

MAX_TITLE = 500


def _within(paragraphs: list[str], limit: int) -> list[str]:
    """The first paragraphs whose body (joined by blank lines) fits ``limit`` characters."""
    out: list[str] = []
    total = 0
    for p in paragraphs:
        total += len(p) + 2
        if total - 2 > limit:
            if not out:  # one paragraph longer than all: its beginning
                out.append(p[:limit])
            break
        out.append(p)
    return out


def _jsonld_body(jsonld: list[dict[str, Any]]) -> str | None:
    for obj in article_objects(jsonld):
        body = obj.get("articleBody")
        if isinstance(body, str) and body.strip():
            return body
    return None


def _resolve_outlet(
    registry: Registry, outlet: Outlet | None, site_names: list[str], host: str, origin: str | None
) -> tuple[str | None, str | None]:
    """(short credit, site's full name)."""
    if outlet is None:
        # a page off the registry's domains is known by an outlet's own name, never by an alias: an English site
        # whose og:site_name is a Japanese edition's alias is not that edition
        for name in site_names:
            outlet = registry.by_own_name(name)
            if outlet is not None:
                break
    if outlet is not None and outlet.syndicator:
        if origin:
            return registry.credit(origin), outlet.site_name
        return outlet.name, outlet.site_name
    if outlet is not None:
        return outlet.name, outlet.site_name
    if site_names:
        return short_credit(site_names[0], host), site_names[0]
    return (host.removeprefix("www.") or None), (host.removeprefix("www.") or None)


def extract_article(html: str, *, url: str | None = None, registry: Registry | None = None) -> Article:
    """Extract title, outlet, date, author, canonical URL and body paragraphs from a decoded page."""
    registry = registry or load_registry()
    warnings: list[str] = []
    try:
        shallow = shallow_html(html or "")  # an absurdly deep page is flattened first (clipper.htmldepth)
        deep = shallow.warning
        # a page from decode_html that was clean UTF-8 carries its bytes: lexbor parses those, not a re-encoding
        # (only when the page was not flattened: then the flattened text is what gets parsed)
        utf8 = html.utf8 if isinstance(html, PageText) and shallow.html is html else None
        tree = LexborHTMLParser(utf8 if utf8 else shallow.html)
    except Exception as exc:  # selectolax raises on pathological input; a bad page is not an error
        return Article(warnings=(f"the page could not be parsed: {exc.__class__.__name__}",))
    if deep:
        warnings.append(deep)
    if tree.body is None and tree.head is None:
        return Article(warnings=(*warnings, "the page is empty"))
    nodes = PageNodes.of(tree)
    metas = meta_map(tree, nodes)
    jsonld = load_jsonld(tree, nodes)
    canonical = find_canonical(tree, metas, url, nodes)
    host = host_of(url) or host_of(canonical)
    outlet = registry.for_host(host) or registry.for_host(host_of(canonical))
    site_names = find_site_names(metas, jsonld)
    identity = list(site_names)
    if outlet is not None:
        identity += [outlet.name, outlet.site_name, *outlet.aliases]
    title = find_title(tree, metas, jsonld, identity, host if outlet is None else None, nodes)
    if not site_names and outlet is None:
        # a page that declares no site name is known by what its <title> says beside the headline
        named = site_from_title(nodes.title.text() if nodes.title is not None else None, title, host,
                                home_names(tree, nodes))
        if named:
            site_names = [named]
    if title and len(title) > MAX_TITLE:
        title = title[:MAX_TITLE].rstrip() + "…"
        warnings.append(f"the title was longer than {MAX_TITLE} characters and was shortened")
    origin = None
    if outlet is not None and outlet.syndicator:
        origin = find_origin(tree, jsonld, outlet.source, identity)
    credit, site_name = _resolve_outlet(registry, outlet, site_names, host, origin)
    published, published_source = find_published(tree, url=canonical or url, jsonld=jsonld, nodes=nodes)
    summary = find_summary(tree) if "ざっくり" in html else ()  # the only summary it reads; a scan costs
    lang = find_lang(tree, metas)
    author_identity = identity + ([origin] if origin else []) + [registry.credit(n) for n in identity]
    author = find_author(tree, metas, jsonld, author_identity, nodes.h1s)
    # Body last: the extractor may remove nodes from the tree.
    paragraphs = extract_paragraphs(
        tree,
        selectors=list(outlet.body) if outlet else None,
        drop_selectors=list(outlet.drop) if outlet else None,
        jsonld_body=_jsonld_body(jsonld),
        title=title,
        parts=recipe_parts(jsonld),
    )
    if author is None and paragraphs:
        author = dateline_author(paragraphs[0]) or paragraph_author(paragraphs, author_identity)
    if not paragraphs:
        warnings.append("no article text found")
    elif sum(len(p) + 2 for p in paragraphs) > MAX_BODY:
        paragraphs = _within(paragraphs, MAX_BODY)
        warnings.append(f"the article text was longer than {MAX_BODY:,} characters; the rest was left out")
    if published_source == "scan":
        warnings.append(f"the date {published} is a guess (the day the page mentions most; it shows none by its "
                        "headline): check it, or set it with `clipper edit ID --date`")
    return Article(  # controls and bidi marks go here, before anything stores or prints them
        title=clean_text(strip_unsafe(title)) if title and clean_text(strip_unsafe(title)) else None,
        outlet=strip_unsafe_opt(credit),
        site_name=strip_unsafe_opt(site_name),
        published=published,
        published_source=published_source,
        author=strip_unsafe_opt(author),
        canonical_url=canonical,
        paragraphs=tuple(p for p in (strip_unsafe(p) for p in paragraphs) if p.strip()),
        summary=tuple(strip_unsafe(s) for s in summary),
        lang=lang,
        warnings=tuple(warnings),
    )
