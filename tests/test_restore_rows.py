"""`clipper import --json`: a hostile or hand-mended archive is restored only when every row passes the rules
clipper writes by; otherwise one line names the file, line and field, and nothing is written."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from tests.conftest import FIXTURES, JA, isolate, load_truth
from tests.test_hostile import PEAK_PROBE
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()
SEED = FIXTURES / "posts" / "seed.txt"
TABLES = ("clips", "tags", "pages", "fetches", "checks", "posts", "post_clips")
SQLITE_WORDS = ("constraint", "datatype mismatch", "NOT NULL", "FOREIGN KEY", "UNIQUE", "sqlite", "Traceback",
                "OverflowError", "RecursionError")


def make_archive(web: LoopbackWeb, tmp_path: Path, *, pages: int = 3) -> Path:
    """A real database made from corpus pages (added over the loopback web, tagged, edited, checked, quoted by an
    imported post), exported with its pages. Returns the archive."""
    truth = [row for row in load_truth() if row["url"]][:pages]
    for row in truth:
        web.add_page(row["url"], (JA / row["file"]).read_bytes(), content_type="text/html")
    db = tmp_path / "source.db"
    for i, row in enumerate(truth):
        assert runner.invoke(app, ["add", row["url"], "--tag", f"tag{i}", "--tag", "共通", "--db", str(db)]
                             ).exit_code == 0
    saved = JA / load_truth()[-1]["file"]
    assert runner.invoke(app, ["add", str(saved), "--db", str(db), "--note", "手元の保存ページ"]).exit_code == 0
    assert runner.invoke(app, ["import", str(SEED), "--db", str(db)]).exit_code == 0
    assert runner.invoke(app, ["edit", "1", "--quote-paras", "1,3", "--summary", "要点/二つ目", "--db", str(db)]
                         ).exit_code == 0
    web.add(truth[0]["url"], Response(404))
    assert runner.invoke(app, ["check", "--all", "--timeout", "2", "--db", str(db)]).exit_code in (0, 1)
    archive = tmp_path / "archive.jsonl"
    assert runner.invoke(app, ["export", "--json", "--pages", "--out", str(archive), "--db", str(db)]).exit_code == 0
    counts = {t: 0 for t in TABLES}
    for line in archive.read_text(encoding="utf-8").splitlines()[1:]:
        counts[json.loads(line)["table"]] += 1
    assert all(counts.values()), counts  # every table has rows to mutate
    return archive


def read_lines(archive: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines()]


def write_lines(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines),
                    encoding="utf-8")
    return path


def table_rows(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}


def restore(archive: Path, db: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["import", "--json", str(archive), "--db", str(db)])
    return result.exit_code, result.stderr


def make_archive_once(server_ca: tuple[LoopbackWeb, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make_archive for a module-scoped fixture: the loopback web and the environment set up as `web` and the
    autouse fixture do for a single test."""
    server, ca = server_ca
    folder = tmp_path_factory.mktemp("base")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, folder)
        for var in ("HTTP_PROXY", "HTTPS_PROXY"):
            mp.setenv(var, server.proxy)
        mp.setenv("SSL_CERT_FILE", ca)
        server.reset()
        try:
            return make_archive(server, folder)
        finally:
            server.reset()


