"""Drafts built from clips of real pages (added from the saved files), checked line by line."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from clipper.cli import app
from clipper.extract.dates import format_date
from clipper.outlets import load_registry
from clipper.post import CUT_LINE
from tests.conftest import JA, load_truth

runner = CliRunner()
ROWS = [r for r in load_truth() if r["url"] and r["first_sentence"] and r["date"]][:12]
REGISTRY = load_registry()


@pytest.fixture
def clips() -> list[dict]:
    out = []
    for row in ROWS:
        result = runner.invoke(app, ["add", str(JA / row["file"]), "--url", row["url"], "--json"])
        assert result.exit_code == 0, result.output
        out.append(json.loads(result.stdout))
    return [c for c in out if c["outcome"] == "added"]


def parse_sections(draft: str) -> list[dict]:
    sections: list[dict] = []
    for line in draft.splitlines():
        if line.startswith("●"):
            sections.append({"title": line[1:], "credit": None, "paras": [], "cut": False, "lines": []})
        elif sections:
            sections[-1]["lines"].append(line)
    for s in sections:
        lines = s.pop("lines")
        s["credit"] = lines[0]
        para: list[str] = []
        for line in lines[1:] + [""]:
            if line == CUT_LINE:
                s["cut"] = True
            elif line.strip():
                para.append(line)
            elif para:
                s["paras"].append("\n".join(para))
                para = []
    return sections


def test_draft_line_by_line(clips: list[dict]) -> None:
    ids = [str(c["id"]) for c in clips]
    draft = runner.invoke(app, ["export", "--post", *ids])
    assert draft.exit_code == 0, draft.output
    by_title = {c["title"]: c for c in clips}
    # the intro: one summary line per clip, ` {outlet} {date}★《point/point》`
    intro = [line for line in draft.stdout.split("\n●")[0].splitlines() if line.strip()]
    assert len(intro) == len(clips)
    for line, clip in zip(intro, clips, strict=True):
        date = format_date(clip["published"], REGISTRY.date_style_for(clip["outlet"]))
        assert re.fullmatch(rf" {re.escape(clip['outlet'])} {re.escape(date)}★《.+》", line), line
    sections = parse_sections(draft.stdout)
    assert [s["title"] for s in sections] == [c["title"] for c in clips]
    for section in sections:
        clip = by_title[section["title"]]
        date = format_date(clip["published"], REGISTRY.date_style_for(clip["outlet"]))
        credit = f"    {clip['outlet']} {date}" + (f" {clip['author']}" if clip["author"] else "")
        assert section["credit"] == credit
        body = clip["body"].split("\n\n")
        assert section["paras"], section["title"]
        *whole, last = section["paras"]
        for para in whole:
            assert para in body  # verbatim, indents included
        # the last quoted paragraph is whole, or cut at the end of a sentence
        assert last in body or any(p.startswith(last) and last.endswith(("。", "！", "？", ".", "!", "?"))
                                   for p in body), last
        # the 略 line exactly when the quote is shorter than the article
        assert section["cut"] == (section["paras"] != body)
        assert sum(len(p.lstrip(" \u3000")) for p in section["paras"]) <= max(400, len(section["paras"][0]))


def test_date_styles_follow_the_outlet(clips: list[dict]) -> None:
    sankei = next(c for c in clips if c["outlet"] == "産経")
    draft = runner.invoke(app, ["export", "--post", str(sankei["id"])]).stdout
    assert "    産経 2025.1.21 " in draft  # 産経 writes 2016.8.1
    iso = runner.invoke(app, ["export", "--post", str(sankei["id"]), "--date-style", "kanji"]).stdout
    assert "    産経 2025年1月21日 " in iso


@pytest.mark.parametrize("order", ["given", "published", "added"])
def test_ordering(clips: list[dict], order: str) -> None:
    ids = [c["id"] for c in clips][::-1]  # given in reverse order of adding
    draft = runner.invoke(app, ["export", "--post", *map(str, ids), "--order", order, "--format", "json"])
    assert draft.exit_code == 0, draft.output
    data = json.loads(draft.stdout)
    titles = [s["title"] for s in (data["sections"] if isinstance(data, dict) else data)]
    by_id = {c["id"]: c for c in clips}
    expected = {
        "given": ids,
        "added": sorted(ids),
        "published": sorted(ids, key=lambda i: (by_id[i]["published"], i)),
    }[order]
    assert titles == [by_id[i]["title"] for i in expected]
