"""All date handling: parse the forms news pages use, find an article's publication date, format dates.

``find_published`` trusts its sources in this order:

1. JSON-LD ``datePublished`` of the article objects (else ``dateCreated``);
2. ``<meta>`` publication tags (``article:published_time`` in property= or name=, ``pubdate``, ``DC.date.issued``,
   ``publication_date``, ``citation_publication_date``, ... see ``_META_PUBLISHED``; ``content=`` or ``value=``),
   then any other CreativeWork's ``datePublished`` (a Recipe, a WebSite; not a comment's, image's or person's);
3. the article's own ``<time datetime>``: ``pubdate`` / ``itemprop=datePublished``, or one right next to the
   headline, never the sidebars' many ``<time>`` elements nor the readers' comments';
4. the visible date next to the headline (a bounded walk of a few hundred characters around the h1);
5. the URL, strictly (``/20160801/``, ``/2019/04/25/``, ``?a=20170309-``, ``/2410/28/``; ``/2008/05/`` is a month);
6. the first dated line of the article area (``<article>``/``<main>``, else the body) outside navigation, footers,
   sidebars and comments; then a publication date in a script's JSON state (``"createdAt": "..."``).

Modified dates (``dateModified``, ``article:modified_time``, text labelled 更新, dates inside ``.updated``) are used
only when nothing else is. A date-only winner takes the time of day from another source reading the same day.

Zones: the page's language decides (``_page_context``). Naive times are Japan time only on Japanese pages (declared
``ja``, a ``.jp`` host, or Japanese text), China/Korea time on Chinese/Korean pages, and stay naive elsewhere: the
page did not say, so neither do we. A UTC instant stays that instant; off Japan it is written in the page's own
offset when the page gives the same instant with one (or as naive wall time), or becomes the day the page shows when
that is the instant's day in some zone. Day-first numbers (``19.07.2014``, ``05/02/2020``) where the language writes
them so (machine-readable values are month-first); month names come from a dateutil ``parserinfo``.

The UTC trap (Japanese pages only): CMSs label Japan wall time as UTC (``17:55:00Z`` while the page shows 17時55分).
When the most trusted date is labelled UTC (``Z``/``+00:00``) we check it against the dates visible on the page: if it
agrees with a visible date once converted to Japan time it is genuinely UTC and kept; else another source agreeing
with the visible date wins; else, if its wall-clock digits equal a visible date (or another source's digits with a
real offset), the digits are read in that zone.
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

from dateutil.parser import parserinfo
from selectolax.lexbor import LexborHTMLParser, LexborNode

from clipper.extract.jsonld import article_objects, types_of
from clipper.extract.page import PageNodes

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
    value: dt.datetime | dt.date  # datetime when a time is known (naive when the page gives no zone), else a date

    @property
    def has_time(self) -> bool:
        return isinstance(self.value, dt.datetime)

    def iso(self) -> str:
        if isinstance(self.value, dt.datetime):
            return self.value.replace(microsecond=0).isoformat()
        return self.value.isoformat()

    def day_in_japan(self) -> dt.date:
        if isinstance(self.value, dt.datetime):
            if self.value.tzinfo is None:  # a naive time: the day the page shows
                return self.value.date()
            return self.value.astimezone(JST).date()
        return self.value


# ---------------------------------------------------------------------------------------------------- parsing
class _MonthNames(parserinfo):
    """Month names of the languages whose news gets quoted (dateutil's lookup takes any names): English, German,
    French, Spanish, Italian, Portuguese, Dutch, Russian and Ukrainian (nominative and genitive: август, августа)."""

    MONTHS: list[tuple[str, ...]] = [  # type: ignore[assignment]  # (typeshed allows only 2-3 names a month)
        ("jan", "january", "januar", "jänner", "janvier", "janv", "enero", "ene", "gennaio", "gen", "janeiro",
         "januari", "январь", "января", "янв", "січень", "січня", "січ"),
        ("feb", "february", "februar", "feber", "février", "fevrier", "févr", "fevr", "fév", "febrero", "febbraio",
         "fevereiro", "fev", "februari", "февраль", "февраля", "фев", "лютий", "лютого", "лют"),
        ("mar", "march", "märz", "maerz", "mär", "mrz", "mars", "marzo", "março", "marco", "maart", "март", "марта",
         "березень", "березня", "бер"),
        ("apr", "april", "avril", "avr", "abril", "abr", "aprile", "апрель", "апреля", "квітень", "квітня", "квіт"),
        ("may", "mai", "mayo", "maggio", "mag", "maio", "mei", "май", "мая", "травень", "травня", "трав"),
        ("jun", "june", "juni", "juin", "junio", "giugno", "giu", "junho", "июнь", "июня", "червень", "червня",
         "черв"),
        ("jul", "july", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho", "июль", "июля", "липень",
         "липня", "лип"),
        ("aug", "august", "août", "aout", "agosto", "ago", "augustus", "авг", "август", "августа", "серпень",
         "серпня", "серп"),
        ("sep", "sept", "september", "septembre", "septiembre", "setiembre", "settembre", "set", "setembro",
         "сентябрь", "сентября", "сен", "сент", "вересень", "вересня", "вер"),
        ("oct", "october", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out", "октябрь",
         "октября", "окт", "жовтень", "жовтня", "жовт"),
        ("nov", "november", "novembre", "noviembre", "novembro", "ноябрь", "ноября", "ноя", "листопад",
         "листопада", "лист"),
        ("dec", "december", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic", "dicembre",
         "dezembro", "декабрь", "декабря", "дек", "грудень", "грудня", "груд"),
    ]


_MONTH_NAMES = _MonthNames()
_MON = r"(?P<mon>[^\W\d_]{3,10})\.?"  # any word; kept only when _MONTH_NAMES knows it
_ERAS = {"令和": (2018, 99), "平成": (1988, 31), "昭和": (1925, 64), "大正": (1911, 15)}  # year 0, last year
# Date forms, most specific first (a tie on position goes to the earlier form). Each starts with a digit and puts
# its lookbehind after it: \d(?<![\d.]\d)\d? is (?<![\d.])\d{1,2}, scanned 4x faster. Groups: y, m, d / mon / era;
# a, b: the two numbers of an ambiguous a/b/yyyy, read day-first or month-first by the page's language.
_FORMS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.I) for p in (
    r"(?P<era>令和|平成|昭和|大正)\s*(?P<y>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日",
    r"(?P<y>\d(?<!\d\d)\d{3})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일号]",
    r"(?P<y>\d(?<!\d\d)\d{3})(?P<m>\d{2})(?P<d>\d{2})T(?P<cH>\d{2})(?P<cM>\d{2})(?P<cS>\d{2})?(?:\.\d+)?(?!\d)",
    r"(?P<y>\d(?<![\d/.-]\d)\d{3})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d|[.,/]\d)",
    r"(?P<a>\d(?<![\d/.-]\d)\d?)(?P<s>[/-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?!\d)",  # 11/28/2016, 05/02/2020
    r"(?P<d>\d(?<![\d.]\d)\d?)\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})(?!\d)",  # day first: 19.07.2014
    r"(?P<d>\d(?<![\d.]\d)\d?)\.(?P<m>\d{1,2})\.(?P<yy>\d{2})(?![\d.])",  # 28.09.19 (20xx)
    rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)",  # July 19, 2014
    rf"(?P<d>\d(?<![\d.]\d)(?<!\d:\d)\d?)(?:st|nd|rd|th|er|\.|º)?\s*(?:de\s+)?{_MON}\s*,?\s*(?:de\s+|del\s+)?"
    r"(?P<y>\d{4})(?!\d)",  # 19 July 2014, 19. Juli 2014, 15 de agosto de 2016, 15 августа 2016
    r"(?P<m>\d(?<![\d/.年]\d)\d?)\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]",  # no year
    r"(?P<m>\d(?<![\d/.:-]\d)\d?)/(?P<d>\d{1,2})(?![\d/])",  # no year: 3/9(木) 18:45
))
# What each form needs somewhere in the text (cheap scans deciding whether the form's own scan runs)
_NEEDS: tuple[re.Pattern[str] | None, ...] = tuple(None if p is None else re.compile(p) for p in (
    "年", "[年년]", None, None, None, None, None, None, None, "[月월]", None))
_MONTH_FIRST = 7  # July 19, 2014: found from its digits (a scan from every word would cost half of all scans)
_DAY_YEAR = re.compile(r"(?<!\d)\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}(?!\d)", re.I)
_WORD_BEFORE = re.compile(r"[^\W\d_]{3,10}\.?\s+$")


def _month_first(s: str, rx: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """``rx.finditer(s)`` for the month-first form, found from the day and year it must have."""
    last = 0
    for dm in _DAY_YEAR.finditer(s):
        word = _WORD_BEFORE.search(s, max(last, dm.start() - 40), dm.start())
        if word is not None:
            m = rx.match(s, word.start())
            if m is not None:
                last = m.end()
                yield m
_AMBIGUOUS, _NAMED = 4, {7, 8}  # _NAMED: forms whose time of day may come first: 17:41 JST, October 13, 2024
_WEEKDAY = r"(?:\([^()\d]{1,4}\)|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?)"
_TZ = (r"(?P<tz>z(?![a-z])|[+-]\d{2}:?\d{2}(?!\d)|(?:utc|gmt|jst|kst|est|edt|et|pst|pdt|pt|cet|cest|mez|mesz|bst|msk)"
       r"(?![a-z]))")
_TIME_AFTER = re.compile(
    rf"[\s,|–-]*(?:t|at\s|@|um\s|à\s|a\s+las\s|às\s|alle\s|в\s|o\s)?\s*(?:{_WEEKDAY}\s*)?(?P<ap1>午前|午後|am\s|pm\s)?"
    r"\s*(?P<H>\d{1,2})"
    r"(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?|\s*時\s*(?:(?P<M2>\d{1,2})\s*分)?(?:\s*(?P<S2>\d{1,2})\s*秒)?)"
    rf"(?:\s*(?P<ap2>[ap]\.?m\.?)(?![a-z]))?(?:\s*{_TZ})?", re.I)
_TIME_BEFORE = re.compile(
    rf"(?<!\d)(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?(?:\s*(?P<ap2>[ap]\.?m\.?))?(?:\s*{_TZ})?"
    r"\s*,?\s*$", re.I)
_OFFSET = re.compile(rf"\s*{_TZ}", re.I)
_TZ_NAMES = {"z": "UTC", "utc": "UTC", "gmt": "UTC", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
             "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
             "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
             "cet": "Europe/Berlin", "cest": "Europe/Berlin", "mez": "Europe/Berlin", "mesz": "Europe/Berlin",
             "bst": "Europe/London", "msk": "Europe/Moscow"}


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


_DIGIT = re.compile(r"\d")


# The other forms start where a run of digits starts, and take the whole run: 4 digits (a year), 8 (a compact ISO
# date) or 1-2 (a day or month). Their scans from every position are replaced by matches at those runs only.
_SCANNED = (0, _MONTH_FIRST)
_BY_RUN: dict[int, tuple[int, ...]] = {1: (4, 5, 6, 8, 9, 10), 2: (4, 5, 6, 8, 9, 10), 4: (1, 3), 8: (2,)}
_RUN = re.compile(r"(?<!\d)\d+")


def _digit_forms(s: str, limit: int, found: list[tuple[int, int, re.Match[str]]]) -> None:
    """``found += (m.start(), i, m)`` for the first ``limit`` matches of ``_FORMS[i].finditer(s)``, for every i
    not in ``_SCANNED``: each form is tried only at the starts of the digit runs it can begin with."""
    ends = [0] * len(_FORMS)  # where each form's scan goes on (a form's matches do not overlap)
    counts = [0] * len(_FORMS)
    for i, need in enumerate(_NEEDS):
        if i not in _SCANNED and need is not None and not need.search(s):
            counts[i] = limit  # (a form that cannot match)
    for run in _RUN.finditer(s):
        forms = _BY_RUN.get(run.end() - run.start())
        if forms is None:
            continue
        start = run.start()
        for i in forms:
            if start < ends[i] or counts[i] >= limit:
                continue
            m = _FORMS[i].match(s, start)
            if m is not None:
                ends[i] = m.end()
                counts[i] += 1
                found.append((start, i, m))


def _hits(s: str, limit: int = 200, dayfirst: bool = False) -> Iterator[_Hit]:
    """Every date in ``s`` (already NFKC-normalised), in order, overlapping matches dropped. ``dayfirst``: an
    ambiguous ``05/02/2020`` is the 5th of February (else May 2nd; a number over 12 settles it either way)."""
    found: list[tuple[int, int, re.Match[str]]] = []
    if not _DIGIT.search(s):
        return
    for i in _SCANNED:
        rx, need = _FORMS[i], _NEEDS[i]
        if need is not None and not need.search(s):
            continue  # (a form that cannot match)
        for n, m in enumerate(_month_first(s, rx) if i == _MONTH_FIRST else rx.finditer(s)):
            if n >= limit:
                break
            found.append((m.start(), i, m))
    _digit_forms(s, limit, found)
    found.sort(key=lambda t: (t[0], t[1]))
    last_end = -1
    for start, i, m in found:
        if start < last_end:
            continue
        g = m.groupdict()
        if g.get("mon"):
            month = _MONTH_NAMES.month(g["mon"]) or 0
            if not month:
                continue  # a word that is no month name
        elif g.get("a"):
            a, b = int(g["a"]), int(g["b"])
            day_first = b > 12 if a <= 12 and b <= 12 else a > 12
            day_first = dayfirst if a <= 12 and b <= 12 else day_first
            month, g["d"] = (b, g["a"]) if day_first else (a, g["b"])
        else:
            month = int(g["m"])
        last_end = m.end()
        min_year = MIN_YEAR
        year: int | None = None
        if g.get("era"):
            zero, last = _ERAS[g["era"]]
            in_era = 1 if g["y"] == "元" else int(g["y"])
            year = zero + in_era if 1 <= in_era <= last else 0  # 0: a year, but an impossible one
            min_year = 1912
        elif g.get("y"):
            year = int(g["y"])
        elif g.get("yy"):
            year = 2000 + int(g["yy"])
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
        elif i in _NAMED:
            before = _TIME_BEFORE.search(s[max(0, start - 30):start])
            if before:
                time, tz = _time(before)
        yield _Hit(start, last_end, year, month, int(g["d"]), time, tz, min_year)


def _make(hit: _Hit, year: int | None, zone: dt.tzinfo | None) -> ParsedDate | None:
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


def parse_date(text: str, *, year_hint: int | None = None, tz: str | None = "Asia/Tokyo",
               dayfirst: bool = False) -> ParsedDate | None:
    """The first date in ``text`` (None when there is none; never today's date, never an exception).

    Dates without a year take ``year_hint``; naive times are read in ``tz`` (``None``: they stay naive, the zone
    is unknown); ``dayfirst`` reads an ambiguous ``05/02/2020`` as 5 February.
    """
    return _parse(text, year_hint, _zone(tz) if tz else None, dayfirst)


_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?\s*([Zz]|[+-]\d\d:?\d\d)?)?",
                  re.ASCII)


def _parse(text: str, year_hint: int | None, zone: dt.tzinfo | None, dayfirst: bool) -> ParsedDate | None:
    if not isinstance(text, str):
        return None
    iso = _ISO.fullmatch(text.strip())  # the machine-readable form most values take: no scan needed
    if iso:
        y, mo, d, hh, mm, ss, tz = iso.groups()
        clock = (int(hh), int(mm), int(ss or 0)) if hh else None
        return _make(_Hit(0, 0, int(y), int(mo), int(d), clock, _tzinfo(tz)), int(y), zone)
    s = _norm(text[:_MAX_INPUT]).strip()
    whole = re.fullmatch(r"(\d{4})(\d{2})(\d{2})|(\d{1,2})\.(\d{1,2})", s)
    if whole:
        y, m, d, m2, d2 = whole.groups()
        hit = _Hit(0, len(s), int(y) if y else None, int(m or m2), int(d or d2), None, None)
        return _make(hit, year_hint if hit.year is None else hit.year, zone)
    for hit in _hits(s, dayfirst=dayfirst):
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
_URL_MONTH = re.compile(r"(?<![\d])((?:19|20)\d\d)[/_-](0[1-9]|1[0-2])(?=[/_.?#&-]|$)")  # /2008/05/: a month


def date_from_url(url: str) -> ParsedDate | None:
    """The date written in a URL's path or query (not its host), or None. Strict: ``/2008/05/`` is May 2008
    (no day, so no date), never 2020-08-05."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    where = parts.path + ("?" + parts.query if parts.query else "")
    months = {m.start(1) for m in _URL_MONTH.finditer(where)}
    for rx, kind in _URL_FORMS:
        for m in rx.finditer(where):
            if kind == "yymd" and (m.start(1) in months or m.start(1) - 2 in months):
                continue  # the digits of a year/month pair read another way
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
    "original-publish-date", "publication_date", "publication-date", "publicationdate", "citation_publication_date",
    "citation_date", "citation_online_date", "prism.publicationdate", "article:publicationdate", "article:post_date",
    "article_date_original", "article.created", "originalpublicationdate", "dc.date.publication", "dc:date",
    "dc:created", "dc.created", "rnews:datepublished", "bt:pubdate", "og:pubdate", "pubtime", "publish_time",
    "published-date", "published_date", "date_created", "datecreated", "dateposted", "displaydate",
    "shareaholic:article_published_time", "vr:published_time", "mediator_published_time", "twt-published-at",
    "dcsext.articlefirstpublished", "content_create_date", "doc_date", "rbpubdate", "gentime", "pdate", "ptime",
    "dc.date", "dcterms.date", "date", "release_date", "video:release_date", "timestamp",
)
_WEAK_META = frozenset({"date", "dc.date", "dcterms.date", "dc:date", "timestamp", "gentime"})
_META_MODIFIED = ("article:modified_time", "og:updated_time", "dc.date.modified", "dcterms.modified", "lastupdate",
                  "last-modified", "datemodified", "modified_time", "article:modified", "sailthru.lastmodified")
_META_NAMES = frozenset(_META_PUBLISHED + _META_MODIFIED)
# JSON-LD objects whose datePublished is not the page's: the comments, reviews, pictures and people on it
_NOT_THE_PAGE = frozenset({"Comment", "Review", "ImageObject", "VideoObject", "AudioObject", "MediaObject", "Person",
                           "Organization", "Answer", "Question", "Rating", "Offer", "Product", "Event"})
_UPDATE_CLASS = re.compile(r"updat|modif|dateModified|aktualisiert", re.I)
_HAS_DIGIT = re.compile(r"\d")
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "rt", "rp", "head", "select", "iframe", "button"})
_NEAR = 300  # characters either side of the headline where the article's own date lives
# "updated" in the languages of _MonthNames, right before a date (its preposition and a colon may follow)
_UPDATE_LABEL = re.compile(
    r"(?:(?:更新|修正)(?:日時|日|時刻)?|updated?|modified|last\s+changed|edited|aktualisiert|geändert|änderung|überarbeitet|"
    r"mis\s+à\s+jour|modifié|actualizado|actualización|modificado|atualizado|atualização|aggiornato|"
    r"aggiornamento|modificato|bijgewerkt|gewijzigd|обновлено|обновлен|изменено|оновлено)"
    r"(?:\s+(?:on|at|am|um|le|el|em|il|op|в|о))?[^\w\d]{0,4}$", re.I)


