"""A floor under clipper's main text on a subset of trafilatura's own evaluation set, scored with its metric.

83 pages (every 12th entry of the set's evaldata.json in URL order) are in tests/fixtures/peers-trafilatura/, so a
change that loses text on pages nobody here chose fails CI; the full set of 990 pages runs in bench/peers_text.py.
Each page goes through the installed path: ``decode_html`` then ``extract_article``, paragraphs joined by newlines.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from clipper.encoding import decode_html
from clipper.extract import extract_article
from clipper.outlets import load_registry

PEERS = Path(__file__).parent / "fixtures" / "peers-trafilatura"
EVALDATA: dict[str, dict[str, Any]] = json.loads((PEERS / "evaldata.json").read_text(encoding="utf-8"))
FLOOR = json.loads((PEERS / "floor.json").read_text(encoding="utf-8"))


def norm(text: str) -> str:
    """trafilatura's tests/eval_common.py: whitespace runs collapsed, ends stripped."""
    return re.sub(r"\s+", " ", text).strip()


def counts(item: dict[str, Any], text: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives): "with" snippets found, "without" found, "with" missed."""
    text = norm(text)
    tp = sum(1 for w in item["with"] if norm(w) in text)
    fp = sum(1 for w in item["without"] if norm(w) in text)
    return tp, fp, len(item["with"]) - tp


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    registry = load_registry()
    out = {}
    for url, item in EVALDATA.items():
        raw = gzip.decompress((PEERS / "pages" / f"{item['file']}.gz").read_bytes())
        out[url] = "\n".join(extract_article(decode_html(raw).text, url=url, registry=registry).paragraphs)
    return out


def test_subset_is_complete() -> None:
    assert len(EVALDATA) == 83
    assert all((PEERS / "pages" / f"{item['file']}.gz").is_file() for item in EVALDATA.values())


def test_f1_floor(outputs: dict[str, str]) -> None:
    tp = fp = fn = 0
    for url, item in EVALDATA.items():
        a, b, c = counts(item, outputs[url])
        tp, fp, fn = tp + a, fp + b, fn + c
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= FLOOR["f1"], f"F1 {f1:.3f} (P {tp / (tp + fp):.3f} R {tp / (tp + fn):.3f}) below {FLOOR['f1']}"


def test_no_empty_body_where_the_page_has_an_article(outputs: dict[str, str]) -> None:
    empty = [item["file"] for url, item in EVALDATA.items() if len(item["with"]) >= 3 and not norm(outputs[url])]
    assert empty == []
