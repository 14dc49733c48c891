"""Search: what `clipper search` finds is exactly what a plain substring scan of the folded fields finds.

Clips are the real pages in tests/fixtures/ja (plus a few written to exercise folding and tags/notes/quotes), stored
through Store.insert_clip in a real SQLite file. The truth is restated here independently of clipper.search:
NFKC + case folding, then `in` over each field.
"""

from __future__ import annotations

import json
import random
import shlex
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clipper import folding, search, snippets
from clipper.cli import app
from clipper.encoding import decode_html
from clipper.errors import UsageError
from clipper.extract import extract_article
from clipper.migrations import MIGRATIONS, m001_initial
from clipper.models import Article, Clip, Page
from clipper.store import Store, open_db
from tests.conftest import JA, load_truth

runner = CliRunner()

EXTRA = [  # (title, body, tags, note, quote)
    ("自治体の72%で交付遅れ解消", "マイナンバーカードの交付遅れが、全国の自治体の72%で解消した。", ["マイナンバー"],
     None, None),
    ("ＡＩ時代の１０大ニュース", "ｶﾀｶﾅとﾊﾟｿｺﾝの話。Ｔｅｓｔ　Ｐｈｒａｓｅ、ＣＯＶＩＤ－１９。①②③ ㍻ ß …", [],
     "ﾒﾓ：ｹﾝｻｸ", None),
    ("Short", "核", ["核兵器"], "a note about New York", ["引用した段落。", None, "二つ目の引用"]),
]

ALPHABET = "アイウｱｲｳﾊﾟﾞ日本語のーAaＡａ１1 　、。%-…①㍻ßé\u0301ｶﾀ"


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.split())


def fields(clip: Clip) -> list[str]:
    raw = [clip.title, clip.body, *(clip.quote or ()), clip.outlet, clip.site_name, clip.author, *clip.tags,
           clip.note]
    return [fold(t) for t in raw if isinstance(t, str) and t]


def has(clip: Clip, text: str) -> bool:
    needle = fold(text)
    return any(needle in f for f in fields(clip))


