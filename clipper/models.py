"""Small frozen dataclasses passed between the stages (fetch -> extract -> store -> post/check)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The line that marks a cut in a quote, as writers type it.
CUT_LINE = "・・・(略)・・・"


@dataclass(frozen=True)
class Page:
    """A fetched (or read-from-disk) page: raw bytes plus how they were obtained and decoded."""

    source: str  # the URL or file path as the user gave it
    url: str | None  # the address the page is from (request URL, or --url / canonical for files)
    final_url: str | None  # after redirects
    status: int | None
    content_type: str | None
    raw: bytes
    text: str
    encoding: str  # the codec actually used to decode `raw`
    encoding_source: str  # "header", "bom", "meta", "detected", "default"
    fetched_at: str  # ISO 8601 UTC
    warnings: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # the response headers as received (empty for a saved file)
    # A copy from a web archive: the snapshot's address (its original-bytes `id_` form) and capture time (ISO UTC).
    snapshot_url: str | None = None
    snapshot_at: str | None = None


# Characters of a clip's text (the body): what a restore accepts (clipper.rows) and extraction keeps. Everything
# searchable is indexed at ~100 bytes a character while a restore runs; a news article is rarely a tenth of it.
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Article:
    """What extraction finds in one page. Any field may be unknown (None / empty)."""

    title: str | None = None
    outlet: str | None = None  # short credit as writers quote it (産経, 共同...), else the site name
    site_name: str | None = None  # the site's full name (産経ニュース)
    published: str | None = None  # ISO 8601: YYYY-MM-DD or date-time with offset; None when unknown
    published_source: str | None = None  # "jsonld", "meta", "time", "text", "url", "scan" (a guess)
    author: str | None = None
    canonical_url: str | None = None
    paragraphs: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()  # the outlet's own summary bullets (livedoor's ざっくり言うと), if any
    lang: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Clip:
    """A stored clip, as read back from the database."""

    id: int
    url: str | None  # the address the clip was made from (None for a clip imported from a post without a link)
    final_url: str | None
    canonical_url: str | None
    title: str | None
    outlet: str | None
    site_name: str | None
    published: str | None
    published_source: str | None
    author: str | None
    body: str
    tags: tuple[str, ...]
    note: str | None
    added_at: str
    encoding: str | None
    # The quote used in post drafts: paragraphs in order, a None entry marks a cut (略). None = default quote.
    quote: tuple[str | None, ...] | None = None
    # Summary points for the ★《…/…》 line. Empty = default (title + first sentence).
    summary: tuple[str, ...] = ()
    status: str | None = None  # link health: alive, moved, dead, changed, unreachable (None = never checked)
    archive_url: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()] if self.body else []

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "url": self.url,
            "final_url": self.final_url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "outlet": self.outlet,
            "site_name": self.site_name,
            "published": self.published,
            "published_source": self.published_source,
            "author": self.author,
            "body": self.body,
            "tags": list(self.tags),
            "note": self.note,
            "added_at": self.added_at,
            "encoding": self.encoding,
            "quote": list(self.quote) if self.quote is not None else None,
            "summary": list(self.summary),
            "status": self.status,
            "archive_url": self.archive_url,
        }
