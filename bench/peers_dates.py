"""Publication dates: clipper beside htmldate on htmldate's own evaluation set.

    python bench/peers_dates.py [CORPUS] [--half a|b] [--failures] [--no-peers] [--limit N]

CORPUS (default ``../shared/corpus``) is the corpus folder (``peers/htmldate-eval.tar.gz`` is unpacked to a temp
dir), the tarball itself, or an already unpacked ``htmldate-eval/`` folder (``eval_default.json``,
``eval_mediacloud_2020.json``; pages in ``eval/``, ``cache/`` or ``test_set/``).

clipper runs the installed path of ``clipper extract``: the page's bytes decoded by ``clipper.encoding.decode_html``,
then ``clipper.extract.extract_article(text, url=url).published``. htmldate 1.11.0 runs as its comparison script
does: ``find_date(html, extensive_search=True, original_date=True)`` and the fast mode ``extensive_search=False``,
on the raw bytes (htmldate decodes them itself).

The metric is htmldate's (its tests/comparison.py): at day resolution, the right date is a true positive, a wrong
date a false positive, no date a false negative; precision TP/(TP+FP), recall TP/(TP+FN), F the harmonic mean.
Entries whose date is NaN are skipped. clipper's day is the calendar day the ISO value itself carries (the page's
own zone), not the day in Japan.

``--half a|b`` keeps one half of the set, split by a hash of the file name (``a``: even first byte of its SHA-1),
so rules can be studied on one half and confirmed on the other. Each tool's time is per page, measured in this one
process with ``time.perf_counter`` (decoding included for clipper, htmldate's own decoding for htmldate).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clipper.encoding import decode_html  # noqa: E402
from clipper.extract import extract_article  # noqa: E402

SETS = ("eval_default.json", "eval_mediacloud_2020.json")
FOLDERS = ("eval", "cache", "test_set")


@dataclass
class Entry:
    url: str
    path: Path
    date: str  # YYYY-MM-DD


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    seconds: float = 0.0
    failures: list[tuple[Entry, str | None]] = field(default_factory=list)

    def add(self, entry: Entry, got: str | None, seconds: float) -> None:
        self.seconds += seconds
        day = (got or "")[:10] or None
        if day == entry.date:
            self.tp += 1
            return
        if day is None:
            self.fn += 1
        else:
            self.fp += 1
        self.failures.append((entry, got))

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        n = self.tp + self.fp + self.fn
        return {"precision": p, "recall": r, "f": f, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "ms_per_page": 1000 * self.seconds / n if n else 0.0}


def half_of(name: str) -> str:
    return "a" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "b"


def eval_dir(corpus: Path, tmp: Path) -> Path:
    """The unpacked set: ``corpus`` itself, its ``htmldate-eval/`` or ``peers/htmldate-eval.tar.gz`` unpacked."""
    for cand in (corpus, corpus / "htmldate-eval"):
        if (cand / SETS[0]).exists():
            return cand
    tarball = corpus if corpus.is_file() else corpus / "peers" / "htmldate-eval.tar.gz"
    if not tarball.exists():
        raise SystemExit(f"no htmldate evaluation set at {corpus}")
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
    return tmp / "htmldate-eval"


def load_entries(root: Path, half: str | None = None, limit: int | None = None) -> list[Entry]:
    out: list[Entry] = []
    for name in SETS:
        data = json.loads((root / name).read_text(encoding="utf-8"))
        for url, row in data.items():
            date = row.get("date")
            if not isinstance(date, str) or (isinstance(date, float) and math.isnan(date)) or date.lower() == "nan":
                continue
            path = next((root / d / row["file"] for d in FOLDERS if (root / d / row["file"]).exists()), None)
            if path is None or (half and half_of(row["file"]) != half):
                continue
            out.append(Entry(url, path, date[:10]))
    return out[:limit] if limit else out


def clipper_date(raw: bytes, url: str) -> str | None:
    return extract_article(decode_html(raw).text, url=url).published


def _htmldate(extensive: bool) -> Callable[[bytes, str], str | None]:
    from htmldate import find_date

    def run(raw: bytes, url: str) -> str | None:
        try:
            return find_date(raw, url=url, extensive_search=extensive, original_date=True)
        except Exception:  # a peer's crash counts as no date
            return None

    return run


def score_dates(corpus: Path | str, *, half: str | None = None, peers: bool = True,
                limit: int | None = None) -> dict[str, dict]:
    """``{tool: {precision, recall, f, tp, fp, fn, ms_per_page, failures}}`` on htmldate's set."""
    with tempfile.TemporaryDirectory() as tmp:
        entries = load_entries(eval_dir(Path(corpus), Path(tmp)), half, limit)
        tools: dict[str, Callable[[bytes, str], str | None]] = {"clipper": clipper_date}
        if peers:
            tools["htmldate extensive"] = _htmldate(True)
            tools["htmldate fast"] = _htmldate(False)
        tallies = {name: Tally() for name in tools}
        pages = [(e, e.path.read_bytes()) for e in entries]
        for name, tool in tools.items():  # one warm-up call each, not timed
            tool(pages[0][1], pages[0][0].url)
        for i, (entry, raw) in enumerate(pages):
            order = list(tools.items()) if i % 2 == 0 else list(tools.items())[::-1]
            for name, tool in order:
                start = time.perf_counter()
                got = tool(raw, entry.url)
                tallies[name].add(entry, got, time.perf_counter() - start)
    out: dict[str, dict] = {}
    for name, tally in tallies.items():
        out[name] = tally.scores()
        out[name]["failures"] = [{"url": e.url, "file": e.path.name, "truth": e.date, "got": g}
                                 for e, g in tally.failures]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default="../shared/corpus")
    ap.add_argument("--half", choices=("a", "b"))
    ap.add_argument("--failures", action="store_true", help="print clipper's wrong or missing dates")
    ap.add_argument("--no-peers", action="store_true", help="clipper only")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args(argv)
    results = score_dates(args.corpus, half=args.half, peers=not args.no_peers, limit=args.limit)
    n = next(iter(results.values()))
    print(f"htmldate's set{' half ' + args.half if args.half else ''}: {n['tp'] + n['fp'] + n['fn']} dated pages")
    print(f"{'tool':<20} {'P':>6} {'R':>6} {'F':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'ms/page':>8}")
    for name, r in results.items():
        print(f"{name:<20} {r['precision']:6.3f} {r['recall']:6.3f} {r['f']:6.3f} {r['tp']:5} {r['fp']:5} "
              f"{r['fn']:5} {r['ms_per_page']:8.2f}")
    if args.failures:
        for f in results["clipper"]["failures"]:
            print(f"{f['truth']}  {f['got'] or '-':<27} {f['file']}  {f['url']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
