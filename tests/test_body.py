"""Main-text extraction (clipper.extract.body): real Japanese pages, unit cases, bad pages, and a quality floor."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

import clipper.extract.body as body_module
from clipper.encoding import decode_html
from clipper.extract.body import extract_paragraphs
from clipper.extract.jsonld import article_objects, load_jsonld
from clipper.extract.quality import score

FIXTURES = Path(__file__).parent / "fixtures"
JA = FIXTURES / "ja"
BENCH = FIXTURES / "bench"
FLOOR = json.loads((FIXTURES / "quality_floor.json").read_text(encoding="utf-8"))
TRUTH = [json.loads(line) for line in (JA / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
WITH_SENTENCE = [row for row in TRUTH if row["first_sentence"]]


@pytest.fixture(autouse=True)
def _strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exceptions surface in these tests instead of being swallowed by the extractor's safety net."""
    monkeypatch.setattr(body_module, "_STRICT", True)


def squash(text: str) -> str:
    return "".join(text.split())


def extract(html: str, **kwargs: Any) -> list[str]:
    return extract_paragraphs(LexborHTMLParser(html), **kwargs)


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def ja_paragraphs(row: dict[str, Any], with_metadata: bool) -> list[str]:
    tree = LexborHTMLParser(decode_html((JA / row["file"]).read_bytes()).text)
    if not with_metadata:
        return extract_paragraphs(tree)
    jsonld_body = None
    for obj in article_objects(load_jsonld(tree)):
        if isinstance(obj.get("articleBody"), str):
            jsonld_body = obj["articleBody"]
            break
    return extract_paragraphs(tree, jsonld_body=jsonld_body, title=row["title"])


# --- real pages -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_metadata", [False, True], ids=["dom", "with-jsonld-and-title"])
@pytest.mark.parametrize("row", WITH_SENTENCE, ids=[row["file"] for row in WITH_SENTENCE])
def test_ja_body_contains_first_sentence(row: dict[str, Any], with_metadata: bool) -> None:
    paragraphs = ja_paragraphs(row, with_metadata)
    # exact text (whitespace aside): furigana, full-width digits and punctuation as the page has them
    assert squash(row["first_sentence"]) in squash("".join(paragraphs))


def test_ja_first_paragraph_is_the_first_sentence() -> None:
    """No caption, byline, date or subtitle before the article's first paragraph (on news pages)."""
    hits = 0
    for row in WITH_SENTENCE:
        paragraphs = ja_paragraphs(row, with_metadata=False)
        if paragraphs and squash(paragraphs[0]).startswith(squash(row["first_sentence"])[:20]):
            hits += 1
    assert hits >= FLOOR["ja_first_paragraph_hits"]
    assert len(WITH_SENTENCE) >= FLOOR["ja_first_sentence_hits"]


def test_expired_page_gives_no_caption_or_chrome() -> None:
    row = next(r for r in TRUTH if r["first_sentence"] is None)
    body = "".join(ja_paragraphs(row, with_metadata=False))
    assert "葛西臨海水族園" not in body  # the photo caption is not the article
    assert len(body) < 100


def test_indented_paragraphs_keep_their_full_width_space() -> None:
    row = next(r for r in TRUTH if r["file"].startswith("sankei/"))
    paragraphs = ja_paragraphs(row, with_metadata=False)
    assert paragraphs[0].startswith("\u3000" + row["first_sentence"][:10]) or paragraphs[0].startswith(
        row["first_sentence"][:10]
    )
    assert all(p == p.strip(" \n\t") for p in paragraphs)


