"""Back-filling the archive from posts already written: each ● section becomes a clip (or is linked to the clip
that already has its URL), and the post is recorded with the clips it quotes.

A post is parsed completely before anything is written, so a post with a bad section imports nothing; a post
already imported (same bytes) changes nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field

from clipper.files import read_bytes
from clipper.importer import ImportedPost, ImportedSection, parse_post_file
from clipper.models import Article
from clipper.outlets import Registry, load_registry
from clipper.store import Store


@dataclass
class SectionResult:
    section: ImportedSection
    action: str  # "new" or "existing"
    clip_id: int | None = None
    warning: str | None = None  # an existing clip's quote kept because the post's is not in its article


@dataclass
class PostResult:
    source: str
    status: str  # imported, unchanged, dry-run
    post: ImportedPost | None = None
    sections: list[SectionResult] = field(default_factory=list)
    post_id: int | None = None

    @property
    def new_clips(self) -> int:
        return sum(1 for s in self.sections if s.action == "new")


def _existing(store: Store, section: ImportedSection) -> int | None:
    if section.url:
        found = store.find_duplicate(section.url)
        if found is not None:
            return found
    return store.find_clip_by_title(section.title, section.published)


MAX_POST_BYTES = 20 * 1024 * 1024  # a blog page with a post is 0.1-2 MB; parsing one takes ~40 times its size


def import_post(store: Store, path: str, *, dry_run: bool = False, registry: Registry | None = None,
                max_bytes: int = MAX_POST_BYTES) -> PostResult:
    """Import one post file. Raises ImportFormatError (with the line) for a post it cannot parse, UsageError for a
    file it cannot read or one larger than ``max_bytes``."""
    registry = registry or load_registry()
    raw = read_bytes(path, what="a post", max_bytes=max_bytes)
    digest = hashlib.sha256(raw).hexdigest()
    if store.post_by_hash(digest) is not None:
        return PostResult(path, "unchanged")
    post = parse_post_file(path, normalize_outlet=registry.credit, raw=raw)
    del raw
    result = PostResult(path, "dry-run" if dry_run else "imported", post=post)
    for section in post.sections:
        existing = _existing(store, section)
        item = SectionResult(section, "existing" if existing else "new", existing)
        if existing is not None:
            item.warning = _quote_conflict(store, existing, section)
        result.sections.append(item)
    if dry_run:
        return result
    clip_ids: list[int] = []
    try:
        with store.conn:  # the whole post, or nothing of it
            _store_sections(store, result, registry, clip_ids)
            result.post_id = store.insert_post(source=path, title=post.title, date=post.date,
                                               content_sha256=digest, clip_ids=clip_ids)
    except sqlite3.IntegrityError:
        if store.post_by_hash(digest) is not None:  # another process imported the same post meanwhile
            return PostResult(path, "unchanged")
        raise
    return result


def _store_sections(store: Store, result: PostResult, registry: Registry, clip_ids: list[int]) -> None:
    for item in result.sections:
        if item.clip_id is None:
            item.clip_id = store.insert_clip(_article(item.section, registry), None, url=item.section.url,
                                             quote=item.section.quote)
        else:
            clip = store.get_clip(item.clip_id)
            fields: dict[str, object] = {}
            if clip.quote is None and item.warning is None:
                fields["quote"] = item.section.quote
            if not clip.summary and item.section.summary:
                fields["summary"] = item.section.summary
            if fields:
                store.update_clip(item.clip_id, fields=fields)
        clip_ids.append(item.clip_id)


def _quote_conflict(store: Store, clip_id: int, section: ImportedSection) -> str | None:
    """Why the post's quote must not become the existing clip's (its text is not in the clip's stored article),
    or None. The clip keeps its own quote; the post's text stays in the post."""
    from clipper.post import _norm

    clip = store.get_clip(clip_id)
    if not clip.body:
        return None
    bodies = [_norm(p) for p in clip.paragraphs]
    missing = [p for p in section.quote if p is not None and not any(_norm(p) in body for body in bodies)]
    if not missing:
        return None
    short = _norm(missing[0])[:30]
    return (f"the post quotes text that is not in clip {clip_id}'s stored article ({short!r}...); the clip keeps "
            "its own quote")


def _article(section: ImportedSection, registry: Registry) -> Article:
    outlet = registry.by_name(section.outlet)
    return Article(
        title=section.title,
        outlet=section.outlet_raw,  # the credit as the writer wrote it, so a re-export gives the same line
        site_name=outlet.site_name if outlet else None,
        published=section.published,
        published_source="import",
        author=section.author,
        paragraphs=tuple(p for p in section.quote if p is not None),
        summary=section.summary,
    )
