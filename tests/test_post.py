"""Clips -> post drafts (clipper.post)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from clipper.models import CUT_LINE, Clip
from clipper.post import (
    NO_BODY,
    NO_DATE,
    NO_OUTLET,
    apply_indent,
    cite,
    default_quote,
    render_post,
    safe_href,
    select_paragraphs,
    sentence_ends,
    verify_quote,
)

STYLES = {"産経": "dot", "共同": "slash", "IT Pro,ニュース": "slash0", "週プレNEWS/ライブドアニュース": "kanji"}


def styles(outlet: str | None) -> str:
    return STYLES.get(outlet or "", "kanji")


def make(**kw: object) -> Clip:
    base = dict(id=7, url="https://www.kyodo.example/a/1", final_url=None, canonical_url=None, title="見出し",
                outlet="共同", site_name=None, published="2016-08-25", published_source="meta", author=None,
                body=" 一文目です。二文目です。\n\n 二段落目。", tags=(), note=None, added_at="", encoding=None)
    base.update(kw)
    return Clip(**base)  # type: ignore[arg-type]


PARAS = [" 第一段落の一文目。第一段落の二文目。", " 第二段落「引用。まだ引用」の文。次の文!", " 第三段落。"]


# --- default quote ------------------------------------------------------------------------------------------------

def test_default_quote_whole_body_when_it_fits() -> None:
    assert default_quote(PARAS, 400) == tuple(PARAS)
    assert default_quote(PARAS, sum(len(p.strip()) for p in PARAS)) == tuple(PARAS)  # exact fit: no 略


def test_default_quote_cuts_at_a_paragraph_or_sentence_end() -> None:
    first = len(PARAS[0].strip())
    assert default_quote(PARAS, first) == (PARAS[0], None)
    assert default_quote(PARAS, first + 5) == (PARAS[0], None)  # no whole sentence of paragraph 2 fits
    # the quotation 「引用。まだ引用」 is not a sentence end: the first sentence runs to 文。
    assert default_quote(PARAS, first + len("第二段落「引用。まだ引用」の文。")) == \
           (PARAS[0], " 第二段落「引用。まだ引用」の文。", None)
    assert default_quote(PARAS, 9) == (" 第一段落の一文目。", None)


def test_default_quote_long_first_sentence_is_cut_at_the_ceiling() -> None:
    long = "あ" * 500 + "。次。"
    assert default_quote([long], 400) == ("あ" * 400, None)  # --max-chars is a ceiling (issue 12)
    with_comma = "い" * 300 + "、" + "う" * 300 + "。"
    assert default_quote([with_comma], 400) == ("い" * 300 + "、", None)  # at the last comma that fits
    assert default_quote(["い" * 500], 400) == ("い" * 400, None)  # no sentence end at all: cut, and said
    assert default_quote(["い" * 500, "う"], 400) == ("い" * 400, None)
    assert default_quote([], 400) == ()


def test_sentence_ends_english() -> None:
    text = "It rose 4.3% in Aug. to 10. Really? Yes! \"Quoted.\" End"
    ends = sentence_ends(text)
    assert [text[:e].rsplit(" ", 1)[-1] for e in ends] == ["Aug.", "10.", "Really?", "Yes!", '"Quoted."']


_jp = st.lists(st.sampled_from(["あ", "い", "。", "！", "「", "」", "a", ".", " ", "?"]), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_jp.filter(str.strip), min_size=1, max_size=6), st.integers(0, 80))
def test_default_quote_properties(paras: list[str], max_chars: int) -> None:
    quote = default_quote(paras, max_chars)
    texts = [p for p in quote if p is not None]
    assert texts and None not in quote[:-1]
    for k, text in enumerate(texts):  # verbatim: whole paragraphs, the last possibly a prefix...
        assert paras[k] == text if k < len(texts) - 1 else paras[k].startswith(text)
    last = texts[-1]
    if last != paras[len(texts) - 1] and len(texts) > 1:  # ...that ends at a sentence end
        assert len(last) in sentence_ends(paras[len(texts) - 1])
    whole = len(texts) == len(paras) and last == paras[-1]
    assert (quote[-1] is None) == (not whole)  # 略 exactly when something was left out
    assert sum(len(t.strip()) for t in texts) <= max(max_chars, 1)  # a ceiling (issue 12), even for one sentence


# --- select / verify ----------------------------------------------------------------------------------------------

BODY = ["p1", "p2", "p3", "p4", "p5", "p6"]


@pytest.mark.parametrize(("spec", "want"), [
    ("1-3,5", ("p1", "p2", "p3", None, "p5", None)),
    ("1-6", tuple(BODY)),
    ("2", (None, "p2", None)),
    ("5,1-2", ("p1", "p2", None, "p5", None)),
    ("4-", (None, "p4", "p5", "p6")),
    (" １－２ , 2-3 ", ("p1", "p2", "p3", None)),
])
def test_select_paragraphs(spec: str, want: tuple[str | None, ...]) -> None:
    assert select_paragraphs(BODY, spec) == want


@pytest.mark.parametrize(("spec", "words"), [
    ("", "empty"), ("0", "numbered from 1"), ("3-1", "backwards"), ("a", "bad paragraph range"),
    ("1,,2", "bad paragraph range"), ("7", "no paragraph 7"), ("1-99", "6 paragraphs"), ("-2", "bad"),
])
def test_select_paragraphs_refuses(spec: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        select_paragraphs(BODY, spec)
    with pytest.raises(ValueError, match="no paragraphs"):
        select_paragraphs([], "1")


ARTICLE = [" 総務省は1日、発表した。解消後は1カ月で受け取れる。", " 8月末には96%に当たる。仙台市など6市が遅い。"]


def test_verify_quote_accepts() -> None:
    assert verify_quote(ARTICLE, ARTICLE[0]) == (ARTICLE[0],)
    text = "　総務省は1日、発表した。解消後は1カ月で受け取れる。\n・・・(略)・・・\n\n仙台市など6市が遅い。\n（略）\n"
    assert verify_quote(ARTICLE, text) == ("　総務省は1日、発表した。解消後は1カ月で受け取れる。", None,
                                           "仙台市など6市が遅い。", None)


@pytest.mark.parametrize(("text", "words"), [
    ("総務省は2日、発表した。", "paragraph 1 "),
    (f"{ARTICLE[0]}\n\n8月末には97%に当たる。", "paragraph 2 .*8月末には97%"),
    (f"{ARTICLE[0]}\n{ARTICLE[1]}", "paragraph 1"),  # two paragraphs run together
    ("\n・・・(略)・・・\n", "no text"),
])
def test_verify_quote_refuses(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        verify_quote(ARTICLE, text)


def test_indent_modes() -> None:
    assert apply_indent(" 　本文\n 次の行", "keep") == " 　本文\n 次の行"
    assert apply_indent(" 　本文\n 次の行", "none") == "本文\n 次の行"
    assert apply_indent("本文", "space") == " 本文"
    assert apply_indent("  本文", "fullwidth") == "　本文"
    clip = make(body="  一。\n\n　二。")
    for mode, lead in [("none", ""), ("space", " "), ("fullwidth", "　"), ("keep", "  ")]:
        draft, _ = render_post([clip], indent=mode, date_style_for=styles)
        assert f"\n{lead}一。\n\n{'　' if mode == 'keep' else lead}二。\n" in draft
    with pytest.raises(ValueError):
        render_post([clip], indent="tabs", date_style_for=styles)


# --- text drafts --------------------------------------------------------------------------------------------------

def test_text_draft() -> None:
    clip = make(author="記者 太郎", body=" 一文目です。二文目です。\n\n 二段落目。\n\n 三段落目。",
                quote=(" 一文目です。", None, " 二段落目。"))
    draft, warnings = render_post([clip], date_style_for=styles)
    assert warnings == []
    assert draft == (" 共同 2016/8/25★《見出し/一文目です。》\n\n"
                     "●見出し\n    共同 2016/8/25 記者 太郎\n 一文目です。\n" + CUT_LINE + "\n\n 二段落目。\n"
                     + CUT_LINE + "\n")  # the article goes on after 二段落目: 略 at the end too


def test_intro_uses_summary_and_originating_outlet() -> None:
    clip = make(outlet="週プレNEWS/ライブドアニュース", published="2016-07-18", summary=("a", "b"))
    draft, _ = render_post([clip], date_style_for=styles)
    assert draft.startswith(" 週プレNEWS 2016年7月18日★《a/b》\n")
    assert "\n    週プレNEWS/ライブドアニュース 2016年7月18日\n" in draft
    assert render_post([clip], date_style="iso", date_style_for=styles)[0].startswith(" 週プレNEWS 2016-07-18★")
    with pytest.raises(ValueError, match="date style"):
        render_post([clip], date_style="roman", date_style_for=styles)


def test_default_quote_in_draft() -> None:
    clip = make(body="。".join(["あ" * 50] * 20) + "。")
    draft, _ = render_post([clip], max_chars=120, date_style_for=styles)
    assert f"\n{'あ' * 50}。{'あ' * 50}。\n{CUT_LINE}\n" in draft


def test_placeholders_and_warnings() -> None:
    clip = make(id=12, outlet=None, published=None, body="", title=None)
    draft, warnings = render_post([clip], date_style_for=styles)
    assert f"    {NO_OUTLET} {NO_DATE}" in draft and f"\n{NO_BODY}\n" in draft
    assert len(warnings) == 3 and all(w.startswith("clip 12:") for w in warnings)
    _, warnings = render_post([make(id=3, published="not a date")], date_style_for=styles)
    assert warnings == ["clip 3: unreadable date 'not a date'; shown as (日付不明)"]


def test_cite() -> None:
    assert cite(make()) == "(共同 8.25)"
    assert cite(make(outlet="週プレNEWS/ライブドアニュース"), styles, style=None) == "(週プレNEWS 2016年8月25日)"
    assert cite(make(published=None)) == "(共同)"


# --- html, markdown, json -----------------------------------------------------------------------------------------

EVIL = 'A <b>&amp; "quoted" \'single\' </title><script>alert(1)</script>'


def test_html_draft_parses_and_escapes() -> None:
    clip = make(title=EVIL, author="<i>x</i>", body=" 1 < 2 & 3 > 2。\n\n 次。")
    page, _ = render_post([clip, make(id=8, title="二")], fmt="html", date_style_for=styles)
    tree = LexborHTMLParser(page)
    assert tree.css("script") == [] and tree.css("b") == [] and tree.css("i") == []
    links = tree.css("section h3 a")
    assert [a.text() for a in links] == [EVIL, "二"]
    assert links[0].attributes["href"] == "https://www.kyodo.example/a/1"
    paras = [p.text() for p in tree.css("section")[0].css("blockquote p")]
    assert paras == ["\xa01 < 2 & 3 > 2。", "\xa0次。"]  # the indent stays visible
    assert [p.text() for p in tree.css("p.credit")][0] == "共同 2016/8/25 <i>x</i>"


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\nscript:alert(1)",
                                 "data:text/html,<script>", "vbscript:x", "//evil.example/", "/relative",
                                 "https:no-host", "http://exa mple.com/"])
def test_bad_urls_never_become_hrefs(url: str) -> None:
    assert safe_href(url) is None
    clip = make(url=url, canonical_url=url)
    for fmt in ("html", "markdown"):
        draft, warnings = render_post([clip], fmt=fmt, date_style_for=styles)
        assert "script:" not in draft.lower() and "data:" not in draft
        assert "href" not in draft if fmt == "html" else "](" not in draft
        assert any("no http(s) link" in w for w in warnings)


def first_href(page: str) -> str | None:
    return [a.attributes.get("href") for a in LexborHTMLParser(page).css("h3 a")][0]


def test_dead_links_use_the_archive() -> None:
    archive = "https://web.archive.org/web/2016/https://www.kyodo.example/a/1"
    dead = make(status="dead", archive_url=archive)
    page, _ = render_post([dead], fmt="html", date_style_for=styles)
    assert first_href(page) == archive
    page, _ = render_post([replace(dead, archive_url="javascript:x")], fmt="html", date_style_for=styles)
    assert first_href(page) == dead.url
    page, _ = render_post([replace(dead, status="alive")], fmt="html", date_style_for=styles)
    assert first_href(page) == dead.url


def test_markdown_draft() -> None:
    clip = make(title="a [b] *c*", body=" # 見出し風\n\n 二。", quote=(" # 見出し風", None))
    draft, _ = render_post([clip], fmt="markdown", date_style_for=styles)
    assert "●[a \\[b\\] \\*c\\*](<https://www.kyodo.example/a/1>)" in draft
    assert "> \\# 見出し風\n>\n> " + CUT_LINE in draft  # a blank quote line before the 略 line


def test_json_draft() -> None:
    clip = make(quote=(" 一文目です。", None), author="記者")
    data = json.loads(render_post([clip], fmt="json", date_style_for=styles)[0])
    sec = data["sections"][0]
    assert sec["paragraphs"] == [" 一文目です。", None] and sec["cut"] and sec["cut_at_end"]
    assert (sec["title"], sec["outlet"], sec["date"], sec["author"], sec["url"]) == \
           ("見出し", "共同", "2016/8/25", "記者", "https://www.kyodo.example/a/1")
    assert sec["summary"] == ["見出し", "一文目です。"] and sec["default_quote"] is False
    with pytest.raises(ValueError, match="format"):
        render_post([clip], fmt="pdf", date_style_for=styles)