def test_quality_floor_on_benchmark_subset() -> None:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    pairs = []
    for page_id in sorted(truth):
        html = gzip.decompress((BENCH / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        pairs.append((truth[page_id]["articleBody"], "\n".join(extract(html))))
    precision, recall, f1 = score(pairs)
    assert f1 >= FLOOR["bench_subset_f1"], f"F1 {f1:.4f} (P {precision:.4f} R {recall:.4f}) fell below the floor"


# --- the metric ------------------------------------------------------------------------------------------------


def test_metric() -> None:
    assert score([("one two three four five", "one two three four five")]) == (1.0, 1.0, 1.0)
    assert score([("a b", "a b")]) == (1.0, 1.0, 1.0)  # fewer than 4 tokens: one shingle
    p, r, f = score([("one two three four five", "one two three four")])
    assert p == 1.0 and r == 0.5 and abs(f - 2 / 3) < 1e-9
    assert score([("one two three four", "")]) == (0.0, 0.0, 0.0)  # empty prediction: recall 0, no precision
    p, r, _ = score([("a b c d", ""), ("a b c d", "a b c d")])
    assert p == 1.0 and r == 0.5


# --- furigana, paragraphs, whitespace --------------------------------------------------------------------------


def test_ruby_without_rp_drops_the_reading() -> None:
    html = page(
        "<p><ruby>子<rt>こ</rt></ruby>どもが<ruby>学校<rt>がっこう</rt></ruby>へ"
        "<a href=/x><ruby>行<rt>い</rt></ruby>く</a>。</p>"
    )
    assert extract(html) == ["子どもが学校へ行く。"]


def test_ruby_with_rp_keeps_the_authors_plain_text_fallback() -> None:
    html = page(
        "<p>韓国の<ruby><rb>尹錫悦</rb><rp>（</rp><rt>ユンソンニョル</rt><rp>）</rp></ruby>大統領は３日夜、談話を出した。</p>"
    )
    assert extract(html) == ["韓国の尹錫悦（ユンソンニョル）大統領は３日夜、談話を出した。"]


def test_double_br_splits_paragraphs_single_br_does_not() -> None:
    html = page(
        "<div class=honbun>　一つ目の段落です。長い文章が続きます、続きます。<br><br>"
        "　二つ目の段落、その一行目です。<br>同じ段落の二行目です。<br><br><br>"
        "three, and the <b>last</b><br>line.</div>"
    )
    assert extract(html) == [
        "\u3000一つ目の段落です。長い文章が続きます、続きます。",
        "\u3000二つ目の段落、その一行目です。同じ段落の二行目です。",
        "three, and the last line.",
    ]


def test_single_br_before_an_indented_line_starts_a_paragraph() -> None:
    html = page("<div class=kiji>　最初の段落です、本文が続きます。<br>　次の段落です、本文が続きます。</div>")
    assert extract(html) == ["\u3000最初の段落です、本文が続きます。", "\u3000次の段落です、本文が続きます。"]


def test_whitespace_is_collapsed_but_not_inserted_between_japanese() -> None:
    html = page(
        "<article><p>\n  　政府は\n  １３日、新しい方針を\n発表した。  </p>"
        "<p>English   text,\n\twith  breaks, and <i>inline</i>\nwords.</p><p>日本語 と English の 間。</p></article>"
    )
    assert extract(html) == [
        "\u3000政府は１３日、新しい方針を発表した。",
        "English text, with breaks, and inline words.",
        "日本語 と English の 間。",  # spaces the author typed stay
    ]


def test_headings_and_list_items_are_paragraphs() -> None:
    html = page(
        "<article><p>The opening paragraph, with enough words, to be found.</p><h2>A subheading</h2>"
        "<ul><li>first item, plain text</li><li>second item, also text</li></ul>"
        "<p>Closing paragraph, again with commas, and words.</p></article>"
    )
    assert extract(html) == [
        "The opening paragraph, with enough words, to be found.",
        "A subheading",
        "first item, plain text",
        "second item, also text",
        "Closing paragraph, again with commas, and words.",
    ]


def test_table_rows_are_lines() -> None:
    html = page(
        "<article><p>The results, as published, are below in full.</p><table><tr><th>Pos.</th><th>Driver</th></tr>"
        "<tr><td>1</td><td>Kyle Busch</td></tr></table></article>"
    )
    assert extract(html) == ["The results, as published, are below in full.", "Pos. Driver", "1 Kyle Busch"]


# --- junk ------------------------------------------------------------------------------------------------------

ARTICLE = (
    "<p>　東京都は１日、新しい計画を発表した。都内の公園を、順次改修する。</p>"
    "<p>　計画では、２０３０年までに、全ての公園で工事を終える予定だ。</p>"
)


def test_junk_around_and_inside_the_article_is_dropped() -> None:
    html = page(
        "<header><nav><a href=/>トップ</a> <a href=/news>ニュース</a></nav></header>"
        "<div class=layout><main><article class=article-body>"
        "<h1>公園を改修へ</h1><p class=byline>By 山田太郎</p><p>2025年1月1日 10時00分</p>"
        "<figure><img src=a.jpg><figcaption>改修される公園（東京都提供）</figcaption></figure>"
        "<div class=photo-caption>写真＝改修前の公園</div>"
        + ARTICLE
        + "<div class=share-buttons><a href=#>シェア</a><a href=#>ツイート</a></div>"
        "<p>続きを読む</p><p>関連記事</p>"
        "<ul class=related-articles><li><a href=/a>別の記事の見出しです</a></li>"
        "<li><a href=/b>もう一つの記事</a></li></ul>"
        "<p>無断転載・複製を禁じます</p><p>Copyright © 2025 Example News. All rights reserved.</p>"
        "<div class=paywall>この記事は有料会員限定です。ログインしてください。</div>"
        "<section id=comments><h3>コメント</h3><p>とても良い記事だと思います、素晴らしい、本当に。</p></section>"
        "<p style='display:none'>隠れた文章です、表示されません、絶対に。</p>"
        "</article></main><aside><p>人気記事ランキング、今日の一位は、この記事です。</p></aside></div>"
        "<footer><p>会社概要、お問い合わせ、プライバシーポリシー、サイトマップ。</p></footer>"
    )
    assert extract(html, title="公園を改修へ") == [
        "\u3000東京都は１日、新しい計画を発表した。都内の公園を、順次改修する。",
        "\u3000計画では、２０３０年までに、全ての公園で工事を終える予定だ。",
    ]


def test_english_boilerplate_lines_are_dropped() -> None:
    body = "".join(f"<p>Paragraph {n} of the story, with a few words, and commas, to score.</p>" for n in range(4))
    html = page(
        f"<div class=story>{body}<p>Read more: Another story about something else</p><p>ADVERTISEMENT</p>"
        "<p>Follow her on Twitter @someone.</p><p>Sign up for our newsletter</p>"
        "<p>Related: <a href=/x>A headline that links elsewhere entirely</a></p><p>© 2019 Example Media</p></div>"
    )
    assert extract(html) == [f"Paragraph {n} of the story, with a few words, and commas, to score." for n in range(4)]


def test_embedded_posts_are_kept_as_quoted_text() -> None:
    body = "".join(f"<p>Paragraph {n} of the story, with a few words, and commas, to score.</p>" for n in range(3))
    html = page(
        f"<div class=entry-content>{body}<div class=social-media-embed><blockquote class=twitter-tweet>"
        "<p>This is the tweet <a href=https://t.co/x>https://t.co/x</a></p>"
        "— Someone (@someone) <a href=https://twitter.com/x>November 18, 2019</a></blockquote></div></div>"
    )
    paragraphs = extract(html)
    assert "This is the tweet https://t.co/x" in paragraphs
    assert "— Someone (@someone) November 18, 2019" in paragraphs


def test_inline_names_inside_a_sentence() -> None:
    html = page(
        "<article><p>Paragraph one of the story, with commas, and words, and more words.</p>"
        "<p>As <a class=author-link href=/a>Jane Doe</a> wrote, the <span class=tag>budget</span> grew"
        "<span class=tooltip-card><a href=/p>Jane Doe: 20 stories</a></span>, officials said."
        "<span class=visually-hidden>Image caption for screen readers</span></p></article>"
    )
    assert extract(html) == [
        "Paragraph one of the story, with commas, and words, and more words.",
        "As Jane Doe wrote, the budget grew, officials said.",
    ]


def test_a_picture_with_a_short_line_is_a_caption() -> None:
    html = page(
        "<div class=news-text><p>　政府は１日、新しい方針を発表した。関係者が、明らかにした。</p>"
        "<div class=pic><img src=a.jpg><small>会見する大臣（１日、東京都内）</small></div>"
        "<p>　方針は、来年度から適用される見通しだ。</p>"
        "<ul><li><img src=i.png>Icons with a list item stay</li></ul></div>"
    )
    assert extract(html) == [
        "\u3000政府は１日、新しい方針を発表した。関係者が、明らかにした。",
        "\u3000方針は、来年度から適用される見通しだ。",
        "Icons with a list item stay",
    ]


def test_title_repeated_as_heading_is_dropped() -> None:
    html = page(
        f"<article><h2>公園を改修へ　東京都</h2>{ARTICLE}<h2>今後の予定</h2><p>工事は、春から始まる。</p></article>"
    )
    paragraphs = extract(html, title="公園を改修へ　東京都")
    assert paragraphs[0].startswith("\u3000東京都は１日")
    assert "今後の予定" in paragraphs  # a real subheading stays


def test_split_article_parts_are_joined_in_order() -> None:
    part = (
        "<div class=article-part><p>Part {n}, first paragraph, with words, and more words.</p>"
        "<p>Part {n}, second one, also long enough.</p></div>"
    )
    html = page(f"<main>{part.format(n=1)}<div class=ad-slot>Advertisement</div>{part.format(n=2)}</main>"
                "<div><div>" + part.format(n=3) + "</div></div>")
    paragraphs = extract(html)
    assert [p[:6] for p in paragraphs] == ["Part 1", "Part 1", "Part 2", "Part 2", "Part 3", "Part 3"]


# --- outlet rules and JSON-LD ----------------------------------------------------------------------------------


def test_outlet_selectors_first_then_generic() -> None:
    html = page(
        "<div class=teaser><p>A long teaser paragraph, with commas, words, and more words, to look like text."
        " A long teaser paragraph, with commas, words, and more words.</p></div>"
        "<div class=kicker>速報</div>"
        "<div class=the-body><p>本文は短いが、これが記事の本文です。</p><p class=junk>いらない行です。</p></div>"
    )
    wanted = "本文は短いが、これが記事の本文です。"
    assert extract(html, selectors=["div.missing", "div.the-body"], drop_selectors=["p.junk"]) == [wanted]
    # a selector that matches nothing falls back to the generic extractor
    assert extract(html, selectors=["div.missing"])[0].startswith("A long teaser")
    # a selector that matches but yields (almost) nothing gives way to the next one
    assert extract(html, selectors=["div.kicker", "div.the-body"], drop_selectors=["p.junk"]) == [wanted]
    # an invalid selector is ignored, not raised
    assert extract(html, selectors=["div[", "div.the-body"], drop_selectors=["p["])[0] == wanted


def test_jsonld_body_picks_the_container_and_is_the_fallback() -> None:
    teaser = "<div class=list>" + "".join(
        f"<p>Teaser {n}, with commas, words, more words, and more words, and more.</p>" for n in range(5)
    ) + "</div>"
    article = (
        "<div class=x><p>The real article, first paragraph, is here.</p><p>And its second paragraph, too.</p></div>"
    )
    jsonld = "The real article, first paragraph, is here.\n\nAnd its second paragraph, too."
    assert extract(page(teaser + article))[0].startswith("Teaser")  # without evidence the longer list wins
    assert extract(page(teaser + article), jsonld_body=jsonld)[0] == "The real article, first paragraph, is here."
    assert extract(page("<div></div>"), jsonld_body=jsonld) == [
        "The real article, first paragraph, is here.",
        "And its second paragraph, too.",
    ]
    assert extract("", jsonld_body=jsonld)[1] == "And its second paragraph, too."


# --- bad pages: [] or partial, never an exception --------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html></html>",
        "<html><head><title>only a head</title></head></html>",
        "plain text, not html at all",
        "<p>unclosed <b>tags <i>everywhere",
        "<html><body>" + "<table><tr><td>" * 300 + "cell" + "</body></html>",
        "<body><p>a\x00b, c\ufffd d</p></body>",
        "<!DOCTYPE html><html><body><script>var x = '<p>not text</p>';</script></body></html>",
    ],
    ids=["empty", "spaces", "no-body", "head-only", "text", "unclosed", "nested-tables", "nul", "script-only"],
)
def test_odd_input_never_raises(html: str) -> None:
    result = extract(html)
    assert isinstance(result, list) and all(isinstance(p, str) and p for p in result)
    assert not any("not text" in p for p in result)