def scan(clips: Iterable[Clip], query: str) -> set[int]:
    """The meaning of the query syntax, over a plain substring scan: words AND, "phrases", -excluded, a OR b."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join = False
    for word in shlex.split(query):
        if word == "OR":
            join = bool(groups)
            continue
        if word.startswith("-") and len(word) > 1:
            excluded.append(word[1:])
        elif join:
            groups[-1].append(word)
        else:
            groups.append([word])
        join = False
    return {c.id for c in clips
            if all(any(has(c, w) for w in g) for g in groups) and not any(has(c, w) for w in excluded)}


def found(store: Store, query: str, **filters: object) -> set[int]:
    return {hit.clip.id for hit in store.search_hits(query, limit=None, **filters)}


def add_fixture_clips(store: Store) -> None:
    for i, row in enumerate(load_truth()):
        article = extract_article(decode_html((JA / row["file"]).read_bytes()).text, url=row["url"])
        store.insert_clip(article, None, url=row["url"], tags=[row["file"].split("/")[0]] + (["地震"] if i % 5 else []))
    for title, body, tags, note, quote in EXTRA:
        store.insert_clip(Article(title=title, outlet="テスト", paragraphs=tuple(body.split("\n\n"))), None,
                          url=None, tags=tags, note=note, quote=quote)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_db(tmp_path_factory.mktemp("search") / "clips.db")
    add_fixture_clips(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def corpus_clips(corpus_store: Store) -> list[Clip]:
    return corpus_store.list_clips()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_db(tmp_path / "clips.db") as s:
        yield s


def add(store: Store, title: str, body: str = "", **kw: object) -> int:
    return store.insert_clip(Article(title=title, paragraphs=tuple(p for p in body.split("\n\n") if p)), None,
                             url=None, **kw)  # type: ignore[arg-type]


ONE_CHAR = ["震", "の", "円", "核", "ア", "a", "1", "ー", "z", "鬱"]
TWO_CHARS = ["交付", "地震", "政府", "警察", "日本", "東京", "大阪", "遅れ", "ai", "10"]
THREE_PLUS = ["警察無線", "不感地帯", "気象庁", "南海トラフ", "消費増税", "インターネット", "交付遅れ", "マイナンバー"]
LATIN_DIGITS = ["AI", "Apple", "trump", "the", "helvetica", "2025", "19", "72", "obama", "Twitter", "UTF"]
MIXED = ["5弱", "震度5弱", "72%", "72%で", "AI需要", "iPhone", "24年4月", "3～4月", "COVID-19", "covid-１９",
         "0.73%포인트", "대통령", "航天", "（公衆無線", "「不感地帯」", "%", "「", "、", "...", "①"]
SYNTAX = ['"震度5弱の地震"', '"presidential campaign"', '"new york"', '"test phrase"', "地震 -津波", "地震 津波",
          "津波 OR 警察", "震 OR apple", "警察 -無線 -震", '地震 -"震度5弱"', "核 地震", "核 OR 交付", "震 -の",
          "の -震 -apple", "気象庁 OR z", "地震 OR", "OR 地震", "交付 %", '"72%で" OR 震度',
          "地震 の", "地震 ア", "地震 -の", "地震 -ア"]
FOLDING = ["ＡＩ", "１０", "ｲﾝﾀｰﾈｯﾄ", "ﾊﾟｿｺﾝ", "パソコン", "カタカナ", "ｶﾀｶﾅ", "ＴＥＳＴ", "ｍｅｍｏ", "めも", "メモ",
           "ｹﾝｻｸ", "けんさく", "検索", "平成", "ss", "covid-19", "...", "１", "ａ"]


@pytest.mark.parametrize("query", ONE_CHAR + TWO_CHARS + THREE_PLUS + LATIN_DIGITS + MIXED + SYNTAX + FOLDING)
def test_search_finds_what_a_substring_scan_finds(corpus_store: Store, corpus_clips: list[Clip], query: str) -> None:
    assert found(corpus_store, query) == scan(corpus_clips, query)


def test_the_queries_are_not_vacuous(corpus_clips: list[Clip]) -> None:
    for queries in (ONE_CHAR, TWO_CHARS, THREE_PLUS, LATIN_DIGITS, MIXED, SYNTAX, FOLDING):
        hits = [q for q in queries if scan(corpus_clips, q)]
        assert len(hits) >= 0.6 * len(queries), queries
    assert all(scan(corpus_clips, q) for q in ["交付", "72%", "ＡＩ", "ｶﾀｶﾅ", "ﾊﾟｿｺﾝ", "１０", "核", "new york"])
    assert not scan(corpus_clips, "鬱")


@pytest.mark.parametrize(("a", "b"), [("ＡＩ", "ai"), ("ｶﾀｶﾅ", "カタカナ"), ("１０", "10"), ("ﾊﾟｿｺﾝ", "パソコン"),
                                      ("ＣＯＶＩＤ－１９", "covid-19"), ("㍻", "平成")])
def test_full_and_half_width_forms_find_the_same_clips(corpus_store: Store, a: str, b: str) -> None:
    assert found(corpus_store, a) == found(corpus_store, b)
    assert found(corpus_store, a)


def test_filters_narrow_the_results(corpus_store: Store, corpus_clips: list[Clip]) -> None:
    everything = scan(corpus_clips, "地震")
    tagged = {c.id for c in corpus_clips if "asahi" in c.tags}
    assert found(corpus_store, "地震", tag="asahi") == everything & tagged != set()
    outlet = next(c.outlet for c in corpus_clips if c.id in everything)
    assert found(corpus_store, "地震", outlet=outlet) == {
        c.id for c in corpus_clips if c.id in everything and outlet in (c.outlet, c.site_name)}
    since = {c.id for c in corpus_clips if c.id in everything and (c.published or "")[:10] >= "2025-01-01"}
    assert found(corpus_store, "地震", since="2025-01-01") == since
    assert found(corpus_store, "地震", status="dead") == set()


def test_results_beyond_one_ranking_window(corpus_store: Store, corpus_clips: list[Clip],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    for query in ["の", "地震", "72%", "核 OR apple", "の -震"]:
        assert found(corpus_store, query) == scan(corpus_clips, query)
    hits = corpus_store.search_hits("の", limit=7)
    assert len(hits) == 7


def test_limit_and_order(corpus_store: Store) -> None:
    hits = corpus_store.search_hits("地震", limit=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_ranking_prefers_more_and_title_matches_then_newest(store: Store) -> None:
    once = add(store, "ニュース", "長い記事。" * 50 + "地震があった。")
    many = add(store, "地震の速報", "地震。震源は。地震の規模は。")
    twin_a = add(store, "別件", "地震があった。")
    twin_b = add(store, "別件", "地震があった。")
    ids = [h.clip.id for h in store.search_hits("地震")]
    assert ids[0] == many and ids[-1] == once
    assert ids.index(twin_b) == ids.index(twin_a) - 1  # equal scores: newest first
    chars = [h.clip.id for h in store.search_hits("震")]
    assert chars[0] == many


def test_snippet_marks_the_match_in_the_original_text(store: Store) -> None:
    add(store, "題", "前置き。" * 40 + "新しいＡＩ技術と、ﾊﾟｿｺﾝの話。" + "後書き。" * 40)
    hit = store.search_hits("ai")[0]
    assert ("ＡＩ", True) in hit.snippet
    assert hit.snippet_text.startswith("…") and hit.snippet_text.endswith("…")
    assert len(hit.snippet_text) <= snippets.SNIPPET_CHARS + 2
    assert ("ﾊﾟｿｺﾝ", True) in store.search_hits("パソコン")[0].snippet
    marked = [t for t, m in store.search_hits('"ＡＩ技術と、" OR 後書き')[0].snippet if m]
    assert marked[0] in ("ＡＩ技術と、", "後書き")


def test_composing_ranges() -> None:
    """Every BMP character that can combine with the one before it once folded is in folding.COMPOSING, so fold()
    may map the other texts one character at a time."""
    seconds = set()
    for code in range(0x110000):
        decomposed = unicodedata.normalize("NFD", chr(code))
        seconds.update(decomposed[1:])
    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or folding.COMPOSING.match(char):
            continue
        for form in (char, unicodedata.normalize("NFKD", char),
                     unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char).casefold())):
            assert not form or (form[0] not in seconds and not unicodedata.combining(form[0])), hex(code)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=30) | st.text(ALPHABET + "\u3099\u0308한국ㄱㅏ", max_size=30))
def test_fold_is_nfkc_casefold(text: str) -> None:
    assert search.fold(text) == fold(text)


def test_parse_query() -> None:
    q = search.parse_query('地震 "震度 5弱" -津波 a OR ｂ -"x y" OR')
    assert [[t.text for t in g] for g in q.groups] == [["地震"], ["震度 5弱"], ["a", "b"]]
    assert [t.text for t in q.excluded] == ["津波", "x y"]
    assert search.parse_query("＂全角 の 引用符＂ “curly”").groups[0][0].text == "全角 の 引用符"
    assert search.parse_query("“curly”").groups[0][0].text == "“curly”"  # quotes in the text, not syntax
    for bad in ["", "  ", "-津波", "OR", '""']:
        with pytest.raises(ValueError):
            search.parse_query(bad)


def test_a_query_with_nothing_to_find_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError):
        store.search_hits("-津波")


# -- the index follows every write ------------------------------------------------------------------------------


def index_terms(conn: sqlite3.Connection) -> tuple[list[tuple[object, ...]], ...]:
    """Every (term, docs, occurrences) in both FTS tables: equal to a rebuild's only if every delete was exact."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_fts USING fts5vocab(main, search_fts, 'row')")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_chars USING fts5vocab(main, search_chars, 'row')")
    return (conn.execute("SELECT term, doc, cnt FROM temp.v_fts ORDER BY term").fetchall(),
            conn.execute("SELECT term, doc FROM temp.v_chars ORDER BY term").fetchall(),
            conn.execute("SELECT clip_id, digest FROM search_indexed ORDER BY clip_id").fetchall())


