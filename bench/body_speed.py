"""Time of the main-text extractor alone, two (or more) versions of body.py side by side in one process.

    python bench/body_speed.py [--runs N] [--corpus DIR] BODY_PY [BODY_PY ...]

Each BODY_PY is a copy of clipper/extract/body.py (e.g. ``git show 9ab9e90:clipper/extract/body.py > /tmp/old.py``)
loaded as its own module. Every ScrapingHub page (CORPUS/bench/html/*.html.gz) is parsed outside the timing, then
``extract_paragraphs(tree)`` of each version runs on a fresh parse, the versions alternating page by page; the
figure is the sum over pages of each page's fastest run in N runs (the minimum is what a loaded machine distorts
least). Use ``valgrind --tool=callgrind`` for instruction counts when timings are too noisy.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402


def load(path: str, n: int) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"body_version_{n}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", nargs="+", metavar="BODY_PY")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--corpus", default="../shared/corpus")
    args = parser.parse_args(argv)
    bench = Path(args.corpus) / "bench"
    truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [gzip.decompress((bench / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8", "replace")
             for i in sorted(truth)]
    modules = [(path, load(path, n)) for n, path in enumerate(args.versions)]
    best = {path: [float("inf")] * len(pages) for path, _ in modules}
    for _ in range(args.runs):
        for k, html in enumerate(pages):
            for path, module in modules:
                tree = LexborHTMLParser(html)
                start = time.perf_counter()
                module.extract_paragraphs(tree)
                best[path][k] = min(best[path][k], time.perf_counter() - start)
    for path, _ in modules:
        print(f"{path}: body {1000 * sum(best[path]) / len(pages):.3f} ms a page "
              f"({len(pages)} pages, fastest of {args.runs} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
