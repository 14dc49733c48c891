"""Property test of `import --json`: archives from a real database's export (corpus pages added, tagged, edited,
checked, quoted by an imported post), mutated by hypothesis. Either the restore succeeds, a second export equals the
archive's rows (missing optional columns as null, derived url keys recomputed) and every restored clip drafts and
shows its page; or it fails with one line naming the file (and, for a mutation known to be bad, the line and
field), and the target database is unchanged. Mutations: types, missing keys, schemes and credentials, ids that
collide or dangle, rows out of order, hashes, sizes and data that lie, deep nesting, NaN, duplicate keys, headers."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import itertools
import json
import os
import re
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipper.backup import archive_lines, import_archive
from clipper.drafting import draft_post
from clipper.errors import ClipperError
from clipper.store import open_db
from clipper.urls import normalize_url
from tests.test_restore_rows import SQLITE_WORDS, TABLES, make_archive_once, read_lines, write_lines
from tests.webserver import LoopbackWeb

EXAMPLES = int(os.environ.get("CLIPPER_FUZZ_EXAMPLES", "150"))  # a longer hunt: CLIPPER_FUZZ_EXAMPLES=5000
URL_COLUMNS = {"clips": ("url", "final_url", "canonical_url", "moved_to", "archive_url"),
               "fetches": ("url", "final_url"), "checks": ("final_url", "archive_url")}
REFERENCES = {"tags": ("clip_id",), "fetches": ("clip_id", "page_sha256"), "checks": ("clip_id",),
              "post_clips": ("post_id", "clip_id")}
KEY_FIELD = {"clips": "id", "fetches": "id", "checks": "id", "posts": "id", "pages": "sha256", "tags": "tag",
             "post_clips": "clip_id"}
BAD_URLS = ["javascript:alert(1)", "file:///etc/passwd", "ftp://files.example/x", "data:text/html,<b>x</b>",
            "vbscript:msgbox", "http://user:pw@www.example.jp/a", "https://alice@www.example.jp/", "https://",
            "http://[::1/", "http://www.example.jp:99999/", "https://www.example.jp/a\x00b",
            "https://www.example.jp/a\nb", "https://www.example.jp/\x1b[2J", " https://www.example.jp/",
            "https://www.example.jp/\u202eexe", "mailto:a@example.jp", "//www.example.jp/x", "www.example.jp/x"]
GOOD_URLS = ["HTTPS://WWW.Example.JP/a?utm_source=feed&id=3#top", "http://127.0.0.1:8080/x", "https://[::1]/y",
             "https://例え.jp/記事/1"]
OK = {"(must restore)"}
GOOD_TEXT = [("clips", "title"), ("clips", "note"), ("clips", "author"), ("clips", "outlet"), ("clips", "body"),
             ("clips", "site_name"), ("checks", "reason"), ("fetches", "content_type"), ("posts", "title")]
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", " ", "2025-01-21T03:04:05Z", "2016-08-01", "2016-08-01T10:00:00+09:00", "alive", "zlib",
                     "0" * 64, "https://www.example.jp/a", "[]", '["a", null]', "[1]"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([{"$base64": "AAAA"}, {"$base64": "!!"}, {"$base64": 5}]),
)


@pytest.fixture(scope="module")
def base(_web_server: tuple[LoopbackWeb, str], tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return read_lines(make_archive_once(_web_server, tmp_path_factory))


def schema(db: Path) -> dict[str, dict[str, Any]]:
    """Each table's columns and the value a missing one gets (its SQL default, else null)."""
    with sqlite3.connect(db) as conn:
        return {t: {r[1]: (json.loads(r[4].replace("'", '"')) if r[4] is not None else None)
                    for r in conn.execute(f"PRAGMA table_info({t})")} for t in TABLES}


def canonical(table: str, row: dict[str, Any], columns: dict[str, Any]) -> str:
    """A row as the export of a faithful restore writes it."""
    out = {c: row.get(c, default) for c, default in columns.items()}
    if table == "clips":
        out["url_key"] = normalize_url(out["url"]) if out["url"] else None
        out["canonical_key"] = normalize_url(out["canonical_url"]) if out["canonical_url"] else None
    if table == "pages":
        out["data"] = base64.b64encode(base64.b64decode(out["data"]["$base64"])).decode()
    return json.dumps(out, sort_keys=True, ensure_ascii=False)


