"""Bytes -> text, deliberately: header charset, BOM, <meta charset>, then detection.

Shift_JIS labels decode as cp932 (Python's shift_jis fails on ①, Ⅰ, 髙). A declared charset that does not
decode cleanly while UTF-8 does (a common mistake on Japanese sites) is noticed and overridden.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "s-jis": "cp932",
    "windows-31j": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "ms932": "cp932",
    "cp932": "cp932",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "utf8": "utf-8",
}

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

_HEADER_CHARSET = re.compile(rb"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
# Only look at real <meta> tags in the head region, not at example markup escaped in the body.
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
_BODY_TAG = re.compile(rb"<(?i:body)\b")  # "<" first: the engine skips to each "<" instead of trying every byte
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]+)[\"']", re.I)

# Text codecs that are not charsets: decoding a page with them raises or makes no sense.
_NOT_CHARSETS = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7"})


class PageText(str):
    """A decoded page that keeps the bytes it was decoded from when they are exactly its UTF-8 form (a page that
    decoded cleanly as UTF-8): the HTML parser is fed those bytes instead of encoding the text again (about a third
    of lexbor's parsing time on a news page). Anything done to the text gives a plain ``str``."""

    utf8: bytes | None = None


def _utf8_text(raw: bytes) -> PageText | None:
    """The page decoded as strict UTF-8, carrying ``raw`` (valid UTF-8 round-trips byte for byte), or None."""
    text = _clean(raw, "utf-8")
    if text is None:
        return None
    page = PageText(text)
    page.utf8 = raw
    return page


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name actually used
    source: str  # header, bom, meta, xml, detected, default
    declared: str | None = None  # what the page or server said, if anything
    warning: str | None = None


def normalize_label(label: str | None) -> str | None:
    """A charset label as found in the wild -> a Python codec name, or None when unknown or not a charset
    (``hex``, ``zlib``, ``rot13``, ``idna``, ``undefined``... are Python codecs that a page must not select)."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    name = _ALIASES.get(key, key)
    if name in _ALIASES.values():
        return name
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type.encode("latin-1", "replace"))
    return m.group(1).decode("ascii") if m else None


def sniff_meta_charset(raw: bytes) -> str | None:
    """The charset from <meta charset> or <meta http-equiv=Content-Type> in the first 4 KB of the head."""
    head = raw[:4096]
    end = _BODY_TAG.search(head)
    if end:
        head = head[: end.start()]
    m = _XML_DECL.match(raw[:200])
    for tag in _META_TAG.finditer(head):
        t = tag.group(0)
        cm = _HEADER_CHARSET.search(t)
        if cm:
            return cm.group(1).decode("ascii")
    if m:
        return m.group(1).decode("ascii")
    return None


def _clean(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_BAD_BYTE = re.compile("[\udc80-\udcff]")
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _nearly_utf8(raw: bytes) -> str | None:
    """UTF-8 with its few (1-4) stray bytes replaced, for a page whose other non-ASCII text is clean UTF-8.

    A page in a single- or double-byte charset read as UTF-8 fails on nearly every non-ASCII character, so a handful
    of bad bytes among valid multi-byte sequences means a damaged UTF-8 page, not another charset."""
    text = raw.decode("utf-8", errors="surrogateescape")
    bad = len(_BAD_BYTE.findall(text))
    if not 1 <= bad <= 4 or len(_MULTIBYTE.findall(text, 0, 400000)) < 4 * bad:
        return None
    return _BAD_BYTE.sub("\ufffd", text)


def _looks_utf8(raw: bytes) -> bool:
    return not raw[:200000].isascii() and _clean(raw, "utf-8") is not None


def decode_html(raw: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page's bytes. Never raises; a page that decodes only with errors gets a warning."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return Decoded(raw.decode(codec, errors="replace"), codec.replace("-sig", ""), "bom")

    candidates: list[tuple[str, str, str]] = []  # (codec, source, label)
    header_label = charset_from_content_type(content_type)
    if header_label and normalize_label(header_label):
        candidates.append((normalize_label(header_label) or "", "header", header_label))
    meta_label = sniff_meta_charset(raw)
    if meta_label and normalize_label(meta_label):
        candidates.append((normalize_label(meta_label) or "", "meta", meta_label))

    for codec, source, label in candidates:
        text = _utf8_text(raw) if codec == "utf-8" else _clean(raw, codec)
        if text is not None:
            if codec != "utf-8" and _looks_utf8(raw):
                # Valid in the declared multi-byte charset AND valid UTF-8: UTF-8 is far more likely
                # (random cp932 text is almost never valid UTF-8; the reverse is common).
                return Decoded(_utf8_text(raw) or "", "utf-8", "detected", label,
                               f"declared charset {label} is wrong; the bytes are UTF-8")
            return Decoded(text, codec, source, label)
        if codec != "utf-8" and _looks_utf8(raw):
            return Decoded(_utf8_text(raw) or "", "utf-8", "detected", label,
                           f"declared charset {label} is wrong; the bytes are UTF-8")

    declared = candidates[0][2] if candidates else None
    text = _utf8_text(raw)
    if text is None and (not candidates or any(codec == "utf-8" for codec, _, _ in candidates)):
        text = _nearly_utf8(raw)
        if text is not None:
            return Decoded(text, "utf-8", candidates[0][1] if candidates else "detected", declared,
                           "a few bytes are not UTF-8; they were replaced")
    if text is not None:
        source = "detected" if declared else ("default" if raw[:200000].isascii() else "detected")
        warning = f"declared charset {declared} does not fit the bytes; decoded as UTF-8" if declared else None
        return Decoded(text, "utf-8", source, declared, warning)
    for codec in ("cp932", "euc_jp", "gb18030", "cp949"):
        text = _clean(raw, codec)
        if text is not None and _plausible(text):
            warning = f"declared charset {declared} does not fit the bytes; detected {codec}" if declared else None
            return Decoded(text, codec, "detected", declared, warning)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:500000]).best()
    except Exception:  # pragma: no cover - detector failure is not fatal
        best = None
    if best is not None and best.encoding:
        codec = normalize_label(best.encoding) or best.encoding
        return Decoded(raw.decode(codec, errors="replace"), codec, "detected", declared,
                       f"the page does not decode cleanly; detected {codec}, some characters may be wrong")
    first = candidates[0][0] if candidates else "utf-8"
    return Decoded(raw.decode(first, errors="replace"), first, candidates[0][1] if candidates else "default",
                   declared, f"the page does not decode cleanly as {first}; undecodable bytes were replaced")


def _plausible(text: str) -> bool:
    """Cheap sanity check that a decode produced text rather than mojibake: mostly kana/kanji/ASCII."""
    sample = text[:20000]
    if not sample:
        return True
    odd = sum(1 for ch in sample if "\ue000" <= ch <= "\uf8ff" or "\uff61" <= ch <= "\uff9f")
    return odd / max(1, len(sample)) < 0.05
