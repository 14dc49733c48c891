"""clipper beside its peers on the peers' own evaluation sets, in one run, each scored with the peer's metric.

    python bench/peers.py [CORPUS] [--json FILE]

CORPUS (default ``../shared/corpus``) holds ``peers/trafilatura-eval.tar.gz`` and ``peers/htmldate-eval.tar.gz``
(unpacked to temporary folders). The two halves of the work are ``bench/peers_text.py`` (main text: trafilatura
2.3.1 with its benchmark settings, its with/without snippet metric) and ``bench/peers_dates.py`` (publication
dates: htmldate 1.11.0 extensive and fast, its TP/FP/FN metric at day resolution); each can run alone and says how
it measures. Both run the path ``clipper extract`` runs (``decode_html`` then ``extract_article``). Install the
peers with ``pip install '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers_dates import render as render_dates  # noqa: E402
from peers_dates import score_dates  # noqa: E402
from peers_text import score_text  # noqa: E402

TARGETS = {"text_f1": 0.94, "dates_f": 0.95}


def run(corpus: str) -> dict[str, Any]:
    text = score_text(corpus)
    dates = score_dates(corpus)
    return {"text": text, "dates": dates}


def render(report: dict[str, Any]) -> str:
    text, dates = report["text"], report["dates"]
    lines = [f"trafilatura's main-text set: {text['pages']} pages (with/without snippets, its metric)",
             f"{'tool':<12}{'P':>7}{'R':>7}{'F1':>7}{'F1 a':>7}{'F1 b':>7}{'empty*':>8}{'ms/page':>9}"]
    for name, r in text["tools"].items():
        lines.append(f"{name:<12}{r['all']['precision']:>7.3f}{r['all']['recall']:>7.3f}{r['all']['f1']:>7.3f}"
                     f"{r['a']['f1']:>7.3f}{r['b']['f1']:>7.3f}{len(r['empty_with3']):>8}{r['ms_per_page']:>9.2f}")
    lines.append("  (*pages with >= 3 'with' snippets and an empty output)")
    lines += ["", render_dates(dates), ""]
    ours_text = text["tools"]["clipper"]["all"]["f1"]
    ours_dates = dates["tools"]["clipper"]["f"]
    lines.append(f"targets: main text F1 >= {TARGETS['text_f1']}: {ours_text >= TARGETS['text_f1']} ({ours_text:.3f}); "
                 f"dates F >= {TARGETS['dates_f']}: {ours_dates >= TARGETS['dates_f']} ({ours_dates:.3f}); "
                 f"no empty body with >= 3 snippets: {not text['tools']['clipper']['empty_with3']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--json", metavar="FILE", help="also write the figures (no page outputs) as JSON")
    args = parser.parse_args(argv)
    report = run(args.corpus)
    print(render(report))
    if args.json:
        slim = {"text": {"pages": report["text"]["pages"],
                         "tools": {n: {k: v for k, v in r.items() if k != "outputs"}
                                   for n, r in report["text"]["tools"].items()}},
                "dates": {k: v for k, v in report["dates"].items() if k != "failures"}}
        Path(args.json).write_text(json.dumps(slim, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
