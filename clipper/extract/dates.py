"""All date handling: parse the forms news pages use, find an article's publication date, format dates.

``find_published`` trusts its sources in this order:

1. JSON-LD ``datePublished`` of the article objects (else ``dateCreated``);
2. ``<meta>`` publication tags (``article:published_time`` in property= or name=, ``pubdate``, ``DC.date.issued``,
   ``itemprop=datePublished``, ``sailthru.date``, ... see ``_META_PUBLISHED``; ``content=`` or ``value=``);
3. the article's own ``<time datetime>``: ``pubdate`` / ``itemprop=datePublished``, or one right next to the
   headline, never the sidebars' many ``<time>`` elements;
4. the visible date next to the headline (a bounded walk of a few hundred characters around the h1);
5. the URL (``/20160801/``, ``/2019/04/25/``, ``?a=20170309-``, ``/2410/28/``, ``/160801/``).

Modified dates (``dateModified``, ``article:modified_time``, text labelled 更新) are used only when nothing else is.
A date-only winner takes the time of day from another source reading the same day.

The UTC trap: CMSs label Japan wall time as UTC (``17:55:00Z`` while the page shows 17時55分). When the most trusted
date is labelled UTC (``Z``/``+00:00``) we check it against the dates visible on the page: if it agrees with a visible
date once converted to Japan time it is genuinely UTC and kept; else another source agreeing with the visible date
wins; else, if its wall-clock digits equal a visible date (or another source's digits with a real offset), the digits
are read in that zone. Naive times are read in Japan time (China/Korea time on Chinese/Korean pages).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from clipper.extract.jsonld import article_objects

MIN_YEAR, MAX_YEAR = 1990, 2100
_MAX_INPUT = 2000  # parse_date looks at this many characters at most


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {name!r}") from exc


JST = _zone("Asia/Tokyo")


@dataclass(frozen=True)
class ParsedDate:
    value: dt.datetime | dt.date  # aware datetime when a time is known, else a date

    @property
    def has_time(self) -> bool:
        return isinstance(self.value, dt.datetime)

    def iso(self) -> str:
        if isinstance(self.value, dt.datetime):
            return self.value.replace(microsecond=0).isoformat()
        return self.value.isoformat()

    def day_in_japan(self) -> dt.date:
        if isinstance(self.value, dt.datetime):
            return self.value.astimezone(JST).date()
        return self.value


# ---------------------------------------------------------------------------------------------------- parsing
_MON = (r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december"
        r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_ERAS = {"令和": (2018, 99), "平成": (1988, 31), "昭和": (1925, 64), "大正": (1911, 15)}  # year 0, last year
# Date forms, most specific first (a tie on position goes to the earlier form). Groups: y, m, d / mon / era.
_FORMS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.I) for p in (
    r"(?P<era>令和|平成|昭和|大正)\s*(?P<y>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日",
    r"(?<!\d)(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일号]",
    r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})T(?P<cH>\d{2})(?P<cM>\d{2})(?P<cS>\d{2})?(?:\.\d+)?(?!\d)",  # compact
    r"(?<![\d/.-])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d|[.,/]\d)",
    r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?!\d)",  # US 11/28/2016
    rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)",
    rf"(?<![\d:])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\s*,?\s+(?P<y>\d{{4}})(?!\d)",
    r"(?<![\d/.年])(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]",  # no year
    r"(?<![\d/.:-])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])",  # no year: 3/9(木) 18:45
))
_ENGLISH = {5, 6}
_WEEKDAY = r"(?:\([^()\d]{1,4}\)|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?)"
_TZ = r"(?P<tz>z(?![a-z])|[+-]\d{2}:?\d{2}(?!\d)|(?:utc|gmt|jst|kst|est|edt|et|pst|pdt|pt)(?![a-z]))"
_TIME_AFTER = re.compile(
    rf"[\s,]*(?:t|at\s|@)?\s*(?:{_WEEKDAY}\s*)?(?P<ap1>午前|午後|am\s|pm\s)?\s*(?P<H>\d{{1,2}})"
    r"(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?|\s*時\s*(?:(?P<M2>\d{1,2})\s*分)?(?:\s*(?P<S2>\d{1,2})\s*秒)?)"
    rf"(?:\s*(?P<ap2>[ap]\.?m\.?)(?![a-z]))?(?:\s*{_TZ})?", re.I)
_TIME_BEFORE = re.compile(
    rf"(?<!\d)(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?(?:\s*(?P<ap2>[ap]\.?m\.?))?(?:\s*{_TZ})?"
    r"\s*,?\s*$", re.I)
_OFFSET = re.compile(rf"\s*{_TZ}", re.I)
_TZ_NAMES = {"z": "UTC", "utc": "UTC", "gmt": "UTC", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
             "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
             "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles"}


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    year: int | None
    month: int
    day: int
    time: tuple[int, int, int] | None
    tz: dt.tzinfo | None
    min_year: int = MIN_YEAR


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _tzinfo(token: str | None) -> dt.tzinfo | None:
    if not token:
        return None
    t = token.lower()
    if t in _TZ_NAMES:
        return dt.UTC if _TZ_NAMES[t] == "UTC" else _zone(_TZ_NAMES[t])
    sign = -1 if t[0] == "-" else 1
    hh, mm = int(t[1:3]), int(t[-2:])
    if hh > 14 or mm > 59:
        return None
    return dt.timezone(sign * dt.timedelta(hours=hh, minutes=mm))


def _time(m: re.Match[str]) -> tuple[tuple[int, int, int], dt.tzinfo | None]:
    g = m.groupdict()
    hour = int(g["H"])
    minute = int(g.get("M") or g.get("M2") or 0)
    second = int(g.get("S") or g.get("S2") or 0)
    ap = (g.get("ap1") or g.get("ap2") or "").strip().lower().replace(".", "")
    if ap in ("午後", "pm") and hour < 12:
        hour += 12
    elif ap in ("午前", "am") and hour == 12:
        hour = 0
    return (hour, minute, second), _tzinfo(g.get("tz"))


def _hits(s: str, limit: int = 200) -> Iterator[_Hit]:
    """Every date in ``s`` (already NFKC-normalised), in order, overlapping matches dropped."""
    found: list[tuple[int, int, re.Match[str]]] = []
    for i, rx in enumerate(_FORMS):
        for n, m in enumerate(rx.finditer(s)):
            if n >= limit:
                break
            found.append((m.start(), i, m))
    found.sort(key=lambda t: (t[0], t[1]))
    last_end = -1
    for start, i, m in found:
        if start < last_end:
            continue
        last_end = m.end()
        g = m.groupdict()
        min_year = MIN_YEAR
        month = _MONTHS[g["mon"].lower()[:3]] if g.get("mon") else int(g["m"])
        year: int | None = None
        if g.get("era"):
            zero, last = _ERAS[g["era"]]
            in_era = 1 if g["y"] == "元" else int(g["y"])
            year = zero + in_era if 1 <= in_era <= last else 0  # 0: a year, but an impossible one
            min_year = 1912
        elif g.get("y"):
            year = int(g["y"])
        time: tuple[int, int, int] | None = None
        tz: dt.tzinfo | None = None
        after = _TIME_AFTER.match(s, m.end(), m.end() + 40)
        if g.get("cH"):  # compact ISO: the time is part of the match, an offset may follow
            time = (int(g["cH"]), int(g["cM"]), int(g["cS"] or 0))
            offset = _OFFSET.match(s, m.end(), m.end() + 12)
            tz = _tzinfo(offset.group("tz")) if offset else None
            last_end = offset.end() if offset else last_end
        elif after:
            time, tz = _time(after)
            last_end = after.end()
        elif i in _ENGLISH:
            before = _TIME_BEFORE.search(s[max(0, start - 30):start])
            if before:
                time, tz = _time(before)
        yield _Hit(start, last_end, year, month, int(g["d"]), time, tz, min_year)


def _make(hit: _Hit, year: int | None, zone: dt.tzinfo) -> ParsedDate | None:
    if year is None or not (hit.min_year <= year <= MAX_YEAR):
        return None
    try:
        day = dt.date(year, hit.month, hit.day)
    except ValueError:
        return None
    if hit.time is None:
        return ParsedDate(day)
    hour, minute, second = hit.time
    if hour > 23 or minute > 59 or second > 60:
        return ParsedDate(day)
    moment = dt.datetime(year, hit.month, hit.day, hour, minute, min(second, 59))
    return ParsedDate(moment.replace(tzinfo=hit.tz or zone))


def parse_date(text: str, *, year_hint: int | None = None, tz: str = "Asia/Tokyo") -> ParsedDate | None:
    """The first date in ``text`` (None when there is none; never today's date, never an exception).

    Dates without a year take ``year_hint``; naive times are read in ``tz``.
    """
    zone = _zone(tz)
    if not isinstance(text, str):
        return None
    s = _norm(text[:_MAX_INPUT]).strip()
    whole = re.fullmatch(r"(\d{4})(\d{2})(\d{2})|(\d{1,2})\.(\d{1,2})", s)
    if whole:
        y, m, d, m2, d2 = whole.groups()
        hit = _Hit(0, len(s), int(y) if y else None, int(m or m2), int(d or d2), None, None)
        return _make(hit, year_hint if hit.year is None else hit.year, zone)
    for hit in _hits(s):
        found = _make(hit, year_hint if hit.year is None else hit.year, zone)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------------- URL
_URL_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)((?:19|20)\d\d)[/_-](\d{1,2})[/_-](\d{1,2})(?=[/_.?#&-]|$)"), "ymd"),  # /2019/04/25/
    (re.compile(r"(?<![\da-zA-Z])((?:19|20)\d\d)(\d\d)(\d\d)(?=\D|$)"), "ymd"),  # /20160801/, ?a=20170309-
    (re.compile(r"/((?:19|20)\d\d)/(\d\d)(\d\d)/"), "ymd"),  # /2024/0424/
    (re.compile(r"/(\d\d)(\d\d)/(\d\d)/"), "yymd"),  # ITmedia-style /2410/28/
    (re.compile(r"/(\d\d)(\d\d)(\d\d)/"), "yymd"),  # /160801/
)


def date_from_url(url: str) -> ParsedDate | None:
    """The date written in a URL's path or query (not its host), or None."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    where = parts.path + ("?" + parts.query if parts.query else "")
    for rx, kind in _URL_FORMS:
        for m in rx.finditer(where):
            y, mo, d = (int(x) for x in m.groups())
            year = 2000 + y if kind == "yymd" else y
            found = _make(_Hit(0, 0, year, mo, d, None, None), year, JST)
            if found is not None:
                return found
    return None


# ---------------------------------------------------------------------------------------------------- formatting
DATE_STYLES: dict[str, str] = {"dot": "2016.8.1", "dot0": "2016.07.27", "slash": "2016/8/25", "slash0": "2016/08/25",
                               "kanji": "2016年7月18日", "iso": "2016-08-01", "md": "8.25"}


def format_date(iso: str, style: str) -> str:
    """An ISO date or date-time rendered in one of ``DATE_STYLES``, taking the day in Japan time."""
    if style not in DATE_STYLES:
        raise ValueError(f"unknown date style {style!r}; known styles: {', '.join(DATE_STYLES)}")
    parsed = parse_date(iso)
    if parsed is None:
        raise ValueError(f"not a date: {iso!r}")
    d = parsed.day_in_japan()
    return {"dot": f"{d.year}.{d.month}.{d.day}", "dot0": f"{d.year}.{d.month:02}.{d.day:02}",
            "slash": f"{d.year}/{d.month}/{d.day}", "slash0": f"{d.year}/{d.month:02}/{d.day:02}",
            "kanji": f"{d.year}年{d.month}月{d.day}日", "iso": d.isoformat(), "md": f"{d.month}.{d.day}"}[style]


def normalize_user_date(text: str) -> str:
    """A date typed on the command line -> ISO. Raises ValueError saying what is wrong."""
    s = _norm(text or "").strip()
    if not s:
        raise ValueError("empty date; write it like 2024-10-13")
    today = dt.datetime.now(JST).date()
    relative = {"today": 0, "今日": 0, "本日": 0, "きょう": 0, "yesterday": 1, "昨日": 1, "きのう": 1}
    if s.lower() in relative:
        return (today - dt.timedelta(days=relative[s.lower()])).isoformat()
    parsed = parse_date(s)
    if parsed is not None:
        return parsed.iso()
    if parse_date(s, year_hint=today.year) is not None:
        raise ValueError(f"{text!r} has no year; write it with one, like {today.year}-10-13")
    raise ValueError(f"cannot read {text!r} as a date between {MIN_YEAR} and {MAX_YEAR}; write it like 2024-10-13 "
                     "(2024/10/13, 2024年10月13日 and 令和6年10月13日 work too)")


# ---------------------------------------------------------------------------------------------------- pages
_META_PUBLISHED = (
    "article:published_time", "og:published_time", "og:article:published_time", "article:published", "datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "published_time", "published_at", "date_published",
    "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "creation_date", "created",
    "cxenseparse:recs:publishtime", "sailthru.date", "parsely-pub-date", "article.published", "odate",
    "original-publish-date", "dc.date", "dcterms.date", "date", "release_date",
)
_META_MODIFIED = ("article:modified_time", "og:updated_time", "dc.date.modified", "dcterms.modified", "lastupdate",
                  "last-modified", "datemodified", "modified_time", "article:modified", "sailthru.lastmodified")
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "rt", "rp", "head", "select", "iframe", "button"})
_NEAR = 300  # characters either side of the headline where the article's own date lives
_UPDATE_LABEL = re.compile(r"(更新|修正|updated?|modified)[^\d]{0,4}$", re.I)