@dataclass
class _Cand:
    date: ParsedDate
    source: str
    node: LexborNode | None = None
    weak: bool = False  # a generic meta "date" or a <time> far from the headline: a visible date beats it


def _forward(node: LexborNode, *, inside: bool = False, steps: int = 4000) -> Iterator[tuple[str | None, LexborNode]]:
    """(tag, node) of the nodes after ``node`` in document order (``inside``: only its descendants), skipping
    script/ruby text. (Each property read makes a new node object or string: each is read once a step.)"""
    cur = node
    root = node.mem_id if inside else -1
    descend = inside
    tag: str | None = node.tag if inside else ""
    while steps > 0:
        steps -= 1
        child = cur.first_child if descend and tag != "-text" and tag not in _SKIP else None
        if child is not None:
            cur = child
        else:
            while True:
                if inside and cur.mem_id == root:
                    return
                nxt = cur.next
                if nxt is not None:
                    cur = nxt
                    break
                steps -= 1
                parent = cur.parent
                if parent is None or steps <= 0:
                    return
                cur = parent
        descend = True
        tag = cur.tag
        yield tag, cur


def _backward(node: LexborNode, steps: int = 4000) -> Iterator[tuple[str | None, LexborNode]]:
    """(tag, node) of the nodes before ``node`` in reverse document order, up to the body."""
    cur = node
    while steps > 0:
        steps -= 1
        prev = cur.prev
        if prev is not None:
            cur = prev
            tag = cur.tag
            yield tag, cur
            while steps > 0 and tag != "-text" and tag not in _SKIP:
                last = cur.last_child
                if last is None:
                    break
                steps -= 1
                cur = last
                tag = cur.tag
                yield tag, cur
        else:
            parent = cur.parent
            if parent is None or parent.tag in ("body", "html"):
                return
            cur = parent


