"""Search benchmark: build an archive of N clips from real Japanese text, then time searches against a LIKE scan.

    python bench/search.py [CORPUS] [--clips N] [--queries K] [--like-queries L] [--db PATH] [--seed S]

CORPUS (default ``../shared/corpus``) holds ``ja/**/*.html`` (and ``ja/truth.jsonl`` for the pages' addresses).
Each page is decoded with ``clipper.encoding.decode_html`` and its paragraphs extracted with
``clipper.extract.extract_article``; every synthetic clip gets a title cut from one paragraph and a body of 3-12
paragraphs drawn at random, so the text is real (mostly Japanese, some English, Korean and Chinese) even though
the 36 pages give a small vocabulary. Rows go into ``clips``/``tags`` with plain SQL in transactions of 1,000 and
are indexed in the same transaction with ``clipper.search.index_clips`` (what a bulk import would do); the index is
then optimised as ``clipper reindex`` leaves it (``--no-optimize``: left as FTS5's automatic merging leaves a
growing archive).

Reported: build time, sizes (the search tables from ``dbstat`` against the UTF-8 bytes of the text they index),
then for each query class (one character, two characters, three or more, mixed scripts, several terms) the p50 and
p95 latency of ``Store.search_hits(q, limit=50)`` (parse, index, verification, loading the clips, snippets: all a
``clipper search`` does but printing) beside the same query as the ``LIKE`` scan it replaces (ORDER BY id DESC
LIMIT 50; it is case-sensitive beyond ASCII and does no NFKC, so it is a speed reference, not a correctness one),
and the time to add, edit and delete one clip in the full database. Queries are substrings drawn at random from
the corpus text, so common characters and words come up as often as they occur. Each query runs ``--repeat``
times (the database file is in the OS cache after the build) and its median counts, wall-clock and CPU time of
this process: on a shared machine the CPU time shows the cost, the wall-clock time what a user waits.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clipper import search  # noqa: E402
from clipper.encoding import decode_html  # noqa: E402
from clipper.errors import UsageError  # noqa: E402
from clipper.extract import extract_article  # noqa: E402
from clipper.models import Article  # noqa: E402
from clipper.store import Store, open_db  # noqa: E402

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
ASCII_ALNUM = re.compile(r"[A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
OUTLETS = ("産経", "共同", "朝日", "毎日", "読売", "日経", "NHK", "ITmedia", "時事", "東京新聞")
TAGS = ("地震", "政治", "経済", "IT", "国際", "社会", "マイナンバー", "韓国")
BATCH = 1_000


def load_corpus(corpus: Path) -> tuple[list[Article], list[str]]:
    """The corpus pages as Articles (with their text), and all their paragraphs."""
    truth_file = corpus / "ja" / "truth.jsonl"
    urls: dict[str, str] = {}
    if truth_file.exists():
        for line in truth_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                urls[row["file"]] = row.get("url") or ""
    articles: list[Article] = []
    for path in sorted((corpus / "ja").rglob("*.html")):
        rel = path.relative_to(corpus / "ja").as_posix()
        article = extract_article(decode_html(path.read_bytes()).text, url=urls.get(rel) or None)
        if article.paragraphs:
            articles.append(article)
    paragraphs = [p for a in articles for p in a.paragraphs if p.strip()]
    return articles, paragraphs


def build(store: Store, paragraphs: Sequence[str], n: int, rnd: random.Random) -> None:
    """Insert n synthetic clips and index them, in batches."""
    conn = store.conn
    start = time.perf_counter()
    stamp = "2025-01-01T00:00:00Z"
    for first in range(1, n + 1, BATCH):
        ids = list(range(first, min(n, first + BATCH - 1) + 1))
        clips, tags = [], []
        for cid in ids:
            title = rnd.choice(paragraphs)[:rnd.randint(20, 50)]
            body = "\n\n".join(rnd.sample(paragraphs, rnd.randint(3, 12)))
            outlet = rnd.choice(OUTLETS)
            published = f"{rnd.randint(2010, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
            clips.append((cid, f"https://example.com/{cid}", title, outlet, published, body, "ja", stamp, stamp))
            if rnd.random() < 0.3:
                tags.append((cid, rnd.choice(TAGS)))
        with conn:
            conn.executemany("INSERT INTO clips (id, url, title, outlet, published, body, lang, added_at, updated_at)"
                             " VALUES (?,?,?,?,?,?,?,?,?)", clips)
            conn.executemany("INSERT INTO tags (clip_id, tag) VALUES (?, ?)", tags)
            search.index_clips(conn, ids)
        if ids[-1] % 10_000 == 0 or ids[-1] == n:
            elapsed = time.perf_counter() - start
            print(f"  {ids[-1]:>7,} clips  {elapsed:6.1f} s  ({ids[-1] / elapsed:,.0f} clips/s)", file=sys.stderr,
                  flush=True)


def text_size(store: Store) -> int:
    """UTF-8 bytes of the text the index covers (title, body, quote, outlet, site name, author, note, tags)."""
    cols = ("title", "body", "quote", "outlet", "site_name", "author", "note")
    clips = store.conn.execute("SELECT " + " + ".join(f"coalesce(sum(length(CAST({c} AS BLOB))), 0)" for c in cols)
                               + " FROM clips").fetchone()[0]
    tags = store.conn.execute("SELECT coalesce(sum(length(CAST(tag AS BLOB))), 0) FROM tags").fetchone()[0]
    return int(clips) + int(tags)


def sizes(store: Store) -> dict[str, int]:
    rows = store.conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    return {r[0]: int(r[1]) for r in rows}


# -- queries -----------------------------------------------------------------------------------------------------


def _substring(paragraphs: Sequence[str], rnd: random.Random, ok: Callable[[str], bool], lengths: Sequence[int],
               ) -> str:
    for _ in range(100_000):
        p = rnd.choice(paragraphs)
        n = rnd.choice(lengths)
        if len(p) <= n:
            continue
        i = rnd.randrange(len(p) - n)
        s = p[i : i + n]
        if ok(s):
            return s
    raise SystemExit("could not draw a query of this kind from the corpus")


def _all_cjk(s: str) -> bool:
    return all(CJK.match(c) for c in s)


def _mixed(s: str) -> bool:
    return (not s[0].isspace() and s[0] != "-" and '"' not in s and any(CJK.match(c) for c in s)
            and any(ASCII_ALNUM.match(c) for c in s) and " " not in s)


def make_queries(paragraphs: Sequence[str], k: int, rnd: random.Random) -> dict[str, list[str]]:
    classes: dict[str, list[str]] = {
        "1 char": [_substring(paragraphs, rnd, _all_cjk, [1]) for _ in range(k)],
        "2 chars": [_substring(paragraphs, rnd, _all_cjk, [2]) for _ in range(k)],
        "3+ chars": [_substring(paragraphs, rnd, _all_cjk, [3, 4, 5, 6]) for _ in range(k)],
        "mixed": [_substring(paragraphs, rnd, _mixed, [2, 3, 4, 5, 6]) for _ in range(k)],
    }
    multi = []
    for i in range(k):
        p = rnd.choice([p for p in paragraphs if len(CJK.findall(p)) > 30])
        words = [_substring([p], rnd, _all_cjk, [2, 3, 4]) for _ in range(rnd.choice([2, 3]))]
        if i % 5 == 1:
            words[-1] = words[-1][0]  # a one-character term beside longer ones
        if i % 5 == 2:
            words = [f"{words[0]} OR {words[1]}", *words[2:]]
        if i % 5 == 3:
            words[-1] = "-" + _substring(paragraphs, rnd, _all_cjk, [2])
        multi.append(" ".join(words))
    classes["multi-term"] = multi
    return classes


def like_sql(query: search.Query) -> tuple[str, list[str]]:
    """The old LIKE search, extended to the new syntax: every group, no excluded term, newest first."""
    cols = ("title", "body", "outlet", "author", "note", "quote")

    def term_sql(term: search.Term) -> tuple[str, list[str]]:
        like = "%" + term.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        parts = [f"{c} LIKE ? ESCAPE '\\'" for c in cols]
        parts.append("id IN (SELECT clip_id FROM tags WHERE tag LIKE ? ESCAPE '\\')")
        return "(" + " OR ".join(parts) + ")", [like] * (len(cols) + 1)

    where: list[str] = []
    params: list[str] = []
    for group in query.groups:
        sqls = [term_sql(t) for t in group]
        where.append("(" + " OR ".join(s for s, _ in sqls) + ")")
        params += [p for _, ps in sqls for p in ps]
    for term in query.excluded:
        s, ps = term_sql(term)
        where.append(f"NOT {s}")
        params += ps
    return f"SELECT id FROM clips WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 50", params


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_queries(store: Store, classes: dict[str, list[str]], like_n: int, repeat: int) -> list[dict[str, Any]]:
    report = []
    for name, queries in classes.items():
        fts, cpu, like, found = [], [], [], []
        for i, q in enumerate(queries):
            walls, cpus = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                try:
                    hits = store.search_hits(q, limit=50)
                except UsageError as exc:
                    print(f"  skipped {q!r}: {exc}", file=sys.stderr)
                    break
                walls.append((time.perf_counter() - t) * 1000)
                cpus.append((time.process_time() - c) * 1000)
            if not walls:
                continue
            fts.append(statistics.median(walls))
            cpu.append(statistics.median(cpus))
            found.append(len(hits))
            if i < like_n:
                sql, params = like_sql(search.parse_query(q))
                t = time.perf_counter()
                store.conn.execute(sql, params).fetchall()
                like.append((time.perf_counter() - t) * 1000)
        worst = max(range(len(fts)), key=lambda i: fts[i])
        report.append({
            "class": name, "n": len(queries), "p50": percentile(fts, 0.5), "p95": percentile(fts, 0.95),
            "max": max(fts), "worst": queries[worst], "cpu_p50": percentile(cpu, 0.5),
            "cpu_p95": percentile(cpu, 0.95), "like_p50": percentile(like, 0.5) if like else None,
            "like_p95": percentile(like, 0.95) if like else None, "median_hits": percentile(found, 0.5),
            "examples": queries[:4],
        })
    return report


def time_writes(store: Store, articles: Sequence[Article], rnd: random.Random) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"add": [], "edit": [], "rm": []}
    for i, article in enumerate(articles[:20]):
        t = time.perf_counter()
        cid = store.insert_clip(article, None, url=f"https://example.com/new/{i}", tags=[rnd.choice(TAGS)])
        out["add"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        store.update_clip(cid, fields={"title": f"{article.title} (改)"}, add_tags=["追加"])
        out["edit"].append((time.perf_counter() - t) * 1000)
    for cid in [r[0] for r in store.conn.execute("SELECT id FROM clips ORDER BY random() LIMIT 20")]:
        t = time.perf_counter()
        store.delete_clip(cid)
        out["rm"].append((time.perf_counter() - t) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="../shared/corpus", type=Path)
    parser.add_argument("--clips", type=int, default=100_000, help="clips in the archive (default 100000)")
    parser.add_argument("--queries", type=int, default=40, help="queries per class (default 40)")
    parser.add_argument("--like-queries", type=int, default=10, help="of those, how many also as LIKE (default 10)")
    parser.add_argument("--db", type=Path, help="build here (default: a temporary file, deleted after)")
    parser.add_argument("--reuse", action="store_true", help="--db exists: skip the build, time the queries")
    parser.add_argument("--no-optimize", action="store_true",
                        help="leave the index as the inserts left it (FTS5 automerge only), as a growing archive is")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query; the median counts (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rnd = random.Random(args.seed)
    t = time.perf_counter()
    articles, paragraphs = load_corpus(args.corpus)
    chars = sum(len(p) for p in paragraphs)
    print(f"corpus: {len(articles)} pages, {len(paragraphs)} paragraphs, {chars:,} characters "
          f"({time.perf_counter() - t:.1f} s to extract)")

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if path.exists() and not args.reuse:
            raise SystemExit(f"{path} exists; choose a new --db, or --reuse it")
        store = open_db(path)
        if not args.reuse:
            print(f"building {args.clips:,} clips in {path} ...")
            t, cpu = time.perf_counter(), time.process_time()
            build(store, paragraphs, args.clips, rnd)
            built, built_cpu = time.perf_counter() - t, time.process_time() - cpu
            t = time.perf_counter()
            if not args.no_optimize:
                with store.conn:
                    store.conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
                    store.conn.execute("INSERT INTO search_chars (search_chars) VALUES ('optimize')")
            optimized = time.perf_counter() - t
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"build: {built:.1f} s (insert + index; {built_cpu:.1f} s CPU), optimize: {optimized:.1f} s")
        text_bytes = text_size(store)
        print(f"{store.count():,} clips")

        size = sizes(store)
        index = sum(v for k, v in size.items() if k.startswith("search_"))
        fts = sum(v for k, v in size.items() if k.startswith("search_fts"))
        chars_t = sum(v for k, v in size.items() if k.startswith("search_chars"))
        print(f"database: {path.stat().st_size / 1e6:,.1f} MB; text indexed: {text_bytes / 1e6:,.1f} MB (UTF-8)")
        print(f"index: {index / 1e6:,.1f} MB = {index / text_bytes:.2f} x the text (bigrams {fts / 1e6:,.1f} MB, "
              f"characters {chars_t / 1e6:,.1f} MB, bookkeeping {(index - fts - chars_t) / 1e6:,.1f} MB)")

        classes = make_queries(paragraphs, args.queries, rnd)
        print(f"\nlatency, ms (search_hits limit 50, median of {args.repeat} runs per query; LIKE scan once)")
        print(f"{'class':<11} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>8} {'cpu p95':>8} {'LIKE p50':>9} "
              f"{'LIKE p95':>9} {'hits':>5}  worst")
        for r in time_queries(store, classes, args.like_queries, args.repeat):
            like50 = f"{r['like_p50']:9.1f}" if r["like_p50"] is not None else f"{'-':>9}"
            like95 = f"{r['like_p95']:9.1f}" if r["like_p95"] is not None else f"{'-':>9}"
            print(f"{r['class']:<11} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} {r['cpu_p50']:8.1f} "
                  f"{r['cpu_p95']:8.1f} {like50} {like95} "
                  f"{r['median_hits']:5.0f}  {r['worst']}")
            print(f"{'':<11} e.g. {' | '.join(r['examples'])}")

        writes = time_writes(store, articles, rnd)
        print("\nwrites on the full database, ms (20 each)")
        for name, values in writes.items():
            print(f"{name:<5} p50 {percentile(values, 0.5):6.1f}  p95 {percentile(values, 0.95):6.1f}  "
                  f"max {max(values):6.1f}")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
