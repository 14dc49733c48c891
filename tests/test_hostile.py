"""Hostile and broken web input: each gets a clear error or a clean partial result, and nothing else in the
database changes."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from typer.testing import CliRunner

from clipper.cli import app
from tests.conftest import JA
from tests.test_add import one_line_error
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()
SANKEI_URL = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
SANKEI = JA / "sankei/20250121-ogasawara-police-radio.html"


def snapshot(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM clips ORDER BY id").fetchall()


def with_one_clip(web: LoopbackWeb, tmp_path: Path) -> list[tuple]:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    return snapshot(tmp_path / "clips.db")


def test_gzip_bomb_is_stopped_at_the_cap(web: LoopbackWeb, tmp_path: Path) -> None:
    before = with_one_clip(web, tmp_path)
    bomb = gzip.compress(b"<html><body>" + b"A" * (40 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    web.add("https://evil.example/bomb", Response(200, bomb, {"Content-Type": "text/html",
                                                              "Content-Encoding": "gzip"}))
    assert "too large" in one_line_error(runner.invoke(app, ["add", "https://evil.example/bomb"]))
    assert snapshot(tmp_path / "clips.db") == before


def test_a_body_that_never_ends(web: LoopbackWeb, tmp_path: Path) -> None:
    def forever() -> Iterator[bytes]:
        yield b"<html><body>"
        for _ in itertools.count():
            yield b"<p>" + b"x" * 65536 + b"</p>"

    web.add("https://evil.example/endless", Response(200, headers={"Content-Type": "text/html",
                                                                   "Transfer-Encoding": "chunked"},
                                                     stream=lambda: (b"%x\r\n%s\r\n" % (len(c), c) for c in forever())))
    error = one_line_error(runner.invoke(app, ["add", "https://evil.example/endless", "--max-mb", "2"]))
    assert "too large" in error or "timed out" in error


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


def test_fifty_megabyte_page_is_refused_with_little_memory(web: LoopbackWeb, tmp_path: Path) -> None:
    big = b"<html><body>" + b"<p>lorem ipsum</p>" * (50 * 1024 * 1024 // 18) + b"</body></html>"
    web.add_page("https://evil.example/huge", big)
    # the child reports its own peak resident memory (VmHWM) as it exits
    proc = subprocess.run([sys.executable, "-c", PEAK_PROBE, "add", "https://evil.example/huge"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == 1
    assert "too large" in proc.stderr and "Traceback" not in proc.stderr
    peak_kb = int(proc.stderr.split("PEAK_KB ")[1].split()[0])
    assert peak_kb / 1024 < 300


def test_deeply_nested_page_gives_a_clean_result(web: LoopbackWeb) -> None:
    page = b"<html><head><title>Deep</title></head><body>" + b"<div>" * 50_000 + b"<p>core text.</p>" + \
        b"</div>" * 50_000 + b"</body></html>"
    web.add_page("https://evil.example/deep", page)
    result = runner.invoke(app, ["add", "https://evil.example/deep", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "Deep"


def test_huge_title_is_shortened(web: LoopbackWeb) -> None:
    title = "長" * 100_000
    web.add_page("https://evil.example/title", f"<html><head><title>{title}</title></head><body><p>本文。</p>"
                 f"</body></html>".encode())
    result = runner.invoke(app, ["add", "https://evil.example/title", "--json"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["title"]) <= 501
    assert "shortened" in result.stderr


def test_control_characters_and_bidi_overrides_never_reach_the_terminal(web: LoopbackWeb) -> None:
    evil = "Hello\x1b[2J\x1b]0;pwned\x07 \u202egnp.exe\u202c"
    web.add_page("https://evil.example/ansi", f"<html><head><title>{evil}</title></head><body><p>本文です。"
                 f"</p></body></html>".encode())
    added = runner.invoke(app, ["add", "https://evil.example/ansi"])
    assert added.exit_code == 0
    for result in (added, runner.invoke(app, ["list"]), runner.invoke(app, ["show", "1"])):
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\x07" not in result.stdout
        assert "Hello" in result.stdout
