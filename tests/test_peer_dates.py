"""A floor on clipper's publication dates over a subset of htmldate's own evaluation set (its metric).

The pages, their truth and the floor are in tests/fixtures/peers-htmldate/ (see the README there); the whole set runs
in bench/peers_dates.py. The path is the installed one of ``clipper extract``: decode the bytes, extract_article
with the page's URL, and read ``published`` at day resolution as the page states it (its own offset).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from clipper.encoding import decode_html
from clipper.extract import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "peers-htmldate"


def _score() -> tuple[float, list[str]]:
    rows = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
    tp = fp = fn = 0
    misses: list[str] = []
    for row in rows:
        raw = gzip.decompress((FIXTURES / "pages" / row["file"]).read_bytes())
        published = extract_article(decode_html(raw).text, url=row["url"]).published
        got = published[:10] if published else None
        if got == row["date"]:
            tp += 1
            continue
        if got is None:
            fn += 1
        else:
            fp += 1
        misses.append(f"{row['file']}: {got} (truth {row['date']})")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return (2 * precision * recall / (precision + recall) if precision + recall else 0.0), misses


def test_subset_is_what_the_readme_says() -> None:
    rows = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
    assert len(rows) == len(list((FIXTURES / "pages").glob("*.gz"))) >= 60
    assert sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file()) < 5_000_000
    assert "Apache License" in (FIXTURES / "LICENSE").read_text(encoding="utf-8")


def test_dates_stay_above_the_floor() -> None:
    floor = json.loads((FIXTURES / "floor.json").read_text(encoding="utf-8"))["f"]
    f, misses = _score()
    assert f >= floor, f"F {f:.3f} < floor {floor}; wrong or missing:\n" + "\n".join(misses)
