"""Bulk adding: 500 real corpus pages served by a loopback server from 20 hosts, added with
`clipper add --input`, against a sequential loop of single `clipper add URL` calls in the same run.

The pages are the corpus's real pages (ja/ and bench/), served over plain HTTP through a loopback proxy
(HTTP_PROXY) at addresses like http://h07.bench.test/p0123.html. Each page is served several times under different
addresses, so its <link rel=canonical> and og:url are removed from the served copy (otherwise clipper would rightly
see one article); the bytes are otherwise as saved. Reports pages/s (fetch, extraction and storage included) and
peak memory of each run. Target: at least 50 pages/s for `--input` on a 2-core machine.

    python bench/add.py [CORPUS] [--pages 500] [--hosts 20] [--single 40]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

_CANONICAL = re.compile(rb"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+og:url[^>]*>", re.I)


def load_pages(corpus: Path) -> list[bytes]:
    pages = [p.read_bytes() for p in sorted((corpus / "ja").rglob("*.html"))]
    pages += [gzip.decompress(p.read_bytes()) for p in sorted((corpus / "bench" / "html").glob("*.html.gz"))]
    return [_CANONICAL.sub(b"", page) for page in pages]


def serve(routes: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            body = routes.get(f"{parts.hostname}{parts.path}")
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default="../shared/corpus")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--single", type=int, default=40, help="pages added one `clipper add` call at a time")
    args = parser.parse_args()

    pages = load_pages(Path(args.corpus))
    routes: dict[str, bytes] = {}
    urls: list[str] = []
    for i in range(args.pages):
        host = f"h{i % args.hosts:02d}.bench.test"
        path = f"/p{i:04d}.html"
        routes[f"{host}{path}"] = pages[i % len(pages)]
        urls.append(f"http://{host}{path}")
    server = serve(routes)
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{len(urls)} pages ({len(pages)} distinct corpus pages) on {args.hosts} hosts via {proxy}")

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HTTP_PROXY=proxy, HTTPS_PROXY=proxy, CLIPPER_DB=os.path.join(tmp, "bulk.db"))
        env.pop("NO_PROXY", None)
        listing = Path(tmp) / "urls.txt"
        listing.write_text("\n".join(urls) + "\n")
        clipper = [sys.executable, "-m", "clipper"]

        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run([*clipper, "add", "--input", str(listing)], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bulk_wall = time.perf_counter() - start
        bulk_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        count = subprocess.run([*clipper, "list"], env=env, capture_output=True, text=True).stdout.count("\n")

        env["CLIPPER_DB"] = os.path.join(tmp, "single.db")
        start = time.perf_counter()
        for url in urls[: args.single]:
            subprocess.run([*clipper, "add", url], env=env, check=False, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        single_wall = time.perf_counter() - start
        single_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    server.shutdown()

    bulk_rate = count / bulk_wall
    single_rate = args.single / single_wall
    print(f"clipper add --input : {count} clips in {bulk_wall:.1f} s = {bulk_rate:.1f} pages/s, "
          f"peak RSS {max(bulk_rss, before) / 1024:.0f} MB")
    print(f"single `clipper add`: {args.single} clips in {single_wall:.1f} s = {single_rate:.1f} pages/s "
          f"(a process per page), peak RSS {single_rss / 1024:.0f} MB")
    print(f"ratio: {bulk_rate / single_rate:.1f}x; target >= 50 pages/s: "
          f"{'ok' if bulk_rate >= 50 else 'MISSED'}")
    if count != len(urls):
        print(f"note: {len(urls) - count} pages were not added (failed or duplicates)")


if __name__ == "__main__":
    main()