def test_binary_junk() -> None:
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(50_000))
    assert isinstance(extract(junk.decode("latin-1")), list)
    assert isinstance(extract(decode_html(junk).text), list)


def test_fifty_thousand_nested_divs() -> None:
    # Built through the DOM: Lexbor's parser itself takes seconds on 50,000 nested block elements (quadratic in
    # depth), which is the caller's cost; what matters here is that the extractor has no recursion and stays fast.
    tree = LexborHTMLParser("<html><body><div id=root></div></body></html>")
    node = tree.css_first("#root")
    assert node is not None
    for _ in range(50_000):
        node.insert_child(tree.create_node("div"))
        node = node.last_child
        assert node is not None
    node.insert_child(tree.create_node("p"))
    assert node.last_child is not None
    node.last_child.insert_child("Deep text, with commas, that is long enough to count as a paragraph.")
    assert extract_paragraphs(tree) == ["Deep text, with commas, that is long enough to count as a paragraph."]


def test_deeply_nested_markup_from_the_parser() -> None:
    html = "<html><body>" + "<div>" * 3000 + "<p>core text, with commas, to be a paragraph of its own.</p>" + \
        "</div>" * 3000 + "</body></html>"
    assert extract(html) == ["core text, with commas, to be a paragraph of its own."]


