"""Main-text benchmark: clipper's extractor vs trafilatura on the ScrapingHub article-extraction pages.

    python bench/extract.py [CORPUS] [--limit N] [--worst K] [--no-memory] [--no-stages]

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

Stages: after the comparison, ``bench/profile_extract.py`` runs the whole path again over the same pages with each
step of ``extract_article`` timed (decode, parse, walk, metadata, jsonld, dates, authors, body, other), in ms a page,
trafilatura ``bare_extraction(with_metadata=True)`` interleaved as before (``--no-stages`` skips it).

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


# A tool takes the page's raw bytes and its UTF-8 decoded text, and returns the main text it extracted.
Tool = Callable[[bytes, str], str]


def pages(corpus: Path, ids: list[str]) -> Iterator[tuple[str, bytes, str]]:
    html_dir = bench_dir(corpus) / "html"
    for i in ids:
        raw = gzip.decompress((html_dir / f"{i}.html.gz").read_bytes())
        yield i, raw, raw.decode("utf-8", errors="replace")


def clipper_tool() -> Tool:
    """The main-text extractor alone, on decoded text (parsing included)."""
    from selectolax.lexbor import LexborHTMLParser

    from clipper.extract.body import extract_paragraphs

    def run(raw: bytes, html: str) -> str:
        return "\n".join(extract_paragraphs(LexborHTMLParser(html)))

    return run


def clipper_article_tool() -> Tool:
    """The whole path ``clipper extract`` runs on a page: decode the bytes, then title, outlet, date, author,
    canonical URL and body (``extract_article``)."""
    from clipper.encoding import decode_html
    from clipper.extract import extract_article
    from clipper.outlets import load_registry

    registry = load_registry()

    def run(raw: bytes, html: str) -> str:
        article = extract_article(decode_html(raw).text, registry=registry)
        return "\n".join(article.paragraphs)

    return run


def trafilatura_tool() -> Tool | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(raw: bytes, html: str) -> str:
        return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""

    return run


def trafilatura_bare_tool() -> Tool | None:
    """trafilatura's own whole path with metadata, on the raw bytes (it decodes them itself)."""
    try:
        from trafilatura import bare_extraction
    except ImportError:
        return None

    def run(raw: bytes, html: str) -> str:
        doc = bare_extraction(raw, include_comments=False, favor_precision=True, with_metadata=True)
        if doc is None:
            return ""
        text = doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", None)
        return text or ""

    return run


def trafilatura_extract_meta_tool() -> Tool | None:
    """``trafilatura.extract`` with metadata, on the raw bytes: what a trafilatura user calls for a clip."""
    try:
        import trafilatura
    except ImportError:
        return None

    def run(raw: bytes, html: str) -> str:
        return trafilatura.extract(raw, include_comments=False, favor_precision=True, with_metadata=True) or ""

    return run


