"""Field accuracy of clipper's extractor on the labelled Japanese pages (``tests/fixtures/ja`` by default).

    python bench/ja_fields.py [JA_DIR]

Each page in ``JA_DIR/truth.jsonl`` is decoded with ``clipper.encoding.decode_html`` and extracted with
``clipper.extract.extract_article(text, url=row["url"])``. Scored fields:

    title   exactly the truth's title (every page)
    date    the same calendar day in Japan time (pages whose truth has a date)
    author  exactly the truth's author, None included (every page; several authors are joined with "; ")
    outlet  the credit names the truth's outlet: its short or full name, an alias or the syndicated origin, as
            in tests/test_corpus.py (pages with a URL; the others are not news pages)
"""

from __future__ import annotations

import json
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clipper.encoding import decode_html  # noqa: E402
from clipper.extract import extract_article  # noqa: E402
from clipper.models import Article  # noqa: E402
from clipper.outlets import Registry, load_registry  # noqa: E402

FIELDS = ("title", "date", "author", "outlet")
DEFAULT_DIR = ROOT / "tests" / "fixtures" / "ja"
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class PageResult:
    file: str
    # field -> (right?, what was extracted, what the truth says); a field that is not scored on this page is absent
    fields: dict[str, tuple[bool, Any, Any]] = field(default_factory=dict)


def day_in_japan(value: str) -> date:
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value).astimezone(TOKYO).date()


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def outlet_credited(article: Article, truth_outlet: str, registry: Registry) -> bool:
    names = [article.outlet, article.site_name]
    known = registry.by_name(article.outlet)
    if known:
        names += [known.site_name, *known.aliases]
    want = _squash(truth_outlet)
    return bool(article.outlet) and any(_squash(n) in want for n in names if n)


def load_rows(ja_dir: Path) -> list[dict[str, Any]]:
    lines = (ja_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score_page(row: dict[str, Any], ja_dir: Path, registry: Registry) -> PageResult:
    text = decode_html((ja_dir / row["file"]).read_bytes()).text
    article = extract_article(text, url=row["url"], registry=registry)
    result = PageResult(row["file"])
    result.fields["title"] = (article.title == row["title"], article.title, row["title"])
    if row.get("date"):
        got_day = day_in_japan(article.published) if article.published else None
        result.fields["date"] = (got_day == day_in_japan(row["date"]), article.published, row["date"])
    result.fields["author"] = ((article.author or None) == row["author"], article.author, row["author"])
    if row.get("url"):
        result.fields["outlet"] = (outlet_credited(article, row["outlet"], registry), article.outlet, row["outlet"])
    return result


def field_results(ja_dir: Path = DEFAULT_DIR) -> list[PageResult]:
    registry = load_registry()
    return [score_page(row, ja_dir, registry) for row in load_rows(ja_dir)]


def summarise(results: list[PageResult]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for name in FIELDS:
        scored = [r.fields[name] for r in results if name in r.fields]
        out[name] = (sum(1 for ok, _, _ in scored if ok), len(scored))
    return out


def field_accuracy(ja_dir: Path = DEFAULT_DIR) -> dict[str, tuple[int, int]]:
    """field -> (right, scored) over the pages of ``ja_dir/truth.jsonl``."""
    return summarise(field_results(ja_dir))


def report(results: list[PageResult]) -> str:
    lines = ["  ".join(f"{name} {right}/{total}" for name, (right, total) in summarise(results).items())]
    for result in results:
        for name, (ok, got, want) in result.fields.items():
            if not ok:
                lines.append(f"  miss {name:<6} {result.file}: got {got!r}, want {want!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    ja_dir = Path(args[0]) if args else DEFAULT_DIR
    print(report(field_results(ja_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