def by_table(lines: list[Any], columns: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {t: [] for t in TABLES}
    for obj in lines[1:]:
        out[obj["table"]].append(canonical(obj["table"], obj["row"], columns[obj["table"]]))
    return {t: sorted(rows) for t, rows in out.items()}


def snapshot(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [names] + [conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES]


def rows_of(lines: list[Any], table: str) -> list[int]:
    return [i for i, obj in enumerate(lines) if isinstance(obj, dict) and obj.get("table") == table]


def mutate(data: st.DataObject, lines: list[Any]) -> tuple[list[Any], int | None, set[str] | None]:
    """One mutation: the lines; when it is known to be bad, the line (1-based) and the fields one of which the
    error must name (an empty set: the line's own error, no field); OK when it is known to be good."""
    kind = data.draw(st.sampled_from(["value", "missing", "good_text", "good_tag", "good_date", "good_quote",
                                      "bad_url", "good_url", "collide", "duplicate", "dangle",
                                      "early", "sha256", "size", "data", "deep_line", "deep_value", "constant",
                                      "twice", "header", "drop", "swap", "cut"]), label="kind")
    table = data.draw(st.sampled_from(list(TABLES)), label="table")
    at = data.draw(st.sampled_from(rows_of(lines, table)), label="line")
    row = lines[at]["row"]
    column = data.draw(st.sampled_from(sorted(row)), label="column")
    if kind == "value":
        row[column] = data.draw(SCALARS, label="value")
    elif kind == "missing":
        del row[column]
    elif kind == "good_text":
        table, column = data.draw(st.sampled_from(GOOD_TEXT), label="text column")
        at = data.draw(st.sampled_from(rows_of(lines, table)), label="text line")
        lines[at]["row"][column] = data.draw(TEXT, label="text")
        return lines, None, OK
    elif kind == "good_tag":
        at = data.draw(st.sampled_from(rows_of(lines, "tags")), label="tag line")
        lines[at]["row"]["tag"] = "新-" + data.draw(TEXT.map(lambda t: re.sub(r"[\s\x00-\x1f\x7f-\x9f]", "", t)))
        return lines, None, OK
    elif kind == "good_date":
        at = data.draw(st.sampled_from(rows_of(lines, "clips")), label="clip line")
        day = data.draw(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), label="day")
        when = dt.datetime.combine(day, dt.time(data.draw(st.integers(0, 23)), data.draw(st.integers(0, 59))),
                                   dt.timezone(dt.timedelta(hours=data.draw(st.integers(-12, 14)))))
        lines[at]["row"]["published"] = data.draw(st.sampled_from([day.isoformat(), when.isoformat()]))
        return lines, None, OK
    elif kind == "good_quote":
        at = data.draw(st.sampled_from(rows_of(lines, "clips")), label="clip line")
        key = data.draw(st.sampled_from(["quote", "summary"]))
        items = st.one_of(st.none(), TEXT) if key == "quote" else TEXT
        lines[at]["row"][key] = json.dumps(data.draw(st.lists(items, max_size=4), label=key), ensure_ascii=False)
        return lines, None, OK
    elif kind in ("bad_url", "good_url"):
        table = data.draw(st.sampled_from(sorted(URL_COLUMNS)), label="url table")
        at = data.draw(st.sampled_from(rows_of(lines, table)), label="url line")
        column = data.draw(st.sampled_from(URL_COLUMNS[table]), label="url column")
        lines[at]["row"][column] = data.draw(st.sampled_from(BAD_URLS if kind == "bad_url" else GOOD_URLS))
        return (lines, at + 1, {column}) if kind == "bad_url" else (lines, None, OK)
    elif kind == "collide":
        table = data.draw(st.sampled_from(["clips", "fetches", "checks"]), label="id table")
        first, second = data.draw(st.lists(st.sampled_from(rows_of(lines, table)), min_size=2, max_size=2,
                                           unique=True), label="pair")
        lines[second]["row"]["id"] = lines[first]["row"]["id"]
        return lines, max(first, second) + 1, {"id"}
    elif kind == "duplicate":
        lines.insert(at + 1, copy.deepcopy(lines[at]))
        return lines, at + 2, {KEY_FIELD[table]}
    elif kind == "dangle":
        table = data.draw(st.sampled_from(sorted(REFERENCES)), label="child table")
        at = data.draw(st.sampled_from(rows_of(lines, table)), label="child line")
        column = data.draw(st.sampled_from(REFERENCES[table]), label="reference")
        if column == "page_sha256":
            lines[at]["row"][column] = hashlib.sha256(data.draw(st.binary(max_size=8))).hexdigest()
        else:
            lines[at]["row"][column] = 10**6 + data.draw(st.integers(0, 10**6))
        return lines, at + 1, {column}
    elif kind == "early":  # a child before the rows it refers to
        table = data.draw(st.sampled_from(sorted(REFERENCES)), label="child table")
        child = lines.pop(data.draw(st.sampled_from(rows_of(lines, table)), label="child line"))
        lines.insert(1, child)
        return lines, 2, {REFERENCES[table][0]}
    elif kind in ("sha256", "size", "data"):
        at = data.draw(st.sampled_from(rows_of(lines, "pages")), label="page line")
        page = lines[at]["row"]
        if kind == "sha256":
            page["sha256"] = hashlib.sha256(data.draw(st.binary(max_size=8)) + b"lie").hexdigest()
        elif kind == "size":
            page["size"] = max(0, page["size"] + data.draw(st.integers(-1000, 10**9).filter(bool)))
        else:
            raw = data.draw(st.binary(max_size=300), label="bytes")
            page["data"] = {"$base64": base64.b64encode(zlib.compress(raw) if data.draw(st.booleans()) else raw
                                                        ).decode()}
        return lines, at + 1, {"sha256", "size", "data"}
    elif kind == "deep_line":
        depth = data.draw(st.integers(1100, 60_000), label="depth")
        opener, closer = data.draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        lines[at] = opener * depth + "1" + closer * depth
        return lines, at + 1, set()
    elif kind == "deep_value":
        depth = data.draw(st.integers(2, 300), label="depth")
        row[column] = json.loads("[" * depth + '"x"' + "]" * depth)
        return lines, at + 1, {column, ""}  # a value refused, or the whole line too deep for this stack
    elif kind == "constant":
        row[column] = "\x00SENTINEL"
        lines[at] = json.dumps(lines[at]).replace('"\\u0000SENTINEL"', data.draw(
            st.sampled_from(["NaN", "Infinity", "-Infinity"])))
        return lines, at + 1, set()
    elif kind == "twice":
        lines[at] = json.dumps(lines[at])[:-2] + f', "{column}": null}}}}'
        return lines, at + 1, set()
    elif kind == "header":
        lines[0] = dict(lines[0], version=data.draw(SCALARS, label="version"))
        if lines[0]["version"] != 1 or isinstance(lines[0]["version"], bool | float):
            return lines, 1, {"version"}
    elif kind == "drop":
        lines.pop(at)
    elif kind == "swap":
        other = data.draw(st.integers(1, len(lines) - 1), label="other")
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "cut":
        text = json.dumps(lines[at], ensure_ascii=False)
        lines[at] = text[: data.draw(st.integers(1, len(text) - 1), label="cut at")]
        return lines, at + 1, set()
    return lines, None, None


def test_mutated_archives_restore_faithfully_or_not_at_all(base: list[dict[str, Any]], tmp_path: Path) -> None:
    counter = itertools.count()
    columns = schema_of_empty(tmp_path)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 150,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def restore_one(data: st.DataObject) -> None:
        lines, bad_line, fields = mutate(data, copy.deepcopy(base))
        n = next(counter)
        archive = write_lines(tmp_path / f"a{n}.jsonl", lines)
        db = tmp_path / f"t{n}.db"
        open_db(db).close()
        before = snapshot(db)
        with open_db(db) as store:
            try:
                restored = import_archive(store, archive.read_text(encoding="utf-8").splitlines(), source=str(archive))
            except ClipperError as exc:
                message = str(exc)
            else:
                message = None
                exported = list(archive_lines(store, pages=True))[1:]
                clips = [c.id for c in store.list_clips(order="oldest")]
                if clips:  # what was restored drafts in every format and shows its page
                    for fmt in ("text", "html", "markdown", "json"):
                        draft_post(store, clips, tag=None, since=None, until=None, order="given", fmt=fmt)
                    for cid in clips:
                        store.page_bytes(cid)
        assert message is None or fields != OK, message
        if message is None:
            assert bad_line is None, f"a bad archive (line {bad_line}, {fields}) was restored"
            assert restored == len(rows_of(lines, "clips"))
            assert by_table([lines[0], *exported], columns) == by_table(lines, columns)
        else:
            assert "\n" not in message and message.startswith(f"{archive}"), message
            assert not any(word in message.removeprefix(str(archive)) for word in SQLITE_WORDS), message
            assert snapshot(db) == before
            if bad_line is not None:
                assert fields is not None
                prefix = f"{archive}:{bad_line}: "
                assert message.startswith(prefix), (message, bad_line, fields)
                field = message.removeprefix(prefix).split(":", 1)[0]
                assert not fields or field in fields or ("" in fields and "nested too deeply" in message), \
                    (message, fields)
        for path in tmp_path.glob(f"[at]{n}.*"):
            path.unlink()

    restore_one()


def schema_of_empty(tmp_path: Path) -> dict[str, dict[str, Any]]:
    db = tmp_path / "schema.db"
    open_db(db).close()
    return schema(db)
