"""Deep nesting (issue 15, item 11): a page or post nesting its elements absurdly deep is flattened before Lexbor
parses it (clipper.htmldepth), so `add`, `extract` and `import` stay near-linear in the page's size, with a warning;
real pages are never touched."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

from clipper.cli import app
from clipper.htmldepth import MAX_DEPTH, SCAN_ABOVE, shallow_html
from tests.conftest import JA
from tests.webserver import LoopbackWeb

runner = CliRunner()
LEVELS = 60_000  # today's main: ~25 s to parse (the cost grows with the square of the depth); flattened: ~1 s


def tree_depth(html: str) -> int:
    """The depth of the tree Lexbor builds, walked without recursion."""
    tree = LexborHTMLParser(html)
    best, stack = 0, [(tree.root, 1)]
    while stack:
        node, depth = stack.pop()
        best = max(best, depth)
        child = node.child if node is not None else None
        while child is not None:
            if child.tag and not child.tag.startswith("-"):
                stack.append((child, depth + 1))
            child = child.next
    return best


def nested(levels: int, unit: str = "<div>", close: str = "</div>") -> str:
    return ("<html><head><title>Deep</title></head><body>" + unit * levels +
            "<p>本文の段落です。深い入れ子の奥にあります。</p>" + close * levels + "</body></html>")


HOSTILE = {  # ways of nesting that a count of tags, a naive stack or a regex over tags would miss
    "divs": "<div>",
    "spans": "<span>",
    "self-closed divs (not void: they nest)": "<div/>",
    "unclosed bold": "<b>",
    "end tag hidden in a quoted attribute": '<div title="</div>">',
    "end tag hidden in a comment": "<div><!--</div>-->",
    "nested lists": "<ul><li>",
    "list items ended outside their list": "<li><ul></li>",
    "span ended across a block": "<span><div></span>",
    "misnested forms": "<form><div></form>",
    "tables in cells": "<table><td>",
    "end tag inside an escaped script": "<div><script><!--<script></script>'</div>'--></script>",
    "bold ended across a block": "<b><div></b>",
}


@pytest.mark.parametrize("unit", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_nesting_is_flattened_to_the_cap(unit: str) -> None:
    page = "<html><body>" + unit * 10_000 + "x</body></html>"
    shallow = shallow_html(page)
    assert shallow.flattened > 0 and shallow.warning
    assert tree_depth(shallow.html) <= MAX_DEPTH + 8
    assert "x</body>" in shallow.html  # the text is kept


def test_real_pages_are_never_changed() -> None:
    pages = sorted(JA.rglob("*.htm*"))
    assert len(pages) > 20
    for path in pages:
        html = path.read_bytes().decode("utf-8", errors="replace")
        assert shallow_html(html).html is html  # few enough tags: not even scanned
        scanned = shallow_html(html, scan_all=True)  # and the scan, forced, flattens nothing
        assert scanned.flattened == 0 and scanned.html == html, path.name
        assert tree_depth(html) - 3 <= scanned.depth <= MAX_DEPTH // 4, path.name


def test_svg_sprites_and_unclosed_paragraphs_are_not_deep() -> None:
    page = ("<html><body><svg>" + '<path d="M0 0"/>' * 5000 + "</svg>" + "<p>段落" * 5000 +
            "<ul>" + "<li>項目" * 5000 + "</ul><table>" + "<tr><td>a<td>b" * 3000 + "</table></body></html>")
    shallow = shallow_html(page)
    assert shallow.flattened == 0 and shallow.depth < 10


def test_add_of_a_deeply_nested_page_is_quick_with_a_warning(web: LoopbackWeb) -> None:
    web.add_page("https://evil.example/deep", nested(LEVELS).encode())
    started = time.monotonic()
    result = runner.invoke(app, ["add", "https://evil.example/deep", "--json"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    clip = json.loads(result.stdout)
    assert clip["title"] == "Deep" and "深い入れ子" in clip["body"]
    warning = [line for line in result.stderr.splitlines() if "levels deep" in line]
    assert len(warning) == 1 and str(MAX_DEPTH) in warning[0]
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_import_of_a_deeply_nested_post_is_quick_with_a_warning(tmp_path: Path) -> None:
    post = tmp_path / "post.html"
    post.write_text("<html><body><div class='entry-body'>●深い記事の見出し<br>産経 2016.8.1<br>" + "<div>" * LEVELS
                    + "引用した本文の段落です。" + "</div>" * LEVELS + "</div></body></html>", encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(app, ["import", str(post)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "levels deep" in result.stderr
    assert elapsed < 10, f"{elapsed:.1f} s"
    shown = runner.invoke(app, ["list", "--json"])
    assert "深い記事の見出し" in shown.stdout


def test_a_page_under_the_scan_threshold_is_parsed_as_it_is() -> None:
    page = nested(SCAN_ABOVE // 2)
    shallow = shallow_html(page)
    assert shallow.html is page and shallow.flattened == 0
