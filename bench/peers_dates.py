"""Publication dates on htmldate's own evaluation set: clipper beside htmldate, scored with htmldate's metric.

    python bench/peers_dates.py [CORPUS] [--tools clipper,extensive,fast] [--half A|B] [--failures]

CORPUS (default ``../shared/corpus``) is the corpus folder (its ``peers/htmldate-eval.tar.gz`` is unpacked to a
temporary folder), the tarball itself, or an already unpacked ``htmldate-eval/`` folder (``eval_default.json``,
``eval_mediacloud_2020.json``; pages in ``test_set/``, ``cache/`` or ``eval/``, looked up in that order as htmldate's
tests/evaluation.py does). Entries whose date is NaN are skipped (995 of 1000 remain).

The metric (htmldate's tests/evaluation.py): per page, the right date is a true positive, a wrong date a false
positive, no date a false negative; precision TP/(TP+FP), recall TP/(TP+FN), F the harmonic mean; day resolution.

- clipper: the installed path of ``clipper extract``: ``decode_html(raw)`` then ``extract_article(text, url=url)``;
  its ``published`` is read at day resolution as the page states it, i.e. the calendar date of the ISO value in its
  own offset (``2020-06-07T23:30:00-04:00`` is 2020-06-07). The truth is "the original publication date" as the page
  gives it (htmldate reads dates as written and ignores zones), so converting to another zone would be unfair.
- htmldate 1.11.0 as its own comparison runs it: ``decode_file(raw)`` then ``find_date(html, original_date=True,
  extensive_search=True)`` ("extensive") or ``extensive_search=False`` ("fast"); no URL, as there.

Time: every call (decoding included) is timed with ``time.perf_counter``; the tools run interleaved on each page,
after one untimed warm-up call each. ``--half`` keeps one half of the set: the half of a page is fixed by a hash of
its file name (sha1, even first byte: A, else B); rules are studied on A and checked on B.

``score_dates(corpus_path)`` returns the same figures as a dict, for a combined bench.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETS = ("eval_mediacloud_2020.json", "eval_default.json")
FOLDERS = ("test_set", "cache", "eval")
TARBALL = "htmldate-eval.tar.gz"

# A tool takes a page's raw bytes and its URL and returns a YYYY-MM-DD date or None.
Tool = Callable[[bytes, str], str | None]


def half_of(name: str) -> str:
    """"A" or "B": a fixed split of the set by a hash of the page's file name."""
    return "A" if hashlib.sha1(name.encode("utf-8")).digest()[0] % 2 == 0 else "B"


@contextmanager
def unpacked(corpus_path: str | Path) -> Iterator[Path]:
    """The unpacked ``htmldate-eval`` folder for a corpus folder, the tarball, or the folder itself."""
    path = Path(corpus_path)
    if (path / SETS[1]).exists():
        yield path
        return
    for candidate in (path / "htmldate-eval", path / "peers" / "htmldate-eval"):
        if (candidate / SETS[1]).exists():
            yield candidate
            return
    tarball = path if path.is_file() else path / "peers" / TARBALL
    if not tarball.is_file():
        tarball = path / TARBALL
    if not tarball.is_file():
        raise SystemExit(f"no htmldate evaluation set under {corpus_path} (looked for {SETS[1]} and {TARBALL})")
    with tempfile.TemporaryDirectory(prefix="htmldate-eval-") as tmp:
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        found = next(Path(tmp).rglob(SETS[1]), None)
        if found is None:
            raise SystemExit(f"{tarball} holds no {SETS[1]}")
        yield found.parent


def load_entries(root: Path) -> list[dict[str, Any]]:
    """``{url, file, date, path, half}`` for every entry with a date, in the sets' order."""
    entries: list[dict[str, Any]] = []
    for name in SETS:
        data = json.loads((root / name).read_text(encoding="utf-8"))
        for url, item in data.items():
            date = item.get("date")
            if not isinstance(date, str) or (isinstance(date, float) and math.isnan(date)):
                continue
            path = next((root / d / item["file"] for d in FOLDERS if (root / d / item["file"]).is_file()), None)
            if path is None:
                continue
            entries.append({"url": url, "file": item["file"], "date": date, "path": path,
                            "half": half_of(item["file"])})
    return entries


def clipper_tool() -> Tool:
    from clipper.encoding import decode_html
    from clipper.extract import extract_article
    from clipper.outlets import load_registry

    registry = load_registry()

    def run(raw: bytes, url: str) -> str | None:
        published = extract_article(decode_html(raw).text, url=url, registry=registry).published
        return published[:10] if published else None  # the calendar date in the value's own offset

    return run


def htmldate_tool(extensive: bool) -> Tool | None:
    try:
        from htmldate import find_date
        from htmldate.utils import decode_file
    except ImportError:
        return None

    def run(raw: bytes, url: str) -> str | None:
        return find_date(decode_file(raw), original_date=True, extensive_search=extensive)

    return run


TOOLS: dict[str, Callable[[], Tool | None]] = {
    "clipper": clipper_tool,
    "extensive": lambda: htmldate_tool(True),
    "fast": lambda: htmldate_tool(False),
}


def _figures(rows: list[tuple[str, str | None]]) -> dict[str, Any]:
    tp = sum(1 for truth, got in rows if got is not None and got == truth)
    fp = sum(1 for truth, got in rows if got is not None and got != truth)
    fn = sum(1 for _truth, got in rows if got is None)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pages": len(rows), "tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f": f}


