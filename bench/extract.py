"""Main-text benchmark: clipper's extractor vs trafilatura on the ScrapingHub article-extraction pages.

    python bench/extract.py [CORPUS] [--limit N] [--worst K] [--no-memory]

CORPUS (default ``../shared/corpus``, relative to the current directory) holds ``bench/html/<id>.html.gz`` and
``bench/ground-truth.json``; a folder that holds those two directly is accepted too. ``CORPUS/ja/truth.jsonl``,
when present, is used by :func:`ja_field_accuracy`.

Quality: the benchmark's shingle metric (``clipper.extract.quality.score``). Speed: both tools run in this one
process over the same pages, interleaved (page i: clipper then trafilatura on even i, the reverse on odd i), each
call timed with ``time.perf_counter``; clipper's time includes parsing the page (``LexborHTMLParser``), trafilatura's
includes its own parsing; gunzip and UTF-8 decoding are outside the timings. One warm-up call per tool on the first
page is not timed. Garbage collection: after the warm-up, live objects are frozen and automatic collection is off;
each timed call ends with a ``gc.collect()`` inside its own timing, so each tool pays for collecting its own garbage
and never for the other's (with automatic collection, a collection triggered by trafilatura's many objects lands in
whichever call comes next).

Peak memory: each tool runs alone over all pages in a fresh subprocess (started before the timing run) that reports
its own peak resident set size: ``VmHWM`` from /proc/self/status on Linux, else ``resource.getrusage(RUSAGE_SELF)
.ru_maxrss`` (on Linux ru_maxrss carries the parent's peak over fork+exec). The interpreter and the imported
libraries count, which is what a user pays.

trafilatura runs as ``trafilatura.extract(html, include_comments=False, favor_precision=True)``: of its settings
(default, favor_precision, favor_recall, fast) favor_precision gave its best F1 on these pages.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clipper.extract.quality import page_f1, score  # noqa: E402


def bench_dir(corpus: Path) -> Path:
    return corpus if (corpus / "ground-truth.json").exists() else corpus / "bench"


def load_truth(corpus: Path, limit: int | None) -> dict[str, dict[str, str]]:
    """``{id: {"articleBody": ..., "url": ...}}`` for the first ``limit`` ids in sorted order (all by default)."""
    truth = json.loads((bench_dir(corpus) / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    return {i: {"articleBody": truth[i].get("articleBody") or "", "url": truth[i].get("url") or ""} for i in ids}


def pages(corpus: Path, ids: list[str]) -> Iterator[tuple[str, str]]:
    html_dir = bench_dir(corpus) / "html"
    for i in ids:
        yield i, gzip.decompress((html_dir / f"{i}.html.gz").read_bytes()).decode("utf-8", errors="replace")


def clipper_tool() -> Callable[[str], str]:
    from selectolax.lexbor import LexborHTMLParser

    from clipper.extract.body import extract_paragraphs

    def run(html: str) -> str:
        return "\n".join(extract_paragraphs(LexborHTMLParser(html)))

    return run


def trafilatura_tool() -> Callable[[str], str] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: str) -> str:
        return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""

    return run


def peak_rss_kib() -> int:
    """This process's peak resident set size in KiB.

    Linux: ``VmHWM`` from /proc/self/status. ``ru_maxrss`` is not used there because it survives fork+exec, so a
    worker would report at least its parent's size; elsewhere ``ru_maxrss`` is the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def memory_worker(tool: str, corpus: Path, limit: int | None) -> None:
    """Run one tool alone over every page; print its peak RSS (KiB) as JSON."""
    run = clipper_tool() if tool == "clipper" else trafilatura_tool()
    if run is None:
        print(json.dumps({"maxrss_kib": None}))
        return
    ids = list(load_truth(corpus, limit))
    for _, html in pages(corpus, ids):
        run(html)
    print(json.dumps({"maxrss_kib": peak_rss_kib()}))