def _text_of(node: LexborNode, limit: int = 400) -> str:
    out: list[str] = []
    size = 0
    for _tag, n in _forward(node, inside=True, steps=2000):
        if n.is_text_node:
            out.append(n.text_content or "")
            size += len(out[-1])
            if size > limit:
                break
    return "".join(out)


class _Walk:
    """Text around the headline in document order, bounded in characters and in nodes visited. The text below is
    read ``budget`` characters at first and further on demand (``extend``): most pages are settled near the top."""

    def __init__(self, start: LexborNode | None, budget: int = 400) -> None:
        self.after: list[str] = []
        self.before: list[str] = []
        self.times: list[tuple[int, LexborNode]] = []  # (signed char offset from the headline, <time>)
        self._ahead: Iterator[tuple[str | None, LexborNode]] | None = None
        self._size = 0
        if start is None:
            return
        self._ahead = _forward(start)
        self.extend(budget)
        self._read(_backward(start), self.before, _NEAR, -1)
        self.before.reverse()

    def extend(self, budget: int = 1500) -> None:
        if self._ahead is not None and self._size <= budget:
            self._size = self._read(self._ahead, self.after, budget, 1, self._size)

    def _read(self, nodes: Iterator[tuple[str | None, LexborNode]], out: list[str], limit: int, sign: int,
              size: int = 0) -> int:
        for tag, n in nodes:
            if tag == "-text":
                chunk = (n.text_content or "").strip()
                if chunk:
                    if _DATE_DIGITS.search(chunk) and n.parent is not None and _in_update(n.parent):
                        chunk = "更新 " + chunk  # a date in span.updated is the update, whatever its label
                    out.append(chunk)
                    size += len(chunk) + 1
                    if size > limit:
                        break
            elif tag == "time":
                self.times.append((sign * size, n))
        return size


