"""Time and memory bounds on hostile input (issue 15, items 11 and 12), each run in a fresh `clipper` child process
that reports its own peak resident memory (VmHWM).

    python bench/hostile.py [depth] [memory] [prescan] [--levels 50000,100000,150000] [--code DIR]

depth: seconds for `clipper add URL` of a page of N nested <div> (served on loopback) and for `clipper import` of a
post whose quote sits inside N nested <div>. memory: peak RSS of one `add` of eight 10 MB pages, and of `import` of a
96 MB post (refused by the default --max-mb of 20) and of a 19 MB one (accepted). --code runs another checkout's
clipper (e.g. /work/main, to compare with main) with this machine's packages. prescan: the cost of the depth
pre-scan (clipper.htmldepth) per ScrapingHub page, beside extraction's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.webserver import LoopbackWeb  # noqa: E402

PEAK_PROBE = """
import atexit, sys
def report():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                sys.stderr.write("PEAK_KB " + line.split()[1] + "\\n")
atexit.register(report)
sys.argv = ["clipper", *sys.argv[1:]]
from clipper.cli import main
main()
"""


def run(args: list[str], env: dict[str, str], code: Path, timeout: float = 900) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit code, last line of stderr) of one clipper command in a fresh process."""
    env = {**env, "PYTHONPATH": str(code)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", PEAK_PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=code)
    elapsed = time.monotonic() - started
    peak = int(proc.stderr.split("PEAK_KB ")[1].split()[0]) / 1024 if "PEAK_KB" in proc.stderr else float("nan")
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("PEAK_KB")]
    return elapsed, peak, proc.returncode, (lines[-1] if lines else "")[:150]


def nested_page(levels: int) -> bytes:
    return ("<html><head><title>Deep</title></head><body>" + "<div>" * levels + "<p>本文の段落です。</p>" +
            "</div>" * levels + "</body></html>").encode()


def nested_post(levels: int) -> str:
    return ("<html><body><div class='entry-body'>●深い記事<br>産経 2016.8.1<br>" + "<div>" * levels +
            "引用した本文の段落です。" + "</div>" * levels + "</div></body></html>")


def big_page(mb: float, k: int) -> bytes:
    para = f"<p>ページ{k}の段落です。ロレム・イプサムの文章がここに続きます。</p>\n".encode()
    return b"<html><head><title>Big</title></head><body>" + para * int(mb * 1024 * 1024 // len(para)) + \
        b"</body></html>"


def big_post(mb: float) -> str:
    """A blog page holding a post of ● sections (each a credit line and a quoted paragraph) of about ``mb`` MB."""
    section = "●記事の見出し{k}<br>\n産経 2016.8.1<br>\n<p>" + "引用した本文の段落です。" * 40 + "</p>\n"
    parts, size, k = ["<html><body><div class='entry-body'>\n"], 0, 0
    while size < mb * 1024 * 1024:
        text = section.format(k=k)
        parts.append(text)
        size += len(text.encode())
        k += 1
    return "".join(parts) + "</div></body></html>\n"


def prescan(corpus: Path) -> None:
    """The depth pre-scan's cost per ScrapingHub page (best of 5), beside extraction's, in one process."""
    import gzip
    import statistics

    from clipper.extract import extract_article
    from clipper.htmldepth import shallow_html

    scan, full, extract = [], [], []
    for path in sorted((corpus / "bench" / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        for out, scan_all in ((scan, False), (full, True)):
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                shallow_html(html, scan_all=scan_all)
                best = min(best, time.perf_counter() - started)
            out.append(best)
        started = time.perf_counter()
        extract_article(html)
        extract.append(time.perf_counter() - started)
    print(f"pre-scan on {len(scan)} ScrapingHub pages: median {statistics.median(scan) * 1e6:.0f} us, max "
          f"{max(scan) * 1e6:.0f} us; the full scan (forced) median {statistics.median(full) * 1e6:.0f} us; "
          f"extraction median {statistics.median(extract) * 1e3:.1f} ms "
          f"(pre-scan = {statistics.median(scan) / statistics.median(extract):.2%} of it)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("modes", nargs="*", default=["depth", "memory"])
    ap.add_argument("--levels", default="50000,100000,150000")
    ap.add_argument("--code", type=Path, default=ROOT)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    opts = ap.parse_args()
    if "prescan" in opts.modes:
        prescan(opts.corpus)
        if opts.modes == ["prescan"]:
            return
    web = LoopbackWeb().start()
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env = {**base, "HTTP_PROXY": web.proxy, "HTTPS_PROXY": web.proxy,
               "SSL_CERT_FILE": web.ca_file(f"{tmp}/ca.pem"), "HOME": tmp, "XDG_DATA_HOME": tmp,
               "XDG_CONFIG_HOME": tmp, "CLIPPER_WAYBACK_URL": "http://127.0.0.1:9/"}
        print(f"code: {opts.code}")
        if "depth" in opts.modes:
            for levels in (int(x) for x in opts.levels.split(",")):
                url = f"http://deep.example/{levels}"
                web.add_page(url, nested_page(levels))
                db = f"{tmp}/depth-{levels}.db"
                t, peak, rc, last = run(["--db", db, "add", url], env, opts.code)
                print(f"add    {levels:>7} nested divs: {t:7.2f} s  peak {peak:6.0f} MB  exit {rc}  {last}",
                      flush=True)
                post = Path(f"{tmp}/deep-{levels}.html")
                post.write_text(nested_post(levels), encoding="utf-8")
                t, peak, rc, last = run(["--db", db, "import", str(post)], env, opts.code)
                print(f"import {levels:>7} nested divs: {t:7.2f} s  peak {peak:6.0f} MB  exit {rc}  {last}",
                      flush=True)
        if "memory" in opts.modes:
            urls = []
            for k in range(8):
                url = f"http://big.example/page-{k}"
                web.add_page(url, big_page(9.5, k))
                urls.append(url)
            t, peak, rc, last = run(["--db", f"{tmp}/big.db", "add", *urls], env, opts.code)
            print(f"add of eight 9.5 MB pages: {t:6.2f} s  peak {peak:6.0f} MB  exit {rc}  {last}", flush=True)
            for mb, extra in ((96, []), (19, [])):
                post = Path(f"{tmp}/big-post-{mb}.html")
                post.write_text(big_post(mb), encoding="utf-8")
                t, peak, rc, last = run(["--db", f"{tmp}/post.db", "import", str(post), *extra], env, opts.code)
                print(f"import of a {mb} MB post: {t:6.2f} s  peak {peak:6.0f} MB  exit {rc}  {last}", flush=True)
    web.stop()


if __name__ == "__main__":
    main()
