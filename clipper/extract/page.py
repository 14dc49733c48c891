"""The elements of a page that several extraction steps read, found in one pass.

Each ``css()`` call walks the whole tree (about 0.1 ms on a news page, whatever the selector), so the steps share
these lists instead of walking the tree once each. They come from ``tree.tags()`` (a walk that compares tag names
only, several times cheaper than the selector engine) and one selection for ``[itemprop]`` and ``<time pubdate>``.
Each element is listed once (a selector list such as ``"meta, [itemprop]"`` gives an element that matches two of
its selectors twice).
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
        # tree.tags() walks the tree comparing tag names only: eight of them cost about half of one selector
        # list of the same eight tags, and each list comes sorted by tag already
        nodes.metas = tree.tags("meta")
        nodes.anchors = tree.tags("a")[:80]
        nodes.scripts = tree.tags("script")
        nodes.links = tree.tags("link")
        nodes.times = tree.tags("time")
        nodes.h1s = tree.tags("h1")
        nodes.h2s = tree.tags("h2")
        nodes.title = next((n for n in tree.tags("title") if not _in_svg(n)), None)
        # reading a node's attributes costs several times what its tag does: the elements with an itemprop (and
        # <time pubdate>) come from a second, smaller selection
        seen: set[int] = set()
        for node in tree.css("[itemprop], time[pubdate]"):
            # lexbor lists an element once for each selector of the list it matches: <time itemprop pubdate> twice
            if node.mem_id in seen:
                continue
            seen.add(node.mem_id)
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
