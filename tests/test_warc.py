"""`clipper export --warc`: read back with warcio, every stored page byte for byte, with its URL, fetch time,
status and headers; a metadata record per clip."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from clipper.cli import app
from tests.conftest import JA, load_truth
from tests.webserver import LoopbackWeb, Response

runner = CliRunner()


def stored(db: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT f.*, p.data FROM fetches f JOIN pages p ON p.sha256 = f.page_sha256"
                            " ORDER BY f.id").fetchall()


def test_warc_export_reads_back_byte_for_byte(corpus_web: LoopbackWeb, tmp_path: Path) -> None:
    db = tmp_path / "clips.db"
    unique = list({r["url"]: r for r in load_truth() if r["url"]}.values())
    rows, other = unique[:6], unique[8]
    gz = "https://www.example.jp/article/with-headers/"
    corpus_web.add(gz, Response(200, (JA / other["file"]).read_bytes(), {"Content-Type": "text/html",
                                                                            "X-Served-By": "loopback"}))
    assert runner.invoke(app, ["add", *[r["url"] for r in rows], gz, "--tag", "w"]).exit_code == 0
    saved = JA / "misc-encoding" / "charset-euc-jp-webstandards_eucjp.html"
    assert runner.invoke(app, ["add", str(saved), "--url", "https://example.jp/saved"]).exit_code == 0
    out = tmp_path / "clips.warc.gz"
    result = runner.invoke(app, ["export", "--warc", str(out)])
    assert result.exit_code == 0, result.output
    assert f"8 clip(s), 8 page(s) written to {out}" in result.stderr
    pages = stored(db)
    responses, metadata, kinds = [], [], []
    with out.open("rb") as fh:
        for record in ArchiveIterator(fh):
            kinds.append(record.rec_type)
            if record.rec_type == "response":
                responses.append((record, record.content_stream().read()))
            elif record.rec_type == "metadata":
                metadata.append(json.loads(record.content_stream().read()))
    assert kinds[0] == "warcinfo" and len(responses) == len(pages) == 8 and len(metadata) == 8
    for (record, body), page in zip(responses, pages, strict=True):
        assert body == zlib.decompress(page["data"])  # byte for byte
        assert record.rec_headers.get_header("WARC-Target-URI") == (page["final_url"] or page["url"])
        assert record.rec_headers.get_header("WARC-Date") == page["fetched_at"]
        assert record.http_headers.get_statuscode() == str(page["http_status"] or 200)
        if page["headers"]:
            for name, value in json.loads(page["headers"]):
                if name.lower() not in ("content-length", "content-encoding", "transfer-encoding"):
                    assert record.http_headers.get_header(name) == value
    by_uri = {r.rec_headers.get_header("WARC-Target-URI"): r for r, _ in responses}
    assert by_uri[gz].http_headers.get_header("X-Served-By") == "loopback"
    assert by_uri["https://example.jp/saved"].http_headers.get_header("Content-Type") == "text/html"  # no headers
    assert sorted(m["url"] for m in metadata) == sorted([*[r["url"] for r in rows], gz, "https://example.jp/saved"])
    assert sum(m["tags"] == ["w"] for m in metadata) == 7
    # a selection: one tag, one clip
    one = tmp_path / "one.warc"
    assert runner.invoke(app, ["export", "--warc", str(one), "1"]).exit_code == 0
    with one.open("rb") as fh:
        assert [r.rec_type for r in ArchiveIterator(fh)] == ["warcinfo", "response", "metadata"]
    bad = runner.invoke(app, ["export", "--warc", str(tmp_path / "no" / "dir.warc")])
    assert bad.exit_code == 1 and "cannot write" in bad.stderr


def test_an_older_database_upgrades_and_its_old_fetches_export(tmp_path: Path) -> None:
    from clipper.migrations import MIGRATIONS
    from clipper.store import open_db

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.isolation_level = None
    for _name, step in MIGRATIONS[:2]:  # a database made before response headers were kept
        conn.execute("BEGIN")
        step(conn)
        conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 2")
    raw = (JA / "sankei" / "20250121-ogasawara-police-radio.html").read_bytes()
    conn.execute("INSERT INTO clips (url, title, body, added_at, updated_at) VALUES ('https://www.sankei.com/a',"
                 " 't', 'b', '2016-08-01T00:00:00Z', '2016-08-01T00:00:00Z')")
    conn.execute("INSERT INTO pages (sha256, size, data) VALUES ('x', ?, ?)", (len(raw), zlib.compress(raw)))
    conn.execute("INSERT INTO fetches (clip_id, fetched_at, url, http_status, content_type, page_sha256) VALUES"
                 " (1, '2016-08-01T00:00:00Z', 'https://www.sankei.com/a', 200, 'text/html; charset=utf-8', 'x')")
    conn.close()
    with open_db(db) as store:
        assert store.stored_pages(1)[0]["headers"] is None and store.stored_pages(1)[0]["raw"] == raw
    out = tmp_path / "old.warc.gz"
    assert runner.invoke(app, ["export", "--warc", str(out), "--db", str(db)]).exit_code == 0
    with out.open("rb") as fh:
        records = [(r.rec_type, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    kind, headers, body = records[1]
    assert kind == "response" and body == raw and headers.get_header("Content-Type") == "text/html; charset=utf-8"
