"""Full-text search that works for Japanese: a bigram index in SQLite FTS5, checked against the text itself.

SQLite's own tokenizers fail Japanese: ``unicode61`` makes one token of a whole run of kana and kanji, so 交付 is
not found in 「自治体の72%で交付遅れ解消」, and ``trigram`` cannot find words shorter than three characters, which
most Japanese words are. So the text is tokenised here, in Python, and FTS5 only stores the tokens:

* **Folding** (clipper.folding): every text and every query is compared NFKC-normalised and case-folded, so
  ``ＡＩ`` = ``AI`` = ``ai``, ``ｶﾀｶﾅ`` = ``カタカナ``, ``１０`` = ``10``.
* **Runs.** A run is a maximal stretch of letters and digits of any script (``str.isalnum``); everything else
  (punctuation, symbols, spaces) separates runs and is not indexed.
* **search_fts** (FTS5, contentless, ``tokenize='ascii'`` so the space-separated tokens pass through unchanged;
  columns body, title, other): every run ``r`` becomes its overlapping bigrams plus its last character alone,
  ``r[i:i+2] for i in range(len(r))``: 交付遅れ -> 交付 付遅 遅れ れ. A word of two or more characters is the
  phrase of its bigrams (交付遅 -> "交付 付遅"); consecutive bigrams can only come from one run (a run's last
  token is one character), so the phrase matches exactly the clips that contain the word. Latin words and numbers
  are treated the same way, so ``ai`` finds "said" and ``10`` finds "2010": a search is a substring search, like
  the ``LIKE`` search it replaces. Ranking is FTS5's bm25, the title weighted up.
* **search_chars** (FTS5, contentless, ``detail=none``, so rowids only: ~0.2x the text): each clip's distinct
  characters, plus "tf bucket" tokens (``X3``, ``X9``, ``X27`` when X occurs at least 3, 9, 27 times). A
  one-character term is looked up here (a prefix query ``X*`` on the bigrams would merge the doclists of every
  bigram starting with X: 300 ms for の in 100,000 clips), and ranked by its buckets.
* **search_indexed** (clip_id, digest of the indexed text) and **search_stale** (clip_id): which clips are
  indexed, with what text; and which hold a text no longer known.

Contentless FTS5 (before SQLite 3.43) deletes a row by being given its tokens again, and given other tokens it
corrupts its index. So the store calls :func:`reindexing` around an edit (it reads the text before and after,
inside the edit's write transaction), :func:`index_clip` after an insert and :func:`unindex_clip` before a delete,
and a delete happens only when the text read back has the digest that was indexed. A clip changed behind the
store's back (in Datasette, say) is left as indexed and listed in search_stale, so ``clipper search`` can say that
``clipper reindex`` is due: until then its old tokens only add candidates, which the check below drops, and its new
text is not found. No custom SQL function, trigger or view is involved, so Datasette and the sqlite3 shell open
the file as it is.

**Queries.** Words separated by spaces must all match; ``"a phrase"`` matches as written; ``-word`` excludes;
``a OR b`` matches either (OR binds tighter than the implied AND). Each term becomes an FTS5 expression matching
every clip that contains it (a phrase over search_fts, a character in search_chars, or both; in ``x OR word`` the
word as all its characters in search_chars), and each candidate is then checked against its fields (title, body,
each quote paragraph, outlet, site name, author, each tag, note): a term found as typed needs no folding; otherwise
the folded fields decide. So the results are exactly what a substring scan of the folded fields finds. A term with
no letters or digits (``%``) cannot use the index: it is only checked, and a query made of such terms alone scans
the clips.

**Ranking at scale.** bm25 costs 4-5 microseconds per matching clip, so ranking a word found in 40,000 of
100,000 clips would take 150-200 ms. Candidates are therefore taken newest-added first in windows of
:data:`RANK_WINDOW` clips, and each window is ranked by bm25 (equal scores: newest first): when a query matches at
most ``RANK_WINDOW`` clips the ranking is exact; beyond that, the best of the most recent ``RANK_WINDOW`` matches
come first, then the best of the next window. ``python bench/search.py`` measures all of this.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import re
import sqlite3
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from clipper.folding import COMPOSING, FOLD_TABLE, fold
from clipper.models import Clip
from clipper.snippets import make_snippet

__all__ = [
    "RANK_WINDOW",
    "Query",
    "SearchHit",
    "Term",
    "clip_texts",
    "fold",
    "index_clip",
    "index_clips",
    "parse_query",
    "rebuild_index",
    "reindex",
    "reindexing",
    "run_search",
    "stale_clips",
    "unindex_clip",
]

#: Candidates are ranked by bm25 in windows of this many clips, newest-added first (see the module docstring).
RANK_WINDOW = 2_000
#: bm25 column weights for search_fts(body, title, other).
_WEIGHTS = "1.0, 4.0, 2.0"
#: A character occurring at least this many times in a clip also gets a "tf bucket" token in search_chars.
_BUCKETS = (3, 9, 27)
_BATCH = 500
_BATCH_CHARS = 1_000_000
#: How many of the newest clips tell whether a character is common (in half of them or more).
_COMMON_SAMPLE = 2_000

_RUN = re.compile(r"[^\W_]+")
_QUERY_LEX = re.compile(r'(-?)"([^"]*)"?|(\S+)')

_SCHEMA = """
CREATE VIRTUAL TABLE search_fts USING fts5(body, title, other, content='', tokenize='ascii');
CREATE VIRTUAL TABLE search_chars USING fts5(chars, content='', tokenize='ascii', detail='none');
CREATE TABLE search_indexed (clip_id INTEGER PRIMARY KEY, digest BLOB NOT NULL);
CREATE TABLE search_stale (clip_id INTEGER PRIMARY KEY);
"""


# -- what is indexed ---------------------------------------------------------------------------------------------


def _texts(title: str | None, body: str | None, quote: Iterable[object] | None, outlet: str | None,
           site_name: str | None, author: str | None, tags: Iterable[str], note: str | None) -> list[str]:
    others = [p for p in (quote or ()) if isinstance(p, str)]
    others += [t for t in (outlet, site_name, author, *tags, note) if t]
    return [title or "", body or "", *others]


def clip_texts(clip: Clip) -> list[str]:
    """The fields a search looks in, as stored: title, body, quote paragraphs, outlet, site name, author, tags,
    note."""
    return _texts(clip.title, clip.body, clip.quote, clip.outlet, clip.site_name, clip.author, clip.tags, clip.note)


@dataclass(frozen=True)
class _Doc:
    """A clip's folded text as indexed: the three search_fts columns."""

    title: str
    body: str
    other: str

    @property
    def digest(self) -> bytes:
        return hashlib.blake2b(f"{self.title}\0{self.body}\0{self.other}".encode(), digest_size=8).digest()