@pytest.fixture(scope="module")
def base_archive(_web_server: tuple[LoopbackWeb, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive_once(_web_server, tmp_path_factory)


@pytest.fixture
def archive(base_archive: Path, tmp_path: Path) -> Path:
    """A copy of the module's archive (and of its source database) in this test's folder."""
    for name in ("archive.jsonl", "source.db"):
        shutil.copyfile(base_archive.parent / name, tmp_path / name)
    return tmp_path / "archive.jsonl"


def line_of(lines: list[dict[str, Any]], table: str, nth: int = 0) -> int:
    """The index (0-based) of the nth line of a table."""
    return [i for i, obj in enumerate(lines) if obj.get("table") == table][nth]


def refused(archive: Path, tmp_path: Path, lines: list[Any], expected: str) -> str:
    """Restore the mutated lines into a new database: it must fail with one line starting with `expected` (after
    the file name), and leave every table empty."""
    mutated = write_lines(tmp_path / "mutated.jsonl", lines)
    db = tmp_path / f"target-{len(list(tmp_path.glob('target-*.db')))}.db"
    code, err = restore(mutated, db)
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1, err
    message = err.strip().removeprefix("error: ")
    assert message.startswith(f"{mutated}:{expected}"), message
    assert not any(word in message.removeprefix(str(mutated)) for word in SQLITE_WORDS), message
    assert all(not rows for rows in table_rows(db).values())
    return message


def test_the_real_archive_restores_identically(archive: Path, tmp_path: Path) -> None:
    db = tmp_path / "restored.db"
    code, err = restore(archive, db)
    assert code == 0, err
    assert table_rows(db) == table_rows(tmp_path / "source.db")


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("url", "javascript:alert(1)", "unsupported URL scheme"),
    ("url", "file:///etc/passwd", "unsupported URL scheme"),
    ("final_url", "http://dave:topsecret@www.example.jp/a", "carries credentials"),
    ("canonical_url", "https://www.example.jp/a\x1b]8;;x\x07b", "contains control characters"),
    ("archive_url", "data:text/html,<script>", "unsupported URL scheme"),
    ("moved_to", "https:///no-host", "not a valid URL"),
    ("url", "http://[::1/", "not a valid URL"),
])
def test_addresses_add_would_refuse_are_refused(archive: Path, tmp_path: Path, column: str, value: str,
                                                reason: str) -> None:
    lines = read_lines(archive)
    lines[line_of(lines, "clips", 1)]["row"][column] = value
    message = refused(archive, tmp_path, lines, f"{line_of(lines, 'clips', 1) + 1}: {column}: ")
    assert reason in message
    assert "topsecret" not in message


def test_fetch_and_check_addresses_too(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "fetches")
    lines[at]["row"]["final_url"] = "ftp://user:pw@files.example/x"
    message = refused(archive, tmp_path, lines, f"{at + 1}: final_url: unsupported URL scheme")
    assert "pw@" not in message
    lines = read_lines(archive)
    at = line_of(lines, "checks")
    lines[at]["row"]["archive_url"] = "javascript:void(0)"
    refused(archive, tmp_path, lines, f"{at + 1}: archive_url: unsupported URL scheme")
    lines = read_lines(archive)
    at = line_of(lines, "fetches")
    lines[at]["row"]["source"] = "https://bob:hunter2@www.example.jp/x"
    assert "hunter2" not in refused(archive, tmp_path, lines, f"{at + 1}: source: carries credentials")


