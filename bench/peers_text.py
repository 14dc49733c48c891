"""Main text on trafilatura's own evaluation set: clipper beside trafilatura 2.3.1, with trafilatura's metric.

    python bench/peers_text.py [CORPUS] [--half a|b|all] [--failures] [--no-peer] [--limit N]

CORPUS (default ``../shared/corpus``) holds ``peers/trafilatura-eval.tar.gz``, which is unpacked to a temporary
folder; the tarball itself, or an unpacked ``trafilatura-eval/`` folder (with ``evaldata.json``), is accepted too.

clipper runs as ``clipper extract`` does: the page's bytes decoded by ``clipper.encoding.decode_html``, then
``extract_article(text, url=url)``; its paragraphs joined with newlines are the output. trafilatura runs with its
benchmark settings (its tests/eval_common.py ``make_runners``, the "fallback" runner): ``extract(page_bytes,
fast=False, include_comments=False, include_tables=True, include_formatting=False)``.

Metric (trafilatura's tests/eval_common.py): whitespace is collapsed (``re.sub(r"\\s+", " ", s).strip()``) in the
snippets and the output; a "with" snippet found is a true positive, missing a false negative; a "without" snippet
found is a false positive, absent a true negative. Precision TP/(TP+FP), recall TP/(TP+FN), F1 = 2TP/(2TP+FP+FN),
summed over all pages. A tool that raises on a page scores that page as output ``None`` (every "with" missed).

Halves: a page is in half ``a`` when the first byte of the SHA-1 of its file name is even, else ``b``. Failures are
studied on half ``a`` only; half ``b`` confirms that a change helps pages nobody looked at.

Speed: both tools run in this process over the same pages, the order alternating page by page; each call is timed
with ``time.perf_counter`` (clipper's time includes decoding, trafilatura decodes the bytes itself).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
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

Tool = Callable[[bytes, str], "str | None"]
TARBALL = "trafilatura-eval.tar.gz"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def half_of(filename: str) -> str:
    return "a" if hashlib.sha1(filename.encode("utf-8")).digest()[0] % 2 == 0 else "b"


@contextmanager
def eval_dir(corpus: Path) -> Iterator[Path]:
    """The unpacked set: ``corpus`` itself, ``corpus/trafilatura-eval``, or the tarball unpacked to a temp dir."""
    for candidate in (corpus, corpus / "trafilatura-eval", corpus / "peers" / "trafilatura-eval"):
        if (candidate / "evaldata.json").is_file():
            yield candidate
            return
    for tarball in (corpus, corpus / TARBALL, corpus / "peers" / TARBALL):
        if tarball.is_file():
            with tempfile.TemporaryDirectory(prefix="peers-text-") as tmp:
                with tarfile.open(tarball) as tar:
                    tar.extractall(tmp, filter="data")
                found = next(Path(tmp).rglob("evaldata.json"), None)
                if found is None:
                    raise SystemExit(f"{tarball}: no evaldata.json inside")
                yield found.parent
            return
    raise SystemExit(f"{corpus}: neither {TARBALL} nor an unpacked trafilatura-eval/ with evaldata.json")


def resolve(here: Path, filename: str) -> Path | None:
    for sub in ("cache", "eval"):
        path = here / sub / filename
        if path.is_file():
            return path
    return None


def count_item(item: dict[str, Any], result: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page, as trafilatura's eval_common.count_item."""
    if isinstance(result, str):
        resn = norm(result)
        tp = sum(1 for w in item["with"] if norm(w) in resn)
        fp = sum(1 for w in item["without"] if norm(w) in resn)
    else:
        tp = fp = 0
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def prf(counts: list[int]) -> dict[str, float]:
    tp, fp, fn, _tn = counts
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def clipper_tool() -> Tool:
    from clipper.encoding import decode_html
    from clipper.extract import extract_article
    from clipper.outlets import load_registry

    registry = load_registry()

    def run(raw: bytes, url: str) -> str:
        article = extract_article(decode_html(raw).text, url=url, registry=registry)
        return "\n".join(article.paragraphs)

    return run


def trafilatura_tool() -> Tool | None:
    try:
        from trafilatura import extract
    except ImportError:
        return None

    def run(raw: bytes, url: str) -> str | None:
        return extract(raw, fast=False, include_comments=False, include_tables=True, include_formatting=False)

    return run


def load_items(here: Path, half: str = "all", limit: int | None = None) -> list[tuple[str, dict[str, Any], bytes]]:
    evaldata = json.loads((here / "evaldata.json").read_text(encoding="utf-8"))
    items = []
    for url in sorted(evaldata):
        item = evaldata[url]
        if half != "all" and half_of(item["file"]) != half:
            continue
        path = resolve(here, item["file"])
        if path is None:
            continue
        items.append((url, item, path.read_bytes()))
    return items[:limit] if limit else items