def test_index_follows_add_edit_tag_refresh_and_rm(store: Store) -> None:
    a = add(store, "小笠原の警察無線", "不感地帯が解消した。", tags=["警察"], note="メモ")
    b = add(store, "宮崎で震度5弱", "津波注意報。")
    assert found(store, "不感") == {a} and found(store, "警察") == {a} and found(store, "津波") == {b}

    store.update_clip(a, fields={"title": "新しい見出し", "note": "ﾒﾓ更新", "quote": ["引用の段落"]},
                      add_tags=["防災"], remove_tags=["警察"])
    assert found(store, "小笠原") == set() and found(store, "警察") == set()
    assert found(store, "見出し") == {a} and found(store, "メモ更新") == {a} and found(store, "防災") == {a}
    assert found(store, "引用") == {a} and found(store, "不感地帯") == {a}

    store.add_tags(b, ["地震"])
    store.add_tags(b, ["地震"])  # nothing changes
    assert found(store, "地震") == {b}

    store.refresh_clip(b, Article(title="宮崎で震度5弱", paragraphs=("高知にも1メートルの津波。",)),
                       _page("https://example.com/b"))
    assert found(store, "注意報") == set() and found(store, "高知") == {b} and found(store, "地震") == {b}

    store.delete_clip(b)
    assert found(store, "高知") == set() and found(store, "宮崎") == set()
    assert store.conn.execute("SELECT count(*) FROM search_indexed").fetchone()[0] == 1

    before = index_terms(store.conn)
    assert search.reindex(store.conn) == 1
    assert index_terms(store.conn) == before