def peak_memory(tool: str, corpus: Path, limit: int | None) -> int | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), str(corpus), "--memory-worker", tool]
    if limit:
        cmd += ["--limit", str(limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"memory worker for {tool} failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    value = json.loads(proc.stdout.strip().splitlines()[-1])["maxrss_kib"]
    return int(value) if value is not None else None


def ja_field_accuracy(corpus: Path) -> None:
    """Japanese pages: for now, how often the body contains the truth's first sentence (and starts with it).

    The lead extends this with title/date/author accuracy over the same ``truth.jsonl``.
    """
    truth_file = corpus / "ja" / "truth.jsonl"
    if not truth_file.exists():
        print(f"\nja: {truth_file} not found, skipped")
        return
    from selectolax.lexbor import LexborHTMLParser

    from clipper.encoding import decode_html
    from clipper.extract.body import extract_paragraphs

    hits = first = total = 0
    misses: list[str] = []
    for line in truth_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        sentence = row.get("first_sentence")
        if not sentence:
            continue
        total += 1
        text = decode_html((corpus / "ja" / row["file"]).read_bytes()).text
        paragraphs = extract_paragraphs(LexborHTMLParser(text))
        want = "".join(sentence.split())
        if any(want in "".join(p.split()) for p in paragraphs) or want in "".join("".join(paragraphs).split()):
            hits += 1
            if paragraphs and "".join(paragraphs[0].split()).lstrip("\u3000").startswith(want[:20]):
                first += 1
        else:
            misses.append(row["file"])
    print(f"\nja first_sentence: {hits}/{total} contained, {first}/{total} as the first paragraph")
    for name in misses:
        print(f"  miss: {name}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ja_fields import field_results, report

    print("ja fields (title exact, date to the day in Japan time, author exact, outlet credited):")
    print("  " + report(field_results(corpus / "ja")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (sorted by id)")
    parser.add_argument("--worst", type=int, default=10, help="list clipper's K worst pages by F1")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--memory-worker", choices=["clipper", "trafilatura"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if args.memory_worker:
        memory_worker(args.memory_worker, corpus, args.limit)
        return 0

    rows = load_truth(corpus, args.limit)
    ids = list(rows)
    truth = {i: rows[i]["articleBody"] for i in ids}
    have_trafilatura = importlib.util.find_spec("trafilatura") is not None
    names = ["clipper", "trafilatura"] if have_trafilatura else ["clipper"]
    memory = {name: None if args.no_memory else peak_memory(name, corpus, args.limit) for name in names}
    ours = clipper_tool()
    theirs = trafilatura_tool()
    if theirs is None:
        print("trafilatura is not installed: clipper's figures only (pip install 'clipper[bench]' to compare)")
    preds: dict[str, dict[str, str]] = {"clipper": {}, "trafilatura": {}}
    times = {"clipper": 0.0, "trafilatura": 0.0}
    tools: list[tuple[str, Callable[[str], str]]] = [("clipper", ours)]
    if theirs is not None:
        tools.append(("trafilatura", theirs))
    for n, (page_id, html) in enumerate(pages(corpus, ids)):
        if n == 0:
            for _, run in tools:
                run(html)  # warm-up, untimed
            gc.collect()
            gc.freeze()  # what exists now (modules, caches) is never scanned again
            gc.disable()
        for name, run in tools if n % 2 == 0 else tools[::-1]:
            start = time.perf_counter()
            preds[name][page_id] = run(html)
            gc.collect()  # each call pays for collecting its own garbage, never for the other tool's
            times[name] += time.perf_counter() - start
    gc.enable()
    gc.unfreeze()

    print(f"{len(ids)} pages from {bench_dir(corpus)}")
    print(f"{'tool':<12} {'precision':>9} {'recall':>7} {'F1':>7} {'pages/s':>9} {'peak RSS':>10}")
    rates: dict[str, float] = {}
    for name, _ in tools:
        p, r, f = score((truth[i], preds[name][i]) for i in ids)
        rates[name] = len(ids) / times[name] if times[name] else float("inf")
        mem = memory.get(name)
        mem_s = f"{mem / 1024:.1f} MiB" if mem else "n/a"
        print(f"{name:<12} {p:>9.4f} {r:>7.4f} {f:>7.4f} {rates[name]:>9.1f} {mem_s:>10}")
    if theirs is not None:
        ratio = rates["clipper"] / rates["trafilatura"]
        print(f"speed ratio clipper/trafilatura: {ratio:.1f}x  (trafilatura: favor_precision=True, no comments)")
        f_ours = score((truth[i], preds["clipper"][i]) for i in ids)[2]
        f_theirs = score((truth[i], preds["trafilatura"][i]) for i in ids)[2]
        mem_ok = "n/a" if not (memory.get("clipper") and memory.get("trafilatura")) else \
            str((memory.get("clipper") or 0) <= (memory.get("trafilatura") or 0))
        print(f"targets: F1>=0.96 {f_ours >= 0.96}, F1>=trafilatura {f_ours >= f_theirs}, speed>=10x {ratio >= 10}, "
              f"peak memory<=trafilatura {mem_ok}")
    if args.worst:
        print(f"\nclipper's {args.worst} worst pages by F1 (trafilatura's F1 alongside):")
        worst = sorted(ids, key=lambda i: page_f1(truth[i], preds["clipper"][i]))[: args.worst]
        for i in worst:
            other = f"{page_f1(truth[i], preds['trafilatura'][i]):.3f}" if theirs is not None else "  -  "
            print(f"  {page_f1(truth[i], preds['clipper'][i]):.3f}  traf {other}  {i[:16]}  {rows[i]['url'][:90]}")
    ja_field_accuracy(corpus if (corpus / "ja").exists() else corpus.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
