"""Characters a page's text never keeps: C0 and C1 controls (ESC starts terminal sequences), bidi overrides and
isolates, the Arabic letter mark, line and paragraph separators, the byte-order mark and zero-width marks.

Removed when text is extracted, so a stored title, author or paragraph cannot retitle a terminal (OSC 0), plant
a hyperlink (OSC 8), clear the screen or reverse a file name; the terminal renderers filter again on output."""

from __future__ import annotations

import re

# \t and \n are kept here (paragraph text may hold them); a title's white space is collapsed by its own cleaner
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069"
                    "\ufeff\ufff9-\ufffb]")


def strip_unsafe(text: str) -> str:
    return UNSAFE.sub("", text)


def strip_unsafe_opt(text: str | None) -> str | None:
    return None if text is None else UNSAFE.sub("", text)