def test_ten_megabyte_page() -> None:
    paragraph = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20 + "</p>"
    html = "<html><body><nav>menu</nav><article>" + paragraph * 9_000 + "</article></body></html>"
    assert len(html) > 10_000_000
    paragraphs = extract(html)
    assert len(paragraphs) == 9_000 and paragraphs[0].startswith("Lorem ipsum")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["<p>", "</p>", "<div class=share>", "<div>", "</div>", "<br>", "<ruby>", "<rt>", "<rp>",
                             "</ruby>", "<a href=x>", "</a>", "<h1>", "<li>", "<table><tr><td>", "<script>", "　",
                             "<article>", "<!--", "-->", "&amp;", "&#x3042;"]),
            st.text(max_size=40),
        ),
        max_size=60,
    )
)
def test_fuzzed_markup_never_raises(parts: list[str]) -> None:
    result = extract("".join(parts), title="t", jsonld_body="本文。")
    assert isinstance(result, list) and all(isinstance(p, str) for p in result)


LONG = "This is a sentence of the article, long enough to count as a real paragraph of running text. " * 3


def test_soft_hyphens_are_removed() -> None:
    paragraphs = extract(page(f"<article><p>Donau\u00addampf\u00adschiff fährt. {LONG}</p></article>"))
    assert paragraphs and paragraphs[0].startswith("Donaudampfschiff fährt.")