def _page(url: str) -> Page:
    return Page(source=url, url=url, final_url=url, status=200, content_type="text/html", raw=b"<html></html>",
                text="<html></html>", encoding="utf-8", encoding_source="header", fetched_at="2025-01-01T00:00:00Z")


def test_index_after_many_edits_equals_a_rebuild(store: Store) -> None:
    ids = [add(store, f"見出し{i}", f"本文{i}は地震と津波の話。" * (i + 1), tags=[f"タグ{i % 3}"]) for i in range(12)]
    for i, cid in enumerate(ids):
        if i % 3 == 0:
            store.update_clip(cid, fields={"body": f"書き換えた本文{i}", "author": "記者"})
        if i % 4 == 1:
            store.update_clip(cid, add_tags=["追加"], remove_tags=[f"タグ{i % 3}"])
        if i % 5 == 2:
            store.delete_clip(cid)
    incremental = index_terms(store.conn)
    search.reindex(store.conn)
    assert index_terms(store.conn) == incremental


def test_reindex_repairs_an_index_edited_behind_its_back(store: Store) -> None:
    cid = add(store, "古い見出し", "本文")
    other = add(store, "別の見出し", "本文")
    store.conn.execute("UPDATE clips SET title = '新しい見出し' WHERE id = ?", (cid,))
    store.conn.commit()
    assert found(store, "新しい") == set()  # the index does not know yet
    assert found(store, "古い") == set()  # and never returns what the text no longer says
    store.update_clip(cid, fields={"note": "メモ"})  # the index cannot take the old text out: it leaves it alone
    store.update_clip(other, fields={"note": "メモ"})
    assert search.stale_clips(store.conn) == 1 and found(store, "メモ") == {other}
    result = runner.invoke(app, ["search", "見出し", "--db", store.path])
    assert result.exit_code == 0 and "1 clip(s) were changed outside clipper" in result.stderr
    result = runner.invoke(app, ["reindex", "--db", store.path])
    assert result.exit_code == 0, result.output
    assert "indexed 2 clip(s)" in result.stderr
    assert found(store, "新しい") == {cid} and found(store, "メモ") == {cid, other}
    assert search.stale_clips(store.conn) == 0


def test_edits_behind_the_index_never_corrupt_it(store: Store) -> None:
    """Hooked and unhooked writes interleaved (FTS5 given wrong tokens to delete would corrupt its index): every
    search keeps working, never returns a clip that does not match, and a reindex makes it exact again."""
    rnd = random.Random(7)
    words = ["地震", "津波", "警察", "交付", "ai", "核", "の"]
    ids: list[int] = []
    for step in range(300):
        op = rnd.random()
        text = "".join(rnd.choices(words, k=4))
        if op < 0.3 or not ids:
            ids.append(add(store, text, text))
        elif op < 0.5:
            store.update_clip(rnd.choice(ids), fields={"body": text}, add_tags=[rnd.choice(words)])
        elif op < 0.6:
            store.delete_clip(cid := rnd.choice(ids))
            ids.remove(cid)
        elif op < 0.7:  # behind the store's back
            store.conn.execute("UPDATE clips SET body = ? WHERE id = ?", (text, rnd.choice(ids)))
            store.conn.commit()
        elif op < 0.75:
            store.conn.execute("DELETE FROM clips WHERE id = ?", (cid := rnd.choice(ids),))
            store.conn.commit()
            ids.remove(cid)
        else:
            query = rnd.choice(words)
            assert found(store, query) <= scan(store.list_clips(), query)
        if step % 50 == 0:
            store.conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            store.conn.commit()
    search.reindex(store.conn)
    clips = store.list_clips()
    for query in words:
        assert found(store, query) == scan(clips, query)


