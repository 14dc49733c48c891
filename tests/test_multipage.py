"""Multi-page articles: following rel="next" / 次のページ / the pager within the same article, joining the bodies.

Honest note: the corpus holds no article split over pages (its ITmedia page is a one-page article; its Wired page's
rel="next" points to the next *article*, and its Asahi page's 次へ buttons are javascript: carousels). The three
pages here are derived from the real ITmedia page: its three paragraphs one to a page, the title given ITmedia's
`(n/3)` counter, and ITmedia's own pagination markup (`news159_2.html`, rel="next", 次のページへ) added.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from clipper.cli import app
from clipper.multipage import article_key, drop_counter, next_page_url
from tests.conftest import JA
from tests.webserver import LoopbackWeb

runner = CliRunner()
ITMEDIA = JA / "itmedia" / "20241028-sakura-internet_utf8-declared-sjis.html"
BASE = "https://www.itmedia.co.jp/news/articles/2410/28/"
URLS = [BASE + "news159.html", BASE + "news159_2.html", BASE + "news159_3.html"]
WIRED = JA / "wired-jp" / "20190425-helvetica-now_mercury.html"
ASAHI = JA / "asahi" / "20250113-miyazaki-earthquake.html"


def split_pages(next_links: list[str | None] | None = None) -> tuple[list[bytes], list[list[str]]]:
    text = ITMEDIA.read_bytes().decode("utf-8")
    paras = re.findall(r"<p>\u3000.*?</p>", text, flags=re.S)  # the article's three paragraphs
    assert len(paras) == 3
    pages, kept = [], []
    links = next_links or [URLS[1], URLS[2], None]
    for k in range(3):
        mine = paras[k:k + 1]
        page = text
        for p in paras:
            if p not in mine:
                page = page.replace(p, "", 1)
        nav = "".join(f'<a href="{u}">{i + 1}</a>' if i != k else f"<span>{i + 1}</span>" for i, u in enumerate(URLS))
        if links[k]:
            nav += f'<a href="{links[k]}">次のページへ</a>'
            page = page.replace("</head>", f'<link rel="next" href="{links[k]}"></head>', 1)
        page = page.replace(mine[-1], mine[-1] + f'<div class="ctrl">{nav}</div>', 1)
        page = re.sub(r"(上期決算)( - ITmedia NEWS)?([\"<])", rf"\1 ({k + 1}/3)\2\3", page)  # title, og:title, h1
        pages.append(page.encode("utf-8"))
        kept.append(mine)
    return pages, kept


def test_three_pages_clip_as_one_article(web: LoopbackWeb, tmp_path: Path) -> None:
    pages, kept = split_pages()
    for url, body in zip(URLS, pages, strict=True):
        web.add_page(url, body)
    one = runner.invoke(app, ["add", URLS[0], "--json"])
    assert one.exit_code == 0, one.output
    clip = json.loads(one.stdout)
    (tmp_path / "p1.html").write_bytes(pages[0])
    (tmp_path / "p2.html").write_bytes(pages[1])
    (tmp_path / "p3.html").write_bytes(pages[2])
    parts = [json.loads(runner.invoke(app, ["extract", "--json", str(tmp_path / f"p{i}.html"), "--url", u]).stdout)
             for i, u in enumerate(URLS, start=1)]
    split = [[p for p in part["body"].split("\n\n") if p] for part in parts]
    own = [[p for p in mine if not any(p in other for j, other in enumerate(split) if j != k)]
           for k, mine in enumerate(split)]
    body = clip["body"].split("\n\n")
    assert all(own) and len(body) == len(set(body))  # every page has text of its own; nothing twice
    positions = [body.index(p) for mine in own for p in mine]
    assert positions == sorted(positions)  # the pages' texts in order
    for mine in kept:  # all three paragraphs of the article, one from each page
        for para in mine:
            assert re.sub(r"<[^>]+>", "", para).strip()[:30] in clip["body"]
    assert "(1/3)" in parts[0]["title"] and clip["title"] == drop_counter(parts[0]["title"])
    assert "(" not in clip["title"][-5:]
    with sqlite3.connect(tmp_path / "clips.db") as conn:
        stored = conn.execute("SELECT f.url, f.part, p.data FROM fetches f JOIN pages p ON p.sha256 ="
                              " f.page_sha256 ORDER BY f.id").fetchall()
    assert [(u, part) for u, part, _ in stored] == [(URLS[0], 1), (URLS[1], 2), (URLS[2], 3)]
    import zlib
    assert [zlib.decompress(d) for _, _, d in stored] == pages  # each page's bytes kept
    html = runner.invoke(app, ["show", str(clip["id"]), "--html"])
    assert html.stdout_bytes == pages[0]
    assert "pages      3" in runner.invoke(app, ["show", str(clip["id"])]).stdout


def test_extract_of_a_saved_first_page_says_it_continues(tmp_path: Path) -> None:
    pages, _ = split_pages()
    saved = tmp_path / "first.html"
    saved.write_bytes(pages[0])
    result = runner.invoke(app, ["extract", str(saved), "--url", URLS[0]])
    assert result.exit_code == 0
    assert f"the article continues on another page: {URLS[1]}" in result.stderr


def test_a_loop_of_next_links_stops_cleanly(web: LoopbackWeb) -> None:
    pages, _ = split_pages([URLS[1], URLS[0], None])  # page 2's "next" is page 1
    for url, body in zip(URLS, pages, strict=True):
        web.add_page(url, body)
    result = runner.invoke(app, ["add", URLS[0], "--json"])
    assert result.exit_code == 0, result.output
    assert "links back to a page already read" in result.stderr
    assert sum(1 for r in web.requests if r.url == URLS[0]) == 1 and not any(r.url == URLS[2] for r in web.requests)


def test_links_to_other_articles_are_not_followed() -> None:
    wired = WIRED.read_bytes().decode("utf-8")
    assert 'rel="next" href="https://wired.jp/2019/04/25/elon-musks' in wired  # the site's next article
    assert next_page_url(wired, "https://wired.jp/2019/04/25/helvetica-now/") is None
    asahi = ASAHI.read_bytes().decode("utf-8")
    assert "次へ" in asahi  # carousel buttons, javascript:void(0)
    assert next_page_url(asahi, "https://www.asahi.com/articles/AST1F4445T1FUTIL02SM.html") is None
    assert article_key(URLS[0]) == article_key(URLS[2]) != article_key(BASE + "news160.html")
    assert article_key("https://toyokeizai.net/articles/-/123456?page=2") == \
        article_key("https://toyokeizai.net/articles/-/123456")
