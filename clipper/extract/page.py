"""The elements of a page that several extraction steps read, found in one pass.

Each ``css()`` call walks the whole tree (about 0.1 ms on a news page, whatever the selector), so the steps share
one walk for ``<meta>``, ``<title>``, ``<link>``, ``<script>``, ``<h1>`` and ``<a>`` instead of walking it once each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

_LOGOS = 'h1 img[alt], [class*="logo"] img[alt], [id*="logo"] img[alt], img[class*="logo"][alt]'


@dataclass
class PageNodes:
    metas: list[LexborNode] = field(default_factory=list)
    title: LexborNode | None = None
    links: list[LexborNode] = field(default_factory=list)
    scripts: list[LexborNode] = field(default_factory=list)
    h1s: list[LexborNode] = field(default_factory=list)
    h2s: list[LexborNode] = field(default_factory=list)
    times: list[LexborNode] = field(default_factory=list)
    itemprops: list[LexborNode] = field(default_factory=list)  # elements other than <meta> with an itemprop
    marked_dates: list[LexborNode] = field(default_factory=list)  # <time pubdate>, itemprop=datePublished
    anchors: list[LexborNode] = field(default_factory=list)  # the first 80 <a> of the body
    _tree: LexborHTMLParser | None = None
    _logos: list[LexborNode] | None = None
    _meta_attrs: list[dict[str, str | None]] | None = None

    @classmethod
    def of(cls, tree: LexborHTMLParser) -> PageNodes:
        nodes = cls(_tree=tree)
        # by tag alone: reading a node's attributes costs several times what its tag does, so the elements with an
        # itemprop (and <time pubdate>) come from a second, smaller selection
        for node in tree.css("meta, title, link, script, h1, h2, a, time"):
            tag = node.tag
            if tag == "meta":
                nodes.metas.append(node)
            elif tag == "a":
                if len(nodes.anchors) < 80:
                    nodes.anchors.append(node)
            elif tag == "script":
                nodes.scripts.append(node)
            elif tag == "link":
                nodes.links.append(node)
            elif tag == "time":
                nodes.times.append(node)
            elif tag == "h2":
                nodes.h2s.append(node)
            elif tag == "h1":
                nodes.h1s.append(node)
            elif tag == "title" and nodes.title is None and not _in_svg(node):
                nodes.title = node
        for node in tree.css("[itemprop], time[pubdate]"):
            tag = node.tag
            if tag == "meta":
                continue
            attrs = node.attributes
            if "itemprop" in attrs:
                nodes.itemprops.append(node)
            if (tag == "time" and "pubdate" in attrs) or attrs.get("itemprop") == "datePublished":
                nodes.marked_dates.append(node)
        return nodes

    def meta_attributes(self) -> list[dict[str, str | None]]:
        """Each <meta>'s attributes (made once: every ``.attributes`` read builds a new dict)."""
        if self._meta_attrs is None:
            self._meta_attrs = [m.attributes for m in self.metas]
        return self._meta_attrs

    def links_with_rel(self, *rels: str) -> list[LexborNode]:
        wanted = set(rels)
        return [n for n in self.links if wanted & set((n.attributes.get("rel") or "").lower().split())]

    def ld_scripts(self) -> list[LexborNode]:
        return [n for n in self.scripts if "ld+json" in (n.attributes.get("type") or "").lower()]

    def logos(self) -> list[LexborNode]:
        """Logo images with alt text (at most five), found on first use."""
        if self._logos is None:
            body = self._tree.body if self._tree is not None else None
            self._logos = body.css(_LOGOS)[:5] if body is not None else []
        return self._logos


def _in_svg(node: LexborNode) -> bool:
    cur = node.parent
    while cur is not None:
        if cur.tag == "svg":
            return True
        if cur.tag in ("head", "body", "html"):
            return False
        cur = cur.parent
    return False
