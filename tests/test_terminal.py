"""What a user sees in a terminal (issue 12 item 9): the installed command run on a pseudo-terminal 80 cells wide."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from clipper.ui import cell_len
from tests.conftest import env_for_subprocess
from tests.test_check import html, make_clip, page
from tests.test_cli_user import PAGES, _set, add_pages
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_terminal(*args: str, env: dict[str, str] | None = None, columns: int = 80) -> str:
    """Run `clipper ARGS` with stdout and stderr on a pty, as typed in a terminal; what it printed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environment = {k: v for k, v in env_for_subprocess().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"COLUMNS": str(columns), "TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "clipper", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=environment, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")


def test_list_has_a_header_and_columns_aligned_in_cells(tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    ids = add_pages(db)
    _set(db, ids[PAGES[1]], outlet="IT Pro")  # ASCII next to 産経 and 中日新聞: the columns must still line up
    text = ANSI.sub("", in_terminal("list", "--db", str(db)))
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].split() == ["ID", "OUTLET", "DATE", "TITLE"]
    date_cells = set()
    for line in lines[1:]:
        match = re.search(r"\d{4}-\d\d-\d\d", line)
        assert match, line
        date_cells.add(cell_len(line[: match.start()]))
    assert len(lines) == 4 and len(date_cells) == 1
    assert cell_len(lines[0][: lines[0].index("DATE")]) in date_cells


def test_no_color_means_no_bold_either(tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    add_pages(db, PAGES[:1])
    assert "\x1b[" in in_terminal("list", "--db", str(db))
    assert "\x1b[" not in in_terminal("list", "--db", str(db), env={"NO_COLOR": "1"})


def test_check_never_breaks_a_url_across_lines(web: LoopbackWeb, tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    url = "http://news.maiasa.test/articles/2016/08/01/" + "very-long-path-segment-" * 6 + "end.html"
    web.add(url, Response(404))
    make_clip(db, url)
    text = ANSI.sub("", in_terminal("check", "--all", "--db", str(db), "--timeout", "5",
                                    env={"NO_COLOR": "1"}))
    assert any(line.strip() == url for line in text.splitlines()), text


def test_check_fail_on_dead_exits_non_zero(web: LoopbackWeb, tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    web.add("http://news.maiasa.test/gone", Response(404))
    web.add("http://news.maiasa.test/here", html(page()))
    make_clip(db, "http://news.maiasa.test/here")
    assert runner.invoke(app, ["check", "--all", "--fail-on-dead", "--db", str(db)]).exit_code == 0
    make_clip(db, "http://news.maiasa.test/gone")
    assert runner.invoke(app, ["check", "--all", "--db", str(db)]).exit_code == 0  # findings, not errors
    result = runner.invoke(app, ["check", "--all", "--fail-on-dead", "--db", str(db)])
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("command", ["add", "check"])
def test_no_progress_is_accepted(command: str, tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    args = [command, "--no-progress", "--db", str(db)]
    from tests.conftest import JA

    if command == "add":
        args += [str(JA / PAGES[0]), str(JA / PAGES[1])]
    else:  # check reads a database that exists (it never creates one)
        assert runner.invoke(app, ["add", "--db", str(db), str(JA / PAGES[0])]).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def test_shell_completion_completes_commands() -> None:
    env = {**env_for_subprocess(), "_CLIPPER_COMPLETE": "complete_bash", "COMP_WORDS": "clipper li",
           "COMP_CWORD": "1"}
    exe = str(Path(sys.executable).parent / "clipper")
    result = subprocess.run([exe], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["list"]
    script = subprocess.run([exe, "--show-completion", "bash"], capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "_CLIPPER_COMPLETE" in script.stdout