def test_sqlite_words_become_the_archives_line_and_field(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    del lines[at]["row"]["added_at"]
    refused(archive, tmp_path, lines, f"{at + 1}: added_at: missing")
    lines = read_lines(archive)
    at = line_of(lines, "tags")
    lines[at]["row"]["clip_id"] = 999
    refused(archive, tmp_path, lines, f"{at + 1}: clip_id: no clip 999 in the archive before this line")
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    lines[at]["row"]["id"] = "one"
    refused(archive, tmp_path, lines, f"{at + 1}: id: expected an integer, got text")
    lines = read_lines(archive)
    at = line_of(lines, "clips", 1)
    lines[at]["row"]["id"] = lines[line_of(lines, "clips")]["row"]["id"]
    refused(archive, tmp_path, lines, f"{at + 1}: id: a clip with id 1 is already in the archive")
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    lines[at]["row"]["id"] = 2**63
    refused(archive, tmp_path, lines, f"{at + 1}: id: {2**63} is out of range")
    lines = read_lines(archive)
    at = line_of(lines, "checks")
    lines[at]["row"]["status"] = "fine"
    refused(archive, tmp_path, lines, f"{at + 1}: status: 'fine' is not one of alive, moved")
    lines = read_lines(archive)
    at = line_of(lines, "posts")
    lines.insert(at + 1, {"table": "posts", "row": {**lines[at]["row"], "id": 77}})
    refused(archive, tmp_path, lines, f"{at + 2}: content_sha256: another post with this content")


def test_dates_and_tags_as_clipper_writes_them(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    lines[at]["row"]["published"] = "昨日"
    refused(archive, tmp_path, lines, f"{at + 1}: published: '昨日' is not an ISO date")
    lines = read_lines(archive)
    lines[at]["row"]["added_at"] = "2025-02-30T00:00:00Z"
    refused(archive, tmp_path, lines, f"{at + 1}: added_at: '2025-02-30T00:00:00Z' is not a real date")
    lines = read_lines(archive)
    at = line_of(lines, "tags")
    lines[at]["row"]["tag"] = "  "
    refused(archive, tmp_path, lines, f"{at + 1}: tag: blank")


def test_quotes_and_summaries_that_would_crash_drafts(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    lines[at]["row"]["quote"] = json.dumps(["一段落目", 42, {"x": 1}])
    refused(archive, tmp_path, lines, f"{at + 1}: quote: item 2: expected text, got an integer")
    lines = read_lines(archive)
    lines[at]["row"]["summary"] = json.dumps({"not": "a list"})
    refused(archive, tmp_path, lines, f"{at + 1}: summary: not a JSON list of texts")
    lines = read_lines(archive)
    lines[at]["row"]["title"] = {"$base64": base64.b64encode(b"\xff\xfe").decode()}
    refused(archive, tmp_path, lines, f"{at + 1}: title: expected text, got bytes")


def test_pages_whose_hash_size_or_data_lie(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "pages")
    row = lines[at]["row"]
    raw = zlib.decompress(base64.b64decode(row["data"]["$base64"]))
    row["sha256"] = "0" * 64
    refused(archive, tmp_path, lines, f"{at + 1}: sha256: does not match the page's bytes")
    lines = read_lines(archive)
    lines[at]["row"]["data"] = {"$base64": base64.b64encode(b"<html>not compressed</html>").decode()}
    refused(archive, tmp_path, lines, f"{at + 1}: data: not zlib data")
    lines = read_lines(archive)
    lines[at]["row"]["data"] = {"$base64": "%%% not base64 %%%"}
    refused(archive, tmp_path, lines, f"{at + 1}: data: not valid base64")
    lines = read_lines(archive)
    lines[at]["row"]["size"] = len(raw) - 1
    refused(archive, tmp_path, lines, f"{at + 1}: data: decompresses to more than its size")
    lines = read_lines(archive)
    lines[at]["row"]["compression"] = "none"
    refused(archive, tmp_path, lines, f"{at + 1}: compression: 'none' is not one of zlib")
    # a zlib bomb is inflated only up to the size it claims
    lines = read_lines(archive)
    bomb = zlib.compress(b"\0" * (200 * 1024 * 1024), 9)
    lines[at]["row"].update(size=10, data={"$base64": base64.b64encode(bomb).decode()})
    refused(archive, tmp_path, lines, f"{at + 1}: data: decompresses to more than its size (10 bytes)")


@pytest.mark.parametrize(("header", "expected"), [
    ({"format": "clipper-archive", "version": "1; DROP TABLE clips"}, "1: version: '1; DROP TABLE clips' is not"),
    ({"format": "clipper-archive", "version": 1.5}, "1: version: a number with a fraction is not"),
    ({"format": "clipper-archive", "version": 99}, "1: version: archive from a newer clipper"),
    ({"format": "clipper-archive"}, "1: version: null is not a format version"),
    ({"format": "something else", "version": 1}, " not a clipper archive"),
])
def test_headers(archive: Path, tmp_path: Path, header: dict[str, Any], expected: str) -> None:
    lines = read_lines(archive)
    lines[0] = header
    refused(archive, tmp_path, lines, expected)


def test_deep_nesting_and_odd_json(archive: Path, tmp_path: Path) -> None:
    lines: list[Any] = list(read_lines(archive))
    at = line_of(lines, "tags")
    lines[at] = "[" * 200_000 + "]" * 200_000
    refused(archive, tmp_path, lines, f"{at + 1}: JSON nested too deeply")
    lines = read_lines(archive)
    lines[at] = json.dumps(lines[at])[:-1] + ', "row": {}}'
    refused(archive, tmp_path, lines, f"{at + 1}: row: the key appears twice")
    lines = read_lines(archive)
    lines[at] = json.dumps(lines[at]).replace(f'"clip_id": {lines[at]["row"]["clip_id"]}', '"clip_id": NaN')
    refused(archive, tmp_path, lines, f"{at + 1}: NaN is not a JSON value clipper writes")
    lines = read_lines(archive)
    lines[at]["row"]["tag"] = [[["x"]]]
    refused(archive, tmp_path, lines, f"{at + 1}: tag: expected text, got a list")
    lines = read_lines(archive)
    lines[at]["row"]["tag"] = "a\ud800b"
    lines[at] = json.dumps(lines[at])  # written as the escape \\ud800
    refused(archive, tmp_path, lines, f"{at + 1}: tag: contains a NUL or an unpaired surrogate")


def test_a_huge_line_is_refused_without_reading_it_whole(archive: Path, tmp_path: Path) -> None:
    """One 200 MB line in a 200 MB archive: refused with one line, the child's own peak memory well under 300 MB."""
    big = tmp_path / "huge.jsonl"
    with big.open("wb") as fh:
        fh.write(archive.read_bytes().splitlines(keepends=True)[0])
        fh.write(b'{"table": "clips", "row": {"title": "')
        chunk = "長".encode() * (1024 * 1024 // 3)
        for _ in range(200):
            fh.write(chunk)
        fh.write(b'"}}\n')
    db = tmp_path / "huge.db"
    proc = subprocess.run([sys.executable, "-c", PEAK_PROBE, "import", "--json", str(big), "--db", str(db)],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == 1
    assert f"{big}:2: line longer than 64 MB" in proc.stderr and "Traceback" not in proc.stderr
    peak_kb = int(proc.stderr.split("PEAK_KB ")[1].split()[0])
    assert peak_kb / 1024 < 200
    assert all(not rows for rows in table_rows(db).values())


def test_rows_out_of_order_and_unknown_names(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "fetches")
    child = lines.pop(at)
    lines.insert(1, child)  # a fetch before its clip and its page
    refused(archive, tmp_path, lines, "2: clip_id: no clip")
    lines = read_lines(archive)
    lines[1]["table"] = "users"
    refused(archive, tmp_path, lines, "2: table: unknown table 'users'")
    lines = read_lines(archive)
    lines[1]["row"]["id; DROP TABLE clips"] = 1
    refused(archive, tmp_path, lines, "2: id; DROP TABLE clips: no such column in clips")
    lines = read_lines(archive)
    lines[1]["extra"] = True
    refused(archive, tmp_path, lines, "2: extra: unknown key")


def test_a_refused_archive_leaves_a_database_with_clips_alone(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "source.db"
    before = table_rows(target)
    code, err = restore(archive, target)
    assert code == 1 and "empty database" in err
    assert table_rows(target) == before


def test_derived_keys_are_recomputed_and_missing_optional_columns_are_null(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    row = lines[at]["row"]
    row["url_key"] = "https://evil.example/"
    row["url"] = row["url"] + "?utm_source=x#top"
    del row["note"]
    db = tmp_path / "restored.db"
    code, err = restore(write_lines(tmp_path / "mended.jsonl", lines), db)
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        url, key, note = conn.execute("SELECT url, url_key, note FROM clips WHERE id = ?", (row["id"],)).fetchone()
    assert url == row["url"] and key == row["url"].split("?")[0] and note is None


def test_an_old_database_with_credentials_in_its_addresses_exports_without_them(archive: Path,
                                                                               tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE clips SET canonical_url = 'http://dave:topsecret@www.example.jp/a' WHERE id = 1")
        conn.execute("UPDATE checks SET final_url = 'http://alice:s3cret@www.example.jp/b'")
    out = tmp_path / "again.jsonl"
    assert runner.invoke(app, ["export", "--json", "--pages", "--out", str(out), "--db", str(source)]).exit_code == 0
    assert "topsecret" not in out.read_text(encoding="utf-8") and "s3cret" not in out.read_text(encoding="utf-8")
    db = tmp_path / "restored.db"
    code, err = restore(out, db)
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT canonical_url FROM clips WHERE id = 1").fetchone()[0] == \
            "http://www.example.jp/a"


def test_standard_input_a_byte_order_mark_and_bytes_that_are_not_utf8(archive: Path, tmp_path: Path) -> None:
    data = archive.read_bytes()
    db = tmp_path / "stdin.db"
    result = runner.invoke(app, ["import", "--json", "-", "--db", str(db)], input=b"\xef\xbb\xbf" + data)
    assert result.exit_code == 0, result.stderr
    assert table_rows(db) == table_rows(tmp_path / "source.db")
    lines = data.splitlines(keepends=True)
    bad = tmp_path / "latin1.jsonl"
    fourth = lines[3].replace(b'"row": {', b'"row": {"title": "caf\xe9", ', 1)
    bad.write_bytes(b"".join(lines[:3]) + fourth)
    code, err = restore(bad, tmp_path / "bad.db")
    at = fourth.index(b"\xe9") + 1
    assert code == 1 and err.strip() == f"error: {bad}:4: not UTF-8 text (byte {at})", err


@pytest.mark.parametrize("name", ["missing.jsonl", "."])
def test_an_archive_that_cannot_be_read(tmp_path: Path, name: str) -> None:
    code, err = restore(tmp_path / name, tmp_path / "x.db")
    assert code == 1 and len(err.strip().splitlines()) == 1 and ("no such file" in err or "directory" in err)


def test_text_limits_keep_a_restore_within_its_memory(archive: Path, tmp_path: Path) -> None:
    lines = read_lines(archive)
    at = line_of(lines, "clips")
    lines[at]["row"]["body"] = "長" * 1_000_001
    refused(archive, tmp_path, lines, f"{at + 1}: body: longer than 1000000 characters")
    lines = read_lines(archive)
    at = line_of(lines, "tags")
    lines[at]["row"]["tag"] = "t" * 201
    refused(archive, tmp_path, lines, f"{at + 1}: tag: longer than 200 characters")
    lines = read_lines(archive)
    clip = lines[at]["row"]["clip_id"]
    lines[at + 1:at + 1] = [{"table": "tags", "row": {"clip_id": clip, "tag": f"x{i}"}} for i in range(1000)]
    of_clip = [i for i, obj in enumerate(lines) if obj.get("table") == "tags" and obj["row"]["clip_id"] == clip]
    refused(archive, tmp_path, lines, f"{of_clip[1000] + 1}: clip_id: clip {clip} has more than 1000 tags")


def test_the_largest_line_a_restore_accepts_stays_under_the_memory_bound(tmp_path: Path) -> None:
    """A page row just under the 64 MB line cap (47 MB of incompressible bytes): restored, its data inflated and
    hashed, with the child's own peak memory under 300 MB (the line, its text and the page are dropped in turn)."""
    raw = os.urandom(47 * 1024 * 1024)
    page = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw),
            "data": {"$base64": base64.b64encode(zlib.compress(raw, 1)).decode()}}
    del raw
    big = write_lines(tmp_path / "big-page.jsonl", [{"format": "clipper-archive", "version": 1},
                                                    {"table": "pages", "row": page}])
    del page
    assert 60 * 1024 * 1024 < big.stat().st_size < 64 * 1024 * 1024
    db = tmp_path / "big.db"
    proc = subprocess.run([sys.executable, "-c", PEAK_PROBE, "import", "--json", str(big), "--db", str(db)],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == 0, proc.stderr
    peak_kb = int(proc.stderr.split("PEAK_KB ")[1].split()[0])
    assert peak_kb / 1024 < 300
    assert len(table_rows(db)["pages"]) == 1
