"""Article text that a page keeps only in its data: JSON in a script or in a data attribute (React props).

A last resort of the body extractor, for pages whose visible text is built by JavaScript. Every JSON value found
(``<script type="application/json">``, ``application/ld+json``, an attribute whose value is a JSON object or
array) is searched for prose strings: long, with spaces and a sentence end. Strings are grouped by their key path
with list positions left out (``project.steps.*.text``); the group with the most text wins, with the prose fields
of the object that holds that list in front of it (``project.description``): the steps of the page's own item, not
the teasers of others, which sit in other groups.
"""

from __future__ import annotations

import json
import re
from typing import Any

from selectolax.lexbor import LexborNode

__all__ = ["data_prose", "recipe_parts"]

_MIN_JSON = 500  # characters: a JSON value shorter than this holds no article
_MIN_PROSE = 80  # characters: a shorter string is a label, a name or a title
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|<|$)")
_TAGS = re.compile(r"<[^>]+>")
_JSON_TYPES = ("application/json", "application/ld+json")


def _is_prose(text: str) -> bool:
    if len(text) < _MIN_PROSE or text.startswith(("http://", "https://", "data:")):
        return False
    plain = _TAGS.sub(" ", text) if "<" in text else text
    return plain.count(" ") >= 8 and _SENTENCE_END.search(plain) is not None


def _collect(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}") for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, f"{where}.*") for v in reversed(item))
        elif isinstance(item, str) and item:
            out.append((where, item))


def _json_values(root: LexborNode) -> list[Any]:
    values: list[Any] = []
    for node in root.traverse(include_text=False):
        if node.tag == "script":
            kind = (node.attributes.get("type") or "").lower()
            raw = node.text() if kind in _JSON_TYPES else ""
            candidates = [raw] if len(raw) >= _MIN_JSON else []
        else:
            candidates = [v for v in node.attributes.values()
                          if v and len(v) >= _MIN_JSON and v.lstrip()[:1] in ("{", "[")]
        for raw in candidates:
            try:
                values.append(json.loads(raw.strip().removeprefix("<![CDATA[").removesuffix("]]>")))
            except ValueError:
                continue
    return values


def _squash(text: str) -> str:
    return "".join(text.lower().split())


def data_prose(root: LexborNode, title: str | None = None) -> list[str]:
    """The article's prose strings from the page's JSON data (possibly HTML fragments), in document order;
    ``[]`` when the page has none. With ``title``, a group whose object is named like it (a ``title`` or ``name``
    field that is the headline) goes before a longer one: the page's own item, not the next one it teases."""
    wanted = _squash(title) if title and len(title) >= 8 else None
    best: list[str] = []
    best_key = (False, 0)
    for source, value in enumerate(_json_values(root)):
        found: list[tuple[str, str]] = []
        _collect(value, f"{source}", found)
        groups: dict[str, list[str]] = {}
        for where, text in found:
            if _is_prose(text):
                groups.setdefault(where, []).append(text)
        for where, texts in groups.items():
            owner = where.split(".*", 1)[0].rsplit(".", 1)[0] if ".*" in where else where.rsplit(".", 1)[0]
            fields = [(w, t) for w, t in found if w.startswith(owner + ".") and "*" not in w[len(owner):]]
            named = wanted is not None and any(
                len(t) < 300 and len(key := _squash(t)) >= 8 and (key in wanted or wanted in key) for _w, t in fields)
            rank = (named, sum(len(t) for t in texts))
            if rank <= best_key:
                continue
            head = [t for w, t in fields if w != where and _is_prose(t)] if ".*" in where else []
            best, best_key = head + texts, rank
    return list(dict.fromkeys(best))


_STEP_TYPES = frozenset(("Recipe", "HowTo"))


def _step_texts(value: Any, out: list[str], depth: int = 0) -> None:
    """Instruction texts: a string, a list, HowToStep/HowToDirection ``text`` and HowToSection items."""
    if depth > 6:
        return
    if isinstance(value, str):
        out.extend(line for line in (s.strip() for s in _TAGS.sub("\n", value).splitlines()) if line)
    elif isinstance(value, list):
        for item in value:
            _step_texts(item, out, depth + 1)
    elif isinstance(value, dict):
        if "itemListElement" in value:
            _step_texts(value["itemListElement"], out, depth + 1)
        else:
            _step_texts(value.get("text") or value.get("name"), out, depth + 1)


def recipe_parts(jsonld: list[dict[str, Any]]) -> list[list[str]]:
    """The parts of a JSON-LD Recipe or HowTo that the page also shows as lists: its ingredients (supplies, tools)
    and its steps, one list of texts per part; ``[]`` when the page has neither type."""
    parts: list[list[str]] = []
    for obj in jsonld:
        kinds = obj.get("@type")
        if not (isinstance(kinds, str) and kinds in _STEP_TYPES
                or isinstance(kinds, list) and any(isinstance(k, str) and k in _STEP_TYPES for k in kinds)):
            continue
        for field in ("recipeIngredient", "supply", "tool", "recipeInstructions", "step"):
            texts: list[str] = []
            _step_texts(obj.get(field), texts)
            if texts:
                parts.append(texts)
    return parts
