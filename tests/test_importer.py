"""Past posts -> clips (clipper.importer), against the real post in tests/fixtures/posts/seed.txt."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipper.errors import ImportFormatError
from clipper.importer import (
    ImportedSection,
    parse_credit,
    parse_post,
    parse_post_file,
    parse_post_html,
    section_to_clip,
    split_points,
)
from clipper.models import CUT_LINE, Clip
from clipper.outlets import Registry, load_registry
from clipper.post import render_post

HERE = Path(__file__).parent
POSTS = HERE / "fixtures" / "posts"
SEED = (POSTS / "seed.txt").read_text(encoding="utf-8")
SEED_LINES = SEED.split("\n")


def registry() -> Registry:
    """The outlet registry as shipped (the autouse fixture leaves no user registry in place)."""
    return load_registry()


# How the seed's outlets show dates, independent of the registry.
STYLES = {"産経": "dot", "週プレNEWS/ライブドアニュース": "kanji", "共同": "slash", "IT Pro,ニュース": "slash0",
          "まぐまぐニュース": "dot0"}


def seed_paragraphs(first: int, last: int) -> tuple[str | None, ...]:
    """Lines first..last (1-based) of the seed as written: blank lines split paragraphs, a 略 line is None."""
    out: list[str | None] = []
    block: list[str] = []
    for line in SEED_LINES[first - 1: last]:
        if not line.strip() or line == CUT_LINE:
            if block:
                out.append("\n".join(block))
                block = []
            if line == CUT_LINE:
                out.append(None)
        else:
            block.append(line)
    if block:
        out.append("\n".join(block))
    return tuple(out)


# ● line, credit line, first and last line of the quote (line numbers in the seed)
SEED_SECTIONS = [(26, 27, 28, 32), (34, 35, 36, 90), (92, 93, 94, 96), (98, 99, 100, 109), (111, 112, 113, 160)]


@pytest.fixture(scope="module")
def seed() -> list[ImportedSection]:
    return parse_post(SEED, source="seed.txt").sections


def test_seed_sections(seed: list[ImportedSection]) -> None:
    assert len(seed) == 5
    assert [s.title for s in seed] == [
        "【マイナンバー】自治体の72%で交付遅れ解消 個人番号カード",
        "マイナンバー、予想以上の体たらくぶり 普及率はわずか5%",
        "マイナンバーに324億円 総務省の17年度概算要求",
        "自治体の悩み深し、佳境を迎えるセキュリティ強じん化",
        "パソコンの中も危険。マイナンバーはどこに保管すれば安全なのか?",
    ]
    assert [s.published for s in seed] == ["2016-08-01", "2016-07-18", "2016-08-25", "2016-08-25", "2016-07-27"]
    assert [s.outlet for s in seed] == ["産経", "週プレNEWS", "共同", "IT Pro", "まぐまぐニュース"]
    assert [s.outlet_raw for s in seed] == list(STYLES)
    assert [s.date_style for s in seed] == list(STYLES.values())
    assert [s.author for s in seed] == [None, None, None, "井出 一仁=日経BPガバメントテクノロジー", None]
    assert [s.line for s in seed] == [26, 34, 92, 98, 111]
    assert all(s.url is None for s in seed)


def test_seed_paragraphs_exactly_as_written(seed: list[ImportedSection]) -> None:
    for sec, (_, _, first, last) in zip(seed, SEED_SECTIONS, strict=True):
        assert sec.quote == seed_paragraphs(first, last)
    assert (seed[0].quote[0] or "").startswith(" マイナンバー制度の")  # indent kept
    assert seed[1].quote[0] == "\n".join(SEED_LINES[35:39])  # lines without a blank between: one paragraph
    assert len(seed[1].quote) == 25
    assert seed[3].quote[-1] is None and seed[4].quote[-1] is None  # 略 right below the last paragraph
    assert (seed[4].quote[-2] or "").startswith("とすると、マイナンバー漏洩時")
    assert not any("コメント" in (p or "") or "Trackback" in (p or "") for s in seed for p in s.quote)


def test_seed_summaries(seed: list[ImportedSection]) -> None:
    assert seed[0].summary == () and seed[2].summary == ()  # 産経/共同 are only cited inline
    assert seed[1].summary == ("マイナンバーカードの普及率は7月上旬時点で国民の約5%にとどまっている",
                               "「制度への不信感」「利便性が感じられない」などの理由が低調の原因だそう",
                               "過去に大失敗に終わった「住基カード」に状況がソックリだという")
    assert seed[3].summary[0] == "自治体の悩み深し、佳境を迎えるセキュリティ強じん化" and len(seed[3].summary) == 2
    assert seed[4].summary == ("パソコンの中も危険。マイナンバーはどこに保管すれば安全なのか?",
                               "マイナンバー漏洩時になどのトラブル発生時に「簡単に突破できる環境しか整えなかった」"
                               "ということに対して、【落ち度があった】と、法的に評価される可能性は十分にありうる")


def test_seed_with_registry() -> None:
    reg = registry()
    post = parse_post(SEED, source="seed.txt", normalize_outlet=reg.credit)
    assert [s.outlet for s in post.sections] == ["産経", "週プレNEWS", "共同", "IT Pro", "まぐまぐニュース"]
    assert [reg.date_style_for(s.outlet_raw) for s in post.sections] == list(STYLES.values())
    assert post.sections[1].summary and post.warnings == []


def _blocks(lines: list[str]) -> list[str]:
    """Lines with trailing spaces dropped and each run of blank lines as one blank line, none at the ends."""
    out: list[str] = []
    for line in (ln.rstrip() for ln in lines):
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.parametrize("use_registry", [False, True])
def test_golden_round_trip(use_registry: bool) -> None:
    reg = registry()
    post = parse_post(SEED, source="seed.txt", normalize_outlet=reg.credit if use_registry else (lambda s: s))
    clips = [Clip(id=k, url="", final_url=None, canonical_url=None, title=s.title, outlet=s.outlet_raw,
                  site_name=None, published=s.published, published_source="import", author=s.author,
                  body="\n\n".join(p for p in s.quote if p is not None), tags=(), note=None, added_at="",
                  encoding=None, quote=s.quote, summary=s.summary)
             for k, s in enumerate(post.sections)]
    styles = reg.date_style_for if use_registry else (lambda o: STYLES[o or ""])
    draft, warnings = render_post(clips, date_style_for=styles)
    assert warnings == []
    out = draft.split("\n")
    starts = [k for k, line in enumerate(out) if line.startswith("●")]
    assert len(starts) == 5
    for n, (head, _, _, last) in enumerate(SEED_SECTIONS):
        end = starts[n + 1] if n + 1 < len(starts) else len(out)
        got, want = _blocks(out[starts[n]: end]), _blocks(SEED_LINES[head - 1: last])
        assert got[0] == want[0]
        assert got[1].strip() == want[1].strip() and got[1].startswith("    ")
        assert got[2:] == want[2:]
    # intro lines of the clips that have summaries, as in the seed (spaces around '/' do not matter)
    squash = lambda s: re.sub(r"\s*/\s*", "/", s)  # noqa: E731
    intro = [squash(line) for line in out[: starts[0]] if "★《" in line]
    for seed_line in (SEED_LINES[11], SEED_LINES[14], SEED_LINES[16]):
        assert squash(seed_line) in intro
    # and through section_to_clip, the same draft
    assert render_post([section_to_clip(s, clip_id=k) for k, s in enumerate(post.sections)],
                       date_style_for=styles)[0] == draft


def test_html_form() -> None:
    text = parse_post(SEED, source="seed.txt")
    page = parse_post_html((POSTS / "seed.html").read_text(encoding="utf-8"), source="seed.html")
    assert page.title == "マイナンバー、自治体のセキュリティ対策も/交付は遅れ & 普及率5%"
    assert page.date == "2016-08-27"
    assert [s.url for s in page.sections] == [
        "https://www.sankei.com/politics/news/160801/plt1608010020-n1.html",  # link on the title
        "http://news.livedoor.com/article/detail/11772532/",  # link on the credit line
        "http://this.kiji.is/141497467035387382",  # link line right below the credit
        None,  # javascript: is never a URL
        None,
    ]
    for a, b in zip(text.sections, page.sections, strict=True):
        assert (a.title, a.outlet_raw, a.published, a.author, a.quote, a.summary) == \
               (b.title, b.outlet_raw, b.published, b.author, b.quote, b.summary)
    assert [s.line for s in page.sections] == [37, 45, 103, 110, 123]  # lines of the HTML source


def test_html_draft_imports_back() -> None:
    post = parse_post(SEED, source="seed.txt")
    clips = [replace(section_to_clip(s, clip_id=k), url=f"https://e.jp/{k}?a=1&b=2")
             for k, s in enumerate(post.sections)]
    page, _ = render_post(clips, fmt="html", date_style_for=lambda o: STYLES[o or ""])
    back = parse_post_html(page, source="draft.html")
    assert [(s.title, s.outlet_raw, s.published, s.author, s.quote) for s in back.sections] == \
           [(s.title, s.outlet_raw, s.published, s.author, s.quote) for s in post.sections]
    for got, want in zip(back.sections, post.sections, strict=True):
        first = (want.quote[0] or "").split("。")[0].strip() + "。"
        assert got.summary == (want.summary or (want.title, first))  # the default points when it had none
    assert [s.url for s in back.sections] == [c.url for c in clips]


def test_parse_post_file_picks_the_form(tmp_path: Path) -> None:
    assert parse_post_file(POSTS / "seed.html").sections[0].url is not None
    sjis = tmp_path / "post.txt"
    sjis.write_bytes(SEED.encode("cp932"))
    post = parse_post_file(sjis)
    assert post.source == str(sjis) and post.sections[3].author == "井出 一仁=日経BPガバメントテクノロジー"


def test_text_url_line_and_html_fragment() -> None:
    post = parse_post("●見出し\n    共同 2016/8/25\nhttps://example.com/a?b=1\n 本文。\n", source="x")
    assert post.sections[0].url == "https://example.com/a?b=1" and post.sections[0].quote == (" 本文。",)
    frag = '<p>●<a href="data:text/html,x">見出し</a><br>共同 2016/8/25<br><a href="https://e.jp/1">記事</a></p><p>本文。</p>'
    sec = parse_post_html(frag, source="f").sections[0]
    assert sec.url == "https://e.jp/1" and sec.quote == ("本文。",)


@pytest.mark.parametrize(("line", "label", "iso", "author"), [
    ("    産経 2016.8.1", "産経", "2016-08-01", None),
    ("週プレNEWS/ライブドアニュース 2016年7月18日", "週プレNEWS/ライブドアニュース", "2016-07-18", None),
    ("IT Pro,ニュース 2016/08/25 井出 一仁=日経BPガバメントテクノロジー", "IT Pro,ニュース", "2016-08-25",
     "井出 一仁=日経BPガバメントテクノロジー"),
    ("朝日新聞デジタル　２０１６年８月２５日(木) 10:30 田中記者", "朝日新聞デジタル", "2016-08-25", "田中記者"),
    ("47NEWS 2016-08-25", "47NEWS", "2016-08-25", None),
])
def test_parse_credit(line: str, label: str, iso: str, author: str | None) -> None:
    credit = parse_credit(line)
    assert credit is not None and (credit.label, credit.published, credit.author) == (label, iso, author)


@pytest.mark.parametrize("line", ["産経", "2016.8.1", "産経 2016.13.1", "産経 8.25", "産経2016.8.1", "産経 2016.8.1x"])
def test_parse_credit_refuses(line: str) -> None:
    assert parse_credit(line) is None


def test_split_points() -> None:
    assert split_points("a/b / c ／d") == ("a", "b", "c", "d")
    assert split_points("2016/8/25に発表/次") == ("2016/8/25に発表", "次")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("intro\nno sections here\n", None, "no ● section"),
    ("intro\n●見出し\n 本文だけ。\n", 3, "credit line"),
    ("●見出し\n    産経\n 本文\n", 2, "credit line"),
    ("●A\n  共同 2016/8/25\n 本文\n\n●B\n\n   共同 2016年2月30日\n", 7, "'B'"),
    ("x\n●見出し", 2, "no credit line"),
    ("●\n  共同 2016/8/25\n", 1, "without a title"),
])
def test_unparsable(text: str, line: int | None, words: str) -> None:
    with pytest.raises(ImportFormatError) as err:
        parse_post(text, source="bad.txt")
    assert err.value.line == line and words in str(err.value)
    assert str(err.value).startswith(f"bad.txt:{line}:" if line else "bad.txt:")


def test_summary_lines() -> None:
    text = (" 今日は。共同 2016/8/25★《a / b/8/25に》\n\n 産経 2016.8.1★《x》\n 共同 2016/8/26★《y》\n"
            "●T\n  共同 2016/8/25\n 本文。\n")
    post = parse_post(text, source="s.txt")
    assert post.sections[0].summary == ("a", "b", "8/25に")  # after a comment on the same line too
    assert post.warnings == ["s.txt:3: summary line for 産経 2016.8.1 matches no section",
                             "s.txt:4: summary line for 共同 2016/8/26 matches no section"]


def test_chrome_ends_a_quote() -> None:
    post = parse_post("●T\n  共同 2016/8/25\n 本文。\n\n人気ブログランキング参加中\n 後書き\n", source="x")
    assert post.sections[0].quote == (" 本文。",)


_TRICKY = st.text(alphabet=st.sampled_from(list("●★《》/／ 　\n\t年月日.-:()（）略・ab0123456789２\r\u2028")) |
                  st.characters(), max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), _TRICKY,
                 st.builds(lambda a, b: f"●{a}\n  共同 {b}\n", st.text(max_size=20), _TRICKY)))
def test_parse_post_only_raises_import_format_error(text: str) -> None:
    try:
        post = parse_post(text, source="fuzz")
    except ImportFormatError:
        return
    assert post.sections


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<a href='https://e.jp/'>", "</a>", "<pre>", "●",
                                 "共同 2016/8/25", "\n", "&nbsp;", "本文。", "<div class=entry-body>", "<script>",
                                 "・・・(略)・・・", "<!--", "-->", "★《a/b》"]) | st.text(max_size=5), max_size=40)
       .map("".join))
def test_parse_post_html_only_raises_import_format_error(html: str) -> None:
    try:
        parse_post_html(html, source="fuzz")
    except ImportFormatError:
        pass


_LINE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs"))
_word = st.text(_LINE_CHARS, min_size=1, max_size=12).filter(
    lambda s: not s.startswith(("●", "・")) and "★" not in s and not re.search(r"[0-9]{4}", s)
    and not re.search("ブログランキング|ブログ村|(?i:trackback)|コメント|クリック", s))
_line = st.lists(_word, min_size=1, max_size=4).map(" ".join).filter(lambda s: not s.startswith("http"))
_para = st.lists(_line, min_size=1, max_size=3).map("\n".join)
_outlet = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8).filter(
    lambda s: not re.search(r"[0-9]{4}", s))


@st.composite
def _clip(draw: st.DrawFn, cid: int) -> Clip:
    paras = draw(st.lists(st.tuples(st.sampled_from(["", " ", "　"]), _para), min_size=1, max_size=4))
    quote: list[str | None] = [i + p for i, p in paras]
    if draw(st.booleans()):
        quote.insert(draw(st.integers(0, len(quote))), None)
    published = draw(st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31))).isoformat()
    return Clip(id=cid, url="", final_url=None, canonical_url=None, title=draw(_line), outlet=draw(_outlet),
                site_name=None, published=published, published_source=None, author=draw(st.none() | _line),
                body="", tags=(), note=None, added_at="", encoding=None, quote=tuple(quote))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["dot", "dot0", "slash", "slash0", "kanji", "iso"]))
def test_export_import_round_trip(data: st.DataObject, style: str) -> None:
    clips = [data.draw(_clip(k)) for k in range(data.draw(st.integers(1, 3)))]
    draft, _ = render_post(clips, date_style_for=lambda _: style)
    post = parse_post(draft, source="draft")
    assert [(s.title, s.outlet_raw, s.published, s.author, s.quote) for s in post.sections] == \
           [(c.title, c.outlet, c.published, c.author, c.quote) for c in clips]