_DATE_DIGITS = re.compile(r"\d(?:\D*\d){2}")  # every date we read has three digits or more


def _attr(node: LexborNode, *names: str) -> str:
    attrs = node.attributes
    for name in names:
        value = attrs.get(name)
        if value:
            return value.strip()
    return ""


_NOT_WORD = re.compile(r"[\W_]+")


def _squash(s: str) -> str:
    """Letters and digits only (quotes, dashes and spaces differ between a page's title and its headline)."""
    return _NOT_WORD.sub("", _norm(s)).lower()


_HIDDEN_TEXT = ", ".join(sorted(_SKIP - {"head"}))


def _heading_text(node: LexborNode) -> str:
    """``_text_of(node)``, read in one call when the heading holds nothing to skip (no furigana, no script)."""
    if node.css_first(_HIDDEN_TEXT) is None:
        return (node.text(deep=True, separator="") or "")[:600]
    return _text_of(node)


def _headline(tree: LexborHTMLParser, jsonld: list[dict[str, Any]], nodes: PageNodes) -> LexborNode | None:
    """The element showing the article's title: the h1 (h2, *title*/*headline* class) that matches the page's
    title (og:title, <title>, JSON-LD headline), else the first non-empty h1."""
    titles = [_squash(a.get("content") or a.get("value") or "") for a in nodes.meta_attributes()
              if a.get("property") == "og:title" or a.get("name") == "title"]
    title_tag = nodes.title
    if title_tag is not None:
        titles.append(_squash(title_tag.text() or ""))
    titles += [_squash(o["headline"]) for o in article_objects(jsonld) if isinstance(o.get("headline"), str)]
    titles = [t for t in titles if t]
    first: LexborNode | None = None
    groups = (lambda: nodes.h1s[:20] + nodes.h2s[:20],
              lambda: tree.css('[class*="headline"], [class*="title"], [class*="Title"]')[:30])
    for make_group in groups:  # the classed elements are looked for only when no heading is the title
        group = make_group()
        best: tuple[int, LexborNode] | None = None
        for node in group:
            text = _squash(_heading_text(node))
            if len(text) < 2 or node.tag == "title":
                continue
            if first is None and node.tag == "h1":
                first = node
            if any(text in t or (len(t) >= 8 and t in text and len(text) < 2 * len(t)) for t in titles):
                if _in_comments(node, 6):
                    continue  # "6 Kommentare zu “<title>”" is the comments' heading
                if best is None or len(text) > best[0]:
                    best = (len(text), node)
        if best:
            return best[1]
    return first


@dataclass(frozen=True)
class _Context:
    zone: dt.tzinfo | None  # how naive times are read: None where the page does not say (they stay naive)
    japanese: bool  # a Japanese page: naive times are Japan time, UTC labels may be Japan wall time
    dayfirst: bool  # 05/02/2020 is 5 February


_MONTH_FIRST_LANGS = ("en-us", "en-ca", "en-ph", "ja", "zh", "ko")
_MONTH_FIRST_TLDS = frozenset({"com", "org", "net", "us", "gov", "edu", "mil", "jp", "cn", "tw", "kr", "ph", "ca"})


_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa]")
_HANGUL, _HANZI = r"[\uac00-\ud7af]", r"[\u4e00-\u9fff]"  # (compiled on first use: each costs ~1 ms)
_LATIN = re.compile(r"[A-Za-z]")


