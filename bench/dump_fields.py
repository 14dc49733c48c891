"""Every ``Article`` field for every page of the benchmark sets, to one JSON file: proof that a speed change leaves
the output alone (run it on two checkouts and compare the files).

    python bench/dump_fields.py OUT.json [--corpus ../shared/corpus] [--peers /tmp/peers]
    python bench/dump_fields.py --compare A.json B.json

Pages: the ScrapingHub set (``CORPUS/bench/html/*.html.gz``), the ja corpus (``CORPUS/ja``, every ``*.html``) and
both peer sets (``PEERS/trafilatura-eval``, ``PEERS/htmldate-eval``, every HTML file under them). Each page runs
through ``decode_html`` then ``extract_article`` without a URL, and again with its URL when the set gives one (the
ja manifest's ``original_url``, the peer sets' JSON keys), so the URL paths are exercised too.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _peer_urls(folder: Path) -> dict[str, str]:
    """File name -> URL from the peer set's JSON maps (``{url: {"file": name, ...}}``)."""
    urls: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            for url, item in data.items():
                if isinstance(item, dict) and isinstance(item.get("file"), str):
                    urls.setdefault(item["file"], url)
    return urls


def pages(corpus: Path, peers: Path) -> list[tuple[str, Path, str | None]]:
    """(key, path, url) for every page, in a stable order."""
    out: list[tuple[str, Path, str | None]] = []
    for path in sorted((corpus / "bench" / "html").glob("*.html.gz")):
        out.append((f"bench/{path.name}", path, None))
    ja = corpus / "ja"
    manifest: dict[str, str] = {}
    with (ja / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            manifest[row["file"]] = row.get("original_url") or ""
    for path in sorted(ja.rglob("*.html")):
        rel = path.relative_to(ja).as_posix()
        out.append((f"ja/{rel}", path, manifest.get(rel) or None))
    for name in ("trafilatura-eval", "htmldate-eval"):
        folder = peers / name
        urls = _peer_urls(folder)
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".html", ".htm",
                                                                                              ".html.gz"))):
            out.append((f"{name}/{path.relative_to(folder).as_posix()}", path, urls.get(path.name)))
    return out


def dump(corpus: Path, peers: Path) -> dict[str, Any]:
    import clipper
    from clipper.encoding import decode_html
    from clipper.extract import extract_article
    from clipper.outlets import load_registry

    print(f"clipper from {Path(clipper.__file__).parent}", file=sys.stderr)
    registry = load_registry()
    result: dict[str, Any] = {}
    for key, path, url in pages(corpus, peers):
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
        for u in (None, url) if url else (None,):
            article = extract_article(decode_html(raw).text, url=u, registry=registry)
            result[f"{key} url={u}"] = dataclasses.asdict(article)
    return result


def compare(a: Path, b: Path) -> int:
    left, right = json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8"))
    diffs = 0
    for key in sorted(set(left) | set(right)):
        if left.get(key) != right.get(key):
            diffs += 1
            la, rb = left.get(key) or {}, right.get(key) or {}
            fields = [f for f in sorted(set(la) | set(rb)) if la.get(f) != rb.get(f)]
            print(f"DIFF {key}: {', '.join(fields) or 'missing'}")
    print(f"{len(left)} / {len(right)} entries, {diffs} differences")
    return 1 if diffs else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", type=Path)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--peers", type=Path, default=Path("/tmp/peers"))
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        ap.error("give OUT.json or --compare A B")
    data = dump(args.corpus, args.peers)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    print(f"{len(data)} entries -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
