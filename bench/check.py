"""Link-check benchmark: `clipper check` against 200 loopback hosts vs a plain sequential httpx loop.

    python bench/check.py [--clips N] [--hosts H] [--latency S] [--plain-sample K] [--page-kb KB]

A loopback server (asyncio, in a subprocess of its own, so it never competes with the client for the GIL) is an
HTTP proxy that plays H hosts (``h001.test`` ...): every request waits ``--latency`` (default 10 ms) and answers
an article page of about ``--page-kb`` KB (a title, a nav and sidebar of links, five paragraphs). It counts the
requests in flight per host, and reports the peak per host at ``http://bench.stats/``.

N clips (default 10,000) spread round-robin over the hosts are inserted straight into a temporary database
(never checked, so all are due). Then, in this one run:

1. **clipper**: ``python -m clipper check --quiet --db DB`` as a subprocess, exactly what cron runs, with
   HTTP_PROXY pointing at the server; timed from process start to exit (start-up included), its peak memory
   from ``os.wait4`` (``ru_maxrss`` of the child: interpreter and libraries count). Afterwards the database is
   read back: every clip must have one check and be alive.
2. **plain httpx**: a subprocess that GETs the first K URLs (default 500) one after the other with one
   ``httpx.Client`` (same proxy), reading each body; its rate is extrapolated to N URLs, and said so.

Output: URLs per second and peak memory of both, and the largest number of requests one host had in flight at
once, against the per-host limit (2). Targets: >= 300 URLs/s, < 150 MB, never more in flight than the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARAGRAPHS = [
    "政府は{n}日、新たな経済対策の骨子を発表した。物価高に対応するため、低所得世帯への給付や電気・ガス料金の"
    "補助を柱とする。",
    "対策の規模は国費で約{n}兆円となる見通しで、財源の一部は今年度の補正予算で手当てする。",
    "首相は記者団に「国民の暮らしを守るため、あらゆる手段を尽くす」と述べた。野党は「選挙目当てのばらまきだ」と"
    "批判している。",
    "民間のエコノミストからは、効果は一時的で、持続的な賃上げにつながる政策が必要だとの指摘も出ている。",
    "政府は来週にも閣議決定し、年内の成立を目指す。記事番号{n}。",
]


def article_title(n: int) -> str:
    return f"経済対策の骨子を発表　給付と補助が柱（{n}）"


def article_paragraphs(n: int) -> list[str]:
    return [p.format(n=n) for p in PARAGRAPHS]


def page_html(host: str, n: int, page_kb: int) -> bytes:
    links = "".join(f'<li><a href="/articles/{n + i}.html">関連する記事の見出し その{i}</a></li>' for i in range(40))
    side = "".join(f'<li><a href="/ranking/{i}">ランキング{i}位の記事の見出しがここに入ります</a></li>'
                   for i in range(30))
    body = "".join(f"<p>{p}</p>" for p in article_paragraphs(n))
    html = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{article_title(n)} - {host}'
            f'</title><meta property="og:title" content="{article_title(n)}"></head><body><header><nav><ul>{links}'
            f'</ul></nav></header><main><article><h1>{article_title(n)}</h1>{body}</article></main>'
            f'<aside><ol>{side}</ol></aside><footer>Copyright {host}</footer>')
    pad = max(0, page_kb * 1024 - len(html.encode()))
    return (html + f"<!-- {'x' * pad} --></body></html>").encode()


# -- the server (run as: python bench/check.py --serve) -------------------------------------------------------

def serve(latency: float, page_kb: int) -> None:
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}
    total = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                headers: dict[str, str] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                target = line.decode("latin-1").split(" ")[1]
                parts = urlsplit(target)
                host = parts.hostname or headers.get("host", "").split(":")[0]
                if host == "bench.stats":
                    if parts.path == "/reset":
                        peak.clear()
                        total[0] = 0
                    body = json.dumps({"max_in_flight": peak, "requests": total[0]}).encode()
                    ctype = "application/json"
                else:
                    in_flight[host] = in_flight.get(host, 0) + 1
                    peak[host] = max(peak.get(host, 0), in_flight[host])
                    total[0] += 1
                    try:
                        await asyncio.sleep(latency)
                        n = int("".join(ch for ch in parts.path if ch.isdigit()) or 0)
                        body = page_html(host, n, page_kb)
                        ctype = "text/html; charset=utf-8"
                        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() +
                                     f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
                        await writer.drain()
                    finally:
                        in_flight[host] -= 1
                    continue
                writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
                             .encode() + body)
                await writer.drain()
        except (ConnectionError, OSError, IndexError, ValueError, asyncio.CancelledError):
            pass  # a client went away, or the server is stopping with idle keep-alive connections open
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        loop.add_reader(sys.stdin.fileno(), lambda: stop.done() or stop.set_result(None))  # parent gone: stop
        async with server:
            await stop

    asyncio.run(main())


# -- the plain loop (run as: python bench/check.py --plain FILE) -----------------------------------------------

def plain_loop(url_file: str) -> None:
    import resource

    import httpx

    urls = Path(url_file).read_text().split()
    start = time.perf_counter()
    with httpx.Client(timeout=20, follow_redirects=True) as client:
        for url in urls:
            client.get(url).content  # noqa: B018 - read the body, like a check does
    elapsed = time.perf_counter() - start
    print(json.dumps({"n": len(urls), "seconds": elapsed,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


# -- the driver -------------------------------------------------------------------------------------------------

def make_db(path: Path, clips: int, hosts: int) -> list[str]:
    from clipper.store import open_db

    open_db(path).close()  # the schema
    urls = [f"http://h{i % hosts + 1:03d}.test/articles/{i}.html" for i in range(clips)]
    stamp = "2025-01-01T00:00:00Z"
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO clips (url, url_key, title, outlet, body, added_at, updated_at) VALUES (?,?,?,?,?,?,?)",
            [(u, u, article_title(i), "bench", "\n\n".join(article_paragraphs(i)), stamp, stamp)
             for i, u in enumerate(urls)])
    return urls


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS in KB, stdout, CPU seconds) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss, out.decode(), usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=10_000)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.010)
    ap.add_argument("--page-kb", type=int, default=20)
    ap.add_argument("--plain-sample", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--plain", metavar="FILE", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.latency, args.page_kb)
        return
    if args.plain:
        plain_loop(args.plain)
        return

    import httpx

    server = subprocess.Popen([sys.executable, __file__, "--serve", "--latency", str(args.latency), "--page-kb",
                               str(args.page_kb)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        proxy = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "clips.db"
            urls = make_db(db, args.clips, args.hosts)
            env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "all_proxy")}
            env.update(HTTP_PROXY=proxy, HTTPS_PROXY=proxy, CLIPPER_WAYBACK_URL="http://archive.test/available",
                       PYTHONPATH=str(ROOT))
            stats = httpx.Client(proxy=proxy)
            stats.get("http://bench.stats/reset")
            cmd = [sys.executable, "-m", "clipper", "check", "--quiet", "--db", str(db), "--concurrency",
                   str(args.concurrency), "--per-host", str(args.per_host)]
            seconds, rss, _out, cpu = run_child(cmd, env)
            seen = stats.get("http://bench.stats/").json()
            with sqlite3.connect(db) as conn:
                checked = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
                by_status = dict(conn.execute("SELECT status, count(*) FROM clips GROUP BY status").fetchall())
            url_file = Path(tmp) / "urls.txt"
            sample = urls[: args.plain_sample]
            url_file.write_text("\n".join(sample))
            _s, plain_rss, out, _cpu = run_child([sys.executable, __file__, "--plain", str(url_file)], env)
            plain = json.loads(out)
        stats.close()
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)

    peak = max(seen["max_in_flight"].values() or [0])
    plain_rate = plain["n"] / plain["seconds"]
    page = len(page_html("h001.test", 1, args.page_kb))
    print(f"{args.clips} clips over {args.hosts} hosts, {args.latency * 1000:g} ms per answer, pages of "
          f"{page / 1024:.1f} KB; per-host limit {args.per_host}, concurrency {args.concurrency}")
    print(f"clipper check:  {args.clips / seconds:7.1f} URLs/s  ({seconds:.2f} s for {args.clips}, start-up "
          f"included)  peak RSS {rss / 1024:.1f} MB, "
          f"CPU {cpu / args.clips * 1000:.2f} ms per URL")
    print(f"plain httpx:    {plain_rate:7.1f} URLs/s  (sequential, {plain['n']} URLs in {plain['seconds']:.2f} s; "
          f"extrapolated: {args.clips / plain_rate:.0f} s for {args.clips})  peak RSS {plain_rss / 1024:.1f} MB")
    print(f"server saw {seen['requests']} requests from clipper; max in flight per host: {peak} "
          f"(limit {args.per_host}) {'OK' if peak <= args.per_host else 'OVER THE LIMIT'}")
    print(f"database: {checked} checks recorded; clips by status: {by_status}")


if __name__ == "__main__":
    main()
