"""Memory bounds (issue 15, item 12): post files are capped (`import --max-mb`), and one `add` of many large pages
parses and stores them one at a time, each page's text kept to what a restore accepts. Peaks are the child
process's own (VmHWM), as in tests/test_hostile.py."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from clipper.cli import app
from clipper.models import MAX_BODY
from tests.test_hostile import PEAK_PROBE
from tests.webserver import LoopbackWeb

runner = CliRunner()


def peak_run(*args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    """A clipper command in a child process, and its peak resident memory in MB."""
    proc = subprocess.run([sys.executable, "-c", PEAK_PROBE, *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)
    return proc, int(proc.stderr.split("PEAK_KB ")[1].split()[0]) / 1024


def clip_count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM clips").fetchone()[0])


def post_html(sections: int) -> str:
    one = "●記事の見出し{k}<br>\n産経 2016.8.1<br>\n<p>" + "引用した本文の段落です。" * 40 + "</p>\n"
    return ("<html><body><div class='entry-body'>\n" + "".join(one.format(k=k) for k in range(sections)) +
            "</div></body></html>\n")


def page(k: int, mb: float) -> bytes:
    para = f"<p>ページ{k}の段落です。ロレム・イプサムの文章がここに続きます。</p>\n".encode()
    return b"<html><head><title>Big</title></head><body>" + para * int(mb * 1024 * 1024 // len(para)) + \
        b"</body></html>"


def test_a_96_mb_post_is_refused_in_one_line_with_little_memory(tmp_path: Path) -> None:
    post = tmp_path / "huge-post.html"
    with post.open("wb") as fh:  # sparse: 96 MB that take no disk
        fh.truncate(96 * 1024 * 1024)
    small = tmp_path / "small.html"
    small.write_text(post_html(3), encoding="utf-8")
    proc, peak = peak_run("import", str(small), str(post))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("PEAK_KB")]
    assert len(lines) == 1 and "too large" in lines[0] and "huge-post.html" in lines[0]
    assert str(20 * 1024 * 1024) in lines[0]  # the cap, the default --max-mb 20
    assert clip_count(tmp_path / "clips.db") == 0  # nothing stored, not even the small post named first
    assert peak < 100


def test_import_max_mb_sets_the_cap(tmp_path: Path) -> None:
    post = tmp_path / "post.html"
    post.write_text(post_html(400), encoding="utf-8")  # ~0.7 MB
    refused = runner.invoke(app, ["import", str(post), "--max-mb", "0.5"])
    assert refused.exit_code != 0 and "too large" in refused.stderr and "post.html" in refused.stderr
    assert clip_count(tmp_path / "clips.db") == 0
    for bad in ("0", "-1", "nan", "inf"):
        assert runner.invoke(app, ["import", str(post), "--max-mb", bad]).exit_code != 0
    accepted = runner.invoke(app, ["import", str(post), "--max-mb", "1"])
    assert accepted.exit_code == 0, accepted.output
    assert clip_count(tmp_path / "clips.db") == 400


def test_a_post_read_from_a_fifo_stops_at_the_cap(tmp_path: Path) -> None:
    fifo = tmp_path / "post.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen([sys.executable, "-c", f"import sys\nwith open({str(fifo)!r}, 'wb') as fh:\n"
                               "    try:\n        fh.write(b'x' * (3 * 1024 * 1024))\n    except BrokenPipeError:"
                               "\n        pass"], stderr=subprocess.DEVNULL)
    try:
        result = runner.invoke(app, ["import", str(fifo), "--max-mb", "1"])
    finally:
        writer.kill()
        writer.wait()
    assert result.exit_code != 0 and "too large" in result.stderr
    assert clip_count(tmp_path / "clips.db") == 0


def test_eight_large_pages_in_one_add_stay_under_the_bound(web: LoopbackWeb, tmp_path: Path) -> None:
    urls = [f"https://big.example/page-{k}" for k in range(8)]
    for k, url in enumerate(urls):
        web.add_page(url, page(k, 2.5))
    proc, peak = peak_run("add", *urls, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert clip_count(tmp_path / "clips.db") == 8
    assert peak < 280, f"peak {peak:.0f} MB"  # today's main: ~380 MB


def test_an_article_text_is_kept_to_what_a_restore_accepts(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page("https://big.example/long", page(1, 3.6))  # ~1.3M characters of text
    result = runner.invoke(app, ["add", "https://big.example/long"])
    assert result.exit_code == 0, result.output
    assert "characters; the rest was left out" in result.stderr
    with sqlite3.connect(tmp_path / "clips.db") as conn:
        body = conn.execute("SELECT body FROM clips").fetchone()[0]
    assert MAX_BODY - 100 < len(body) <= MAX_BODY
    dump = tmp_path / "dump.jsonl"
    assert runner.invoke(app, ["dump", "--out", str(dump)]).exit_code == 0
    restored = runner.invoke(app, ["--db", str(tmp_path / "restored.db"), "restore", str(dump)])
    assert restored.exit_code == 0, restored.output  # the clip comes back from its own dump
    assert clip_count(tmp_path / "restored.db") == 1
