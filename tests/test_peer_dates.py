"""A floor on htmldate's own evaluation set: clipper's publication dates on a fixed subset of it.

The pages in tests/fixtures/peers-htmldate/ are every 16th dated entry of htmldate's evaluation set (the bytes
exact, gzipped; see the README there). They are read the way ``clipper extract`` reads a saved page and scored with
htmldate's metric (right day TP, wrong day FP, no date FN). The full set runs in bench/peers_dates.py.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from clipper.encoding import decode_html
from clipper.extract import extract_article

HERE = Path(__file__).parent / "fixtures" / "peers-htmldate"


def test_dates_on_htmldate_subset_stay_above_the_floor() -> None:
    rows = json.loads((HERE / "truth.json").read_text(encoding="utf-8"))
    floor = json.loads((HERE / "floor.json").read_text(encoding="utf-8"))["f"]
    tp = fp = fn = 0
    wrong: list[str] = []
    for row in rows:
        html = decode_html(gzip.decompress((HERE / row["name"]).read_bytes())).text
        got = (extract_article(html, url=row["url"]).published or "")[:10]
        if got == row["date"]:
            tp += 1
            continue
        fn, fp = (fn + 1, fp) if not got else (fn, fp + 1)
        wrong.append(f"{row['name']}: truth {row['date']}, got {got or None}")
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert len(rows) >= 60
    assert f >= floor, f"F {f:.3f} under the floor {floor} ({tp} right):\n" + "\n".join(wrong)