def _page_context(tree: LexborHTMLParser, sample: Callable[[bool], str], url: str | None,
                  nodes: PageNodes) -> _Context:
    """The page's language decides how its dates read: Japan time only on Japanese pages (declared ``ja``, a
    ``.jp`` host, or kana in the text near the headline), China/Korea time on Chinese/Korean pages, else the
    zone the page writes or none; day-first numbers wherever the language writes them so. ``sample(long)``: the
    text by the headline (``long``: more of it, for a page that declares no language)."""
    root = tree.root
    lang = (_attr(root, "lang", "xml:lang") if root is not None else "").lower().replace("_", "-")
    if not lang:
        meta = next((a for a in nodes.meta_attributes() if (a.get("http-equiv") or "").lower() == "content-language"
                     or a.get("property") == "og:locale"), None)
        lang = ((meta.get("content") or "").strip() if meta is not None else "").lower().replace("_", "-")
    if not re.match(r"[a-z]{2,3}(?:-|$)", lang) or lang.startswith("utf"):
        lang = ""  # Content-Language: utf-8 and the like
    host = (urlsplit(url).hostname or "") if url else ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if lang:
        dayfirst = not lang.startswith(_MONTH_FIRST_LANGS) and lang != "en"
        dayfirst = dayfirst or (lang == "en" and bool(tld) and tld not in _MONTH_FIRST_TLDS)
    else:
        dayfirst = bool(tld) and tld not in _MONTH_FIRST_TLDS
    if lang.startswith("zh"):
        return _Context(_zone("Asia/Taipei" if ("tw" in lang or "hant" in lang) else "Asia/Shanghai"), False, False)
    if lang.startswith("ko"):
        return _Context(_zone("Asia/Seoul"), False, False)
    if lang.startswith("ja") or host.endswith(".jp"):
        return _Context(JST, True, False)
    text = sample(not lang)
    kana = len(_KANA.findall(text))
    if kana >= 20:  # (templates declare lang="en" on ja pages)
        return _Context(JST, True, False)
    if not lang:  # undeclared: Korean or Chinese text (no kana to speak of) is not in Japan time, Japanese is
        if len(re.findall(_HANGUL, text)) >= max(50, 50 * kana):
            return _Context(_zone("Asia/Seoul"), False, False)
        hanzi = len(re.findall(_HANZI, text))
        if hanzi >= max(100, 50 * kana):
            return _Context(_zone("Asia/Shanghai"), False, False)
        if (kana or hanzi) and 20 * (kana + hanzi) >= len(_LATIN.findall(text)):
            return _Context(JST, True, False)  # (a few CJK characters in an English page are a language menu)
    return _Context(None, False, dayfirst)


def _in_update(node: LexborNode) -> bool:
    """Whether ``node`` sits in an element whose class or itemprop says update (``span.updated``, ...)."""
    cur: LexborNode | None = node
    for _ in range(3):
        if cur is None or cur.tag in ("body", "html", "article", "main"):
            return False
        names = _attr(cur, "class") + " " + _attr(cur, "itemprop") + " " + _attr(cur, "id")
        if _UPDATE_CLASS.search(names):
            return not _PUBLISHED_CLASS.search(names)  # WordPress: "entry-date published updated" (the same)
        cur = cur.parent
    return False


_PUBLISHED_CLASS = re.compile(r"publish|datePublished|created", re.I)
_COMMENTS = re.compile(r"comment|kommentar|respond|replies|disqus", re.I)


def _in_comments(node: LexborNode, depth: int = 10) -> bool:
    """Whether ``node`` sits in the readers' comments (``#comments``, ``li.comment``, ...)."""
    cur: LexborNode | None = node
    for _ in range(depth):
        if cur is None or cur.tag in ("body", "html"):
            return False
        if _COMMENTS.search(_attr(cur, "class") + " " + _attr(cur, "id")):
            return True
        cur = cur.parent
    return False


def _structured(tree: LexborHTMLParser, jsonld: list[dict[str, Any]], ctx: _Context,
                walk: _Walk, nodes: PageNodes) -> tuple[list[_Cand], list[_Cand]]:
    """(published candidates in order of trust, modified candidates)."""
    pub: list[_Cand] = []
    mod: list[_Cand] = []

    def add(out: list[_Cand], raw: Any, source: str, node: LexborNode | None = None, visible: bool = False,
            weak: bool = False) -> None:
        if isinstance(raw, list) and raw:
            raw = raw[0]
        if isinstance(raw, str) and raw.strip():
            # a machine-readable 11/01/2023 is month-first (CMSs' en-US default); visible text reads by language
            parsed = _parse(raw, None, ctx.zone, ctx.dayfirst and visible)
            if parsed is not None:
                out.append(_Cand(parsed, source, node, weak))

    arts = article_objects(jsonld)
    for key in ("datePublished", "dateCreated"):
        for obj in arts:
            add(pub, obj.get(key), "jsonld")
    for obj in arts:
        add(mod, obj.get("dateModified"), "jsonld")
    n_jsonld = len(pub)
    metas: dict[str, list[str]] = {}  # (only the names looked up below)
    for a in nodes.meta_attributes():
        keys: set[str] = set()
        for attr in ("property", "name", "itemprop"):
            raw_name = a.get(attr)
            if raw_name:
                name = raw_name.strip().lower()
                if name in _META_NAMES or name.endswith("pubday"):
                    keys.add(name)
        if keys:
            content = (a.get("content") or a.get("value") or "").strip()
            for name in keys:
                metas.setdefault(name, []).append(content)
    for key in _META_PUBLISHED + tuple(k for k in metas if k.endswith("pubday")):
        for value in metas.get(key, ()):
            add(pub, value, "meta", weak=key in _WEAK_META)
    if not n_jsonld:  # any other CreativeWork's datePublished (a Recipe, a WebSite...), after the meta tags
        ids = {id(o) for o in arts}
        for obj in jsonld:
            if id(obj) not in ids and not types_of(obj) & _NOT_THE_PAGE:
                add(pub, obj.get("datePublished"), "jsonld")
    for key in _META_MODIFIED:
        for value in metas.get(key, ()):
            add(mod, value, "meta")
    # marked (pubdate, itemprop) and next to the headline first; marked elsewhere only when they all agree
    near = [n for off, n in sorted(walk.times, key=lambda t: abs(t[0])) if abs(off) <= _NEAR]
    marked = nodes.marked_dates[:20]
    near_ids = {n.mem_id for n in near}
    elems = [n for n in marked if n.mem_id in near_ids] + near
    if len({_attr(n, "datetime", "content")[:10] for n in marked}) == 1:  # (on the same day)
        elems += marked
    all_times = nodes.times[:2]
    if len(all_times) == 1:
        elems.append(all_times[0])
    near_ids |= {n.mem_id for n in marked if n.mem_id in near_ids}
    seen: set[int] = set()
    for node in elems:
        if node.mem_id in seen or _in_comments(node):
            continue
        seen.add(node.mem_id)
        updated = _in_update(node)
        machine = _attr(node, "datetime", "content")
        add(mod if updated else pub, machine or _text_of(node), "time", node, visible=not machine,
            weak=node.mem_id not in near_ids)
    return pub, mod