TOOLS: dict[str, Callable[[], Tool | None]] = {
    "clipper": clipper_tool,
    "clipper-article": clipper_article_tool,
    "trafilatura": trafilatura_tool,
    "traf-bare-meta": trafilatura_bare_tool,
    "traf-extract-meta": trafilatura_extract_meta_tool,
}


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
    run = TOOLS[tool]()
    if run is None:
        print(json.dumps({"maxrss_kib": None}))
        return
    ids = list(load_truth(corpus, limit))
    for _, raw, html in pages(corpus, ids):
        run(raw, html)
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
    parser.add_argument("--no-stages", action="store_true",
                        help="skip the per-stage breakdown of the whole path (bench/profile_extract.py)")
    parser.add_argument("--memory-worker", choices=list(TOOLS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if args.memory_worker:
        memory_worker(args.memory_worker, corpus, args.limit)
        return 0

    rows = load_truth(corpus, args.limit)
    ids = list(rows)
    truth = {i: rows[i]["articleBody"] for i in ids}
    have_trafilatura = importlib.util.find_spec("trafilatura") is not None
    tools: list[tuple[str, Tool]] = []
    for name, make in TOOLS.items():
        run = make()
        if run is not None:
            tools.append((name, run))
    if not have_trafilatura:
        print("trafilatura is not installed: clipper's figures only (pip install 'clipper[bench]' to compare)")
    names = [name for name, _ in tools]
    memory = {name: None if args.no_memory else peak_memory(name, corpus, args.limit)
              for name in ("clipper", "trafilatura") if name in names}
    preds: dict[str, dict[str, str]] = {name: {} for name in names}
    times = {name: 0.0 for name in names}
    for n, (page_id, raw, html) in enumerate(pages(corpus, ids)):
        if n == 0:
            for _, run in tools:
                run(raw, html)  # warm-up, untimed
            gc.collect()
            gc.freeze()  # what exists now (modules, caches) is never scanned again
            gc.disable()
        # the order of the tools rotates page by page, so no tool always runs right after another
        k = n % len(tools)
        for name, run in tools[k:] + tools[:k]:
            start = time.perf_counter()
            preds[name][page_id] = run(raw, html)
            gc.collect()  # each call pays for collecting its own garbage, never for another tool's
            times[name] += time.perf_counter() - start
    gc.enable()
    gc.unfreeze()

    print(f"{len(ids)} pages from {bench_dir(corpus)}")
    print(f"{'tool':<18} {'precision':>9} {'recall':>7} {'F1':>7} {'ms/page':>8} {'pages/s':>9} {'peak RSS':>10}")
    rates: dict[str, float] = {}
    f1s: dict[str, float] = {}
    for name, _ in tools:
        p, r, f = score((truth[i], preds[name][i]) for i in ids)
        f1s[name] = f
        rates[name] = len(ids) / times[name] if times[name] else float("inf")
        mem = memory.get(name)
        mem_s = f"{mem / 1024:.1f} MiB" if mem else "n/a"
        ms = 1000 * times[name] / len(ids)
        print(f"{name:<18} {p:>9.4f} {r:>7.4f} {f:>7.4f} {ms:>8.2f} {rates[name]:>9.1f} {mem_s:>10}")
    theirs = have_trafilatura
    if theirs:
        ratio = rates["clipper"] / rates["trafilatura"]
        whole = rates["clipper-article"] / rates["traf-bare-meta"]
        whole_extract = rates["clipper-article"] / rates["traf-extract-meta"]
        print(f"main text alone, clipper/trafilatura extract(): {ratio:.1f}x")
        print(f"whole path, clipper extract_article/trafilatura bare_extraction(with_metadata=True): {whole:.1f}x; "
              f"/ extract(with_metadata=True): {whole_extract:.1f}x")
        mem_ok = "n/a" if not (memory.get("clipper") and memory.get("trafilatura")) else \
            str((memory.get("clipper") or 0) <= (memory.get("trafilatura") or 0))
        print(f"targets: F1>=0.98 {f1s['clipper-article'] >= 0.98}, F1>=trafilatura "
              f"{f1s['clipper-article'] >= f1s['trafilatura']}, whole path >=8x {whole >= 8}, "
              f"peak memory<=trafilatura {mem_ok}")
    if args.worst:
        print(f"\nclipper's {args.worst} worst pages by F1 (trafilatura's F1 alongside):")
        worst = sorted(ids, key=lambda i: page_f1(truth[i], preds["clipper"][i]))[: args.worst]
        for i in worst:
            other = f"{page_f1(truth[i], preds['trafilatura'][i]):.3f}" if theirs else "  -  "
            print(f"  {page_f1(truth[i], preds['clipper'][i]):.3f}  traf {other}  {i[:16]}  {rows[i]['url'][:90]}")
    if not args.no_stages:
        # a second pass over the same pages with each step of extract_article timed (bench/profile_extract.py),
        # trafilatura interleaved again so that its ratio comes from the same conditions
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from profile_extract import load_pages, profile, report

        print()
        print(report(profile(load_pages(corpus, args.limit), peer=have_trafilatura)))
    ja_field_accuracy(corpus if (corpus / "ja").exists() else corpus.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
