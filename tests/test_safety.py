"""Safe under attack and accident (issue 15): deadlines, credentials, local files, duplicates, stored URLs,
read-only databases, the check lock, special output files, terminal hygiene, one-line errors, memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from clipper.cli import app
from tests.conftest import JA
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()
SANKEI_URL = "https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/"
SANKEI = JA / "sankei/20250121-ogasawara-police-radio.html"


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clipper", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)


# -- 10: the total deadline covers connect, headers and body ---------------------------------------------------

def test_a_server_dripping_its_headers_cannot_outlast_the_deadline(web: LoopbackWeb) -> None:
    web.add("https://evil.example/slowloris", Response(200, b"<html><body><p>x</p></body></html>",
                                                       {"Content-Type": "text/html"}, header_drip=0.5))
    started = time.monotonic()
    proc = run_cli("add", "https://evil.example/slowloris", "--timeout", "3")
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "timed out" in proc.stderr and "Traceback" not in proc.stderr
    assert took < 8, took  # 3 s deadline + start-up; before: ~60 s (a byte every 0.5 s never trips a read timeout)


def test_check_of_a_server_dripping_its_headers_ends_on_time(web: LoopbackWeb, tmp_path: Path) -> None:
    web.add_page(SANKEI_URL, SANKEI.read_bytes())
    assert runner.invoke(app, ["add", SANKEI_URL]).exit_code == 0
    web.add(SANKEI_URL, Response(200, SANKEI.read_bytes(), {"Content-Type": "text/html"}, header_drip=0.5))
    started = time.monotonic()
    proc = run_cli("check", "--timeout", "2")
    took = time.monotonic() - started
    assert "Traceback" not in proc.stderr
    assert took < 10, took
