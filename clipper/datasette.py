"""`clipper datasette`: browse the database in Datasette with clipper's metadata (Datasette is not a dependency:
the user installs it). The metadata hides the search index's tables, makes `published` sortable (newest first by
default), and offers a canned query that searches through clipper's bigram index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

INDEX_TABLES = ("search_fts", "search_chars", "search_indexed", "search_stale")

# A word of two or more characters as its phrase of bigrams, the way clipper.search indexes it: 交付遅れ is
# "交付 付遅 遅れ". ASCII is lower-cased; other width and case forms are matched as typed (clipper search folds them).
SEARCH_SQL = """\
with recursive grams(i, gram) as (
  select 1, substr(lower(:word), 1, 2)
  union all
  select i + 1, substr(lower(:word), i + 1, 2) from grams where i + 1 < length(:word)
)
select id, title, outlet, published, url
from clips
where length(:word) >= 2 and id in (
  select rowid from search_fts
  where search_fts match '"' || (select group_concat(gram, ' ') from grams) || '"'
)
order by published desc
limit 100"""


def metadata(db: str | Path) -> dict[str, Any]:
    name = Path(db).stem
    tables: dict[str, Any] = {t: {"hidden": True} for t in INDEX_TABLES}
    tables["clips"] = {
        "sortable_columns": ["id", "published", "added_at", "outlet", "title", "status", "checked_at"],
        "sort_desc": "published",
        "label_column": "title",
    }
    return {
        "title": "clipper",
        "databases": {
            name: {
                "tables": tables,
                "queries": {
                    "search": {
                        "title": "Search clips (clipper's index)",
                        "description": "Clips whose title, text, quote, outlet, author, tags or note contain a word "
                                       "of two or more characters, newest first. `clipper search` also folds "
                                       "width and case (ＡＩ = AI) and takes several words, -word and OR.",
                        "sql": SEARCH_SQL,
                    },
                },
            },
        },
    }
