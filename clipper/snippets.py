"""Snippets: a short piece of a clip's text around a match, with the matches marked (for highlighting).

A match is found in the folded text (see clipper.folding) but shown in the original: folding one character at a
time keeps the offsets, and where characters combine (ﾊﾟ -> パ) a slower fold by character cluster maps them.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Sequence

from clipper.folding import CHAR_TABLE, fold_char

__all__ = ["SNIPPET_CHARS", "make_snippet"]

#: How many characters of context a snippet shows.
SNIPPET_CHARS = 120

_SPACES = re.compile(r"\s+")
_COMBINING_KANA = "\u3099\u309a\uff9e\uff9f"


def _fold_mapped(text: str) -> tuple[str, list[int], list[int]]:
    """fold() without stripping, one character cluster at a time, with where each folded character came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (unicodedata.combining(text[j]) or text[j] in _COMBINING_KANA):
            j += 1
        piece = text[i:j]
        folded = " " if piece.isspace() else unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", piece).casefold())
        if not (folded == " " and out and out[-1] == " "):
            for ch in folded:
                out.append(ch)
                starts.append(i)
                ends.append(j)
        elif ends:
            ends[-1] = j
        i = j
    return "".join(out), starts, ends


def _spans(text: str, terms: Sequence[str], *, clusters: bool = False) -> list[tuple[int, int]]:
    """Where (in `text`) the folded terms occur. Folds character by character (fast, misses a match that only
    appears when characters compose, ﾊﾟ -> パ), or with `clusters` by base character plus combining marks."""
    if clusters:
        folded, starts, ends = _fold_mapped(text)
    else:
        folded = text.translate(CHAR_TABLE)
        starts = ends = []
        if len(folded) != len(text):
            parts = [fold_char(c) for c in text]
            offsets = list(itertools.accumulate(map(len, parts)))  # folded end of each character
            starts = [bisect.bisect_right(offsets, i) for i in range(len(folded))]
            ends = [s + 1 for s in starts]
    spans = []
    for term in terms:
        pattern = " +".join(re.escape(p) for p in term.split(" "))
        for m in re.finditer(pattern, folded):
            spans.append((starts[m.start()], ends[m.end() - 1]) if starts else m.span())
    return sorted(spans)


def make_snippet(texts: Sequence[str], terms: Sequence[str], width: int = SNIPPET_CHARS,
                 ) -> tuple[tuple[str, bool], ...]:
    """About `width` characters around a match of the folded `terms` in the first of `texts` that has one (else
    the start of the first text), as pieces of text each marked True where it is a match."""
    sources = [t for t in texts if t]
    anchor = None
    for text in sources:  # most matches are there as typed: no need to fold a whole article to find one
        found = [i for term in terms if (i := text.find(term)) >= 0]
        if found:
            anchor = text, min(found)
            break
    for clusters in (False, True):
        for text in sources if anchor is None else ():
            spans = _spans(text, terms, clusters=clusters)
            if spans:
                anchor = text, spans[0][0]
                break
    text, first = anchor or ((sources or [""])[0], 0)
    start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
    window = text[start:end]
    spans = [(s + start, e + start) for s, e in _spans(window, terms) or _spans(window, terms, clusters=True)]
    pieces: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for s, e in spans:
        s, e = max(s, at), min(e, end)
        if s >= e:
            continue
        pieces += [(text[at:s], False), (text[s:e], True)]
        at = e
    pieces.append((text[at:end], False))
    if end < len(text):
        pieces.append(("…", False))
    pieces = [(_SPACES.sub(" ", t), m) for t, m in pieces if t]
    if pieces:
        pieces[0] = (pieces[0][0].lstrip(), pieces[0][1])
        pieces[-1] = (pieces[-1][0].rstrip(), pieces[-1][1])
    return tuple((t, m) for t, m in pieces if t)
