"""Where clipper's missed (and wrongly kept) snippets sit in the DOM, relative to the container it chose.

    python bench/text_misses.py [CORPUS] [--half a|b|all] [--page SUBSTRING] [--found] [--summary]

CORPUS as for ``bench/peers_text.py`` (the unpacked ``trafilatura-eval/`` folder, or the corpus holding its
tarball). Study half ``a`` only (the default); half ``b`` is for confirming that a rule generalises.

Each page runs the installed path (``decode_html`` then ``extract_article``) while the body extractor's container
vote (``clipper.extract.body._pick``) is recorded, so the chosen containers of the pass whose text was returned are
known. Each "with" snippet missing from the output is then looked up:

- ``inside``: in a chosen container, so the walk skipped it (the skipping ancestor is named) or the filter dropped it;
- ``before``/``after`` (up N): outside the containers; N is how many levels above the first container the lowest
  common ancestor of the snippet and the container is; the snippet's element path below that ancestor is printed;
- ``removed``: gone from the cleaned tree (the removing tag is named: nav, aside, footer, form...);
- ``script``: not in the page's text at all, but in its raw HTML (a JSON state script, an attribute);
- ``absent``: nowhere (whitespace or entity differences, or text the set's annotators typed differently).

``--found`` also lists "without" snippets that were kept (precision), located the same way.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from peers_text import eval_dir, half_of, load_items, norm  # noqa: E402
from selectolax.lexbor import LexborHTMLParser, LexborNode  # noqa: E402

from clipper.encoding import decode_html  # noqa: E402
from clipper.extract import body as body_mod  # noqa: E402
from clipper.extract import extract_article  # noqa: E402
from clipper.outlets import load_registry  # noqa: E402


def describe(node: LexborNode | None) -> str:
    if node is None:
        return "-"
    attrs = node.attributes
    cls = (attrs.get("class") or "").strip()
    ident = (attrs.get("id") or "").strip()
    out = node.tag or "?"
    if ident:
        out += "#" + ident[:30]
    if cls:
        out += "." + ".".join(cls.split())[:50]
    return out


def ancestors(node: LexborNode) -> list[LexborNode]:
    out = []
    parent = node.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out


def deepest(root: LexborNode, snippet: str) -> LexborNode | None:
    """The deepest element under ``root`` whose collapsed text contains ``snippet``."""
    if snippet not in norm(root.text()):
        return None
    node = root
    while True:
        for child in node.iter():
            if snippet in norm(child.text()):
                node = child
                break
        else:
            return node


def is_inside(node: LexborNode, container: LexborNode) -> bool:
    cid = container.mem_id
    return node.mem_id == cid or any(a.mem_id == cid for a in ancestors(node))


def path_below(node: LexborNode, top: LexborNode) -> str:
    chain = [node]
    for a in ancestors(node):
        if a.mem_id == top.mem_id:
            break
        chain.append(a)
    return " > ".join(describe(n) for n in reversed(chain[-4:] if len(chain) > 4 else chain))


def doc_index(root: LexborNode) -> dict[int, int]:
    return {n.mem_id: i for i, n in enumerate(root.traverse(include_text=False))}


class Recorder:
    """Wraps body._generic and body._pick: per _generic call, the body it ran on, its last pick and its result."""

    def __init__(self) -> None:
        self.calls: list[tuple[LexborNode, list[LexborNode], list[str]]] = []
        self._picks: list[list[LexborNode]] = []
        self._orig_pick: Callable[..., Any] = body_mod._pick
        self._orig_generic: Callable[..., Any] = body_mod._generic

    def __enter__(self) -> Recorder:
        def pick(*args: Any, **kwargs: Any) -> list[LexborNode]:
            result = self._orig_pick(*args, **kwargs)
            self._picks.append(result)
            return result

        def generic(body: LexborNode, *args: Any, **kwargs: Any) -> list[str]:
            self._picks = []
            result = self._orig_generic(body, *args, **kwargs)
            self.calls.append((body, self._picks[-1] if self._picks else [], result))
            return result

        body_mod._pick = pick  # type: ignore[assignment]
        body_mod._generic = generic  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        body_mod._pick = self._orig_pick  # type: ignore[assignment]
        body_mod._generic = self._orig_generic  # type: ignore[assignment]


def why_not_lead(where: LexborNode, first: LexborNode, up: int) -> str:
    """The siblings _leads sees at the level where the snippet is, nearest first, up to the snippet's block."""
    level_node = [first, *ancestors(first)][up - 1]  # the container's ancestor whose earlier sibling holds it
    holder_ids = {a.mem_id for a in [where, *ancestors(where)]}
    seen = []
    sib = level_node.prev
    while sib is not None and len(seen) < 12:
        if sib.tag and sib.tag[0] != "-":
            n = len(sib.text().strip())
            ld = body_mod._link_density(sib, n) if n else 0.0
            mark = "*" if sib.mem_id in holder_ids else ""
            junk = " junk" if body_mod._is_junk(sib.attributes) else ""
            h1 = " h1" if sib.css_first("h1") is not None else ""
            seen.append(f"{mark}{describe(sib)[:40]}[n={n} ld={ld:.2f}{junk}{h1}]")
            if mark:
                break
        sib = sib.prev
    return f"level {up - 1}: " + " < ".join(seen)