def run_tools(
    items: list[tuple[str, dict[str, Any], bytes]], tools: dict[str, Tool]
) -> dict[str, dict[str, Any]]:
    """Per tool: outputs by URL and total seconds. The order of the tools alternates page by page."""
    names = list(tools)
    out: dict[str, dict[str, Any]] = {n: {"outputs": {}, "seconds": 0.0} for n in names}
    for n, (url, _item, raw) in enumerate(items):
        order = names[n % len(names):] + names[: n % len(names)]
        for name in order:
            start = time.perf_counter()
            try:
                result = tools[name](raw, url)
            except Exception:  # a crash is a full miss, as in trafilatura's evaluation
                result = None
            out[name]["seconds"] += time.perf_counter() - start
            out[name]["outputs"][url] = result
    return out


def summarise(items: list[tuple[str, dict[str, Any], bytes]], outputs: dict[str, str | None]) -> dict[str, Any]:
    totals = {"all": [0, 0, 0, 0], "a": [0, 0, 0, 0], "b": [0, 0, 0, 0]}
    empty: list[str] = []
    for url, item, _raw in items:
        counts = count_item(item, outputs.get(url))
        for key in ("all", half_of(item["file"])):
            totals[key] = [x + y for x, y in zip(totals[key], counts, strict=True)]
        if len(item["with"]) >= 3 and not norm(outputs.get(url) or ""):
            empty.append(item["file"])
    result: dict[str, Any] = {key: {**prf(c), "counts": c} for key, c in totals.items() if sum(c)}
    result["empty_with3"] = empty
    return result


def score_text(corpus_path: str | Path = "../shared/corpus", *, half: str = "all", peer: bool = True,
               limit: int | None = None) -> dict[str, Any]:
    """Run clipper (and trafilatura unless ``peer`` is false) on the set; scores, times, outputs per tool."""
    with eval_dir(Path(corpus_path)) as here:
        items = load_items(here, half, limit)
    tools: dict[str, Tool] = {"clipper": clipper_tool()}
    if peer:
        theirs = trafilatura_tool()
        if theirs is not None:
            tools["trafilatura"] = theirs
    for run in tools.values():  # warm-up, untimed
        run(items[0][2], items[0][0])
    runs = run_tools(items, tools)
    report: dict[str, Any] = {"pages": len(items), "tools": {}}
    for name, run_result in runs.items():
        report["tools"][name] = {
            **summarise(items, run_result["outputs"]),
            "ms_per_page": 1000 * run_result["seconds"] / max(1, len(items)),
            "outputs": run_result["outputs"],
        }
    report["items"] = {url: item for url, item, _raw in items}
    return report


def print_failures(report: dict[str, Any], tool: str = "clipper") -> None:
    outputs = report["tools"][tool]["outputs"]
    for url, item in report["items"].items():
        text = norm(outputs.get(url) or "")
        missed = [w for w in item["with"] if norm(w) not in text]
        found = [w for w in item["without"] if norm(w) in text]
        if not missed and not found:
            continue
        print(f"\n== {item['file']} [{half_of(item['file'])}] {url}  ({len(text)} chars)")
        for w in missed:
            print(f"   MISSED {w[:150]!r}")
        for w in found:
            print(f"   FOUND  {w[:150]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--half", choices=("a", "b", "all"), default="all", help="only one half of the set")
    parser.add_argument("--failures", action="store_true", help="print clipper's missed/found snippets per page")
    parser.add_argument("--no-peer", action="store_true", help="clipper only (faster)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", metavar="FILE", help="write the scores (no outputs) as JSON to FILE")
    args = parser.parse_args(argv)
    report = score_text(args.corpus, half=args.half, peer=not args.no_peer, limit=args.limit)
    print(f"trafilatura-eval: {report['pages']} pages (half {args.half})")
    print(f"{'tool':<12} {'part':<4} {'P':>6} {'R':>6} {'F1':>6}  {'tp/fp/fn/tn':<20} {'ms/page':>8}")
    for name, res in report["tools"].items():
        for key in ("all", "a", "b"):
            if key not in res:
                continue
            row = res[key]
            counts = "/".join(str(c) for c in row["counts"])
            ms = f"{res['ms_per_page']:8.2f}" if key == "all" else ""
            scores = f"{row['precision']:6.3f} {row['recall']:6.3f} {row['f1']:6.3f}"
            print(f"{name:<12} {key:<4} {scores}  {counts:<20} {ms}")
        print(f"{name:<12} pages with >= 3 'with' snippets and an empty output: {len(res['empty_with3'])}"
              + (f" ({', '.join(res['empty_with3'][:10])})" if res["empty_with3"] else ""))
    if "trafilatura" in report["tools"]:
        ratio = report["tools"]["trafilatura"]["ms_per_page"] / max(1e-9, report["tools"]["clipper"]["ms_per_page"])
        print(f"speed: clipper {ratio:.1f}x trafilatura per page")
    if args.failures:
        print_failures(report)
    if args.json:
        slim = {n: {k: v for k, v in r.items() if k != "outputs"} for n, r in report["tools"].items()}
        Path(args.json).write_text(json.dumps({"pages": report["pages"], "tools": slim}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