@dataclass
class _Cand:
    date: ParsedDate
    source: str
    node: LexborNode | None = None


def _forward(node: LexborNode, *, inside: bool = False, steps: int = 4000) -> Iterator[LexborNode]:
    """Nodes after ``node`` in document order (``inside``: only its descendants), skipping script/ruby text."""
    cur: LexborNode | None = node
    descend = inside
    while cur is not None and steps > 0:
        steps -= 1
        if descend and cur.tag not in _SKIP and cur.first_child is not None:
            cur = cur.first_child
        else:
            while cur is not None and cur.next is None and steps > 0:
                if inside and cur.mem_id == node.mem_id:
                    return
                steps -= 1
                cur = cur.parent
            if cur is None or (inside and cur.mem_id == node.mem_id):
                return
            cur = cur.next
        descend = True
        if cur is not None:
            yield cur


def _backward(node: LexborNode, steps: int = 4000) -> Iterator[LexborNode]:
    """Nodes before ``node`` in reverse document order, up to the body."""
    cur: LexborNode | None = node
    while cur is not None and steps > 0:
        steps -= 1
        if cur.prev is not None:
            cur = cur.prev
            yield cur
            while cur.tag not in _SKIP and cur.last_child is not None and steps > 0:
                steps -= 1
                cur = cur.last_child
                yield cur
        else:
            cur = cur.parent
            if cur is None or cur.tag in ("body", "html"):
                return


