"""clipper.extract.dates: date forms, publication dates of the real pages, formatting, and never raising."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from clipper.encoding import decode_html
from clipper.extract import extract_article
from clipper.extract.dates import (
    DATE_STYLES,
    ParsedDate,
    date_from_url,
    find_published,
    format_date,
    normalize_user_date,
    parse_date,
)
from clipper.extract.jsonld import load_jsonld

FIXTURES = Path(__file__).parent / "fixtures" / "ja"
JST = ZoneInfo("Asia/Tokyo")

# (text, year_hint, expected ISO). Strings met in the corpus pages (and MANIFEST notes) first, then the other forms.
PARSE_CASES: list[tuple[str, int | None, str | None]] = [
    # corpus: visible text
    ("2025/1/21 20:50", None, "2025-01-21T20:50:00+09:00"),
    ("渡辺洋介2025年1月13日 21時37分", None, "2025-01-13T21:37:00+09:00"),
    ("2025年1月14日 01時28分 (1月14日 01時40分更新)", None, "2025-01-14T01:28:00+09:00"),
    ("2025/1/14 21:17（最終更新 1/14 21:17）", None, "2025-01-14T21:17:00+09:00"),
    ("公開日：2025/01/22 17:00　更新日：2025/01/22 18:00", None, "2025-01-22T17:00:00+09:00"),
    ("2025年1月14日 20:00", None, "2025-01-14T20:00:00+09:00"),
    ("2025年1月13日 20時01分", None, "2025-01-13T20:01:00+09:00"),
    ("2024/10/13 22:43", None, "2024-10-13T22:43:00+09:00"),
    ("2024/12/04 00:05", None, "2024-12-04T00:05:00+09:00"),
    ("17:41 JST, October 13, 2024", None, "2024-10-13T17:41:00+09:00"),
    ("CNET Japan 3/9(木) 18:45配信", 2017, "2017-03-09T18:45:00+09:00"),
    ("[06月24日 11時30分]", 2019, "2019-06-24T11:30:00+09:00"),
    ("2月15日（土）7時0分　オリコン", 2020, "2020-02-15T07:00:00+09:00"),
    ("（ 2011年4月10日   読売新聞）", None, "2011-04-10"),
    ("投稿日: 2015年03月04日 11時13分 JST", None, "2015-03-04T11:13:00+09:00"),
    ("2024年10月28日 17時55分 公開", None, "2024-10-28T17:55:00+09:00"),
    ("2022年10月17日19時09分", None, "2022-10-17T19:09:00+09:00"),
    ("2022年10月17日(月)", None, "2022-10-17"),
    ("2019年3月1日13時16分", None, "2019-03-01T13:16:00+09:00"),
    ("2019/04/11 22:22:00", None, "2019-04-11T22:22:00+09:00"),
    ("松村太郎2019年04月13日 09時00分", None, "2019-04-13T09:00:00+09:00"),
    ("ZDNet Japan Staff 2019年04月28日 08時00分", None, "2019-04-28T08:00:00+09:00"),
    ("TechRepublic Japanで2017年6月8日に掲載した記事", None, "2017-06-08"),
    ("2019/02/22 17:23:44", None, "2019-02-22T17:23:44+09:00"),
    ("2019年04月21日12時00分", None, "2019-04-21T12:00:00+09:00"),
    ("2019.04.25 THU 16:00", None, "2019-04-25T16:00:00+09:00"),
    ("2019年2月22日 16:00", None, "2019-02-22T16:00:00+09:00"),
    ("2019.04.21 11:51", None, "2019-04-21T11:51:00+09:00"),
    ("2019年3月2日09:18 by 深海 |", None, "2019-03-02T09:18:00+09:00"),
    ("4月16日 23時17分", 2019, "2019-04-16T23:17:00+09:00"),
    ("11/28/2016 04:23 pm ET", None, "2016-11-28T16:23:00-05:00"),
    ("Feb 18, 2020", None, "2020-02-18"),
    ("2024年04月24日23:52 | 来源：新华网", None, "2024-04-24T23:52:00+09:00"),
    ("입력 : 2025-06-04 02:37:08", None, "2025-06-04T02:37:08+09:00"),
    # corpus: machine-readable values
    ("2025-01-21T11:50:32.479Z", None, "2025-01-21T11:50:32+00:00"),
    ("2025-01-21T20:50:32+09:00", None, "2025-01-21T20:50:32+09:00"),
    ("2025-01-13T12:37:00.000Z", None, "2025-01-13T12:37:00+00:00"),
    ("2025-01-14T21:17:27+0900", None, "2025-01-14T21:17:27+09:00"),
    ("2025-01-14 21:17:33", None, "2025-01-14T21:17:33+09:00"),
    ("2025-01-22 17:00:00", None, "2025-01-22T17:00:00+09:00"),
    ("2024-10-13T22:43", None, "2024-10-13T22:43:00+09:00"),
    ("20250121", None, "2025-01-21"),
    ("Tue, 03 Mar 2015 20:42:10 -0500", None, "2015-03-03T20:42:10-05:00"),
    ("2015-03-03T20:42:10Z", None, "2015-03-03T20:42:10+00:00"),
    ("2015-03-03T21:13:15-05:00", None, "2015-03-03T21:13:15-05:00"),
    ("2015-12-11", None, "2015-12-11"),
    ("2024-10-28T17:55:00Z", None, "2024-10-28T17:55:00+00:00"),
    ("2019-3-1T13:16", None, "2019-03-01T13:16:00+09:00"),
    ("2019-04-25T16:00:25+00:00", None, "2019-04-25T16:00:25+00:00"),
    ("2019-03-02T00:18:32Z", None, "2019-03-02T00:18:32+00:00"),
    ("2016-11-28 16:23:00 -0500", None, "2016-11-28T16:23:00-05:00"),
    ("2024-04-24", None, "2024-04-24"),
    # the other forms
    ("2016.8.1", None, "2016-08-01"),
    ("2016.07.27", None, "2016-07-27"),
    ("2016/08/25 22:27", None, "2016-08-25T22:27:00+09:00"),
    ("2016/8/25", None, "2016-08-25"),
    ("2016年8月1日", None, "2016-08-01"),
    ("２０１６年８月１日　１１時３４分", None, "2016-08-01T11:34:00+09:00"),
    ("2016年8月1日 午後3時5分", None, "2016-08-01T15:05:00+09:00"),
    ("令和元年5月1日", None, "2019-05-01"),
    ("令和6年5月1日", None, "2024-05-01"),
    ("平成28年8月1日", None, "2016-08-01"),
    ("平成元年1月8日", None, "1989-01-08"),
    ("昭和64年1月7日", None, "1989-01-07"),
    ("㍻31年4月30日", None, "2019-04-30"),
    ("8月1日", 2016, "2016-08-01"),
    ("8.25", 2016, "2016-08-25"),
    ("2016-08-01", None, "2016-08-01"),
    ("2016-08-01T11:34:00+09:00", None, "2016-08-01T11:34:00+09:00"),
    ("20180619T055000+0900", None, "2018-06-19T05:50:00+09:00"),
    ("October 13, 2024", None, "2024-10-13"),
    ("13 October 2024", None, "2024-10-13"),
    ("Sept. 5, 2019, 3:04 p.m.", None, "2019-09-05T15:04:00+09:00"),
    # nothing to read, or impossible
    ("8月1日", None, None),
    ("3/9(木) 18:45", None, None),
    ("8.25", None, None),
    ("", None, None),
    ("hello world", None, None),
    ("12:30", None, None),
    ("1.2億円", 2020, None),
    ("2016年13月1日", None, None),
    ("2016-02-30", None, None),
    ("1989-12-31", None, None),
    ("2101-01-01", None, None),
    ("99999999", None, None),
    ("平成32年1月1日", 2020, None),
    ("0000-01-01", 2020, None),
]


@pytest.mark.parametrize(("text", "hint", "expected"), PARSE_CASES)
def test_parse_date(text: str, hint: int | None, expected: str | None) -> None:
    got = parse_date(text, year_hint=hint)
    assert (got.iso() if got else None) == expected


def test_parse_date_zone_and_day_in_japan() -> None:
    got = parse_date("2024年04月24日23:52", tz="Asia/Shanghai")
    assert got is not None and got.iso() == "2024-04-24T23:52:00+08:00"
    assert got.day_in_japan() == dt.date(2024, 4, 25)
    assert ParsedDate(dt.date(2016, 8, 1)).day_in_japan() == dt.date(2016, 8, 1)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://mainichi.jp/articles/20250114/k00/00m/030/335000c", "2025-01-14"),
    ("https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/", "2025-01-21"),
    ("https://wired.jp/2019/04/25/helvetica-now/", "2019-04-25"),
    ("http://headlines.yahoo.co.jp/hl?a=20170309-35097838-cnetj-sci", "2017-03-09"),
    ("https://www.itmedia.co.jp/news/articles/2410/28/news159.html", "2024-10-28"),
    ("http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html", "2024-04-24"),
    ("https://example.jp/news/160801/a.html", "2016-08-01"),
    ("https://www.tokyo-np.co.jp/article/379018", None),
    ("https://japan.cnet.com/article/35135610/", None),
    ("https://www3.nhk.or.jp/news/easy/k10011959621000/k10011959621000.html", None),
    ("https://20160801.example.jp/a", None),  # the host is not a date
    ("http://[broken", None),
    ("", None),
])
def test_date_from_url(url: str, expected: str | None) -> None:
    got = date_from_url(url)
    assert (got.iso() if got else None) == expected


def test_format_date_styles() -> None:
    assert {s: format_date("2016-08-01T11:34:00+09:00", s) for s in DATE_STYLES} == {
        "dot": "2016.8.1", "dot0": "2016.08.01", "slash": "2016/8/1", "slash0": "2016/08/01",
        "kanji": "2016年8月1日", "iso": "2016-08-01", "md": "8.1"}
    assert format_date("2016-07-31T20:00:00+00:00", "kanji") == "2016年8月1日"  # the day in Japan
    for style, example in DATE_STYLES.items():
        parsed = parse_date(example, year_hint=2016)
        assert parsed is not None and format_date(parsed.iso(), style) == example
    with pytest.raises(ValueError, match="style"):
        format_date("2016-08-01", "nope")
    with pytest.raises(ValueError, match="not a date"):
        format_date("soon", "iso")


@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), st.sampled_from(sorted(DATE_STYLES)))
def test_format_parse_round_trip(day: dt.date, style: str) -> None:
    text = format_date(day.isoformat(), style)
    back = parse_date(text, year_hint=day.year if style == "md" else None)
    assert back is not None and back.day_in_japan() == day


def test_normalize_user_date() -> None:
    assert normalize_user_date("2024/10/13") == "2024-10-13"
    assert normalize_user_date(" 令和6年10月13日 ") == "2024-10-13"
    assert normalize_user_date("2024-10-13 09:30") == "2024-10-13T09:30:00+09:00"
    assert normalize_user_date("today") == dt.datetime.now(JST).date().isoformat()
    with pytest.raises(ValueError, match="no year"):
        normalize_user_date("10月13日")
    with pytest.raises(ValueError, match="cannot read"):
        normalize_user_date("2024-13-45")
    with pytest.raises(ValueError, match="empty"):
        normalize_user_date("  ")


@given(st.text(max_size=300))
def test_parse_date_never_raises(text: str) -> None:
    got = parse_date(text)
    assert got is None or 1900 < got.day_in_japan().year <= 2101
    parse_date(text, year_hint=2020)


@given(st.text(alphabet="0123456789年月日時分/.-:T+Z 令和平成()木午後JSTOctober,", max_size=60))
def test_parse_date_never_raises_on_date_like_text(text: str) -> None:
    got = parse_date(text, year_hint=2020)
    if got is not None:
        assert got.iso()


# ------------------------------------------------------------------------------------------- find_published
def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / "truth.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _page(row: dict[str, Any]) -> tuple[str | None, str | None]:
    tree = LexborHTMLParser(decode_html((FIXTURES / row["file"]).read_bytes()).text)
    return find_published(tree, url=row["url"], jsonld=load_jsonld(tree))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["file"])
def test_find_published_on_real_pages(row: dict[str, Any]) -> None:
    got, source = _page(row)
    if row["date"] is None:
        assert got is None or parse_date(got) is not None
        return
    truth = parse_date(row["date"])
    assert truth is not None and got is not None, f"no date found (truth {row['date']})"
    parsed = parse_date(got)
    assert parsed is not None and source in {"jsonld", "meta", "time", "text", "url"}
    assert parsed.day_in_japan() == truth.day_in_japan(), f"{got} from {source}, truth {row['date']}"
    if isinstance(truth.value, dt.datetime):  # to the minute, in Japan time
        assert isinstance(parsed.value, dt.datetime), f"{got} from {source} has no time, truth {row['date']}"
        minute = "%Y-%m-%d %H:%M"
        assert parsed.value.astimezone(JST).strftime(minute) == truth.value.astimezone(JST).strftime(minute)


def _find(html: str, url: str | None = None) -> tuple[str | None, str | None]:
    tree = LexborHTMLParser(html)
    return find_published(tree, url=url, jsonld=load_jsonld(tree))


def _ld(**fields: str) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


@pytest.mark.parametrize(("html", "url", "expected"), [
    # UTC label on Japan wall time: the visible date has the same digits -> read them in Japan time
    (_ld(datePublished="2024-10-28T17:55:00Z") + "<h1>見出し</h1><p>2024年10月28日 17時55分 公開</p>", None,
     ("2024-10-28T17:55:00+09:00", "jsonld")),
    # genuine UTC: agrees with the visible date once converted
    ('<meta property="article:published_time" content="2019-03-02T00:18:32Z"><h1>見出し</h1>'
     "<p>2019年3月2日09:18</p>", None, ("2019-03-02T09:18:32+09:00", "meta")),
    # UTC with no visible date to check against: kept
    (_ld(datePublished="2024-10-28T20:00:00Z") + "<h1>見出し</h1><p>本文</p>", None,
     ("2024-10-29T05:00:00+09:00", "jsonld")),
    # UTC whose digits equal another source's wall time with a real offset
    (_ld(dateCreated="2015-03-03T20:42:10Z") + '<meta name="sailthru.date" content="Tue, 03 Mar 2015 20:42:10 -0500">'
     "<h1>見出し</h1>", None, ("2015-03-03T20:42:10-05:00", "jsonld")),
    # published beats the update time shown in the header
    (_ld(datePublished="2024-12-03T23:17:00+09:00", dateModified="2024-12-04T00:06:42+09:00")
     + '<h1>見出し</h1><time datetime="2024-12-04T00:05">2024/12/04 00:05</time>', None,
     ("2024-12-03T23:17:00+09:00", "jsonld")),
    # only a modified date: used as the last resort
    ('<meta property="article:modified_time" content="2020-05-01T10:00:00+09:00"><h1>見出し</h1>', None,
     ("2020-05-01T10:00:00+09:00", "meta")),
    # date-only meta takes the visible time of the same day
    ('<meta name="publishdate" content="2020-05-01"><h1>見出し</h1><p>2020年5月1日 10時30分</p>', None,
     ("2020-05-01T10:30:00+09:00", "meta")),
    # the article's own <time>, not the sidebar's
    ('<h1>見出し</h1><div class="byline"><time datetime="2021-06-01T08:00">6月1日 8時</time></div>'
     + "<p>本文です。</p>" * 200 + '<aside><time datetime="2021-06-05T09:00">6/5</time></aside>', None,
     ("2021-06-01T08:00:00+09:00", "time")),
    ("<h1>見出し</h1>" + "<p>長い本文。</p>" * 400 + '<aside><time datetime="2021-06-05">6/5</time>'
     '<time datetime="2021-06-06">6/6</time></aside>', None, (None, None)),
    # yearless visible date: the year comes from the URL; text labelled 更新 is skipped
    ("<h1>見出し</h1><p>更新 3/10(金) 9:00</p><p>3/9(木) 18:45配信</p>", "https://example.jp/a?a=20170309-1",
     ("2017-03-09T18:45:00+09:00", "text")),
    # a date labelled as an update (before or after it) is skipped
    ("<h1>見出し</h1><p>(2017年3月10日 9:00更新)</p><p>更新日: 2017/3/11</p><p>2017年3月9日 18:45</p>", None,
     ("2017-03-09T18:45:00+09:00", "text")),
    ("<h1>見出し</h1><p>投稿日: 2015年03月04日 11時13分 JST 更新: 2015年03月05日 10時00分 JST</p>", None,
     ("2015-03-04T11:13:00+09:00", "text")),
    # only the URL
    ("<h1>見出し</h1><p>本文</p>", "https://example.jp/2019/04/25/x/", ("2019-04-25", "url")),
    # Chinese page: naive time in China time
    ('<html lang="zh-CN"><h1>标题很长的新闻</h1><p>2024年04月24日23:52</p></html>', None,
     ("2024-04-24T23:52:00+08:00", "text")),
    # nothing at all
    ("<h1>見出し</h1><p>1月2日に会議を開いた。</p>", "https://example.jp/article/123456", (None, None)),
])
def test_find_published_rules(html: str, url: str | None, expected: tuple[str | None, str | None]) -> None:
    assert _find(html, url) == expected


@pytest.mark.slow
def test_find_published_pathological_pages() -> None:
    deep = "<html><body>" + "<div>" * 50_000 + "<h1>見出し</h1><p>2020年1月2日 10時</p>" + "</div>" * 50_000
    assert _find(deep) == ("2020-01-02T10:00:00+09:00", "text")
    for html in ("", "<html></html>", "<frameset></frameset>", "<!-- x -->", "<h1></h1>", "<time datetime=x>",
                 "<h1>" + "見出し" * 1000 + "</h1>" + "<p>2020年1月2日</p>" * 100_000):
        result = _find(html)
        assert result == (None, None) or parse_date(result[0] or "") is not None


_html_pieces = st.sampled_from([
    "<h1>", "</h1>", "<h1>見出し</h1>", "<p>", "</p>", "<div>", "</div>", "<article>", "<time>", "</time>",
    '<time datetime="2020-01-02T03:04Z">', '<time datetime="">', '<time pubdate datetime="2021-13-40">',
    '<meta property="article:published_time" content="2019-02-30T99:00">', '<meta name="date" value="x">',
    '<meta itemprop="datePublished">', '<script type="application/ld+json">{"@type":"NewsArticle",',
    '"datePublished": "2024-10-28T17:55:00Z"}</script>', "2024年10月28日 17時55分", "3/9(木) 18:45", "更新",
    "<rt>", "<ruby>", "<!--", "-->", "<title>見出し</title>", "令和元年5月1日", "<", ">", "&#x3042;",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_html_pieces, st.text(max_size=20)), max_size=40), st.one_of(st.none(), st.text(max_size=40)))
def test_find_published_never_raises(pieces: list[str], url: str | None) -> None:
    html = "".join(pieces)
    result = _find(html, url)
    assert result == (None, None) or (parse_date(result[0] or "") is not None and result[1] is not None)


# ------------------------------------------------------------------------------------- beyond Japan (issue 11)
# Visible strings met on the pages of htmldate's evaluation set (German, French, Spanish, Italian, Portuguese,
# Russian, Ukrainian, English, Korean, Chinese).
WORLD_CASES: list[tuple[str, bool, str | None]] = [  # (text, day first, expected ISO)
    ("Samstag, 19. Juli 2014", True, "2014-07-19"),
    ("Artikel veröffentlicht am 16.12.2012", True, "2012-12-16"),
    ("Datum:26. Januar 2022", True, "2022-01-26"),
    ("Mittwoch, März 7, 2018", True, "2018-03-07"),
    ("Publié le 29 juin 2019", True, "2019-06-29"),
    ("1er mars 2020", True, "2020-03-01"),
    ("05 de julio de 2020", True, "2020-07-05"),
    ("28 luglio 2020", True, "2020-07-28"),
    ("Alta Floresta - MT, 22 de novembro de 2020. 18:20", True, "2020-11-22"),
    ("14 de fevereiro de 2020", True, "2020-02-14"),
    ("16 мая 2018 г.", True, "2018-05-16"),
    ("15 августа 2016", True, "2016-08-15"),
    ("7 серпня 2020", True, "2020-08-07"),
    ("2020년 3월 5일", True, "2020-03-05"),
    ("2020年07月12日", True, "2020-07-12"),
    ("14/06/2019", True, "2019-06-14"),
    ("05/02/2020", True, "2020-02-05"),  # day first (a German or French page)
    ("05/02/2020", False, "2020-05-02"),  # month first (a US page)
    ("13/02/2020", False, "2020-02-13"),  # a number over 12 settles it
    ("19.7.2014", True, "2014-07-19"),
    ("1.2.3.2014", True, None),  # a version number, no date
    ("Mai 2014", True, None),  # no day
    ("am 32. Juli 2014", True, None),
]


@pytest.mark.parametrize(("text", "dayfirst", "expected"), WORLD_CASES)
def test_parse_date_world_forms(text: str, dayfirst: bool, expected: str | None) -> None:
    got = parse_date(text, tz=None, dayfirst=dayfirst)
    assert (got.iso() if got else None) == expected


def test_parse_date_keeps_the_zone_it_is_given() -> None:
    assert parse_date("2020-06-07T15:06Z", tz=None).iso() == "2020-06-07T15:06:00+00:00"  # type: ignore[union-attr]
    assert parse_date("2020-05-01 10:30:00", tz=None).iso() == "2020-05-01T10:30:00"  # type: ignore[union-attr]
    assert parse_date("2020-05-01 10:30:00").iso() == "2020-05-01T10:30:00+09:00"  # type: ignore[union-attr]


@pytest.mark.parametrize(("html", "url", "expected"), [
    # a UTC instant on a foreign page stays that instant, in UTC (not moved to the next day in Japan)
    ('<html lang="uk">' + _ld(datePublished="2020-06-07T15:06Z") + "<h1>Новини</h1></html>",
     None, ("2020-06-07T15:06:00+00:00", "jsonld")),
    ('<html lang="en-US"><meta property="article:published_time" content="2020-02-17T23:30:00+00:00"><h1>News</h1>'
     "<p>Story.</p></html>", None, ("2020-02-17T23:30:00+00:00", "meta")),
    # a naive time on a non-Japanese page stays naive: the page gives no zone, none is invented
    ('<html lang="de"><meta name="date" content="2020-05-01 10:30:00"><h1>Neuigkeiten</h1></html>', None,
     ("2020-05-01T10:30:00", "meta")),
    # ... and is Japan time on a Japanese page
    ('<html lang="ja"><meta name="date" content="2020-05-01 10:30:00"><h1>見出し</h1></html>', None,
     ("2020-05-01T10:30:00+09:00", "meta")),
    # the visible German date next to the headline
    ('<html lang="de"><h1>LandesPARTEItag 2014</h1><p class="newsdatum">[Samstag, 19. Juli 2014]</p></html>', None,
     ("2014-07-19", "text")),
    ('<html lang="de"><h1>Geflüchtete in Belarus</h1><div class="authored">10.11.2021</div><p>Text.</p></html>', None,
     ("2021-11-10", "text")),
    # JSON-LD wrapped in CDATA, or followed by a stray brace
    ('<script type="application/ld+json">//<![CDATA[\n{"@type": "NewsArticle", "datePublished": "2019-06-20"}\n//]]>'
     "</script><h1>Riverdale</h1>", None, ("2019-06-20", "jsonld")),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-10-26T18:10:00+01:00"}}'
     "</script><h1>Vijesti</h1>", None, ("2020-10-26T18:10:00+01:00", "jsonld")),
    # other meta names; any CreativeWork's datePublished
    ('<meta name="publication_date" content="2019-12-19"><h1>Gefahrstoff-Service</h1>', None, ("2019-12-19", "meta")),
    ('<script type="application/ld+json">{"@type": "Recipe", "datePublished": "2019-06-13"}</script><h1>Cake</h1>',
     None, ("2019-06-13", "jsonld")),
    # a date in an element whose class says updated is the update, not the publication
    ('<html lang="en"><h1>Story title</h1><p><span class="updated">March 20, 2021</span> '
     '<span class="published">March 14, 2021</span></p></html>', None, ("2021-03-14", "text")),
    # URL dates strictly: /2008/05/ is a month, not 2020-08-05
    ('<html lang="de"><h1>Silkroad</h1><p>Text.</p></html>', "https://example.org/2008/05/silkroad.html",
     (None, None)),
])
def test_find_published_world_pages(html: str, url: str | None, expected: tuple[str | None, str | None]) -> None:
    assert _find(html, url) == expected


def test_deeply_nested_jsonld_skips_the_block_and_keeps_the_page() -> None:
    deep = '<script type="application/ld+json">' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "</script>"
    html = deep + _ld(datePublished="2020-01-02T10:00:00+01:00") + "<h1>Title</h1>"
    assert _find(html) == ("2020-01-02T10:00:00+01:00", "jsonld")


# more snippets of htmldate's set, with times: (text, dayfirst, expected ISO), read with no zone
FOREIGN_CASES: list[tuple[str, bool, str | None]] = [
    ("Stand: 07.11.2023, 07:30 Uhr", True, "2023-11-07T07:30:00"),
    ("19. Juli 2014 um 10:23 Uhr", True, "2014-07-19T10:23:00"),
    ("Dagmar Rehak 13 Dezember, 2015 um 01:10", True, "2015-12-13T01:10:00"),
    ("Von:  Björn Jahner | 31.10.23", True, "2023-10-31"),
    ("macbacchi 28.09.19 12:44", True, "2019-09-28T12:44:00"),
    ("15 августа 2016, 13:43", True, "2016-08-15T13:43:00"),
    ("Опубліковано 7 червня 2020", True, "2020-06-07"),
    ("2 de abril de 2020", True, "2020-04-02"),
    ("23 de octubre de 2023. Europa Press/", True, "2023-10-23"),
    ("8 novembre 2023", True, "2023-11-08"),
    ("9 juin 2019", True, "2019-06-09"),
    ("1er juillet 2014", True, "2014-07-01"),
    ("13/01/2020", True, "2020-01-13"),
    ("February 24, 2020 | 9:25pm", False, "2020-02-24T21:25:00"),
    ("Nov. 8, 2023, 10:28 p.m. ET", False, "2023-11-08T22:28:00-05:00"),
    ("Heft 4 2014", True, None),  # a word that is no month
    ("31.02.2020", True, None),
]


@pytest.mark.parametrize(("text", "dayfirst", "expected"), FOREIGN_CASES)
def test_parse_date_beyond_japan(text: str, dayfirst: bool, expected: str | None) -> None:
    got = parse_date(text, tz=None, dayfirst=dayfirst)
    assert (got.iso() if got else None) == expected


def test_naive_time_stays_naive_and_its_day_is_the_day_written() -> None:
    got = parse_date("2020-06-07 23:30", tz=None)
    assert got is not None and got.iso() == "2020-06-07T23:30:00" and got.day_in_japan() == dt.date(2020, 6, 7)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://web.archive.org/web/20130307194448/the-pain.net/2008/05/silkroad-roc.html", None),  # not 2020-08-05
    ("http://tv-orange.de/2012/08/future-of-hope-island/", None),
    ("https://www.itmedia.co.jp/news/articles/2410/28/news159.html", "2024-10-28"),
    ("https://pagesix.com/2020/02/24/former-wh-press-secretary/", "2020-02-24"),
])
def test_date_from_url_is_strict(url: str, expected: str | None) -> None:
    got = date_from_url(url)
    assert (got.iso() if got else None) == expected


@pytest.mark.parametrize(("html", "url", "expected"), [
    # a UTC instant written in the page's own offset when the page gives the same instant with one
    ('<html lang="en-US">' + _ld(datePublished="2023-11-09T02:11:03+00:00") + "<h1>Police investigating</h1>"
     '<time datetime="2023-11-08T21:11:03-05:00">November 8, 2023</time></html>', None,
     ("2023-11-08T21:11:03-05:00", "time")),
    # a UTC instant late in the evening beside the page's own next day: the day the page shows
    ('<html lang="it">' + _ld(datePublished="2023-11-01T23:01:00Z") + "<h1>Israele-Hamas, la diretta</h1>"
     "<p>2 novembre 2023</p></html>", None, ("2023-11-02", "jsonld")),
    # an English page with a language menu in Japanese is not a Japanese page
    ("<html>" + _ld(datePublished="2021-03-08T11:15:28Z") + "<ul><li>日本語</li><li>中文</li></ul>"
     "<h1>Meghan and Harry's interview with Oprah: the key moments</h1><p>" + "The interview aired. " * 20
     + "</p></html>", None, ("2021-03-08T11:15:28+00:00", "jsonld")),
    # nothing on the page but a JavaScript app's state
    ('<html lang="de"><h3>Europas Topathleten fit für München 2022</h3><script>window.__DATA__ = {"article": '
     '{"id": 718, "createdAt":"2022-01-31T15:58:43+01:00", "enabled": true}}</script></html>', None,
     ("2022-01-31T15:58:43+01:00", "meta")),
    # a naive time off Japan is not given a zone
    ('<html lang="de"><meta name="date" content="2022-01-21 13:30"><h1>Freeride-Schuh</h1></html>', None,
     ("2022-01-21T13:30:00", "meta")),
    # a machine-readable 11/01/2023 is month-first even on a German page
    ('<html lang="de"><meta name="date" content="11/01/2023 12:43:42"><h1>Trinkwasser belastet</h1></html>', None,
     ("2023-11-01T12:43:42", "meta")),
    # day-first visible date near the headline
    ('<html lang="de"><h1>Correctiv-Recherche</h1><p>Stand: 07.11.2023, 07:30 Uhr</p></html>', None,
     ("2023-11-07T07:30:00", "text")),
    # a date in span.updated is the update, the other one the publication
    ('<html lang="en"><h1>Storm Ciarán</h1><p><span class="updated">November 3, 2023</span> '
     "<span>November 2, 2023</span></p></html>", None, ("2023-11-02", "text")),
    # the readers' comments' <time> is not the article's
    ('<html lang="de"><meta property="article:published_time" content="2015-12-12T05:00:37+00:00">'
     "<h1>Genitalverstümmelung</h1><p>Text</p><ol class=\"commentlist\"><li>Dagmar "
     '<time datetime="2015-12-13T01:10:03+01:00">13 Dezember, 2015 um 01:10</time></li></ol></html>', None,
     ("2015-12-12T05:00:37+00:00", "meta")),
    # the URL's year and month are no date; the article's own line far below the headline is (not the footer's)
    ('<html lang="de"><article><h1>Quests</h1>' + "<p>Name: Stolen Sack. Level: 70.</p>" * 20
     + '<div class="footer">Zuletzt geändert 01.01.2013</div><p>Geschrieben am 26.05.2008</p></article></html>',
     "https://web.archive.org/web/20130307194448/the-pain.net/2008/05/silkroad.html", ("2008-05-26", "text")),
])
def test_find_published_beyond_japan(html: str, url: str | None, expected: tuple[str | None, str | None]) -> None:
    assert _find(html, url) == expected


_LONG = "<p>" + "Ein langer Absatz über das Thema des Artikels, ohne ein Datum darin. " * 90 + "</p>"


@pytest.mark.parametrize(("html", "url", "expected"), [
    # the date nearest the headline wins, above it or below it (not a later line of the article)
    ('<html lang="de"><title>Bericht zur Coronalage</title><p>Gunter Frank / 22.04.2020 um 06:15</p>'
     "<h2>Bericht zur Coronalage</h2><p>Nun ist es "
     "offiziell: der Wert sank.</p><p>Laut einer Veröffentlichung vom 15.4.2020 sank der Höchstwert.</p></html>",
     None, ("2020-04-22T06:15:00", "text")),
    # a dateline before a date inside a sentence, even when the sentence is nearer
    ('<html lang="de"><h1>Bericht zur Lage</h1><p>Laut einer Mitteilung des Instituts vom 15.4.2020 sank der '
     "Wert schon vor dem Shutdown.</p><p>22.04.2020</p></html>", None, ("2020-04-22", "text")),
    # "updated" in French: the other date is the publication
    ('<html lang="fr"><p>Par Loïc Le Clerc | 30 septembre 2018</p><h1>Deux ans et demi en Macronie</h1>'
     "<p>Article mis à jour le 7 janvier 2020.</p></html>", None, ("2018-09-30", "text")),
    # a structured date on the URL's day stays, whatever the teasers by the headline show
    ('<html lang="pt"><script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
     '"2020-06-23T16:45:52-03:00"}</script><h1>Motorista capota na saída</h1><p>Vídeos relacionados</p>'
     "<p>Painel derrete <time>16/06/2020</time></p></html>",
     "https://www.uol.com.br/carros/videos/2020/06/23/comprador-capota.htm", ("2020-06-23T16:45:52-03:00", "jsonld")),
    # a generic meta "date" gives way to the date shown by the headline
    ('<html lang="de"><meta name="date" content="2021-10-15"><h1>Zur neuen Präsidentin gewählt</h1>'
     "<p>Erschienen am: 13.10.2021</p></html>", None, ("2021-10-13", "text")),
    # nothing by the headline: a date after a "published" label anywhere, not the update's
    ('<html lang="de"><h1>Die Anleitungen der Vorfahren</h1>' + _LONG + '<footer><p>Letzte Änderung: '
     "31.10.2023 - 14:49:39<br>Erschienen am: 01.11.2023</p></footer></html>", None, ("2023-11-01", "text")),
    # ... else a date-classed element
    ('<html lang="de"><h1>Zum Bonner Anschlag</h1>' + _LONG + '<div class="postmeta">Artikel von kinra '
     '<abbr class="published" title="Sonntag, Dezember 16th, 2012">16.12.2012</abbr></div></html>', None,
     ("2012-12-16", "text")),
    # ... else the page's own teaser in a list of the latest
    ('<html lang="de"><h1>Wahlzensur</h1>' + _LONG + '<ul class="recent"><li><a href="/blog/andere-sache/">Andere '
     'Sache</a> <span>20/10/2018</span></li><li><a href="http://www.silvias.net/blog/wahlzensur/">Wahlzensur'
     "</a> <span>26/10/2018</span></li></ul></html>", "http://www.silvias.net/blog/wahlzensur/",
     ("2018-10-26", "text")),
    # ... else the day the page writes most often, in its text or its markup ("scan")
    ('<html lang="ar"><h1>سر رحيل نعيمة عاكف</h1>' + _LONG + '<img src="/images/large/20201007120909561.jpg">'
     '<img src="/images/2020-10-07/a.jpg"><img src="/images/2020-10-07/b.jpg"><img src="/images/2019-01-02/c.jpg">'
     "</html>", None, ("2020-10-07", "scan")),
])
def test_find_published_fallbacks(html: str, url: str | None, expected: tuple[str | None, str | None]) -> None:
    assert _find(html, url) == expected


def test_a_guessed_date_is_said_so() -> None:
    """A date only the page's markup suggests ("scan") comes with a warning the user sees on `add`; a date shown
    by the headline does not."""
    guessed = ('<html lang="ar"><h1>سر رحيل نعيمة عاكف</h1>' + _LONG + '<img src="/images/2020-10-07/a.jpg">'
               '<img src="/images/2020-10-07/b.jpg"><img src="/images/2019-01-02/c.jpg"></html>')
    article = extract_article(guessed, url="https://example.org/a")
    assert article.published_source == "scan"
    assert any("2020-10-07 is a guess" in w for w in article.warnings), article.warnings
    shown = extract_article('<html lang="de"><h1>Zur Lage</h1><p>Erschienen am: 13.10.2021</p>' + _LONG + "</html>",
                            url="https://example.org/b")
    assert shown.published_source == "text" and not any("guess" in w for w in shown.warnings)