def _readings(text: str, ctx: _Context, ref: dt.date | None,
              year_of: Callable[[int, int], int | None]) -> list[tuple[int, ParsedDate, bool]]:
    """Visible dates in ``text`` that have a year or a time of day: (position, date, labelled as an update).

    A date without a year takes the year nearest ``ref``, else one written with the same month and day somewhere in
    the page source (an id, a link: ``year_of``); dates with neither year nor time are too weak to use.
    """
    return [(start, found, updated) for start, _end, found, updated in _spans(text, ctx, ref, year_of)]


def _in_prose(chunks: list[str], start: int, end: int) -> bool:
    """Whether the date at ``start:end`` of ``" ".join(chunks)`` sits inside a sentence: its text node holds more
    than a few words besides it (``vom 15.4.2020 sank der R-Wert``), unlike a dateline (``22.04.2020 / 06:15``)."""
    pos = 0
    for chunk in chunks:
        stop = pos + len(chunk)
        if start < stop:
            rest = len(chunk) - (end - start)  # (Japanese says as much in half the characters)
            return end <= stop and (rest > 40 or (rest > 20 and _KANA.search(chunk) is not None))
        pos = stop + 1
    return False


def _spans(text: str, ctx: _Context, ref: dt.date | None,
           year_of: Callable[[int, int], int | None]) -> list[tuple[int, int, ParsedDate, bool]]:
    """``_readings`` with each date's end."""
    s = _norm(text)
    out: list[tuple[int, int, ParsedDate, bool]] = []
    for hit in _hits(s, limit=50, dayfirst=ctx.dayfirst):
        year = hit.year
        if year is None:
            if hit.time is None:
                continue
            year = _nearest_year(hit.month, hit.day, ref) if ref else year_of(hit.month, hit.day)
        found = _make(hit, year, ctx.zone)
        if found is not None:
            updated = bool(_UPDATE_LABEL.search(s[max(0, hit.start - 24):hit.start])
                           or s.startswith("更新", hit.end))  # 01時40分更新; not "… 更新: <next date>"
            out.append((hit.start, hit.end, found, updated))
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


_BOILER = re.compile(r"comment|kommentar|footer|sidebar|related|teaser|newsletter|cookie|consent|\bnav|menu", re.I)


def _body_readings(tree: LexborHTMLParser, ctx: _Context,
                   year_of: Callable[[int, int], int | None]) -> list[tuple[ParsedDate, bool]]:
    """Dates with a year anywhere in the article's area (``<article>``/``<main>``, else the body), outside
    navigation, footers, sidebars and comments: the last resort of a page whose headline shows none."""
    area = tree.css_first("article, main, [role=main]") or tree.body
    if area is None:
        return []
    out: list[str] = []
    size = 0
    for tag, n in _forward(area, inside=True, steps=6000):
        if tag in ("nav", "footer", "aside", "form"):
            continue
        if n.is_text_node:
            parent = n.parent
            chunk = (n.text_content or "").strip()
            if not chunk or parent is None:
                continue
            if _HAS_DIGIT.search(chunk):  # (only a line with digits can hold a date: check where it sits)
                if parent.tag in ("a", "option") or _in_boiler(parent):
                    continue
                chunk = ("更新 " if _in_update(parent) else "") + chunk
            if chunk:
                out.append(chunk)
                size += len(chunk) + 1
                if size > 5000:
                    break
    return [(p, upd) for _pos, p, upd in _readings(" ".join(out), ctx, None, year_of)]


# "published" in the languages of _MonthNames and in Japanese, Chinese and Korean, right before a date
_PUBLISHED_LABEL = (  # (compiled on first use, by re's cache: only pages without a date near the headline need it)
    r"(?:published|posted|publication\s+date|date\s+published|first\s+published|released|veröffentlicht|"
    r"erschienen|publiziert|erstellt|verfasst|eingestellt|online\s+seit|gepostet|publié|mise?\s+en\s+ligne|paru|"
    r"date\s+de\s+publication|publicado|fecha\s+de\s+publicación|publicação|pubblicato|data\s+di\s+pubblicazione|"
    r"gepubliceerd|geplaatst|опубликовано|дата\s+публикации|公開日|掲載日|配信日|投稿日|公開|掲載|配信|投稿|"
    r"发布时间|發布時間|发表于|發表於|发布于|发布日期|입력|게시|등록)"
    r"(?:\s+(?:on|at|am|um|le|el|em|il|op|в|de|the))?\s*[:：]?\s*")


def _page_text(tree: LexborHTMLParser, limit: int = 200_000) -> str:
    """The visible text of the whole body (navigation and footers too), nodes joined by spaces."""
    body = tree.body
    if body is None:
        return ""
    out: list[str] = []
    size = 0
    for _tag, n in _forward(body, inside=True, steps=60_000):
        if n.is_text_node:
            chunk = (n.text_content or "").strip()
            if chunk:
                out.append(chunk)
                size += len(chunk) + 1
                if size > limit:
                    break
    return " ".join(out)


def _labelled_dates(text: str, ctx: _Context) -> list[ParsedDate]:
    """Dates written right after a "published" label anywhere on the page (``Erschienen am: 01.11.2023``,
    ``Mise en ligne 23 mai 2019``), in page order."""
    out: list[ParsedDate] = []
    for m in re.finditer(_PUBLISHED_LABEL, text, re.I):
        tail = text[m.end():m.end() + 60]
        if not tail[:1].isdigit() and not _MONTH_START.match(tail):
            continue
        found = _parse(tail, None, ctx.zone, ctx.dayfirst)
        if found is not None and _hits_at_start(tail, ctx):
            out.append(found)
    return out


_MONTH_START = re.compile(r"(?:[^\W\d_]{2,10}\.?,?\s+){0,2}\d")  # a weekday or a month name, then digits


def _hits_at_start(tail: str, ctx: _Context) -> bool:
    first = next(_hits(_norm(tail), limit=1, dayfirst=ctx.dayfirst), None)
    return first is not None and first.start <= 16


_DATE_CLASSES = ('[class*="date" i], [id*="date" i], [class*="datum" i], [class*="fecha" i], [class*="publish" i], '
                 '[class*="posted" i], [class*="time" i], [itemprop*="date" i], abbr[title], time')


