"""Where the whole extraction path spends its time: ms a page per stage, on the ScrapingHub pages.

    python bench/profile_extract.py [CORPUS] [--limit N] [--repeat R] [--no-peer]

The path is the one ``clipper extract`` runs: ``clipper.encoding.decode_html`` on the page's bytes, then
``clipper.extract.extract_article`` (no URL, as ``bench/extract.py`` runs it). Each step that ``extract_article``
calls is wrapped, for this run only, by a timer in the ``clipper.extract`` namespace, and its time is filed under a
stage:

- decode: ``decode_html``
- parse: ``LexborHTMLParser`` (lexbor builds the tree)
- walk: ``PageNodes.of`` (the one shared walk for meta/title/link/script/h1/h2/a/time/itemprop)
- metadata: meta map, canonical, site names, title, site from <title>, home names, origin, summary, language
- jsonld: ``load_jsonld`` and the JSON-LD articleBody lookup
- dates: ``find_published``
- authors: ``find_author``, ``dateline_author``, ``paragraph_author``
- body: ``extract_paragraphs``
- other: the rest of ``extract_article`` (registry look-ups, credit, cleaning, the Article itself)

With trafilatura installed, ``bare_extraction(raw, with_metadata=True)`` (the comparison of ``bench/extract.py``)
runs interleaved with clipper over the same pages, so the ratio comes from the same run. Garbage collection as in
``bench/extract.py``: frozen after a warm-up, then one ``gc.collect()`` inside each timed call. The timers cost
about a microsecond a call (a few dozen calls a page).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STAGES = ("decode", "parse", "walk", "metadata", "jsonld", "dates", "authors", "body", "other")

# the names extract_article calls, by stage
_WRAPPED = {
    "parse": ("LexborHTMLParser",),
    "metadata": ("meta_map", "find_canonical", "find_site_names", "find_title", "site_from_title", "home_names",
                 "find_origin", "find_summary", "find_lang", "short_credit"),
    "jsonld": ("load_jsonld", "_jsonld_body"),
    "dates": ("find_published",),
    "authors": ("find_author", "dateline_author", "paragraph_author"),
    "body": ("extract_paragraphs",),
}


class StageTimer:
    """Accumulated seconds per stage; ``install()`` wraps the steps of ``extract_article``."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self._depth = 0
        self._saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        seconds = self.seconds

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:  # a step called from another timed step counts for the outer one
                return func(*args, **kwargs)
            self._depth += 1
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                seconds[stage] += time.perf_counter() - start
                self._depth -= 1

        return timed

    def install(self) -> None:
        import clipper.extract as ex
        from clipper.extract.page import PageNodes

        for stage, names in _WRAPPED.items():
            for name in names:
                original = getattr(ex, name)
                self._saved.append((ex, name, original))
                setattr(ex, name, self._wrap(stage, original))
        of = PageNodes.__dict__["of"]
        self._saved.append((PageNodes, "of", of))
        PageNodes.of = classmethod(self._wrap("walk", of.__func__))  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()


def clipper_run(timer: StageTimer) -> Callable[[bytes], Any]:
    from clipper.encoding import decode_html
    from clipper.extract import extract_article
    from clipper.outlets import load_registry

    registry = load_registry()
    decode = timer._wrap("decode", decode_html)

    def run(raw: bytes) -> Any:
        return extract_article(decode(raw).text, registry=registry)

    return run


def trafilatura_run() -> Callable[[bytes], Any] | None:
    try:
        from trafilatura import bare_extraction
    except ImportError:
        return None

    def run(raw: bytes) -> Any:
        return bare_extraction(raw, include_comments=False, favor_precision=True, with_metadata=True)

    return run


def load_pages(corpus: Path, limit: int | None) -> list[bytes]:
    bench = corpus if (corpus / "ground-truth.json").exists() else corpus / "bench"
    ids = sorted(json.loads((bench / "ground-truth.json").read_text(encoding="utf-8")))
    ids = ids[:limit] if limit else ids
    return [gzip.decompress((bench / "html" / f"{i}.html.gz").read_bytes()) for i in ids]


def profile(pages: list[bytes], repeat: int = 1, peer: bool = True) -> dict[str, Any]:
    """{"stages": ms a page per stage, "clipper": ms a page, "trafilatura": ms a page or None, "pages": n}."""
    timer = StageTimer()
    timer.install()
    try:
        ours = clipper_run(timer)
        theirs = trafilatura_run() if peer else None
        tools: list[tuple[str, Callable[[bytes], Any]]] = [("clipper", ours)]
        if theirs is not None:
            tools.append(("trafilatura", theirs))
        for _, run in tools:
            run(pages[0])  # warm-up, untimed
        timer.seconds.update(dict.fromkeys(STAGES, 0.0))
        totals = {name: 0.0 for name, _ in tools}
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            n = 0
            for _ in range(repeat):
                for raw in pages:
                    k = n % len(tools)
                    for name, run in tools[k:] + tools[:k]:
                        start = time.perf_counter()
                        run(raw)
                        gc.collect()
                        totals[name] += time.perf_counter() - start
                    n += 1
        finally:
            gc.enable()
            gc.unfreeze()
    finally:
        timer.uninstall()
    count = len(pages) * repeat
    stages = {s: 1000 * v / count for s, v in timer.seconds.items()}
    clip_ms = 1000 * totals["clipper"] / count
    stages["other"] = clip_ms - sum(v for s, v in stages.items() if s != "other")
    peer_ms = 1000 * totals["trafilatura"] / count if "trafilatura" in totals else None
    return {"stages": stages, "clipper": clip_ms, "trafilatura": peer_ms, "pages": len(pages), "repeat": repeat}


def report(result: dict[str, Any]) -> str:
    stages = result["stages"]
    lines = [f"whole path, ms a page by stage ({result['pages']} pages x {result['repeat']}; 'other' includes the "
             f"final gc.collect()):"]
    lines.append("  " + "  ".join(f"{s} {stages[s]:.2f}" for s in STAGES))
    lines.append(f"  clipper decode_html+extract_article {result['clipper']:.2f} ms")
    if result["trafilatura"] is not None:
        ratio = result["trafilatura"] / result["clipper"] if result["clipper"] else float("inf")
        lines.append(f"  trafilatura bare_extraction(with_metadata=True) {result['trafilatura']:.2f} ms; "
                     f"clipper is {ratio:.1f}x faster (same run)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (sorted by id)")
    parser.add_argument("--repeat", type=int, default=1, help="run over the pages R times")
    parser.add_argument("--no-peer", action="store_true", help="clipper only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = profile(load_pages(Path(args.corpus), args.limit), args.repeat, peer=not args.no_peer)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