def _grams(folded: str) -> str:
    """Each run of word characters as its overlapping pairs (``abc`` -> ``ab bc c``), separated by spaces. A long
    run is paired by interleaving its code points in an array: a list of one string per pair took 60 bytes a
    character (a 3M-character body: 280 MB)."""
    return " ".join([_long_run_grams(run) if len(run) > 64 else " ".join([run[i: i + 2] for i in range(len(run))])
                     for run in _RUN.findall(folded)])


_CODE = next(code for code in "IL" if array(code).itemsize == 4)


def _long_run_grams(run: str) -> str:
    """``ab bc c`` as ``ab bc c `` (pairs, each followed by a space, then the last character and two spaces): the
    same tokens, in three passes over the run's code points."""
    codes = array(_CODE)
    codes.frombytes(run.encode("utf-32-le"))
    out = array(_CODE, [32]) * (3 * len(codes))
    out[0::3] = codes
    out[1::3] = codes[1:] + array(_CODE, [32])
    return out.tobytes().decode("utf-32-le").rstrip(" ")


def _chars(doc: _Doc) -> str:
    counts = Counter("".join(_RUN.findall(f"{doc.title} {doc.body} {doc.other}")))
    tokens = []
    for char, n in counts.items():
        tokens.append(char)
        tokens.extend(char + str(b) for b in _BUCKETS if n >= b)
    return " ".join(tokens)