def test_old_database_with_clips_is_indexed_when_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    m001_initial(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.executemany(
        "INSERT INTO clips (id, title, body, outlet, note, added_at, updated_at) VALUES (?,?,?,?,?,?,?)",
        [(1, "自治体の72%で交付遅れ解消", "マイナンバーカード", "共同", None, "2016-01-01", "2016-01-01"),
         (2, "ＡＩの話", "ｶﾀｶﾅ", "産経", "メモ", "2016-01-02", "2016-01-02")])
    conn.execute("INSERT INTO tags (clip_id, tag) VALUES (2, '人工知能')")
    conn.commit()
    conn.close()
    with open_db(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 2
        assert found(store, "交付") == {1} and found(store, "ai") == {2} and found(store, "カタカナ") == {2}
        assert found(store, "人工知能") == {2} and found(store, "共同") == {1} and found(store, "メモ") == {2}
        add(store, "新しい交付")
        assert len(found(store, "交付")) == 2


def test_blank_database_has_an_empty_index_and_no_custom_sql(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    with open_db(path) as store:
        assert store.search_hits("交付") == []
        add(store, "交付遅れ")
    conn = sqlite3.connect(path)  # a plain connection, as Datasette or the sqlite3 shell would open it
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view') AND sql LIKE "
                        "'%search%'").fetchone()[0] == 0
    assert conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH '\"交付\"'").fetchall() == [(1,)]


# -- property: any piece of stored text is found -----------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_substring_of_stored_text_finds_its_clip(corpus_store: Store, corpus_clips: list[Clip],
                                                     data: st.DataObject) -> None:
    clip = data.draw(st.sampled_from(corpus_clips))
    text = data.draw(st.sampled_from(fields(clip)))
    size = data.draw(st.integers(1, 8))
    start = data.draw(st.integers(0, max(0, len(text) - size)))
    piece = text[start : start + size].strip()
    if not piece or '"' in piece:
        return
    ids = found(corpus_store, f'"{piece}"')
    assert clip.id in ids
    assert ids == {c.id for c in corpus_clips if has(c, piece)}


@pytest.fixture(scope="module")
def random_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_db(tmp_path_factory.mktemp("random") / "clips.db") as store:
        yield store


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(ALPHABET, min_size=1, max_size=40), data=st.data())
def test_random_text_is_found_exactly(random_store: Store, body: str, data: st.DataObject) -> None:
    cid = add(random_store, "", body)
    clips = random_store.list_clips()
    folded = fold(body)
    if not folded:
        return
    start = data.draw(st.integers(0, len(folded) - 1))
    piece = folded[start : start + data.draw(st.integers(1, 6))].strip()
    negative = data.draw(st.booleans())
    if not piece:
        return
    query = f'"{piece}"' if not negative else f'"{piece}" -"{piece[:1]}"'
    expected = {c.id for c in clips if has(c, piece) and not (negative and has(c, piece[:1]))}
    assert found(random_store, query) == expected
    if not negative:
        assert cid in expected


# -- the command line ---------------------------------------------------------------------------------------------


def test_cli_search_json(store: Store) -> None:
    add_fixture_clips(store)
    result = runner.invoke(app, ["search", "交付", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(set(r) == {"id", "title", "outlet", "published", "snippet", "score"} for r in rows)
    assert all("交付" in r["snippet"] for r in rows)
    assert rows[0]["title"] == "自治体の72%で交付遅れ解消"

    result = runner.invoke(app, ["search", "地震 -津波", "--outlet", "朝日", "--json", "--limit", "1"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) <= 1

    result = runner.invoke(app, ["search", "ｶﾀｶﾅ"])  # not a terminal: plain lines, the snippet under each
    assert result.exit_code == 0
    assert "ＡＩ時代の１０大ニュース" in result.stdout and "ｶﾀｶﾅとﾊﾟｿｺﾝ" in result.stdout

    result = runner.invoke(app, ["search", "まったく無い言葉"])
    assert result.exit_code == 0 and result.stdout == "" and "no clips match" in result.stderr

    result = runner.invoke(app, ["search", "--", "-津波"])
    assert result.exit_code == 1 and "nothing to search for" in result.stderr


def test_cli_reindex(store: Store) -> None:
    add(store, "交付遅れ")
    result = runner.invoke(app, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 clip(s)" in result.stderr
    assert found(store, "交付") == {1}
