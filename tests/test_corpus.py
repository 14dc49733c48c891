"""`clipper extract` and `clipper add` on every real page of the corpus, served at its own address."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from clipper.outlets import load_registry
from tests.conftest import JA, load_truth
from tests.webserver import LoopbackWeb

TRUTH = load_truth()
REGISTRY = load_registry()
WITH_URL = [row for row in TRUTH if row["url"]]
runner = CliRunner()


def day_in_japan(value: str) -> date:
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value).astimezone(ZoneInfo("Asia/Tokyo")).date()


def squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def check_fields(got: dict, row: dict) -> None:
    assert got["title"] == row["title"]
    if row["date"]:
        assert got["published"], "no date found"
        assert day_in_japan(got["published"]) == day_in_japan(row["date"])
    assert got["outlet"], "no outlet credited"
    # the credit names the outlet of the ground truth: its short or full name, an alias, or the syndicated origin
    names = [got["outlet"], got["site_name"]]
    known = REGISTRY.by_name(got["outlet"])
    if known:
        names += [known.site_name, *known.aliases]
    assert any(squash(name).lower() in squash(row["outlet"]).lower() for name in names if name), names
    if row["first_sentence"]:
        assert squash(row["first_sentence"]) in squash(got["body"])


@pytest.mark.parametrize("row", WITH_URL, ids=[r["file"] for r in WITH_URL])
def test_add_from_its_own_address(row: dict, web: LoopbackWeb) -> None:
    web.add_page(row["url"], (JA / row["file"]).read_bytes())
    result = runner.invoke(app, ["add", row["url"], "--json", "--tag", "corpus"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout.strip().splitlines()[-1])
    check_fields(got, row)
    assert got["url"] == row["url"]
    assert got["tags"] == ["corpus"]
    # what was stored reads back the same, with the page bytes
    shown = runner.invoke(app, ["show", str(got["id"]), "--json"])
    stored = json.loads(shown.stdout)
    assert stored["title"] == got["title"] and stored["body"] == got["body"]
    page = runner.invoke(app, ["show", str(got["id"]), "--html"])
    assert page.stdout_bytes == (JA / row["file"]).read_bytes()


@pytest.mark.parametrize("row", TRUTH, ids=[r["file"] for r in TRUTH])
def test_extract_saved_file(row: dict) -> None:
    args = ["extract", str(JA / row["file"]), "--json"]
    if row["url"]:
        args += ["--url", row["url"]]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    if row["url"]:
        check_fields(got, row)
    else:
        assert got["title"] and row["title"] in got["title"]
        assert squash(row["first_sentence"]) in squash(got["body"])


def test_extract_many_in_one_process_json_lines() -> None:
    files = [str(JA / r["file"]) for r in TRUTH[:5]]
    result = runner.invoke(app, ["extract", *files, "--json"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert [json.loads(line)["source"] for line in lines] == files


def test_wrong_declared_charset_is_noticed() -> None:
    path = JA / "itmedia/20241028-sakura-internet_utf8-declared-sjis.html"
    result = runner.invoke(app, ["extract", str(path), "--json"])
    got = json.loads(result.stdout)
    assert got["encoding"] == "utf-8"
    assert any("shift_jis" in w.lower() for w in got["warnings"])


def test_raw_shift_jis_and_euc_jp_pages_decode() -> None:
    sjis = json.loads(runner.invoke(app, ["extract", str(JA / "yomiuri/20110410-gifu-tulip_sjis.html"),
                                          "--json"]).stdout)
    assert sjis["encoding"] == "cp932" and sjis["title"] == "色とりどりのチューリップ"
    euc = json.loads(runner.invoke(app, ["extract", str(JA / "misc-encoding/charset-euc-jp-webstandards_eucjp.html"),
                                         "--json"]).stdout)
    assert euc["encoding"] == "euc_jp" and euc["title"].startswith("文字コード宣言は行いましょう")


def test_utf8_page_with_a_few_bad_bytes_stays_utf8() -> None:
    from clipper.encoding import decode_html

    good = "<html><head><meta charset='utf-8'></head><body><p>Größe, Straße und Café. 日本語の本文です。</p>"
    raw = good.encode("utf-8") + b"<p>caf\xe9 \x96 fin</p></body></html>"
    decoded = decode_html(raw)
    assert decoded.encoding == "utf-8" and "Größe, Straße und Café. 日本語の本文です。" in decoded.text
    assert "caf\ufffd \ufffd fin" in decoded.text and decoded.warning
    # a page in a single-byte charset fails on every accented letter: still not read as UTF-8
    latin = "<html><body><p>Größe, Straße, Café, Müller, Bäcker, Öl, Übung, Fähre, naïve</p></body></html>"
    assert decode_html(latin.encode("cp1252")).encoding != "utf-8"