def _text_of(node: LexborNode, limit: int = 400) -> str:
    out: list[str] = []
    size = 0
    for n in _forward(node, inside=True, steps=2000):
        if n.is_text_node:
            out.append(n.text_content or "")
            size += len(out[-1])
            if size > limit:
                break
    return "".join(out)


class _Walk:
    """Text around the headline in document order, bounded in characters and in nodes visited."""

    def __init__(self, start: LexborNode | None, budget: int = 1500) -> None:
        self.after: list[str] = []
        self.before: list[str] = []
        self.times: list[tuple[int, LexborNode]] = []  # (signed char offset from the headline, <time>)
        if start is None:
            return
        for nodes, out, limit, sign in ((_forward(start), self.after, budget, 1),
                                        (_backward(start), self.before, _NEAR, -1)):
            size = 0
            for n in nodes:
                if n.is_text_node:
                    chunk = (n.text_content or "").strip()
                    if chunk:
                        out.append(chunk)
                        size += len(chunk) + 1
                        if size > limit:
                            break
                elif n.tag == "time":
                    self.times.append((sign * size, n))
        self.before.reverse()


def _attr(node: LexborNode, *names: str) -> str:
    attrs = node.attributes
    for name in names:
        value = attrs.get(name)
        if value:
            return value.strip()
    return ""


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", _norm(s))


