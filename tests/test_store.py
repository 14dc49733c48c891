"""The store's transactions: a batch of writes is one transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipper.models import Article
from clipper.store import open_db


def test_nested_write_blocks_commit_once_and_roll_back_together(tmp_path: Path) -> None:
    store = open_db(tmp_path / "clips.db")
    with store.conn:
        store.insert_clip(Article(title="一つ目", paragraphs=("本文。",)), None, url="https://example.jp/1")
        store.insert_clip(Article(title="二つ目", paragraphs=("本文。",)), None, url="https://example.jp/2")
    assert store.count() == 2
    with pytest.raises(RuntimeError), store.conn:
        store.insert_clip(Article(title="三つ目", paragraphs=("本文。",)), None, url="https://example.jp/3")
        raise RuntimeError("a failure in the middle of a batch")
    assert store.count() == 2
    assert store.find_duplicate("https://example.jp/3") is None
    assert [c.title for c in store.search_clips("つ目")] == ["二つ目", "一つ目"]  # the index rolled back too
    store.close()