def locate(snippet: str, chosen_body: LexborNode | None, containers: list[LexborNode], fresh: LexborNode | None,
           raw: str, order: dict[int, int]) -> tuple[str, str]:
    """(category, detail) of one snippet."""
    where = deepest(chosen_body, snippet) if chosen_body is not None else None
    if where is not None:
        for c in containers:
            if is_inside(where, c):
                skipper = next((a for a in [where, *ancestors(where)] if a.mem_id != c.mem_id and
                                a.tag not in body_mod._PLAIN and (a.tag == "header" or body_mod._is_junk(a.attributes))
                                ), None)
                if skipper is not None and is_inside(skipper, c) and skipper.mem_id != c.mem_id:
                    return "inside:skipped", describe(skipper) + " | " + path_below(where, c)
                return "inside:filtered", path_below(where, c)
        if not containers:
            return "nocontainer", describe(where)
        first = containers[0]
        chain = {a.mem_id: i for i, a in enumerate([first, *ancestors(first)])}
        up, top = 0, None
        for a in [where, *ancestors(where)]:
            if a.mem_id in chain:
                up, top = chain[a.mem_id], a
                break
        side = "before" if order.get(where.mem_id, 0) < order.get(first.mem_id, 0) else "after"
        label = f"{side} up{min(up, 6)}{'+' if up > 6 else ''}"
        detail = path_below(where, top) if top is not None else describe(where)
        if side == "before" and top is not None and up >= 1:
            detail += "\n          why: " + why_not_lead(where, first, up)
        return label, detail
    if fresh is not None:
        gone = deepest(fresh, snippet)
        if gone is not None:
            removers = [a for a in [gone, *ancestors(gone)] if a.tag in body_mod._REMOVE.replace(",", " ").split()]
            return "removed:" + (removers[-1].tag if removers else "other"), path_below(gone, fresh)
    if snippet in norm(raw) or snippet[:40] in raw:
        return "script", ""
    return "absent", ""


def analyse(corpus: str, half: str, page: str | None, found: bool) -> Counter[str]:
    registry = load_registry()
    with eval_dir(Path(corpus)) as here:
        items = load_items(here, half)
    totals: Counter[str] = Counter()
    for url, item, raw in items:
        if page and page not in item["file"]:
            continue
        text = decode_html(raw).text
        with Recorder() as rec:
            article = extract_article(text, url=url, registry=registry)
        output = norm("\n".join(article.paragraphs))
        missed = [norm(w) for w in item["with"] if norm(w) not in output]
        kept = [norm(w) for w in item["without"] if norm(w) in output] if found else []
        if not missed and not kept:
            continue
        chosen = next((c for c in reversed(rec.calls) if c[2] == list(article.paragraphs)), None)
        chosen_body, containers = (chosen[0], chosen[1]) if chosen else (None, [])
        fresh = LexborHTMLParser(text).body
        order = doc_index(chosen_body) if chosen_body is not None else {}
        print(f"\n== {item['file']} [{half_of(item['file'])}] {len(output)} chars; "
              f"containers: {', '.join(describe(c) for c in containers[:3]) or '-'}"
              f"{f' (+{len(containers) - 3})' if len(containers) > 3 else ''}")
        for snippet in missed:
            category, detail = locate(snippet, chosen_body, containers, fresh, text, order)
            totals[category.split()[0] if category.startswith(("before", "after")) else category] += 1
            totals["missed"] += 1
            print(f"   MISSED {category:<16} {snippet[:70]!r}\n          {detail}")
        for snippet in kept:
            category, detail = locate(snippet, chosen_body, containers, fresh, text, order)
            totals["kept:" + category.split()[0]] += 1
            print(f"   KEPT   {category:<16} {snippet[:70]!r}\n          {detail}")
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--half", choices=("a", "b", "all"), default="a")
    parser.add_argument("--page", help="only pages whose file name contains this")
    parser.add_argument("--found", action="store_true", help="also locate 'without' snippets that were kept")
    args = parser.parse_args(argv)
    totals = analyse(args.corpus, args.half, args.page, args.found)
    print("\nsummary:", ", ".join(f"{k} {v}" for k, v in sorted(totals.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