def test_text_the_parser_puts_inside_noscript_is_read() -> None:
    html = page(f"<div class=post-body><noscript><p>{LONG}</p><p>Second {LONG}</p></noscript></div>"
                "<noscript><img src=pixel.gif></noscript>")
    assert squash(" ".join(extract(html))) == squash(f"{LONG} Second {LONG}")


def test_junk_words_inside_compound_names() -> None:
    comments = "".join(f"<li><p>Comment {i}: {LONG}</p></li>" for i in range(6))
    html = page(f"<div id=content><div class=entry><p>The post. {LONG}</p><p>More. {LONG}</p></div>"
                f"<div id=commentsbox><ol class=commentlist>{comments}</ol></div>"
                f"<div class=postmetadata><p>Filed in News by admin, posted on a Tuesday, {LONG}</p></div></div>")
    text = " ".join(extract(html))
    assert "The post." in text and "More." in text
    assert "Comment 1" not in text and "Filed in" not in text


def test_generated_class_names_are_no_junk_words() -> None:
    # tagStyle_z4kqwb is a CSS-in-JS name, not a tag list
    html = page(f"<main><div><p class='tagStyle_z4kqwb-o_O-style_1tcx'>{LONG}</p>"
                f"<p class='tagStyle_z4kqwb-o_O-style_1tcx'>Two. {LONG}</p></div></main>")
    assert len(extract(html)) == 2


def test_lead_before_the_chosen_container_joins_it() -> None:
    paragraphs = "".join(f"<p>Paragraph {i}. {LONG}</p>" for i in range(5))
    html = page(f"<div class=article><div class=share><a href=/s>Share</a></div>"
                f"<div class=ce_articleIntro><p>The intro of the story, short.</p></div>"
                f"<div class=text>{paragraphs}</div></div><div class=related><p>{LONG}</p></div>")
    got = extract(html)
    assert got[0] == "The intro of the story, short." and got[1].startswith("Paragraph 0.")
    assert not any("Share" in p for p in got) and len(got) == 6