def _headline(tree: LexborHTMLParser, jsonld: list[dict[str, Any]]) -> LexborNode | None:
    """The element showing the article's title: the h1 (h2, *title*/*headline* class) that matches the page's
    title (og:title, <title>, JSON-LD headline), else the first non-empty h1."""
    titles = [_squash(_attr(m, "content", "value")) for m in tree.css('meta[property="og:title"], meta[name="title"]')]
    title_tag = tree.css_first("title")
    if title_tag is not None:
        titles.append(_squash(title_tag.text() or ""))
    titles += [_squash(o["headline"]) for o in article_objects(jsonld) if isinstance(o.get("headline"), str)]
    titles = [t for t in titles if t]
    first: LexborNode | None = None
    classed = tree.css('[class*="headline"], [class*="title"], [class*="Title"]')[:30]
    for group in (tree.css("h1")[:20] + tree.css("h2")[:20], classed):
        best: tuple[int, LexborNode] | None = None
        for node in group:
            text = _squash(_text_of(node))
            if len(text) < 2 or node.tag == "title":
                continue
            if first is None and node.tag == "h1":
                first = node
            if any(text in t or (len(t) >= 8 and t in text and len(text) < 2 * len(t)) for t in titles):
                if best is None or len(text) > best[0]:
                    best = (len(text), node)
        if best:
            return best[1]
    return first


