"""bench/profile_extract.py: every stage of the whole path gets its time, and the steps are restored after."""

from __future__ import annotations

import sys
from pathlib import Path

import clipper.extract as extract
from clipper.extract.page import PageNodes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import profile_extract  # noqa: E402

LD = ('{"@type": "NewsArticle", "datePublished": "2024-01-02T03:04:05+09:00", '
      '"author": {"@type": "Person", "name": "山田太郎"}}')
PARAGRAPH = "<p>本文の段落です。政府は新しい方針を発表した。関係者によると来年度から実施される。</p>"
PAGE = ("<html lang=ja><head><title>見出しの例 | 例新聞</title><meta property='og:site_name' content='例新聞'>"
        f"<script type='application/ld+json'>{LD}</script></head><body><h1>見出しの例</h1>"
        f"<p class='byline'>山田太郎</p>{PARAGRAPH * 5}</body></html>").encode()


def test_every_stage_is_timed_and_the_steps_are_restored() -> None:
    before = (extract.find_published, extract.find_author, extract.extract_paragraphs, PageNodes.__dict__["of"])
    result = profile_extract.profile([PAGE, PAGE], repeat=2, peer=False)
    assert set(result["stages"]) == set(profile_extract.STAGES)
    timed = [s for s in profile_extract.STAGES if s != "other"]
    assert all(result["stages"][s] > 0 for s in timed), result["stages"]
    assert abs(sum(result["stages"].values()) - result["clipper"]) < 1e-9
    assert result["trafilatura"] is None and "faster" not in profile_extract.report(result)
    after = (extract.find_published, extract.find_author, extract.extract_paragraphs, PageNodes.__dict__["of"])
    assert before == after