def _classed_dates(tree: LexborHTMLParser, ctx: _Context) -> list[ParsedDate]:
    """Dates in elements whose class or id says date (``span.post-date``, ``div.datum``, ``abbr.published``),
    in page order, outside the readers' comments: a page that shows its date nowhere near its headline."""
    body = tree.body
    if body is None:
        return []
    out: list[ParsedDate] = []
    for node in body.css(_DATE_CLASSES)[:300]:
        if node.tag in _SKIP or _in_comments(node, 6) or _in_side(node) or _in_update(node):
            continue
        for raw in (_attr(node, "datetime", "content", "title"), _text_of(node, 120)):
            if raw and _HAS_DIGIT.search(raw):
                found = _parse(raw, None, ctx.zone, ctx.dayfirst and raw is not node.attributes.get("datetime"))
                if found is not None:
                    out.append(found)
                    break
        if len(out) >= 5:
            break
    return out


_SOURCE_DATES = re.compile(r"(?<![\d.])((?:19|20)\d\d)([-/._]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![\d])")


def _days_written(text: str, html: str, ctx: _Context) -> dict[dt.date, int]:
    """How often each day with a year is written in ``text`` (visible text) and ``html`` (markup), first-seen order."""
    counts: dict[dt.date, int] = {}
    for hit in _hits(text, limit=400, dayfirst=ctx.dayfirst):
        if hit.year is not None:
            found = _make(hit, hit.year, None)
            if found is not None:
                day = _day(found)
                counts[day] = counts.get(day, 0) + 1
    for n, m in enumerate(_SOURCE_DATES.finditer(html, 0, 3_000_000)):
        if n >= 2000:
            break
        try:
            day = dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
        counts[day] = counts.get(day, 0) + 1
    return counts


def _scanned_date(tree: LexborHTMLParser, text: str, ctx: _Context) -> ParsedDate | None:
    """The day written most often on the page, in its text or its markup (links, image names, attributes): a
    page that states no date of its own. Ties go to the day written first."""
    counts = _days_written(_norm(text), tree.html or "", ctx)
    for side in tree.css("aside, nav"):  # never a day the sidebars alone show
        for day, n in _days_written(_norm(side.text(separator=" ") or ""), side.html or "", ctx).items():
            if day in counts:
                counts[day] -= n
    counts = {day: n for day, n in counts.items() if n > 0}
    if not counts:
        return None
    best = min(counts, key=lambda d: -counts[d])  # (dicts keep the order the days were first written in)
    return ParsedDate(best)


def _own_link_date(tree: LexborHTMLParser, url: str | None, head: LexborNode | None,
                   ctx: _Context) -> ParsedDate | None:
    """The date beside a link to this very page (the site's own teaser of the article, in a list of the latest
    ones), outside the headline: ``<li><a href="/blog/this-post/">…</a><span>26/10/2018</span></li>``."""
    if not url:
        return None
    path = urlsplit(url).path.rstrip("/")
    if len(path) < 8:  # a home page links to itself everywhere
        return None
    body = tree.body
    if body is None:
        return None
    for a in body.css("a[href]")[:3000]:
        href = a.attributes.get("href") or ""
        if not href.split("?")[0].split("#")[0].rstrip("/").endswith(path):
            continue
        if head is not None and (_is_within(a, head) or _is_within(head, a)):
            continue
        box: LexborNode | None = a
        for _ in range(3):
            box = box.parent if box is not None else None
            if box is None or box.tag in ("body", "html", "article", "main"):
                break
            text = _text_of(box, 300)
            if len(text) > 400:
                break
            for hit in _hits(_norm(text), limit=5, dayfirst=ctx.dayfirst):
                if hit.year is not None:
                    found = _make(hit, hit.year, ctx.zone)
                    if found is not None:
                        return found
    return None


def _is_within(node: LexborNode, ancestor: LexborNode) -> bool:
    cur: LexborNode | None = node
    for _ in range(12):
        if cur is None:
            return False
        if cur.mem_id == ancestor.mem_id:
            return True
        cur = cur.parent
    return False


def _in_side(node: LexborNode) -> bool:
    cur = node.parent
    while cur is not None and cur.tag not in ("body", "html"):
        if cur.tag in ("aside", "nav"):
            return True
        cur = cur.parent
    return False


def _in_boiler(node: LexborNode) -> bool:
    cur: LexborNode | None = node
    for _ in range(8):
        if cur is None or cur.tag in ("body", "html", "article", "main"):
            return False
        if cur.tag in ("nav", "footer", "aside", "header") or _BOILER.search(
                _attr(cur, "class") + " " + _attr(cur, "id")):
            return True
        cur = cur.parent
    return False


_EMBEDDED = re.compile(r"[\"'](?:datePublished|date_published|publishedAt|published_at|publishDate|publish_date"
                       r"|pubDate|firstPublished|created_at|createdAt|dateCreated)[\"']\s*:\s*[\"']"
                       r"(\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?)[\"']")


def _embedded_date(nodes: PageNodes, ctx: _Context) -> ParsedDate | None:
    """The first publication date in the page's scripts (the JSON state of a JavaScript app), or None."""
    for script in nodes.scripts[:200]:
        m = _EMBEDDED.search(script.text(deep=True, separator="") or "")
        if m:
            found = _parse(m.group(1), None, ctx.zone, False)
            if found is not None:
                return found
    return None


def _day(p: ParsedDate) -> dt.date:
    """The calendar day as written (in the value's own zone)."""
    return p.value.date() if isinstance(p.value, dt.datetime) else p.value


def _own_zone(best: _Cand, others: list[ParsedDate]) -> _Cand:
    """A UTC instant written by the page elsewhere with its real offset, or as naive wall time a whole number of
    hours away (``2023-11-08T22:28:35`` beside ``2023-11-09T03:28:35Z``), in that offset: the same instant."""
    assert isinstance(best.date.value, dt.datetime)
    utc = best.date.value.replace(microsecond=0)
    for p in others:
        v = p.value
        if not isinstance(v, dt.datetime) or _is_utc(p):
            continue
        if v.tzinfo is not None and v.utcoffset() is not None:
            if abs((v - utc).total_seconds()) < 60:
                return _Cand(ParsedDate(utc.astimezone(v.tzinfo)), best.source)
            continue
        wall = v.replace(microsecond=0)
        gap = (wall - utc.replace(tzinfo=None, second=0 if wall.second == 0 else utc.second)).total_seconds()
        if gap and gap % 900 == 0 and abs(gap) <= 14 * 3600:
            return _Cand(ParsedDate(utc.astimezone(dt.timezone(dt.timedelta(seconds=gap)))), best.source)
    return best


def _shown_day(best: _Cand, shown: list[ParsedDate]) -> _Cand:
    """A UTC instant late in the day (or early) beside the page's own date-only next (or previous) day: the day
    the page shows (``2023-11-01T23:01Z`` on an Italian page that says 2 novembre 2023), without a time."""
    assert isinstance(best.date.value, dt.datetime)
    utc = best.date.value
    if any(_day(p) == utc.date() for p in shown[:3]):
        return best
    for p in shown[:3]:
        gap = (_day(p) - utc.date()).days
        if (gap == 1 and utc.hour >= 10) or (gap == -1 and utc.hour < 14):
            return _Cand(p, best.source)
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


