"""Folding text for comparison: NFKC, case folding, NFKC again, runs of whitespace as one space, stripped.

The same fold applies to what is indexed, what is searched for and what a result is checked against, so
``ＡＩ`` = ``AI`` = ``ai``, ``ｶﾀｶﾅ`` = ``カタカナ``, ``１０`` = ``10``. Most text folds one character at a time through
a table filled on first use (three times faster than normalising the whole string); text holding a character
that could combine with its neighbour (:data:`COMPOSING`) is normalised whole.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CHAR_TABLE", "COMPOSING", "FOLD_TABLE", "fold", "fold_char"]


class _Table(dict[int, str]):
    """Each character's fold, computed on first use (a str.translate table)."""

    def __missing__(self, code: int) -> str:
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", chr(code)).casefold())
        self[code] = folded
        return folded


FOLD_TABLE = _Table()
# Characters that can combine with, or reorder against, the character before them when folded: combining marks,
# conjoining jamo, the second halves of canonical compositions, and whatever folds to one of those (ranges with
# small gaps closed; everything outside the BMP). A text without any folds one character at a time with the same
# result as NFKC over the whole string; tests/test_search.py::test_composing_ranges recomputes the set.
COMPOSING = re.compile(
    "[\u0300-\u036f\u0483-\u0487\u0591-\u05c7\u0610-\u061a\u064b-\u0670\u06d6-\u074a\u07eb-\u085b"
    "\u0898-\u08ff\u093c-\u0954\u09bc-\u09fe\u0a3c-\u0a4d\u0abc-\u0acd\u0b3c-\u0b57\u0bbe-\u0bd7"
    "\u0c3c-\u0c56\u0cbc-\u0cd6\u0d3b-\u0d57\u0dca-\u0ddf\u0e38-\u0e4b\u0eb8-\u0ecb\u0f18-\u0f39"
    "\u0f71-\u0fc6\u102e-\u103a\u108d\u1161-\u1175\u11a8-\u11c2\u135d-\u135f\u1714-\u1734\u17d2-\u17dd"
    "\u18a9\u1939-\u193b\u1a17-\u1a18\u1a60-\u1a7f\u1ab0-\u1ace\u1b34-\u1b73\u1baa-\u1bab\u1be6-\u1bf3"
    "\u1c37\u1cd0-\u1cf9\u1dc0-\u1dff\u20d0-\u20f0\u2cef-\u2cf1\u2d7f\u2de0-\u2dff\u302a-\u302f"
    "\u3099-\u309a\u3133-\u3163\ua66f-\ua69f\ua6f0-\ua6f1\ua806-\ua82c\ua8c4-\ua8f1\ua92b-\ua953"
    "\ua9b3-\ua9c0\uaab0-\uaac1\uaaf6\uabed\ufb1e\ufe20-\ufe2f\uff9e-\uffdc\U00010000-\U0010ffff]"
)


def fold(text: str | None) -> str:
    """The form every text is compared in: NFKC, case-folded, NFKC again, whitespace runs made one space,
    stripped."""
    if not text:
        return ""
    if COMPOSING.search(text) is None:
        folded = text.translate(FOLD_TABLE)
    else:
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


class _CharTable(dict[int, str]):
    def __missing__(self, code: int) -> str:
        folded = " " if chr(code).isspace() else FOLD_TABLE[code]
        self[code] = folded
        return folded


#: Each character folded on its own, whitespace as one space: `text.translate(CHAR_TABLE)` keeps offsets when it
#: keeps the length (see clipper.snippets).
CHAR_TABLE = _CharTable()


def fold_char(char: str) -> str:
    """One character folded on its own, whitespace as a space."""
    return CHAR_TABLE[ord(char)]