def run_tools(entries: list[dict[str, Any]], names: list[str]) -> dict[str, dict[str, Any]]:
    """Per tool: the figures over all entries and per half, ms per page, and each page's answer."""
    tools = {name: tool for name in names if (tool := TOOLS[name]()) is not None}
    answers: dict[str, list[str | None]] = {name: [] for name in tools}
    seconds = dict.fromkeys(tools, 0.0)
    if entries:
        first = entries[0]
        raw = first["path"].read_bytes()
        for tool in tools.values():
            tool(raw, first["url"])
    for i, entry in enumerate(entries):
        raw = entry["path"].read_bytes()
        order = list(tools) if i % 2 == 0 else list(tools)[::-1]
        for name in order:
            start = time.perf_counter()
            try:
                got = tools[name](raw, entry["url"])
            except Exception as exc:  # a tool that raises on a page has no date for it
                print(f"{name} raised {exc.__class__.__name__} on {entry['file']}", file=sys.stderr)
                got = None
            seconds[name] += time.perf_counter() - start
            answers[name].append(got)
    out: dict[str, dict[str, Any]] = {}
    for name in tools:
        rows = [(e["date"], got) for e, got in zip(entries, answers[name], strict=True)]
        result = _figures(rows)
        for half in ("A", "B"):
            result[f"half_{half}"] = _figures([r for e, r in zip(entries, rows, strict=True) if e["half"] == half])
        result["ms_per_page"] = 1000 * seconds[name] / max(1, len(entries))
        result["answers"] = answers[name]
        out[name] = result
    return out


def score_dates(corpus_path: str | Path = "../shared/corpus", tools: list[str] | None = None,
                half: str | None = None) -> dict[str, Any]:
    """Figures for each tool on htmldate's set: ``{"pages": n, "tools": {name: {precision, recall, f, tp, fp, fn,
    half_A, half_B, ms_per_page}}, "failures": {name: [{file, url, truth, got}]}}``."""
    with unpacked(corpus_path) as root:
        entries = load_entries(root)
        if half:
            entries = [e for e in entries if e["half"] == half]
        results = run_tools(entries, tools or list(TOOLS))
    failures = {name: [{"file": e["file"], "url": e["url"], "truth": e["date"], "got": got, "half": e["half"]}
                       for e, got in zip(entries, r.pop("answers"), strict=True) if got != e["date"]]
                for name, r in results.items()}
    return {"pages": len(entries), "tools": results, "failures": failures}


def render(report: dict[str, Any]) -> str:
    lines = [f"htmldate evaluation set: {report['pages']} dated pages (htmldate's metric, day resolution)", "",
             f"{'tool':<12}{'P':>7}{'R':>7}{'F':>7}{'TP':>6}{'FP':>5}{'FN':>5}{'F half A':>10}{'F half B':>10}"
             f"{'ms/page':>9}"]
    for name, r in report["tools"].items():
        lines.append(f"{name:<12}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f']:>7.3f}{r['tp']:>6}{r['fp']:>5}"
                     f"{r['fn']:>5}{r['half_A']['f']:>10.3f}{r['half_B']['f']:>10.3f}{r['ms_per_page']:>9.2f}")
    return "\n".join(lines)


FIXTURE_EVERY = 16


def write_fixture(corpus_path: str | Path, dest: Path, every: int = FIXTURE_EVERY) -> int:
    """The CI subset: every ``every``-th dated entry (in the sets' order), its page gzipped (the bytes inside
    exact), ``truth.json`` (``[{name, file, url, date}]``) and htmldate's LICENSE. Returns the number of pages."""
    dest.mkdir(parents=True, exist_ok=True)
    with unpacked(corpus_path) as root:
        rows = []
        for i, entry in enumerate(load_entries(root)[::every]):
            name = f"{i:03}-{entry['file']}.gz"
            (dest / name).write_bytes(gzip.compress(entry["path"].read_bytes(), mtime=0))
            rows.append({"name": name, "file": entry["file"], "url": entry["url"], "date": entry["date"]})
        (dest / "truth.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (dest / "LICENSE").write_bytes((root / "LICENSE").read_bytes())
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated, of {', '.join(TOOLS)}")
    parser.add_argument("--half", choices=("A", "B"), help="only one half of the set (split by file-name hash)")
    parser.add_argument("--failures", action="store_true", help="list each tool's wrong or missing dates")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--fixture", metavar="DIR", help=f"write the CI subset (every {FIXTURE_EVERY}th page) to DIR")
    args = parser.parse_args(argv)
    if args.fixture:
        print(f"{write_fixture(args.corpus, Path(args.fixture))} pages written to {args.fixture}")
        return 0
    names = [n.strip() for n in args.tools.split(",") if n.strip()]
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(unknown)}")
    report = score_dates(args.corpus, names, args.half)
    missing = [n for n in names if n not in report["tools"]]
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if args.failures or k != "failures"}, indent=1))
        return 0
    print(render(report))
    if missing:
        print(f"\nnot installed (pip install -e '.[bench]'): {', '.join(missing)}")
    if args.failures:
        for name, rows in report["failures"].items():
            print(f"\n{name}: {len(rows)} pages wrong or without a date")
            for row in rows:
                print(f"  [{row['half']}] {row['file']:<48} truth {row['truth']}  got {row['got']}  {row['url']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