def _page_zone(tree: LexborHTMLParser, sample: str) -> dt.tzinfo:
    root = tree.root
    lang = (_attr(root, "lang", "xml:lang") if root is not None else "").lower()
    if lang.startswith("zh"):
        return _zone("Asia/Taipei" if ("tw" in lang or "hant" in lang) else "Asia/Shanghai")
    if lang.startswith("ko"):
        return _zone("Asia/Seoul")
    if not lang:  # undeclared: Korean or Chinese text (no kana to speak of) is not in Japan time
        kana = len(re.findall(r"[\u3041-\u309f\u30a1-\u30fa]", sample))
        if len(re.findall(r"[\uac00-\ud7af]", sample)) >= max(50, 50 * kana):
            return _zone("Asia/Seoul")
        if len(re.findall(r"[\u4e00-\u9fff]", sample)) >= max(100, 50 * kana):
            return _zone("Asia/Shanghai")
    return JST


def _structured(tree: LexborHTMLParser, jsonld: list[dict[str, Any]], zone: dt.tzinfo,
                walk: _Walk) -> tuple[list[_Cand], list[_Cand]]:
    """(published candidates in order of trust, modified candidates)."""
    tz = str(zone)
    pub: list[_Cand] = []
    mod: list[_Cand] = []

    def add(out: list[_Cand], raw: Any, source: str, node: LexborNode | None = None) -> None:
        if isinstance(raw, list) and raw:
            raw = raw[0]
        if isinstance(raw, str) and raw.strip():
            parsed = parse_date(raw, tz=tz)
            if parsed is not None:
                out.append(_Cand(parsed, source, node))

    arts = article_objects(jsonld)
    for key in ("datePublished", "dateCreated"):
        for obj in arts:
            add(pub, obj.get(key), "jsonld")
    for obj in arts:
        add(mod, obj.get("dateModified"), "jsonld")
    metas: dict[str, list[str]] = {}
    for m in tree.css("meta"):
        value = _attr(m, "content", "value")
        for key in {_attr(m, k).lower() for k in ("property", "name", "itemprop")} - {""}:
            metas.setdefault(key, []).append(value)
    for key in _META_PUBLISHED + tuple(k for k in metas if k.endswith("pubday")):
        for value in metas.get(key, ()):
            add(pub, value, "meta")
    for key in _META_MODIFIED:
        for value in metas.get(key, ()):
            add(mod, value, "meta")
    # marked (pubdate, itemprop) and next to the headline first; marked elsewhere only when they all agree
    near = [n for off, n in sorted(walk.times, key=lambda t: abs(t[0])) if abs(off) <= _NEAR]
    marked = tree.css('time[pubdate], [itemprop="datePublished"]:not(meta)')[:20]
    near_ids = {n.mem_id for n in near}
    nodes = [n for n in marked if n.mem_id in near_ids] + near
    if len({_attr(n, "datetime", "content") for n in marked}) == 1:
        nodes += marked
    all_times = tree.css("time")[:2]
    if len(all_times) == 1:
        nodes.append(all_times[0])
    seen: set[int] = set()
    for node in nodes:
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        around = " ".join(_attr(n, "class", "itemprop") for n in (node, node.parent) if n is not None)
        updated = re.search(r"updat|modif|dateModified", around, re.I) is not None
        add(mod if updated else pub, _attr(node, "datetime", "content") or _text_of(node), "time", node)
    return pub, mod