def _quote_list(text: str | None) -> list[Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _load_docs(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, _Doc]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    tags: dict[int, list[str]] = {}
    for cid, tag in conn.execute(f"SELECT clip_id, tag FROM tags WHERE clip_id IN ({marks}) ORDER BY tag", ids):
        tags.setdefault(cid, []).append(tag)
    docs = {}
    sql = f"SELECT id, title, body, quote, outlet, site_name, author, note FROM clips WHERE id IN ({marks})"
    for r in conn.execute(sql, ids):
        title, body, *others = (fold(t) for t in _texts(r[1], r[2], _quote_list(r[3]), r[4], r[5], r[6],
                                                        tags.get(r[0], ()), r[7]))
        docs[r[0]] = _Doc(title, body, "\n".join(others))
    return docs


# -- keeping the index in step -----------------------------------------------------------------------------------


def _write(conn: sqlite3.Connection, docs: dict[int, _Doc]) -> None:
    conn.executemany("INSERT INTO search_fts (rowid, body, title, other) VALUES (?, ?, ?, ?)",
                     [(cid, _grams(d.body), _grams(d.title), _grams(d.other)) for cid, d in docs.items()])
    conn.executemany("INSERT INTO search_chars (rowid, chars) VALUES (?, ?)",
                     [(cid, _chars(d)) for cid, d in docs.items()])
    conn.executemany("INSERT OR REPLACE INTO search_indexed (clip_id, digest) VALUES (?, ?)",
                     [(cid, d.digest) for cid, d in docs.items()])


def _erase(conn: sqlite3.Connection, clip_id: int, doc: _Doc) -> None:
    """Take a clip's tokens out of the index. `doc` must be exactly what was indexed (its digest checked): FTS5
    given other tokens for a contentless row corrupts its index ("database disk image is malformed")."""
    conn.execute("INSERT INTO search_fts (search_fts, rowid, body, title, other) VALUES ('delete', ?, ?, ?, ?)",
                 (clip_id, _grams(doc.body), _grams(doc.title), _grams(doc.other)))
    conn.execute("INSERT INTO search_chars (search_chars, rowid, chars) VALUES ('delete', ?, ?)",
                 (clip_id, _chars(doc)))
    conn.execute("DELETE FROM search_indexed WHERE clip_id = ?", (clip_id,))


def _state(conn: sqlite3.Connection, clip_id: int) -> bytes | None:
    """The digest of what is indexed for a clip; None when nothing is; b"" when the index holds a text no longer
    known (the row was changed, or deleted, behind the store's back), which only a rebuild can remove."""
    if conn.execute("SELECT 1 FROM search_stale WHERE clip_id = ?", (clip_id,)).fetchone():
        return b""
    row = conn.execute("SELECT digest FROM search_indexed WHERE clip_id = ?", (clip_id,)).fetchone()
    return bytes(row[0]) if row else None


def _replace(conn: sqlite3.Connection, clip_id: int, old: _Doc | None, new: _Doc | None) -> None:
    """Make the index hold `new` (None: nothing) for a clip whose indexed text was `old` (None: not indexed)."""
    state = _state(conn, clip_id)
    if state is None:
        if new is not None:
            _write(conn, {clip_id: new})
    elif old is not None and state == old.digest:
        if new is not None and new.digest == old.digest:
            return
        _erase(conn, clip_id, old)
        if new is not None:
            _write(conn, {clip_id: new})
    else:  # the indexed text is unknown: leave it, and say so, until `clipper reindex`
        conn.execute("INSERT OR IGNORE INTO search_stale (clip_id) VALUES (?)", (clip_id,))


def index_clip(conn: sqlite3.Connection, clip_id: int) -> None:
    """Index a clip just inserted (call inside the inserting transaction)."""
    _replace(conn, clip_id, None, _load_docs(conn, [clip_id]).get(clip_id))


def unindex_clip(conn: sqlite3.Connection, clip_id: int) -> None:
    """Take a clip out of the index. Call before deleting its row, in the same transaction."""
    _replace(conn, clip_id, _load_docs(conn, [clip_id]).get(clip_id), None)


@contextlib.contextmanager
def reindexing(conn: sqlite3.Connection, clip_id: int) -> Iterator[None]:
    """Wrap an edit of a clip's fields or tags, inside its write transaction: the index follows the edit."""
    old = _load_docs(conn, [clip_id]).get(clip_id)
    yield
    _replace(conn, clip_id, old, _load_docs(conn, [clip_id]).get(clip_id))


def stale_clips(conn: sqlite3.Connection) -> int:
    """How many clips the index holds an unknown (outdated) text for, after edits made outside clipper."""
    return int(conn.execute("SELECT count(*) FROM search_stale").fetchone()[0])


def outdated_clips(conn: sqlite3.Connection) -> int:
    """How many clips are indexed with a text other than their own (changed by another tool, or listed stale):
    every clip's text is read and its digest compared, so this is for `clipper info`, not for every search."""
    outdated, last = stale_clips(conn), 0
    while ids := [r[0] for r in conn.execute("SELECT id FROM clips WHERE id > ? ORDER BY id LIMIT ?",
                                             (last, _BATCH))]:
        docs = _load_docs(conn, ids)
        marks = ",".join("?" * len(ids))
        indexed = dict(conn.execute(f"SELECT clip_id, digest FROM search_indexed WHERE clip_id IN ({marks}) AND "
                                    "clip_id NOT IN (SELECT clip_id FROM search_stale)", ids).fetchall())
        outdated += sum(1 for cid, digest in indexed.items() if cid in docs and docs[cid].digest != digest)
        last = ids[-1]
    return outdated


def index_clips(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Index many clips that are not indexed yet (bulk inserts), in the caller's transaction."""
    for start in range(0, len(ids), _BATCH):
        _write(conn, _load_docs(conn, ids[start : start + _BATCH]))


def rebuild_index(conn: sqlite3.Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """(Re)create the search tables and index every clip, in the caller's transaction. Returns the clip count."""
    for table in ("search_fts", "search_chars", "search_indexed", "search_stale"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _SCHEMA.strip().split(";\n"):
        conn.execute(statement)
    total = int(conn.execute("SELECT count(*) FROM clips").fetchone()[0])
    done, last = 0, 0
    while True:
        # a batch of at most _BATCH clips and (beyond its first clip) _BATCH_CHARS characters of text: the tokens
        # of a batch are all in memory at once (~100 bytes a character)
        ids: list[int] = []
        size = 0
        for cid, chars in conn.execute(
                "SELECT id, length(body) + coalesce(length(title), 0) + coalesce(length(quote), 0)"
                " + coalesce(length(note), 0) FROM clips WHERE id > ? ORDER BY id LIMIT ?", (last, _BATCH)):
            if ids and size + (chars or 0) > _BATCH_CHARS:
                break
            ids.append(cid)
            size += chars or 0
        if not ids:
            break
        _write(conn, _load_docs(conn, ids))
        done, last = done + len(ids), ids[-1]
        if progress:
            progress(done, total)
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO search_chars (search_chars) VALUES ('optimize')")
    return done


def reindex(conn: sqlite3.Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index in one transaction (`clipper reindex`). Returns how many clips were indexed."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        n = rebuild_index(conn, progress)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return n


# -- queries -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One thing to find, folded: a word, or the inside of a "phrase"."""

    text: str

    @property
    def kind(self) -> Literal["char", "gram", "scan"]:
        runs = _RUN.findall(self.text)
        if not runs:
            return "scan"
        return "char" if runs == [self.text] and len(self.text) == 1 else "gram"

    @property
    def exact(self) -> bool:
        """Whether the index alone decides this term (one run of letters/digits, nothing else)."""
        return _RUN.fullmatch(self.text) is not None

    @functools.cached_property
    def plain(self) -> bool:
        """Whether the term's characters fold to themselves and cannot combine with a neighbour: then finding it
        as typed in a text (not followed by a combining character) means it is in the folded text too."""
        return COMPOSING.search(self.text) is None and self.text.translate(FOLD_TABLE) == self.text

    def in_fields(self, fields: Sequence[str]) -> bool:
        return any(self.text in f for f in fields)

    def typed_in(self, texts: Sequence[str]) -> bool:
        """Found as typed (only meaningful for a `plain` term)."""
        for text in texts:
            start = text.find(self.text)
            while start >= 0:
                end = start + len(self.text)
                if end == len(text) or not COMPOSING.match(text, end):
                    return True
                start = text.find(self.text, start + 1)
        return False


@dataclass(frozen=True)
class Query:
    """Every group must match (a group matches when any of its terms does); no excluded term may match."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    def matches(self, texts: Sequence[str]) -> bool:
        """Whether a clip with these fields (as stored) matches. A term found as typed needs no folding; for the
        rest the fields are folded, once."""
        folded: list[str] = []

        def contains(term: Term) -> bool:
            if term.plain and term.typed_in(texts):
                return True
            if not folded:
                folded.extend(fold(t) for t in texts)
            return term.in_fields(folded)

        return all(any(contains(t) for t in g) for g in self.groups) and not any(contains(t) for t in self.excluded)

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


def parse_query(text: str) -> Query:
    """Parse `a b "a phrase" -excluded x OR y`. Raises ValueError when nothing is left to find."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join = False
    for m in _QUERY_LEX.finditer(unicodedata.normalize("NFKC", text)):
        minus, quoted, word = m.groups()
        if word == "OR":
            join = bool(groups)
            continue
        negative = bool(minus) if quoted is not None else (word.startswith("-") and len(word) > 1)
        term = Term(fold(quoted if quoted is not None else word[1:] if negative else word))
        if not term.text:
            continue
        if negative:
            excluded.append(term)
        elif join:
            groups[-1].append(term)
        else:
            groups.append([term])
        join = False
    if not groups:
        raise ValueError("nothing to search for" + (" (only excluded words)" if excluded else ""))
    return Query(tuple(tuple(g) for g in groups), tuple(excluded))


def _fts_string(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def _gram_tokens(text: str) -> tuple[list[str], str | None]:
    """The search_fts tokens that every clip containing `text` has, consecutively: each run's bigrams, and its
    last character when a separator follows it in `text` (the clip's run ends there too). Plus a last run of one
    character, which a clip's run may go on from (so it is not a token of its own there)."""
    tokens: list[str] = []
    last = None
    for m in _RUN.finditer(text):
        run = m.group()
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        if m.end() < len(text):
            tokens.append(run[-1])
        elif len(run) == 1:
            last = run
    return tokens, last


def _chars_expr(text: str) -> str:
    """An FTS5 expression over search_chars matching every clip that contains `text` (and more)."""
    return "(" + " AND ".join(_fts_string([c]) for c in dict.fromkeys("".join(_RUN.findall(text)))) + ")"


def _gram_parts(text: str) -> tuple[str | None, str | None]:
    """An FTS5 phrase over search_fts matching every clip that contains `text` (exactly those, when `text` is one
    run of two or more characters), and a last one-character run to look for in search_chars: as a prefix query
    (`"… x" *`) it would merge the doclists of every bigram that starts with x."""
    tokens, last = _gram_tokens(text)
    return (_fts_string(tokens) if tokens else None), last


@dataclass(frozen=True)
class _Plan:
    driver: Literal["grams", "chars", "scan"]
    match: str = ""  # the MATCH expression on the driving table
    char_groups: tuple[str, ...] = ()  # grams driver: also in search_chars MATCH each of these...
    char_out: tuple[str, ...] = ()  # ...and none of these
    grams_out: str = ""  # chars driver: not in search_fts MATCH this
    tier_chars: tuple[str, ...] = ()  # chars driver: characters whose tf buckets rank the results

    def without_common_chars(self, conn: sqlite3.Connection) -> _Plan:
        """Drop the character groups most clips match (of の, at 100,000 clips, filtering by its rowids costs
        15 ms; checking the candidates' text costs nothing, since nearly all have it)."""
        if self.driver != "grams" or not self.char_groups:
            return self
        top = conn.execute("SELECT max(clip_id) FROM search_indexed").fetchone()[0] or 0
        sample = min(top, _COMMON_SAMPLE)
        keep = tuple(g for g in self.char_groups if 2 * conn.execute(
            "SELECT count(*) FROM search_chars WHERE search_chars MATCH ? AND rowid > ?", (g, top - sample)
        ).fetchone()[0] < sample)
        return dataclasses.replace(self, char_groups=keep)


def _and_not(parts: Sequence[str], excluded: Sequence[str]) -> str:
    expr = " AND ".join(f"({p})" for p in parts)
    if excluded:  # one flat NOT (a OR b ...): nesting a NOT per word overflowed fts5's parser stack at ~96 words
        expr = f"({expr}) NOT (" + " OR ".join(f"({e})" for e in excluded) + ")"
    return expr


def _plan(query: Query) -> _Plan:
    gram_groups: list[str] = []
    char_groups: list[str] = []
    tier: list[str] = []
    for group in query.groups:
        if any(t.kind == "scan" for t in group):
            continue  # cannot narrow with the index; checked on the text
        parts = [_gram_parts(t.text) for t in group]
        if all(phrase is None for phrase, _ in parts):  # one character each
            char_groups.append(" OR ".join(_fts_string([char]) for _, char in parts if char))
            tier.extend(char for _, char in parts if char)
        elif len(parts) == 1:  # a phrase, and maybe a last character the clip's run goes on from
            phrase, char = parts[0]
            gram_groups.append(phrase or "")
            if char:
                char_groups.append(_fts_string([char]))
        elif all(char is None for _, char in parts):
            gram_groups.append(" OR ".join(phrase or "" for phrase, _ in parts))
        else:  # one character OR a longer word: in search_chars, the word as all its characters (a superset)
            char_groups.append(" OR ".join(_chars_expr(t.text) for t in group))
            tier.extend(char for phrase, char in parts if phrase is None and char)
    gram_out = [_fts_string(_gram_tokens(t.text)[0]) for t in query.excluded if t.kind == "gram" and t.exact]
    char_out = [_fts_string([t.text]) for t in query.excluded if t.kind == "char"]
    if gram_groups:
        return _Plan("grams", _and_not(gram_groups, gram_out), char_groups=tuple(char_groups),
                     char_out=tuple(char_out))
    if char_groups:
        return _Plan("chars", _and_not(char_groups, char_out), grams_out=" OR ".join(gram_out),
                     tier_chars=tuple(dict.fromkeys(tier)))
    return _Plan("scan")


def _window(conn: sqlite3.Connection, plan: _Plan, where: Sequence[str], params: Sequence[Any],
            before: int | None) -> list[tuple[int, float]]:
    """The next RANK_WINDOW candidates (newest-added first, ids below `before`), each with a raw score."""
    table = {"grams": "search_fts", "chars": "search_chars", "scan": "clips"}[plan.driver]
    rowid = "id" if plan.driver == "scan" else "rowid"
    score = f"-bm25(search_fts, {_WEIGHTS})" if plan.driver == "grams" else "0.0"
    conds: list[str] = []
    args: list[Any] = []
    if plan.driver != "scan":
        conds.append(f"{table} MATCH ?")
        args.append(plan.match)
    if before is not None:
        conds.append(f"{rowid} < ?")
        args.append(before)
    if where:
        if plan.driver == "scan":
            conds.extend(where)
        else:
            conds.append(f"EXISTS (SELECT 1 FROM clips WHERE clips.id = {table}.rowid AND {' AND '.join(where)})")
        args.extend(params)
    chars_in = _and_not(plan.char_groups, plan.char_out) if plan.char_groups else ""
    chars_out = " OR ".join(plan.char_out) if plan.driver == "grams" and not plan.char_groups else ""
    for sub, table2, op in ((chars_in, "search_chars", "IN"), (chars_out, "search_chars", "NOT IN"),
                            (plan.grams_out, "search_fts", "NOT IN")):
        if sub:
            conds.append(f"+{rowid} {op} (SELECT rowid FROM {table2} WHERE {table2} MATCH ?)")
            args.append(sub)
    sql = f"SELECT {rowid}, {score} FROM {table}"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    sql += f" ORDER BY {rowid} DESC LIMIT {RANK_WINDOW}"
    return [(int(r[0]), float(r[1])) for r in conn.execute(sql, args)]


def _tier_scores(conn: sqlite3.Connection, plan: _Plan, rows: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Score one-character searches by how often the characters occur (their tf-bucket tokens)."""
    if not rows:
        return rows
    low, high = rows[-1][0], rows[0][0]
    score: Counter[int] = Counter()
    for char in plan.tier_chars:
        for bucket in _BUCKETS:
            score.update(r[0] for r in conn.execute(
                "SELECT rowid FROM search_chars WHERE search_chars MATCH ? AND rowid BETWEEN ? AND ?",
                (_fts_string([char + str(bucket)]), low, high)))
    return [(cid, 1.0 + score[cid]) for cid, _ in rows]


def _candidates(conn: sqlite3.Connection, plan: _Plan, where: Sequence[str],
                params: Sequence[Any]) -> Iterator[tuple[int, float]]:
    """Candidate clip ids, best first within each window of RANK_WINDOW newest-added candidates."""
    before: int | None = None
    while True:
        rows = _window(conn, plan, where, params, before)
        if not rows:
            return
        if plan.driver == "chars":
            rows = _tier_scores(conn, plan, rows)
        yield from sorted(rows, key=lambda r: -r[1])  # stable: equal scores stay newest first
        if len(rows) < RANK_WINDOW:
            return
        before = rows[-1][0]


# -- results -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    """A clip that matches, its score (higher is better; comparable within one search) and a snippet: pieces of
    the clip's text, each marked True where it is a match."""

    clip: Clip
    score: float
    snippet: tuple[tuple[str, bool], ...]

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet)

    def to_json(self) -> dict[str, object]:
        return {"id": self.clip.id, "title": self.clip.title, "outlet": self.clip.outlet,
                "published": self.clip.published, "snippet": self.snippet_text, "score": round(self.score, 4)}


def run_search(conn: sqlite3.Connection, text: str, *, load: Callable[[Sequence[int]], list[Clip]],
               where: Sequence[str] = (), params: Sequence[Any] = (), limit: int | None = 50) -> list[SearchHit]:
    """Search the clips. `where`/`params` are extra SQL conditions on `clips` (the store's filters); `load` turns
    ids into Clips. Raises ValueError for a query with nothing to find."""
    query = parse_query(text)
    plan = _plan(query).without_common_chars(conn)
    hits: list[SearchHit] = []
    chunk = max(20, min(limit or 200, 200))
    pending: list[tuple[int, float]] = []

    terms = [t.text for t in query.terms]

    def check(batch: list[tuple[int, float]]) -> bool:
        """Keep the candidates that really match (the index may have gone stale); True when enough are kept."""
        clips = {c.id: c for c in load([cid for cid, _ in batch])}
        for cid, score in batch:
            clip = clips.get(cid)
            if clip is None:
                continue
            title, body, *others = texts = clip_texts(clip)
            if query.matches(texts):
                hits.append(SearchHit(clip, score, make_snippet([body, title, *others], terms)))
                if limit and len(hits) >= limit:
                    return True
        return False

    for candidate in _candidates(conn, plan, where, params):
        pending.append(candidate)
        if len(pending) >= chunk:
            if check(pending):
                return hits
            pending = []
    if pending:
        check(pending)
    return hits
