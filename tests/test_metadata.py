"""Titles and authors: every labelled page exactly right, and each rule on small synthetic pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from clipper.encoding import decode_html
from clipper.extract import extract_article
from clipper.extract.authors import dateline_author, paragraph_author, split_names
from clipper.extract.metadata import page_chrome_names, strip_site_suffix
from tests.conftest import JA, load_truth

TRUTH = load_truth()
URL = "https://news.example.jp/articles/2024/0101/1.html"
BODY = "<p>本文の段落です。政府は１日、新しい方針を発表した。関係者によると、来年度から実施される見通しだという。</p>"


def page(head: str = "", body: str = "", *, title: str = "政府が新方針を発表　来年度から実施", lang: str = "ja") -> str:
    return (f'<html lang="{lang}"><head><title>{title}</title>{head}</head>'
            f"<body><article><h1>{title}</h1>{body}{BODY}</article></body></html>")


def jsonld(**obj: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **obj})}</script>'


def author_of(html: str, url: str = URL) -> str | None:
    return extract_article(html, url=url).author


# -- the labelled pages -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def extracted() -> dict[str, Any]:
    return {row["file"]: extract_article(decode_html((JA / row["file"]).read_bytes()).text, url=row["url"])
            for row in TRUTH}


@pytest.mark.parametrize("row", TRUTH, ids=[r["file"] for r in TRUTH])
def test_title_of_labelled_page(row: dict[str, Any], extracted: dict[str, Any]) -> None:
    assert extracted[row["file"]].title == row["title"]


@pytest.mark.parametrize("row", TRUTH, ids=[r["file"] for r in TRUTH])
def test_author_of_labelled_page(row: dict[str, Any], extracted: dict[str, Any]) -> None:
    assert extracted[row["file"]].author == row["author"]


# -- one byline string ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    # prefixes
    ("By Takeo Maeda and Tatsuya Tanoue / Yomiuri Shimbun Staff Writers", ["Takeo Maeda", "Tatsuya Tanoue"]),
    ("文●オカモト／ASCII編集部", ["オカモト"]),
    ("TEXT BY ARIELLE PARDES", ["ARIELLE PARDES"]),
    ("取材・文／山田太郎", ["山田太郎"]),
    ("この記事の筆者 松岡大地 フォロー", ["松岡大地"]),
    ("執筆者：鈴木花子", ["鈴木花子"]),
    ("Byron Smith", ["Byron Smith"]),  # "By" is a label only as a word of its own
    ("文 在寅", ["文 在寅"]),  # 文 is a label only with ● ・ ： ／ after it
    # suffixes: desks, affiliations, job titles, trailing labels, dates, e-mail addresses
    ("田中一郎（ニューヨーク支局）", ["田中一郎"]),
    ("社会部 山田太郎記者", ["山田太郎"]),
    ("배윤경 기자 bykj@mk.co.kr", ["배윤경"]),
    ("後藤大地 関連キーワード： 脆弱性", ["後藤大地"]),
    ("渡辺洋介2025年1月13日 21時37分", ["渡辺洋介"]),
    # kept whole: a name in two scripts, and the 名前=所属 credit format
    ("NeoL／ネオエル", ["NeoL／ネオエル"]),
    ("井出 一仁=日経BPガバメントテクノロジー", ["井出 一仁=日経BPガバメントテクノロジー"]),
    # several people
    ("山田太郎、鈴木花子", ["山田太郎", "鈴木花子"]),
    ("By 배윤경,이상현,한수진,김혜진", ["배윤경", "이상현", "한수진", "김혜진"]),
    ("By Sam Stein, Senior Politics Editor", ["Sam Stein"]),
    # wire credits: an author when alone, not beside a person
    ("JIJI", ["JIJI"]),
    ("共同", ["共同"]),
    ("By JOHN SMITH, Associated Press", ["JOHN SMITH"]),
])
def test_split_names(text: str, names: list[str]) -> None:
    assert split_names(text) == names


@pytest.mark.parametrize("text", [
    # organisations
    "株式会社インプレス", "朝日新聞社提供", "執筆者： 朝日新聞社提供", "日本放送協会", "時事通信社", "Nikkei Inc.",
    "ZDNet Japan Staff", "(株)テスト", "Getty Images",
    # placeholders, addresses and ids
    "No Author", "admin", "編集部", "unknown", "https://www.facebook.com/asahicom/", "foo@example.com", "105092",
])
def test_not_a_person(text: str) -> None:
    assert split_names(text) == []


def test_site_names_are_not_authors() -> None:
    assert split_names("[ITmedia]", ["ITmedia NEWS"]) == []
    assert split_names("日刊現代", ["日刊ゲンダイDIGITAL", "日刊現代"]) == []
    assert split_names("WIRED(US)", ["WIRED"]) == []


# -- metadata against the visible byline -------------------------------------------------------------------------

def test_meta_author_placeholder_url_and_organisation_are_refused() -> None:
    assert author_of(page('<meta name="author" content="No Author">')) is None
    assert author_of(page('<meta property="article:author" content="https://www.facebook.com/news">')) is None
    assert author_of(page('<meta name="author" content="株式会社テスト出版">')) is None
    assert author_of(page('<meta name="author" content="105092">')) is None


def test_jsonld_author_without_a_byline_is_trusted() -> None:
    assert author_of(page(jsonld(author={"@type": "Person", "name": "山田太郎"}))) == "山田太郎"


def test_jsonld_organisation_author_gives_way_to_creator() -> None:
    head = jsonld(author={"@type": "Organization", "name": "テスト新聞"}, creator="渡辺洋介")
    assert author_of(page(head)) == "渡辺洋介"


def test_cms_user_not_shown_on_the_page_loses_to_the_byline() -> None:
    head = jsonld(author={"@type": "Person", "name": "新間"})
    assert author_of(page(head, '<p class="byline">By Takeo Maeda and Tatsuya Tanoue / Staff Writers</p>')) \
        == "Takeo Maeda; Tatsuya Tanoue"


def test_cms_user_only_in_a_script_and_an_organisation_byline_gives_nobody() -> None:
    head = jsonld(creator="中野渉")
    body = ('<script>s.prop22 = "中野渉";</script>'
            '<div class="byline"><span class="name">執筆者： テスト新聞社提供</span></div>')
    assert author_of(page(head, body)) is None


def test_shown_metadata_author_is_kept_beside_another_byline_element() -> None:
    head = '<meta name="author" content="山田太郎">'
    body = '<p>記者　山田太郎</p><div class="byline">写真：テスト通信</div>'
    assert author_of(page(head, body)) == "山田太郎"


def test_byline_naming_more_people_than_the_metadata_wins() -> None:
    head = jsonld(author={"@type": "Person", "name": "山田太郎"})
    body = '<div class="authors"><a href="/author/1">山田太郎</a><a href="/author/2">鈴木花子</a></div>'
    assert author_of(page(head, body)) == "山田太郎; 鈴木花子"


def test_every_jsonld_person_is_an_author() -> None:
    head = jsonld(author=[{"@type": "Person", "name": n} for n in ("배윤경", "이상현")])
    assert author_of(page(head, lang="ko")) == "배윤경; 이상현"


# -- byline elements --------------------------------------------------------------------------------------------

def test_byline_prefix_and_desk_are_cut() -> None:
    assert author_of(page(body='<p class="author" itemprop="author">文●オカモト／週刊テスト編集部</p>')) == "オカモト"


def test_name_element_inside_a_byline_wins_over_its_other_text() -> None:
    body = ('<div class="byline"><a href="/author/sam-stein"><span class="author-card__name">Sam Stein</span></a>'
            '<span class="author-card__microbio">Senior Politics Editor, The Example Post</span></div>')
    assert author_of(page(body=body)) == "Sam Stein"
    body = ('<div class="article-author"><a class="article-author__name" href="/author/180/">後藤大地</a>'
            '<dl><dt>関連キーワード：</dt><dd><a href="/tag/1">脆弱性</a></dd></dl></div>')
    assert author_of(page(body=body)) == "後藤大地"


def test_several_byline_elements_and_list_items() -> None:
    body = "".join(f'<dl class="author"><a href="/author/{i}"><dt class="name">{n} 기자</dt>'
                   f"<dd class=\"email\">{i}@example.co.kr</dd></a></dl>"
                   for i, n in enumerate(["배윤경", "이상현", "한수진"]))
    assert author_of(page(body=f"<div>{body}</div>", lang="ko")) == "배윤경; 이상현; 한수진"
    body = '<p class="author"></p><ul class="author list"><li>山谷 剛史</li><li>太田 亮三</li></ul>'
    assert author_of(page(body=body)) == "山谷 剛史; 太田 亮三"


def test_credit_lines_keep_the_writer_only() -> None:
    body = ('<p class="post-credit" itemprop="author">TEXT BY ARIELLE PARDES<br>TRANSLATION BY CHIHIRO OKA<br><br>'
            '<a href="https://example.com/story">WIRED(US)</a></p>')
    assert author_of(page(body=body)) == "ARIELLE PARDES"
    body = '<p class="credit">TEXT BY JANE ROE / PHOTOGRAPHS BY JOHN DOE</p>'
    assert author_of(page(body=body)) == "JANE ROE"


def test_wire_credit_alone_is_the_author() -> None:
    head = '<meta name="author" content="No Author">'
    assert author_of(page(head, '<header><p class="credit">JIJI</p></header>')) == "JIJI"
    assert author_of(page(body='<p class="byline">By Jane Roe, Reuters</p>')) == "Jane Roe"


def test_photo_credits_are_not_authors() -> None:
    assert author_of(page(body='<p class="credit">Getty Images</p>')) is None
    assert author_of(page(body='<p class="credit">山田太郎</p>')) is None
    assert author_of(page(body='<figure><img src="a.jpg"><figcaption><span class="credit">Reuters</span>'
                               "</figcaption></figure>")) is None
    assert author_of(page(body='<div class="image__credit">ASSOCIATED PRESS</div>')) is None


def test_bylines_in_related_lists_and_sidebars_are_ignored() -> None:
    assert author_of(page(body='<div class="related"><div class="author">他人 太郎</div></div>')) is None
    assert author_of(page(body='<aside><span class="author">他人 太郎</span></aside>')) is None


def test_byline_in_the_articles_footer_counts_but_not_in_the_sites_footer() -> None:
    byline = ('<footer class="entry-footer"><span class="byline"><span class="author vcard">'
              '<a class="url fn n" href="/author/yamada/">山田太郎</a></span></span></footer>')
    assert author_of(page(body=byline)) == "山田太郎"
    html = page() + '<footer class="site-footer"><p class="author">運営 山田太郎</p></footer>'
    assert author_of(html) is None


def test_social_links_in_an_author_box_are_not_names() -> None:
    assert author_of(page(body='<ul class="author-links"><li>Twitter</li><li>Facebook</li></ul>')) is None


# -- bylines in the text ----------------------------------------------------------------------------------------

def test_labelled_line_under_the_headline() -> None:
    title = "手のひらサイズの超小型スマホを試す"
    html = (f"<html><head><title>{title}</title></head><body><div><h1>{title}</h1><p>文●オカモト／ASCII編集部</p>"
            f"</div>{BODY}</body></html>")
    assert author_of(html) == "オカモト"
    html = (f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>By contrast, nothing.</p>"
            f"{BODY}</body></html>")
    assert author_of(html) is None


def test_korean_reporters_at_the_end_of_the_article() -> None:
    body = "<p>기사 본문입니다. 이것은 시험 기사입니다. 충분히 긴 문단입니다.</p><p>홍길동 기자 hong@example.co.kr</p>"
    assert author_of(page(body=body, lang="ko")) == "홍길동"


def test_dateline() -> None:
    assert dateline_author("【ソウル＝小池和樹】韓国の尹錫悦大統領は３日…") == "小池和樹"
    assert dateline_author("【ワシントン=山田太郎】米政府は") == "山田太郎"
    assert dateline_author("政府は３日、【速報】を出した") is None
    body = ("<p>【ソウル＝小池和樹】韓国の尹錫悦大統領は３日夜、「非常戒厳」を宣言した。"
            "国会は直ちに解除を求める決議を可決した。</p>")
    assert author_of(page(body=body)) == "小池和樹"


def test_paragraph_author() -> None:
    assert paragraph_author(["本文です。", "（文・写真：撮影者）", "文●山田太郎"]) == "山田太郎"
    assert paragraph_author(["본문입니다.", "김혜진 기자 heyjiny@example.co.kr"]) == "김혜진"
    assert paragraph_author(["By contrast, the ministry said nothing."]) is None
    assert paragraph_author([]) is None


# -- titles -----------------------------------------------------------------------------------------------------

def test_title_drops_the_site_name_from_the_header_logo_when_no_site_name_is_declared() -> None:
    html = ('<html><head><title>文字コード宣言は行いましょう(HTML) - Web標準普及プロジェクト</title></head><body>'
            '<div class="header"><h1 class="logo"><a href="/standards/">'
            f'<img src="logo.png" alt="Web標準普及プロジェクト"></a></h1></div>{BODY}</body></html>')
    assert extract_article(html).title == "文字コード宣言は行いましょう(HTML)"


def test_title_drops_site_and_section_named_by_the_home_link_and_breadcrumb() -> None:
    html = ("<html><head><title>文字のエンコードを指定する：HTMLタグ辞典 - HTMLタグボード</title></head><body>"
            '<p><a href="http://www.example.net/">HTMLタグボードトップ</a> &gt;&gt; '
            f'<a href="../index.html">HTMLタグ辞典</a> &gt;&gt; 文字のエンコードを指定する</p>{BODY}</body></html>')
    assert extract_article(html).title == "文字のエンコードを指定する"


def test_title_keeps_a_trailing_segment_the_page_does_not_name() -> None:
    html = (f'<html><head><title>新製品を発表 - 来春に発売へ</title></head><body><a href="/">テストサイト</a>{BODY}'
            "</body></html>")
    assert extract_article(html).title == "新製品を発表 - 来春に発売へ"


def test_title_keeps_its_end_when_a_breadcrumb_repeats_the_whole_title() -> None:
    html = ('<html><head><title>インタビュー：山田太郎 - サンプル通信</title></head><body>'
            '<p class="crumbs"><a href="/">サンプル通信</a> &gt; <a href="/a/1">インタビュー：山田太郎</a></p>'
            f"{BODY}</body></html>")
    assert extract_article(html).title == "インタビュー：山田太郎"


def test_title_with_declared_site_name_ignores_the_chrome() -> None:
    html = ('<html><head><title>見出しの記事です - 経済</title><meta property="og:site_name" content="テスト新聞">'
            f'</head><body><a href="/economy/">経済</a>{BODY}</body></html>')
    assert extract_article(html).title == "見出しの記事です - 経済"


def test_h1_that_is_a_prefix_of_the_title_is_the_headline() -> None:
    html = ("<html><head><title>政府が新方針を発表、来年度から実施へ | ほげほげ</title></head><body>"
            f"<h1>政府が新方針を発表、来年度から実施へ</h1>{BODY}</body></html>")
    assert extract_article(html).title == "政府が新方針を発表、来年度から実施へ"


def test_page_chrome_names() -> None:
    tree = LexborHTMLParser('<html><head><link rel="home" title="サイトのトップ"></head><body>'
                            '<div id="logo"><img alt="Example Site"></div><a href="/">ホーム</a></body></html>')
    names = page_chrome_names(tree)
    assert "サイトのトップ" in names and "examplesite" in names and "ホーム" in names


def test_strip_site_suffix_with_chrome() -> None:
    chrome = ["htmlタグ/css一覧と初心者向けホームページ作成解説集:htmlタグボード"]
    assert strip_site_suffix("見出しの記事 - HTMLタグボード", [], chrome) == "見出しの記事"
    assert strip_site_suffix("見出しの記事 - ボード", [], chrome) == "見出しの記事 - ボード"


# -- titles and credits on pages of sites the registry does not know -------------------------------------------

OFF = "https://www.example-news.org/2024/05/01/story.html"


def test_kicker_before_the_headline_is_kept() -> None:
    html = ('<html><head><meta property="og:title" content="独自：政府が新方針を発表へ　来年度から実施"></head><body>'
            f'<span class="kicker">独自</span><h1>政府が新方針を発表へ　来年度から実施</h1>{BODY}</body></html>')
    assert extract_article(html, url=OFF).title == "独自：政府が新方針を発表へ　来年度から実施"


def test_photo_credit_is_cut_from_the_title() -> None:
    html = page(title="首相が記者会見（写真＝共同）")
    assert extract_article(html, url=OFF).title == "首相が記者会見"


def test_blog_header_h1_is_not_the_title() -> None:
    html = ('<html><head><title>Das vermutlich beste Musikvideo : Krimiblog | Ermittlungen zum Verfall eines Genres'
            '</title></head><body><h1 class="vcard"><a href="http://blog.example.de/" title="Home">Krimiblog</a></h1>'
            f'<h2>Das vermutlich beste Musikvideo</h2>{BODY}</body></html>')
    article = extract_article(html, url="http://blog.example.de/?p=2895")
    assert article.title == "Das vermutlich beste Musikvideo"
    assert article.outlet == "Krimiblog"


def test_site_named_only_in_the_title_is_credited_and_cut() -> None:
    html = f"<html><head><title>Schneewittchen-Kuchen Rezept | LECKER</title></head><body>{BODY}</body></html>"
    article = extract_article(html, url="https://www.lecker.de/rezept-123.html")
    assert (article.title, article.outlet) == ("Schneewittchen-Kuchen Rezept", "LECKER")


def test_section_in_the_title_is_no_credit() -> None:
    html = ('<html><head><title>Turnier abgesagt - News</title></head><body><h1>Turnier abgesagt</h1>'
            f'{BODY}</body></html>')
    assert extract_article(html, url="https://www.golf.de/news/1.html").outlet == "golf.de"


@pytest.mark.parametrize(("site_name", "host", "credit"), [
    ("au Webポータル|最新のニュースをお届け！", "www.au.com", "au Webポータル"),
    ("国内ニュース配信シェアNo.1｜ニュースダイジェスト", "news.example.jp", "ニュースダイジェスト"),
    ("News zu VR, AR und KI | MIXED.de", "mixed.de", "MIXED.de"),
    ("Achtsam durch die Krise | Die FURCHE", "www.furche.at", "Die FURCHE"),
    ("CDU - Fraktion Erfurt", "www.cdu-fraktion-erfurt.de", "CDU - Fraktion Erfurt"),
    ("Boston News, Weather, Sports | WHDH 7News", "whdh.com", "WHDH 7News"),
])
def test_tagline_is_cut_from_an_unknown_sites_credit(site_name: str, host: str, credit: str) -> None:
    html = page(f'<meta property="og:site_name" content="{site_name}">')
    assert extract_article(html, url=f"https://{host}/a/1").outlet == credit


def test_registry_alias_counts_only_on_the_outlets_domains() -> None:
    # "The Huffington Post Japan" is an alias of ハフポスト日本版 (huffingtonpost.jp): another site so named is not it
    html = page('<meta property="og:site_name" content="The Huffington Post Japan">')
    assert extract_article(html, url="https://www.huffingtonpost.jp/2015/03/03/a.html").outlet == "ハフポスト"
    assert extract_article(html, url="https://mirror.example.com/a.html").outlet != "ハフポスト"
    own = page('<meta property="og:site_name" content="ハフポスト日本版">')
    assert extract_article(own, url="https://mirror.example.com/a.html").outlet == "ハフポスト"


def test_fold_long_is_fold_in_pieces(monkeypatch):
    """The page-text fold, cut at ASCII spaces, gives the very string of one fold: NFKC compositions, final sigma
    and Hangul syllables never straddle such a space."""
    import random

    import clipper.extract.metadata as metadata

    monkeypatch.setattr(metadata, "_FOLD_PIECE", 3)  # a piece boundary at nearly every space
    alphabet = list("aA Σσ\t\n\u00a0\u3000\u0301\u0308\u0344\u1100\u1161\u11a8ＡＢ１ｶﾞ…ﬁ¨'.İ\u0307ß\u2028e")
    alphabet.append("e\u0301")
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert metadata.fold_long(text) == metadata.fold(text), repr(text)
    long = "Ｓｍｉｔｈ … said ΟΔΟΣ " * 2000
    monkeypatch.setattr(metadata, "_FOLD_PIECE", 4096)
    assert metadata.fold_long(long) == metadata.fold(long)


def test_clean_utf8_page_is_parsed_from_its_own_bytes(monkeypatch):
    """decode_html keeps a clean UTF-8 page's bytes on its text, and extract_article parses those bytes: the same
    Article as from the plain text, without encoding the page again."""
    import clipper.extract as extract
    from clipper.encoding import PageText

    raw = f"<html lang=ja><head><title>見出し | 例</title></head><body><h1>見出し</h1>{BODY}</body></html>".encode()
    text = decode_html(raw).text
    assert isinstance(text, PageText) and text.utf8 is raw
    assert decode_html("<p>シフトJIS</p>".encode("cp932")).text.__class__ is str  # not UTF-8: no bytes kept
    assert decode_html(b"\xef\xbb\xbf<p>bom</p>").text.__class__ is str  # the BOM is not in the text
    fed: list[object] = []
    real = extract.LexborHTMLParser
    monkeypatch.setattr(extract, "LexborHTMLParser", lambda html: fed.append(html) or real(html))
    assert extract_article(text, url=URL) == extract_article(str(text), url=URL)
    assert fed[0] is raw and fed[1] == str(text)


def test_page_nodes_list_each_element_once():
    """An element that two selectors of a list match (<meta itemprop>, <time itemprop pubdate>, <h1 itemprop>) is
    listed once: lexbor's selector lists give it once per selector matched."""
    from clipper.extract.page import PageNodes

    tree = LexborHTMLParser(
        "<html><head><meta itemprop='name' content='x'><title>t</title></head><body>"
        "<h1 itemprop='headline'>見出し</h1><time itemprop='datePublished' pubdate datetime='2024-01-02'>1月2日</time>"
        + "<a itemprop='url' href='/'>top</a>" * 90 + "<svg><title>icon</title></svg></body></html>")
    nodes = PageNodes.of(tree)
    assert [len(x) for x in (nodes.metas, nodes.h1s, nodes.times, nodes.marked_dates)] == [1, 1, 1, 1]
    assert len(nodes.itemprops) == 92  # the <h1>, the <time> and 90 links; <meta> excluded
    assert len({n.mem_id for n in nodes.anchors}) == len(nodes.anchors) == 80
    assert nodes.title is not None and nodes.title.text() == "t"