def _readings(text: str, zone: dt.tzinfo, ref: dt.date | None,
              year_of: Callable[[int, int], int | None]) -> list[tuple[int, ParsedDate, bool]]:
    """Visible dates in ``text`` that have a year or a time of day: (position, date, labelled as an update).

    A date without a year takes the year nearest ``ref``, else one written with the same month and day somewhere in
    the page source (an id, a link: ``year_of``); dates with neither year nor time are too weak to use.
    """
    s = _norm(text)
    out: list[tuple[int, ParsedDate, bool]] = []
    for hit in _hits(s, limit=50):
        year = hit.year
        if year is None:
            if hit.time is None:
                continue
            year = _nearest_year(hit.month, hit.day, ref) if ref else year_of(hit.month, hit.day)
        found = _make(hit, year, zone)
        if found is not None:
            updated = bool(_UPDATE_LABEL.search(s[max(0, hit.start - 12):hit.start])
                           or s.startswith("更新", hit.end))  # 01時40分更新; not "… 更新: <next date>"
            out.append((hit.start, found, updated))
    return out


def _nearest_year(month: int, day: int, ref: dt.date) -> int | None:
    best: tuple[int, int] | None = None
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            gap = abs((dt.date(year, month, day) - ref).days)
        except ValueError:
            continue
        if best is None or gap < best[0]:
            best = (gap, year)
    return best[1] if best else None


def _local(p: ParsedDate, zone: dt.tzinfo) -> dt.datetime | None:
    return p.value.astimezone(zone).replace(second=0, microsecond=0) if isinstance(p.value, dt.datetime) else None


def _wall(p: ParsedDate) -> dt.datetime | None:
    return p.value.replace(tzinfo=None, second=0, microsecond=0) if isinstance(p.value, dt.datetime) else None


def _is_utc(p: ParsedDate) -> bool:
    return isinstance(p.value, dt.datetime) and p.value.utcoffset() == dt.timedelta(0)