def find_published(tree: LexborHTMLParser, *, url: str | None, jsonld: list[dict[str, Any]],
                   nodes: PageNodes | None = None) -> tuple[str | None, str | None]:
    """(ISO date or date-time, source) of the article's publication, or (None, None). Never raises.

    A time keeps the zone the page gives it (none when it gives none); only on a Japanese page is a UTC instant
    shown in Japan time (the same instant)."""
    try:
        found = _find_published(tree, url, jsonld or [], nodes or PageNodes.of(tree))
    except Exception:  # a date is never worth failing a clip over (pathological markup, recursion limits)
        return None, None
    if found is None:
        return None, None
    cand, ctx = found
    value = cand.date.value
    if ctx.japanese and isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0):
        return ParsedDate(value.astimezone(JST)).iso(), cand.source
    return cand.date.iso(), cand.source


def _find_published(tree: LexborHTMLParser, url: str | None, jsonld: list[dict[str, Any]],
                    nodes: PageNodes) -> tuple[_Cand, _Context] | None:
    if tree.root is None:
        return None
    head = _headline(tree, jsonld, nodes)
    walk = _Walk(head)
    head_text = _text_of(head) if head is not None else ""

    def sample(long: bool) -> str:
        if long:
            walk.extend()
        return head_text + " ".join(walk.after)[:1500] + " ".join(walk.before)

    ctx = _page_context(tree, sample, url, nodes)
    found = _choose(tree, url, jsonld, head, walk, ctx, nodes)
    return (found, ctx) if found is not None else None


def _choose(tree: LexborHTMLParser, url: str | None, jsonld: list[dict[str, Any]], head: LexborNode | None,
            walk: _Walk, ctx: _Context, nodes: PageNodes) -> _Cand | None:
    pub, mod = _structured(tree, jsonld, ctx, walk, nodes)
    if not pub:
        walk.extend()
    after, before = " ".join(walk.after), " ".join(walk.before)
    from_url = date_from_url(url) if url else None
    ref = pub[0].date.day_in_japan() if pub else (from_url.value if from_url else None)
    year_of = _year_in_source(tree)
    # visible dates: next to the headline (below, then above), then further down (a time, or the URL's day)
    # (the dates further down are read only when needed: most pages with a structured date never need them)
    spans = _spans(after[:_NEAR + 80] if pub else after, ctx, ref, year_of)
    below = [(pos, p, upd) for pos, _end, p, upd in spans]
    inside = _readings(_text_of(head), ctx, ref, year_of) if head is not None else []
    # nearest first, datelines before dates inside sentences
    around = [(_in_prose(walk.after, pos, end), pos, p, upd) for pos, end, p, upd in spans if pos < _NEAR] + [
        (_in_prose(walk.before, pos, end), len(before) - pos, p, upd)
        for pos, end, p, upd in _spans(before, ctx, ref, year_of)]
    around.sort(key=lambda t: (t[0], t[1]))
    near = [(p, upd) for _prose, _d, p, upd in around] + [(p, upd) for _pos, p, upd in inside]
    for cand in pub:
        if cand.node is not None:
            near += [(p, upd) for _pos, p, upd in _readings(_text_of(cand.node), ctx, ref, year_of)]

    def far_dates() -> list[tuple[ParsedDate, bool]]:
        if not pub:
            return [(p, upd) for pos, p, upd in below if pos >= _NEAR]
        walk.extend()
        rows = _readings(" ".join(walk.after), ctx, ref, year_of)
        return [(p, upd) for pos, p, upd in rows if pos >= _NEAR]

    if pub:
        best = pub[0]
        shown_days = {_day(p) for p, _upd in [x for x in near if not x[1]][:2]}  # the two nearest the headline
        if not ctx.japanese and shown_days and _day(best.date) not in shown_days and not (
                from_url is not None and _day(best.date) == from_url.value):  # the page shows another
            # source's day: that one (Japanese pages show the update time in the header: see _resolve_utc)
            best = next((c for c in pub[1:] if _day(c.date) in shown_days), best)
            if best.weak and _day(best.date) not in shown_days:  # a generic "date" meta, a <time> elsewhere
                best = _Cand(next(p for p, upd in near if not upd), "text")
        if ctx.japanese and ctx.zone is not None and _is_utc(best.date):
            best = _resolve_utc(best, pub[1:], [p for p, _upd in near + far_dates() if p.has_time], ctx.zone)
        elif _is_utc(best.date):  # the same instant as the page writes it elsewhere, in its own zone
            best = _own_zone(best, [c.date for c in pub[1:]] + [p for p, _upd in near])
            if _is_utc(best.date):  # else the day the page shows, if it is the instant's day in some zone
                best = _shown_day(best, [p for p, upd in near if not upd and not p.has_time])
        if not best.date.has_time:  # a date-only winner takes the time of a source reading the same day
            for p in [c.date for c in pub] + [p for p, upd in near if not upd]:
                if isinstance(p.value, dt.datetime) and p.value.date() == best.date.value:
                    return _Cand(p, best.source)
        return best
    far = far_dates()
    on_url_day = [p for p, upd in near + far if from_url and not upd and p.day_in_japan() == from_url.value]
    texts = on_url_day + [p for p, upd in near if not upd] + [p for p, upd in far if not upd and p.has_time]
    if texts:
        return _Cand(texts[0], "text")
    if from_url is not None:  # after every date the page shows by its headline; before a blind scan of the body
        return _Cand(from_url, "url")
    in_body = _body_readings(tree, ctx, year_of)
    anywhere = [p for p, upd in in_body if not upd]
    if anywhere:
        return _Cand(anywhere[0], "text")
    own = _own_link_date(tree, url, head, ctx)
    if own is not None:
        return _Cand(own, "text")
    embedded = _embedded_date(nodes, ctx)  # a script's page state: "createdAt":"2022-01-31T15:58:43+01:00"
    if embedded is not None:
        return _Cand(embedded, "meta")
    page_text = _page_text(tree)
    labelled = _labelled_dates(page_text, ctx)
    if labelled:
        return _Cand(labelled[0], "text")
    classed = _classed_dates(tree, ctx)
    if classed:
        return _Cand(classed[0], "text")
    updates = [c.date for c in mod] + [p for p, upd in near + far + in_body if upd]
    if updates:
        return _Cand(updates[0], mod[0].source if mod else "text")
    scanned = _scanned_date(tree, page_text, ctx)
    return _Cand(scanned, "scan") if scanned is not None else None