def _resolve_utc(best: _Cand, others: list[_Cand], visible: list[ParsedDate], zone: dt.tzinfo) -> _Cand:
    """The UTC trap (see the module docstring)."""
    shown = {_local(v, zone) for v in visible} - {None}
    if _local(best.date, zone) in shown:
        return best
    for c in others:
        if not _is_utc(c.date) and _local(c.date, zone) in shown:
            return c
    assert isinstance(best.date.value, dt.datetime)
    wall = best.date.value.replace(tzinfo=None)
    if _wall(best.date) in {_wall(v) for v in visible if _local(v, zone) is not None}:
        return _Cand(ParsedDate(wall.replace(tzinfo=zone)), best.source)
    for c in others:
        if not _is_utc(c.date) and isinstance(c.date.value, dt.datetime) and _wall(c.date) == _wall(best.date):
            return _Cand(ParsedDate(wall.replace(tzinfo=c.date.value.tzinfo)), best.source)
    return best


def _year_in_source(tree: LexborHTMLParser) -> Callable[[int, int], int | None]:
    html: list[str] = []

    def year_of(month: int, day: int) -> int | None:
        if not html:
            html.append((tree.html or "")[:3_000_000])
        m = re.search(rf"(?<!\d)((?:19|20)\d\d)(?:[-/._]?{month:02}[-/._]?{day:02}|年0?{month}月0?{day}日)(?!\d)",
                      html[0])
        return int(m.group(1)) if m else None

    return year_of


def find_published(tree: LexborHTMLParser, *, url: str | None, jsonld: list[dict[str, Any]]) -> tuple[
        str | None, str | None]:
    """(ISO date or date-time, source) of the article's publication, or (None, None). Never raises."""
    try:
        found = _find_published(tree, url, jsonld or [])
    except Exception:  # a date is never worth failing a clip over (pathological markup, recursion limits)
        return None, None
    if found is None:
        return None, None
    value = found.date.value
    if isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0):
        return ParsedDate(value.astimezone(JST)).iso(), found.source
    return found.date.iso(), found.source


def _find_published(tree: LexborHTMLParser, url: str | None, jsonld: list[dict[str, Any]]) -> _Cand | None:
    if tree.root is None:
        return None
    head = _headline(tree, jsonld)
    walk = _Walk(head)
    after, before = " ".join(walk.after), " ".join(walk.before)
    zone = _page_zone(tree, (_text_of(head) if head is not None else "") + after[:1500] + before)
    pub, mod = _structured(tree, jsonld, zone, walk)
    from_url = date_from_url(url) if url else None
    ref = pub[0].date.day_in_japan() if pub else (from_url.value if from_url else None)
    year_of = _year_in_source(tree)
    # visible dates: next to the headline (below, then above), then further down (a time, or the URL's day)
    below = _readings(after, zone, ref, year_of)
    inside = _readings(_text_of(head), zone, ref, year_of) if head is not None else []
    near = [(p, upd) for pos, p, upd in below if pos < _NEAR] + [(p, upd) for _pos, p, upd in inside] + [
        (p, upd) for _pos, p, upd in _readings(before, zone, ref, year_of)[::-1]]
    for cand in pub:
        if cand.node is not None:
            near += [(p, upd) for _pos, p, upd in _readings(_text_of(cand.node), zone, ref, year_of)]
    far = [(p, upd) for pos, p, upd in below if pos >= _NEAR]
    if pub:
        best = pub[0]
        if _is_utc(best.date):
            best = _resolve_utc(best, pub[1:], [p for p, _upd in near + far if p.has_time], zone)
        if not best.date.has_time:  # a date-only winner takes the time of a source reading the same day
            for p in [c.date for c in pub] + [p for p, upd in near if not upd]:
                if isinstance(p.value, dt.datetime) and p.value.date() == best.date.value:
                    return _Cand(p, best.source)
        return best
    on_url_day = [p for p, upd in near + far if from_url and not upd and p.day_in_japan() == from_url.value]
    texts = on_url_day + [p for p, upd in near if not upd] + [p for p, upd in far if not upd and p.has_time]
    if texts:
        return _Cand(texts[0], "text")
    if from_url is not None:
        return _Cand(from_url, "url")
    updates = [c.date for c in mod] + [p for p, upd in near + far if upd]
    return _Cand(updates[0], mod[0].source if mod else "text") if updates else None
